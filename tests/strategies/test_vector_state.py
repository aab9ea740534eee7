"""The typed state of the vector strategies: frozen dataclasses, checkpoints derived from their
fields, no use of torch's global generator, and the declared ``done``."""

from __future__ import annotations

import dataclasses

import pytest
import torch

import neuroevo as ne
from neuroevo.errors import CheckpointError
from neuroevo.strategies.base import Strategy
from neuroevo.testfunctions import FUNCTIONS

SPHERE = FUNCTIONS["sphere"][0]
X = torch.randn(12, 3, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
Y = torch.sin(X.sum(1, keepdim=True))


def _raw(cls):
    return (
        cls(num_params=4, pop_size=6, restart_after=2)
        if cls is ne.SimulatedAnnealing
        else cls(num_params=4, pop_size=6)
    )


def _gradient(**kw):
    return ne.GradientDescent(
        ne.MLP(3, [4], 1),
        inputs=X,
        targets=Y,
        loss="mse",
        restarts=3,
        reset_module=True,
        batch_size=4,
        grad_noise=0.01,
        dropout=0.1,
        **kw,
    )


def _run(strategy, seed, generations=4):
    if isinstance(strategy, ne.GradientDescent):
        strategy.setup(
            num_inputs=3, num_outputs=1, seed=seed, device=torch.device("cpu"), dtype=torch.float64
        )
    else:
        strategy.initialize(seed=seed, dtype=torch.float64)
    for _ in range(generations):
        strategy.tell(-SPHERE(strategy.ask_params()))
    return strategy


MAKERS = {
    "ga": lambda: _raw(ne.GA),
    "pso": lambda: _raw(ne.PSO),
    "sa": lambda: _raw(ne.SimulatedAnnealing),
    "adam": _gradient,
}


@pytest.mark.parametrize("name", sorted(MAKERS))
def test_state_is_a_frozen_dataclass_and_the_checkpoint_lists_its_fields(name):
    s = _run(MAKERS[name](), seed=0)
    assert dataclasses.is_dataclass(s.state)
    first = dataclasses.fields(s.state)[0].name
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(s.state, first, None)
    saved = s.state_dict()["state"]
    assert list(saved) == [f.name for f in dataclasses.fields(s.state)]
    for f in dataclasses.fields(s.state):
        value = getattr(s.state, f.name)
        if isinstance(value, torch.Tensor):
            assert torch.equal(saved[f.name], value) and saved[f.name] is not value
        else:
            assert saved[f.name] == value


@pytest.mark.parametrize("name", sorted(MAKERS))
def test_load_state_dict_refuses_a_missing_field_or_a_wrong_shape(name):
    s = _run(MAKERS[name](), seed=0)
    state = s.state_dict()
    first = next(iter(state["state"]))
    short = {**state, "state": {k: v for k, v in state["state"].items() if k != first}}
    with pytest.raises(CheckpointError, match=f"do not match .*'{first}'"):
        _run(MAKERS[name](), seed=1).load_state_dict(short)
    other = dict(state["state"])
    tensor = next(k for k, v in other.items() if isinstance(v, torch.Tensor))
    other[tensor] = torch.zeros(7, *other[tensor].shape[1:])
    with pytest.raises(
        CheckpointError,
        match=rf"strategy\.state\.{tensor}: expected a .*tensor "
        rf"of shape .*, got a .* tensor of shape \(7,",
    ):
        _run(MAKERS[name](), seed=1).load_state_dict({**state, "state": other})
    stale = {k: v for k, v in state.items() if k != "candidates"}
    with pytest.raises(CheckpointError, match=r"lacks \['candidates'\]"):
        _run(MAKERS[name](), seed=1).load_state_dict(stale)


@pytest.mark.parametrize("name", sorted(MAKERS))
def test_checkpoint_resumes_exactly(name):
    a = _run(MAKERS[name](), seed=3)
    saved = a.state_dict()
    for _ in range(3):
        a.tell(-SPHERE(a.ask_params()))
    b = _run(MAKERS[name](), seed=99, generations=0)
    b.load_state_dict(saved)
    for _ in range(3):
        b.tell(-SPHERE(b.ask_params()))
    assert torch.equal(a.ask_params(), b.ask_params())
    assert a.best_fitness == b.best_fitness and a.generation == b.generation == 7


@pytest.mark.parametrize("name", sorted(MAKERS))
def test_seed_none_draws_fresh_entropy_and_leaves_the_global_generator_alone(name):
    fresh = [MAKERS[name](), MAKERS[name]()]  # (building an MLP draws from the global generator)
    torch.manual_seed(1234)
    before = torch.random.get_rng_state()
    a, b = (_run(s, seed=None) for s in fresh)
    assert torch.equal(torch.random.get_rng_state(), before)
    assert not torch.equal(a.ask_params(), b.ask_params())  # two unseeded runs differ


def test_ask_draws_nothing_so_it_may_be_called_again():
    pso = _run(ne.PSO(num_params=3, pop_size=5), seed=0, generations=2)
    g = pso.generator.get_state()
    assert torch.equal(pso.ask_params(), pso.ask_params())
    assert torch.equal(g, pso.generator.get_state())


def test_done_is_declared_false_by_default_and_ends_gradient_runs():
    class Minimal(Strategy):
        def setup(self, **kw): ...
        def ask(self): ...
        def tell(self, fitness): ...

    assert Minimal().done is False and ne.GA(num_params=2).done is False
    const = lambda out, y: (out * 0).sum((1, 2)) + 1.0  # noqa: E731 - never improves
    gd = ne.GradientDescent(
        ne.MLP(2, [4], 1), task=ne.tasks.XOR(), loss=const, restarts=2, optimizer="sgd", patience=3
    )
    assert gd.done is False
    result = ne.evolve(
        gd, ne.tasks.XOR(), generations=50, seed=0, device="cpu", stop_on_solve=False
    )
    assert gd.done is True
    assert result.generations == 4  # epoch 1 sets the best; 2-4 do not improve; then stop
