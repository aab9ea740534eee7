"""Plots of a run at its end: ``fitness.png``, ``fitness_evaluations.png``, ``species.png``.

Titled with the task and the strategy, with the task's fitness threshold drawn.

Drawn with matplotlib (:mod:`neuroevo.viz.plots`) from the rows a
:class:`~neuroevo.reporting.stats.StatsWriter` holds; without matplotlib a note says what
to install.

Example::

    stats = StatsWriter("runs/xor")
    ne.evolve(strategy, task, generations=300,
              reporters=[stats, FitnessPlots("runs/xor", stats)])
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from neuroevo.loop import Reporter
from neuroevo.reporting.stats import StatsWriter


def plot_title(task: Any, strategy: Any) -> str:
    """``"<task> · <strategy>"``: the names a run's plots are titled with.

    Example::

        plot_title(ne.tasks.XOR(), ne.NEAT(cfg))     # "xor · neat"
    """
    task_name = getattr(task, "name", None) or type(task).__name__
    strategy_name = getattr(strategy, "name", None) or type(strategy).__name__
    return f"{task_name} · {strategy_name}"


class FitnessPlots(Reporter):
    """Plot fitness per generation and per evaluation, and species sizes, at the end.

    The plots are titled with the task and the strategy (:func:`plot_title`), show the
    task's ``fitness_threshold``, and the species plot covers exactly the generations of
    the statistics rows. ``stats``: the writer whose rows are plotted (it must come before
    this reporter). ``notes``: a list that gets a line when matplotlib is missing.
    """

    def __init__(
        self, out_dir: str | os.PathLike[str], stats: StatsWriter, *, notes: list[str] | None = None
    ) -> None:
        self.out_dir = Path(out_dir)
        self.stats = stats
        self.notes = notes if notes is not None else []
        self.title: str | None = None
        self.threshold: float | None = None

    def on_start(self, strategy: Any, task: Any, generations: int) -> None:
        self.title = plot_title(task, strategy)
        self.threshold = getattr(task, "fitness_threshold", None)

    def on_end(self, result: Any) -> None:
        rows, species = self.stats.rows, self.stats.species
        if not rows:
            return
        try:
            from neuroevo.viz.plots import plot_fitness, plot_species
        except ImportError as e:  # matplotlib not installed
            self.notes.append(f"no plots: {e} (pip install 'neuroevo[viz]')")
            return
        self.out_dir.mkdir(parents=True, exist_ok=True)
        title = self.title or "fitness"
        plot_fitness(
            rows, title=title, threshold=self.threshold, filename=self.out_dir / "fitness.png"
        )
        plot_fitness(
            rows,
            x="evaluations",
            title=title,
            threshold=self.threshold,
            filename=self.out_dir / "fitness_evaluations.png",
        )
        if species:
            plot_species(
                species,
                generations=[r["generation"] for r in rows],
                title=f"species: {title}" if self.title else None,
                filename=self.out_dir / "species.png",
            )


__all__ = ["FitnessPlots", "plot_title"]
