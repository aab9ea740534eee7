"""The one hyperparameter validator: every field of every params dataclass is checked on its
own, and the error names that field, its bad value and the allowed range."""

from __future__ import annotations

import dataclasses

import pytest

import neuroevo as ne
from neuroevo.errors import ConfigError, StrategyError
from neuroevo.run import registry
from neuroevo.strategies.annealing import SAParams
from neuroevo.strategies.ga import GAParams
from neuroevo.strategies.gradient import GradientParams
from neuroevo.strategies.hyperparams import Allowed, allowed_values, check
from neuroevo.strategies.pso import PSOParams

#: (params class, field) -> a bad value and the words the error must show for the range
BAD = {
    (GAParams, "selection"): ("roulette", "'tournament' or 'truncation'"),
    (GAParams, "tournament_size"): (0, "an integer >= 1"),
    (GAParams, "truncation_fraction"): (0.0, "a number in (0, 1]"),
    (GAParams, "crossover"): ("two_point", "'uniform', 'one_point' or 'none'"),
    (GAParams, "crossover_rate"): (1.5, "a number in [0, 1]"),
    (GAParams, "mutation_rate"): (-0.1, "a number in [0, 1] or None (1/num_params)"),
    (GAParams, "mutation_sigma"): (-1.0, "a number >= 0"),
    (GAParams, "elite"): (1.5, "an integer >= 0"),
    (PSOParams, "w"): ("fast", "a number"),
    (PSOParams, "c1"): (-0.5, "a number >= 0"),
    (PSOParams, "c2"): (-0.25, "a number >= 0"),
    (PSOParams, "topology"): ("star", "'global' or 'ring'"),
    (PSOParams, "neighbors"): (0, "an integer >= 1"),
    (PSOParams, "velocity_clamp"): (0.0, "a number > 0 or None (no clamping)"),
    (SAParams, "sigma"): (0.0, "a number > 0"),
    (SAParams, "t0"): (-1.0, "a number > 0"),
    (SAParams, "schedule"): ("boltzmann", "'exponential', 'linear' or 'logarithmic'"),
    (SAParams, "alpha"): (1.0, "a number in (0, 1)"),
    (SAParams, "linear_steps"): (0, "an integer >= 1"),
    (SAParams, "t_min"): (0.0, "a number > 0"),
    (SAParams, "restart_after"): (0, "an integer >= 1 or None (never)"),
    (SAParams, "restart_from"): ("worst", "'best' or 'random'"),
    (SAParams, "adapt_every"): (2.5, "an integer >= 1 or None (fixed sigma)"),
    (SAParams, "adapt_c"): (0.0, "a number > 0"),
    (GradientParams, "optimizer"): ("rmsprop", "'adam' or 'sgd'"),
    (GradientParams, "lr"): (0.0, "a number > 0"),
    (GradientParams, "momentum"): (-0.9, "a number >= 0"),
    (GradientParams, "weight_decay"): (-0.01, "a number >= 0"),
    (GradientParams, "l1"): (-0.001, "a number >= 0"),
    (GradientParams, "dropout"): (1.0, "a number in [0, 1)"),
    (GradientParams, "grad_noise"): (-0.3, "a number >= 0"),
    (GradientParams, "grad_noise_gamma"): (-0.55, "a number >= 0"),
    (GradientParams, "batch_size"): (0, "an integer >= 1 or None (full batch)"),
    (GradientParams, "patience"): (True, "an integer >= 1 or None (never stop)"),
    (GradientParams, "min_delta"): (float("nan"), "a number"),
    (GradientParams, "validation_fraction"): (1.0, "a number in [0, 1)"),
}
CLASSES = (GAParams, PSOParams, SAParams, GradientParams)


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_every_field_of_every_params_class_declares_its_range(cls):
    for f in dataclasses.fields(cls):
        assert allowed_values(f) is not None, f"{cls.__name__}.{f.name} has no rule"
        assert (cls, f.name) in BAD, f"no bad value for {cls.__name__}.{f.name} in this test"
    cls()  # the defaults are valid


@pytest.mark.parametrize("key", list(BAD), ids=lambda k: f"{k[0].__name__}.{k[1]}")
def test_bad_value_names_its_own_field_value_and_range(key):
    cls, field = key
    bad, allowed = BAD[key]
    with pytest.raises(StrategyError) as info:
        cls(**{field: bad})
    assert str(info.value) == f"{cls.__name__}.{field} must be {allowed}, got {bad!r}"


def test_several_fields_together_each_report_their_own_value():
    """PSO checked c1 and c2 together and reported c1's value when c2 was bad; the gradient
    params did the same for weight_decay/l1 (under momentum) and grad_noise_gamma."""
    with pytest.raises(StrategyError, match=r"^PSOParams\.c2 must be a number >= 0, got -0\.25$"):
        PSOParams(c1=1.0, c2=-0.25)
    with pytest.raises(StrategyError, match=r"^GradientParams\.weight_decay .* got -0\.01$"):
        GradientParams(momentum=0.9, weight_decay=-0.01)
    with pytest.raises(StrategyError, match=r"^GradientParams\.l1 .* got -0\.5$"):
        GradientParams(momentum=0.5, l1=-0.5)
    with pytest.raises(StrategyError, match=r"^GradientParams\.grad_noise_gamma .* got -0\.55$"):
        GradientParams(grad_noise=0.3, grad_noise_gamma=-0.55)


def test_single_values_use_the_same_rules():
    check(3, Allowed(integer=True, ge=1), "restarts")
    with pytest.raises(StrategyError, match=r"^restarts must be an integer >= 1, got 0$"):
        ne.GradientDescent(ne.MLP(2, [4], 1), task=ne.tasks.XOR(), restarts=0)
    with pytest.raises(StrategyError, match=r"^pop_size must be an integer >= 2, got True$"):
        ne.PSO(num_params=2, pop_size=True)
    with pytest.raises(StrategyError, match=r"^init_std must be a number > 0, got -1\.0$"):
        ne.SimulatedAnnealing(num_params=2, init_std=-1.0)


@pytest.mark.parametrize(
    "name,table,words",
    [
        ("adam", {"lr": -1.0}, "GradientParams.lr must be a number > 0, got -1.0"),
        ("sgd", {"momentum": -0.5}, "GradientParams.momentum must be a number >= 0, got -0.5"),
        ("adam", {"epochs": 3}, "unknown keys ['epochs']"),
        ("sgd", {"hidden": 8}, "hidden must be a list of layer sizes, got 8"),
        ("pso", {"c2": -1}, "PSOParams.c2 must be a number >= 0, got -1"),
        ("sa", {"restart_after": 0}, "SAParams.restart_after must be an integer >= 1 or None"),
        ("ga", {"pop_size": 1}, "pop_size must be an integer >= 2, got 1"),
    ],
)
def test_experiment_file_errors_name_the_strategy_the_file_names(name, table, words):
    """The gradient strategies said "[strategy] gradient" whatever the file said."""
    with pytest.raises(ConfigError) as info:
        registry.make_strategy(name, table, task=ne.tasks.XOR(), base_dir=".")
    assert str(info.value).startswith(f"[strategy] {name}: "), str(info.value)
    assert words in str(info.value)
