"""The gymnasium adapter steps exactly as gymnasium's own SyncVectorEnv does."""

from __future__ import annotations

import gymnasium
import numpy as np
import pytest
import torch

from neuroevo.envs import make
from neuroevo.envs.gym_adapter import GymVectorEnv
from neuroevo.errors import TaskError


def reference(env_id, n, mode, **kwargs):
    return gymnasium.make_vec(env_id, num_envs=n, vectorization_mode="sync",
                              vector_kwargs={"autoreset_mode": gymnasium.vector.AutoresetMode(mode)}, **kwargs)


@pytest.mark.parametrize("mode", ["SameStep", "NextStep"])
def test_cartpole_adapter_equals_gymnasium_stepping(mode):
    n = 6
    env = make("gym:CartPole-v1", n, device="cpu", dtype=torch.float64, seed=5, autoreset_mode=mode)
    ref = reference("CartPole-v1", n, mode)
    obs, _ = env.reset()
    g_obs, _ = ref.reset(seed=5)
    np.testing.assert_array_equal(obs.numpy(), g_obs)
    rng = np.random.default_rng(1)
    dones = 0
    for _ in range(80):
        a = (rng.random(n) < 0.7).astype(np.int64)
        obs, reward, term, trunc, info = env.step(torch.as_tensor(a))
        g_obs, g_reward, g_term, g_trunc, g_info = ref.step(a)
        np.testing.assert_array_equal(obs.numpy(), g_obs)
        np.testing.assert_array_equal(reward.numpy(), g_reward)
        np.testing.assert_array_equal(term.numpy(), g_term)
        np.testing.assert_array_equal(trunc.numpy(), g_trunc)
        if mode == "SameStep" and "_final_obs" in g_info:
            mask = g_info["_final_obs"]
            np.testing.assert_array_equal(info["_final_obs"].numpy(), mask)
            for i in np.flatnonzero(mask):
                np.testing.assert_array_equal(info["final_obs"][i].numpy(), g_info["final_obs"][i])
            assert env.elapsed_steps[torch.as_tensor(mask)].eq(0).all()
        dones += int(g_term.sum())
    assert dones > 3
    assert obs.dtype == reward.dtype == torch.float64 and term.dtype == torch.bool


def test_continuous_adapter_and_backend_argument():
    n = 3
    env = make("Pendulum-v1", n, backend="gymnasium", device="cpu", seed=0, max_episode_steps=4)
    assert isinstance(env, GymVectorEnv)
    assert not env.discrete and env.action_size == 1 and env.observation_size == 3
    assert env.action_low.tolist() == [-2.0] and env.max_episode_steps == 4
    ref = reference("Pendulum-v1", n, "SameStep", max_episode_steps=4)
    env.reset()
    ref.reset(seed=0)
    torques = torch.linspace(-3, 3, n).reshape(n, 1)
    for t in range(1, 6):
        obs, reward, _, trunc, _ = env.step(torques)
        g_obs, g_reward, _, g_trunc, _ = ref.step(torques.numpy())
        np.testing.assert_allclose(obs.numpy(), g_obs, rtol=0, atol=0)
        np.testing.assert_allclose(reward.numpy(), g_reward.astype(np.float32), rtol=1e-7)
        assert trunc.tolist() == g_trunc.tolist() == [t == 4] * n


def test_adapter_reset_with_seed_is_reproducible():
    env = make("gym:Acrobot-v1", 4, device="cpu")
    a, _ = env.reset(seed=9)
    b, _ = env.reset(seed=9)
    c, _ = env.reset()
    assert torch.equal(a, b) and not torch.equal(a, c)


def test_adapter_errors():
    env = make("gym:CartPole-v1", 2, device="cpu")
    with pytest.raises(TaskError, match="no batched `state`"):
        _ = env.state
    with pytest.raises(TaskError, match=r"shape \[2\]"):
        env.step(torch.zeros(2, 1, dtype=torch.long))
    with pytest.raises(TaskError, match=r"value 5 outside \[0, 2\)"):
        env.step(torch.tensor([0, 5]))
    with pytest.raises(TaskError, match="cannot make 'NoSuchEnv-v0'"):
        make("gym:NoSuchEnv-v0", 2)
    with pytest.raises(TaskError, match="backend"):
        make("CartPole-v1", 2, backend="jax")
