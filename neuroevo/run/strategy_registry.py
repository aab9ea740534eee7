"""Alias of the strategy half of :mod:`neuroevo.run.registry` (the one registry), kept for
code that imports ``neuroevo.run.strategy_registry``; new code uses the registry module.

Example::

    from neuroevo.run import strategy_registry as registry
    strategy = registry.make("neat", {"config": "xor.ini"}, task=task, base_dir=Path("configs"))
"""

from __future__ import annotations

from neuroevo.run.registry import STRATEGIES
from neuroevo.run.registry import make_strategy as make
from neuroevo.run.registry import register_strategy as register

names = STRATEGIES.names
_REGISTRY = STRATEGIES.entries  # the registry's own dict, not a copy

__all__ = ["make", "register", "names"]
