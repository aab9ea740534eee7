"""TensorBoard: a run's figures as an event file, written with PyTorch's ``SummaryWriter``.

What one run's ``log_dir`` holds (``tensorboard --logdir DIR`` shows it):

* scalars, step = generation: every figure of ``stats.jsonl`` under its own name
  (``best_fitness``, ``mean_fitness``, ``std_fitness``, ``best_fitness_so_far``,
  ``evaluations``, ``seconds``, ``evaluations_per_second``, and the extras: ``species`` ...);
* histograms every ``histogram_every`` generations: ``fitness`` (the values the generation
  told the strategy) and ``weights`` (every weight of the population bred from it: parameter
  rows, or NEAT's enabled connections: :func:`.common.population_weights`);
* ``best_genome``, an image every ``image_every`` generations and at the end: the best
  candidate's drawing (:mod:`neuroevo.viz`; needs the graphviz ``dot`` program -- without it,
  or without the ``viz`` extra, one note and no images);
* hyper-parameters (:func:`~neuroevo.reporting.tracking.common.hyperparameters`) for the
  HParams dashboard, and the same as a table under the text tag ``hyperparameters``.

A resumed run writes to the same ``log_dir`` with ``purge_step`` at the generation it goes on
from, so TensorBoard drops what the first session wrote for the generations run again.

Example::

    from neuroevo.reporting.tracking import TensorBoardReporter
    ne.evolve(strategy, task, generations=100,
              reporters=[TensorBoardReporter("runs/tb/xor", image_every=20)])
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

from neuroevo.errors import StrategyError
from neuroevo.loop import GenerationStats, Reporter
from neuroevo.reporting.tracking.common import hyperparameters, population_weights, require, scalars


class TensorBoardReporter(Reporter):
    """Write the run to TensorBoard event files in ``log_dir`` (see the module doc).

    ``histogram_every``/``image_every``: generations between histograms / drawings (0:
    never). ``hparams``: settings recorded besides the strategy's and task's. ``notes``: a
    list that gets a line for what could not be drawn (the run folder's, in ``neuroevo run``).
    """

    def __init__(
        self,
        log_dir: str | os.PathLike[str],
        *,
        histogram_every: int = 1,
        image_every: int = 10,
        hparams: dict[str, Any] | None = None,
        notes: list[str] | None = None,
    ) -> None:
        for name, value in (("histogram_every", histogram_every), ("image_every", image_every)):
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ValueError(
                    f"TensorBoardReporter: {name} must be an integer >= 0 (0: never), got {value!r}"
                )
        self._tb = require("torch.utils.tensorboard", "tensorboard", "TensorBoardReporter")
        self.log_dir = Path(log_dir)
        self.histogram_every, self.image_every = histogram_every, image_every
        self.hparams = dict(hparams or {})
        self.notes = notes if notes is not None else []
        self.writer: Any = None
        self._strategy: Any = None
        self._task: Any = None
        self._can_draw = image_every > 0
        self._last_image = -1

    def on_start(self, strategy: Any, task: Any, generations: int) -> None:
        self._strategy, self._task = strategy, task
        start = getattr(strategy, "generation", 0)
        self.writer = self._tb.SummaryWriter(
            log_dir=str(self.log_dir), purge_step=start if start > 0 else None
        )
        self._write_hparams(hyperparameters(strategy, task, self.hparams))

    def on_generation(self, stats: GenerationStats, strategy: Any) -> None:
        step = stats.generation
        for tag, value in scalars(stats).items():
            self.writer.add_scalar(tag, value, step)
        if self.histogram_every and (step + 1) % self.histogram_every == 0:
            if stats.fitness is not None and stats.fitness.numel():
                self.writer.add_histogram("fitness", stats.fitness, step)
            weights = population_weights(strategy)
            if weights is not None and weights.numel():
                self.writer.add_histogram("weights", weights.float().cpu(), step)
        if self._can_draw and (step + 1) % self.image_every == 0:
            self._add_drawing(strategy, step)

    def on_end(self, result: Any) -> None:
        if self.writer is None:
            return
        last = result.history[-1].generation if result.history else None
        if self._can_draw and last is not None and last != self._last_image:
            self._add_drawing(result.strategy or self._strategy, last)
        self.writer.close()

    def _write_hparams(self, settings: dict[str, Any]) -> None:
        from torch.utils.tensorboard.summary import hparams

        writer = self.writer._get_file_writer()  # into this run's file, not a sub-run of its own
        for summary in hparams(settings, {"best_fitness_so_far": float("nan")}):
            writer.add_summary(summary)
        table = "\n".join(
            ["| setting | value |", "|---|---|"] + [f"| {k} | {v} |" for k, v in settings.items()]
        )
        self.writer.add_text("hyperparameters", table, getattr(self._strategy, "generation", 0))

    def _add_drawing(self, strategy: Any, step: int) -> None:
        """The best candidate's drawing as the image ``best_genome`` at ``step``."""
        png = self._drawing(strategy)
        if png is None:
            return
        from matplotlib.image import imread

        self.writer.add_image(
            "best_genome", imread(io.BytesIO(png), format="png"), step, dataformats="HWC"
        )
        self._last_image = step

    def _drawing(self, strategy: Any) -> bytes | None:
        """PNG bytes of the best genome (NEAT) or best parameters' network; ``None`` (and
        drawing stopped, with one note) without graphviz, ``dot`` or matplotlib."""
        import torch

        from neuroevo.reporting.best_genome import genome_config
        from neuroevo.reporting.drawing import task_io_names

        best = getattr(strategy, "best", None)
        if best is None:
            return None
        try:
            import graphviz
            import matplotlib  # noqa: F401  (reads the PNG back)

            from neuroevo.viz.draw import draw_genome, io_names
            from neuroevo.viz.draw_params import draw_parameters
        except ImportError as e:
            self._stop_drawing(
                f"no best_genome images in TensorBoard: {e} (pip install 'neuroevo[viz]')"
            )
            return None
        inputs, outputs = task_io_names(self._task)
        gc = genome_config(strategy)
        if gc is not None and hasattr(best, "connections"):
            dot = draw_genome(best, gc, node_names=io_names(gc, inputs, outputs), fmt="png")
        elif isinstance(best, torch.Tensor) and getattr(strategy, "module", None) is not None:
            try:
                dot = draw_parameters(
                    strategy.module,
                    best.detach().reshape(-1),
                    input_names=inputs,
                    output_names=outputs,
                    fmt="png",
                )
            except StrategyError as e:  # a module that is not a stack of linear layers
                self._stop_drawing(f"no best_genome images in TensorBoard: {e}")
                return None
        else:
            return None
        try:
            png: bytes = dot.pipe(format="png")
            return png
        except graphviz.ExecutableNotFound:
            self._stop_drawing(
                "no best_genome images in TensorBoard: the graphviz "
                "'dot' program is missing (install graphviz)"
            )
            return None

    def _stop_drawing(self, note: str) -> None:
        self._can_draw = False
        self.notes.append(note)
        return None


__all__ = ["TensorBoardReporter"]
