"""A generation's batched network, planned from the population tensors on their device.

``compile_population`` reads neat-python genomes into flat numpy arrays and plans blocks in
numpy (:mod:`neuroevo.compile.graph`, :mod:`neuroevo.compile.layout`). Here the same plan is
made from the padded gene tables with tensor operations, on the engine's device, and run by
the same kernel (:func:`neuroevo.compile.kernel.evaluate_nodes`):

* required nodes (``neat.graphs.required_for_output``: outputs and every node an enabled
  connection leads from into a required node) and evaluation levels (Kahn's algorithm: level
  0 needs no other node; a node comes one level after the last node feeding it; nodes on a
  cycle and downstream of one are never evaluated, and an output among them reads 0.0), as
  :mod:`neuroevo.compile.graph` defines them;
* blocks: nodes ordered by level, in-degree bucket (0, 1, 2, 4 ...; neighbouring buckets of a
  level merged when padding costs less than another block, as
  ``neuroevo.compile.layout.merge_buckets`` does), aggregation and activation; each
  connection fills the slot given by its rank among its node's inputs in the genome's
  connection order (``(in, out)`` order, as :func:`~.convert.to_neat` lists them). The
  tables of all blocks are filled at once, one flat buffer per kind, and each block is a
  view of its part.

The levels are a function of each genome alone (:class:`NodePlan`): :meth:`TensorPolicy.select`
(a rollout narrowing to the genomes still running) keeps them and only re-plans the blocks.

Outputs equal ``neat.nn.FeedForwardNetwork`` of the converted genomes
(tests/strategies/neat_tensor/test_compile_convert.py). Recurrent configs
(``feed_forward = False``) go through neat-python genomes and
``compile_population(..., recurrent=True)``: correct, with a per-genome loop.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import torch

from neuroevo.compile.functions import activation, aggregation
from neuroevo.compile.kernel import evaluate_nodes
from neuroevo.compile.program import BlockData, network_program
from neuroevo.errors import CompileError, TaskError
from neuroevo.policy import BatchedPolicy, PolicyProgram
from neuroevo.strategies.neat.tensor.genes import Genomes, conn_ends
from neuroevo.strategies.neat.tensor.spec import GenomeSpec

Tensor = torch.Tensor
#: a block's fixed cost in padded input slots (kernel launches), for merging buckets
BLOCK_OVERHEAD = 256


def _scatter_any(shape_like: Tensor, index: Tensor, hit: Tensor) -> Tensor:
    """[P, N] bool: entries ``index`` (per row) that some true ``hit`` points at."""
    out = torch.zeros(shape_like.shape, dtype=torch.int8, device=index.device)
    return out.scatter_reduce_(1, index, hit.to(torch.int8), "amax").bool()


def levels(g: Genomes, spec: GenomeSpec) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """[P, N] evaluation level of each node slot (-1: not evaluated), and per connection slot
    its source slot, destination slot and whether it is an enabled connection."""
    nodes, conns = g.nodes, g.conns
    width = nodes.width
    ins, outs = conn_ends(conns.key)
    edge = conns.valid() & conns.cols["enabled"]
    src = torch.searchsorted(nodes.key, ins).clamp_(max=width - 1)
    dst = torch.searchsorted(nodes.key, outs).clamp_(max=width - 1)
    from_input = ins < 0
    ok = (nodes.key.gather(1, dst) == outs) & (from_input | (nodes.key.gather(1, src) == ins))
    if bool((edge & ~ok).any()):
        r, c = (int(x) for x in (edge & ~ok).nonzero()[0])
        raise CompileError(
            f"genome {int(g.gid[r])}: enabled connection "
            f"({int(ins[r, c])}, {int(outs[r, c])}) between nodes it does not have"
        )
    from_node = edge & ~from_input
    required = _required(nodes.valid() & (nodes.key < spec.num_outputs), src, dst, from_node)
    live = from_node & required.gather(1, dst)
    return _kahn(required, src, dst, live), src, dst, edge


def _required(required: Tensor, src: Tensor, dst: Tensor, from_node: Tensor) -> Tensor:
    """``required_for_output`` for every row: grow backwards from the outputs; once at most
    half the rows still grow, each pass is only over those."""
    rows = None  # all rows
    req, s, d, f = required, src, dst, from_node
    while True:
        grow = f & req.gather(1, d) & ~req.gather(1, s)
        act = grow.any(1)
        n_act = int(act.sum())
        if n_act == 0:
            return required
        req = req | _scatter_any(req, s, grow)
        if rows is None:
            required = req
        else:
            required[rows] = req
        if 2 * n_act <= act.numel():
            rows = act.nonzero()[:, 0] if rows is None else rows[act]
            req, s, d, f = req[act], s[act], d[act], f[act]


def _kahn(required: Tensor, src: Tensor, dst: Tensor, live: Tensor) -> Tensor:
    """Evaluation level of each required node (Kahn's algorithm, all rows at once; once at
    most half the rows have a frontier, each pass is only over those)."""
    indeg = torch.zeros(required.shape, dtype=torch.int32, device=src.device)
    indeg.scatter_add_(1, dst, live.int())
    level = torch.full(required.shape, -1, dtype=torch.int64, device=src.device)
    rows = None  # all rows
    frontier, lv, deg, s, d, lo = required & (indeg == 0), level, indeg, src, dst, live
    t = 0
    while True:
        lv = torch.where(frontier, t, lv)
        hit = (frontier.gather(1, s) & lo).int()
        dec = torch.zeros_like(deg).scatter_add_(1, d, hit)
        deg = deg - dec
        frontier = (dec > 0) & (deg == 0) & (lv < 0)
        if rows is None:
            level = lv
        else:
            level[rows] = lv
        act = frontier.any(1)
        n_act = int(act.sum())
        if n_act == 0:
            return level
        if 2 * n_act <= act.numel():
            rows = act.nonzero()[:, 0] if rows is None else rows[act]
            frontier, lv, deg, s, d, lo = (x[act] for x in (frontier, lv, deg, s, d, lo))
        t += 1


def _merge(level_bucket: list[tuple[int, int, int]]) -> dict[tuple[int, int], int]:
    """(level, bucket) -> the bucket whose width its block uses (``merge_buckets``)."""
    out: dict[tuple[int, int], int] = {}
    group: list[tuple[int, int]] = []
    cur_d = cur_k = 0
    prev_level = None
    for lv, k, d in level_bucket:  # sorted by level, then bucket
        if group and lv == prev_level and (cur_d + d) * k <= cur_d * cur_k + d * k + BLOCK_OVERHEAD:
            cur_d, cur_k = cur_d + d, k
        else:
            for key in group:
                out[key] = cur_k
            group, cur_d, cur_k = [], d, k
        group.append((lv, k))
        prev_level = lv
    for key in group:
        out[key] = cur_k
    return out


@dataclasses.dataclass
class NodePlan:
    """:func:`levels` of each genome row: what a narrower policy (:meth:`TensorPolicy.select`)
    keeps instead of finding it again."""

    level: Tensor  # [P, N] evaluation level of each node slot (-1: not evaluated)
    src: Tensor  # [P, C] source node slot of each connection slot
    dst: Tensor  # [P, C] destination node slot
    edge: Tensor  # [P, C] an enabled connection

    def take(self, idx: Tensor) -> NodePlan:
        return NodePlan(self.level[idx], self.src[idx], self.dst[idx], self.edge[idx])


def _runs(
    block: Tensor, codes: Tensor | int, names: Sequence[str], lookup: Any, sizes: list[int]
) -> list[list[tuple[Any, int, int]]]:
    """Per block, the runs ``(function, lo, hi)`` of equal consecutive codes (rows sorted by
    block), from one ``unique_consecutive`` over all rows; one run per block for a fixed
    code."""
    if isinstance(codes, int):
        fn = lookup(names[codes])
        return [[(fn, 0, d)] for d in sizes]
    n_blocks = len(sizes)
    _, counts = torch.unique_consecutive(block * (1 << 16) + codes, return_counts=True)
    ends = torch.cumsum(counts, 0)
    first = ends - counts
    out: list[list[tuple[Any, int, int]]] = [[] for _ in range(n_blocks)]
    block_start: dict[int, int] = {}
    for b, code, lo, hi in zip(*torch.stack([block[first], codes[first], first, ends]).tolist()):
        base = block_start.setdefault(b, lo)
        out[b].append((lookup(names[code]), lo - base, hi - base))
    return out


class TensorPolicy(BatchedPolicy):
    """P feed-forward genomes as one policy: ``[B, n_in]`` or ``[P, B, n_in]`` -> ``[P, B, n_out]``.

    ``blocks``: ``(r0, src_shared, src_per, weight, mask, bias, response, aggregations,
    activations)`` for :func:`~neuroevo.compile.kernel.evaluate_nodes`, in evaluation order
    (value rows ``r0 ..`` of ``forward``; ``src_shared`` reads the inputs shared by every
    genome, ``src_per`` those of the genome's own batch); ``block_levels``: the evaluation
    level of each block (a level's blocks are consecutive); ``out_rows``: the value row of
    each genome's outputs; ``input_row``: the first input row.
    """

    recurrent = False

    def __init__(
        self,
        genomes: Genomes,
        spec: GenomeSpec,
        *,
        device: torch.device,
        dtype: torch.dtype,
        plan: NodePlan | None = None,
    ) -> None:
        super().__init__()
        self.genomes, self.spec = genomes, spec
        self.num_candidates = len(genomes)
        self.num_inputs, self.num_outputs = spec.num_inputs, spec.num_outputs
        self.dtype, self.device = dtype, torch.device(device)
        self.node_plan = plan if plan is not None else NodePlan(*levels(genomes, spec))
        self._build(genomes, spec, self.node_plan)

    def _build(self, g: Genomes, spec: GenomeSpec, plan: NodePlan) -> None:
        level, src, dst, edge = plan.level, plan.src, plan.dst, plan.edge
        nodes, conns, n_in = g.nodes, g.conns, spec.num_inputs
        evaluated = level >= 0
        used = edge & evaluated.gather(1, dst)
        deg = torch.zeros_like(level).scatter_add_(1, dst, used.long())
        # in-degree bucket: 0, or the power of two at or above it (2 ** exponent of deg - 0.5)
        bucket = (deg > 0) * (1 << torch.frexp(deg.double() - 0.5).exponent.long())
        p_idx, n_idx = evaluated.nonzero(as_tuple=True)
        lv, bk = level[p_idx, n_idx], bucket[p_idx, n_idx]
        codes, counts = torch.unique(lv * (1 << 32) + bk, return_counts=True)
        pairs = list(zip((codes >> 32).tolist(), (codes & ((1 << 32) - 1)).tolist()))
        merged = _merge([(a, b, n) for (a, b), n in zip(pairs, counts.tolist())])
        lut = torch.tensor([merged[ab] for ab in pairs], dtype=torch.int64, device=lv.device)
        bk = lut[torch.searchsorted(codes, lv * (1 << 32) + bk)]
        agg, act = (
            self._node_codes(nodes, name, (p_idx, n_idx)) for name in ("aggregation", "activation")
        )
        order = torch.argsort(((lv * (1 << 20) + bk) * (1 << 10) + agg) * (1 << 10) + act)
        p_idx, n_idx, lv, bk = (t[order] for t in (p_idx, n_idx, lv, bk))
        agg, act = (t if isinstance(t, int) else t[order] for t in (agg, act))
        n_rows = p_idx.numel()
        row_of = torch.zeros_like(level)
        row_of[p_idx, n_idx] = 1 + torch.arange(n_rows, device=level.device)
        self.input_row = 1 + n_rows

        # blocks: runs of equal (level, bucket) among the ordered rows
        key = lv * (1 << 32) + bk
        block_key, block, size = torch.unique_consecutive(
            key, return_inverse=True, return_counts=True
        )
        n_blocks = block_key.numel()
        first_row = torch.cumsum(size, 0) - size  # block's first row - 1

        # connections into evaluated nodes, by their node's row, then genome order: the slot
        e_p, e_c = used.nonzero(as_tuple=True)
        e_row = row_of[e_p, dst[e_p, e_c]]
        e_order = torch.argsort(e_row, stable=True)
        e_p, e_c, e_row = e_p[e_order], e_c[e_order], e_row[e_order]
        slot = torch.arange(e_row.numel(), device=e_row.device) - torch.searchsorted(e_row, e_row)
        ins = conn_ends(conns.key[e_p, e_c])[0]
        pos = (-1 - ins).clamp(min=0)
        node_src = row_of[e_p, src[e_p, e_c]]

        # every block's [d, k] tables in one flat buffer each, block after block
        e_block = block[e_row - 1]
        width = torch.zeros(n_blocks, dtype=torch.int64, device=key.device).scatter_reduce_(
            0, e_block, slot + 1, "amax"
        )
        start = torch.cumsum(size * width, 0) - size * width
        at = start[e_block] + (e_row - 1 - first_row[e_block]) * width[e_block] + slot
        total = int((size * width).sum())
        dev, dt = self.device, self.dtype

        def flat(values: Tensor, dtype: torch.dtype) -> Tensor:
            out = torch.zeros(total, dtype=dtype, device=values.device)
            out[at] = values.to(dtype)
            return out.to(dev)

        shared = flat(torch.where(ins < 0, self.input_row + pos, node_src), torch.int64)
        per = flat(torch.where(ins < 0, self.input_row + e_p * n_in + pos, node_src), torch.int64)
        weight = flat(conns.cols["weight"][e_p, e_c], dt)
        mask = flat(torch.ones_like(slot, dtype=torch.bool), torch.bool)
        bias, response = (
            nodes.cols[name][p_idx, n_idx].to(dev, dt)
            if name in nodes.cols
            else torch.full((n_rows,), self._fixed(name), dtype=dt, device=dev)
            for name in ("bias", "response")
        )
        sizes, widths, firsts = torch.stack([size, width, first_row]).tolist()
        choices = {n: spec.nodes.choice_names(n) for n in ("aggregation", "activation")}
        aggs = _runs(block, agg, choices["aggregation"], aggregation, sizes)
        acts = _runs(block, act, choices["activation"], activation, sizes)
        self.block_levels = (block_key >> 32).tolist()
        self.node_owner = p_idx.to(dev)  # the genome of each node row (row r: [r - 1])
        cells = [d * k for d, k in zip(sizes, widths)]
        tables = zip(
            *(t.split(cells) for t in (shared, per, weight, mask)),
            *(t.split(sizes) for t in (bias, response)),
        )
        self.blocks = [
            (1 + r, *(t.view(d, k) for t in tabs[:4]), *tabs[4:], aggs[b], acts[b])
            for b, (d, k, r, tabs) in enumerate(zip(sizes, widths, firsts, tables))
        ]
        out_slots = torch.arange(spec.num_outputs, device=level.device)
        if not bool((nodes.key[:, : spec.num_outputs] == out_slots).all()):
            raise CompileError("a genome lacks one of its output nodes 0 .. num_outputs - 1")
        self.out_rows = row_of[:, : spec.num_outputs].reshape(-1).to(dev)

    def _fixed(self, name: str) -> Any:
        return dict(self.spec.nodes.fixed)[name]

    def _node_codes(self, nodes: Any, name: str, at: tuple[Tensor, Tensor]) -> Tensor | int:
        """A string attribute's option codes at the slots ``at``, or 0 when the settings fix
        it (its one name, see :meth:`GeneSpec.choice_names`)."""
        return nodes.cols[name][at].long() if name in nodes.cols else 0

    def forward(self, x: Tensor) -> Tensor:
        p, n_in = self.num_candidates, self.num_inputs
        if x.dim() == 2 and x.shape[1] == n_in:
            per_genome, b, inputs = False, x.shape[0], x.t()
        elif x.dim() == 3 and x.shape[0] == p and x.shape[2] == n_in:
            per_genome, b = True, x.shape[1]
            inputs = x.permute(0, 2, 1).reshape(p * n_in, b)
        else:
            raise TaskError(
                f"population network got inputs of shape {tuple(x.shape)}; expected "
                f"[B, {n_in}] (the same inputs for every genome) or [{p}, B, {n_in}] "
                "(one batch per genome)"
            )
        values = torch.empty(
            self.input_row + inputs.shape[0], b, dtype=self.dtype, device=self.device
        )
        values[0].zero_()
        values[self.input_row :] = inputs
        for r0, shared, per, weight, mask, bias, response, aggs, acts in self.blocks:
            evaluate_nodes(
                values,
                per if per_genome else shared,
                weight,
                mask,
                bias,
                response,
                aggs,
                acts,
                out=values[r0 : r0 + len(bias)],
            )
        out = values.index_select(0, self.out_rows).view(p, self.num_outputs, b)
        return out.transpose(1, 2)

    def program(self, episodes: int) -> PolicyProgram | None:
        """The networks as levels of segment sums (:mod:`neuroevo.compile.program`), the form
        rollouts run; ``None`` when a node aggregates other than by ``sum``."""
        blocks = [
            BlockData(
                lv,
                per,
                weight,
                mask,
                bias,
                response,
                self.node_owner[r0 - 1 : r0 - 1 + len(bias)],
                aggs,
                acts,
            )
            for lv, (r0, _, per, weight, mask, bias, response, aggs, acts) in zip(
                self.block_levels, self.blocks
            )
        ]
        return network_program(
            blocks,
            self.out_rows,
            self.input_row,
            self.num_candidates,
            self.num_inputs,
            self.num_outputs,
            episodes,
        )

    def select(self, positions: Sequence[int] | Tensor) -> TensorPolicy:
        """A policy of only the genomes at ``positions`` (rollouts drop finished genomes)."""
        idx = torch.as_tensor(positions, device=self.genomes.device).long().reshape(-1)
        if idx.numel() == 0 or int(idx.min()) < 0 or int(idx.max()) >= self.num_candidates:
            raise ValueError(f"select: positions must be in [0, {self.num_candidates})")
        return TensorPolicy(
            self.genomes.take(idx),
            self.spec,
            device=self.device,
            dtype=self.dtype,
            plan=self.node_plan.take(idx),
        )

    def extra_repr(self) -> str:
        return (
            f"genomes={self.num_candidates}, inputs={self.num_inputs}, "
            f"outputs={self.num_outputs}, nodes={self.input_row - 1}, "
            f"blocks={len(self.blocks)}"
        )


def compile_genomes(
    genomes: Genomes, spec: GenomeSpec, config: Any, *, device: torch.device, dtype: torch.dtype
) -> BatchedPolicy:
    """The batched policy of every genome, in row order."""
    if not spec.feed_forward:
        from neuroevo.compile.population import compile_population
        from neuroevo.strategies.neat.tensor.convert import to_neat

        rows = torch.arange(len(genomes), device=genomes.device)
        return compile_population(
            to_neat(genomes, rows, config),
            config.genome_config,
            device=device,
            dtype=dtype,
            recurrent=True,
        )
    return TensorPolicy(genomes, spec, device=device, dtype=dtype)


__all__ = ["NodePlan", "TensorPolicy", "compile_genomes", "levels"]
