"""NEAT's compatibility distance for many pairs of genomes at once (``DefaultGenome.distance``).

neat-python 2.0 (``neat/genome.py``), for node genes and then for connection genes, with
genes matched by key (node id; connection ``(in, out)``)::

    d = (sum over matching genes of gene.distance(other) + c_disjoint * non-matching)
        / max(len(self.genes), len(other.genes))              # 0 when both are empty

``DefaultNodeGene.distance`` is ``c_weight * (|bias diff| + |response diff| + |time_constant
diff| + [activation differs] + [aggregation differs])`` and
``DefaultConnectionGene.distance`` is ``c_weight * (|weight diff| + [enabled differs])``: the
sum of absolute differences of the float attributes plus one per differing bool or string
attribute, which is what :func:`_genes` computes for whatever attributes the gene classes
declare. The result is the node part plus the connection part. Only the order of the
floating-point additions differs from neat-python's.
"""

from __future__ import annotations

import torch

from neuroevo.strategies.neat.tensor.genes import GeneTable, Genomes
from neuroevo.strategies.neat.tensor.spec import GeneSpec, GenomeSpec

Tensor = torch.Tensor


def _genes(a_key: Tensor, a_cols: dict[str, Tensor], b: GeneTable, spec: GeneSpec,
           c_weight: float, c_disjoint: float, n_a: Tensor) -> Tensor:
    """Distance of gene sets: ``a`` one sorted row ``[K]`` (against every row of ``b``) or
    rows ``[P, K]`` (row by row); ``b`` rows ``[P, K']``."""
    b_valid = b.valid()
    idx = torch.searchsorted(a_key, b.key).clamp_(max=a_key.shape[-1] - 1)
    if a_key.dim() == 1:
        take = lambda t: t[idx]   # noqa: E731
    else:
        take = lambda t: t.gather(1, idx)   # noqa: E731
    matched = b_valid & (take(a_key) == b.key)
    hom = None
    for s in spec.floats:
        term = (take(a_cols[s.name]) - b.cols[s.name]).abs()
        hom = term if hom is None else hom + term
    for s in (*spec.bools, *spec.choices):
        term = take(a_cols[s.name]) != b.cols[s.name]
        hom = term.to(b.cols[spec.floats[0].name].dtype) if hom is None else hom + term
    n_b = b_valid.sum(1)
    n_match = matched.sum(1)
    total = n_a + n_b - 2 * n_match
    homologous = c_weight * (hom * matched).sum(1) if hom is not None else 0.0
    largest = torch.maximum(torch.as_tensor(n_a, device=n_b.device), n_b)
    d = (homologous + c_disjoint * total) / largest.clamp(min=1)
    return torch.where(largest > 0, d, torch.zeros_like(d))


def distance_to_one(one: Genomes, many: Genomes, spec: GenomeSpec) -> Tensor:
    """[P] distance from the single genome ``one`` (a 1-row Genomes) to each genome of ``many``."""
    cw, cd = spec.compatibility_weight_coefficient, spec.compatibility_disjoint_coefficient
    out = None
    for table, other, gene_spec in ((one.nodes, many.nodes, spec.nodes),
                                    (one.conns, many.conns, spec.conns)):
        n_a = table.valid()[0].sum()
        part = _genes(table.key[0], {n: c[0] for n, c in table.cols.items()}, other,
                      gene_spec, cw, cd, n_a)
        out = part if out is None else out + part
    return out


def distance_pairs(a: Genomes, b: Genomes, spec: GenomeSpec) -> Tensor:
    """[P] distance between row i of ``a`` and row i of ``b``."""
    cw, cd = spec.compatibility_weight_coefficient, spec.compatibility_disjoint_coefficient
    out = None
    for table, other, gene_spec in ((a.nodes, b.nodes, spec.nodes),
                                    (a.conns, b.conns, spec.conns)):
        part = _genes(table.key, table.cols, other, gene_spec, cw, cd, table.count())
        out = part if out is None else out + part
    return out


__all__ = ["distance_to_one", "distance_pairs"]
