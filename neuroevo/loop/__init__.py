"""The population loop: ask -> evaluate -> tell -> report.

Example::

    from neuroevo.loop import evolve
    result = evolve(strategy, task, generations=100, seed=1)
"""

from neuroevo.loop.confirm import ProofRecord
from neuroevo.loop.evolve import evolve
from neuroevo.loop.reporter import Reporter
from neuroevo.loop.result import GenerationStats, Result, RunStatus

__all__ = ["GenerationStats", "ProofRecord", "Reporter", "Result", "RunStatus", "evolve"]
