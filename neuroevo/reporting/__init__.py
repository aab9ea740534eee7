"""Reporters: observers of the population loop (the loop itself never prints).

Example::

    import neuroevo as ne
    ne.evolve(strategy, task, generations=100, reporters=[ne.StdOutReporter()])
"""

from __future__ import annotations

from neuroevo._lazy import lazy_getattr

_NAMES = {
    "Reporter": "neuroevo.loop:Reporter",
    "GenerationStats": "neuroevo.loop:GenerationStats",
    "RunStatus": "neuroevo.loop:RunStatus",
    # on screen
    "StdOutReporter": "neuroevo.reporting.stdout:StdOutReporter",
    "ProgressBar": "neuroevo.reporting.progress:ProgressBar",
    # checkpoints
    "Checkpointer": "neuroevo.reporting.checkpointer:Checkpointer",
    # the run folder: one file (or kind of file) each, and all of them composed
    "CopyFiles": "neuroevo.reporting.copy_files:CopyFiles",
    "StatsWriter": "neuroevo.reporting.stats:StatsWriter",
    "BestGenomeWriter": "neuroevo.reporting.best_genome:BestGenomeWriter",
    "GenomeDrawing": "neuroevo.reporting.drawing:GenomeDrawing",
    "FitnessPlots": "neuroevo.reporting.fitness_plots:FitnessPlots",
    "EpisodePlot": "neuroevo.reporting.episode:EpisodePlot",
    "Summary": "neuroevo.reporting.summary:Summary",
    "ReporterGroup": "neuroevo.reporting.group:ReporterGroup",
    "RunFolderReporter": "neuroevo.reporting.run_folder:RunFolderReporter",
    # experiment trackers (extras: tensorboard, mlflow, wandb; neuroevo.reporting.tracking)
    "TensorBoardReporter": "neuroevo.reporting.tracking.tensorboard_reporter:TensorBoardReporter",
    "MLflowReporter": "neuroevo.reporting.tracking.mlflow_reporter:MLflowReporter",
    "WandbReporter": "neuroevo.reporting.tracking.wandb_reporter:WandbReporter",
}

__getattr__ = lazy_getattr(__name__, _NAMES, globals())
__all__ = sorted(_NAMES)
