"""A faster drop-in for neat-python's ``DefaultGenome``: same offspring for the same random numbers.

At 10,000 genomes a third of a neat-python generation is reproduction, and most of that is
``configure_crossover`` and ``mutate``: per gene and per attribute, generic code looks up
config values by name (``getattr(config, "weight_mutate_rate")``), checks
``hasattr(gene, "innovation")`` and, for feed-forward genomes, runs ``creates_cycle`` over
the child's connections for every inherited gene.

:class:`FastGenome` overrides only those two methods. It reads the mutation settings once
per genome, builds genes without the generic attribute loop, and skips the ``creates_cycle``
checks when the fitter parent's connections are acyclic (then every inherited subset is
acyclic, so each check would answer "no cycle"; otherwise it runs them as neat-python
does). It draws the same numbers from Python's global ``random`` generator, in the same
order, as neat-python 2.0 (``random()``, ``gauss``, ``choice``, and the attributes' own
``init_value`` for replacements), so a run seeded with ``neat.Population(config, seed=s)``
produces exactly the same genomes, gene for gene, as with ``neat.DefaultGenome``.
Structural mutations (add/delete node and connection) are neat-python's own methods.

Crossover and mutation are those of Stanley & Miikkulainen (2002), "Evolving Neural Networks
through Augmenting Topologies", Evol. Comput. 10(2), sec. 3.2, as neat-python implements
them (75% chance that a gene disabled in either parent is disabled in the child).

Genes are plain ``DefaultNodeGene`` / ``DefaultConnectionGene`` objects, so everything that
reads genomes (networks, the compiler, genome files, checkpoints) sees no difference. When
the config uses other gene classes, both methods fall back to neat-python's code.

Example::

    import neat
    from neuroevo.strategies.neat.genome import FastGenome

    config = neat.Config(FastGenome, neat.DefaultReproduction, neat.DefaultSpeciesSet,
                         neat.DefaultStagnation, "xor.ini")   # reads [DefaultGenome]
"""

from __future__ import annotations

import warnings
import weakref
from operator import attrgetter
from random import choice, gauss, random
from typing import Any

from neat.genes import DefaultConnectionGene, DefaultNodeGene
from neat.genome import DefaultGenome
from neat.graphs import creates_cycle

__all__ = ["FastGenome"]

_NODE_ATTRS = DefaultNodeGene._gene_attributes
_CONN_ATTRS = DefaultConnectionGene._gene_attributes
_NODE_NAMES = ["bias", "response", "activation", "aggregation", "time_constant"]
_CONN_NAMES = ["weight", "enabled"]
_new = object.__new__


# The inlined code below is neat-python 2.0's gene attribute lists; anything else falls back.
_INLINED = ([a.name for a in _NODE_ATTRS] == _NODE_NAMES
            and [a.name for a in _CONN_ATTRS] == _CONN_NAMES)


def _supported(config: Any) -> bool:
    """Default gene classes with neat-python 2.0's attribute lists (what this file inlines)."""
    return (_INLINED
            and config.node_gene_type is DefaultNodeGene
            and config.connection_gene_type is DefaultConnectionGene
            and DefaultNodeGene._gene_attributes is _NODE_ATTRS
            and DefaultConnectionGene._gene_attributes is _CONN_ATTRS)


def _acyclic(connections: dict) -> bool:
    """True when the directed graph of these connection keys has no cycle (Kahn's algorithm)."""
    succ: dict = {}
    indeg: dict = {}
    for a, b in connections:
        if a == b:
            return False
        succ.setdefault(a, []).append(b)
        indeg[b] = indeg.get(b, 0) + 1
    ready = [n for n in succ if n not in indeg]
    removed = 0
    while ready:
        for m in succ.get(ready.pop(), ()):
            indeg[m] -= 1
            removed += 1
            if indeg[m] == 0:
                ready.append(m)
    return removed == len(connections)


# A parent has several children: remember its answer while its connection keys are unchanged.
_ACYCLIC_MEMO: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _parent_acyclic(genome: Any) -> bool:
    keys = tuple(genome.connections)
    memo = _ACYCLIC_MEMO.get(genome)
    if memo is not None and memo[0] == keys:
        return memo[1]
    answer = _acyclic(genome.connections)
    _ACYCLIC_MEMO[genome] = (keys, answer)
    return answer


def _float_names(attr: Any) -> list[str]:
    return [attr.mutate_rate_name, attr.replace_rate_name, attr.mutate_power_name,
            attr.min_value_name, attr.max_value_name]


# Every mutation setting of a genome config, read in one C-level call per genome.
_SETTINGS = attrgetter(
    *_float_names(_CONN_ATTRS[0]),                                       # weight 0-4
    _CONN_ATTRS[1].mutate_rate_name, _CONN_ATTRS[1].rate_to_false_add_name,
    _CONN_ATTRS[1].rate_to_true_add_name,                                # enabled 5-7
    *_float_names(_NODE_ATTRS[0]), *_float_names(_NODE_ATTRS[1]),        # bias 8-12, resp 13-17
    *_float_names(_NODE_ATTRS[4]),                                       # time_constant 18-22
    _NODE_ATTRS[2].mutate_rate_name, _NODE_ATTRS[3].mutate_rate_name,    # act 23, agg 24
) if _INLINED else None


def _float_settings(values: tuple, at: int, attr: Any) -> tuple:
    """(mutate_rate, replace_rate + mutate_rate as neat-python sums it, power, min, max, attr)."""
    rate = values[at]
    return (rate, values[at + 1] + rate, values[at + 2], values[at + 3], values[at + 4], attr)


def _mutate_float(value: float, s: tuple, config: Any) -> float:
    """``FloatAttribute.mutate_value`` with the settings read beforehand."""
    r = random()
    if r < s[0]:
        return max(min(value + gauss(0.0, s[2]), s[4]), s[3])
    if r < s[1]:
        return s[5].init_value(config)
    return value


class FastGenome(DefaultGenome):
    """``neat.DefaultGenome`` with faster crossover and mutation (identical results).

    Use it as the ``genome_type`` of a ``neat.Config``. neat-python reads a plug-in's
    settings from the INI section named after the class (``type.__name__``); this class
    answers to the name ``DefaultGenome``, so neat-python INI files work unchanged.

    Example::

        config = neat.Config(FastGenome, neat.DefaultReproduction, neat.DefaultSpeciesSet,
                             neat.DefaultStagnation, "xor.ini")
    """

    def configure_crossover(self, genome1: Any, genome2: Any, config: Any) -> None:
        """Child of two parents, as ``DefaultGenome.configure_crossover`` (same random draws)."""
        if not _supported(config):
            super().configure_crossover(genome1, genome2, config)
            return
        if genome1.fitness > genome2.fitness:
            parent1, parent2 = genome1, genome2
        else:
            parent1, parent2 = genome2, genome1

        by_innovation1 = {cg.innovation: cg for cg in parent1.connections.values()}
        by_innovation2 = {cg.innovation: cg for cg in parent2.connections.values()}
        check_cycles = config.feed_forward and not _parent_acyclic(parent1)
        conns = self.connections
        # Build the set as neat-python does: its iteration order depends on how it was built.
        for innovation in set(by_innovation1.keys()) | set(by_innovation2.keys()):
            cg1 = by_innovation1.get(innovation)
            if cg1 is None:
                continue                   # only in the less fit parent: not inherited
            cg2 = by_innovation2.get(innovation)
            key = cg1.key
            if cg2 is None:
                weight, enabled = cg1.weight, cg1.enabled
            elif cg2.key != key:
                warnings.warn(
                    f"Innovation number collision: innovation {innovation} assigned to both "
                    f"{key} and {cg2.key}. Treating as disjoint genes.", RuntimeWarning)
                weight, enabled = cg1.weight, cg1.enabled
            else:
                weight = cg1.weight if random() > 0.5 else cg2.weight
                enabled = cg1.enabled if random() > 0.5 else cg2.enabled
                if not cg1.enabled or not cg2.enabled:
                    if random() < 0.75:
                        enabled = False
            if check_cycles and creates_cycle(list(conns), key):
                continue
            gene = _new(DefaultConnectionGene)
            gene.__dict__ = {"key": key, "innovation": innovation,
                             "weight": weight, "enabled": enabled}
            conns[key] = gene

        nodes2 = parent2.nodes
        nodes = self.nodes
        for key, ng1 in parent1.nodes.items():
            ng2 = nodes2.get(key)
            gene = _new(DefaultNodeGene)
            if ng2 is None:
                gene.__dict__ = {"key": key, "bias": ng1.bias, "response": ng1.response,
                                 "activation": ng1.activation, "aggregation": ng1.aggregation,
                                 "time_constant": ng1.time_constant}
            else:
                gene.__dict__ = {
                    "key": key,
                    "bias": ng1.bias if random() > 0.5 else ng2.bias,
                    "response": ng1.response if random() > 0.5 else ng2.response,
                    "activation": ng1.activation if random() > 0.5 else ng2.activation,
                    "aggregation": ng1.aggregation if random() > 0.5 else ng2.aggregation,
                    "time_constant": ng1.time_constant if random() > 0.5 else ng2.time_constant,
                }
            nodes[key] = gene

    def mutate(self, config: Any) -> None:
        """Mutate as ``DefaultGenome.mutate`` does (same random draws, same order)."""
        if not _supported(config):
            super().mutate(config)
            return
        add_node, del_node = config.node_add_prob, config.node_delete_prob
        add_conn, del_conn = config.conn_add_prob, config.conn_delete_prob
        if config.single_structural_mutation:
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

        values = _SETTINGS(config)
        if self.connections:
            w_rate, w_replace, w_power, w_min, w_max = values[0:5]
            w_both = w_replace + w_rate            # as neat-python sums them
            en_rate, to_false, to_true = values[5:8]
            w_attr = _CONN_ATTRS[0]
            for cg in self.connections.values():
                r = random()
                if r < w_rate:
                    cg.weight = max(min(cg.weight + gauss(0.0, w_power), w_max), w_min)
                elif r < w_both:
                    cg.weight = w_attr.init_value(config)
                rate = en_rate + (to_false if cg.enabled else to_true)
                if rate > 0 and random() < rate:
                    cg.enabled = random() < 0.5

        bias = _float_settings(values, 8, _NODE_ATTRS[0])
        response = _float_settings(values, 13, _NODE_ATTRS[1])
        time_constant = _float_settings(values, 18, _NODE_ATTRS[4])
        act_rate, agg_rate = values[23], values[24]
        act, agg = _NODE_ATTRS[2], _NODE_ATTRS[3]
        for ng in self.nodes.values():
            ng.bias = _mutate_float(ng.bias, bias, config)
            ng.response = _mutate_float(ng.response, response, config)
            if act_rate > 0 and random() < act_rate:
                ng.activation = choice(getattr(config, act.options_name))
            if agg_rate > 0 and random() < agg_rate:
                ng.aggregation = choice(getattr(config, agg.options_name))
            ng.time_constant = _mutate_float(ng.time_constant, time_constant, config)


# neat.Config and config.save() name the INI section after ``__name__``: keep neat-python's.
FastGenome.__name__ = "DefaultGenome"
