"""Reporters observe the population loop; the loop itself never prints.

A reporter overrides only the hooks it needs (all are no-ops here), in the manner of
neat-python's ``BaseReporter``.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from neuroevo.loop import Result
    from neuroevo.strategies.base import Strategy
    from neuroevo.tasks.base import Task


@dataclasses.dataclass(frozen=True)
class GenerationStats:
    """Figures of one generation, as reporters and ``Result.history`` see them."""

    generation: int
    best_fitness: float  # best of this generation
    mean_fitness: float
    std_fitness: float
    best_fitness_so_far: float
    evaluations: int  # cumulative fitness evaluations at the end of this generation
    seconds: float  # wall time of this generation
    evaluations_per_second: float
    extra: dict[str, float] = dataclasses.field(default_factory=dict)  # e.g. {"species": 5}

    def to_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        extra = d.pop("extra")
        d.update(extra)
        return d


class Reporter:
    """No-op hooks called by :func:`neuroevo.evolve`."""

    def on_start(self, strategy: Strategy, task: Task, generations: int) -> None:
        """Before the first generation (also after a resume)."""

    def on_generation(self, stats: GenerationStats, strategy: Strategy) -> None:
        """After each generation has been evaluated and told to the strategy."""

    def on_solved(self, stats: GenerationStats, strategy: Strategy) -> None:
        """When a candidate reaches the task's fitness threshold."""

    def on_end(self, result: Result) -> None:
        """After the last generation, interruption included."""
