"""Reporters observe the population loop; the loop itself never prints.

A reporter overrides only the hooks it needs (all are no-ops here), in the manner of
neat-python's ``BaseReporter``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from neuroevo.loop.result import GenerationStats, Result
    from neuroevo.strategies.base import Strategy
    from neuroevo.tasks.base import Task


class Reporter:
    """No-op hooks called by :func:`neuroevo.evolve`."""

    def on_start(self, strategy: Strategy, task: Task, generations: int) -> None:
        """Before the first generation (also after a resume)."""

    def on_generation(self, stats: GenerationStats, strategy: Strategy) -> None:
        """After each generation has been evaluated and told to the strategy."""

    def on_solved(self, stats: GenerationStats, strategy: Strategy) -> None:
        """When a candidate reaches the task's fitness threshold."""

    def on_end(self, result: Result) -> None:
        """After the last generation, interruption included: ``result.status`` (a
        :class:`~neuroevo.loop.result.RunStatus`) says whether the run finished, was solved,
        interrupted (Ctrl-C) or failed."""
