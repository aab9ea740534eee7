"""Random recurrent neat-python genomes for differential tests.

Genomes are made and mutated by neat-python itself (``configure_new`` + ``mutate``) on a
``feed_forward = False`` config whose node and connection add/delete rates are high and whose
nodes draw every activation and aggregation at random, so the population has cycles,
self-loops, disabled connections, dangling and deleted nodes. A few extra edits that
mutation alone makes rare are added on top (explicit self-loops, all-disabled nodes).
neat-python draws from the global ``random`` module, which :func:`random_recurrent_genomes`
seeds.
"""

from __future__ import annotations

import pathlib
import random
import tempfile

import neat
from neat.innovation import InnovationTracker

ACTIVATIONS = sorted(neat.activations.ActivationFunctionSet().functions)
AGGREGATIONS = sorted(neat.aggregations.AggregationFunctionSet().functions)

_CONFIG = """
[NEAT]
fitness_criterion     = max
fitness_threshold     = 1.0
pop_size              = 10
reset_on_extinction   = False
no_fitness_termination = False

[DefaultGenome]
num_inputs              = {num_inputs}
num_outputs             = {num_outputs}
num_hidden              = {num_hidden}
feed_forward            = {feed_forward}
initial_connection      = {initial_connection}
activation_default      = random
activation_options      = {activations}
activation_mutate_rate  = 0.3
aggregation_default     = random
aggregation_options     = {aggregations}
aggregation_mutate_rate = 0.3
bias_init_mean          = 0.0
bias_init_stdev         = 1.0
bias_max_value          = 3.0
bias_min_value          = -3.0
bias_mutate_power       = 0.5
bias_mutate_rate        = 0.7
bias_replace_rate       = 0.1
response_init_mean      = 1.0
response_init_stdev     = 0.5
response_max_value      = 3.0
response_min_value      = -3.0
response_mutate_power   = 0.5
response_mutate_rate    = 0.5
response_replace_rate   = 0.1
weight_init_mean        = 0.0
weight_init_stdev       = 1.0
weight_max_value        = 3.0
weight_min_value        = -3.0
weight_mutate_power     = 0.5
weight_mutate_rate      = 0.8
weight_replace_rate     = 0.1
enabled_default         = True
enabled_mutate_rate     = 0.2
conn_add_prob           = 0.9
conn_delete_prob        = 0.4
node_add_prob           = 0.6
node_delete_prob        = 0.3
compatibility_disjoint_coefficient = 1.0
compatibility_weight_coefficient   = 0.5

[DefaultSpeciesSet]
compatibility_threshold = 3.0

[DefaultStagnation]
species_fitness_func = max
max_stagnation       = 20
species_elitism      = 2

[DefaultReproduction]
elitism            = 2
survival_threshold = 0.2
"""


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
    text = _CONFIG.format(
        num_inputs=num_inputs,
        num_outputs=num_outputs,
        num_hidden=num_hidden,
        feed_forward=feed_forward,
        initial_connection=initial_connection,
        activations=" ".join(activations or ACTIVATIONS),
        aggregations=" ".join(aggregations or AGGREGATIONS),
    )
    with tempfile.TemporaryDirectory() as tmp:
        path = pathlib.Path(tmp) / "random.ini"
        path.write_text(text)
        config = neat.Config(
            neat.DefaultGenome,
            neat.DefaultReproduction,
            neat.DefaultSpeciesSet,
            neat.DefaultStagnation,
            str(path),
        )
    config.genome_config.innovation_tracker = InnovationTracker()
    return config


def random_recurrent_genomes(
    config: neat.Config, count: int, *, seed: int, mutations: int = 12, extras: bool = True
) -> list[neat.DefaultGenome]:
    """``count`` genomes, each configured anew and mutated ``0..mutations`` times."""
    random.seed(seed)
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
        for (a, b), cg in g.connections.items():
            if b == n:
                cg.enabled = False
