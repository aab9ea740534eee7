"""``obs_norm="auto"``: the ranges come from the environment classes, checked against
gymnasium's observation spaces where those are finite, and map onto [-1, 1]."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from neuroevo import envs
from neuroevo.errors import TaskError
from neuroevo.tasks.control import Control
from neuroevo.tasks.normalize import bounded_environments, known_bounds, observation_bounds

gym = pytest.importorskip("gymnasium")

# the table tasks/normalize.py held before the ranges moved onto the classes
BEFORE = {
    "CartPole-v1": ((-2.4, -3.0, -0.2095, -3.5), (2.4, 3.0, 0.2095, 3.5)),
    "Acrobot-v1": (
        (-1, -1, -1, -1, -4 * math.pi, -9 * math.pi),
        (1, 1, 1, 1, 4 * math.pi, 9 * math.pi),
    ),
    "MountainCar-v0": ((-1.2, -0.07), (0.6, 0.07)),
    "MountainCarContinuous-v0": ((-1.2, -0.07), (0.6, 0.07)),
    "Pendulum-v1": ((-1.0, -1.0, -8.0), (1.0, 1.0, 8.0)),
    "DoublePole-v0": ((-1.0,) * 6, (1.0,) * 6),
    "DoublePoleNV-v0": ((-1.0,) * 3, (1.0,) * 3),
}


def test_every_torch_environment_has_the_ranges_it_had():
    assert sorted(bounded_environments()) == sorted(BEFORE)
    for name, (low, high) in BEFORE.items():
        cls = envs.env_class(name)
        assert cls.observation_bounds == (low, high), name
        assert len(low) == len(high) == cls.observation_size, name


@pytest.mark.parametrize("name", ["Acrobot-v1", "MountainCar-v0", "Pendulum-v1"])
def test_ranges_are_gymnasiums_where_finite(name):
    space = gym.make(name).observation_space
    low, high = known_bounds(name)
    np.testing.assert_allclose(low, space.low, rtol=1e-6)
    np.testing.assert_allclose(high, space.high, rtol=1e-6)


def test_cartpole_positions_are_the_termination_limits():
    space = gym.make("CartPole-v1").observation_space  # twice the termination limits
    low, high = known_bounds("cartpole")  # the task's short name too
    assert high[0] == pytest.approx(space.high[0] / 2)
    assert high[2] == pytest.approx(space.high[2] / 2, abs=1e-4)
    assert low == tuple(-h for h in high)


def test_auto_maps_the_class_ranges_onto_minus_one_one():
    low, high = observation_bounds("Pendulum-v1", "auto", 3)
    assert low.tolist() == [-1.0, -1.0, -8.0] and high.tolist() == [1.0, 1.0, 8.0]
    task = Control("Pendulum-v1", obs_norm="auto")
    observer = task.observations.observer(torch.device("cpu"), torch.float64)
    obs = torch.tensor([[-1.0, 1.0, -8.0], [0.0, 0.0, 4.0]], dtype=torch.float64)
    assert observer(obs).tolist() == [[-1.0, 1.0, -1.0], [0.0, 0.0, 0.5]]


def test_auto_without_known_ranges_names_the_known_ones():
    assert known_bounds("gym:CartPole-v1") is None
    with pytest.raises(
        TaskError, match=r"no known observation ranges for 'gym:Acrobot-v1'.*Pendulum-v1"
    ):
        observation_bounds("gym:Acrobot-v1", "auto", 6)
