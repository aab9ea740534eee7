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

__all__ = ["make_config", "random_genomes", "neat_config", "with_seed", "parents",
           "tracker_for", "spec_of"]


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
