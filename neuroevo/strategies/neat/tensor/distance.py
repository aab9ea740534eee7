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
declare. The result is the node part plus the connection part. The sums are taken in the
genes' dtype and in another order than neat-python's: equal to 1e-12 with float64 genes,
to float32 rounding with float32 genes.

Speciation compares one genome with the whole population many times, so
:func:`pack` first lists every gene of the population without padding and leaves out the
attributes that hold one value everywhere (a fixed response, a single activation option
...), which add nothing to any distance; :func:`distance_to_one` then works on that list.
"""

from __future__ import annotations

import dataclasses

import torch

from neuroevo.strategies.neat.tensor.genes import GeneTable, Genomes
from neuroevo.strategies.neat.tensor.spec import GeneSpec, GenomeSpec

Tensor = torch.Tensor


@dataclasses.dataclass
class PackedGenes:
    """The genes of one kind of P genomes as flat lists (no padding)."""

    key: Tensor                  # [G] gene keys
    row: Tensor                  # [G] genome of each gene
    floats: dict[str, Tensor]    # [G] float attributes that vary
    others: dict[str, Tensor]    # [G] bool / string attributes that vary
    count: Tensor                # [P] genes per genome


@dataclasses.dataclass
class Packed:
    """:func:`pack`'s result: node and connection genes of a population."""

    nodes: PackedGenes
    conns: PackedGenes
    size: int


def _varies(col: Tensor, valid: Tensor, also: list[tuple[Tensor, Tensor]]) -> bool:
    if not bool(valid.any()):
        return False
    first = col[valid][0]
    return any(bool(((c != first) & v).any()) for c, v in [(col, valid), *also])


def _pack_table(t: GeneTable, spec: GeneSpec, others: list[GeneTable]) -> PackedGenes:
    valid = t.valid()
    rows = torch.arange(t.rows, device=t.key.device)[:, None].expand_as(t.key)[valid]

    def keep(name: str) -> bool:
        return _varies(t.cols[name], valid, [(o.cols[name], o.valid()) for o in others])
    return PackedGenes(
        t.key[valid], rows,
        {s.name: t.cols[s.name][valid] for s in spec.floats if keep(s.name)},
        {s.name: t.cols[s.name][valid] for s in (*spec.bools, *spec.choices) if keep(s.name)},
        valid.sum(1))


def pack(pop: Genomes, spec: GenomeSpec, others: list[Genomes] = ()) -> Packed:
    """The genes of ``pop``, for :func:`distance_to_one` against ``pop`` or ``others``
    (attributes left out only if they also hold the same value in ``others``)."""
    return Packed(_pack_table(pop.nodes, spec.nodes, [o.nodes for o in others]),
                  _pack_table(pop.conns, spec.conns, [o.conns for o in others]), len(pop))


def _part(key: Tensor, cols: dict[str, Tensor], n: Tensor, genes: PackedGenes, size: int,
          c_weight: float, c_disjoint: float) -> Tensor:
    """Distance of one sorted gene row (``key``, ``cols``) to each genome of ``genes``.

    Per genome: ``(c_weight * homologous + c_disjoint * (n + count - 2 * matches)) /
    max(n, count)``, summed over genes as one term each, ``c_weight * h - 2 * c_disjoint``
    for a matching gene and 0 otherwise, in one ``index_add``.
    """
    idx = torch.searchsorted(key, genes.key).clamp_(max=key.shape[0] - 1)
    matched = key[idx] == genes.key
    hom = None
    for name, v in genes.floats.items():
        term = (cols[name][idx] - v).abs_()
        hom = term if hom is None else hom.add_(term)
    for name, v in genes.others.items():
        term = cols[name][idx] != v
        hom = term.float() if hom is None else hom.add_(term)
    dtype = hom.dtype if hom is not None else torch.float32
    term = (c_weight * hom - 2 * c_disjoint) if hom is not None else \
        torch.full(genes.key.shape, -2 * c_disjoint, dtype=dtype, device=key.device)
    total = (c_disjoint * (n + genes.count)).to(dtype)
    d = total.index_add_(0, genes.row, torch.where(matched, term, 0.0))
    largest = torch.maximum(n, genes.count)
    return torch.where(largest > 0, d.double() / largest.clamp(min=1), 0.0)


def distance_to_one(one: Genomes, packed: Packed, spec: GenomeSpec) -> Tensor:
    """[P] (float64) distance from the single genome ``one`` to each genome packed."""
    cw, cd = spec.compatibility_weight_coefficient, spec.compatibility_disjoint_coefficient
    out = None
    for table, genes in ((one.nodes, packed.nodes), (one.conns, packed.conns)):
        n = table.valid()[0].sum()
        part = _part(table.key[0], {c: v[0] for c, v in table.cols.items()}, n, genes,
                     packed.size, cw, cd)
        out = part if out is None else out + part
    return out


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
        for s in (*gs.bools, *gs.choices):
            hom += ta.cols[s.name].gather(1, idx) != tb.cols[s.name]
        n_a, n_b = ta.count(), tb.count()
        total = n_a + n_b - 2 * matched.sum(1)
        d = cw * torch.where(matched, hom, 0.0).sum(1) + cd * total
        largest = torch.maximum(n_a, n_b)
        part = torch.where(largest > 0, d / largest.clamp(min=1), 0.0)
        out = part if out is None else out + part
    return out


__all__ = ["Packed", "PackedGenes", "pack", "distance_to_one", "distance_pairs"]
