"""Crossover of many parent pairs at once (``DefaultGenome.configure_crossover``).

neat-python 2.0 (``neat/genome.py``, Stanley & Miikkulainen 2002, sec. 3.2): the fitter
parent is ``genome1`` if ``genome1.fitness > genome2.fitness``, else ``genome2``. The child
gets

* every connection gene of the fitter parent; one whose innovation number the other parent
  also has (with the same key) is crossed by ``BaseGene.crossover``: each attribute from
  either parent with probability 1/2, then disabled with probability 3/4 if either parent's
  gene is disabled. Genes only the other parent has are dropped. (neat-python's cycle
  check on each inherited gene never fires here: the child's connections are a copy of the
  fitter parent's, which has no cycle.)
* every node gene of the fitter parent; one the other parent also has (same key) is
  crossed attribute by attribute.

Genes are aligned with ``torch.searchsorted`` in the other parent's sorted keys.
"""

from __future__ import annotations

import torch

from neuroevo.strategies.neat.tensor.attributes import cross_genes
from neuroevo.strategies.neat.tensor.genes import GeneTable, Genomes
from neuroevo.strategies.neat.tensor.spec import GeneSpec, GenomeSpec

Tensor = torch.Tensor


def _cross(
    first: GeneTable,
    pop: GeneTable,
    rows: Tensor,
    spec: GeneSpec,
    gen: torch.Generator,
    by_innovation: bool,
) -> GeneTable:
    """``first`` (the fitter parents' genes) crossed with ``pop``'s rows ``rows``."""
    keys = pop.key[rows]
    idx = torch.searchsorted(keys, first.key).clamp_(max=pop.width - 1)
    matched = first.valid() & (keys.gather(1, idx) == first.key)
    flat = rows[:, None] * pop.width + idx  # torch.take: one 1-d gather each
    other = {n: torch.take(pop.cols[n], flat) for n in (*spec.names, "innovation") if n in pop.cols}
    if by_innovation:
        matched &= other["innovation"] == first.cols["innovation"]
    cols = cross_genes(first.cols, other, matched, spec, gen)
    if "enabled" in first.cols:  # the 75% disable rule of BaseGene.crossover
        rule = matched & (~first.cols["enabled"] | ~other["enabled"])
        n = int(rule.sum())
        if n:
            off = rule.masked_scatter(rule, torch.rand(n, generator=gen, device=rule.device) < 0.75)
            cols["enabled"] = cols["enabled"] & ~off
    return GeneTable(first.key, cols)


def crossover(
    pop: Genomes,
    fitness: Tensor,
    genome1: Tensor,
    genome2: Tensor,
    spec: GenomeSpec,
    gen: torch.Generator,
) -> Genomes:
    """Children of the parent rows ``genome1[i]``, ``genome2[i]`` (ids still to be set:
    each child carries its fitter parent's id)."""
    first_fitter = fitness[genome1] > fitness[genome2]
    parent1 = torch.where(first_fitter, genome1, genome2)
    parent2 = torch.where(first_fitter, genome2, genome1)
    a = pop.take(parent1)
    return Genomes(
        a.gid,
        _cross(a.nodes, pop.nodes, parent2, spec.nodes, gen, False),
        _cross(a.conns, pop.conns, parent2, spec.conns, gen, True),
    )


__all__ = ["crossover"]
