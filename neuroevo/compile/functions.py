"""neat-python's activation and aggregation functions as batched torch operations.

Each function reproduces ``neat.activations`` / ``neat.aggregations`` (neat-python 2.0)
exactly: the same clamps, constants and edge cases (``inv(0) == 0``, ``log`` floored at
1e-7, empty aggregations giving 0.0 -- or 1.0 for ``product``, ``median`` averaging the two
middle values). Formulas are written so that gradients stay finite (no ``inf * 0`` in an
unused ``torch.where`` branch), because ``compile_genome`` trains through them.

NaN behaves as in neat-python, whose clamps are Python's ``max(lo, min(hi, z))``: a
comparison with NaN is false, so NaN becomes the upper bound (``sigmoid(nan) == 1.0``,
``clamped(nan) == 1.0``, ``log(nan) == log(1e-7)``, ``hat(nan) == 0.0``); ``max``, ``min``
and ``maxabs`` keep their first input when it is NaN and skip NaN after it; ``median``
orders NaN as Python's ``list.sort`` does (see :func:`_agg_median`). Finite inputs reach
NaN: ``inf * 0`` in a ``product`` node fed by an overflowing value. One difference is
left: neat-python's ``square`` and ``cube`` raise ``OverflowError`` above about 1.3e154
and 5.6e102, where these return ``inf``.

Users who add their own activation to a neat-python config register a torch version here::

    from neuroevo.compile.functions import register_activation
    register_activation("my_act", lambda z: torch.tanh(z) * 2)
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch

from neuroevo.errors import CompileError

Tensor = torch.Tensor

# selu constants as in neat-python (Klambauer et al. 2017, "Self-Normalizing Neural Networks")
_SELU_LAMBDA = 1.0507009873554804934193349852946
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_LA = _SELU_LAMBDA * _SELU_ALPHA  # neat-python evaluates lam * alpha first


def _clamp(z: Tensor, lo: float, hi: float) -> Tensor:
    """neat-python's ``max(lo, min(hi, z))``: ``torch.clamp``, except that NaN becomes ``hi``."""
    return torch.clamp(torch.nan_to_num(z, nan=hi), lo, hi)


def _sigmoid(z: Tensor) -> Tensor:
    # exp(-clamp(5z, -60, 60)) as exp(clamp(-5z, -60, 60)): the same numbers (negation is
    # exact; NaN becomes 60 before the minus, -60 after it), one operation fewer
    u = torch.clamp(torch.nan_to_num(-5.0 * z, nan=-60.0), -60.0, 60.0)
    return 1.0 / (1.0 + torch.exp(u))


def _tanh(z: Tensor) -> Tensor:
    # tanh is exactly +-1.0 beyond |60|, so the clamp changes nothing but NaN (-> tanh(60))
    return torch.tanh(torch.nan_to_num(2.5 * z, nan=60.0))


def _sin(z: Tensor) -> Tensor:
    return torch.sin(_clamp(5.0 * z, -60.0, 60.0))


def _gauss(z: Tensor) -> Tensor:
    z = _clamp(z, -3.4, 3.4)
    return torch.exp(-5.0 * (z * z))


def _relu(z: Tensor) -> Tensor:
    return torch.where(z > 0.0, z, torch.zeros_like(z))


def _elu(z: Tensor) -> Tensor:
    return torch.where(z > 0.0, z, torch.exp(torch.clamp(z, max=0.0)) - 1.0)


def _lelu(z: Tensor) -> Tensor:
    return torch.where(z > 0.0, z, 0.005 * z)


def _selu(z: Tensor) -> Tensor:
    return torch.where(
        z > 0.0, _SELU_LAMBDA * z, _SELU_LA * (torch.exp(torch.clamp(z, max=0.0)) - 1.0)
    )


def _softplus(z: Tensor) -> Tensor:
    return 0.2 * torch.log(1.0 + torch.exp(_clamp(5.0 * z, -60.0, 60.0)))


def _identity(z: Tensor) -> Tensor:
    return z


def _clamped(z: Tensor) -> Tensor:
    return _clamp(z, -1.0, 1.0)


def _inv(z: Tensor) -> Tensor:
    zero = z == 0.0
    safe = torch.where(zero, torch.ones_like(z), z)
    return torch.where(zero, torch.zeros_like(z), 1.0 / safe)


def _log(z: Tensor) -> Tensor:
    # max(1e-7, z): NaN -> 1e-7, inf stays inf (torch.where is slower than clamp on CPU)
    return torch.log(torch.clamp(torch.nan_to_num(z, nan=1e-7, posinf=math.inf), min=1e-7))


def _exp(z: Tensor) -> Tensor:
    return torch.exp(_clamp(z, -60.0, 60.0))


def _abs(z: Tensor) -> Tensor:
    return torch.abs(z)


def _hat(z: Tensor) -> Tensor:
    return torch.clamp(torch.nan_to_num(1.0 - torch.abs(z), nan=0.0), min=0.0)  # max(0.0, h)


def _square(z: Tensor) -> Tensor:
    return z * z


def _cube(z: Tensor) -> Tensor:
    return z * z * z


ACTIVATIONS: dict[str, Callable[[Tensor], Tensor]] = {
    "sigmoid": _sigmoid,
    "tanh": _tanh,
    "sin": _sin,
    "gauss": _gauss,
    "relu": _relu,
    "elu": _elu,
    "lelu": _lelu,
    "selu": _selu,
    "softplus": _softplus,
    "identity": _identity,
    "clamped": _clamped,
    "inv": _inv,
    "log": _log,
    "exp": _exp,
    "abs": _abs,
    "hat": _hat,
    "square": _square,
    "cube": _cube,
}


# --- aggregations -------------------------------------------------------------------------
# Each takes the weighted inputs ``v`` of shape [D, K, B] (D nodes, up to K inputs each,
# B batch rows) and a mask [D, K] of which of the K slots are real inputs (real slots come
# first, in neat-python's connection order). Padded slots of ``v`` hold 0.0. Returns [D, B].


def _count(mask: Tensor, like: Tensor) -> Tensor:
    return mask.sum(1).to(like.dtype)[:, None]  # [D, 1]


def _empty(v: Tensor, fill: float = 0.0) -> Tensor:
    return v.new_full((v.shape[0], v.shape[2]), fill)


def _agg_sum(v: Tensor, mask: Tensor) -> Tensor:
    return v.sum(1)


def _agg_product(v: Tensor, mask: Tensor) -> Tensor:
    return torch.where(mask[:, :, None], v, torch.ones_like(v)).prod(1)


def _first_nan(v: Tensor) -> Tensor:
    """[D, B]: the first slot is NaN (Python's ``max``/``min`` then return it)."""
    return torch.isnan(v[:, 0])


def _agg_max(v: Tensor, mask: Tensor) -> Tensor:
    # Python's max(x) keeps x[0] and replaces it only by a greater value: NaN first stays,
    # NaN later is never greater
    if v.shape[1] == 0:
        return _empty(v)
    skip_nan = torch.nan_to_num(v, nan=-math.inf, posinf=math.inf, neginf=-math.inf)
    out = torch.where(mask[:, :, None], skip_nan, -math.inf).amax(1)
    out = torch.where(_first_nan(v), v[:, 0], out)
    return torch.where(mask.any(1)[:, None], out, torch.zeros_like(out))


def _agg_min(v: Tensor, mask: Tensor) -> Tensor:
    if v.shape[1] == 0:
        return _empty(v)
    skip_nan = torch.nan_to_num(v, nan=math.inf, posinf=math.inf, neginf=-math.inf)
    out = torch.where(mask[:, :, None], skip_nan, math.inf).amin(1)
    out = torch.where(_first_nan(v), v[:, 0], out)
    return torch.where(mask.any(1)[:, None], out, torch.zeros_like(out))


def _agg_maxabs(v: Tensor, mask: Tensor) -> Tensor:
    # Python's max(x, key=abs) keeps the first of equal |x|; torch.argmax also returns the
    # first maximal index. Padded and NaN slots get |x| = -1 so they never win; a NaN first
    # slot wins, as in Python.
    if v.shape[1] == 0:
        return _empty(v)
    a = torch.nan_to_num(v.abs(), nan=-1.0, posinf=math.inf)
    a = torch.where(mask[:, :, None], a, -1.0)
    idx = a.argmax(1, keepdim=True)  # [D, 1, B]
    out = v.gather(1, idx).squeeze(1)
    out = torch.where(_first_nan(v), v[:, 0], out)
    return torch.where(mask.any(1)[:, None], out, torch.zeros_like(out))


def _agg_mean(v: Tensor, mask: Tensor) -> Tensor:
    n = _count(mask, v)
    return torch.where(n > 0, v.sum(1) / n.clamp(min=1.0), _empty(v))


def _python_sort_positions(v: Tensor, n: Tensor, columns: Tensor) -> list[list[int]]:
    """Python's ``sorted`` order of the first ``n[d]`` slots of each ``(d, b)`` in ``columns``.

    With NaN, ``list.sort`` (timsort: a run, then binary insertion, then merges) gives an
    order that no comparison sort of torch reproduces; these few columns are sorted by
    Python itself, by index (the same comparisons, so the same permutation).
    """
    vals = v.detach().cpu()
    out = []
    for d, b in columns.tolist():
        col = vals[d, : int(n[d]), b].tolist()
        out.append(sorted(range(len(col)), key=col.__getitem__))
    return out


def _tracing() -> bool:
    """Inside ``torch.jit.trace`` / ``torch.export`` / ``torch.compile``: no host branches."""
    return (
        torch.jit.is_tracing()
        or torch.jit.is_scripting()
        or torch.compiler.is_compiling()
        or torch.compiler.is_exporting()
    )


def _agg_median(v: Tensor, mask: Tensor) -> Tensor:
    # neat-python's median2: mean for n <= 2, middle value for odd n, mean of the two middle
    # values for even n; 0.0 for no inputs. Sorted stably, as Python's list.sort; columns
    # holding NaN (every comparison false) are ordered by Python itself -- in eager mode
    # only: an exported or traced module has no host code, and sorts NaN last as torch does.
    d, k, b = v.shape
    if k == 0:
        return _empty(v)
    n = mask.sum(1)  # [D]
    order = torch.where(mask[:, :, None], v, float("inf")).sort(dim=1, stable=True).indices
    hi = (n // 2).clamp(max=k - 1)
    lo = torch.where(n % 2 == 1, hi, (hi - 1).clamp(min=0))
    i_hi = order.gather(1, hi.view(d, 1, 1).expand(d, 1, b))  # [D, 1, B] slot of the value
    i_lo = order.gather(1, lo.view(d, 1, 1).expand(d, 1, b))
    nan_cols = (torch.isnan(v) & mask[:, :, None]).any(1)  # [D, B]
    if not _tracing() and bool(nan_cols.any()):
        cols = nan_cols.nonzero()
        pos = _python_sort_positions(v, n, cols)
        h = [p[len(p) // 2] for p in pos]
        lw = [p[len(p) // 2 - (1 - len(p) % 2)] for p in pos]
        dd, bb = cols[:, 0], cols[:, 1]
        i_hi[dd, 0, bb] = torch.tensor(h, device=v.device)
        i_lo[dd, 0, bb] = torch.tensor(lw, device=v.device)
    gh = v.gather(1, i_hi).squeeze(1)
    gl = v.gather(1, i_lo).squeeze(1)
    out = torch.where((n % 2 == 1)[:, None], gh, (gl + gh) / 2.0)
    return torch.where((n > 0)[:, None], out, torch.zeros_like(out))


AGGREGATIONS: dict[str, Callable[[Tensor, Tensor], Tensor]] = {
    "sum": _agg_sum,
    "product": _agg_product,
    "max": _agg_max,
    "min": _agg_min,
    "maxabs": _agg_maxabs,
    "median": _agg_median,
    "mean": _agg_mean,
}


def register_activation(name: str, fn: Callable[[Tensor], Tensor]) -> None:
    """Add a torch activation for a custom neat-python activation of the same name."""
    if not callable(fn):
        raise TypeError(f"register_activation({name!r}, ...): expected a callable, got {fn!r}")
    ACTIVATIONS[name] = fn


def register_aggregation(name: str, fn: Callable[[Tensor, Tensor], Tensor]) -> None:
    """Add a torch aggregation ``fn(values[D,K,B], mask[D,K]) -> [D,B]``."""
    if not callable(fn):
        raise TypeError(f"register_aggregation({name!r}, ...): expected a callable, got {fn!r}")
    AGGREGATIONS[name] = fn


def activation(name: str) -> Callable[[Tensor], Tensor]:
    """The torch activation called ``name`` (CompileError naming the fix when unknown)."""
    try:
        return ACTIVATIONS[name]
    except KeyError:
        raise CompileError(
            f"activation {name!r} has no torch implementation; known: {sorted(ACTIVATIONS)}. "
            "Register one with neuroevo.compile.functions.register_activation(name, fn)"
        ) from None


def aggregation(name: str) -> Callable[[Tensor, Tensor], Tensor]:
    """The torch aggregation called ``name`` (CompileError naming the fix when unknown)."""
    try:
        return AGGREGATIONS[name]
    except KeyError:
        raise CompileError(
            f"aggregation {name!r} has no torch implementation; known: {sorted(AGGREGATIONS)}. "
            "Register one with neuroevo.compile.functions.register_aggregation(name, fn)"
        ) from None
