"""One neat-python INI builder for the tests: a base configuration plus overrides.

The base is a small feed-forward setup in neat-python's own format (all four default
types); each test changes only the keys it cares about::

    config = neat_config(tmp_path, {"DefaultGenome": {"num_inputs": 3, "feed_forward": False}})
"""

from __future__ import annotations

import pathlib
import tempfile
from collections.abc import Mapping
from typing import Any

import neat

ACTIVATIONS = sorted(neat.activations.ActivationFunctionSet().functions)
AGGREGATIONS = sorted(neat.aggregations.AggregationFunctionSet().functions)

BASE: dict[str, dict[str, Any]] = {
    "NEAT": {
        "fitness_criterion": "max",
        "fitness_threshold": 1.0,
        "pop_size": 10,
        "reset_on_extinction": False,
        "no_fitness_termination": False,
    },
    "DefaultGenome": {
        "activation_default": "random",
        "activation_mutate_rate": 1.0,
        "activation_options": " ".join(ACTIVATIONS),
        "aggregation_default": "random",
        "aggregation_mutate_rate": 1.0,
        "aggregation_options": " ".join(AGGREGATIONS),
        "bias_init_mean": 0.0,
        "bias_init_stdev": 1.0,
        "bias_init_type": "gaussian",
        "bias_max_value": 5.0,
        "bias_min_value": -5.0,
        "bias_mutate_power": 1.0,
        "bias_mutate_rate": 0.8,
        "bias_replace_rate": 0.1,
        "compatibility_disjoint_coefficient": 1.0,
        "compatibility_weight_coefficient": 0.5,
        "conn_add_prob": 0.8,
        "conn_delete_prob": 0.3,
        "enabled_default": True,
        "enabled_mutate_rate": 0.2,
        "enabled_rate_to_true_add": 0.0,
        "enabled_rate_to_false_add": 0.0,
        "feed_forward": True,
        "initial_connection": "partial_nodirect 0.5",
        "node_add_prob": 0.6,
        "node_delete_prob": 0.2,
        "num_hidden": 2,
        "num_inputs": 3,
        "num_outputs": 2,
        "response_init_mean": 1.0,
        "response_init_stdev": 0.5,
        "response_init_type": "gaussian",
        "response_max_value": 3.0,
        "response_min_value": -3.0,
        "response_mutate_power": 0.5,
        "response_mutate_rate": 0.5,
        "response_replace_rate": 0.1,
        "weight_init_mean": 0.0,
        "weight_init_stdev": 1.0,
        "weight_init_type": "gaussian",
        "weight_max_value": 5,
        "weight_min_value": -5,
        "weight_mutate_power": 1.0,
        "weight_mutate_rate": 0.8,
        "weight_replace_rate": 0.1,
    },
    "DefaultSpeciesSet": {"compatibility_threshold": 3.0},
    "DefaultStagnation": {
        "species_fitness_func": "max",
        "max_stagnation": 20,
        "species_elitism": 2,
    },
    "DefaultReproduction": {"elitism": 2, "survival_threshold": 0.2, "min_species_size": 2},
}


def ini_text(
    overrides: Mapping[str, Mapping[str, Any]] | None = None,
    drop: Mapping[str, list[str]] | None = None,
) -> str:
    """The base INI with ``overrides[section][key] = value`` applied and ``drop`` keys removed."""
    lines = []
    for section, values in BASE.items():
        merged = {**values, **(overrides or {}).get(section, {})}
        for key in (drop or {}).get(section, []):
            merged.pop(key, None)
        lines.append(f"[{section}]")
        lines += [f"{k} = {v}" for k, v in merged.items()]
        lines.append("")
    return "\n".join(lines)


def neat_config(
    directory: str | pathlib.Path | None = None,
    overrides: Mapping[str, Mapping[str, Any]] | None = None,
    *,
    drop: Mapping[str, list[str]] | None = None,
    name: str = "test.ini",
) -> neat.Config:
    """A ``neat.Config`` (default types) from :func:`ini_text`; the file is written to
    ``directory`` (a temporary one when ``None``)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = pathlib.Path(directory or tmp) / name
        path.write_text(ini_text(overrides, drop))
        return neat.Config(
            neat.DefaultGenome,
            neat.DefaultReproduction,
            neat.DefaultSpeciesSet,
            neat.DefaultStagnation,
            str(path),
        )
