"""Inductor made to compute what eager PyTorch computes, bit for bit, for compiled rollouts.

Inductor's C++ code and PyTorch's eager kernels agree on IEEE arithmetic (add, multiply,
divide, compare, ``where``, ``clamp``, casts, whole powers) as long as nothing is contracted
or reassociated, but not on transcendental functions: its vectorised ``cos``, ``tanh``,
``exp`` ... differ from PyTorch's own kernels in the last bit for a few percent of inputs,
and over hundreds of chaotic steps a last bit becomes a different episode. So
:func:`exact_inductor`, the backend compiled rollouts use:

* leaves :data:`EXTERN_OPS` to PyTorch's kernels (a call of the ATen operation from the
  compiled loop instead of generated code; their decompositions are set aside too), and
  ``x ** n`` to PyTorch except for ``n`` in 2, 3 and -1, the products and quotient both
  compute alike;
* pins floating-point contraction off (no fused multiply-add the eager kernels do not do)
  and one thread, so that segment sums (``index_add``) add in the order eager does;
* compiles with inductor's C++ wrapper, so the whole loop runs without returning to Python.

The lowerings are swapped in only while the backend compiles and restored afterwards,
registries included, so other compiled code in the process is not affected. Elementwise
ATen kernels give an element the same value wherever it sits in the tensor for these
functions (checked over offsets, strides and stacks: ``exp``, ``expm1``, ``log``,
``log1p``, ``erf``, ``tanh``, ``sin``, ``cos``), which is what lets a compiled call on a
differently shaped buffer return eager's values; ``torch.sigmoid``, ``F.elu``,
``F.softplus`` and ``F.gelu`` are not position independent, which is why rollout programs
write those activations from ``exp``, ``expm1``, ``log1p`` and ``erf``.
"""

from __future__ import annotations

import contextlib
import functools
import logging
from collections.abc import Callable, Iterator
from typing import Any

import torch

#: ATen operations computed by PyTorch's kernels inside compiled rollouts
EXTERN_OPS = (
    "cos",
    "sin",
    "tan",
    "tanh",
    "exp",
    "exp2",
    "expm1",
    "log",
    "log1p",
    "log2",
    "log10",
    "sigmoid",
    "erf",
    "erfc",
    "atan",
    "atan2",
    "asin",
    "acos",
    "sinh",
    "cosh",
    "asinh",
    "acosh",
    "atanh",
    "pow",
    "remainder",
    "fmod",
    "elu",
    "gelu",
    "softplus",
    "silu",
    "logit",
    "lgamma",
    "digamma",
)
#: exponents whose powers inductor computes as PyTorch does (x * x, x * x * x, 1 / x)
INLINE_POWERS = (2, 3, -1)


def _power(base: Any, exponent: Any, *, inline: Callable, extern: Callable) -> Any:
    """Inductor's ``x ** n`` for ``n`` in :data:`INLINE_POWERS`, PyTorch's kernel for others."""
    whole = isinstance(exponent, (int, float)) and exponent in INLINE_POWERS
    return inline(base, exponent) if whole else extern(base, exponent)


@contextlib.contextmanager
def extern_transcendentals() -> Iterator[None]:
    """While it lasts: :data:`EXTERN_OPS` lowered to calls of PyTorch's kernels and not
    decomposed; inductor's lowering, fallback and decomposition registries are restored
    afterwards."""
    from torch._inductor import decomposition, lowering

    aten = torch.ops.aten
    saved_low: dict[Any, Any] = {}
    saved_dec: dict[Any, Any] = {}
    saved_sets = (set(lowering.fallbacks), set(lowering.needs_realized_inputs))
    try:
        for name in EXTERN_OPS:
            packet = getattr(aten, name, None)
            if packet is None:
                continue
            for overload in packet.overloads():
                op = getattr(packet, overload)
                if op in decomposition.decompositions:
                    saved_dec[op] = decomposition.decompositions.pop(op)
                saved_low[op] = lowering.lowerings.pop(op, None)
                lowering.make_fallback(op, warn=False)
        power = aten.pow.Tensor_Scalar
        if saved_low.get(power) is not None:
            lowering.lowerings[power] = functools.partial(
                _power, inline=saved_low[power], extern=lowering.lowerings[power]
            )
        yield
    finally:
        for op, fn in saved_low.items():
            if fn is None:
                lowering.lowerings.pop(op, None)
            else:
                lowering.lowerings[op] = fn
        decomposition.decompositions.update(saved_dec)
        for registry, before in zip(
            (lowering.fallbacks, lowering.needs_realized_inputs), saved_sets
        ):
            for op in [op for op in registry if op not in before]:
                registry.discard(op)


def exact_inductor(graph: torch.fx.GraphModule, example_inputs: list) -> Callable:
    """A ``torch.compile`` backend: inductor as the module docstring describes."""
    from torch._inductor.compile_fx import compile_fx

    quiet = logging.getLogger("torch._inductor.ir")  # "missing a c-shim ... proxy executor"
    level = quiet.level
    quiet.setLevel(logging.ERROR)
    try:
        with extern_transcendentals():
            return compile_fx(  # type: ignore[return-value]  # not AOT: a callable
                graph,
                example_inputs,
                config_patches={
                    "cpp_wrapper": True,
                    "cpp.threads": 1,
                    "cpp.enable_floating_point_contract_flag": "off",
                },
            )
    finally:
        quiet.setLevel(level)


__all__ = ["EXTERN_OPS", "INLINE_POWERS", "exact_inductor", "extern_transcendentals"]
