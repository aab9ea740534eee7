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
