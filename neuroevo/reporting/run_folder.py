"""Everything about a run in one folder: the run-folder reporters composed.

::

    <out_dir>/
      stats.csv, stats.jsonl    one row per generation, appended (reporting/stats.py)
      species.jsonl             NEAT: species sizes per generation, appended
      best_genome.json          NEAT: the best genome so far  (reporting/best_genome.py)
      best_genome.svg           its drawing                   (reporting/drawing.py)
      fitness.png               best / mean +/- std / best so far per generation
      fitness_evaluations.png   the same against evaluations  (reporting/fitness_plots.py)
      species.png               species sizes, stacked
      episode.png               an episode of the best genome (reporting/episode.py)
      episode_frames.png        CartPole: its cart-pole poses
      summary.md                what ran, the outcome, the files (reporting/summary.py)
      experiment/               copies of the experiment and INI files (reporting/copy_files.py)

Whole files are written atomically, so a crash or an interruption never leaves a broken
one; the statistics are appended every ``write_every`` generations and at the end (a
half-written last line is skipped when they are read back), the drawing, the plots and the
summary are written at the end (``on_end`` also runs on interruption).
Each file is the job of one small reporter; :class:`RunFolderReporter` runs them one
after the other, the summary last, to list what the others wrote.

Example::

    from neuroevo.reporting.run_folder import RunFolderReporter
    rf = RunFolderReporter("runs/xor", files=["configs/xor.toml", "configs/xor.ini"],
                           node_names={-1: "a", -2: "b", 0: "a xor b"})
    ne.evolve(strategy, task, generations=300, reporters=[rf])
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import IO, Any

from neuroevo.loop import Reporter
from neuroevo.reporting.best_genome import BestGenomeWriter
from neuroevo.reporting.copy_files import CopyFiles
from neuroevo.reporting.drawing import GenomeDrawing
from neuroevo.reporting.episode import EpisodePlot
from neuroevo.reporting.fitness_plots import FitnessPlots
from neuroevo.reporting.group import ReporterGroup
from neuroevo.reporting.stats import StatsWriter, read_run_history, species_sizes
from neuroevo.reporting.summary import Summary


class RunFolderReporter(ReporterGroup):
    """Write statistics, the best genome, its drawing, plots and a summary (see module doc).

    ``files``: experiment/INI files to copy into ``experiment/``. ``node_names``: labels
    for the drawing (``{-1: "x", 0: "y"}``). ``draw``/``plots``: whether to draw the genome
    and plot the run. ``history``/``species_history``: rows of earlier generations (to
    continue a resumed run's files). :attr:`notes` collects what could not be drawn (a
    missing graphviz ``dot`` program, matplotlib ...): ``summary.md`` lists them, and with
    ``stream`` (the command gives stderr) each is also printed there as one line at the end.
    """

    def __init__(
        self,
        out_dir: str | os.PathLike[str],
        *,
        files: Sequence[str | os.PathLike[str]] = (),
        node_names: dict[int, str] | None = None,
        draw: bool = True,
        plots: bool = True,
        write_every: int = 1,
        history: Sequence[dict[str, Any]] = (),
        species_history: Sequence[dict[str, Any]] = (),
        stream: IO[str] | None = None,
    ) -> None:
        self.notes: list[str] = []
        self.stream = stream
        self.stats = StatsWriter(
            out_dir, write_every=write_every, history=history, species_history=species_history
        )
        parts: list[Reporter] = [CopyFiles(out_dir, files), self.stats, BestGenomeWriter(out_dir)]
        if draw:
            parts.append(GenomeDrawing(out_dir, node_names=node_names, notes=self.notes))
        if plots:
            parts += [
                FitnessPlots(out_dir, self.stats, notes=self.notes),
                EpisodePlot(out_dir, notes=self.notes, stream=stream),
            ]
        parts.append(Summary(out_dir, self.stats, notes=self.notes))
        super().__init__(parts)
        self.out_dir = self.stats.out_dir

    def on_end(self, result: Any) -> None:
        super().on_end(result)
        if self.stream is not None:  # what could not be drawn, where the person looks
            for note in self.notes:
                print(f"note: {note}", file=self.stream, flush=True)

    @property
    def rows(self) -> list[dict[str, Any]]:
        """The statistics rows written so far (earlier generations' included)."""
        return self.stats.rows

    @property
    def species(self) -> list[dict[str, Any]]:
        """The species rows written so far."""
        return self.stats.species


__all__ = ["RunFolderReporter", "species_sizes", "read_run_history"]
