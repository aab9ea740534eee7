"""The network kernel, written once: gather -> weight -> aggregate -> bias/response -> activate.

neat-python evaluates one node at a time (``neat/nn/feed_forward.py``,
``FeedForwardNetwork.activate``; ``RecurrentNetwork`` does the same from the previous
step's values)::

    node_inputs = [values[i] * w for i, w in links]
    s = agg_func(node_inputs)
    values[node] = act_func(bias + response * s)

:func:`evaluate_nodes` does this for a whole block of D nodes and B batch rows in a few
tensor operations. Every compiler of this package calls it -- the population network
(``population.py``), the recurrent population (``recurrent.py``) and the trainable single
genome (``module.py``) -- on blocks planned by :mod:`neuroevo.compile.layout`; they differ
only in where the values live and where the parameters come from.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import torch

from neuroevo.compile.functions import activation, aggregation
from neuroevo.compile.layout import BlockPlan

Tensor = torch.Tensor
#: (function, lo, hi): apply the function to nodes lo .. hi of a block
Runs = Sequence[tuple[Callable, int, int]]


def evaluate_nodes(
    values: Tensor,
    src: Tensor,
    weight: Tensor,
    mask: Tensor,
    bias: Tensor,
    response: Tensor,
    aggregations: Runs,
    activations: Runs,
    out: Tensor | None = None,
) -> Tensor:
    """New values ``[D, B]`` of D nodes, from ``values [M, B]`` (one row per value).

    ``src [D, K]``: the row each input slot reads; empty slots read a row of zeros and
    have ``weight`` 0.0 and ``mask`` False. ``bias``, ``response``: ``[D]``.
    ``aggregations`` / ``activations``: the functions of
    :mod:`neuroevo.compile.functions` over runs of consecutive nodes covering all D.
    With ``out`` (a ``[D, B]`` view, e.g. the block's own rows of ``values``) the results
    are written there; otherwise returned as a new tensor (no in-place writes: what
    tracing and export prefer).
    """
    d, k = src.shape
    v = values.index_select(0, src.reshape(-1)).view(d, k, values.shape[1])
    v = v * weight[:, :, None]
    if len(aggregations) == 1:
        s = aggregations[0][0](v, mask)
    else:
        s = torch.cat([fn(v[lo:hi], mask[lo:hi]) for fn, lo, hi in aggregations])
    z = torch.addcmul(bias[:, None], response[:, None], s)  # neat: bias + response * s
    if out is None:
        if len(activations) == 1:
            return activations[0][0](z)
        return torch.cat([fn(z[lo:hi]) for fn, lo, hi in activations])
    for fn, lo, hi in activations:
        out[lo:hi] = fn(z[lo:hi])
    return out


class Block(torch.nn.Module):
    """A :class:`~neuroevo.compile.layout.BlockPlan` on the device, ready for the kernel.

    Holds which value row each slot reads (``src``), which slots are real (``mask``) and
    the functions (unknown names raise ``CompileError`` naming the fix); the parameters
    come from the caller, see :meth:`evaluate`.
    """

    src: Tensor  # buffers (registered in __init__)
    mask: Tensor

    def __init__(
        self,
        plan: BlockPlan,
        src: np.ndarray,
        aggregation_names: Sequence[str],
        activation_names: Sequence[str],
        device: torch.device | None = None,
    ) -> None:
        super().__init__()
        self.start, self.stop = plan.start, plan.stop
        self.register_buffer(
            "src", torch.as_tensor(src, dtype=torch.long, device=device), persistent=False
        )
        self.register_buffer("mask", torch.as_tensor(plan.mask, device=device), persistent=False)
        self.aggregations = [
            (aggregation(aggregation_names[c]), lo, hi) for c, lo, hi in plan.aggregation_runs
        ]
        self.activations = [
            (activation(activation_names[c]), lo, hi) for c, lo, hi in plan.activation_runs
        ]

    def evaluate(
        self,
        values: Tensor,
        weight: Tensor,
        bias: Tensor,
        response: Tensor,
        *,
        src: Tensor | None = None,
        out: Tensor | None = None,
    ) -> Tensor:
        """:func:`evaluate_nodes` on this block (``src`` overrides the block's own)."""
        return evaluate_nodes(
            values,
            self.src if src is None else src,
            weight,
            self.mask,
            bias,
            response,
            self.aggregations,
            self.activations,
            out,
        )


class FlatBlock(Block):
    """A block whose parameters are entries of flat weight / bias / response vectors.

    ``edge_param [E]`` is the index in the weight vector of each of the caller's
    connections (the plan picks its own); ``node_param [D]`` the index of each of the
    block's nodes' bias and response. :meth:`params` cuts a block's share out of the vectors
    (gradients flow back into them); ``block(values, params)`` evaluates it.
    """

    weight_index: Tensor  # buffers (registered in __init__)
    node_index: Tensor

    def __init__(
        self,
        plan: BlockPlan,
        src: np.ndarray,
        edge_param: np.ndarray,
        node_param: np.ndarray,
        aggregation_names: Sequence[str],
        activation_names: Sequence[str],
        device: torch.device | None = None,
    ) -> None:
        super().__init__(plan, src, aggregation_names, activation_names, device)
        pidx = plan.pad(np.asarray(edge_param, dtype=np.int64), fill=-1)  # -1: the 0.0 pad
        self.register_buffer("weight_index", torch.as_tensor(pidx, device=device), persistent=False)
        self.register_buffer(
            "node_index",
            torch.as_tensor(node_param, dtype=torch.long, device=device),
            persistent=False,
        )

    def params(
        self, weight: Tensor, bias: Tensor, response: Tensor
    ) -> tuple[Tensor, Tensor, Tensor]:
        """This block's ``([D, K] weights, [D] bias, [D] response)`` from the flat vectors."""
        padded = torch.cat([weight, weight.new_zeros(1)])[self.weight_index]
        return padded, bias[self.node_index], response[self.node_index]

    def forward(self, values: Tensor, params: tuple[Tensor, Tensor, Tensor]) -> Tensor:
        return self.evaluate(values, *params)


__all__ = ["Block", "FlatBlock", "Runs", "evaluate_nodes"]
