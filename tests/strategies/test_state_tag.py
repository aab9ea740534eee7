"""The one tag key of strategy states: every strategy writes its name under ``"strategy"``; a
state of another strategy, or without a tag, is refused in one line; the vector strategies'
states of before (``"name"``) still load, and continue as the state they were saved from."""

from __future__ import annotations

import pytest
import torch

from neuroevo.errors import CheckpointError
from neuroevo.strategies.state_tag import TAG, checked_tag
from tests.strategies.test_vector_state import MAKERS, SPHERE, _run


def test_a_state_of_the_strategy_comes_back_as_it_is():
    state = {TAG: "ga", "generation": 3}
    assert checked_tag(state, "ga", "strategy") is state


@pytest.mark.parametrize(
    "state, words",
    [
        (5, "strategy: expected an object, got 5"),
        ({"generation": 3}, "strategy: missing field 'strategy' (the strategy's name)"),
        ({TAG: "pso"}, "strategy.strategy: the checkpoint is of strategy 'pso', not 'ga'"),
        ({TAG: torch.zeros(2)}, "of strategy a float32 tensor of shape (2,), not 'ga'"),
        ({"name": "ga"}, "missing field 'strategy'"),  # the old key only where allowed
    ],
)
def test_anything_else_is_one_line_naming_the_field(state, words):
    with pytest.raises(CheckpointError) as e:
        checked_tag(state, "ga", "strategy")
    assert words in str(e.value) and "\n" not in str(e.value)


def test_the_old_key_is_read_where_a_strategy_wrote_it():
    assert checked_tag({"name": "ga", "x": 1}, "ga", "w", legacy="name") == {TAG: "ga", "x": 1}
    with pytest.raises(CheckpointError, match="of strategy 'pso', not 'ga'"):
        checked_tag({"name": "pso"}, "ga", "w", legacy="name")


@pytest.mark.parametrize("name", sorted(MAKERS))
def test_a_vector_state_of_before_continues_as_the_state_it_was(name):
    a = _run(MAKERS[name](), seed=3)
    state = a.state_dict()
    assert state[TAG] == a.name and "name" not in state
    old = {("name" if k == TAG else k): v for k, v in state.items()}
    b = _run(MAKERS[name](), seed=99, generations=0)
    b.load_state_dict(old)
    for s in (a, b):
        for _ in range(3):
            s.tell(-SPHERE(s.ask_params()))
    assert torch.equal(a.ask_params(), b.ask_params()) and a.best_fitness == b.best_fitness
    other = next(MAKERS[n]() for n in sorted(MAKERS) if MAKERS[n]().name != a.name)
    with pytest.raises(CheckpointError, match=f"of strategy {a.name!r}, not {other.name!r}"):
        _run(other, seed=1, generations=0).load_state_dict(state)
