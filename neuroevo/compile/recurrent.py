"""Recurrent populations: P neat-python ``RecurrentNetwork`` s stepped together in torch.

neat-python's ``RecurrentNetwork`` (``neat/nn/recurrent.py``) keeps two buffers of node
values. One ``activate(inputs)`` writes the inputs into both, then computes every node from
the *previous* step's values::

    new[n] = act_n(bias_n + response_n * agg_n([old[i] * w for i, w in links_n]))

and returns ``new`` of the output nodes. The nodes it evaluates are those with an enabled
incoming connection whose source or target is *required* (reaches an output through any
connection, enabled or not); every other node -- an output with no incoming connection, a
hidden node whose connections are all disabled -- stays 0.0 forever. Inputs are read at
the current step, nodes at the previous one.

Here the evaluated nodes of all P genomes form one state tensor ``[N, B]`` (node-major).
One step evaluates them all as a single level of blocks (:mod:`neuroevo.compile.layout`),
each running the kernel (:func:`neuroevo.compile.kernel.evaluate_nodes`) on the rows
``[0; inputs; previous state]``, with no per-genome Python loop. Only nodes that reach an
output through enabled connections are evaluated: neat-python computes more, but no output
ever reads them.

Example::

    net = compile_recurrent(genomes, config.genome_config, dtype=torch.float64)
    net.reset()
    for x in observations:          # x: [B, n_in] or [P, B, n_in]
        y = net(x)                  # [P, B, n_out], one neat-python activate() per genome
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, cast

import numpy as np
import torch

from neuroevo.compile.graph import (
    check_genome_config,
    flatten_population,
    genome_list,
    required_nodes,
    write_genes,
)
from neuroevo.compile.kernel import FlatBlock
from neuroevo.compile.layout import FEW_BLOCKS, plan_layout
from neuroevo.devices import resolve_device
from neuroevo.errors import CompileError, TaskError
from neuroevo.policy import BatchedPolicy

Tensor = torch.Tensor


class RecurrentPopulationNetwork(BatchedPolicy):
    """P neat-python ``RecurrentNetwork`` s as one stateful batched module.

    ``net(x)`` with ``x`` of shape ``[B, n_in]`` (shared) or ``[P, B, n_in]`` performs one
    ``activate`` of every genome and returns ``[P, B, n_out]``. The state (all evaluated
    nodes, ``[N, B]``) starts at zero; the batch size is fixed by the first call after
    :meth:`reset`, which zeroes the state.

    Example::

        net = RecurrentPopulationNetwork(genomes, config.genome_config)
        y1 = net(torch.ones(4, config.genome_config.num_inputs))   # step 1
        y2 = net(torch.ones(4, config.genome_config.num_inputs))   # step 2 (sees step 1)
        net.reset()
    """

    recurrent = True
    out_slot: Tensor  # buffers (parameters when trainable), registered in __init__
    weight: Tensor
    bias: Tensor
    response: Tensor
    _state: Tensor | None

    def __init__(
        self,
        genomes: Sequence[Any],
        genome_config: Any,
        *,
        device: torch.device | str | None = None,
        dtype: torch.dtype = torch.float32,
        trainable: bool = False,
    ) -> None:
        super().__init__()
        check_genome_config(genome_config, "compile_recurrent")
        genomes = genome_list(genomes, "compile_recurrent")
        if not genomes:
            raise CompileError("compile_recurrent: got no genomes; pass a non-empty list")
        device = resolve_device(device)
        self.num_candidates = len(genomes)
        self.num_inputs = len(genome_config.input_keys)
        self.num_outputs = len(genome_config.output_keys)
        self.dtype = dtype
        flat = flatten_population(genomes, genome_config, "compile_recurrent")
        p, n_in = self.num_candidates, self.num_inputs
        # evaluated: required nodes with an enabled incoming connection; the rest stay 0.0
        has_input = np.zeros(flat.num_nodes, bool)
        has_input[flat.edge_dst] = True
        evaluated = required_nodes(flat) & has_input
        # the parameter vectors: evaluated nodes and the connections into them, in flat order
        ev = np.flatnonzero(evaluated)
        used = evaluated[flat.edge_dst]
        src_key, dst_key = flat.edge_keys()
        self.node_genome, self.node_key = flat.node_genome[ev], flat.node_key[ev]
        self.conn_genome = flat.edge_genome[used]
        self.conn_key = np.stack([src_key[used], dst_key[used]], 1)
        node_param = np.full(flat.num_nodes, -1, np.int64)
        node_param[ev] = np.arange(len(ev))
        edge_param = np.full(len(used), -1, np.int64)
        edge_param[used] = np.arange(int(used.sum()))
        # one level: every node reads the rows [0 (zero); P * n_in inputs; previous state]
        layout = plan_layout(
            np.where(evaluated, 0, -1), flat.aggregation, flat.activation, flat.edge_dst, FEW_BLOCKS
        )
        self.num_nodes = len(layout.order)
        state_row = np.where(layout.position >= 0, 1 + p * n_in + layout.position, 0)
        src = flat.edge_src
        src_row = np.where(
            src < 0, 1 + flat.edge_genome * n_in + (-1 - src), state_row[np.maximum(src, 0)]
        )
        self.blocks = torch.nn.ModuleList(
            FlatBlock(
                plan,
                plan.pad(src_row),
                edge_param,
                node_param[layout.order[plan.start : plan.stop]],
                flat.aggregation_names,
                flat.activation_names,
            )
            for plan in layout.blocks
        )
        out_node = flat.output_nodes().reshape(-1)  # -1: the genome lacks it
        out_slot = 1 + np.where(out_node >= 0, layout.position[np.maximum(out_node, 0)], -1)
        self.register_buffer("out_slot", torch.from_numpy(out_slot), persistent=False)  # 0: 0.0

        def as_t(a: np.ndarray) -> Tensor:
            return torch.as_tensor(a, dtype=dtype)

        weight = as_t(flat.edge_weight[used])
        bias, response = as_t(flat.bias[ev]), as_t(flat.response[ev])
        self.trainable = trainable
        if trainable:
            self.weight = torch.nn.Parameter(weight)
            self.bias = torch.nn.Parameter(bias)
            self.response = torch.nn.Parameter(response)
        else:
            self.register_buffer("weight", weight, persistent=False)
            self.register_buffer("bias", bias, persistent=False)
            self.register_buffer("response", response, persistent=False)
        self.register_buffer("_state", None, persistent=False)
        self.to(device)
        if not trainable:  # parameters are fixed: pad them once
            self._fixed = self._params()

    def _params(self) -> list[tuple[Tensor, Tensor, Tensor]]:
        """Each block's share of the weight, bias and response vectors."""
        blocks = cast("list[FlatBlock]", self.blocks)
        return [block.params(self.weight, self.bias, self.response) for block in blocks]

    def _apply(  # keep the cached padded parameters on the device
        self, fn: Callable[[Tensor], Tensor], recurse: bool = True
    ) -> RecurrentPopulationNetwork:
        out: RecurrentPopulationNetwork = super()._apply(fn, recurse)  # type: ignore[no-untyped-call]  # torch leaves it unannotated
        if getattr(self, "_fixed", None) is not None:
            self._fixed = self._params()
        return out

    @property
    def device(self) -> torch.device:
        return self.out_slot.device

    def reset(self) -> None:
        """Zero every node value (neat-python's ``RecurrentNetwork.reset``)."""
        self._state = None

    def initial_state(self, batch_size: int) -> Tensor:
        """The all-zero state ``[N, batch_size]``."""
        return torch.zeros(self.num_nodes, batch_size, dtype=self.dtype, device=self.device)

    def input_rows(self, x: Tensor) -> Tensor:
        """Check ``x`` and lay it out as the ``[P * n_in, B]`` input rows."""
        x = torch.as_tensor(x, dtype=self.dtype, device=self.device)
        p, n_in = self.num_candidates, self.num_inputs
        if x.dim() == 2 and x.shape[1] == n_in:
            return x.t().repeat(p, 1)
        if x.dim() == 3 and x.shape[0] == p and x.shape[2] == n_in:
            return x.permute(0, 2, 1).reshape(p * n_in, x.shape[1])
        raise TaskError(
            f"recurrent network of {p} genomes with {n_in} inputs got x of shape "
            f"{tuple(x.shape)}; pass [B, {n_in}] (shared) or [{p}, B, {n_in}]"
        )

    def step(self, rows: Tensor, state: Tensor) -> tuple[Tensor, Tensor]:
        """One ``activate`` from explicit state: ``(rows [P*n_in, B], state [N, B])`` ->
        ``(outputs [P, B, n_out], new state [N, B])``."""
        params = self._fixed if not self.trainable else self._params()
        zero = rows.new_zeros(1, rows.shape[1])
        values = torch.cat([zero, rows, state])
        parts = [block(values, prm) for block, prm in zip(self.blocks, params)]
        new = parts[0] if len(parts) == 1 else torch.cat([state[:0], *parts])
        out = torch.cat([zero, new])[self.out_slot]  # [P * n_out, B]
        out = out.view(self.num_candidates, self.num_outputs, -1).permute(0, 2, 1)
        return out, new

    def forward(self, x: Tensor) -> Tensor:
        rows = self.input_rows(x)
        batch = rows.shape[1]
        state = self._state
        if state is None:
            state = self.initial_state(batch)
        elif state.shape[1] != batch:
            raise TaskError(
                f"recurrent network state holds a batch of {state.shape[1]} but x has "
                f"{batch} rows; call reset() before changing the batch size"
            )
        out, self._state = self.step(rows, state)
        return out

    def write_back(self, genomes: Sequence[Any], genome_config: Any) -> None:
        """Write this network's (trained) weights, biases and responses into ``genomes``.

        As :meth:`PopulationNetwork.write_back <neuroevo.compile.population.PopulationNetwork.write_back>`:
        ``genomes`` are those it was compiled from, in the same order; values are clamped
        to the config's ``*_min_value`` .. ``*_max_value``; genes the network does not
        evaluate keep their values.
        """
        if len(genomes) != self.num_candidates:
            raise CompileError(
                f"write_back: got {len(genomes)} genomes, compiled from "
                f"{self.num_candidates}; pass the same list, in the same order"
            )

        def as_np(t: Tensor) -> np.ndarray:
            return t.detach().cpu().double().numpy()

        write_genes(
            genomes,
            genome_config,
            (self.conn_genome, self.conn_key[:, 0], self.conn_key[:, 1], as_np(self.weight)),
            (self.node_genome, self.node_key, as_np(self.bias), as_np(self.response)),
        )

    def extra_repr(self) -> str:
        return (
            f"genomes={self.num_candidates}, inputs={self.num_inputs}, "
            f"outputs={self.num_outputs}, nodes={self.num_nodes}, "
            f"connections={len(self.conn_genome)}"
        )


def compile_recurrent(
    genomes: Sequence[Any],
    genome_config: Any,
    *,
    device: torch.device | str | None = None,
    dtype: torch.dtype = torch.float32,
    trainable: bool = False,
) -> RecurrentPopulationNetwork:
    """Compile neat-python genomes into one stateful batched recurrent network.

    Step by step equal to ``neat.nn.RecurrentNetwork.create(g, config).activate(x)`` for every
    genome (see the module docstring for the exact semantics). ``device=None`` picks CUDA
    when available. ``trainable=True`` makes the weights, biases and responses
    ``nn.Parameter`` s (backpropagation through time over the steps since ``reset()``);
    ``net.write_back(genomes, genome_config)`` copies them into the genes.

    Example::

        net = compile_recurrent(list(population.population.values()), config.genome_config)
        y = net(torch.zeros(8, config.genome_config.num_inputs))   # [P, 8, n_out]
    """
    return RecurrentPopulationNetwork(
        genomes, genome_config, device=device, dtype=dtype, trainable=trainable
    )


__all__ = ["RecurrentPopulationNetwork", "compile_recurrent"]
