"""Test helpers: a neat-python config built with tests/neat_ini.py, and genomes."""

from __future__ import annotations

import random
from pathlib import Path

import neat

from tests.neat_ini import ini_text, neat_config

ALL_ACTIVATIONS = (
    "sigmoid tanh sin gauss relu elu lelu selu softplus identity clamped inv "
    "log exp abs hat square cube"
)


def ini_overrides(
    *,
    num_inputs,
    num_outputs,
    num_hidden,
    pop_size,
    activations,
    act_rate,
    compat,
    max_stag,
    threshold,
    no_term,
) -> dict:
    """The io tests' setup as overrides of tests/neat_ini.py's BASE."""
    return {
        "NEAT": {
            "fitness_threshold": threshold,
            "pop_size": pop_size,
            "no_fitness_termination": no_term,
        },
        "DefaultGenome": {
            "num_inputs": num_inputs,
            "num_hidden": num_hidden,
            "num_outputs": num_outputs,
            "initial_connection": "full_direct",
            "compatibility_weight_coefficient": 0.6,
            "conn_add_prob": 0.3,
            "conn_delete_prob": 0.1,
            "node_add_prob": 0.2,
            "node_delete_prob": 0.05,
            "activation_default": "sigmoid",
            "activation_options": activations,
            "activation_mutate_rate": act_rate,
            "aggregation_default": "sum",
            "aggregation_options": "sum product max min mean",
            "aggregation_mutate_rate": 0.1,
            "bias_max_value": 30.0,
            "bias_min_value": -30.0,
            "bias_mutate_power": 0.5,
            "bias_mutate_rate": 0.7,
            "response_init_stdev": 0.2,
            "response_max_value": 30.0,
            "response_min_value": -30.0,
            "response_mutate_power": 0.1,
            "response_mutate_rate": 0.2,
            "response_replace_rate": 0.0,
            "weight_max_value": 30,
            "weight_min_value": -30,
            "weight_mutate_power": 0.5,
            "enabled_mutate_rate": 0.05,
        },
        "DefaultSpeciesSet": {"compatibility_threshold": compat},
        "DefaultStagnation": {"max_stagnation": max_stag, "species_elitism": 1},
    }


INI_DROP = {
    "DefaultGenome": ["enabled_rate_to_true_add", "enabled_rate_to_false_add"],
    "DefaultReproduction": ["min_species_size"],
}
_PARAMS = (
    "num_inputs",
    "num_outputs",
    "num_hidden",
    "pop_size",
    "activations",
    "act_rate",
    "compat",
    "max_stag",
    "threshold",
    "no_term",
)
# A str.format template of the same INI (fields named as in ini_overrides), for test_fuzz_files.
INI = ini_text(ini_overrides(**{k: "{" + k + "}" for k in _PARAMS}), INI_DROP)


def make_config(
    tmp_path: Path,
    *,
    num_inputs: int = 2,
    num_outputs: int = 1,
    num_hidden: int = 0,
    pop_size: int = 30,
    activations: str = ALL_ACTIVATIONS,
    act_rate: float = 0.2,
    compat: float = 2.0,
    max_stag: int = 5,
    threshold: float = 100.0,
    no_term: bool = True,
    name: str = "test.ini",
) -> neat.Config:
    overrides = ini_overrides(
        num_inputs=num_inputs,
        num_outputs=num_outputs,
        num_hidden=num_hidden,
        pop_size=pop_size,
        activations=activations,
        act_rate=act_rate,
        compat=compat,
        max_stag=max_stag,
        threshold=threshold,
        no_term=no_term,
    )
    return neat_config(tmp_path, overrides, drop=INI_DROP, name=name)


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
