"""A faster drop-in for neat-python's ``DefaultGenome``: same offspring for the same random numbers.

At 10,000 genomes a third of a neat-python generation is reproduction, and most of that is
``configure_crossover`` and ``mutate``: per gene and per attribute, generic code looks up
config values by name (``getattr(config, "weight_mutate_rate")``), checks
``hasattr(gene, "innovation")`` and, for feed-forward genomes, runs ``creates_cycle`` over
the child's connections for every inherited gene.

:class:`FastGenome` overrides only those two methods. It takes the mutation settings from
:class:`~neuroevo.strategies.neat.mutation.MutationSettings` (read once per config), builds
genes without the generic attribute loop, and skips the ``creates_cycle`` checks when the
fitter parent's connections are acyclic (then every inherited subset is acyclic, so each
check would answer "no cycle"; otherwise it runs them as neat-python does). It draws the
same numbers from Python's global ``random`` generator, in the same order, as neat-python
2.0 (the scalar operators of :mod:`~neuroevo.strategies.neat.mutation`), so a run seeded
with ``neat.Population(config, seed=s)`` produces exactly the same genomes, gene for gene,
as with ``neat.DefaultGenome``. Structural mutations (add/delete node and connection) are
neat-python's own methods.

Crossover and mutation are those of Stanley & Miikkulainen (2002), "Evolving Neural Networks
through Augmenting Topologies", Evol. Comput. 10(2), sec. 3.2, as neat-python implements
them (75% chance that a gene disabled in either parent is disabled in the child).

Genes are plain ``DefaultNodeGene`` / ``DefaultConnectionGene`` objects, so everything that
reads genomes (networks, the compiler, genome files, checkpoints) sees no difference. When
the config uses other gene classes, both methods fall back to neat-python's code.

Example::

    import neat
    from neuroevo.config import PluginConfig
    from neuroevo.strategies.neat.genome import FastGenome

    config = PluginConfig(FastGenome, neat.DefaultReproduction, neat.DefaultSpeciesSet,
                          neat.DefaultStagnation, "xor.ini")   # reads [DefaultGenome]
"""

from __future__ import annotations

import warnings
from random import random
from typing import Any

from neat.genome import DefaultGenome
from neat.graphs import creates_cycle

from neuroevo.strategies.neat.genes import acyclic, connection_gene, default_genes, node_gene
from neuroevo.strategies.neat.mutation import (
    MutationSettings,
    mutate_bool,
    mutate_choice,
    mutate_float,
)

__all__ = ["FastGenome"]


class FastGenome(DefaultGenome):  # type: ignore[misc]  # neat-python is untyped
    """``neat.DefaultGenome`` with faster crossover and mutation (identical results).

    Use it as the ``genome_type`` of a config. Its settings are neat-python's
    ``DefaultGenome`` settings, so it reads the INI section ``[DefaultGenome]``
    (``config_section``; :class:`neuroevo.config.PluginConfig` and
    :func:`neuroevo.load_config` honour it) and neat-python INI files work unchanged.

    Example::

        config = PluginConfig(FastGenome, neat.DefaultReproduction, neat.DefaultSpeciesSet,
                              neat.DefaultStagnation, "xor.ini")
    """

    #: the INI section holding this plug-in's settings (see neuroevo.config.config_section)
    config_section = "DefaultGenome"

    # (connection keys, acyclic?) of this genome when last asked; a parent has several
    # children, and each crossover asks. Class default: not computed yet.
    _acyclic_memo: tuple[tuple[Any, ...], bool] | None = None

    def connections_acyclic(self) -> bool:
        """Whether this genome's connections have no cycle (remembered per key set)."""
        keys = tuple(self.connections)
        memo = self._acyclic_memo
        if memo is not None and memo[0] == keys:
            return memo[1]
        answer = acyclic(keys)
        self._acyclic_memo = (keys, answer)
        return answer

    def configure_crossover(self, genome1: Any, genome2: Any, config: Any) -> None:
        """Child of two parents, as ``DefaultGenome.configure_crossover`` (same random draws)."""
        if not default_genes(config):
            super().configure_crossover(genome1, genome2, config)
            return
        if genome1.fitness > genome2.fitness:
            parent1, parent2 = genome1, genome2
        else:
            parent1, parent2 = genome2, genome1

        by_innovation1 = {cg.innovation: cg for cg in parent1.connections.values()}
        by_innovation2 = {cg.innovation: cg for cg in parent2.connections.values()}
        if config.feed_forward:
            fitter_acyclic = (
                parent1.connections_acyclic()
                if isinstance(parent1, FastGenome)
                else acyclic(parent1.connections)
            )
            check_cycles = not fitter_acyclic
        else:
            check_cycles = False
        conns = self.connections
        # Build the set as neat-python does: its iteration order depends on how it was built.
        for innovation in set(by_innovation1.keys()) | set(by_innovation2.keys()):
            cg1 = by_innovation1.get(innovation)
            if cg1 is None:
                continue  # only in the less fit parent: not inherited
            cg2 = by_innovation2.get(innovation)
            key = cg1.key
            if cg2 is None:
                weight, enabled = cg1.weight, cg1.enabled
            elif cg2.key != key:
                warnings.warn(
                    f"Innovation number collision: innovation {innovation} assigned to both "
                    f"{key} and {cg2.key}. Treating as disjoint genes.",
                    RuntimeWarning,
                    stacklevel=2,
                )
                weight, enabled = cg1.weight, cg1.enabled
            else:
                weight = cg1.weight if random() > 0.5 else cg2.weight
                enabled = cg1.enabled if random() > 0.5 else cg2.enabled
                if not cg1.enabled or not cg2.enabled:
                    if random() < 0.75:
                        enabled = False
            if check_cycles and creates_cycle(list(conns), key):
                continue
            conns[key] = connection_gene(key, innovation, weight, enabled)

        nodes2 = parent2.nodes
        nodes = self.nodes
        for key, ng1 in parent1.nodes.items():
            ng2 = nodes2.get(key)
            if ng2 is None:
                nodes[key] = node_gene(
                    key, ng1.bias, ng1.response, ng1.activation, ng1.aggregation, ng1.time_constant
                )
            else:
                nodes[key] = node_gene(
                    key,
                    ng1.bias if random() > 0.5 else ng2.bias,
                    ng1.response if random() > 0.5 else ng2.response,
                    ng1.activation if random() > 0.5 else ng2.activation,
                    ng1.aggregation if random() > 0.5 else ng2.aggregation,
                    ng1.time_constant if random() > 0.5 else ng2.time_constant,
                )

    def mutate(self, config: Any) -> None:
        """Mutate as ``DefaultGenome.mutate`` does (same random draws, same order)."""
        if not default_genes(config):
            super().mutate(config)
            return
        s = MutationSettings.of(config)
        add_node, del_node = s.node_add_prob, s.node_delete_prob
        add_conn, del_conn = s.conn_add_prob, s.conn_delete_prob
        if s.single_structural_mutation:
            div = max(1, add_node + del_node + add_conn + del_conn)
            r = random()
            if r < add_node / div:
                self.mutate_add_node(config)
            elif r < (add_node + del_node) / div:
                self.mutate_delete_node(config)
            elif r < (add_node + del_node + add_conn) / div:
                self.mutate_add_connection(config)
            elif r < (add_node + del_node + add_conn + del_conn) / div:
                self.mutate_delete_connection()
        else:
            if random() < add_node:
                self.mutate_add_node(config)
            if random() < del_node:
                self.mutate_delete_node(config)
            if random() < add_conn:
                self.mutate_add_connection(config)
            if random() < del_conn:
                self.mutate_delete_connection()

        # Attributes in neat-python's order: per gene, its _gene_attributes in turn.
        weight, enabled = s.weight, s.enabled
        for cg in self.connections.values():
            cg.weight = mutate_float(cg.weight, weight)
            cg.enabled = mutate_bool(cg.enabled, enabled)
        bias, response, time_constant = s.node_floats
        activation, aggregation = s.activation, s.aggregation
        for ng in self.nodes.values():
            ng.bias = mutate_float(ng.bias, bias)
            ng.response = mutate_float(ng.response, response)
            ng.activation = mutate_choice(ng.activation, activation)
            ng.aggregation = mutate_choice(ng.aggregation, aggregation)
            ng.time_constant = mutate_float(ng.time_constant, time_constant)
