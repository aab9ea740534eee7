"""Labels of gymnasium environments, checked against gymnasium's own environments: their
spaces' sizes, the bodies and rays an observation column reads, what an action does."""

from __future__ import annotations

import math

import numpy as np
import pytest

import neuroevo as ne
from neuroevo.envs.gym_labels import GYM_LABELS, gym_labels
from neuroevo.reporting.drawing import GenomeDrawing, task_io_names

gym = pytest.importorskip("gymnasium")
pytest.importorskip("Box2D")


@pytest.mark.parametrize(
    "env_id,kwargs", [(k, {}) for k in GYM_LABELS] + [("LunarLander-v3", {"continuous": True})]
)
def test_one_label_per_observation_and_action(env_id, kwargs):
    env = gym.make(env_id, **kwargs)
    observations, actions = gym_labels(f"gym:{env_id}", kwargs)
    assert len(observations) == env.observation_space.shape[0]
    space = env.action_space
    assert len(actions) == (space.n if hasattr(space, "n") else space.shape[0])
    assert len(set(observations)) == len(observations) and len(set(actions)) == len(actions)


def _column(labels, name):
    return labels.index(name)


def test_lunar_lander_columns_are_the_bodies_they_name():
    observations, actions = gym_labels("gym:LunarLander-v3")
    env = gym.make("LunarLander-v3")
    obs, _ = env.reset(seed=3)
    u = env.unwrapped
    assert obs[_column(observations, "angle")] == np.float32(u.lander.angle)
    right, left = (_column(observations, f"{side} leg contact") for side in ("right", "left"))
    # gymnasium's observation 6 is legs[0], 7 legs[1]; which side each hangs on:
    assert u.legs[[6, 7].index(right)].position.x > u.lander.position.x
    assert u.legs[[6, 7].index(left)].position.x < u.lander.position.x
    # the main engine pushes the lander up: its vertical speed after 5 firings beats noop's
    vy = _column(observations, "vy")
    after = {}
    for name in ("noop", "fire main engine"):
        env.reset(seed=3)
        for _ in range(5):
            obs, *_ = env.step(actions.index(name))
        after[name] = obs[vy]
    assert after["fire main engine"] > after["noop"]


def test_bipedal_walker_columns_are_the_joints_and_rays_they_name():
    observations, _ = gym_labels("gym:BipedalWalker-v3")
    env = gym.make("BipedalWalker-v3")
    obs, _ = env.reset(seed=0)
    for _ in range(20):
        obs, *_ = env.step(np.zeros(4, dtype=np.float32))
    u = env.unwrapped
    assert obs[_column(observations, "hull angle")] == np.float32(u.hull.angle)
    assert obs[_column(observations, "hip 1 angle")] == np.float32(u.joints[0].angle)
    assert obs[_column(observations, "knee 2 angle")] == np.float32(u.joints[3].angle + 1.0)
    assert obs[_column(observations, "leg 2 contact")] == float(u.legs[3].ground_contact)
    for i in range(10):
        (label,) = [name for name in observations if name.startswith(f"lidar {i} ")]
        assert obs[observations.index(label)] == np.float32(u.lidar[i].fraction)
        (x1, y1), (x2, y2) = u.lidar[i].p1, u.lidar[i].p2
        forward_of_down = math.degrees(math.atan2(x2 - x1, y1 - y2))
        assert label == f"lidar {i} ({round(forward_of_down)}°)"


def test_control_tasks_and_their_drawings_name_them(tmp_path):
    task = ne.tasks.Control("gym:LunarLander-v3", action="argmax", max_steps=5)
    assert task_io_names(task) == GYM_LABELS["LunarLander-v3"]
    torch_twin = ne.tasks.Control("gym:CartPole-v1", action="argmax", max_steps=5)
    from neuroevo.envs.cartpole import CartPole

    assert task_io_names(torch_twin) == (CartPole.observation_labels, CartPole.action_labels)
    cfg = ne.load_config("configs/lunarlander.ini")
    ne.evolve(
        ne.NEAT(cfg, pop_size=4),
        task,
        generations=1,
        seed=0,
        device="cpu",
        reporters=[GenomeDrawing(tmp_path)],
    )
    drawing = next(tmp_path.glob("best_genome.*")).read_text()
    for name in (*GYM_LABELS["LunarLander-v3"][0], *GYM_LABELS["LunarLander-v3"][1]):
        assert f'label="{name}' in drawing or f"label={name}" in drawing
