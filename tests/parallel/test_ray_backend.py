"""Ray actors (a local Ray, ray.init(num_cpus=2) once per session) give exactly the serial
run, and an actor killed in the middle of a generation changes nothing."""

from __future__ import annotations

import pytest

import neuroevo as ne
from neuroevo.errors import TaskError
from tests.parallel.helpers import FailsInWorkers, KillOnce, ga_run, neat_run, same_run


@pytest.fixture(scope="module")
def ray_backend(ray_session):
    from neuroevo.parallel.ray_backend import RayBackend

    backend = RayBackend(workers=2)
    yield backend
    backend.close()
    assert ray_session.is_initialized()  # the session's Ray is not the backend's to stop


def test_neat_on_gymnasium_equals_the_serial_run(ray_backend):
    same_run(neat_run(), neat_run(ray_backend))
    assert sorted(t.worker for t in ray_backend.last.slices) == [0, 1]


def test_ga_on_a_torch_environment_equals_the_serial_run(ray_backend):
    same_run(ga_run(), ga_run(ray_backend))


def test_an_actor_killed_mid_generation_changes_nothing(ray_backend, tmp_path):
    marker = tmp_path / "kill"
    serial = ga_run(task=KillOnce(ne.tasks.Control("CartPole-v1", episodes=2), marker))
    marker.touch()
    before = ray_backend.actor_pids()
    task = KillOnce(ne.tasks.Control("CartPole-v1", episodes=2), marker, after=1)
    parallel = ga_run(ray_backend, task=task)
    assert not marker.exists()  # an actor did end its process, in generation 1
    after = ray_backend.actor_pids()
    assert len(set(before) & set(after)) == 1 and len(after) == 2  # and was replaced
    same_run(serial, parallel)


def test_a_task_error_in_an_actor_is_raised_in_the_driver(ray_backend):
    task = FailsInWorkers(ne.tasks.Control("gym:CartPole-v1", episodes=1))
    with pytest.raises(TaskError, match="bad episode for candidate"):
        neat_run(ray_backend, task=task, generations=1)


class hangs_after:
    """Fail (instead of hanging the suite) when the block runs longer than ``seconds``."""

    def __init__(self, seconds: int) -> None:
        self.seconds = seconds

    def __enter__(self):
        import signal

        def timeout(signum, frame):
            raise TimeoutError(f"still waiting after {self.seconds} s")

        self._old = signal.signal(signal.SIGALRM, timeout)
        signal.alarm(self.seconds)

    def __exit__(self, *exc):
        import signal

        signal.alarm(0)
        signal.signal(signal.SIGALRM, self._old)


def test_more_workers_than_the_cluster_has_cpus_is_one_line_at_once(ray_session):
    """ray.init(num_cpus=2) and workers=3: the third actor would wait for a CPU forever."""
    from neuroevo.parallel import BackendError
    from neuroevo.parallel.ray_backend import RayBackend

    total = int(ray_session.cluster_resources()["CPU"])
    backend = RayBackend(workers=total + 1)
    with hangs_after(60), pytest.raises(BackendError) as info:
        ga_run(backend, generations=1)
    assert str(info.value) == (
        f"workers={total + 1}: each Ray actor needs 1 CPU and the Ray cluster has {total}; use "
        f"{total} workers or fewer (--workers {total}), or join a bigger cluster (--address)"
    )
    backend.close()


def test_workers_whose_cpus_stay_taken_are_refused_after_a_wait(ray_backend, monkeypatch):
    """The module's backend holds the session's CPUs; another asking for them waits
    free_wait seconds for them to come free, then says so."""
    from neuroevo.parallel import BackendError
    from neuroevo.parallel.ray_backend import RayBackend

    ray_backend.start()  # its actors hold their CPUs
    total = int(ray_backend._ray.cluster_resources()["CPU"])
    free = int(ray_backend._ray.available_resources().get("CPU", 0))
    monkeypatch.setattr(RayBackend, "free_wait", 1.0)
    other = RayBackend(workers=free + 1)
    with (
        hangs_after(60),
        pytest.raises(
            BackendError,
            match=rf"^workers={free + 1}: each Ray "
            rf"actor needs 1 CPU and {total - free} of the Ray "
            rf"cluster's {total} are taken; ",
        ),
    ):
        other.start()
    other.close()


def test_no_ray_at_the_address_is_one_line(monkeypatch):
    """ray.init's own error (no cluster at "auto") becomes one line with the fix."""
    import ray

    from neuroevo.parallel import BackendError
    from neuroevo.parallel.ray_backend import RayBackend

    def no_cluster(address=None, **kwargs):
        raise ConnectionError(
            "Could not find any running Ray instance. Please specify the one "
            "to connect to by setting `--address` flag or `RAY_ADDRESS` "
            "environment variable."
        )

    monkeypatch.setattr(ray, "is_initialized", lambda: False)
    monkeypatch.setattr(ray, "init", no_cluster)
    with pytest.raises(BackendError) as info:
        RayBackend(workers=1, address="auto").start()
    assert str(info.value) == (
        "cannot connect to Ray at 'auto': Could not find any running Ray instance. Please "
        "specify the one to connect to by setting `--address` flag or `RAY_ADDRESS` "
        "environment variable; start one (ray start --head) or pass its address"
    )
