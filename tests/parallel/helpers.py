"""Tasks and runs shared by the backend tests: a task that kills its worker, one that fails,
and the small runs whose results every backend must reproduce exactly."""

from __future__ import annotations

import os
from typing import Any

import torch

import neuroevo as ne
from neuroevo.errors import TaskError
from neuroevo.tasks.base import Task


class Wrapped(Task):
    """A task that delegates to ``inner`` (sizes, threshold, evaluation count)."""

    def __init__(self, inner: Task) -> None:
        self.inner = inner
        self.name = inner.name
        self.num_inputs, self.num_outputs = inner.num_inputs, inner.num_outputs
        self.fitness_threshold = inner.fitness_threshold
        self.driver_pid = os.getpid()

    def evaluate(self, policy, *, generator=None, candidates=None, population_size=None):
        return self.inner.evaluate(
            policy, generator=generator, candidates=candidates, population_size=population_size
        )

    def evaluations_per_candidate(self) -> int:
        return self.inner.evaluations_per_candidate()


class KillOnce(Wrapped):
    """In a worker, at its evaluation number ``after`` (0: its first), the first worker to
    delete ``marker`` ends its process -- after evaluating its slice, so the slice's work is
    lost in the middle of the generation. In the driver (a serial run) it never kills."""

    def __init__(self, inner: Task, marker: os.PathLike, *, after: int = 1) -> None:
        super().__init__(inner)
        self.marker, self.after, self.calls = str(marker), after, 0

    def evaluate(self, policy, **kwargs):
        fitness = super().evaluate(policy, **kwargs)
        self.calls += 1
        if os.getpid() != self.driver_pid and self.calls > self.after:
            try:
                os.remove(self.marker)
            except FileNotFoundError:
                pass
            else:
                os._exit(7)
        return fitness


class FailsInWorkers(Wrapped):
    """Raises a TaskError naming the slice's first position, in workers only."""

    def evaluate(self, policy, *, candidates=None, **kwargs):
        if os.getpid() != self.driver_pid:
            raise TaskError(f"bad episode for candidate {int(candidates[0])}")
        return super().evaluate(policy, candidates=candidates, **kwargs)


def neat_run(
    backend: Any = None,
    *,
    task: Task | None = None,
    generations: int = 3,
    pop_size: int = 16,
    seed: int = 3,
    **kwargs: Any,
) -> ne.Result:
    """NEAT (configs/cartpole.ini) on gymnasium's CartPole, 2 episodes per genome."""
    task = task if task is not None else ne.tasks.Control("gym:CartPole-v1", episodes=2)
    strategy = ne.NEAT("configs/cartpole.ini", pop_size=pop_size)
    return ne.evolve(
        strategy, task, generations=generations, seed=seed, device="cpu", backend=backend, **kwargs
    )


def ga_run(
    backend: Any = None,
    *,
    task: Task | None = None,
    generations: int = 3,
    seed: int = 5,
    **kwargs: Any,
) -> ne.Result:
    """GA over an MLP on neuroevo's torch CartPole (positions and population size matter)."""
    task = task if task is not None else ne.tasks.Control("CartPole-v1", episodes=2)
    strategy = ne.GA(ne.MLP(4, [6], 2), pop_size=12, reset_module=True)
    return ne.evolve(
        strategy, task, generations=generations, seed=seed, device="cpu", backend=backend, **kwargs
    )


def same_run(a: ne.Result, b: ne.Result) -> None:
    """Two runs went exactly alike: every generation's statistics, counts and the best."""
    key = [
        (
            h.generation,
            h.best_fitness,
            h.mean_fitness,
            h.std_fitness,
            h.evaluations,
            h.best_fitness_so_far,
        )
        for h in a.history
    ]
    assert key == [
        (
            h.generation,
            h.best_fitness,
            h.mean_fitness,
            h.std_fitness,
            h.evaluations,
            h.best_fitness_so_far,
        )
        for h in b.history
    ]
    assert (a.best_fitness, a.generations, a.evaluations) == (
        b.best_fitness,
        b.generations,
        b.evaluations,
    )
    if isinstance(a.best, torch.Tensor):
        assert torch.equal(a.best, b.best)
    else:
        assert a.best.key == b.best.key
    assert len({h.mean_fitness for h in a.history}) > 1  # the runs did evolve
