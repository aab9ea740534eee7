"""Plain neat-python genes, built fast, and the acyclicity test crossover relies on.

The fast plug-ins (:mod:`~neuroevo.strategies.neat.genome`,
:mod:`~neuroevo.strategies.neat.offspring`) build children's genes without neat-python's
generic per-attribute loop. They can do so only for neat-python 2.0's own gene classes with
their own attribute lists (``DefaultNodeGene``: bias, response, activation, aggregation,
time_constant; ``DefaultConnectionGene``: weight, enabled -- ``neat/genes.py``);
:func:`default_genes` says when a genome config uses exactly those, and everything else
falls back to neat-python's code.

The genes built here are ordinary ``DefaultNodeGene`` / ``DefaultConnectionGene`` objects
with the same instance attributes neat-python's constructors set, so networks, the compiler,
genome files and checkpoints see no difference.

Example::

    if default_genes(config.genome_config):
        gene = connection_gene((-1, 0), innovation=3, weight=0.5, enabled=True)
"""

from __future__ import annotations

from typing import Any

from neat.genes import DefaultConnectionGene, DefaultNodeGene

__all__ = [
    "NODE_ATTRIBUTES",
    "CONNECTION_ATTRIBUTES",
    "default_genes",
    "acyclic",
    "connection_gene",
    "node_gene",
]

NODE_ATTRIBUTES = DefaultNodeGene._gene_attributes
CONNECTION_ATTRIBUTES = DefaultConnectionGene._gene_attributes

# The attribute lists this package's fast paths are written for (neat-python 2.0's).
_LISTS_AS_WRITTEN = [a.name for a in NODE_ATTRIBUTES] == [
    "bias",
    "response",
    "activation",
    "aggregation",
    "time_constant",
] and [a.name for a in CONNECTION_ATTRIBUTES] == ["weight", "enabled"]
_new = object.__new__


def default_genes(genome_config: Any) -> bool:
    """True when ``genome_config`` uses neat-python 2.0's default genes and attribute lists.

    Example::

        default_genes(load_config("configs/xor.ini").genome_config)    # -> True
    """
    return (
        _LISTS_AS_WRITTEN
        and genome_config.node_gene_type is DefaultNodeGene
        and genome_config.connection_gene_type is DefaultConnectionGene
        and DefaultNodeGene._gene_attributes is NODE_ATTRIBUTES
        and DefaultConnectionGene._gene_attributes is CONNECTION_ATTRIBUTES
    )


def connection_gene(
    key: tuple, innovation: int, weight: float, enabled: bool
) -> DefaultConnectionGene:
    """A ``DefaultConnectionGene`` with these values (no attribute loop, no checks)."""
    gene = _new(DefaultConnectionGene)
    gene.__dict__ = {"key": key, "innovation": innovation, "weight": weight, "enabled": enabled}
    return gene


def node_gene(
    key: int, bias: float, response: float, activation: str, aggregation: str, time_constant: float
) -> DefaultNodeGene:
    """A ``DefaultNodeGene`` with these values (no attribute loop, no checks)."""
    gene = _new(DefaultNodeGene)
    gene.__dict__ = {
        "key": key,
        "bias": bias,
        "response": response,
        "activation": activation,
        "aggregation": aggregation,
        "time_constant": time_constant,
    }
    return gene


def acyclic(connections: Any) -> bool:
    """True when the directed graph of these ``(in, out)`` connection keys has no cycle.

    Kahn's algorithm. When a parent's connections are acyclic, every subset a child inherits
    is too, so neat-python's per-gene ``creates_cycle`` checks in a feed-forward crossover
    would all answer "no cycle" and can be skipped.

    Example::

        acyclic({(-1, 0): g1, (0, 1): g2})     # -> True
        acyclic([(0, 1), (1, 0)])              # -> False
    """
    succ: dict = {}
    indeg: dict = {}
    n_edges = 0
    for a, b in connections:
        if a == b:
            return False
        succ.setdefault(a, []).append(b)
        indeg[b] = indeg.get(b, 0) + 1
        n_edges += 1
    ready = [n for n in succ if n not in indeg]
    removed = 0
    while ready:
        for m in succ.get(ready.pop(), ()):
            indeg[m] -= 1
            removed += 1
            if indeg[m] == 0:
                ready.append(m)
    return removed == n_edges
