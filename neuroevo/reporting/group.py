"""Several reporters used as one: each hook is passed on to each part, in order.

The way small reporters with one job each are composed into bigger ones (the run folder,
:class:`~neuroevo.reporting.run_folder.RunFolderReporter`), in the manner of optax's
``chain``.

Example::

    both = ReporterGroup([StatsWriter("runs/xor"), BestGenomeWriter("runs/xor")])
    ne.evolve(strategy, task, generations=300, reporters=[both])
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from neuroevo.loop import GenerationStats, Reporter


class ReporterGroup(Reporter):
    """Pass every hook to ``parts``, in order."""

    def __init__(self, parts: Sequence[Reporter]) -> None:
        self.parts = list(parts)

    def on_start(self, strategy: Any, task: Any, generations: int) -> None:
        for p in self.parts:
            p.on_start(strategy, task, generations)

    def on_generation(self, stats: GenerationStats, strategy: Any) -> None:
        for p in self.parts:
            p.on_generation(stats, strategy)

    def on_solved(self, stats: GenerationStats, strategy: Any) -> None:
        for p in self.parts:
            p.on_solved(stats, strategy)

    def on_end(self, result: Any) -> None:
        for p in self.parts:
            p.on_end(result)


__all__ = ["ReporterGroup"]
