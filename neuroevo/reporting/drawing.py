"""A drawing of the best genome at the end of a run: ``<out_dir>/best_genome.svg``.

Drawn with graphviz (:func:`neuroevo.viz.draw.draw_genome`); when the ``dot`` program is
missing the DOT source ``best_genome.gv`` is written instead and a note says so, and
without the graphviz Python package a note says what to install.

Example::

    from neuroevo.reporting.drawing import GenomeDrawing
    ne.evolve(strategy, task, generations=300,
              reporters=[GenomeDrawing("runs/xor", node_names={-1: "a", -2: "b", 0: "out"})])
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path
from typing import Any

from neuroevo.loop import Reporter
from neuroevo.reporting.best_genome import genome_config


class GenomeDrawing(Reporter):
    """Draw the best genome at the end of the run (NEAT strategies only).

    ``node_names``: labels (``{-1: "x", 0: "y"}``). ``notes``: a list that gets a line for
    each thing that could not be drawn (shared with the run folder's summary).
    """

    def __init__(self, out_dir: str | os.PathLike[str], *,
                 node_names: dict[int, str] | None = None, notes: list[str] | None = None) -> None:
        self.out_dir = Path(out_dir)
        self.node_names = node_names
        self.notes = notes if notes is not None else []
        self._strategy: Any = None

    def on_start(self, strategy: Any, task: Any, generations: int) -> None:
        self._strategy = strategy

    def on_end(self, result: Any) -> None:
        strategy = result.strategy or self._strategy
        best = getattr(strategy, "best", None)
        gc = genome_config(strategy)
        if best is None or gc is None or not hasattr(best, "connections"):
            return
        try:
            from neuroevo.viz.draw import DotMissingWarning, draw_genome
        except ImportError as e:  # graphviz (Python) not installed
            self.notes.append(f"no drawing: {e} (pip install 'neuroevo[viz]')")
            return
        self.out_dir.mkdir(parents=True, exist_ok=True)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", DotMissingWarning)
            draw_genome(best, gc, node_names=self.node_names,
                        filename=self.out_dir / "best_genome.svg")
        for w in caught:
            if issubclass(w.category, DotMissingWarning):
                self.notes.append(str(w.message))
            else:
                warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)


__all__ = ["GenomeDrawing"]
