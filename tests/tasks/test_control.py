"""Control rollouts against gymnasium's own environments stepped one episode at a time.

Each reference episode starts gymnasium's environment from the torch environment's
initial state (``env.unwrapped.state = ...``) and runs the same policy in plain Python.
"""

from __future__ import annotations

import math

import gymnasium
import neat
import numpy as np
import pytest
import torch

from neuroevo.envs import make
from neuroevo.envs.double_pole import AntiWiggleFitness, DoublePole
from neuroevo.errors import TaskError
from neuroevo.tasks.control import Control
from tests.envs.test_double_pole import ref_rk4
from tests.neat_ini import neat_config

F64 = torch.float64


class LinearPolicy(torch.nn.Module):
    """P linear maps ``x @ W[p] + b[p]``, then ``squash`` (test helper, not a package API)."""

    recurrent = False

    def __init__(self, weight, bias, squash=None):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.as_tensor(weight, dtype=F64))
        self.bias = torch.nn.Parameter(torch.as_tensor(bias, dtype=F64))
        self.squash = squash
        self.num_candidates, self.num_inputs, self.num_outputs = self.weight.shape

    def reset(self):
        pass

    def forward(self, x):
        y = torch.einsum("pbi,pio->pbo", x, self.weight) + self.bias[:, None, :]
        return self.squash(y) if self.squash is not None else y

    def np(self, p, x):
        y = (
            np.asarray(x, dtype=np.float64) @ self.weight[p].detach().numpy()
            + self.bias[p].detach().numpy()
        )
        if self.squash is torch.sigmoid:
            return 1.0 / (1.0 + np.exp(-y))
        if self.squash is torch.tanh:
            return np.tanh(y)
        return y


def initial_states(task, n):
    """The states the task's environment started from (it resets with ``last_seed``)."""
    env = make(task.env_name, n, dtype=F64, seed=task.last_seed, device="cpu", **task.env_kwargs)
    env.reset(seed=task.last_seed)
    return env.state.numpy().copy()


def gym_episode(env_id, state, act, max_steps=None):
    """Return of one gymnasium episode started from ``state``; ``act(state) -> action``."""
    env = gymnasium.make(env_id, max_episode_steps=max_steps)
    env.reset(seed=0)
    env.unwrapped.state = np.array(state, dtype=np.float64)
    total = 0.0
    while True:
        _, r, terminated, truncated, _ = env.step(act(np.array(env.unwrapped.state)))
        total += float(r)
        if terminated or truncated:
            return total


def random_policy(p, n_in, n_out, seed, scale=1.0, squash=None):
    g = torch.Generator().manual_seed(seed)
    w = torch.randn(p, n_in, n_out, generator=g, dtype=F64) * scale
    b = torch.randn(p, n_out, generator=g, dtype=F64) * 0.1
    return LinearPolicy(w, b, squash)


# ----------------------------------------------------------------------------- gymnasium
def test_cartpole_argmax_returns_equal_gymnasium():
    p, e = 8, 3
    policy = random_policy(p, 4, 2, seed=1)
    task = Control("CartPole-v1", episodes=e)
    scores = task.episode_scores(policy, generator=torch.Generator().manual_seed(1))
    starts = initial_states(task, p * e)
    want = [
        [
            gym_episode(
                "CartPole-v1", starts[i * e + j], lambda s, i=i: int(np.argmax(policy.np(i, s)))
            )
            for j in range(e)
        ]
        for i in range(p)
    ]
    assert scores.tolist() == want
    # episodes of very different lengths ran in the same batch (masking is exercised)
    assert min(map(min, want)) < 30 and max(map(max, want)) == 500  # incl. the time limit
    fitness = task.evaluate(policy, generator=torch.Generator().manual_seed(1))
    torch.testing.assert_close(fitness, torch.tensor(want, dtype=F64).mean(1))


def test_cartpole_sign_action_and_time_limit():
    p, e = 5, 2
    policy = random_policy(p, 4, 1, seed=3, scale=3.0, squash=torch.sigmoid)
    task = Control("CartPole-v1", episodes=e, action="sign", max_steps=120)
    assert task.num_outputs == 1
    scores = task.episode_scores(policy, generator=torch.Generator().manual_seed(2))
    starts = initial_states(task, p * e)
    want = [
        [
            gym_episode(
                "CartPole-v1", starts[i * e + j], lambda s, i=i: int(policy.np(i, s)[0] > 0.5), 120
            )
            for j in range(e)
        ]
        for i in range(p)
    ]
    assert scores.tolist() == want and max(map(max, want)) <= 120


def test_pendulum_scaled_continuous_actions_match_gymnasium():
    p, e = 4, 2
    policy = random_policy(p, 3, 1, seed=5, scale=2.0, squash=torch.tanh)
    task = Control("Pendulum-v1", episodes=e, output_range=(-1, 1), obs_norm="auto")
    assert task.fitness_threshold is None and task.max_steps == 200
    scores = task.episode_scores(policy, generator=torch.Generator().manual_seed(3))
    starts = initial_states(task, p * e)

    def act(i, s):
        obs = np.array([math.cos(s[0]), math.sin(s[0]), s[1]]) / np.array([1.0, 1.0, 8.0])
        out = policy.np(i, obs)
        return np.clip(-2.0 + (out + 1.0) / 2.0 * 4.0, -2.0, 2.0)

    want = [
        [gym_episode("Pendulum-v1", starts[i * e + j], lambda s, i=i: act(i, s)) for j in range(e)]
        for i in range(p)
    ]
    torch.testing.assert_close(scores, torch.tensor(want, dtype=F64), rtol=1e-9, atol=1e-9)


def test_neat_genomes_compiled_match_neat_python_and_gymnasium(tmp_path):
    import neuroevo as ne

    config = neat_config(tmp_path, _CARTPOLE, drop=_CARTPOLE_DROP, name="cp.ini")
    pop = neat.Population(config, seed=7)
    genomes = list(pop.population.values())[:6]
    for g in genomes:  # some structure beyond the initial full connection
        for _ in range(3):
            g.mutate(config.genome_config)
    net = ne.compile_population(genomes, config.genome_config, dtype=F64, device="cpu")
    task = Control("CartPole-v1", episodes=2)
    scores = task.episode_scores(net, generator=torch.Generator().manual_seed(4))
    starts = initial_states(task, 12)
    want = []
    for i, g in enumerate(genomes):
        ref = neat.nn.FeedForwardNetwork.create(g, config)
        want.append(
            [
                gym_episode(
                    "CartPole-v1",
                    starts[i * 2 + j],
                    lambda s: int(np.argmax(ref.activate(list(s)))),
                )
                for j in range(2)
            ]
        )
    assert scores.tolist() == want


def test_gymnasium_adapter_episodes_match_plain_gymnasium():
    p, e = 3, 2
    policy = random_policy(p, 4, 2, seed=1)
    task = Control("gym:CartPole-v1", episodes=e)
    scores = task.episode_scores(policy, generator=torch.Generator().manual_seed(6))
    want = []
    for i in range(p):
        row = []
        for j in range(e):  # the adapter seeds sub-environment k with seed + k
            env = gymnasium.make("CartPole-v1")
            obs, _ = env.reset(seed=task.last_seed + i * e + j)
            total, done = 0.0, False
            while not done:
                obs, r, term, trunc, _ = env.step(
                    int(np.argmax(policy.np(i, obs.astype(np.float64))))
                )
                total, done = total + r, term or trunc
            row.append(total)
        want.append(row)
    assert scores.tolist() == want


# ----------------------------------------------------------------------------- double pole
def _double_pole_reference(policy, p, steps=1000):
    """NEAT's non-Markovian protocol in scalar floats: steps balanced and Gruau's fitness."""
    s = [0.0, 0.0, 0.07, 0.0, 0.0, 0.0]
    wiggles = []
    for _ in range(steps):
        o = float(policy.np(p, [s[0] / 4.8, s[2] / 0.52, s[4] / 0.52])[0])
        force = (o - 0.5) * 2 * 10  # NEAT's mapping of a [0, 1] output
        for _ in range(2):
            s = ref_rk4(s, force, 0.01)
        if abs(s[0]) > 2.4 or abs(s[2]) > math.radians(36) or abs(s[4]) > math.radians(36):
            break
        wiggles.append(abs(s[0]) + abs(s[1]) + abs(s[2]) + abs(s[3]))
    t = len(wiggles)
    f2 = 0.75 / sum(wiggles[-100:]) if t >= 100 else 0.0
    return t, 0.1 * t / 1000 + 0.9 * f2


def test_double_pole_nv_default_fitness_is_gruaus():
    policy = random_policy(5, 3, 1, seed=11, scale=4.0, squash=torch.sigmoid)
    task = Control("DoublePoleNV-v0")
    assert task.max_steps == 1000 and task.num_inputs == 3 and task.fitness_threshold is None
    fitness = task.evaluate(policy, generator=torch.Generator().manual_seed(0))
    want = [_double_pole_reference(policy, i)[1] for i in range(5)]
    torch.testing.assert_close(fitness, torch.tensor(want, dtype=F64), rtol=1e-9, atol=1e-12)
    steps = Control("DoublePoleNV-v0", fitness="return").evaluate(policy)
    assert steps.tolist() == [float(_double_pole_reference(policy, i)[0]) for i in range(5)]


def _lqr_policy(p_count=1):
    """A linear state-feedback controller (LQR on Wieland's equations linearised at 0)."""
    scipy_linalg = pytest.importorskip("scipy.linalg")
    from neuroevo.envs.double_pole import derivatives

    m = torch.tensor([0.1, 0.01], dtype=F64)
    l = torch.tensor([0.5, 0.05], dtype=F64)

    def f(s, u):
        return derivatives(s[None], u.reshape(1), pole_mass=m, half_length=l)[0]

    s0, u0 = torch.zeros(6, dtype=F64), torch.zeros((), dtype=F64)
    a = torch.autograd.functional.jacobian(lambda s: f(s, u0), s0).numpy()
    b = torch.autograd.functional.jacobian(lambda u: f(s0, u), u0).numpy().reshape(6, 1)
    q = np.diag([1.0, 1.0, 100.0, 1.0, 100.0, 1.0])
    x = scipy_linalg.solve_continuous_are(a, b, q, np.array([[1.0]]))
    k = (b.T @ x).reshape(6)  # force = -k . state (newtons)
    scale = np.array([4.8, 2.0, 0.52, 2.0, 0.52, 2.0])  # observations are scaled states
    w = -(k * scale / 10.0)[None, :, None].repeat(p_count, 0)  # action in [-1, 1] = force / 10
    return LinearPolicy(w, np.zeros((p_count, 1)))


def test_double_pole_balanced_by_lqr_and_anti_wiggle_f2():
    policy = _lqr_policy()
    task = Control("DoublePole-v0", action="raw", max_steps=1000)
    assert task.fitness_threshold == 1000.0
    assert task.evaluate(policy).tolist() == [1000.0]  # the physics is balanceable as in the papers
    wiggle = Control(
        "DoublePole-v0",
        action="raw",
        max_steps=1000,
        fitness=lambda env: AntiWiggleFitness(env.num_envs, dtype=env.dtype),
    )
    # reference: the same controller in scalar floats, Gruau's f with f2 > 0
    s = [0.0, 0.0, 0.07, 0.0, 0.0, 0.0]
    wiggles = []
    for _ in range(1000):
        obs = [v / c for v, c in zip(s, (4.8, 2.0, 0.52, 2.0, 0.52, 2.0))]
        a = max(-1.0, min(1.0, float(policy.np(0, obs)[0])))
        for _ in range(2):
            s = ref_rk4(s, 10.0 * a, 0.01)
        wiggles.append(abs(s[0]) + abs(s[1]) + abs(s[2]) + abs(s[3]))
    want = 0.1 + 0.9 * 0.75 / sum(wiggles[-100:])
    torch.testing.assert_close(
        wiggle.evaluate(policy), torch.tensor([want], dtype=F64), rtol=1e-7, atol=0
    )


# ----------------------------------------------------------------------------- mechanics
class RecordingRecurrentPolicy(torch.nn.Module):
    """Pushes left in every episode; records resets and the inputs it saw."""

    recurrent = True

    def __init__(self, p):
        super().__init__()
        self.num_candidates, self.num_inputs, self.num_outputs = p, 4, 2
        self.resets = 0
        self.calls = []
        self.dummy = torch.nn.Parameter(torch.zeros((), dtype=F64))

    def reset(self):
        self.resets += 1
        self.calls.clear()

    def forward(self, x):
        self.calls.append(x.clone())
        out = torch.zeros(*x.shape[:2], 2, dtype=x.dtype)
        out[..., 0] = 1.0
        return out


def test_recurrent_reset_and_finished_episodes_are_masked():
    policy = RecordingRecurrentPolicy(3)
    task = Control("CartPole-v1", episodes=4)
    scores = task.episode_scores(policy, generator=torch.Generator().manual_seed(5))
    assert policy.resets == 1
    lengths = scores.long()
    assert len(policy.calls) == int(lengths.max())  # stops once every episode is over
    for k, x in enumerate(policy.calls):
        done = lengths <= k  # episodes that ended before step k see zeros
        assert bool((x[done] == 0).all()) and bool((x[~done] != 0).any(-1).all())
    assert task.last_env_steps == int(lengths.sum())


def test_same_generator_same_fitness_and_counts():
    policy = random_policy(4, 4, 2, seed=8)
    task = Control("CartPole-v1", episodes=3)
    a = task.evaluate(policy, generator=torch.Generator().manual_seed(9))
    b = task.evaluate(policy, generator=torch.Generator().manual_seed(9))
    assert torch.equal(a, b) and task.evaluations_per_candidate() == 3


def test_thresholds_follow_gymnasium_and_the_literature():
    for env_id in ("CartPole-v1", "Acrobot-v1", "MountainCar-v0"):
        assert Control(env_id).fitness_threshold == gymnasium.spec(env_id).reward_threshold
    assert Control("DoublePole-v0").fitness_threshold == 100_000  # NEAT: balance 100,000 steps
    assert Control("DoublePole-v0", max_steps=500).fitness_threshold == 500
    assert Control("CartPole-v1", fitness_threshold=100).fitness_threshold == 100
    assert Control("Acrobot-v1").num_outputs == 3 and Control("Pendulum-v1").num_outputs == 1


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(env_name="CartPole-v1", episodes=0), "episodes"),
        (dict(env_name="CartPole-v1", max_steps=-3), "max_steps"),
        (dict(env_name="CartPole-v1", action="scale"), "argmax"),
        (dict(env_name="Acrobot-v1", action="sign"), "2 actions"),
        (dict(env_name="Pendulum-v1", action="argmax"), "continuous"),
        (dict(env_name="Pendulum-v1", obs_norm=([0, 0], [1, 1])), "obs_norm"),
        (dict(env_name="CartPole-v1", action="bogus"), "bogus"),
        (dict(env_name="NoSuchEnv-v0"), "NoSuchEnv"),
        (dict(env_name="CartPole-v1", env_kwargs={"max_episode_steps": 3}), "max_steps"),
        (dict(env_name="CartPole-v1", output_range=(1, 0)), "output_range"),
    ],
)
def test_bad_arguments(kwargs, match):
    with pytest.raises(TaskError, match=match):
        Control(kwargs.pop("env_name"), **kwargs)


def test_wrong_policy_outputs():
    task = Control("CartPole-v1")
    with pytest.raises(TaskError, match=r"expected \[3, 1, 2\]"):
        task.evaluate(random_policy(3, 4, 1, seed=0))


def test_double_pole_env_used_by_control_is_the_registered_one():
    task = Control("DoublePole-v0", max_steps=10)
    task.evaluate(random_policy(2, 6, 1, seed=0, squash=torch.sigmoid))
    assert isinstance(task._env, DoublePole) and task._env.num_envs == 2


# neat-python's CartPole setup (tanh and sum only, values within +-30) as overrides of
# tests/neat_ini.py's BASE; the keys it never set are dropped.
_CARTPOLE = {
    "NEAT": {"fitness_threshold": 475, "pop_size": 20},
    "DefaultGenome": {
        "activation_default": "tanh",
        "activation_mutate_rate": 0.0,
        "activation_options": "tanh",
        "aggregation_default": "sum",
        "aggregation_mutate_rate": 0.0,
        "aggregation_options": "sum",
        "bias_max_value": 30.0,
        "bias_min_value": -30.0,
        "bias_mutate_power": 0.5,
        "bias_mutate_rate": 0.7,
        "conn_add_prob": 0.9,
        "conn_delete_prob": 0.1,
        "enabled_mutate_rate": 0.01,
        "initial_connection": "full",
        "node_add_prob": 0.9,
        "node_delete_prob": 0.1,
        "num_hidden": 0,
        "num_inputs": 4,
        "response_init_stdev": 0.0,
        "response_max_value": 30.0,
        "response_min_value": -30.0,
        "response_mutate_power": 0.0,
        "response_mutate_rate": 0.0,
        "response_replace_rate": 0.0,
        "weight_max_value": 30,
        "weight_min_value": -30,
        "weight_mutate_power": 0.5,
    },
}
_CARTPOLE_DROP = {
    "DefaultGenome": [
        "bias_init_type",
        "response_init_type",
        "weight_init_type",
        "enabled_rate_to_true_add",
        "enabled_rate_to_false_add",
    ],
    "DefaultReproduction": ["min_species_size"],
}
