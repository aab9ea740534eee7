"""Errors raised by neuroevo.

Every error names the bad value and says how to fix it. All derive from
:class:`NeuroevoError`, so ``except neuroevo.NeuroevoError`` catches them all.
"""

from __future__ import annotations


class NeuroevoError(Exception):
    """Base class of every error neuroevo raises on purpose."""


class ConfigError(NeuroevoError, ValueError):
    """A configuration or experiment file is missing, malformed or has a bad value.

    The message names the file, the section and the key.
    """


class CompileError(NeuroevoError, ValueError):
    """A genome cannot be compiled (unknown activation, wrong inputs, bad shape...)."""


class CheckpointError(NeuroevoError, ValueError):
    """A checkpoint or saved genome is truncated, corrupted or of an unknown format."""


class TaskError(NeuroevoError, ValueError):
    """A task got inputs it cannot use (shape mismatch, NaN fitness, unknown task name...)."""


class StrategyError(NeuroevoError, ValueError):
    """A strategy was misconfigured or its population can no longer go on (extinction...)."""


__all__ = [
    "NeuroevoError",
    "ConfigError",
    "CompileError",
    "CheckpointError",
    "TaskError",
    "StrategyError",
]
