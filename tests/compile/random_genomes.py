"""Random neat-python genomes for differential tests, made by neat-python's own mutation.

Every activation and aggregation is an option with mutate rate 1.0, and structural
mutation rates are high, so a few dozen mutations give deep, pruned, dangling and
partly disabled networks.
"""

from __future__ import annotations

import random
from pathlib import Path

import neat

ACTIVATIONS = sorted(neat.activations.ActivationFunctionSet().functions)
AGGREGATIONS = sorted(neat.aggregations.AggregationFunctionSet().functions)

INI = """
[NEAT]
fitness_criterion     = max
fitness_threshold     = 1.0
pop_size              = 10
reset_on_extinction   = False
no_fitness_termination = False

[DefaultGenome]
activation_default      = random
activation_mutate_rate  = 1.0
activation_options      = {acts}
aggregation_default     = random
aggregation_mutate_rate = 1.0
aggregation_options     = {aggs}
bias_init_mean          = 0.0
bias_init_stdev         = 1.0
bias_init_type          = gaussian
bias_max_value          = 5.0
bias_min_value          = -5.0
bias_mutate_power       = 1.0
bias_mutate_rate        = 0.8
bias_replace_rate       = 0.1
compatibility_disjoint_coefficient = 1.0
compatibility_weight_coefficient   = 0.5
conn_add_prob           = 0.8
conn_delete_prob        = 0.3
enabled_default         = True
enabled_mutate_rate     = 0.2
enabled_rate_to_true_add = 0.0
enabled_rate_to_false_add = 0.0
feed_forward            = {ff}
initial_connection      = {init}
node_add_prob           = 0.6
node_delete_prob        = 0.2
num_hidden              = {hidden}
num_inputs              = {n_in}
num_outputs             = {n_out}
response_init_mean      = 1.0
response_init_stdev     = 0.5
response_init_type      = gaussian
response_max_value      = 3.0
response_min_value      = -3.0
response_mutate_power   = 0.5
response_mutate_rate    = 0.5
response_replace_rate   = 0.1
weight_init_mean        = 0.0
weight_init_stdev       = 1.0
weight_init_type        = gaussian
weight_max_value        = 5
weight_min_value        = -5
weight_mutate_power     = 1.0
weight_mutate_rate      = 0.8
weight_replace_rate     = 0.1

[DefaultSpeciesSet]
compatibility_threshold = 3.0

[DefaultStagnation]
species_fitness_func = max
max_stagnation       = 20
species_elitism      = 2

[DefaultReproduction]
elitism            = 2
survival_threshold = 0.2
min_species_size   = 2
"""


def make_config(tmp_dir: Path, *, n_in=3, n_out=2, hidden=2, feed_forward=True,
                initial_connection="partial_nodirect 0.5", acts=None, aggs=None) -> neat.Config:
    text = INI.format(
        acts=" ".join(acts or ACTIVATIONS), aggs=" ".join(aggs or AGGREGATIONS),
        ff=feed_forward, init=initial_connection, hidden=hidden, n_in=n_in, n_out=n_out,
    )
    path = Path(tmp_dir) / f"random-{n_in}-{n_out}-{hidden}-{feed_forward}.ini"
    path.write_text(text)
    return neat.Config(neat.DefaultGenome, neat.DefaultReproduction, neat.DefaultSpeciesSet,
                       neat.DefaultStagnation, str(path))


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
