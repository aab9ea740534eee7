"""Plots of a run at its end: ``fitness.png``, ``fitness_evaluations.png``, ``species.png``.

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


class FitnessPlots(Reporter):
    """Plot fitness per generation and per evaluation, and species sizes, at the end.

    ``stats``: the writer whose rows are plotted (it must come before this reporter).
    ``notes``: a list that gets a line when matplotlib is missing.
    """

    def __init__(self, out_dir: str | os.PathLike[str], stats: StatsWriter, *,
                 notes: list[str] | None = None) -> None:
        self.out_dir = Path(out_dir)
        self.stats = stats
        self.notes = notes if notes is not None else []

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
        plot_fitness(rows, filename=self.out_dir / "fitness.png")
        plot_fitness(rows, x="evaluations", filename=self.out_dir / "fitness_evaluations.png")
        if species:
            plot_species(species, filename=self.out_dir / "species.png")


__all__ = ["FitnessPlots"]
