"""Compile a whole population of neat-python genomes into one batched PyTorch module.

Layout. Every evaluated node of every genome gets one row of a value buffer ``V`` of shape
``[rows, B]`` (node-major, so gathering a node's inputs reads contiguous rows): row 0 is
a constant zero used for padding, then the nodes in the order of their blocks, then the
inputs (``num_inputs`` rows shared by all genomes, or ``P * num_inputs`` rows when each
genome gets its own inputs). The blocks -- same evaluation level, similar in-degree,
sorted inside by aggregation and activation -- are planned by
:mod:`neuroevo.compile.layout`.

Forward: each block in turn runs the kernel (:func:`neuroevo.compile.kernel.evaluate_nodes`:
gather its D nodes' inputs as ``[D, K, B]``, weight, aggregate, bias and response,
activate) and writes its D rows of ``V`` in place. No Python loop over genomes: the loop
runs over blocks, whose number grows with network depth, not with P.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

import numpy as np
import torch

from neuroevo.compile.graph import (
    FlatPopulation,
    check_genome_config,
    evaluation_levels,
    flatten_population,
    genome_list,
    required_nodes,
    select_genomes,
    write_genes,
)
from neuroevo.compile.kernel import Block
from neuroevo.compile.layout import FEW_BLOCKS, BlockPlan, plan_layout
from neuroevo.compile.program import BlockData, network_program
from neuroevo.compile.recurrent import compile_recurrent
from neuroevo.errors import CompileError, TaskError
from neuroevo.policy import BatchedPolicy, PolicyProgram


class _Block(Block):
    """A kernel block that owns its ``[D, K]`` weights and ``[D]`` biases and responses.

    Two source matrices: inputs shared by all genomes, or one batch per genome. Its rows
    of the value buffer are ``row0 .. row0 + D``; :meth:`forward` writes them in place.
    """

    src_per: torch.Tensor  # buffers, or parameters when trainable (registered in __init__)
    weight: torch.Tensor
    bias: torch.Tensor
    response: torch.Tensor

    def __init__(
        self,
        plan: BlockPlan,
        src_shared: np.ndarray,
        src_per: np.ndarray,
        weight: np.ndarray,
        bias: np.ndarray,
        response: np.ndarray,
        names: tuple[Sequence[str], Sequence[str]],
        device: torch.device,
        dtype: torch.dtype,
        trainable: bool = False,
    ) -> None:
        super().__init__(plan, src_shared, *names, device)
        self.row0 = 1 + plan.start
        self.register_buffer("src_per", torch.as_tensor(src_per, device=device), persistent=False)
        for name, a in (("weight", weight), ("bias", bias), ("response", response)):
            t = torch.as_tensor(a, dtype=dtype, device=device)
            if trainable:
                self.register_parameter(name, torch.nn.Parameter(t))
            else:
                self.register_buffer(name, t, persistent=False)

    def forward(self, values: torch.Tensor, per_genome: bool) -> None:
        out = values[self.row0 : self.row0 + len(self.bias)]
        self.evaluate(
            values,
            self.weight,
            self.bias,
            self.response,
            out=out,
            src=self.src_per if per_genome else None,
        )


class _Layout(torch.nn.Module):
    """One arrangement of the evaluated nodes into blocks (rows, padding, output rows)."""

    out_rows: torch.Tensor  # a buffer (registered in __init__)

    def __init__(
        self,
        blocks: list[_Block],
        out_rows: torch.Tensor,
        input_row: int,
        slots: list[tuple[np.ndarray, np.ndarray, np.ndarray]],
        nodes: list[np.ndarray],
    ) -> None:
        super().__init__()
        self.blocks = torch.nn.ModuleList(blocks)
        self.register_buffer("out_rows", out_rows, persistent=False)
        self.input_row = input_row
        self.slots = slots  # per block: (row, slot, edge id) of its real input slots
        self.nodes = nodes  # per block: node ids of its rows


class PopulationNetwork(BatchedPolicy):
    """P feed-forward genomes as one module: ``[B, n_in]`` or ``[P, B, n_in]`` -> ``[P, B, n_out]``.

    Build it with :func:`compile_population`. Outputs equal
    ``neat.nn.FeedForwardNetwork.create(genome, config).activate(x)`` for every genome.

    The blocks are laid out for the batch size: large batches (B >= 256) get tight padding
    and more blocks, small ones (rollouts: a few episodes per genome) fewer, more padded
    blocks, since there the number of kernel launches dominates. The small-batch layout is
    built on first use.
    """

    recurrent = False
    #: block overhead (padded input slots, see layout.merge_buckets) per batch-size regime
    LAYOUTS = ((256, 0), (32, 256), (0, FEW_BLOCKS))

    def __init__(
        self,
        flat: FlatPopulation,
        *,
        device: torch.device,
        dtype: torch.dtype,
        trainable: bool = False,
    ):
        super().__init__()
        self.trainable = trainable
        self.num_candidates = flat.num_genomes
        self.num_inputs = len(flat.input_keys)
        self.num_outputs = len(flat.output_keys)
        self.dtype = dtype
        self._flat = flat
        required = required_nodes(flat)
        self._level = evaluation_levels(flat, required)
        self.layouts = torch.nn.ModuleDict({"0": self._build(0, device)})

    # the large-batch layout is the reference one (trainable parameters, write_back)
    @property
    def _wide(self) -> _Layout:
        return cast(_Layout, self.layouts["0"])

    @property
    def blocks(self) -> torch.nn.ModuleList:
        return self._wide.blocks

    @property
    def out_rows(self) -> torch.Tensor:
        return self._wide.out_rows

    @property
    def _slots(self) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        return self._wide.slots

    @property
    def _nodes(self) -> list[np.ndarray]:
        return self._wide.nodes

    def _layout_for(self, b: int) -> _Layout:
        if self.trainable:
            return self._wide
        overhead = next(c for lo, c in self.LAYOUTS if b >= lo)
        key = str(overhead)
        if key not in self.layouts:
            self.layouts[key] = self._build(overhead, self._wide.out_rows.device)
        return cast(_Layout, self.layouts[key])

    def _build(self, overhead: int, device: torch.device) -> _Layout:
        flat, n_in = self._flat, self.num_inputs
        layout = plan_layout(
            self._level, flat.aggregation, flat.activation, flat.edge_dst, overhead
        )
        # rows: 0 the zero row, then the evaluated nodes in layout order, then the inputs
        input_row = 1 + len(layout.order)
        row_of = 1 + layout.position  # 0 for nodes never evaluated: they read the zero row
        src = flat.edge_src
        in_pos = -1 - src
        src_shared = np.where(src < 0, input_row + in_pos, row_of[np.maximum(src, 0)])
        src_per = np.where(src < 0, input_row + flat.edge_genome * n_in + in_pos, src_shared)
        names = (flat.aggregation_names, flat.activation_names)
        blocks: list[_Block] = []
        slots: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        nodes_of: list[np.ndarray] = []
        for plan in layout.blocks:
            nodes = layout.order[plan.start : plan.stop]
            blocks.append(
                _Block(
                    plan,
                    plan.pad(src_shared),
                    plan.pad(src_per),
                    plan.pad(flat.edge_weight),
                    flat.bias[nodes],
                    flat.response[nodes],
                    names,
                    device,
                    self.dtype,
                    self.trainable,
                )
            )
            slots.append((plan.row, plan.slot, plan.edge))
            nodes_of.append(nodes)
        out_nodes = flat.output_nodes()
        out_rows = np.where(out_nodes >= 0, row_of[np.maximum(out_nodes, 0)], 0).reshape(-1)
        return _Layout(blocks, torch.as_tensor(out_rows, device=device), input_row, slots, nodes_of)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        p, n_in = self.num_candidates, self.num_inputs
        if x.dim() == 2 and x.shape[1] == n_in:
            per_genome = False
            b = x.shape[0]
            inputs = x.t()
        elif x.dim() == 3 and x.shape[0] == p and x.shape[2] == n_in:
            per_genome = True
            b = x.shape[1]
            inputs = x.permute(0, 2, 1).reshape(p * n_in, b)
        else:
            raise TaskError(
                f"population network got inputs of shape {tuple(x.shape)}; expected "
                f"[B, {n_in}] (the same inputs for every genome) or [{p}, B, {n_in}] "
                "(one batch per genome)"
            )
        layout = self._layout_for(b)
        rows = layout.input_row + inputs.shape[0]
        values = torch.empty(rows, b, dtype=self.dtype, device=layout.out_rows.device)
        values[0].zero_()
        values[layout.input_row :] = inputs
        for block in layout.blocks:
            block.forward(values, per_genome)  # no hooks: skips nn.Module.__call__ overhead
        out = values.index_select(0, layout.out_rows).view(p, self.num_outputs, b)
        return out.transpose(1, 2)

    def program(self, episodes: int) -> PolicyProgram | None:
        """The networks as levels of segment sums (:mod:`neuroevo.compile.program`), the form
        rollouts run; ``None`` when a node aggregates other than by ``sum``."""
        layout = self._wide
        owner = self._flat.node_genome
        blocks = [
            BlockData(
                int(self._level[nodes[0]]),
                b.src_per,
                b.weight,
                b.mask,
                b.bias,
                b.response,
                torch.as_tensor(owner[nodes]),
                b.aggregations,
                b.activations,
            )
            for b, nodes in zip(cast("list[_Block]", layout.blocks), layout.nodes)
        ]
        with torch.no_grad():
            return network_program(
                blocks,
                layout.out_rows,
                layout.input_row,
                self.num_candidates,
                self.num_inputs,
                self.num_outputs,
                episodes,
            )

    def select(self, genomes: Sequence[int] | torch.Tensor) -> PopulationNetwork:
        """A network of only the genomes at positions ``genomes`` (in that order).

        Rollouts use it to stop computing genomes whose episodes have all ended.
        """
        idx = torch.as_tensor(genomes).cpu().numpy().astype(np.int64).reshape(-1)
        if len(idx) == 0 or idx.min() < 0 or idx.max() >= self.num_candidates:
            raise CompileError(
                f"select: positions must be in [0, {self.num_candidates}), got {len(idx)} positions"
            )
        if len(np.unique(idx)) != len(idx):
            raise CompileError("select: positions must be distinct; pass each genome once")
        return PopulationNetwork(
            select_genomes(self._flat, idx),
            dtype=self.dtype,
            device=self._wide.out_rows.device,
            trainable=self.trainable,
        )

    def write_back(self, genomes: Sequence[Any], genome_config: Any) -> None:
        """Write this network's (trained) weights, biases and responses into ``genomes``.

        ``genomes`` are those it was compiled from, in the same order. Values are clamped
        to the config's ``weight_/bias_/response_min_value`` .. ``max_value``, as
        neat-python's own mutation keeps them. Connections and nodes the network does not
        evaluate keep their values.
        """
        flat = self._flat
        if len(genomes) != flat.num_genomes:
            raise CompileError(
                f"write_back: got {len(genomes)} genomes, compiled from "
                f"{flat.num_genomes}; pass the same list, in the same order"
            )
        edges, weights, nodes, biases, responses = [], [], [], [], []
        blocks = cast("list[_Block]", self.blocks)
        for block, (r, s, eid), nid in zip(blocks, self._slots, self._nodes):
            edges.append(eid)
            weights.append(block.weight.detach()[r, s].cpu().double().numpy())
            nodes.append(nid)
            biases.append(block.bias.detach().cpu().double().numpy())
            responses.append(block.response.detach().cpu().double().numpy())
        eid = np.concatenate(edges) if edges else np.zeros(0, np.int64)
        nid = np.concatenate(nodes) if nodes else np.zeros(0, np.int64)
        src_key, dst_key = flat.edge_keys()
        empty = np.zeros(0)
        write_genes(
            genomes,
            genome_config,
            (
                flat.edge_genome[eid],
                src_key[eid],
                dst_key[eid],
                np.concatenate(weights) if weights else empty,
            ),
            (
                flat.node_genome[nid],
                flat.node_key[nid],
                np.concatenate(biases) if biases else empty,
                np.concatenate(responses) if responses else empty,
            ),
        )

    def extra_repr(self) -> str:
        return (
            f"genomes={self.num_candidates}, inputs={self.num_inputs}, "
            f"outputs={self.num_outputs}, nodes={self._wide.input_row - 1}, "
            f"blocks={len(self.blocks)} (large batches)"
        )


def compile_population(
    genomes: Sequence[Any],
    genome_config: Any,
    *,
    device: str | torch.device | None = None,
    dtype: torch.dtype = torch.float32,
    recurrent: bool = False,
    trainable: bool = False,
) -> BatchedPolicy:
    """Compile neat-python genomes into one batched module.

    Example::

        import neat, neuroevo as ne, torch
        net = ne.compile_population(list(pop.population.values()), config.genome_config)
        y = net(torch.tensor([[0., 0.], [0., 1.], [1., 0.], [1., 1.]]))   # [P, 4, n_out]

    ``recurrent=True`` returns a stateful module matching ``neat.nn.RecurrentNetwork``
    step by step (``reset()`` clears the state). ``device=None`` means CUDA when available.
    ``trainable=True`` makes every weight, bias and response an ``nn.Parameter`` (one
    backward pass trains all genomes at once; ``net.write_back(genomes, genome_config)``
    copies the values into the genes).

    ``genomes`` may also be the ``(genome_id, genome)`` pairs neat-python passes to a
    fitness function, so ``eval_genomes(genomes, config)`` can hand them on unchanged;
    the outputs follow their order. ``genome_config`` is ``config.genome_config``, not the
    whole ``neat.Config`` (a ``CompileError`` says so).
    """
    from neuroevo.devices import resolve_device

    check_genome_config(genome_config, "compile_population")
    genomes = genome_list(genomes, "compile_population")
    dev = resolve_device(device)
    if recurrent:
        return compile_recurrent(
            genomes, genome_config, device=dev, dtype=dtype, trainable=trainable
        )
    flat = flatten_population(genomes, genome_config)
    return PopulationNetwork(flat, device=dev, dtype=dtype, trainable=trainable)
