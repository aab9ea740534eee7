"""VectorEnv machinery: autoreset against gymnasium's SyncVectorEnv, time limits against
gymnasium's TimeLimit, seeding, the registry and error messages."""

from __future__ import annotations

import gymnasium
import numpy as np
import pytest
import torch

import neuroevo.envs as envs
from neuroevo.envs import VectorEnv, make
from neuroevo.errors import TaskError

CLASSIC = ["CartPole-v1", "Acrobot-v1", "MountainCar-v0", "MountainCarContinuous-v0", "Pendulum-v1"]


def in_cartpole_init_range(obs: torch.Tensor) -> bool:
    return bool(((obs >= -0.05) & (obs <= 0.05)).all())


@pytest.mark.parametrize("mode", ["SameStep", "NextStep"])
def test_autoreset_matches_gymnasium_sync_vector_env(mode):
    """Lockstep with gymnasium's SyncVectorEnv (same mode, same time limit): before every
    step our states are copied into gymnasium's sub-environments, then flags, rewards,
    observations and final observations must agree."""
    n, steps, limit = 16, 60, 12
    rng = np.random.default_rng(0)
    ours = make(
        "CartPole-v1",
        n,
        dtype=torch.float64,
        device="cpu",
        seed=0,
        max_episode_steps=limit,
        autoreset_mode=mode,
    )
    ref = gymnasium.make_vec(
        "CartPole-v1",
        num_envs=n,
        vectorization_mode="sync",
        vector_kwargs={"autoreset_mode": gymnasium.vector.AutoresetMode(mode)},
        max_episode_steps=limit,
    )
    ours.reset()
    ref.reset(seed=0)
    prev_done = np.zeros(n, dtype=bool)
    n_term = n_trunc = n_reset = 0
    for _ in range(steps):
        for i, sub in enumerate(ref.envs):
            sub.unwrapped.state = ours.state[i].numpy().copy()
        actions = (rng.random(n) < 0.8).astype(np.int64)  # mostly right: episodes end early
        obs, reward, term, trunc, info = ours.step(torch.as_tensor(actions))
        g_obs, g_reward, g_term, g_trunc, g_info = ref.step(actions)
        np.testing.assert_array_equal(term.numpy(), g_term)
        np.testing.assert_array_equal(trunc.numpy(), g_trunc)
        np.testing.assert_array_equal(reward.numpy(), g_reward)
        if mode == "SameStep":
            g_mask = g_info.get("_final_obs", np.zeros(n, dtype=bool))
            np.testing.assert_array_equal(info["_final_obs"].numpy(), g_mask)
            for i in range(n):
                if g_mask[i]:
                    np.testing.assert_allclose(
                        info["final_obs"][i].numpy(), g_info["final_obs"][i], rtol=2e-7, atol=2e-7
                    )
                    assert in_cartpole_init_range(obs[i]) and ours.elapsed_steps[i] == 0
                    assert torch.equal(obs[i], ours.state[i])
                else:
                    np.testing.assert_allclose(obs[i].numpy(), g_obs[i], rtol=2e-7, atol=2e-7)
            n_reset += int(g_mask.sum())
        else:
            assert "final_obs" not in info
            for i in range(n):
                if prev_done[i]:  # this step was the reset step
                    assert reward[i] == 0 and not term[i] and not trunc[i]
                    assert in_cartpole_init_range(obs[i]) and ours.elapsed_steps[i] == 0
                else:
                    np.testing.assert_allclose(obs[i].numpy(), g_obs[i], rtol=2e-7, atol=2e-7)
            n_reset += int(prev_done.sum())
            prev_done = g_term | g_trunc
        n_term += int(g_term.sum())
        n_trunc += int(g_trunc.sum())
    assert n_term > 5 and n_trunc > 5 and n_reset > 10  # the test exercised both ends


@pytest.mark.parametrize("name", CLASSIC)
def test_time_limit_matches_gymnasium(name):
    """Truncated on the same step as gymnasium's TimeLimit. Both are put back to their
    initial state before every step, so that no episode terminates first."""
    g = gymnasium.make(name)
    g.reset(seed=0)
    env = make(name, 2, device="cpu", seed=0, dtype=torch.float64)
    start, _ = env.reset()
    start_state = env.state.clone()
    zero = torch.zeros(2, dtype=torch.long) if env.discrete else torch.zeros(2, env.action_size)
    g_action = 0 if env.discrete else np.zeros(env.action_size, dtype=np.float32)
    for t in range(1, 2000):
        g.unwrapped.state = start_state[0].numpy().copy()
        env.state = start_state
        *_, g_term, g_trunc, _ = g.step(g_action)
        _, _, term, trunc, _ = env.step(zero)
        assert not g_term and not term.any()
        assert trunc.tolist() == [g_trunc, g_trunc], t
        if g_trunc:
            break
    assert t == env.max_episode_steps == gymnasium.spec(name).max_episode_steps


def test_truncation_step_and_reset_elapsed_steps():
    limit = gymnasium.spec("Pendulum-v1").max_episode_steps
    env = make("Pendulum-v1", 3, device="cpu", seed=0)
    env.reset()
    action = torch.zeros(3, 1)
    for t in range(1, limit + 1):
        _, _, term, trunc, info = env.step(action)
        assert not term.any()
        assert bool(trunc.all()) == (t == limit) and bool(trunc.any()) == (t == limit)
    assert info["_final_obs"].all() and env.elapsed_steps.eq(0).all()
    _, _, _, trunc, _ = env.step(action)
    assert not trunc.any() and env.elapsed_steps.eq(1).all()


def test_no_time_limit_and_custom_limit():
    env = make("Pendulum-v1", 2, device="cpu", seed=0, max_episode_steps=None)
    assert env.max_episode_steps is None
    for _ in range(250):
        _, _, _, trunc, _ = env.step(torch.zeros(2, 1))
        assert not trunc.any()
    env = make("Pendulum-v1", 2, device="cpu", seed=0, max_episode_steps=3)
    flags = [bool(env.step(torch.zeros(2, 1))[3].all()) for _ in range(6)]
    assert flags == [False, False, True, False, False, True]


def test_disabled_autoreset_and_reset_mask():
    env = make(
        "CartPole-v1", 4, device="cpu", seed=1, autoreset_mode="Disabled", dtype=torch.float64
    )
    env.reset()
    for _ in range(30):
        _, _, term, _, info = env.step(torch.ones(4, dtype=torch.long))
        assert "final_obs" not in info
    assert bool(term.all()) and bool((env.state[:, 2].abs() > 0.2095).all())  # fell, left there
    before = env.state.clone()
    mask = torch.tensor([True, False, True, False])
    obs, _ = env.reset(options={"reset_mask": mask})
    assert torch.equal(obs[~mask], before[~mask])
    assert in_cartpole_init_range(obs[mask])
    assert env.elapsed_steps.tolist() == [0, 30, 0, 30]


@pytest.mark.parametrize("name", CLASSIC)
def test_seeding_is_reproducible(name):
    def run(seed, reseed=None):
        env = make(name, 8, device="cpu", seed=seed, max_episode_steps=5)
        first, _ = env.reset(seed=reseed)
        gen = torch.Generator().manual_seed(0)
        out = [first]
        for _ in range(12):  # crosses two autoresets
            if env.discrete:
                a = torch.randint(0, env.num_actions, (8,), generator=gen)
            else:
                a = torch.rand(8, env.action_size, generator=gen)
            out.append(env.step(a)[0])
        return torch.stack(out)

    assert torch.equal(run(3), run(3))
    assert torch.equal(run(3), run(99, reseed=3))  # reset(seed=s) == make(seed=s).reset()
    assert not torch.equal(run(3), run(4))


def test_default_dtype_device_and_state_setter():
    env = make("Acrobot-v1", 5, device="cpu")
    assert env.dtype == torch.float32 and env.device == torch.device("cpu")
    obs, _ = env.reset()
    assert obs.shape == (5, 6) and obs.dtype == torch.float32
    assert env.state.shape == (5, 4) and env.elapsed_steps.dtype == torch.long
    env.state = np.zeros((5, 4))
    assert env.state.dtype == torch.float32 and env.state.abs().sum() == 0
    with pytest.raises(TaskError, match=r"expected shape \[5, 4\]"):
        env.state = torch.zeros(5, 6)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_matches_cpu():
    cpu = make("Acrobot-v1", 64, device="cpu", dtype=torch.float64, seed=0)
    gpu = make("Acrobot-v1", 64, device="cuda", dtype=torch.float64, seed=0)
    gpu.state = cpu.state
    actions = torch.randint(0, 3, (64,))
    for _ in range(10):
        c = cpu.step(actions)
        g = gpu.step(actions.cuda())
        torch.testing.assert_close(g[0].cpu(), c[0], rtol=1e-9, atol=1e-9)
        gpu.state = cpu.state  # autoreset draws differ between devices


@pytest.mark.parametrize(
    "name, action, expected",
    [
        ("CartPole-v1", torch.zeros(4), r"integer tensor of shape \[4\]"),  # float
        ("CartPole-v1", torch.zeros(4, 1, dtype=torch.long), r"shape \[4\]"),
        ("CartPole-v1", torch.zeros(3, dtype=torch.long), r"shape \[4\]"),
        ("CartPole-v1", torch.zeros(4, dtype=torch.bool), r"shape \[4\]"),
        ("CartPole-v1", torch.tensor([0, 1, 2, 0]), r"value 2 outside \[0, 2\)"),
        ("Acrobot-v1", torch.tensor([0, -1, 2, 0]), r"value -1 outside \[0, 3\)"),
        ("Pendulum-v1", torch.zeros(4), r"shape \[4, 1\]"),
        ("MountainCarContinuous-v0", torch.zeros(4, 2), r"shape \[4, 1\]"),
        ("Pendulum-v1", "left", r"cannot convert"),
    ],
)
def test_bad_actions_raise_task_error(name, action, expected):
    env = make(name, 4, device="cpu", seed=0)
    with pytest.raises(TaskError, match=expected):
        env.step(action)


def test_bad_arguments_raise_task_error():
    with pytest.raises(TaskError, match="num_envs"):
        make("CartPole-v1", 0)
    with pytest.raises(TaskError, match="dtype"):
        make("CartPole-v1", 2, dtype=torch.int32)
    with pytest.raises(TaskError, match="max_episode_steps"):
        make("CartPole-v1", 2, max_episode_steps=-1)
    with pytest.raises(TaskError, match="autoreset_mode.*SameStep"):
        make("CartPole-v1", 2, autoreset_mode="sometimes")
    with pytest.raises(TaskError, match="seed"):
        make("CartPole-v1", 2, seed="one")
    with pytest.raises(TaskError, match="bad keyword argument"):
        make("CartPole-v1", 2, gravity=3.0)
    with pytest.raises(TaskError, match="book_or_nips"):
        make("Acrobot-v1", 2, book_or_nips="paper")
    with pytest.raises(TaskError, match="reset_mask"):
        make("CartPole-v1", 2).reset(options={"reset_mask": torch.ones(3, dtype=torch.bool)})
    with pytest.raises(TaskError, match="unknown keys"):
        make("CartPole-v1", 2).reset(options={"low": -0.1})


def test_unknown_name_lists_known_names_and_the_adapter():
    with pytest.raises(TaskError) as excinfo:
        make("CartPole-v9", 2)
    message = str(excinfo.value)
    assert "CartPole-v1" in message and "Pendulum-v1" in message and "gym:CartPole-v9" in message


def test_autoreset_mode_accepts_gymnasium_enum():
    env = make("CartPole-v1", 2, autoreset_mode=gymnasium.vector.AutoresetMode.NEXT_STEP)
    assert env.autoreset_mode.value == gymnasium.vector.AutoresetMode.NEXT_STEP.value


class Drift(VectorEnv):
    """A one-dimensional test environment: position += action, reward = -|position|."""

    name = "Drift-v0"
    observation_size = state_size = 1
    discrete = False
    action_size = 1
    action_bounds = (-1.0, 1.0)
    default_max_episode_steps = 7

    def _sample_initial_state(self, n, generator):
        return self._uniform(n, 1, -1.0, 1.0, generator)

    def _dynamics(self, state, action):
        return state + action.clamp(-1, 1)

    def _reward(self, state, action, new_state, terminated):
        return -new_state[:, 0].abs()


def test_register_and_make_a_new_environment(monkeypatch):
    monkeypatch.setattr(envs, "_REGISTRY", dict(envs._REGISTRY))
    envs.register("Drift-v0", f"{__name__}:Drift")
    assert "Drift-v0" in envs.registered()
    env = make("Drift-v0", 3, device="cpu", seed=0, dtype=torch.float64)
    env.state = torch.tensor([[0.5], [-0.5], [2.0]], dtype=torch.float64)
    _, reward, _, _, _ = env.step(torch.tensor([[3.0], [0.25], [-1.0]], dtype=torch.float64))
    assert reward.tolist() == [-1.5, -0.25, -1.0]
    with pytest.raises(TaskError, match="already registered"):
        envs.register("Drift-v0", "somewhere.else:Drift")
    with pytest.raises(TaskError, match="module:Class"):
        envs.register("Other-v0", "no_colon")


def test_double_pole_names_are_registered():
    assert envs._REGISTRY["DoublePole-v0"] == "neuroevo.envs.double_pole:DoublePole"
    assert envs._REGISTRY["DoublePoleNV-v0"] == "neuroevo.envs.double_pole:DoublePoleNV"
