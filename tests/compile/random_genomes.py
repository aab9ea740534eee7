"""Random neat-python genomes for differential tests, made by neat-python's own mutation.

Every activation and aggregation is an option with mutate rate 1.0, and structural
mutation rates are high, so a few dozen mutations give deep, pruned, dangling and
partly disabled networks.
"""

from __future__ import annotations

import random
from pathlib import Path

import neat

from tests.neat_ini import ACTIVATIONS, AGGREGATIONS, neat_config


def make_config(
    tmp_dir: Path,
    *,
    n_in=3,
    n_out=2,
    hidden=2,
    feed_forward=True,
    initial_connection="partial_nodirect 0.5",
    acts=None,
    aggs=None,
) -> neat.Config:
    return neat_config(
        tmp_dir,
        {
            "DefaultGenome": {
                "num_inputs": n_in,
                "num_outputs": n_out,
                "num_hidden": hidden,
                "feed_forward": feed_forward,
                "initial_connection": initial_connection,
                "activation_options": " ".join(acts or ACTIVATIONS),
                "aggregation_options": " ".join(aggs or AGGREGATIONS),
            }
        },
        name=f"random-{n_in}-{n_out}-{hidden}-{feed_forward}.ini",
    )


def random_genomes(config: neat.Config, count: int, *, seed: int, max_mutations: int = 30):
    """``count`` genomes, each mutated a random number of times (0..max_mutations)."""
    state = random.getstate()
    random.seed(seed)
    try:
        gc = config.genome_config
        if gc.innovation_tracker is None:
            gc.innovation_tracker = neat.InnovationTracker()
        out = []
        for k in range(count):
            g = neat.DefaultGenome(k)
            g.configure_new(gc)
            for _ in range(random.randint(0, max_mutations)):
                g.mutate(gc)
            out.append(g)
        return out
    finally:
        random.setstate(state)
