"""Weights & Biases: a run's figures as the history of one W&B run, its settings as config.

Every figure of ``stats.jsonl`` is logged under its own name (``best_fitness``, ``species``
...) with step = generation, one ``log`` per generation; with ``histograms`` (default) also
``fitness``, the values the generation told the strategy, and ``weights``, every weight of
the population bred from it (:func:`.common.population_weights`), as ``wandb.Histogram``. The
strategy's and task's settings (:func:`~neuroevo.reporting.tracking.common.hyperparameters`)
are the run's config. W&B's own console output is turned off (the loop never prints).

``mode``: ``"online"``, ``"offline"`` (written under ``dir``, sent later with ``wandb sync``)
or ``"disabled"``; ``None``: W&B's default (``WANDB_MODE``). ``run_id_file``: where the
run's id is kept (``neuroevo run`` uses ``<run folder>/wandb_run_id``); when the file exists
the run is resumed under that id (``resume="allow"``), so a resumed run writes to the run it
started. W&B takes only increasing steps: after a resume, the generations run again are
logged with W&B's step past the last one it holds, so ``generation`` is logged as a metric
too and is the axis to plot against.

Example::

    from neuroevo.reporting.tracking import WandbReporter
    ne.evolve(strategy, task, generations=100,
              reporters=[WandbReporter(project="xor", mode="offline", dir="runs/xor")])
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from neuroevo.errors import ConfigError
from neuroevo.loop import GenerationStats, Reporter
from neuroevo.reporting.tracking.common import (
    RunIdFile,
    hyperparameters,
    population_weights,
    require,
    scalars,
)

MODES = ("online", "offline", "disabled")


class WandbReporter(Reporter):
    """Log the run to W&B (see the module doc). ``project``, ``name``, ``entity``, ``group``,
    ``tags``: the run's, as ``wandb.init`` takes them; ``hparams``: config besides the
    strategy's and task's. :attr:`run` is the ``wandb`` run once started."""

    def __init__(
        self,
        *,
        project: str = "neuroevo",
        mode: str | None = None,
        dir: str | os.PathLike[str] | None = None,
        name: str | None = None,
        entity: str | None = None,
        group: str | None = None,
        tags: list[str] | None = None,
        histograms: bool = True,
        run_id_file: str | os.PathLike[str] | None = None,
        hparams: dict[str, Any] | None = None,
    ) -> None:
        if mode is not None and mode not in MODES:
            raise ConfigError(
                f"WandbReporter: mode must be one of {', '.join(MODES)}, got {mode!r}"
            )
        if not isinstance(project, str) or not project:
            raise ConfigError(f"WandbReporter: project must be a non-empty string, got {project!r}")
        self._wandb = require("wandb", "wandb", "WandbReporter")
        self.project, self.mode, self.name = project, mode, name
        self.dir = None if dir is None else Path(dir)
        self.entity, self.group, self.tags = entity, group, tags
        self.histograms = histograms
        self.ids = RunIdFile(run_id_file)
        self.hparams = dict(hparams or {})
        self.run: Any = None

    def on_start(self, strategy: Any, task: Any, generations: int) -> None:
        wandb = self._wandb
        run_id = self.ids.read()
        if self.dir is not None:
            self.dir.mkdir(parents=True, exist_ok=True)
        self.run = wandb.init(
            project=self.project,
            entity=self.entity,
            name=self.name,
            group=self.group,
            tags=self.tags,
            mode=self.mode,
            dir=None if self.dir is None else str(self.dir),
            id=run_id,
            resume="allow" if run_id is not None else None,
            config=hyperparameters(strategy, task, self.hparams),
            settings=wandb.Settings(console="off", silent=True),
            reinit="create_new",
        )
        if run_id is None:
            self.ids.write(self.run.id)

    def on_generation(self, stats: GenerationStats, strategy: Any) -> None:
        row: dict[str, Any] = {"generation": stats.generation, **scalars(stats)}
        if self.histograms:
            weights = population_weights(strategy)
            for key, values in (("fitness", stats.fitness), ("weights", weights)):
                if values is not None and values.numel():
                    row[key] = self._wandb.Histogram(values.double().cpu().numpy())
        step = max(stats.generation, self.run.step)  # W&B's step only increases
        self.run.log(row, step=step)

    def on_end(self, result: Any) -> None:
        if self.run is not None:
            self.run.finish(exit_code=0 if result.status.completed else 1)
            self.run = None


__all__ = ["WandbReporter", "MODES"]
