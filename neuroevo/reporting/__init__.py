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
    "StdOutReporter": "neuroevo.reporting.stdout:StdOutReporter",
    "ProgressBar": "neuroevo.reporting.progress:ProgressBar",
    "RunFolderReporter": "neuroevo.reporting.run_folder:RunFolderReporter",
    "Checkpointer": "neuroevo.reporting.checkpointer:Checkpointer",
}

__getattr__ = lazy_getattr(__name__, _NAMES, globals())
__all__ = sorted(_NAMES)
