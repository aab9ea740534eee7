"""NEAT's compatibility distance for many pairs of genomes at once (``DefaultGenome.distance``).

neat-python 2.0 (``neat/genome.py``), for node genes and then for connection genes, with
genes matched by key (node id; connection ``(in, out)``)::

    d = (sum over matching genes of gene.distance(other) + c_disjoint * non-matching)
        / max(len(self.genes), len(other.genes))              # 0 when both are empty

``DefaultNodeGene.distance`` is ``c_weight * (|bias diff| + |response diff| + |time_constant
diff| + [activation differs] + [aggregation differs])`` and
``DefaultConnectionGene.distance`` is ``c_weight * (|weight diff| + [enabled differs])``: the
sum of absolute differences of the float attributes plus one per differing bool or string
attribute, which is what this module computes for whatever attributes the gene classes
declare (attributes the settings fix have no tensor and add nothing). The result is the node
part plus the connection part. The sums are taken in the genes' dtype and in another order
than neat-python's: equal to 1e-12 with float64 genes, to float32 rounding with float32
genes.

Speciation compares a few genomes (representatives) with the whole population, so
:func:`pack` first lists every gene of the population without padding, and
:func:`distance_to_many` computes the distances of K genomes to all of them in one pass: one
``searchsorted`` aligns every population gene with the K genomes' genes (:func:`_align`), and
one ``scatter_add`` sums the per-gene terms of every (genome, population genome) pair.
Batches of K are split so that a ``[K, G]`` intermediate stays under :data:`BATCH_ELEMENTS`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import torch

from neuroevo.strategies.neat.tensor.genes import PAD, GeneTable, Genomes
from neuroevo.strategies.neat.tensor.spec import GeneSpec, GenomeSpec

Tensor = torch.Tensor
#: the most elements of one [K, G] intermediate of :func:`distance_to_many` (K is split)
BATCH_ELEMENTS = 1 << 22
#: below this many (genome, population gene) pairs, :func:`_align` searches each genome's
#: keys; above, the genomes' distinct keys (faster from about 8,000 pairs on one CPU core)
SEARCH_BELOW = 1 << 13


@dataclasses.dataclass
class PackedGenes:
    """The genes of one kind of P genomes as flat lists (no padding), genome after genome."""

    key: Tensor  # [G] gene keys
    row: Tensor  # [G] genome of each gene
    cols: dict[str, Tensor]  # [G] each attribute (floats first, then bools and strings)
    count: Tensor  # [P] genes per genome


@dataclasses.dataclass
class Packed:
    """:func:`pack`'s result: node and connection genes of a population."""

    nodes: PackedGenes
    conns: PackedGenes
    size: int


def _pack_table(t: GeneTable, spec: GeneSpec) -> PackedGenes:
    valid = t.valid()
    count = valid.sum(1)
    rows = torch.repeat_interleave(torch.arange(t.rows, device=t.key.device), count)
    return PackedGenes(t.key[valid], rows, {n: t.cols[n][valid] for n in spec.names}, count)


def pack(pop: Genomes, spec: GenomeSpec) -> Packed:
    """The genes of ``pop``, for :func:`distance_to_many` against ``pop``."""
    return Packed(_pack_table(pop.nodes, spec.nodes), _pack_table(pop.conns, spec.conns), len(pop))


def _align(table: GeneTable, genes: PackedGenes) -> tuple[Tensor, Callable[[Tensor], Tensor]]:
    """``matched [K, G]``: whether row k of ``table`` has population gene g; and a function
    giving a column of ``table`` at each population gene (``[K, G]``, meaningless where not
    matched). Few pairs: one batched ``searchsorted`` in the K rows' keys; many: the K rows
    spread on the sorted list of their distinct keys (``[K, V]``), one ``searchsorted`` of
    the population genes in that list."""
    k, dev = table.rows, table.key.device
    if k * genes.key.numel() < SEARCH_BELOW:
        theirs = genes.key.expand(k, -1).contiguous()
        at = torch.searchsorted(table.key, theirs).clamp_(max=table.width - 1)
        return table.key.gather(1, at) == theirs, lambda col: col.gather(1, at)
    r, c = table.valid().nonzero(as_tuple=True)
    keys = table.key[r, c]
    vocab, slot = torch.unique(keys, return_inverse=True)
    width = max(vocab.numel(), 1)
    pos = torch.searchsorted(vocab, genes.key).clamp_(max=width - 1)

    def spread(col: Tensor, fill: int | float = 0) -> Tensor:
        out = torch.full((k, width), fill, dtype=col.dtype, device=dev)
        out[r, slot] = col[r, c]
        return out.index_select(1, pos)

    return spread(table.key, PAD) == genes.key, spread


def _part(
    table: GeneTable, genes: PackedGenes, spec: GeneSpec, c_weight: float, c_disjoint: float
) -> Tensor:
    """[K, P] distance part of one gene kind from each row of ``table`` to each genome of
    ``genes``: ``(c_weight * homologous + c_disjoint * (n + count - 2 * matches)) /
    max(n, count)``, summed over the genome's genes as one term each, ``c_weight * h - 2 *
    c_disjoint`` for a matching gene and 0 otherwise (``max(n, count) = 0`` gives 0)."""
    k, dev = table.rows, table.key.device
    n = table.valid().sum(1)
    matched, at_genes = _align(table, genes)
    hom = None
    for name in spec.names:
        col = table.cols[name]
        mine, theirs = at_genes(col), genes.cols[name]
        if col.dtype.is_floating_point:
            term = mine.sub_(theirs).abs_()
            hom = term if hom is None else hom.add_(term)
        else:
            term = mine != theirs
            hom = term.float() if hom is None else hom.add_(term)
    dtype = hom.dtype if hom is not None else torch.float32
    term = (
        hom.mul_(c_weight).sub_(2 * c_disjoint)
        if hom is not None
        else torch.full(matched.shape, -2 * c_disjoint, dtype=dtype, device=dev)
    )
    total = (n[:, None] + genes.count).to(dtype).mul_(c_disjoint)  # [K, P]
    d = total.scatter_add_(1, genes.row.expand(k, -1), term.mul_(matched))
    return d.double().div_(torch.maximum(n[:, None], genes.count).clamp_(min=1))


def distance_to_many(many: Genomes, packed: Packed, spec: GenomeSpec) -> Tensor:
    """[K, P] (float64) distance from each genome of ``many`` to each genome packed."""
    cw, cd = spec.compatibility_weight_coefficient, spec.compatibility_disjoint_coefficient
    genes = max(packed.nodes.key.numel(), packed.conns.key.numel(), 1)
    step = max(1, BATCH_ELEMENTS // genes)
    out = []
    for lo in range(0, len(many), step):
        part = many if step >= len(many) else many.take(slice(lo, lo + step))
        out.append(
            _part(part.nodes, packed.nodes, spec.nodes, cw, cd)
            + _part(part.conns, packed.conns, spec.conns, cw, cd)
        )
    return out[0] if len(out) == 1 else torch.cat(out)


def distance_pairs(a: Genomes, b: Genomes, spec: GenomeSpec) -> Tensor:
    """[P] (float64) distance between row i of ``a`` and row i of ``b``."""
    cw, cd = spec.compatibility_weight_coefficient, spec.compatibility_disjoint_coefficient
    out = None
    for ta, tb, gs in ((a.nodes, b.nodes, spec.nodes), (a.conns, b.conns, spec.conns)):
        idx = torch.searchsorted(ta.key, tb.key).clamp_(max=ta.width - 1)
        matched = tb.valid() & (ta.key.gather(1, idx) == tb.key)
        hom = torch.zeros(tb.key.shape, dtype=torch.float64, device=tb.key.device)
        for s in gs.floats:
            hom += (ta.cols[s.name].gather(1, idx) - tb.cols[s.name]).abs().double()
        for s in gs.bools + gs.choices:
            hom += ta.cols[s.name].gather(1, idx) != tb.cols[s.name]
        n_a, n_b = ta.count(), tb.count()
        total = n_a + n_b - 2 * matched.sum(1)
        d = cw * torch.where(matched, hom, 0.0).sum(1) + cd * total
        largest = torch.maximum(n_a, n_b)
        part = torch.where(largest > 0, d / largest.clamp(min=1), 0.0)
        out = part if out is None else out + part
    assert out is not None  # nodes and connections
    return out


__all__ = [
    "BATCH_ELEMENTS",
    "SEARCH_BELOW",
    "Packed",
    "PackedGenes",
    "pack",
    "distance_to_many",
    "distance_pairs",
]
