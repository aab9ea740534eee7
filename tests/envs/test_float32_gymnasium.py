"""dtype=float32: every torch environment equals gymnasium bit for bit, float32 quirks included.

gymnasium's classic-control environments mix precisions: CartPole, Acrobot, MountainCar
and Pendulum keep a float64 state and return float32 observations; MountainCarContinuous
keeps its state as float32 and so computes parts of a step in float32; Pendulum and
MountainCarContinuous receive float32 actions (their action spaces are float32) and compute
with them in float32 where NumPy's promotion rules say so. Thousands of random states and
actions per environment, stepped once by both from the same float32 state: observations,
states, rewards (as float32) and terminations must be identical bits.
"""

from __future__ import annotations

import gymnasium
import numpy as np
import pytest
import torch

from neuroevo.envs import make
from tests.envs.test_classic_control import EDGE_STATES, NAMES, STATE_BOX

N = 3000


def float32_states(name: str, rng: np.random.Generator) -> np.ndarray:
    low, high = (np.array(b, dtype=np.float64) for b in STATE_BOX[name])
    states = rng.uniform(low, high, size=(N, len(low)))
    if name.startswith("MountainCar"):  # near the goal, the walls and the speed limits
        states[: N // 3, 0] = rng.uniform(0.4, 0.6, size=N // 3)
        states[N // 3 : N // 2, 0] = rng.uniform(-1.2, -1.1, size=N // 2 - N // 3)
        states[: N // 2, 1] = rng.uniform(-0.07, 0.07, size=N // 2)
    states = np.concatenate([np.array(EDGE_STATES[name]), states])
    return states.astype(np.float32)


def float32_actions(env, n: int, rng: np.random.Generator) -> np.ndarray:
    if env.discrete:
        return rng.integers(0, env.num_actions, size=n)
    a = rng.uniform(-3.0, 3.0, size=(n, env.action_size))  # beyond the bounds: clipping
    a[: n // 10] = rng.choice([-1.0, 1.0, -2.0, 2.0, 0.0], size=(n // 10, env.action_size))
    return a.astype(np.float32)


def gymnasium_step(gym_env, name: str, state: np.ndarray, action):
    """One step of gymnasium from ``state`` as gymnasium itself holds it."""
    # MountainCarContinuous stores its state as float32 after every step; the others as float64
    gym_env.state = state.astype(np.float32 if name == "MountainCarContinuous-v0" else np.float64)
    if hasattr(gym_env, "steps_beyond_terminated"):
        gym_env.steps_beyond_terminated = None
    obs, reward, terminated, _, _ = gym_env.step(action)
    return obs, np.float32(reward), terminated, np.asarray(gym_env.state).astype(np.float32)


def same_bits(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a, b = np.asarray(a, dtype=np.float32), np.asarray(b, dtype=np.float32)
    return (a.view(np.uint32) == b.view(np.uint32)).all(axis=-1)


@pytest.mark.parametrize("name", NAMES)
def test_float32_steps_equal_gymnasium_bit_for_bit(name):
    rng = np.random.default_rng(NAMES.index(name) + 100)
    states = float32_states(name, rng)
    n = len(states)
    env = make(name, n, dtype=torch.float32, device="cpu", seed=0, autoreset_mode="Disabled")
    env.state = torch.from_numpy(states)
    actions = float32_actions(env, n, rng)
    obs, reward, terminated, _, _ = env.step(torch.from_numpy(actions))
    assert obs.dtype == reward.dtype == env.state.dtype == torch.float32
    gym_env = gymnasium.make(name).unwrapped
    gym_env.reset(seed=0)
    ref = [
        gymnasium_step(gym_env, name, states[i], int(actions[i]) if env.discrete else actions[i])
        for i in range(n)
    ]
    g_obs, g_reward, g_term, g_state = (np.array([r[k] for r in ref]) for k in range(4))
    bad = {
        "observation": np.flatnonzero(~same_bits(obs.numpy(), g_obs)),
        "state": np.flatnonzero(~same_bits(env.state.numpy(), g_state)),
        "reward": np.flatnonzero(~same_bits(reward.numpy()[:, None], g_reward[:, None])),
        "terminated": np.flatnonzero(terminated.numpy() != g_term),
    }
    report = {
        k: (len(v), states[v[:2]].tolist(), actions[v[:2]].tolist())
        for k, v in bad.items()
        if len(v)
    }
    assert not report, f"{name}: mismatches out of {n} steps: {report}"
    if name == "MountainCarContinuous-v0":  # the goal and the walls were reached
        assert g_term.sum() > 10 and (g_state[:, 0] == np.float32(-1.2)).sum() > 10
