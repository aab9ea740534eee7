"""Random recurrent neat-python genomes for differential tests.

Genomes are made and mutated by neat-python itself (``configure_new`` + ``mutate``) on a
``feed_forward = False`` config whose node and connection add/delete rates are high and whose
nodes draw every activation and aggregation at random, so the population has cycles,
self-loops, disabled connections, dangling and deleted nodes. A few extra edits that
mutation alone makes rare are added on top (explicit self-loops, all-disabled nodes).
neat-python draws from the global ``random`` module, which :func:`random_recurrent_genomes`
seeds and then restores.
"""

from __future__ import annotations

import random

import neat
from neat.innovation import InnovationTracker

from tests.neat_ini import ACTIVATIONS, AGGREGATIONS, neat_config

# the base test config, with rates that make cycles and self-loops common
_RECURRENT = {
    "activation_mutate_rate": 0.3,
    "aggregation_mutate_rate": 0.3,
    "bias_max_value": 3.0,
    "bias_min_value": -3.0,
    "bias_mutate_power": 0.5,
    "bias_mutate_rate": 0.7,
    "weight_max_value": 3.0,
    "weight_min_value": -3.0,
    "weight_mutate_power": 0.5,
    "conn_add_prob": 0.9,
    "conn_delete_prob": 0.4,
    "node_delete_prob": 0.3,
}


def make_config(
    num_inputs: int = 3,
    num_outputs: int = 2,
    *,
    num_hidden: int = 2,
    feed_forward: bool = False,
    initial_connection: str = "partial_direct 0.6",
    activations: list[str] | None = None,
    aggregations: list[str] | None = None,
) -> neat.Config:
    """A neat-python config (all four default types) for random genomes."""
    config = neat_config(
        None,
        {
            "DefaultGenome": {
                **_RECURRENT,
                "num_inputs": num_inputs,
                "num_outputs": num_outputs,
                "num_hidden": num_hidden,
                "feed_forward": feed_forward,
                "initial_connection": initial_connection,
                "activation_options": " ".join(activations or ACTIVATIONS),
                "aggregation_options": " ".join(aggregations or AGGREGATIONS),
            },
            "DefaultReproduction": {"min_species_size": 1},
        },
    )
    config.genome_config.innovation_tracker = InnovationTracker()
    return config


def random_recurrent_genomes(
    config: neat.Config, count: int, *, seed: int, mutations: int = 12, extras: bool = True
) -> list[neat.DefaultGenome]:
    """``count`` genomes, each configured anew and mutated ``0..mutations`` times.

    neat-python draws from the global ``random`` module: it is seeded here and restored
    afterwards, so callers' own random streams are left as they were.
    """
    state = random.getstate()
    random.seed(seed)
    try:
        gc = config.genome_config
        genomes = []
        for key in range(count):
            g = config.genome_type(key)
            g.configure_new(gc)
            for _ in range(random.randint(0, mutations)):
                g.mutate(gc)
            if extras:
                _extra_edits(g, gc)
            genomes.append(g)
        return genomes
    finally:
        random.setstate(state)


def _extra_edits(g: neat.DefaultGenome, gc) -> None:
    """Edits mutation alone makes rare: self-loops, nodes whose inputs are all disabled."""
    nodes = list(g.nodes)
    r = random.random()
    if r < 0.3 and nodes:  # a self-loop
        n = random.choice(nodes)
        if (n, n) not in g.connections:
            g.add_connection(gc, n, n, random.uniform(-2, 2), True)
    elif r < 0.45 and nodes:  # a node whose incoming connections are all disabled
        n = random.choice(nodes)
        for (_a, b), cg in g.connections.items():
            if b == n:
                cg.enabled = False
