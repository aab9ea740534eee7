"""ParameterPolicy: P modules in one vmapped call equal P ordinary modules."""

from __future__ import annotations

import copy

import pytest
import torch

import neuroevo as ne
from neuroevo.compile.params import (
    ParameterPolicy,
    flatten_parameters,
    load_flat_parameters,
    reset_parameters,
)
from neuroevo.errors import StrategyError, TaskError


def _population(module, P, seed=0):
    g = torch.Generator().manual_seed(seed)
    theta = flatten_parameters(module)
    return theta + torch.randn(P, theta.numel(), generator=g, dtype=theta.dtype)


def _reference(module, pop, x):
    """Each candidate loaded into an ordinary copy with torch's vector_to_parameters."""
    outs = []
    for row in pop:
        m = copy.deepcopy(module)
        torch.nn.utils.vector_to_parameters(row, m.parameters())
        outs.append(m(x if x.dim() == 2 else x[len(outs)]))
    return torch.stack(outs)


def test_shared_and_per_candidate_inputs_equal_ordinary_modules():
    net = ne.MLP(3, [6, 4], 2)
    pop = _population(net, 5)
    policy = ParameterPolicy(net, pop)
    x = torch.randn(7, 3)
    torch.testing.assert_close(policy(x), _reference(net, pop, x))
    xp = torch.randn(5, 7, 3)
    torch.testing.assert_close(policy(xp), _reference(net, pop, xp))
    assert policy(x).shape == (5, 7, 2)


def test_any_module_with_explicit_sizes_and_chunking():
    net = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Sigmoid(), torch.nn.Linear(3, 1))
    pop = _population(net, 9, seed=1)
    with pytest.raises(StrategyError, match="num_inputs"):
        ParameterPolicy(net, pop)
    policy = ParameterPolicy(net, pop, num_inputs=2, num_outputs=1, chunk_size=4)
    x = torch.randn(5, 2)
    torch.testing.assert_close(policy(x), _reference(net, pop, x))


def test_flatten_load_round_trip_and_layout_matches_torch():
    net = ne.MLP(2, [3], 1)
    flat = flatten_parameters(net)
    torch.testing.assert_close(flat, torch.nn.utils.parameters_to_vector(net.parameters()))
    other = ne.MLP(2, [3], 1)
    load_flat_parameters(other, flat)
    for a, b in zip(net.parameters(), other.parameters()):
        assert torch.equal(a, b)


def test_reset_parameters_is_seeded_and_leaves_global_rng_alone():
    net = ne.MLP(2, [4], 1)
    state = torch.get_rng_state()
    a = flatten_parameters(reset_parameters(copy.deepcopy(net), 7))
    b = flatten_parameters(reset_parameters(copy.deepcopy(net), 7))
    c = flatten_parameters(reset_parameters(copy.deepcopy(net), 8))
    assert torch.equal(a, b) and not torch.equal(a, c)
    assert torch.equal(state, torch.get_rng_state())


def test_bad_shapes_raise():
    net = ne.MLP(2, [3], 1)
    with pytest.raises(StrategyError, match=r"\[P, 13\]"):
        ParameterPolicy(net, torch.zeros(4, 12))
    policy = ParameterPolicy(net, torch.zeros(4, 13))
    with pytest.raises(TaskError, match="expects inputs"):
        policy(torch.zeros(5, 3))
    with pytest.raises(TaskError, match="4 candidates"):
        policy(torch.zeros(3, 5, 2))


@pytest.mark.parametrize("name", ["GA", "PSO", "SimulatedAnnealing"])
@pytest.mark.parametrize("given", ["config", "ini path", "number"])
def test_vector_strategies_given_no_module_say_what_they_take(name, given):
    """A neat-python config (or its INI path) where the module goes is one StrategyError
    naming what the strategy takes and pointing NEAT configs to ne.NEAT."""
    import neuroevo as ne
    from neuroevo.errors import StrategyError

    value = {
        "config": ne.load_config("configs/xor.ini"),
        "ini path": "configs/xor.ini",
        "number": 3,
    }[given]
    with pytest.raises(StrategyError) as info:
        getattr(ne, name)(value, pop_size=8)
    text = str(info.value)
    assert text.startswith(f"{name}: expected a torch.nn.Module") and "\n" not in text
    assert ("neuroevo.NEAT(config)" in text) == (given != "number")


def test_gradient_descent_given_a_config_says_what_it_takes():
    import neuroevo as ne
    from neuroevo.errors import StrategyError

    with pytest.raises(StrategyError, match="GradientDescent: expected a torch.nn.Module"):
        ne.GradientDescent(ne.load_config("configs/xor.ini"), task=ne.tasks.XOR())
