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
    return gymnasium.make_vec(
        env_id,
        num_envs=n,
        vectorization_mode="sync",
        vector_kwargs={"autoreset_mode": gymnasium.vector.AutoresetMode(mode)},
        **kwargs,
    )


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


# ----------------------------------------------------------------------------- Disabled mode
def _count_calls(env):
    """Count gymnasium step/reset calls per copy of the adapter ``env``."""
    counts = {"step": [0] * env.num_envs, "reset": [0] * env.num_envs}
    for i, sub in enumerate(env.envs):
        for name in ("step", "reset"):

            def counted(*a, _f=getattr(sub, name), _i=i, _name=name, **kw):  # noqa: B008
                counts[_name][_i] += 1
                return _f(*a, **kw)

            setattr(sub, name, counted)
    return counts


def _plain_episode(env_id, seed, actions, **kwargs):
    """Observations, rewards and flags of one plain gymnasium episode under ``actions[t]``."""
    env = gymnasium.make(env_id, **kwargs)
    obs, _ = env.reset(seed=seed)
    out = [(obs, 0.0, False, False)]
    for a in actions:
        obs, r, term, trunc, _ = env.step(a)
        out.append((obs, r, term, trunc))
        if term or trunc:
            return out
    return out


def test_disabled_mode_steps_and_resets_only_what_episodes_need():
    n, seeds = 5, [11, 3, 40, 7, 25]
    env = make("gym:CartPole-v1", n, device="cpu", dtype=torch.float64, autoreset_mode="Disabled")
    counts = _count_calls(env)
    obs, info = env.reset(seed=seeds)
    assert info == {} and counts["reset"] == [1] * n
    rng = np.random.default_rng(0)
    plan = (rng.random((200, n)) < np.linspace(0.1, 0.9, n)).astype(np.int64)  # different lengths
    want = [_plain_episode("CartPole-v1", seeds[i], plan[:, i].tolist()) for i in range(n)]
    np.testing.assert_array_equal(obs.numpy(), np.array([w[0][0] for w in want]))
    lengths = [len(w) - 1 for w in want]
    for t in range(1, max(lengths) + 3):  # two steps past the longest episode
        obs, reward, term, trunc, _ = env.step(torch.as_tensor(plan[t - 1]))
        for i, w in enumerate(want):
            k = min(t, lengths[i])  # a finished copy repeats its last row, with reward 0
            np.testing.assert_array_equal(obs[i].numpy(), w[k][0])
            assert reward[i].item() == (w[t][1] if t <= lengths[i] else 0.0)
            assert (term[i].item(), trunc[i].item()) == (w[k][2], w[k][3])
        assert env.elapsed_steps.tolist() == [min(t, m) for m in lengths]
    assert counts["step"] == lengths and counts["reset"] == [1] * n  # no autoreset, no extra step
    assert len(set(lengths)) > 2


def test_disabled_mode_reset_mask_and_select():
    env = make("gym:Acrobot-v1", 4, device="cpu", dtype=torch.float64, autoreset_mode="Disabled")
    counts = _count_calls(env)
    env.reset(seed=[1, 2, 3, 4])
    obs, _ = env.reset(
        seed=[9, 9, 9, 9], options={"reset_mask": torch.tensor([False, True, False, True])}
    )
    assert counts["reset"] == [1, 2, 1, 2]
    fresh, _ = gymnasium.make("Acrobot-v1").reset(seed=9)
    np.testing.assert_array_equal(obs[1].numpy(), fresh)
    np.testing.assert_array_equal(obs[3].numpy(), fresh)
    a = torch.tensor([0, 1, 2, 1])
    env.step(a)
    sub = env.select(torch.tensor([3, 0]))  # a view of copies 3 and 0, in that order
    assert sub.num_envs == 2 and sub.envs == [env.envs[3], env.envs[0]]
    obs, reward, *_ = sub.step(torch.tensor([2, 0]))
    ref = gymnasium.make("Acrobot-v1")
    ref.reset(seed=9)
    ref.step(1)
    r_obs, r_reward, *_ = ref.step(2)
    np.testing.assert_array_equal(obs[0].numpy(), r_obs)
    assert reward[0].item() == r_reward and counts["step"] == [2, 1, 1, 2]
    assert sub.elapsed_steps.tolist() == [2, 2]


def test_disabled_mode_errors():
    env = make("gym:CartPole-v1", 3, device="cpu", autoreset_mode="Disabled")
    with pytest.raises(TaskError, match=r"call reset\(\) before step\(\)"):
        env.step(torch.zeros(3, dtype=torch.long))
    with pytest.raises(TaskError, match="list of 3 integers"):
        env.reset(seed=[1, 2])
    with pytest.raises(TaskError, match="reset_mask"):
        env.reset(options={"reset_mask": torch.ones(2, dtype=torch.bool)})
    with pytest.raises(TaskError, match="select needs autoreset_mode='Disabled'"):
        make("gym:CartPole-v1", 3, device="cpu").select(torch.tensor([0]))
