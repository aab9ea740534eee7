"""Worker processes give exactly the serial run: NEAT and GA, gymnasium and torch
environments, supervised tasks, running observation statistics; a killed worker's slice is
re-run; a task's error in a worker is raised in the driver."""

from __future__ import annotations

import neat
import pytest
import torch

import neuroevo as ne
from neuroevo.errors import ConfigError, TaskError
from neuroevo.policy import BatchedPolicy
from neuroevo.strategies.base import Strategy
from tests.parallel.helpers import FailsInWorkers, KillOnce, ga_run, neat_run, same_run


def test_neat_on_gymnasium_equals_the_serial_run(process_backend):
    serial = neat_run()
    same_run(serial, neat_run(process_backend))
    # the population went out as slices of arrays, one per worker, with the set-up once
    last = process_backend.last
    assert len(last.slices) == 2 and sorted(t.worker for t in last.slices) == [0, 1]
    assert 0 < last.bytes_sent < 20_000 and last.bytes_setup > 0


def test_ga_on_a_torch_environment_equals_the_serial_run(process_backend):
    same_run(ga_run(), ga_run(process_backend))


def test_a_supervised_task_equals_the_serial_run(process_backend):
    def run(backend):
        return ne.evolve(
            ne.NEAT("configs/xor.ini", pop_size=20),
            ne.tasks.XOR(),
            generations=4,
            seed=2,
            device="cpu",
            backend=backend,
        )

    same_run(run(None), run(process_backend))


def test_float64_fitness_and_the_generator_are_as_in_one_process(process_backend):
    task = ne.tasks.Control("gym:CartPole-v1", episodes=3)
    strategy = ne.NEAT("configs/cartpole.ini", pop_size=9)
    strategy.setup(
        num_inputs=4, num_outputs=2, seed=1, device=torch.device("cpu"), dtype=torch.float64
    )
    policy = strategy.ask()
    g1 = torch.Generator().manual_seed(8)
    torch.randint(5, (3,), generator=g1)  # not freshly seeded: its whole state travels
    g2 = torch.Generator()
    g2.set_state(g1.get_state())
    want = task.evaluate(policy, generator=g1)
    process_backend.open(task)
    got = process_backend.evaluate(strategy, policy, g2)
    assert got.dtype == torch.float64 and torch.equal(got, want)
    assert torch.equal(g1.get_state(), g2.get_state())  # left as the task left it


def test_observation_statistics_merge_as_in_one_process(process_backend):
    def run(backend):
        task = ne.tasks.Control("gym:CartPole-v1", episodes=2, normalize_observations=True)
        return neat_run(backend, task=task), task.state_dict()["observation_stats"]

    (serial, want), (parallel, got) = run(None), run(process_backend)
    same_run(serial, parallel)
    for key in ("count", "mean", "m2"):
        assert torch.equal(want[key], got[key])


def test_a_killed_worker_slice_is_rerun_and_the_run_ends_alike(process_backend, tmp_path):
    marker = tmp_path / "kill"
    serial = neat_run(task=KillOnce(ne.tasks.Control("gym:CartPole-v1", episodes=2), marker))
    marker.touch()
    before = process_backend._pool.pids()
    task = KillOnce(ne.tasks.Control("gym:CartPole-v1", episodes=2), marker, after=1)
    parallel = neat_run(process_backend, task=task)
    assert not marker.exists()  # a worker did end itself, in generation 1
    after = process_backend._pool.pids()
    assert len(set(before) & set(after)) == 1 and len(after) == 2  # and was replaced
    same_run(serial, parallel)


def test_a_task_error_in_a_worker_is_raised_in_the_driver(process_backend):
    task = FailsInWorkers(ne.tasks.Control("gym:CartPole-v1", episodes=1))
    with pytest.raises(TaskError, match="bad episode for candidate") as info:
        neat_run(process_backend, task=task, generations=1)
    assert "raised in a worker" in "".join(getattr(info.value, "__notes__", []))
    same_run(neat_run(), neat_run(process_backend))  # the workers serve the next run


class _Fixed(BatchedPolicy):
    num_candidates, num_inputs, num_outputs = 4, 2, 1

    def forward(self, x):
        return torch.zeros(4, x.shape[-2], 1)


class _OwnStrategy(Strategy):
    name = "own"

    def setup(self, **kwargs):
        pass

    def ask(self):
        return _Fixed()

    def tell(self, fitness):
        pass


def test_a_policy_that_cannot_be_sliced_is_refused(process_backend):
    with pytest.raises(ConfigError, match="cannot be cut into slices.*workers=None"):
        ne.evolve(_OwnStrategy(), ne.tasks.XOR(), generations=1, backend=process_backend)


def test_the_tensor_engine_is_refused_with_the_fix(process_backend):
    """Its genomes live in tensors (``genomes`` is a method there): one ConfigError, not a
    TypeError from inside the backend, before any reporter starts."""
    strategy = ne.NEAT("configs/xor.ini", engine="tensor")
    started = Started()
    with pytest.raises(
        ConfigError,
        match=r"tensor engine \(TensorNEAT\) cannot be cut into "
        "slices.*workers=None",
    ):
        ne.evolve(
            strategy, ne.tasks.XOR(), generations=1, backend=process_backend, reporters=[started]
        )
    assert not started.called


class Started(ne.Reporter):
    called = False

    def on_start(self, strategy, task, generations):
        self.called = True


def test_genomes_travel_as_arrays_not_pickled_neat_python_objects(process_backend):
    neat_run(process_backend, generations=1, pop_size=30)
    sent = process_backend.last.bytes_sent
    strategy = ne.NEAT("configs/cartpole.ini", pop_size=30)
    strategy.setup(
        num_inputs=4, num_outputs=2, seed=3, device=torch.device("cpu"), dtype=torch.float32
    )
    import pickle

    pickled = sum(len(pickle.dumps((g, strategy.config))) for g in strategy.genomes)
    assert sent * 4 < pickled  # neat.ParallelEvaluator's way: genome and config each time
    assert isinstance(strategy.genomes[0], neat.DefaultGenome)


def test_a_script_without_a_main_guard_is_told_so_in_one_line(tmp_path):
    """Worker processes import the main script again; one that starts its run at module
    level gets one error naming the fix, instead of every worker's traceback."""
    import subprocess
    import sys

    script = tmp_path / "unguarded.py"
    script.write_text(
        "import neuroevo as ne\n"
        "ne.evolve(ne.GA(ne.MLP(2, [3], 1), pop_size=8), ne.tasks.XOR(), "
        "generations=1, seed=1, device='cpu', workers=2)\n"
        "print('the run ended')\n"
    )
    proc = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=300, cwd=tmp_path
    )
    lines = proc.stderr.splitlines()
    assert proc.returncode == 1 and "the run ended" not in proc.stdout
    assert lines[-1] == (
        f"neuroevo.parallel.backend.BackendError: worker processes import {script} again, "
        "and it starts a run with workers there too: put the code that calls "
        'evolve(..., workers=N) or GenomeEvaluator under `if __name__ == "__main__":` '
        "(each worker process "
        "imports the main module, so its top-level code runs in every worker)"
    )
    assert proc.stderr.count("Traceback") == 1 and len(lines) < 40  # the script's own only
