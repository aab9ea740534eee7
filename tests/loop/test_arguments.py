"""evolve() names the fix for the common mistakes before anything runs (issue 10)."""

from __future__ import annotations

import numpy as np
import pytest

import neuroevo as ne
from neuroevo.errors import ConfigError, StrategyError, TaskError
from tests.loop.stubs import Climb, Score


@pytest.mark.parametrize("seed", ["abc", 1.5, True, [1], "1"])
def test_seed_that_is_not_an_integer(seed):
    task = Score()
    with pytest.raises(ConfigError, match=r"seed must be an integer or None, got .*seed=1"):
        ne.evolve(Climb(), task, generations=2, seed=seed, device="cpu")
    assert task.calls == 0  # refused before the first generation


def test_numpy_integer_seed_is_the_same_run_as_the_int():
    a = ne.evolve(Climb(), Score(), generations=2, seed=np.int64(7), device="cpu")
    task = Score()
    b = ne.evolve(Climb(), task, generations=2, seed=7, device="cpu")
    assert a.best_fitness == b.best_fitness == 2.0 and len(task.seeds) == 2


def test_task_class_instead_of_instance():
    with pytest.raises(
        TaskError,
        match=r"the task is the class Score, not an instance; "
        r"pass Score\(\.\.\.\)",
    ):
        ne.evolve(Climb(), Score, generations=2, seed=1, device="cpu")


def test_strategy_class_instead_of_instance():
    with pytest.raises(
        StrategyError,
        match=r"the strategy is the class Climb, not an instance; "
        r"pass Climb\(\.\.\.\) \(e.g. ne.NEAT\(config\)\)",
    ):
        ne.evolve(Climb, Score(), generations=2, seed=1, device="cpu")
    with pytest.raises(StrategyError, match="class PSO"):
        ne.evolve(ne.PSO, ne.tasks.XOR(), generations=2)


def test_task_and_strategy_swapped():
    with pytest.raises(StrategyError, match=r"pass the strategy first: evolve\(strategy, task"):
        ne.evolve(Score(), Climb(), generations=2, seed=1, device="cpu")


@pytest.mark.parametrize("generations", [-1, 2.0, "3", True])
def test_generations_that_is_not_a_count(generations):
    with pytest.raises(ConfigError, match="generations must be a non-negative integer"):
        ne.evolve(Climb(), Score(), generations=generations, seed=1, device="cpu")


def test_objects_without_the_methods_are_refused():
    with pytest.raises(TaskError, match=r"the task dict has no evaluate\(\)"):
        ne.evolve(Climb(), {"name": "xor"}, generations=2, seed=1, device="cpu")
    with pytest.raises(StrategyError, match=r"the strategy str has no ask/tell\(\)"):
        ne.evolve("neat", Score(), generations=2, seed=1, device="cpu")
