"""One torch module run over a matrix of flat parameter vectors: the batched policy of GA, PSO, SA.

A module's parameters are laid out end to end in the order of ``named_parameters()`` (as
``torch.nn.utils.parameters_to_vector`` does), so a population is a tensor ``[P, n_params]``.
:class:`ParameterPolicy` evaluates all ``P`` candidates in one call, with no per-candidate
Python loop: a stack of ``nn.Linear`` layers and activations (``neuroevo.MLP``, a plain
``nn.Sequential``) as one ``torch.baddbmm`` per layer (:mod:`neuroevo.compile.linear`), any
other module with ``torch.func.functional_call`` under ``torch.vmap``.

Example::

    import neuroevo as ne
    from neuroevo.compile.params import ParameterPolicy, flatten_parameters

    net = ne.MLP(2, [8], 1)
    theta = flatten_parameters(net)                  # [33]
    pop = theta + 0.1 * torch.randn(64, theta.numel())
    policy = ParameterPolicy(net, pop)
    policy(torch.rand(4, 2)).shape                   # torch.Size([64, 4, 1])
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Sequence

import torch
from torch import nn

from neuroevo.compile.linear import PROGRAM_ACTIVATIONS, LinearStack
from neuroevo.errors import StrategyError, TaskError
from neuroevo.policy import BatchedPolicy, PolicyProgram


@dataclasses.dataclass(frozen=True)
class ParameterLayout:
    """Where each named parameter of a module lies in its flat vector."""

    names: tuple[str, ...]
    shapes: tuple[torch.Size, ...]

    @classmethod
    def of(cls, module: nn.Module) -> ParameterLayout:
        named = list(module.named_parameters())
        if not named:
            raise StrategyError(f"{type(module).__name__} has no parameters to search over")
        return cls(tuple(n for n, _ in named), tuple(p.shape for _, p in named))

    @property
    def numels(self) -> tuple[int, ...]:
        return tuple(s.numel() for s in self.shapes)

    @property
    def num_params(self) -> int:
        return sum(self.numels)

    def unflatten(self, flat: torch.Tensor) -> dict[str, torch.Tensor]:
        """Views of ``flat`` (``[..., n_params]``) shaped as the module's parameters."""
        if flat.shape[-1] != self.num_params:
            raise StrategyError(
                f"flat parameter vector has {flat.shape[-1]} entries; the module has "
                f"{self.num_params} parameters"
            )
        lead = flat.shape[:-1]
        parts = torch.split(flat, list(self.numels), dim=-1)
        return {n: p.reshape(*lead, *s) for n, p, s in zip(self.names, parts, self.shapes)}


def flatten_parameters(module: nn.Module) -> torch.Tensor:
    """The module's parameters as one detached vector ``[n_params]`` (a copy)."""
    return torch.nn.utils.parameters_to_vector(module.parameters()).detach().clone()


def unflatten_parameters(module: nn.Module, flat: torch.Tensor) -> dict[str, torch.Tensor]:
    """``{name: tensor}`` views of ``flat`` for ``torch.func.functional_call(module, ...)``."""
    return ParameterLayout.of(module).unflatten(flat)


def load_flat_parameters(module: nn.Module, flat: torch.Tensor) -> nn.Module:
    """Copy ``flat`` (``[n_params]``) into the module's parameters, in place; returns ``module``.

    Example::

        load_flat_parameters(net, result.best)       # the winner as an ordinary module
    """
    layout = ParameterLayout.of(module)
    if flat.dim() != 1:
        raise StrategyError(f"expected one flat parameter vector, got shape {tuple(flat.shape)}")
    with torch.no_grad():
        for p, v in zip(module.parameters(), layout.unflatten(flat).values()):
            p.copy_(v.to(device=p.device, dtype=p.dtype))
    return module


def reset_parameters(module: nn.Module, seed: int) -> nn.Module:
    """Re-draw the module's parameters with PyTorch's default initialisers, seeded by ``seed``.

    Calls ``reset_parameters()`` of every submodule that has one (``nn.Linear``: Kaiming-uniform,
    He et al. 2015) inside ``torch.random.fork_rng``, so the global RNG is left untouched and
    the same seed gives the same weights. Returns ``module``.
    """
    subs = [m for m in module.modules() if callable(getattr(m, "reset_parameters", None))]
    if not subs:
        raise StrategyError(
            f"{type(module).__name__} has no submodule with reset_parameters(); it cannot be "
            "re-initialised from a seed. Start from its own parameters instead"
        )
    cuda = sorted({p.device.index or 0 for p in module.parameters() if p.device.type == "cuda"})
    with torch.random.fork_rng(devices=cuda):
        torch.manual_seed(seed)
        with torch.no_grad():
            for m in subs:
                m.reset_parameters()  # type: ignore[operator]  # callable: checked above
    return module


class ParameterPolicy(BatchedPolicy):
    """``P`` copies of ``module``, the ``i``-th with parameters ``params[i]``.

    ``forward(x)``: ``x`` of shape ``[B, n_in]`` (shared by all candidates) or
    ``[P, B, n_in]`` (one batch each) -> ``[P, B, n_out]``. ``num_inputs`` / ``num_outputs``
    default to the module's attributes of those names (``neuroevo.MLP`` has them).
    A stack of linear layers (:attr:`stack`, see :mod:`neuroevo.compile.linear`) runs as
    batched matrix products; any other module must be vmappable (no ``.item()``, no
    data-dependent Python control flow), and ``chunk_size`` bounds the candidates vmapped at
    once (memory), ``None`` = all. ``batched=False`` uses ``vmap`` for a stack too.
    """

    recurrent = False

    def __init__(
        self,
        module: nn.Module,
        params: torch.Tensor,
        *,
        num_inputs: int | None = None,
        num_outputs: int | None = None,
        chunk_size: int | None = None,
        batched: bool = True,
    ) -> None:
        super().__init__()
        self.layout = ParameterLayout.of(module)
        if params.dim() != 2 or params.shape[1] != self.layout.num_params:
            raise StrategyError(
                f"params must have shape [P, {self.layout.num_params}] for this "
                f"{type(module).__name__}, got {tuple(params.shape)}"
            )
        n_in = num_inputs if num_inputs is not None else getattr(module, "num_inputs", None)
        n_out = num_outputs if num_outputs is not None else getattr(module, "num_outputs", None)
        if n_in is None or n_out is None:
            raise StrategyError(
                f"{type(module).__name__} has no num_inputs/num_outputs attributes; pass "
                "ParameterPolicy(module, params, num_inputs=..., num_outputs=...)"
            )
        self.module = module
        self.params = params
        self.num_candidates = int(params.shape[0])
        self.num_inputs = int(n_in)
        self.num_outputs = int(n_out)
        self.chunk_size = chunk_size
        self.device = params.device
        self.dtype = params.dtype
        #: the module as linear layers over the flat parameters, or None (vmap path)
        self.stack = (
            LinearStack.of(module, self.layout.names, self.layout.numels) if batched else None
        )

    def _one(self, flat: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = torch.func.functional_call(
            self.module, self.layout.unflatten(flat), (x,)
        )
        return out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.shape[-1] != self.num_inputs or x.dim() not in (2, 3):
            raise TaskError(
                f"policy expects inputs [B, {self.num_inputs}] or [P, B, {self.num_inputs}], "
                f"got {tuple(x.shape)}"
            )
        if x.dim() == 3 and x.shape[0] != self.num_candidates:
            raise TaskError(
                f"per-candidate inputs have {x.shape[0]} rows in dim 0; the policy has "
                f"{self.num_candidates} candidates"
            )
        if self.stack is not None:
            return self.stack.forward(self.params, x.to(self.params.dtype))
        in_dims = (0, 0) if x.dim() == 3 else (0, None)
        fn = torch.vmap(
            self._one, in_dims=in_dims, randomness="different", chunk_size=self.chunk_size
        )
        return fn(self.params, x.to(self.params.dtype))

    def select(self, positions: Sequence[int] | torch.Tensor) -> ParameterPolicy:
        """A policy of only the candidates at ``positions`` (in that order); rollouts use it
        to stop computing candidates whose episodes have all ended."""
        idx = torch.as_tensor(positions, device=self.params.device).long().reshape(-1)
        if idx.numel() == 0 or int(idx.min()) < 0 or int(idx.max()) >= self.num_candidates:
            raise StrategyError(
                f"select: positions must be in [0, {self.num_candidates}), "
                f"got {idx.numel()} positions"
            )
        sub = copy.copy(self)
        sub._modules = dict(self._modules)
        sub._parameters, sub._buffers = dict(self._parameters), dict(self._buffers)
        sub.params = self.params.index_select(0, idx)
        sub.num_candidates = int(idx.numel())
        return sub

    def program(self, episodes: int) -> PolicyProgram | None:
        """The rollout program of a linear stack (:meth:`LinearStack.program`), else None."""
        if self.stack is None or any(
            layer.activation not in PROGRAM_ACTIVATIONS for layer in self.stack.layers
        ):
            return None
        return self.stack.program(self.params.detach(), episodes)
