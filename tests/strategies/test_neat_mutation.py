"""neuroevo.strategies.neat.mutation against neat-python's own attribute operators.

The scalar operators must draw the same numbers as ``neat.attributes``' ``mutate_value``
(FastGenome's offspring equal DefaultGenome's); the vectorised ones must follow the same
distributions; the settings must be the config's values, re-read when the config changes.
"""

from __future__ import annotations

import random

import numpy as np
import pytest
from neat.genes import DefaultConnectionGene, DefaultNodeGene
from scipy.stats import ks_2samp

from neuroevo.strategies.neat.mutation import (
    MutationSettings,
    mutate_bool,
    mutate_bools,
    mutate_choice,
    mutate_choices,
    mutate_float,
    mutate_floats,
)
from tests.neat_ini import neat_config

WEIGHT, ENABLED = DefaultConnectionGene._gene_attributes
BIAS, RESPONSE, ACTIVATION, AGGREGATION, TIME_CONSTANT = DefaultNodeGene._gene_attributes
# every path: perturb, replace (gaussian and uniform init), clamping, bool adds, options
OVERRIDES = {
    "DefaultGenome": {
        "weight_mutate_rate": 0.5,
        "weight_replace_rate": 0.3,
        "weight_mutate_power": 3.0,
        "weight_max_value": 2.0,
        "weight_min_value": -1.0,
        "bias_init_type": "uniform",
        "bias_replace_rate": 0.4,
        "bias_mutate_rate": 0.3,
        "enabled_mutate_rate": 0.1,
        "enabled_rate_to_true_add": 0.4,
        "enabled_rate_to_false_add": 0.2,
        "activation_mutate_rate": 0.5,
        "activation_options": "sigmoid tanh relu",
    }
}


@pytest.fixture(scope="module")
def gc():
    return neat_config(overrides=OVERRIDES).genome_config


def test_settings_are_the_configs_values(gc):
    s = MutationSettings.of(gc)
    for attr, got in (
        (WEIGHT, s.weight),
        (BIAS, s.bias),
        (RESPONSE, s.response),
        (TIME_CONSTANT, s.time_constant),
    ):
        for field in (
            "mutate_rate",
            "replace_rate",
            "mutate_power",
            "min_value",
            "max_value",
            "init_mean",
            "init_stdev",
        ):
            assert getattr(got, field) == getattr(gc, getattr(attr, field + "_name")), field
    assert s.bias.uniform and not s.weight.uniform
    assert (s.enabled.mutate_rate, s.enabled.rate_to_true_add, s.enabled.rate_to_false_add) == (
        gc.enabled_mutate_rate,
        gc.enabled_rate_to_true_add,
        gc.enabled_rate_to_false_add,
    )
    assert s.activation.options == tuple(gc.activation_options)
    assert (s.node_add_prob, s.conn_delete_prob) == (gc.node_add_prob, gc.conn_delete_prob)
    # DefaultGenome.mutate tests it for truth; left out of the INI it is the string 'false'
    # (neat-python 2.0's ConfigParameter default), which is true: neat-python's behaviour.
    assert gc.single_structural_mutation == "false" and s.single_structural_mutation is True


def test_settings_are_cached_per_config_and_follow_changes():
    gc = neat_config(overrides=OVERRIDES).genome_config
    other = neat_config().genome_config
    s = MutationSettings.of(gc)
    assert MutationSettings.of(gc) is s  # read once while nothing changes
    assert (
        MutationSettings.of(other).weight.mutate_rate
        == other.weight_mutate_rate
        != s.weight.mutate_rate
    )  # each config its own
    gc.weight_mutate_rate = 0.05
    assert MutationSettings.of(gc).weight.mutate_rate == 0.05
    gc.activation_options.append("sin")  # a list changed in place
    assert MutationSettings.of(gc).activation.options[-1] == "sin"


def _draws(fn, values, seed):
    random.seed(seed)
    out = [fn(v) for v in values]
    return out, random.getstate()


@pytest.mark.parametrize("attr,name", [(WEIGHT, "weight"), (BIAS, "bias"), (RESPONSE, "response")])
def test_scalar_float_mutation_draws_what_neat_python_draws(gc, attr, name):
    s = getattr(MutationSettings.of(gc), name)
    values = [random.Random(1).uniform(-3, 3) for _ in range(2000)]
    ref = _draws(lambda v: attr.mutate_value(v, gc), values, 7)
    assert _draws(lambda v: mutate_float(v, s), values, 7) == ref
    assert sum(a != b for a, b in zip(ref[0], values)) > 500  # it did mutate


def test_scalar_bool_and_choice_mutation_draw_what_neat_python_draws(gc):
    s = MutationSettings.of(gc)
    flags = [bool(i % 3) for i in range(3000)]
    assert _draws(lambda v: mutate_bool(v, s.enabled), flags, 3) == _draws(
        lambda v: ENABLED.mutate_value(v, gc), flags, 3
    )
    names = ["sigmoid", "relu", "tanh"] * 500
    ref = _draws(lambda v: ACTIVATION.mutate_value(v, gc), names, 4)
    assert _draws(lambda v: mutate_choice(v, s.activation), names, 4) == ref
    assert set(ref[0]) == {"sigmoid", "tanh", "relu"}


@pytest.mark.parametrize("attr,name", [(WEIGHT, "weight"), (BIAS, "bias")])
def test_vectorised_floats_follow_neat_pythons_distribution(gc, attr, name):
    s = getattr(MutationSettings.of(gc), name)
    start = np.full(20000, 0.7)
    random.seed(0)
    ref = np.array([attr.mutate_value(v, gc) for v in start])
    got = mutate_floats(start, s, np.random.default_rng(0))
    assert ks_2samp(ref, got).pvalue > 1e-3
    assert got.min() >= s.min_value and got.max() <= s.max_value
    unchanged = np.mean(got == 0.7)
    rate = s.mutate_rate + s.replace_rate
    assert abs(unchanged - (1 - rate)) < 5 * np.sqrt(rate * (1 - rate) / len(start))


def test_vectorised_bools_and_choices_follow_neat_pythons_rates(gc):
    s = MutationSettings.of(gc)
    rng = np.random.default_rng(1)
    n = 40000
    for start, add in ((True, s.enabled.rate_to_false_add), (False, s.enabled.rate_to_true_add)):
        random.seed(2)
        ref = np.mean([ENABLED.mutate_value(start, gc) != start for _ in range(n)])
        got = np.mean(mutate_bools(np.full(n, start), s.enabled, rng) != start)
        p = (s.enabled.mutate_rate + add) / 2  # a coin flip: half keep the value
        for frac in (ref, got):
            assert abs(frac - p) < 5 * np.sqrt(p * (1 - p) / n), (start, ref, got)
    codes = mutate_choices(np.zeros(n, dtype=np.int64), s.activation, np.arange(3), rng)
    p = s.activation.mutate_rate * 2 / 3  # changed: hit and another option
    assert abs(np.mean(codes != 0) - p) < 5 * np.sqrt(p * (1 - p) / n)


def test_choice_codes_name_the_attribute_when_a_value_is_not_an_option(gc):
    from neuroevo.errors import ConfigError

    s = MutationSettings.of(gc).activation
    assert [s.code(v) for v in ("sigmoid", "tanh", "relu")] == [0, 1, 2]
    with pytest.raises(ConfigError, match="activation = 'gauss'.*activation_options"):
        s.code("gauss")
