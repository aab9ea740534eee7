"""Alias of the task half of :mod:`neuroevo.run.registry` (the one registry), kept for
code that imports ``neuroevo.run.task_registry``; new code uses the registry module.

Example::

    from neuroevo.run import task_registry as registry
    task = registry.make("parity", n_bits=3)        # = neuroevo.run.registry.make_task
"""

from __future__ import annotations

from neuroevo.run.registry import TASKS, construct
from neuroevo.run.registry import make_task as make
from neuroevo.run.registry import register_task as register

names = TASKS.names
_REGISTRY = TASKS.entries  # the registry's own dict, not a copy

__all__ = ["make", "register", "names", "construct"]
