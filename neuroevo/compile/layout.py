"""Which nodes are computed together: the block plan shared by every compiler.

The population, recurrent and single-genome compilers all evaluate nodes the same way
(:mod:`neuroevo.compile.kernel`): a *block* of D nodes of one evaluation level, each with
its incoming connections padded to K slots, is gathered, weighted, aggregated and activated
in one pass. This module decides, in numpy and once per compilation:

* the order of the evaluated nodes -- by level, then in-degree bucket (0, 1, 2, 4, 8 ... so
  padding wastes at most half), then aggregation, then activation, so that each block is a
  contiguous run and each function applies to a contiguous slice of it;
* which buckets of a level share a block (:func:`merge_buckets`: fewer, more padded blocks
  when kernel launches cost more than padding);
* the slot of every connection: its rank among its node's inputs in the genome's
  connection order, which neat-python's ``maxabs`` ties and summation order depend on.

Where the values live (rows of a value buffer) is the caller's business: a plan only says
in which position each node is computed and which connection fills which slot.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from neuroevo.compile.graph import runs

#: block overhead (padded input slots, see :func:`merge_buckets`) for launch-bound work:
#: small batches, single genomes, recurrent steps
FEW_BLOCKS = 4096


@dataclasses.dataclass(frozen=True)
class BlockPlan:
    """D nodes (positions ``start`` .. ``stop`` of :attr:`Layout.order`), K = ``width`` slots.

    ``row``, ``slot`` and ``edge`` list its connections: the node (relative to ``start``)
    and slot each fills, and its index in the caller's edge arrays.
    """

    start: int
    stop: int
    width: int
    row: np.ndarray
    slot: np.ndarray
    edge: np.ndarray
    aggregation_runs: list[tuple[int, int, int]]  # (code, lo, hi), relative to start
    activation_runs: list[tuple[int, int, int]]

    @property
    def size(self) -> int:
        return self.stop - self.start

    @property
    def mask(self) -> np.ndarray:
        """[D, K] bool: which slots hold a connection (they come first, in link order)."""
        m = np.zeros((self.size, self.width), dtype=bool)
        m[self.row, self.slot] = True
        return m

    def pad(self, per_edge: np.ndarray, fill: float | int = 0) -> np.ndarray:
        """A ``[D, K]`` matrix of ``per_edge[e]`` for each connection ``e``; ``fill`` elsewhere."""
        out = np.full((self.size, self.width), fill, dtype=per_edge.dtype)
        out[self.row, self.slot] = per_edge[self.edge]
        return out


@dataclasses.dataclass(frozen=True)
class Layout:
    """The evaluated nodes in computation order, cut into blocks."""

    order: np.ndarray  # [n_evaluated] the caller's node index at each position
    position: np.ndarray  # [n] position of each node in ``order``, -1 if not evaluated
    blocks: list[BlockPlan]


def merge_buckets(level: np.ndarray, bucket: np.ndarray, overhead: int) -> np.ndarray:
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
        cur_d, cur_k = 0, 0
        members: list[int] = []
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


def plan_layout(
    level: np.ndarray,
    aggregation: np.ndarray,
    activation: np.ndarray,
    edge_dst: np.ndarray,
    overhead: int,
) -> Layout:
    """Plan the blocks of the nodes with ``level >= 0``.

    ``level``, ``aggregation`` and ``activation`` are per node (codes); ``edge_dst`` is the
    destination node of each connection, in the genomes' connection order. Connections into
    nodes with ``level < 0`` are left out. A block never spans two levels, so a caller that
    computes blocks in order has every lower level ready.

    Example::

        layout = plan_layout(level, flat.aggregation, flat.activation, flat.edge_dst, 0)
        for plan in layout.blocks:
            nodes = layout.order[plan.start:plan.stop]
            weights = plan.pad(flat.edge_weight)        # [D, K], 0.0 in empty slots
    """
    n = len(level)
    ev = np.flatnonzero(level >= 0)
    edges = np.flatnonzero(level[edge_dst] >= 0)
    deg = np.bincount(edge_dst[edges], minlength=n)[ev]
    bucket = np.where(deg == 0, 0, 1 << np.ceil(np.log2(np.maximum(deg, 1))).astype(np.int64))
    bucket = merge_buckets(level[ev], bucket, overhead)
    order = np.lexsort((activation[ev], aggregation[ev], bucket, level[ev]))
    ev, bucket = ev[order], bucket[order]
    position = np.full(n, -1, dtype=np.int64)
    position[ev] = np.arange(len(ev))

    # connections sorted (stably, keeping link order) by their destination's position
    dst = position[edge_dst[edges]]
    by_dst = np.argsort(dst, kind="stable")
    edges, dst = edges[by_dst], dst[by_dst]
    slot = np.arange(len(dst)) - np.searchsorted(dst, dst, side="left")

    blocks = []
    for _, lo, hi in runs(level[ev] * (1 << 40) + bucket):
        elo, ehi = np.searchsorted(dst, [lo, hi])
        nodes = ev[lo:hi]
        blocks.append(
            BlockPlan(
                start=lo,
                stop=hi,
                width=int(slot[elo:ehi].max()) + 1 if ehi > elo else 0,
                row=dst[elo:ehi] - lo,
                slot=slot[elo:ehi],
                edge=edges[elo:ehi],
                aggregation_runs=runs(aggregation[nodes]),
                activation_runs=runs(activation[nodes]),
            )
        )
    return Layout(order=ev, position=position, blocks=blocks)


__all__ = ["FEW_BLOCKS", "BlockPlan", "Layout", "merge_buckets", "plan_layout"]
