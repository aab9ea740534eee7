"""Observation and action names of the vectorized environments, read against gymnasium.

Each observation name is a state variable (``"theta_dot"``) or its cosine or sine
(``"cos theta1"``); computed from gymnasium's own ``state`` through the names, it must give
gymnasium's observation. Action names come one per action (discrete) or per action column.
"""

from __future__ import annotations

import math

import pytest

from neuroevo import envs

gym = pytest.importorskip("gymnasium")
GYM_IDS = ["CartPole-v1", "Acrobot-v1", "MountainCar-v0", "MountainCarContinuous-v0", "Pendulum-v1"]


@pytest.mark.parametrize("name", GYM_IDS)
def test_observation_labels_compute_gymnasiums_observation(name):
    cls = envs.env_class(name)
    env = gym.make(name)
    obs, _ = env.reset(seed=5)
    named = dict(zip(cls.state_labels, (float(v) for v in env.unwrapped.state)))
    expected = []
    for label in cls.observation_labels:
        fn, _, var = label.rpartition(" ")
        expected.append({"": lambda v: v, "cos": math.cos, "sin": math.sin}[fn](named[var]))
    assert [float(v) for v in obs] == pytest.approx(expected, abs=1e-6)


def test_every_registered_env_names_its_observations_and_actions():
    for name in envs.registered():
        cls = envs.env_class(name)
        labels = cls.observation_labels
        assert labels is not None and len(labels) == cls.observation_size, name
        count = cls.num_actions if cls.discrete else cls.action_size
        assert cls.action_labels is not None and len(cls.action_labels) == count, name


def test_discrete_action_names_follow_gymnasiums_meaning():
    # CartPole: 0 pushes the cart left; MountainCar: force 0.001 * (action - 1);
    # Acrobot: torque action - 1 (gymnasium's documentation of each environment)
    assert envs.env_class("CartPole-v1").action_labels == ("push left", "push right")
    assert envs.env_class("MountainCar-v0").action_labels == ("push left", "no push", "push right")
    assert envs.env_class("Acrobot-v1").action_labels == ("torque -1", "torque 0", "torque +1")
    env = gym.make("CartPole-v1")
    env.reset(seed=0)
    x_dot = env.unwrapped.state[1]
    env.step(0)
    assert env.unwrapped.state[1] < x_dot  # action 0 pushed left
