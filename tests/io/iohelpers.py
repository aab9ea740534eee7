"""Test helpers: a neat-python config written from an INI template, and genomes."""

from __future__ import annotations

import random
from pathlib import Path

import neat

INI = """
[NEAT]
fitness_criterion     = max
fitness_threshold     = {threshold}
pop_size              = {pop_size}
reset_on_extinction   = False
no_fitness_termination = {no_term}

[DefaultGenome]
num_inputs              = {num_inputs}
num_hidden              = {num_hidden}
num_outputs             = {num_outputs}
initial_connection      = full_direct
feed_forward            = True
compatibility_disjoint_coefficient = 1.0
compatibility_weight_coefficient   = 0.6
conn_add_prob           = 0.3
conn_delete_prob        = 0.1
node_add_prob           = 0.2
node_delete_prob        = 0.05
activation_default      = sigmoid
activation_options      = {activations}
activation_mutate_rate  = {act_rate}
aggregation_default     = sum
aggregation_options     = sum product max min mean
aggregation_mutate_rate = 0.1
bias_init_type          = gaussian
bias_init_mean          = 0.0
bias_init_stdev         = 1.0
bias_max_value          = 30.0
bias_min_value          = -30.0
bias_mutate_power       = 0.5
bias_mutate_rate        = 0.7
bias_replace_rate       = 0.1
response_init_type      = gaussian
response_init_mean      = 1.0
response_init_stdev     = 0.2
response_max_value      = 30.0
response_min_value      = -30.0
response_mutate_power   = 0.1
response_mutate_rate    = 0.2
response_replace_rate   = 0.0
weight_init_type        = gaussian
weight_init_mean        = 0.0
weight_init_stdev       = 1.0
weight_max_value        = 30
weight_min_value        = -30
weight_mutate_power     = 0.5
weight_mutate_rate      = 0.8
weight_replace_rate     = 0.1
enabled_default         = True
enabled_mutate_rate     = 0.05

[DefaultSpeciesSet]
compatibility_threshold = {compat}

[DefaultStagnation]
species_fitness_func = max
max_stagnation       = {max_stag}
species_elitism      = 1

[DefaultReproduction]
elitism            = 2
survival_threshold = 0.2
"""

ALL_ACTIVATIONS = ("sigmoid tanh sin gauss relu elu lelu selu softplus identity clamped inv "
                   "log exp abs hat square cube")


def make_config(tmp_path: Path, *, num_inputs: int = 2, num_outputs: int = 1, num_hidden: int = 0,
                pop_size: int = 30, activations: str = ALL_ACTIVATIONS, act_rate: float = 0.2,
                compat: float = 2.0, max_stag: int = 5, threshold: float = 100.0,
                no_term: bool = True, name: str = "test.ini") -> neat.Config:
    path = Path(tmp_path) / name
    path.write_text(INI.format(num_inputs=num_inputs, num_outputs=num_outputs,
                               num_hidden=num_hidden, pop_size=pop_size, activations=activations,
                               act_rate=act_rate, compat=compat, max_stag=max_stag,
                               threshold=threshold, no_term=no_term))
    return neat.Config(neat.DefaultGenome, neat.DefaultReproduction, neat.DefaultSpeciesSet,
                       neat.DefaultStagnation, str(path))


def evolved_genomes(config: neat.Config, generations: int = 5, seed: int = 3) -> list:
    """Genomes with hidden nodes, mixed activations and disabled genes: a short NEAT run."""
    random.seed(seed)
    pop = neat.Population(config, seed=seed)

    def fitness(genomes, cfg):
        for _, g in genomes:
            g.fitness = float(len(g.connections)) + 0.01 * len(g.nodes)

    pop.run(fitness, generations)
    return list(pop.population.values())


def xor_fitness(genomes, config):
    """Deterministic XOR fitness with neat-python's own network."""
    data = [((0.0, 0.0), 0.0), ((0.0, 1.0), 1.0), ((1.0, 0.0), 1.0), ((1.0, 1.0), 0.0)]
    for _, g in genomes:
        net = neat.nn.FeedForwardNetwork.create(g, config)
        err = 0.0
        for x, y in data:
            err += (net.activate(x)[0] - y) ** 2
        g.fitness = 4.0 - err
