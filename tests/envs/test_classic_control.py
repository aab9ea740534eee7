"""The torch classic-control environments against gymnasium's own (the reference).

Every environment is stepped from the same float64 states with the same actions as
``gymnasium.make(name).unwrapped`` (its ``state`` set by hand): next states to 1e-9,
rewards to 1e-9, terminations exactly, observations to float32 rounding (gymnasium
returns float32 observations).
"""

from __future__ import annotations

import math

import gymnasium
import numpy as np
import pytest
import scipy.stats
import torch

from neuroevo.envs import make

PI = math.pi

# state box to draw test states from (wider than reachable where harmless) and the
# range of continuous test actions (wider than the bounds, to test clipping)
STATE_BOX = {
    "CartPole-v1": ([-2.6, -3.0, -0.25, -3.0], [2.6, 3.0, 0.25, 3.0]),
    "Acrobot-v1": ([-PI, -PI, -4 * PI, -9 * PI], [PI, PI, 4 * PI, 9 * PI]),
    "MountainCar-v0": ([-1.2, -0.07], [0.6, 0.07]),
    "MountainCarContinuous-v0": ([-1.2, -0.07], [0.6, 0.07]),
    "Pendulum-v1": ([-2 * PI, -8.0], [2 * PI, 8.0]),
}
# hand-picked states on the edges: walls, goals, termination thresholds
EDGE_STATES = {
    "CartPole-v1": [[2.39, 1.0, 0.0, 0.0], [0.0, 0.0, -0.2094, -1.0], [-2.4, -0.5, 0.2, 2.0]],
    "Acrobot-v1": [[PI, 0.0, 0.0, 0.0], [-3.1, 3.1, 12.0, -28.0], [0.0, 0.0, 4 * PI, 9 * PI]],
    "MountainCar-v0": [[-1.2, -0.07], [-1.19, -0.05], [0.499, 0.02], [0.6, 0.07]],
    "MountainCarContinuous-v0": [[-1.2, -0.07], [-1.19, -0.05], [0.449, 0.01], [0.6, 0.07]],
    "Pendulum-v1": [[PI, 8.0], [-PI, -8.0], [0.0, 7.9], [3 * PI, 0.0]],
}
NAMES = list(STATE_BOX)


def random_states(name: str, n: int, rng: np.random.Generator) -> np.ndarray:
    low, high = (np.array(b, dtype=np.float64) for b in STATE_BOX[name])
    states = rng.uniform(low, high, size=(n, len(low)))
    return np.concatenate([np.array(EDGE_STATES[name], dtype=np.float64), states])


def random_actions(env, n: int, rng: np.random.Generator) -> np.ndarray:
    if env.discrete:
        return rng.integers(0, env.num_actions, size=n)
    return rng.uniform(-3.0, 3.0, size=(n, env.action_size))


def gym_step(gym_env, state: np.ndarray, action) -> tuple[np.ndarray, np.ndarray, float, bool]:
    """One step of gymnasium's unwrapped env from ``state``: (next state, obs, reward, terminated)."""
    gym_env.state = state.copy()
    if hasattr(gym_env, "steps_beyond_terminated"):  # CartPole: a fresh, non-terminated episode
        gym_env.steps_beyond_terminated = None
    obs, reward, terminated, truncated, _ = gym_env.step(action)
    assert truncated is False
    return np.asarray(gym_env.state, dtype=np.float64), obs, float(reward), bool(terminated)


def gym_action(env, action):
    return int(action) if env.discrete else np.asarray(action, dtype=np.float64)


def assert_obs_close(ours: np.ndarray, gym_obs: np.ndarray) -> None:
    # gymnasium rounds observations to float32
    np.testing.assert_allclose(ours, gym_obs.astype(np.float64), rtol=2e-7, atol=2e-7)


@pytest.mark.parametrize("name", NAMES)
def test_one_step_matches_gymnasium(name):
    rng = np.random.default_rng(NAMES.index(name))
    states = random_states(name, 64, rng)
    env = make(
        name, len(states), dtype=torch.float64, device="cpu", seed=0, autoreset_mode="Disabled"
    )
    env.state = torch.as_tensor(states)
    actions = random_actions(env, len(states), rng)
    obs, reward, terminated, truncated, info = env.step(torch.as_tensor(actions))
    assert obs.dtype == reward.dtype == torch.float64 and terminated.dtype == torch.bool
    assert obs.shape == (len(states), env.observation_size) and reward.shape == (len(states),)
    gym_env = gymnasium.make(name).unwrapped
    gym_env.reset(seed=0)
    for i, state in enumerate(states):
        g_state, g_obs, g_reward, g_term = gym_step(gym_env, state, gym_action(env, actions[i]))
        np.testing.assert_allclose(env.state[i].numpy(), g_state, rtol=1e-9, atol=1e-9)
        assert_obs_close(obs[i].numpy(), g_obs)
        assert reward[i].item() == pytest.approx(g_reward, rel=1e-9, abs=1e-9)
        assert bool(terminated[i]) == g_term, (name, state, actions[i])
    assert not truncated.any()


@pytest.mark.parametrize("name", NAMES)
def test_trajectories_match_gymnasium(name):
    """40 steps along each env's own trajectory, compared until gymnasium terminates."""
    n, steps = 12, 40
    rng = np.random.default_rng(7)
    env = make(name, n, dtype=torch.float64, device="cpu", seed=3, autoreset_mode="Disabled")
    env.reset()
    gym_envs = [gymnasium.make(name).unwrapped for _ in range(n)]
    for i, g in enumerate(gym_envs):
        g.reset(seed=i)
        g.state = env.state[i].numpy().copy()
    alive = np.ones(n, dtype=bool)
    compared = 0
    for _ in range(steps):
        actions = random_actions(env, n, rng)
        obs, reward, terminated, _, _ = env.step(torch.as_tensor(actions))
        for i in np.flatnonzero(alive):
            g_obs, g_reward, g_term, _, _ = gym_envs[i].step(gym_action(env, actions[i]))
            # Acrobot is chaotic: allow rounding differences to grow a little over 40 steps
            np.testing.assert_allclose(
                env.state[i].numpy(),
                np.asarray(gym_envs[i].state, dtype=np.float64),
                rtol=1e-7,
                atol=1e-8,
            )
            assert_obs_close(obs[i].numpy(), g_obs)
            assert reward[i].item() == pytest.approx(g_reward, rel=1e-9, abs=1e-9)
            assert bool(terminated[i]) == g_term
            compared += 1
            alive[i] = not g_term
    assert compared >= n * 5


@pytest.mark.parametrize("name", NAMES)
def test_spaces_limits_and_thresholds_match_gymnasium(name):
    env = make(name, 3, device="cpu", seed=0)
    spec = gymnasium.spec(name)
    gym_env = gymnasium.make(name)
    assert env.max_episode_steps == spec.max_episode_steps
    assert getattr(env, "reward_threshold", None) == spec.reward_threshold
    assert env.observation_size == gym_env.observation_space.shape[0]
    if env.discrete:
        assert env.num_actions == gym_env.action_space.n
    else:
        assert env.action_size == gym_env.action_space.shape[0]
        np.testing.assert_allclose(env.action_low.numpy(), gym_env.action_space.low)
        np.testing.assert_allclose(env.action_high.numpy(), gym_env.action_space.high)


@pytest.mark.parametrize("name", NAMES)
def test_initial_state_distribution_matches_gymnasium(name):
    """Kolmogorov-Smirnov test of every state component against gymnasium's resets."""
    ours = make(name, 2000, dtype=torch.float64, device="cpu", seed=11).reset()[0]
    ours_state = make(name, 2000, dtype=torch.float64, device="cpu", seed=11).state.numpy()
    gym_env = gymnasium.make(name).unwrapped
    gym_states = []
    for seed in range(400):
        gym_env.reset(seed=seed)
        gym_states.append(np.asarray(gym_env.state, dtype=np.float64))
    gym_states = np.array(gym_states)
    assert ours.shape[1] == make(name, 1, device="cpu").observation_size
    for k in range(gym_states.shape[1]):
        if np.all(gym_states[:, k] == gym_states[0, k]):  # constant (MountainCar velocity)
            assert np.all(ours_state[:, k] == gym_states[0, k])
            continue
        p = scipy.stats.ks_2samp(ours_state[:, k], gym_states[:, k]).pvalue
        assert p > 1e-3, (name, k, p)
    if name == "Acrobot-v1":  # gymnasium stores Acrobot's initial state as float32
        assert np.array_equal(ours_state, ours_state.astype(np.float32).astype(np.float64))


def test_acrobot_nips_dynamics_match_gymnasium():
    rng = np.random.default_rng(5)
    states = random_states("Acrobot-v1", 16, rng)
    env = make(
        "Acrobot-v1",
        len(states),
        dtype=torch.float64,
        device="cpu",
        book_or_nips="nips",
        autoreset_mode="Disabled",
    )
    env.state = torch.as_tensor(states)
    actions = rng.integers(0, 3, size=len(states))
    env.step(torch.as_tensor(actions))
    gym_env = gymnasium.make("Acrobot-v1").unwrapped
    gym_env.book_or_nips = "nips"
    gym_env.reset(seed=0)
    for i, state in enumerate(states):
        g_state = gym_step(gym_env, state, int(actions[i]))[0]
        np.testing.assert_allclose(env.state[i].numpy(), g_state, rtol=1e-9, atol=1e-9)


def test_cartpole_sutton_barto_reward_matches_gymnasium():
    states = np.array([[0.0, 0.0, 0.0, 0.0], [2.39, 1.0, 0.0, 0.0]])
    env = make("CartPole-v1", 2, dtype=torch.float64, device="cpu", sutton_barto_reward=True)
    env.state = torch.as_tensor(states)
    _, reward, terminated, _, _ = env.step(torch.tensor([1, 1]))
    gym_env = gymnasium.make("CartPole-v1", sutton_barto_reward=True).unwrapped
    gym_env.reset(seed=0)
    for i in range(2):
        _, _, g_reward, g_term = gym_step(gym_env, states[i], 1)
        assert reward[i].item() == g_reward and bool(terminated[i]) == g_term
    assert terminated.tolist() == [False, True]


@pytest.mark.parametrize("goal_velocity", [0.0, 0.01])
def test_mountain_car_goal_velocity_matches_gymnasium(goal_velocity):
    states = np.array([[0.49, 0.005], [0.49, 0.02], [0.44, 0.02]])
    for name in ("MountainCar-v0", "MountainCarContinuous-v0"):
        env = make(name, 3, dtype=torch.float64, device="cpu", goal_velocity=goal_velocity)
        env.state = torch.as_tensor(states)
        action = torch.full((3,), 2) if env.discrete else torch.ones(3, 1, dtype=torch.float64)
        _, _, terminated, _, _ = env.step(action)
        gym_env = gymnasium.make(name, goal_velocity=goal_velocity).unwrapped
        gym_env.reset(seed=0)
        for i in range(3):
            g_term = gym_step(gym_env, states[i], gym_action(env, action[i].numpy()))[3]
            assert bool(terminated[i]) == g_term


def test_float32_default_is_close_to_gymnasium():
    """The default float32 dtype stays within float32 rounding of gymnasium over one step."""
    rng = np.random.default_rng(2)
    states = random_states("Pendulum-v1", 32, rng)
    env = make("Pendulum-v1", len(states), device="cpu")
    env.state = torch.as_tensor(states)
    actions = rng.uniform(-2, 2, size=(len(states), 1))
    obs, reward, _, _, _ = env.step(torch.as_tensor(actions, dtype=torch.float32))
    assert obs.dtype == reward.dtype == torch.float32
    gym_env = gymnasium.make("Pendulum-v1").unwrapped
    gym_env.reset(seed=0)
    for i in range(len(states)):
        _, g_obs, g_reward, _ = gym_step(gym_env, states[i], actions[i])
        np.testing.assert_allclose(obs[i].numpy(), g_obs, rtol=1e-5, atol=1e-5)
        assert reward[i].item() == pytest.approx(g_reward, rel=1e-5, abs=1e-5)
