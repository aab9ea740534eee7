"""Episode plots name the state variables from the environment class (``state_labels``)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import torch

import neuroevo as ne
from neuroevo import envs
from neuroevo.reporting.episode import EpisodePlot

gym = pytest.importorskip("gymnasium")
CONFIGS = Path(__file__).resolve().parents[2] / "configs"

LABELLED = [
    "CartPole-v1",
    "Acrobot-v1",
    "MountainCar-v0",
    "MountainCarContinuous-v0",
    "Pendulum-v1",
]


@pytest.mark.parametrize("name", LABELLED)
def test_labels_follow_gymnasiums_state_layout(name):
    labels = envs.env_class(name).state_labels
    env = gym.make(name)
    obs, _ = env.reset(seed=3)
    state = [float(v) for v in env.unwrapped.state]
    assert len(labels) == len(state) == envs.env_class(name).state_size
    named = dict(zip(labels, state))
    # gymnasium's own observation function, read through the labels
    if name == "Acrobot-v1":  # obs = [cos t1, sin t1, cos t2, sin t2, t1_dot, t2_dot]
        expected = [
            math.cos(named["theta1"]),
            math.sin(named["theta1"]),
            math.cos(named["theta2"]),
            math.sin(named["theta2"]),
            named["theta1_dot"],
            named["theta2_dot"],
        ]
    elif name == "Pendulum-v1":  # obs = [cos theta, sin theta, theta_dot]
        expected = [math.cos(named["theta"]), math.sin(named["theta"]), named["theta_dot"]]
    else:  # the observation is the state
        expected = state
    assert [float(v) for v in obs] == pytest.approx(expected, abs=1e-6)


def test_every_registered_env_has_labels_or_none():
    for name in envs.registered():
        cls = envs.env_class(name)
        assert cls.state_labels is None or len(cls.state_labels) == cls.state_size, name


def test_episode_plot_passes_the_env_labels(tmp_path, monkeypatch):
    pytest.importorskip("matplotlib")
    import neuroevo.viz.plots as plots

    seen = {}

    def fake_plot_episode(states, *, labels=None, **kwargs):
        seen["labels"], seen["width"] = labels, states.shape[1]

    monkeypatch.setattr(plots, "plot_episode", fake_plot_episode)
    monkeypatch.setattr(plots, "plot_cartpole_frames", lambda *a, **k: seen.setdefault("frames", 1))
    cfg = ne.load_config(CONFIGS / "acrobot.ini")
    ne.evolve(
        ne.NEAT(cfg, pop_size=10),
        ne.tasks.Control("Acrobot-v1", max_steps=20),
        generations=1,
        seed=0,
        device="cpu",
        dtype=torch.float64,
        reporters=[EpisodePlot(tmp_path)],
    )
    assert seen["labels"] == ["theta1", "theta2", "theta1_dot", "theta2_dot"]
    assert seen["width"] == 4 and "frames" not in seen  # cart-pole poses only for CartPole
