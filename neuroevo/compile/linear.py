"""Stacks of ``nn.Linear`` layers and activations as batched linear algebra over flat parameters.

A population of ``P`` copies of one module with parameters ``params [P, n_params]`` (the
flat layout of :mod:`neuroevo.compile.params`) is, when the module is a plain stack of
linear layers and elementwise activations, ``P`` matrix products per layer. Recognised:

* :class:`neuroevo.MLP` (in eval mode, or with no dropout);
* ``nn.Sequential`` of ``nn.Linear`` and the activation modules ``nn.Tanh``,
  ``nn.Sigmoid``, ``nn.ReLU``, ``nn.ELU()``, ``nn.GELU()``, ``nn.Softplus()``,
  ``nn.Identity`` (and ``nn.Dropout`` in eval mode).

:meth:`LinearStack.forward` runs each layer as one ``torch.baddbmm`` over ``[P, in, out]``
views of the flat parameters instead of ``torch.func.functional_call`` under ``vmap``
(tests/compile/test_linear.py: the same outputs). :meth:`LinearStack.program` is the
rollout form (:class:`~neuroevo.policy.PolicyProgram`): features first, ``[features,
rows]``, so that every operation runs along the long row dimension; a layer with at most
:data:`UNROLL` inputs is ``bias + x_0 * W_0 + x_1 * W_1 + ...`` added in that order, wider
layers are one ``baddbmm``.

The program's activations are written from functions whose kernels give an element the same
value wherever it sits in a tensor (``tanh``, ``exp``, ``expm1``, ``log1p``, ``erf``:
:data:`PROGRAM_ACTIVATIONS`), so a narrowed rollout, which computes fewer rows, computes the
same values (``torch.sigmoid``, ``F.elu``, ``F.softplus`` and ``F.gelu`` differ in the last
bit between their vectorised body and their tail). They equal the module's activations to
rounding.

Example::

    stack = LinearStack.of(ne.MLP(4, [8], 2), layout)   # None for other modules
    y = stack.forward(params, x)                        # [P, B, 2]
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Hashable, Sequence
from typing import Any, cast

import torch
from torch import nn

from neuroevo.compile.nets import ACTIVATIONS, MLP
from neuroevo.policy import PolicyProgram

Tensor = torch.Tensor
#: layers with at most this many inputs are unrolled in the rollout program ...
UNROLL = 16
#: ... when their per-row weights take at most this many bytes (else one baddbmm)
UNROLL_BYTES = 64 * 2**20
_SQRT1_2 = 0.7071067811865476


def _sigmoid(x: Tensor) -> Tensor:
    return 1.0 / (1.0 + torch.exp(-x))


def _elu(x: Tensor) -> Tensor:  # F.elu with alpha 1
    return torch.where(x > 0, x, torch.expm1(torch.clamp(x, max=0.0)))


def _gelu(x: Tensor) -> Tensor:  # F.gelu, approximate="none"
    return 0.5 * x * (1.0 + torch.erf(x * _SQRT1_2))


def _softplus(x: Tensor) -> Tensor:  # F.softplus, beta 1, threshold 20
    return torch.where(x > 20.0, x, torch.log1p(torch.exp(torch.clamp(x, max=20.0))))


#: the activations of rollout programs, named as in :data:`neuroevo.compile.nets.ACTIVATIONS`
PROGRAM_ACTIVATIONS: dict[str, Callable[[Tensor], Tensor]] = {
    "tanh": torch.tanh,
    "sigmoid": _sigmoid,
    "relu": torch.relu,
    "elu": _elu,
    "gelu": _gelu,
    "softplus": _softplus,
    "identity": ACTIVATIONS["identity"],
}

#: activation modules and the name of their function in :data:`neuroevo.compile.nets.ACTIVATIONS`
_MODULES: tuple[tuple[type, str], ...] = (
    (nn.Tanh, "tanh"),
    (nn.Sigmoid, "sigmoid"),
    (nn.ReLU, "relu"),
    (nn.ELU, "elu"),
    (nn.GELU, "gelu"),
    (nn.Softplus, "softplus"),
    (nn.Identity, "identity"),
)


@dataclasses.dataclass(frozen=True)
class Layer:
    """One linear layer's place in the flat vector and the activation after it."""

    weight: int  # offset of the [out, in] weight (row-major, as nn.Linear stores it)
    bias: int | None  # offset of the [out] bias, None without one
    n_in: int
    n_out: int
    activation: str


def _activation_name(module: nn.Module) -> str | None:
    if isinstance(module, nn.Dropout):
        return None if module.training and module.p > 0 else "identity"
    for kind, name in _MODULES:
        if type(module) is kind:
            defaults = {nn.ELU: ("alpha", 1.0), nn.GELU: ("approximate", "none")}
            if kind in defaults and getattr(module, defaults[kind][0]) != defaults[kind][1]:
                return None
            if kind is nn.Softplus and (module.beta != 1 or module.threshold != 20):
                return None
            return name
    return None


@dataclasses.dataclass(frozen=True)
class LinearStack:
    """A module that is linear layers and elementwise activations, over flat parameters."""

    layers: tuple[Layer, ...]
    num_params: int

    @classmethod
    def of(
        cls, module: nn.Module, names: Sequence[str], numels: Sequence[int]
    ) -> LinearStack | None:
        """The stack of ``module`` (its flat layout: parameter ``names`` and sizes in
        ``named_parameters()`` order), or ``None`` when it is not one."""
        offsets = dict(zip(names, [sum(numels[:i]) for i in range(len(numels))]))
        items: list[tuple[str, nn.Linear | str | None]] = []  # (prefix, layer or activation)
        if isinstance(module, MLP):
            if module.training and module.dropout > 0:
                return None
            acts = [module.activation] * (len(module.layers) - 1) + [
                module.output_activation or "identity"
            ]
            for i, (lin, act) in enumerate(zip(module.layers, acts)):
                assert isinstance(lin, nn.Linear)  # an MLP's layers
                items += [(f"layers.{i}", lin), ("", act if act in ACTIVATIONS else None)]
        elif isinstance(module, nn.Sequential):
            items = [
                (prefix, sub if isinstance(sub, nn.Linear) else _activation_name(sub))
                for prefix, sub in module.named_children()
            ]
        else:
            return None
        layers: list[Layer] = []
        for prefix, sub in items:
            if isinstance(sub, nn.Linear):
                w = offsets.get(f"{prefix}.weight")
                b = offsets.get(f"{prefix}.bias") if sub.bias is not None else None
                if (
                    w is None
                    or (sub.bias is not None and b is None)
                    or (layers and layers[-1].n_out != sub.in_features)
                ):
                    return None
                layers.append(Layer(w, b, sub.in_features, sub.out_features, "identity"))
            elif sub is None or not layers:
                return None  # an unknown module, or an activation before any layer
            elif sub != "identity":
                if layers[-1].activation != "identity":
                    return None  # two activations in a row: leave it to functional_call
                layers[-1] = dataclasses.replace(layers[-1], activation=sub)
        used = sum(
            lay.n_in * lay.n_out + (lay.n_out if lay.bias is not None else 0) for lay in layers
        )
        if not layers or used != sum(numels):
            return None  # parameters outside the linear layers: not a plain stack
        return cls(tuple(layers), sum(numels))

    @property
    def num_inputs(self) -> int:
        return self.layers[0].n_in

    @property
    def num_outputs(self) -> int:
        return self.layers[-1].n_out

    def weights(self, params: Tensor, layer: Layer) -> tuple[Tensor, Tensor | None]:
        """Views ``[P, in, out]`` and ``[P, 1, out]`` (or None) of one layer's parameters."""
        p = params.shape[0]
        w = params[:, layer.weight : layer.weight + layer.n_in * layer.n_out]
        w = w.reshape(p, layer.n_out, layer.n_in).transpose(1, 2)
        if layer.bias is None:
            return w, None
        return w, params[:, layer.bias : layer.bias + layer.n_out].reshape(p, 1, layer.n_out)

    def forward(self, params: Tensor, x: Tensor) -> Tensor:
        """``x`` ``[B, in]`` (shared) or ``[P, B, in]`` -> ``[P, B, out]``, one
        ``baddbmm`` per layer."""
        p = params.shape[0]
        h = x if x.dim() == 3 else x.unsqueeze(0).expand(p, *x.shape)
        for layer in self.layers:
            w, b = self.weights(params, layer)
            h = torch.bmm(h, w) if b is None else torch.baddbmm(b, h, w)
            h = ACTIVATIONS[layer.activation](h)
        return h

    def program(self, params: Tensor, episodes: int) -> LinearProgram:
        """The rollout program of the candidates ``params`` with ``episodes`` rows each."""
        tensors: list[Tensor] = []
        dynamic: list[tuple[int, ...]] = []
        shape = []
        for layer in self.layers:
            w, b = self.weights(params, layer)  # [P, in, out], [P, 1, out]
            small = layer.n_in <= UNROLL and w.numel() * episodes * w.element_size() <= UNROLL_BYTES
            if small:  # [in, out, N] and [out, N]: one weight per row
                tensors.append(w.permute(1, 2, 0).repeat_interleave(episodes, dim=2).contiguous())
                dynamic.append((2,))
                if b is not None:
                    tensors.append(b[:, 0].t().repeat_interleave(episodes, dim=1).contiguous())
                    dynamic.append((1,))
            else:
                tensors.append(w.contiguous())
                dynamic.append((0,))
                if b is not None:
                    tensors.append(b.contiguous())
                    dynamic.append((0,))
            shape.append((layer.n_in, layer.n_out, b is not None, small, layer.activation))
        key = (self.num_inputs, self.num_outputs, episodes, tuple(shape))
        return LinearProgram(key, tuple(tensors), tuple(dynamic))


class LinearProgram(PolicyProgram):
    """A :class:`LinearStack` population as a rollout program (see the module docstring)."""

    key: tuple[Any, ...]

    def __init__(
        self,
        key: tuple[Any, ...],
        tensors: tuple[Tensor, ...],
        dynamic: tuple[tuple[int, ...], ...],
    ) -> None:
        self.key, self.tensors, self.dynamic = key, tensors, dynamic
        self.num_inputs, self.num_outputs, self.episodes = key[0], key[1], key[2]

    def select(self, positions: Tensor) -> LinearProgram:
        """The candidates at ``positions``: their rows (unrolled layers, one column per
        episode) or their matrices (batched layers)."""
        pos = positions.to(self.tensors[0].device).long()
        e = self.episodes
        rows = (pos[:, None] * e + torch.arange(e, device=pos.device)).flatten()
        picked = tuple(
            t.index_select(d[0], rows if d[0] > 0 else pos)
            for t, d in zip(self.tensors, self.dynamic)
        )
        return LinearProgram(self.key, picked, self.dynamic)

    @staticmethod
    def apply(key: Hashable, tensors: Sequence[Tensor], x: Tensor) -> Tensor:
        _, _, episodes, layers = cast("tuple[int, int, int, tuple[Any, ...]]", key)
        h = x  # [in, N]
        i = 0
        for n_in, n_out, has_bias, small, act in layers:
            w = tensors[i]
            b = tensors[i + 1] if has_bias else None
            i += 2 if has_bias else 1
            if small:
                acc = b if b is not None else None
                for k in range(n_in):
                    term = h[k] * w[k]  # [N] * [out, N]
                    acc = term if acc is None else acc + term
                assert acc is not None  # a layer has an input or a bias
                h = acc
            else:
                p = w.shape[0]
                rows = h.t().reshape(p, episodes, n_in)
                out = torch.bmm(rows, w) if b is None else torch.baddbmm(b, rows, w)
                h = out.reshape(-1, n_out).t()
            h = PROGRAM_ACTIVATIONS[act](h)
        return h


__all__ = ["PROGRAM_ACTIVATIONS", "UNROLL", "Layer", "LinearProgram", "LinearStack"]
