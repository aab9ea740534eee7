"""The double pole's state, observation and action names match what the columns are.

Checked against the physics, not the code's own tables: each "_dot" column is the time
derivative of the column it names (Wieland's equations), the long pole (theta1) is the one
NEAT tilts by 0.07 rad at the start, the track and pole limits fail on the named columns,
and the observed columns are the named state columns scaled as in NEAT.
"""

from __future__ import annotations

import math

import torch

from neuroevo.envs import env_class
from neuroevo.envs.double_pole import DoublePole, DoublePoleNV, derivatives

F64 = torch.float64
LABELS = ("x", "x_dot", "theta1", "theta1_dot", "theta2", "theta2_dot")


def _col(name):
    return DoublePole.state_labels.index(name)


def test_state_labels_are_the_derivative_layout():
    assert DoublePole.state_labels == LABELS
    assert env_class("DoublePoleNV-v0").state_labels == LABELS
    g = torch.Generator().manual_seed(0)
    state = (torch.rand(16, 6, generator=g, dtype=F64) - 0.5) * 0.4
    d = derivatives(state, torch.zeros(16, dtype=F64))
    for q in ("x", "theta1", "theta2"):
        assert torch.equal(d[:, _col(q)], state[:, _col(f"{q}_dot")]), q


def test_theta1_is_the_long_pole_tilted_at_the_start():
    env = DoublePole(1, dtype=F64, seed=0)
    env.reset(seed=0)
    start = dict(zip(DoublePole.state_labels, env.state[0].tolist()))
    assert start == {
        "x": 0.0,
        "x_dot": 0.0,
        "theta1": 0.07,
        "theta1_dot": 0.0,
        "theta2": 0.0,
        "theta2_dot": 0.0,
    }
    # unpushed, the tilted pole falls the way it leans, with the angular acceleration of a
    # pole of half-length 0.5 m: about 3 g sin(theta) / (4 l) = 1.03 rad/s^2 (a 0.05 m
    # pole would turn ten times faster)
    accel = derivatives(env.state, torch.zeros(1, dtype=F64))[0, _col("theta1_dot")].item()
    assert 0.5 * 1.03 < accel < 2 * 1.03


def test_limits_fail_on_the_named_columns():
    env = DoublePole(3, dtype=F64, seed=0)
    env.reset(seed=0)
    state = torch.zeros(3, 6, dtype=F64)
    state[0, _col("x")] = 2.5
    state[1, _col("theta2")] = math.radians(37)
    state[2, _col("x_dot")] = 2.5  # a fast cart inside the track is fine
    assert env._terminated(state).tolist() == [True, True, False]


def test_observation_labels_name_the_observed_state_columns():
    scale = {
        "x": 4.8,
        "x_dot": 2.0,
        "theta1": 0.52,
        "theta1_dot": 2.0,
        "theta2": 0.52,
        "theta2_dot": 2.0,
    }  # NEAT's input scaling
    for cls in (DoublePole, DoublePoleNV):
        env = cls(2, dtype=F64, seed=0, initial_states=[[0.3, -0.2, 0.05, 0.1, -0.02, 0.4]])
        obs, _ = env.reset(seed=0)
        assert len(cls.observation_labels) == cls.observation_size
        for j, name in enumerate(cls.observation_labels):
            expected = env.state[:, _col(name)] / scale[name]
            assert torch.allclose(obs[:, j], expected), (cls.name, name)
    assert DoublePoleNV.observation_labels == ("x", "theta1", "theta2")
    assert DoublePole.action_labels == ("force",) and DoublePole.action_size == 1
