"""Islands on Ray actors (the session's local Ray): asynchronous NEAT and PSO islands, a slow
island that does not stall the others, resume, and the synchronous mode against this process."""

from __future__ import annotations

import time

import neat
import pytest
import torch

import neuroevo as ne
from neuroevo.islands.islands import Islands
from neuroevo.tasks.base import Task

XOR_CASES = list(zip([(0, 0), (0, 1), (1, 0), (1, 1)], [0, 1, 1, 0]))


class SlowXOR(Task):
    """XOR that sleeps ``seconds`` per evaluation: an island on a slow machine."""

    def __init__(self, seconds: float) -> None:
        self.inner, self.seconds = ne.tasks.XOR(), seconds
        self.name, self.num_inputs, self.num_outputs = "slow-xor", 2, 1
        self.fitness_threshold = None

    def evaluate(self, policy, *, generator=None):
        time.sleep(self.seconds)
        return self.inner.evaluate(policy, generator=generator)


def pso(n):
    return [ne.PSO(ne.MLP(2, [4], 1), pop_size=12, reset_module=True) for _ in range(n)]


def test_neat_islands_evolve_asynchronously_and_exchange_genomes(ray_session):
    strategies = [ne.NEAT(ne.load_config("configs/xor.ini"), pop_size=20) for _ in range(2)]
    result = Islands(
        strategies, ne.tasks.XOR(), migration_interval=2, migrants=2, seed=1, stop_on_solve=False
    ).run(8)
    assert result.asynchronous and result.generations == [8, 8]
    received = [sum(g.immigrants for g in h) for h in result.histories]
    assert sum(received) > 0  # both ran at the same time: at least one exchange arrived
    assert [g.generation for g in result.histories[0]] == list(range(8))
    net = neat.nn.FeedForwardNetwork.create(result.best, ne.load_config("configs/xor.ini"))
    sse = sum((net.activate(x)[0] - y) ** 2 for x, y in XOR_CASES)
    assert result.best_fitness == pytest.approx(4 - sse, abs=1e-5)


def test_a_slow_island_does_not_stall_the_other_and_the_run_resumes(ray_session, tmp_path):
    # island 1 takes 0.5 s per generation; island 0 takes milliseconds
    settings = dict(
        migration_interval=2,
        migrants=1,
        seed=5,
        stop_on_solve=False,
        checkpoint_dir=tmp_path,
        checkpoint_every=4,
    )
    run = Islands(pso(2), [ne.tasks.XOR(), SlowXOR(0.5)], **settings).start(40)
    assert run.wait([0], timeout=300) == [0]  # the fast island is done ...
    slow_done = run.progress().get(1, 0)
    assert slow_done < 20  # ... while the slow one has done few (it needs 20 s for 40)
    run.stop()
    first = run.result()
    assert first.generations[0] == 40 and first.generations[1] < 40
    assert [g.generation for g in first.histories[0]] == list(range(40))
    # resume both, each from its own checkpoint (here in this process, synchronously: the
    # checkpoints are the same in both modes; test_islands.py resumes synchronous runs)
    resumed = Islands(pso(2), ne.tasks.XOR(), asynchronous=False, backend="local", **settings).run(
        44, resume=True
    )
    assert resumed.generations == [44, 44]
    for old, new in zip(first.histories, resumed.histories):
        assert [g.generation for g in new] == list(range(44))
        assert [g.best_fitness for g in new[: len(old)]] == [g.best_fitness for g in old]
    assert resumed.best_fitness >= first.best_fitness


def test_synchronous_islands_on_ray_equal_the_same_run_in_this_process(ray_session):
    kw = dict(migration_interval=3, migrants=2, seed=11, asynchronous=False, stop_on_solve=False)
    on_ray = Islands(pso(2), ne.tasks.XOR(), backend="ray", **kw).run(9)
    here = Islands(pso(2), ne.tasks.XOR(), backend="local", **kw).run(9)
    assert [[g.best_fitness for g in h] for h in on_ray.histories] == [
        [g.best_fitness for g in h] for h in here.histories
    ]
    assert torch.equal(on_ray.best, here.best)
    assert [g.immigrants for g in on_ray.histories[0]] == [0, 0, 2] * 3
