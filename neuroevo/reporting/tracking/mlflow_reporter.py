"""MLflow: a run's figures as the metrics of one MLflow run, its settings as parameters.

Every figure of ``stats.jsonl`` is a metric under its own name (``best_fitness``,
``species`` ...) with step = generation, sent once per generation in one ``log_batch``;
the strategy's and task's settings (:func:`~neuroevo.reporting.tracking.common.hyperparameters`)
are the run's parameters; the run ends ``FINISHED``, or ``KILLED`` (interrupted) or
``FAILED``. ``tracking_uri``: where MLflow keeps runs -- a server (``http://host:5000``) or a
local folder, ``file:DIR``. MLflow 3 keeps its file store only on request: for a ``file:``
URI this reporter sets ``MLFLOW_ALLOW_FILE_STORE=true`` in the environment, unless it is
set already. ``None``: MLflow's own default (``MLFLOW_TRACKING_URI``, else its default store).

``run_id_file``: where the run's id is kept (``neuroevo run`` uses ``<run folder>/mlflow_run_id``);
when the file exists the reporter goes on with that run, so a resumed run writes to the run
it started. MLflow keeps every value logged, so a generation run again after a resume has
two values at its step: the later one is the resumed run's.

Example::

    from neuroevo.reporting.tracking import MLflowReporter
    ne.evolve(strategy, task, generations=100,
              reporters=[MLflowReporter("file:runs/mlruns", experiment="xor")])
"""

from __future__ import annotations

import os
import time
from typing import Any

from neuroevo.errors import ConfigError
from neuroevo.loop import GenerationStats, Reporter, RunStatus
from neuroevo.reporting.tracking.common import RunIdFile, hyperparameters, require, scalars

#: how a neuroevo run's end reads in MLflow
_END = {
    RunStatus.FINISHED: "FINISHED",
    RunStatus.SOLVED: "FINISHED",
    RunStatus.INTERRUPTED: "KILLED",
    RunStatus.FAILED: "FAILED",
}


class MLflowReporter(Reporter):
    """Log the run to MLflow (see the module doc). ``experiment``: the MLflow experiment's
    name (made when missing); ``run_name``: the run's; ``hparams``: parameters besides the
    strategy's and task's. :attr:`run_id` is the run's id once started."""

    def __init__(
        self,
        tracking_uri: str | None = None,
        *,
        experiment: str = "neuroevo",
        run_name: str | None = None,
        run_id_file: str | os.PathLike[str] | None = None,
        hparams: dict[str, Any] | None = None,
    ) -> None:
        if tracking_uri is not None and (not isinstance(tracking_uri, str) or not tracking_uri):
            raise ConfigError(
                f"MLflowReporter: tracking_uri must be a URI such as "
                f"'file:runs/mlruns' or 'http://host:5000', got {tracking_uri!r}"
            )
        self._mlflow = require("mlflow", "mlflow", "MLflowReporter")
        self.tracking_uri, self.experiment, self.run_name = tracking_uri, experiment, run_name
        self.ids = RunIdFile(run_id_file)
        self.hparams = dict(hparams or {})
        self.client: Any = None
        self.run_id: str | None = None

    def on_start(self, strategy: Any, task: Any, generations: int) -> None:
        if self.tracking_uri is not None and self.tracking_uri.startswith("file:"):
            os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")
        from mlflow.tracking import MlflowClient

        self.client = MlflowClient(tracking_uri=self.tracking_uri)
        self.run_id = self.ids.read()
        if self.run_id is not None:  # a resumed run goes on with its MLflow run
            self.client.update_run(self.run_id, status="RUNNING")
        else:
            found = self.client.get_experiment_by_name(self.experiment)
            exp_id = (
                found.experiment_id
                if found is not None
                else self.client.create_experiment(self.experiment)
            )
            self.run_id = self.client.create_run(exp_id, run_name=self.run_name).info.run_id
            self.ids.write(self.run_id)
        Param = self._mlflow.entities.Param
        settings = hyperparameters(strategy, task, self.hparams)
        logged = self.client.get_run(self.run_id).data.params
        params = [Param(k, str(v)[:6000]) for k, v in settings.items() if k not in logged]
        for i in range(0, len(params), 100):  # MLflow takes at most 100 parameters a batch
            self.client.log_batch(self.run_id, params=params[i : i + 100])

    def on_generation(self, stats: GenerationStats, strategy: Any) -> None:
        Metric = self._mlflow.entities.Metric
        now = int(time.time() * 1000)
        self.client.log_batch(
            self.run_id,
            metrics=[
                Metric(key, value, now, stats.generation) for key, value in scalars(stats).items()
            ],
        )

    def on_end(self, result: Any) -> None:
        if self.client is not None and self.run_id is not None:
            self.client.set_terminated(self.run_id, status=_END[result.status])


__all__ = ["MLflowReporter"]
