"""NEAT genomes as migrants: out of one island's population, into another's.

A genome travels as data (:func:`neuroevo.io.genome_json.genome_to_dict`). Its numbers mean
something only in the population it came from: the genome key, the hidden-node ids
(neat-python 2.0 hands them out from a counter on the genome config) and the connection
genes' innovation numbers (from the population's ``InnovationTracker``; Stanley &
Miikkulainen 2002, p. 108). Entering another population, a migrant gets that population's
numbers, so that neat-python's invariants keep holding there:

* a new genome key from the receiving ``reproduction.genome_indexer`` (no two genomes of a
  run share a key), with no ancestors;
* input (negative) and output (``0 .. num_outputs-1``) node ids are the same everywhere and
  stay; each hidden node gets a fresh id from the receiving config's node counter, so that
  no later ``mutate_add_node`` in a descendant can draw an id the genome already holds
  (``DefaultGenomeConfig.get_new_node_key`` asserts it cannot);
* a connection between input/output nodes takes the innovation number the receiving
  population uses for that connection, where it has it (so it lines up with its homologue
  in crossover); any other connection a fresh number from the receiving tracker.

:func:`replace_worst` then puts the migrants in place of the worst genomes of the evaluated
generation, before ``tell``: in the population dictionary (same position), in the species of
the genome each replaces (members and ``genome_to_species``), and in
``strategy.genomes``, so that neat-python's reproduction sees them with their fitness. The
next ``speciate`` places them by distance, like every offspring.

Example::

    data = [genome_to_dict(g, cfg.genome_config) for g in best_genomes]   # on island A
    genomes = adopt_genomes(data, neat_strategy_b)                           # on island B
    replace_worst(neat_strategy_b, worst_indices, genomes)
"""

from __future__ import annotations

import copy
from itertools import count
from typing import Any

from neuroevo.errors import StrategyError
from neuroevo.io.genome_json import genome_from_dict, genome_to_dict

#: the mutation type under which migrants' new innovation numbers are recorded
MIGRATION = "migration"


def _population(strategy: Any) -> Any:
    pop = getattr(strategy, "population", None)
    if pop is None or not hasattr(pop, "reproduction"):
        raise StrategyError(
            "NEAT migration needs a set-up neuroevo.NEAT strategy "
            "(neat-python population); call setup() first"
        )
    return pop


def genome_payloads(strategy: Any, indices: list[int]) -> list[dict[str, Any]]:
    """The genomes at ``indices`` of the evaluated generation, as JSON data."""
    gc = strategy.config.genome_config
    return [genome_to_dict(strategy.genomes[i], gc) for i in indices]


def _known_innovations(population: dict[int, Any]) -> dict[tuple[int, int], int]:
    """Innovation number of each connection key in the population (first genome that has it)."""
    known: dict[tuple[int, int], int] = {}
    for genome in population.values():
        for key, gene in genome.connections.items():
            inn = getattr(gene, "innovation", None)
            if inn is not None:
                known.setdefault(key, int(inn))
    return known


def _node_counter(strategy: Any, pop: Any) -> Any:
    """The receiving config's hidden-node counter, started as neat-python would start it."""
    gc = strategy.config.genome_config
    if gc.node_indexer is None:
        # no hidden node was ever numbered in this run (the counter starts on the first one)
        used = [k for g in pop.population.values() for k in g.nodes]
        gc.node_indexer = count(max([gc.num_outputs - 1, *used]) + 1)
    return gc.node_indexer


def adopt_genomes(payloads: list[dict[str, Any]], strategy: Any) -> list[Any]:
    """Genomes of the receiving ``strategy``'s run built from ``payloads`` (renumbered as in
    the module docstring; fitness left unset)."""
    pop = _population(strategy)
    config = strategy.config
    gc = config.genome_config
    fixed = set(gc.input_keys) | set(gc.output_keys)
    known = _known_innovations(pop.population)
    tracker = getattr(pop.reproduction, "innovation_tracker", None)
    counter = _node_counter(strategy, pop)
    adopted = []
    for payload in payloads:
        d = copy.deepcopy(payload)
        hidden = sorted(n["key"] for n in d["nodes"] if n["key"] not in fixed)
        ids = {k: k for k in fixed} | {k: next(counter) for k in hidden}
        for node in d["nodes"]:
            node["key"] = ids[node["key"]]
        for conn in d["connections"]:
            key = (ids[conn["in"]], ids[conn["out"]])
            conn["in"], conn["out"] = key
            if "innovation" not in conn and tracker is None:
                continue  # gene types without innovation numbers
            inn = known.get(key) if conn["in"] in fixed and conn["out"] in fixed else None
            if inn is None:
                if tracker is None:
                    raise StrategyError(
                        "NEAT migration: the receiving population has no "
                        "innovation tracker for the migrants' connections"
                    )
                inn = tracker.get_innovation_number(key[0], key[1], MIGRATION)
            conn["innovation"] = inn
        d["key"] = next(pop.reproduction.genome_indexer)
        d["fitness"] = None
        genome = genome_from_dict(d, gc, genome_type=config.genome_type, source="migrant genome")
        pop.reproduction.ancestors[genome.key] = ()
        adopted.append(genome)
    return adopted


def replace_worst(strategy: Any, indices: list[int], genomes: list[Any]) -> None:
    """Put ``genomes`` in place of the evaluated generation's genomes at ``indices``."""
    pop = _population(strategy)
    species_set = pop.species
    swap = {}
    for i, new in zip(indices, genomes):
        old = strategy.genomes[i]
        swap[old.key] = new
        strategy.genomes[i] = new
    pop.population = {
        swap[k].key if k in swap else k: swap.get(k, g) for k, g in pop.population.items()
    }
    for old_key, new in swap.items():
        pop.reproduction.ancestors.pop(old_key, None)
        sid = species_set.genome_to_species.pop(old_key, None)
        if sid is None:
            continue
        species = species_set.species[sid]
        species.members = {
            new.key if k == old_key else k: new if k == old_key else g
            for k, g in species.members.items()
        }
        species_set.genome_to_species[new.key] = sid


__all__ = ["MIGRATION", "adopt_genomes", "genome_payloads", "replace_worst"]
