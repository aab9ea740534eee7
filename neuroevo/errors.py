"""Errors raised by neuroevo.

Every error names the bad value and says how to fix it. All derive from
:class:`NeuroevoError`, so ``except neuroevo.NeuroevoError`` catches them all.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


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


def did_you_mean(word: str, known: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the known name closest to ``word`` (case aside), else
    ``""``: the hint an error about an unknown name ends with.

    Example::

        did_you_mean("cartpol", ["cartpole", "acrobot"])     # " (did you mean 'cartpole'?)"
    """
    if not isinstance(word, str):
        return ""
    by_lower = {k.lower(): k for k in known if isinstance(k, str)}
    close = difflib.get_close_matches(word.lower(), list(by_lower), n=1)
    return f" (did you mean {by_lower[close[0]]!r}?)" if close else ""


__all__ = [
    "did_you_mean",
    "NeuroevoError",
    "ConfigError",
    "CompileError",
    "CheckpointError",
    "TaskError",
    "StrategyError",
]
