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


def _align(first: GeneTable, second: GeneTable) -> tuple[Tensor, dict[str, Tensor]]:
    """For each gene of ``first``: does ``second``'s row hold its key, and ``second``'s
    columns gathered at that key."""
    idx = torch.searchsorted(second.key, first.key).clamp_(max=second.width - 1)
    matched = first.valid() & (second.key.gather(1, idx) == first.key)
    return matched, {n: c.gather(1, idx) for n, c in second.cols.items()}


def _cross(first: GeneTable, second: GeneTable, spec: GeneSpec, gen,
           by_innovation: bool) -> GeneTable:
    matched, other = _align(first, second)
    if by_innovation:
        matched &= other["innovation"] == first.cols["innovation"]
    cols = cross_genes(first.cols, other, matched, spec, gen)
    if "enabled" in first.cols:   # the 75% disable rule of BaseGene.crossover
        either_off = ~first.cols["enabled"] | ~other["enabled"]
        r = torch.rand(first.key.shape, generator=gen, device=first.key.device)
        cols["enabled"] = cols["enabled"] & ~(matched & either_off & (r < 0.75))
    return GeneTable(first.key.clone(), cols)


def crossover(pop: Genomes, fitness: Tensor, genome1: Tensor, genome2: Tensor,
              spec: GenomeSpec, gen: torch.Generator) -> Genomes:
    """Children of the parent rows ``genome1[i]``, ``genome2[i]`` (ids still to be set:
    each child carries its fitter parent's id)."""
    first_fitter = fitness[genome1] > fitness[genome2]
    parent1 = torch.where(first_fitter, genome1, genome2)
    parent2 = torch.where(first_fitter, genome2, genome1)
    a, b = pop.take(parent1), pop.take(parent2)
    return Genomes(a.gid, _cross(a.nodes, b.nodes, spec.nodes, gen, by_innovation=False),
                   _cross(a.conns, b.conns, spec.conns, gen, by_innovation=True))


__all__ = ["crossover"]
