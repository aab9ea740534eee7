"""The values of a state read back from a checkpoint, checked before they are used.

A checkpoint's SHA-256 proves that the file was not damaged, not that it holds what a loader
expects: a crafted file, or one from another version, can hold any JSON data, tuples and
tensors at any place. State loaders (``load_state_dict``) read each field through these
getters, which return the value or raise :class:`neuroevo.CheckpointError` naming the field
and what was expected, so that nothing deeper (torch, neat-python) ever meets a value of the
wrong type and fails with a ``TypeError`` of its own.

Example::

    state = expect_dict(state, "strategy")
    generation = get_int(state, "generation", "strategy", ge=0)
    best = get_tensor(state, "best", "strategy", like=candidates[0], optional=True)
"""

from __future__ import annotations

from typing import Any

import torch

from neuroevo.errors import CheckpointError
from neuroevo.io.json_values import INT64_MAX, INT64_MIN, is_int, is_number, short

_MISSING = object()


def describe(v: Any) -> str:
    """``v`` in a few words on one line: a tensor by its dtype and shape, else its short repr."""
    if isinstance(v, torch.Tensor):
        return f"a {str(v.dtype).removeprefix('torch.')} tensor of shape {tuple(v.shape)}"
    return " ".join(short(v).split())


def expect_dict(v: Any, where: str) -> dict[Any, Any]:
    """``v`` if it is a dict (a JSON object)."""
    if not isinstance(v, dict):
        raise CheckpointError(f"{where}: expected an object, got {describe(v)}")
    return v


def field(d: Any, key: str, where: str, default: Any = _MISSING) -> Any:
    """``d[key]``; without ``default``, a missing key is an error naming it."""
    d = expect_dict(d, where)
    if key not in d:
        if default is _MISSING:
            raise CheckpointError(
                f"{where}: missing field {key!r}; the checkpoint is incomplete "
                "or of another version of neuroevo"
            )
        return default
    return d[key]


def check_int(v: Any, where: str, *, ge: int | None = None) -> int:
    """``v`` if it is an integer (not a bool) in int64's range and ``>= ge``."""
    if not is_int(v) or not INT64_MIN <= v <= INT64_MAX:
        raise CheckpointError(f"{where}: expected an integer in the int64 range, got {describe(v)}")
    if ge is not None and v < ge:
        raise CheckpointError(f"{where}: expected an integer >= {ge}, got {v}")
    return v


def get_int(d: Any, key: str, where: str, *, ge: int | None = None) -> int:
    """``d[key]`` checked by :func:`check_int`."""
    return check_int(field(d, key, where), f"{where}.{key}", ge=ge)


def check_float(v: Any, where: str) -> float:
    """``v`` as a float if it is a number (not a bool) within float64 (``inf`` and ``nan``
    allowed: best-so-far fitness starts at ``-inf``)."""
    if not is_number(v):
        raise CheckpointError(f"{where}: expected a number, got {describe(v)}")
    try:
        return float(v)
    except OverflowError:
        raise CheckpointError(f"{where}: {describe(v)} is beyond the float64 range") from None


def get_float(d: Any, key: str, where: str) -> float:
    """``d[key]`` checked by :func:`check_float`."""
    return check_float(field(d, key, where), f"{where}.{key}")


def get_bool(d: Any, key: str, where: str, default: Any = _MISSING) -> bool:
    """``d[key]`` if it is ``true`` or ``false``."""
    v = field(d, key, where, default)
    if not isinstance(v, bool):
        raise CheckpointError(f"{where}.{key}: expected true or false, got {describe(v)}")
    return v


def check_tensor(v: Any, where: str, *, like: torch.Tensor) -> torch.Tensor:
    """``v`` on ``like``'s device and in its dtype, if it is a tensor of ``like``'s shape and
    kind: any floating dtype where ``like`` is floating (a float64 copy of a float32 state is
    converted), otherwise exactly ``like``'s dtype (counters, masks)."""
    ok = (
        isinstance(v, torch.Tensor)
        and v.shape == like.shape
        and (v.dtype.is_floating_point if like.dtype.is_floating_point else v.dtype == like.dtype)
    )
    if not ok:
        kind = (
            "floating-point"
            if like.dtype.is_floating_point
            else str(like.dtype).removeprefix("torch.")
        )
        raise CheckpointError(
            f"{where}: expected a {kind} tensor of shape {tuple(like.shape)}, got {describe(v)}"
        )
    return v.to(device=like.device, dtype=like.dtype)


def check_like(v: Any, like: Any, where: str) -> Any:
    """``v`` checked against the value it replaces (``like``): a tensor by
    :func:`check_tensor`, an integer or a float by :func:`check_int` / :func:`check_float`,
    anything else by its exact type."""
    if isinstance(like, torch.Tensor):
        return check_tensor(v, where, like=like)
    if is_number(like):
        return check_int(v, where) if isinstance(like, int) else check_float(v, where)
    if type(v) is not type(like):
        raise CheckpointError(f"{where}: expected a {type(like).__name__}, got {describe(v)}")
    return v


def is_scalar_data(v: Any) -> bool:
    """Whether ``v`` is a JSON scalar (null, bool, string, float, integer in int64's range) or
    a flat list or tuple of them: what a hyperparameter holds."""
    if isinstance(v, (list, tuple)):
        return all(is_scalar_data(x) and not isinstance(x, (list, tuple)) for x in v)
    if is_int(v):
        return INT64_MIN <= v <= INT64_MAX
    return v is None or isinstance(v, (bool, float, str))


def get_tensor(
    d: Any, key: str, where: str, *, like: torch.Tensor, optional: bool = False
) -> torch.Tensor | None:
    """``d[key]`` checked by :func:`check_tensor`; with ``optional``, ``None`` is allowed."""
    v = field(d, key, where)
    if optional and v is None:
        return None
    return check_tensor(v, f"{where}.{key}", like=like)


def restored_generator(v: Any, where: str, *, like: torch.Generator) -> torch.Generator:
    """A new generator on ``like``'s device in the state ``v`` (``Generator.get_state()``)."""
    generator = torch.Generator(device=like.device)
    ok = isinstance(v, torch.Tensor) and v.dtype == torch.uint8 and v.dim() == 1
    if ok:
        try:
            generator.set_state(v.cpu())
        except RuntimeError:  # torch checks the size of the state of its generator type
            ok = False
    if not ok:
        raise CheckpointError(
            f"{where}: expected the state of a {like.device.type} random "
            f"generator (a uint8 tensor of {like.get_state().numel()} bytes), "
            f"got {describe(v)}; resume on the device the run used"
        )
    return generator


__all__ = [
    "check_float",
    "check_int",
    "check_like",
    "check_tensor",
    "describe",
    "expect_dict",
    "field",
    "get_bool",
    "get_float",
    "get_int",
    "get_tensor",
    "is_scalar_data",
    "restored_generator",
]
