"""Experiment trackers as reporters: TensorBoard, MLflow and Weights & Biases.

Each tracker is an optional extra (``pip install 'neuroevo[tensorboard]'``, ``[mlflow]``,
``[wandb]``), imported only when its reporter is made; without it the reporter's
constructor raises one :class:`~neuroevo.errors.ConfigError` line naming the extra. What
they record is shared (:mod:`~neuroevo.reporting.tracking.common`): every figure of
:class:`~neuroevo.loop.GenerationStats` (the columns of ``stats.jsonl``) at step =
generation, and the strategy's and task's settings as hyper-parameters.

==========================  =================================================================
:class:`TensorBoardReporter`  scalars, histograms of fitness and weights, the best genome's
                              drawing every N generations, hyper-parameters (hparams + text)
:class:`MLflowReporter`       metrics and parameters of one MLflow run (a ``file:`` store too)
:class:`WandbReporter`        history, config and summary of one W&B run (``mode="offline"``)
==========================  =================================================================

``neuroevo run EXP --tensorboard DIR`` (``--mlflow URI``, ``--wandb PROJECT``) or the
experiment file's ``[reporting]`` table add them to a run (:mod:`neuroevo.run.build`).

Example::

    from neuroevo.reporting.tracking import TensorBoardReporter
    ne.evolve(strategy, task, generations=100, reporters=[TensorBoardReporter("runs/tb")])
"""

from __future__ import annotations

from neuroevo._lazy import lazy_getattr

_NAMES = {
    "TensorBoardReporter": "neuroevo.reporting.tracking.tensorboard_reporter:TensorBoardReporter",
    "MLflowReporter": "neuroevo.reporting.tracking.mlflow_reporter:MLflowReporter",
    "WandbReporter": "neuroevo.reporting.tracking.wandb_reporter:WandbReporter",
}

__getattr__ = lazy_getattr(__name__, _NAMES, globals())
__all__ = sorted(_NAMES)
