"""Shared pieces of the tensor-engine tests: configs, parent populations, neat-python runs."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import neat
import torch

from neuroevo.strategies.neat.tensor.convert import from_neat
from neuroevo.strategies.neat.tensor.innovation import InnovationTracker
from neuroevo.strategies.neat.tensor.spec import GenomeSpec
from tests.compile.random_genomes import make_config, random_genomes
from tests.neat_ini import neat_config

__all__ = [
    "make_config",
    "random_genomes",
    "neat_config",
    "with_seed",
    "parents",
    "tracker_for",
    "spec_of",
    "neat_reproduce",
]


def with_seed(seed: int, fn: Callable[[], Any]) -> Any:
    """Run ``fn`` with Python's ``random`` seeded, restoring the global state afterwards."""
    state = random.getstate()
    random.seed(seed)
    try:
        return fn()
    finally:
        random.setstate(state)


def parents(config: neat.Config, count: int, seed: int, max_mutations: int = 12):
    """``count`` neat-python genomes (ids 1..count) and their tensor form (float64)."""
    genomes = random_genomes(config, count, seed=seed, max_mutations=max_mutations)
    for k, g in enumerate(genomes):
        g.key = k + 1
    return genomes, from_neat(genomes, config, dtype=torch.float64)


def spec_of(config: neat.Config) -> GenomeSpec:
    return GenomeSpec.read(config)


def tracker_for(config: neat.Config, genomes) -> InnovationTracker:
    """A tracker whose counters continue after ``genomes`` (as a restored population's)."""
    top_node = max(k for g in genomes for k in g.nodes)
    top_innov = max((c.innovation for g in genomes for c in g.connections.values()), default=0)
    return InnovationTracker(next_node_key=top_node + 1, innovation=top_innov)


def neat_reproduce(config: neat.Config, genomes, fitness, seed: int, stale=()):
    """neat-python's ``DefaultSpeciesSet.speciate`` then ``DefaultReproduction.reproduce`` of
    ``genomes`` (generation 0, species keys ``stale`` made stagnant), Python's ``random``
    seeded with ``seed``: ``(species_set, reproduction, new population, genome id -> species
    key of the old population)``; children's ids start at 10,000."""
    pop = {g.key: g for g in genomes}
    for g, f in zip(genomes, fitness):
        g.fitness = f
    species_set = neat.DefaultSpeciesSet(config.species_set_config, neat.reporting.ReporterSet())
    species_set.speciate(config, pop, 0)
    for sid in stale:
        s = species_set.species[sid]
        s.fitness_history, s.last_improved = [1e9], -config.stagnation_config.max_stagnation
    reporters = neat.reporting.ReporterSet()
    repro = neat.DefaultReproduction(
        config.reproduction_config,
        reporters,
        neat.DefaultStagnation(config.stagnation_config, reporters),
    )
    repro.genome_indexer = iter(range(10_000, 10_000_000))
    owner = dict(species_set.genome_to_species)
    new = with_seed(seed, lambda: repro.reproduce(config, species_set, config.pop_size, 0))
    return species_set, repro, new, owner
