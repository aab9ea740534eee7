"""Compile a whole population of neat-python genomes into one batched PyTorch module.

Layout. Every evaluated node of every genome gets one row of a value buffer ``V`` of shape
``[rows, B]`` (node-major, so gathering a node's inputs reads contiguous rows): row 0 is
a constant zero used for padding, then the nodes in evaluation order, then the inputs
(``num_inputs`` rows shared by all genomes, or ``P * num_inputs`` rows when each genome
gets its own inputs). Nodes are grouped into *blocks*: same evaluation level, same
in-degree bucket (0, 1, 2, 4, 8 ... so padding wastes at most half), sorted inside by
aggregation and activation so that each function applies to a contiguous slice.

Forward, per block: gather the inputs of its D nodes as ``[D, K, B]``, multiply by the
weights, aggregate (one call per aggregation present), add bias and multiply response,
activate (one call per activation run) and write the D rows. No Python loop over
genomes: the loop runs over blocks, whose number grows with network depth, not with P.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from neuroevo.compile import functions
from neuroevo.compile.graph import (
    FlatPopulation,
    evaluation_levels,
    flatten_population,
    required_nodes,
    runs,
    select_genomes,
)
from neuroevo.errors import TaskError
from neuroevo.policy import BatchedPolicy


class _Block(torch.nn.Module):
    """D nodes of one level with at most K inputs each."""

    def __init__(self, row0, src_shared, src_per, weight, mask, bias, response, aggs, acts,
                 trainable=False):
        super().__init__()
        self.row0 = row0
        self.register_buffer("src_shared", src_shared, persistent=False)
        self.register_buffer("src_per", src_per, persistent=False)
        self.register_buffer("mask", mask, persistent=False)
        for name, t in (("weight", weight), ("bias", bias), ("response", response)):
            if trainable:
                self.register_parameter(name, torch.nn.Parameter(t))
            else:
                self.register_buffer(name, t, persistent=False)
        self.aggs = aggs  # [(fn, start, end)]
        self.acts = acts  # [(fn, start, end)]

    def forward(self, values: torch.Tensor, per_genome: bool) -> None:
        d, k = self.weight.shape
        b = values.shape[1]
        src = self.src_per if per_genome else self.src_shared
        if k:
            v = values.index_select(0, src.reshape(-1)).view(d, k, b) * self.weight[:, :, None]
        else:
            v = values.new_zeros(d, 0, b)
        if len(self.aggs) == 1:
            s = self.aggs[0][0](v, self.mask)
        else:
            s = values.new_empty(d, b)
            for fn, lo, hi in self.aggs:
                s[lo:hi] = fn(v[lo:hi], self.mask[lo:hi])
        z = torch.addcmul(self.bias[:, None], self.response[:, None], s)
        out = values[self.row0 : self.row0 + d]
        for fn, lo, hi in self.acts:
            out[lo:hi] = fn(z[lo:hi])


def _merge_buckets(level: np.ndarray, bucket: np.ndarray, overhead: int) -> np.ndarray:
    """Merge in-degree buckets of a level where padding costs less than another block.

    A block of D nodes padded to K inputs costs about ``D * K`` slot-operations per batch
    row plus a fixed ``overhead`` (its kernel launches, in slot-equivalents). Going up the
    buckets of each level, the next bucket joins the current block when
    ``(D_cur + D_next) * K_next <= D_cur * K_cur + D_next * K_next + overhead``.
    """
    out = bucket.copy()
    for lv in np.unique(level):
        sel = level == lv
        ks, counts = np.unique(bucket[sel], return_counts=True)
        group_k = {}
        cur_d, cur_k, members = 0, 0, []
        for k, d in zip(ks.tolist(), counts.tolist()):
            if members and (cur_d + d) * k <= cur_d * cur_k + d * k + overhead:
                cur_d, cur_k = cur_d + d, k
                members.append(k)
            else:
                for m in members:
                    group_k[m] = cur_k
                cur_d, cur_k, members = d, k, [k]
        for m in members:
            group_k[m] = cur_k
        out[sel] = np.vectorize(group_k.__getitem__, otypes=[np.int64])(bucket[sel])
    return out


class _Layout(torch.nn.Module):
    """One arrangement of the evaluated nodes into blocks (rows, padding, output rows)."""

    def __init__(self, blocks, out_rows, input_row, slots, nodes):
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
    #: block overhead (padded input slots, see _merge_buckets) for each batch-size regime
    LAYOUTS = ((256, 0), (32, 256), (0, 4096))

    def __init__(self, flat: FlatPopulation, *, device: torch.device, dtype: torch.dtype,
                 trainable: bool = False):
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
        return self.layouts["0"]

    @property
    def blocks(self) -> torch.nn.ModuleList:
        return self._wide.blocks

    @property
    def out_rows(self) -> torch.Tensor:
        return self._wide.out_rows

    @property
    def _slots(self):
        return self._wide.slots

    @property
    def _nodes(self):
        return self._wide.nodes

    def _layout_for(self, b: int) -> _Layout:
        if self.trainable:
            return self._wide
        overhead = next(c for lo, c in self.LAYOUTS if b >= lo)
        key = str(overhead)
        if key not in self.layouts:
            self.layouts[key] = self._build(overhead, self._wide.out_rows.device)
        return self.layouts[key]

    def _build(self, overhead: int, device: torch.device) -> _Layout:
        flat, level, dtype, trainable = self._flat, self._level, self.dtype, self.trainable
        ev = np.flatnonzero(level >= 0)  # evaluated nodes
        used = level[flat.edge_dst] >= 0  # enabled connections into evaluated nodes
        e_dst = flat.edge_dst[used]
        deg = np.bincount(e_dst, minlength=flat.num_nodes)[ev]
        bucket = np.where(deg == 0, 0, 1 << np.ceil(np.log2(np.maximum(deg, 1))).astype(np.int64))
        bucket = _merge_buckets(level[ev], bucket, overhead)
        order = np.lexsort((flat.activation[ev], flat.aggregation[ev], bucket, level[ev]))
        ev, bucket = ev[order], bucket[order]
        lvl = level[ev]

        n_ev = len(ev)
        row_of = np.zeros(flat.num_nodes, dtype=np.int64)  # 0: not evaluated -> zero row
        row_of[ev] = 1 + np.arange(n_ev)
        input_row = 1 + n_ev

        # connections sorted (stably) by their destination's row, each with its slot
        e_src = flat.edge_src[used]
        e_w = flat.edge_weight[used]
        e_g = flat.edge_genome[used]
        e_order = np.argsort(row_of[e_dst], kind="stable")
        e_src, e_dst, e_w, e_g = e_src[e_order], e_dst[e_order], e_w[e_order], e_g[e_order]
        e_row = row_of[e_dst]
        first = np.searchsorted(e_row, e_row, side="left")
        slot = np.arange(len(e_row)) - first
        is_in = e_src < 0
        in_pos = -1 - e_src
        src_shared = np.where(is_in, input_row + in_pos, row_of[np.maximum(e_src, 0)])
        src_per = np.where(is_in, input_row + e_g * self.num_inputs + in_pos, src_shared)

        def t(a, dt=dtype):
            return torch.as_tensor(a, dtype=dt, device=device)

        blocks, slots, nodes_of = [], [], []
        edge_id = np.flatnonzero(used)[e_order]
        key = lvl * (1 << 40) + bucket
        for _, lo, hi in runs(key):
            d, k = hi - lo, int(bucket[lo])
            row0 = 1 + lo
            elo, ehi = np.searchsorted(e_row, [row0, row0 + d])
            r = e_row[elo:ehi] - row0
            s = slot[elo:ehi]
            ss = np.zeros((d, k), dtype=np.int64)
            sp = np.zeros((d, k), dtype=np.int64)
            w = np.zeros((d, k), dtype=np.float64)
            m = np.zeros((d, k), dtype=bool)
            ss[r, s] = src_shared[elo:ehi]
            sp[r, s] = src_per[elo:ehi]
            w[r, s] = e_w[elo:ehi]
            m[r, s] = True
            nodes = ev[lo:hi]
            slots.append((r, s, edge_id[elo:ehi]))
            nodes_of.append(nodes)
            aggs = [(functions.aggregation(flat.aggregation_names[c]), a, b)
                    for c, a, b in runs(flat.aggregation[nodes])]
            acts = [(functions.activation(flat.activation_names[c]), a, b)
                    for c, a, b in runs(flat.activation[nodes])]
            blocks.append(_Block(
                row0, t(ss, torch.long), t(sp, torch.long), t(w), t(m, torch.bool),
                t(flat.bias[nodes]), t(flat.response[nodes]), aggs, acts, trainable,
            ))
        out_nodes = flat.output_nodes()
        out_rows = np.where(out_nodes >= 0, row_of[np.maximum(out_nodes, 0)], 0)
        return _Layout(blocks, t(out_rows.reshape(-1), torch.long), input_row, slots, nodes_of)

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

    def select(self, genomes: Sequence[int] | torch.Tensor) -> PopulationNetwork:
        """A network of only the genomes at positions ``genomes`` (in that order).

        Rollouts use it to stop computing genomes whose episodes have all ended.
        """
        idx = torch.as_tensor(genomes).cpu().numpy().astype(np.int64).reshape(-1)
        if len(idx) == 0 or idx.min() < 0 or idx.max() >= self.num_candidates:
            raise ValueError(f"select: positions must be in [0, {self.num_candidates}), "
                             f"got {len(idx)} positions")
        if len(np.unique(idx)) != len(idx):
            raise ValueError("select: positions must be distinct; pass each genome once")
        return PopulationNetwork(select_genomes(self._flat, idx), dtype=self.dtype,
                                 device=self._wide.out_rows.device, trainable=self.trainable)

    def write_back(self, genomes: Sequence, genome_config) -> None:
        """Write this network's (trained) weights, biases and responses into ``genomes``.

        ``genomes`` are those it was compiled from, in the same order. Values are clamped
        to the config's ``weight_/bias_/response_min_value`` .. ``max_value``, as
        neat-python's own mutation keeps them. Connections and nodes the network does not
        evaluate keep their values.
        """
        flat = self._flat
        if len(genomes) != flat.num_genomes:
            raise ValueError(f"write_back: got {len(genomes)} genomes, compiled from "
                             f"{flat.num_genomes}; pass the same list, in the same order")
        gc = genome_config
        w_lo, w_hi = gc.weight_min_value, gc.weight_max_value
        b_lo, b_hi = gc.bias_min_value, gc.bias_max_value
        r_lo, r_hi = gc.response_min_value, gc.response_max_value
        in_keys = np.asarray(flat.input_keys, dtype=np.int64)
        edges, weights, nodes, biases, responses = [], [], [], [], []
        for block, (r, s, eid), nid in zip(self.blocks, self._slots, self._nodes):
            edges.append(eid)
            weights.append(block.weight.detach()[r, s].cpu().double().numpy())
            nodes.append(nid)
            biases.append(block.bias.detach().cpu().double().numpy())
            responses.append(block.response.detach().cpu().double().numpy())
        eid = np.concatenate(edges) if edges else np.zeros(0, np.int64)
        w = np.clip(np.concatenate(weights) if weights else np.zeros(0), w_lo, w_hi)
        src = flat.edge_src[eid]
        src_key = np.where(src < 0, in_keys[np.clip(-1 - src, 0, None)],
                           flat.node_key[np.maximum(src, 0)])
        dst_key = flat.node_key[flat.edge_dst[eid]]
        for g, i, o, v in zip(flat.edge_genome[eid].tolist(), src_key.tolist(),
                              dst_key.tolist(), w.tolist()):
            genomes[g].connections[(i, o)].weight = v
        nid = np.concatenate(nodes) if nodes else np.zeros(0, np.int64)
        b = np.clip(np.concatenate(biases) if biases else np.zeros(0), b_lo, b_hi)
        rs = np.clip(np.concatenate(responses) if responses else np.zeros(0), r_lo, r_hi)
        for g, k, bv, rv in zip(flat.node_genome[nid].tolist(), flat.node_key[nid].tolist(),
                                b.tolist(), rs.tolist()):
            node = genomes[g].nodes[k]
            node.bias = bv
            node.response = rv

    def extra_repr(self) -> str:
        return (f"genomes={self.num_candidates}, inputs={self.num_inputs}, "
                f"outputs={self.num_outputs}, nodes={self._wide.input_row - 1}, "
                f"blocks={len(self.blocks)} (large batches)")


def compile_population(
    genomes: Sequence,
    genome_config,
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
    """
    from neuroevo.devices import resolve_device

    dev = resolve_device(device)
    if recurrent:
        from neuroevo.compile.recurrent import compile_recurrent

        return compile_recurrent(genomes, genome_config, device=dev, dtype=dtype)
    flat = flatten_population(genomes, genome_config)
    return PopulationNetwork(flat, device=dev, dtype=dtype, trainable=trainable)
