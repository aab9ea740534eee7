"""Islands never share a population or a task's state.

``Islands([s] * 3, ...)`` names one strategy object three times: Ray pickles a copy for each
actor, so islands in this process must get copies too. The reference is the same run with
three separately built strategies (and tasks).
"""

from __future__ import annotations

import torch

import neuroevo as ne
from neuroevo.islands.islands import Islands

SYNC = {
    "migration_interval": 2,
    "migrants": 1,
    "seed": 4,
    "asynchronous": False,
    "backend": "local",
    "stop_on_solve": False,
}


def _pso() -> ne.PSO:
    return ne.PSO(ne.MLP(2, [3], 1), pop_size=8, reset_module=True)


def _figures(result):
    return [
        [
            (
                g.generation,
                g.best_fitness,
                g.mean_fitness,
                g.best_fitness_so_far,
                g.evaluations,
                g.immigrants,
            )
            for g in h
        ]
        for h in result.histories
    ]


def test_one_strategy_named_three_times_is_three_islands():
    reference = Islands([_pso() for _ in range(3)], ne.tasks.XOR(), **SYNC).run(5)
    shared = _pso()
    got = Islands([shared] * 3, ne.tasks.XOR(), **SYNC).run(5)
    assert _figures(got) == _figures(reference)
    assert torch.equal(got.best, reference.best)
    assert shared.generation == 0  # the object given is not evolved itself, as on Ray


def test_one_stateful_task_named_for_every_island_is_copied():
    """Running observation statistics: each island learns its own, as on Ray."""

    def task():
        return ne.tasks.Control("CartPole-v1", episodes=2, normalize_observations=True)

    def strategies():
        return [ne.GA(ne.MLP(4, [3], 2), pop_size=6, reset_module=True) for _ in range(2)]

    reference = Islands(strategies(), [task(), task()], **SYNC).run(3)
    one = task()
    got = Islands(strategies(), [one, one], **SYNC).run(3)
    assert _figures(got) == _figures(reference)
