"""What an island run is given, checked before anything runs.

:class:`~neuroevo.islands.islands.Islands` checks its arguments in the constructor, so that a
bad one fails there in one line naming the fix, not deep inside torch or numpy on the first
generation, or after every generation ran (a ``checkpoint_dir`` that names a file was found
only by the last save, and the run's result was lost with it):

* :func:`run_seed`: ``None`` (a random one) or an integer in ``0 .. 2**63 - 1`` (numpy's
  ``SeedSequence`` takes no negative entropy, ``torch.Generator.manual_seed`` no float);
* :func:`island_dtype`: a floating torch dtype (the strategies' and tasks' tensors);
* :func:`island_device`: a device this process can use (:func:`neuroevo.devices.device_problem`);
* :func:`checkpoint_folder`: a folder, or a path where one can be made;
* :func:`same_layout`: GA, PSO and SA islands that exchange migrants (parameter rows) have
  modules of the same parameter layout, else a row means nothing to its receiver; NEAT
  islands configs of the same sizes and gene types, else a genome fails to enter its receiver
  (both were found only at the first migration).

:func:`check_migrant` checks a migrant read back from the migrant pool's checkpoint
against the islands that can receive it (``MigrantPool.load_state_dict``), so a crafted
``pool.ckpt`` fails at load with :class:`~neuroevo.errors.CheckpointError`.

Example::

    seed = run_seed(None)                       # a random 62-bit seed
    island_dtype(torch.float64)                 # "float64"
    island_dtype(torch.int64)                   # ConfigError: expected a floating torch dtype
"""

from __future__ import annotations

import numbers
import os
import pathlib
import secrets
from collections.abc import Sequence
from typing import Any

import torch

from neuroevo.devices import device_problem
from neuroevo.errors import ConfigError

SEED_LIMIT = 2**63


def run_seed(seed: Any) -> int:
    """``seed``, or a random one for ``None``; ConfigError unless an integer in range."""
    if seed is None:
        return secrets.randbits(62)
    if (
        isinstance(seed, bool)
        or not isinstance(seed, numbers.Integral)
        or not 0 <= int(seed) < SEED_LIMIT
    ):
        raise ConfigError(
            f"Islands seed={seed!r}: expected an integer in 0 .. 2**63 - 1 "
            "(e.g. seed=1), or None for a random one"
        )
    return int(seed)  # a numpy integer too


def island_dtype(dtype: Any) -> str:
    """The name (``"float32"``) of a floating torch dtype given as a dtype or its name."""
    value = getattr(torch, dtype, None) if isinstance(dtype, str) else dtype
    if not isinstance(value, torch.dtype) or not value.is_floating_point:
        raise ConfigError(
            f"Islands dtype={dtype!r}: expected a floating torch dtype; use "
            "torch.float32 (the default) or torch.float64"
        )
    return str(value).removeprefix("torch.")


def island_device(device: Any) -> str:
    """``device`` as a name (``"cpu"``, ``"cuda:0"``) if this process can use it."""
    problem = device_problem(device, cpu="device='cpu'")
    if problem is not None:
        raise ConfigError(f"Islands device={device!r}: {problem}")
    return str(torch.device(device))


def checkpoint_folder(path: Any) -> str | None:
    """``path`` as a string if it names a folder, or a place one can be made in; ``None``
    stays ``None`` (no checkpoints)."""
    if path is None:
        return None
    if not isinstance(path, (str, os.PathLike)) or str(path) == "":
        raise ConfigError(
            f"Islands checkpoint_dir={path!r}: expected a folder path (a str or "
            "pathlib.Path), or None for no checkpoints"
        )
    p = pathlib.Path(path)
    if p.exists() and not p.is_dir():
        raise ConfigError(
            f"Islands checkpoint_dir={str(p)!r}: a file, not a folder; name a "
            "folder (it is made if missing) for the islands' checkpoints"
        )
    existing = next(a for a in (p, *p.absolute().parents) if a.exists())
    if not existing.is_dir():
        raise ConfigError(
            f"Islands checkpoint_dir={str(p)!r}: {str(existing)!r} is a file, so "
            "the folder cannot be made there; name a folder elsewhere"
        )
    if not os.access(existing, os.W_OK | os.X_OK):
        raise ConfigError(
            f"Islands checkpoint_dir={str(p)!r}: {str(existing)!r} is not "
            "writable; name a folder this process can write"
        )
    return str(path)


def same_layout(strategies: Sequence[Any]) -> None:
    """Islands exchanging migrants read each other's: the strategies'
    :meth:`~neuroevo.strategies.base.Strategy.migrant_layout` must agree (GA/PSO/SA islands
    one parameter layout, NEAT islands genomes of the same sizes and gene types)."""
    first = strategies[0].migrant_layout()
    for i, s in enumerate(strategies[1:], 1):
        mine = s.migrant_layout()
        if mine.layout != first.layout:
            raise ConfigError(
                f"Islands: island {i}'s {mine.words}; island 0's {first.words}; "
                f"{first.fix} (or migrants=0)"
            )


def check_migrant(m: dict[str, Any], where: str, receivers: Sequence[Any]) -> None:
    """The payload of a migrant of the pool's checkpoint (its other fields are the pool's
    to check), against the strategies that may receive it
    (:meth:`~neuroevo.strategies.base.Strategy.check_migrant`)."""
    for r in receivers:
        r.check_migrant(m, where)


__all__ = [
    "check_migrant",
    "checkpoint_folder",
    "island_device",
    "island_dtype",
    "run_seed",
    "same_layout",
]
