"""Control through the gymnasium adapter: returns equal plain gymnasium loops, no wasted
steps, and each candidate's episodes start from its own seed (a slice scores as the whole)."""

from __future__ import annotations

import gymnasium
import neat
import numpy as np
import pytest
import torch

import neuroevo as ne
from neuroevo.errors import TaskError
from neuroevo.tasks.control import Control
from tests.compile.random_genomes import make_config, random_genomes
from tests.tasks.test_control import F64, LinearPolicy, random_policy


def plain_gymnasium_return(env_id, seed, act, max_steps=None):
    """gymnasium.make, env.reset(seed=seed), step until terminated/truncated; the return."""
    env = gymnasium.make(env_id, max_episode_steps=max_steps)
    obs, _ = env.reset(seed=seed)
    total, steps = 0.0, 0
    while True:
        obs, reward, terminated, truncated, _ = env.step(act(obs))
        total, steps = total + float(reward), steps + 1
        if terminated or truncated:
            return total, steps


def sub_policy(policy, idx):
    return LinearPolicy(policy.weight.detach()[idx], policy.bias.detach()[idx], policy.squash)


def count_gym_calls(task):
    """Wrap the step/reset of every gymnasium environment in the task's pool; returns the counts."""
    counts = {"step": 0, "reset": 0}
    for sub in task._env.envs:
        for name in ("step", "reset"):

            def counted(*a, _f=getattr(sub, name), _name=name, **kw):  # noqa: B008
                counts[_name] += 1
                return _f(*a, **kw)

            setattr(sub, name, counted)
    return counts


def test_pendulum_returns_equal_plain_gymnasium():
    p, e = 3, 2
    policy = random_policy(p, 3, 1, seed=5, scale=2.0, squash=torch.tanh)
    task = Control("gym:Pendulum-v1", episodes=e, output_range=(-1, 1), max_steps=60)
    scores = task.episode_scores(policy, generator=torch.Generator().manual_seed(3))

    def act(i, obs):  # the task's "scale" mapping, then gymnasium's float32 action
        out = policy.np(i, obs.astype(np.float64))
        return np.clip(-2.0 + (out + 1.0) * (4.0 / 2.0), -2.0, 2.0).astype(np.float32)

    want = [
        [
            plain_gymnasium_return(
                "Pendulum-v1", task.last_seed + i * e + j, lambda o, i=i: act(i, o), max_steps=60
            )[0]
            for j in range(e)
        ]
        for i in range(p)
    ]
    assert scores.tolist() == want


def test_lunarlander_neat_genomes_equal_neat_python_and_plain_gymnasium_without_wasted_steps(
    tmp_path,
):
    pytest.importorskip("Box2D")
    config = make_config(
        tmp_path,
        n_in=8,
        n_out=4,
        hidden=1,
        acts=["tanh", "sigmoid", "relu"],
        aggs=["sum"],
        initial_connection="full_direct",
    )
    genomes = random_genomes(config, 24, seed=3, max_mutations=3)
    net = ne.compile_population(genomes, config.genome_config, device="cpu", dtype=F64)
    task = Control("gym:LunarLander-v3", episodes=1)
    task.evaluate(net, generator=torch.Generator().manual_seed(0))  # builds the environments
    counts = count_gym_calls(task)
    fitness = task.evaluate(net, generator=torch.Generator().manual_seed(1))
    want, lengths = [], []
    for i, g in enumerate(genomes):
        ref = neat.nn.FeedForwardNetwork.create(g, config)
        ret, steps = plain_gymnasium_return(
            "LunarLander-v3", task.last_seed + i, lambda o: int(np.argmax(ref.activate(o.tolist())))
        )
        want.append(ret)
        lengths.append(steps)
    assert fitness.tolist() == want
    # one gymnasium step per step of a running episode, one reset per episode, nothing else
    assert (
        counts
        == {"step": sum(lengths), "reset": len(genomes)}
        == {"step": task.last_env_steps, "reset": len(genomes)}
    )
    assert task.last_lockstep_steps == max(lengths) and min(lengths) < max(lengths) / 2


@pytest.mark.parametrize("env_name", ["gym:CartPole-v1", "CartPole-v1", "Pendulum-v1"])
def test_a_slice_of_the_population_scores_as_in_the_whole(env_name):
    p, e = 12, 2
    n_in, n_out = (3, 1) if env_name == "Pendulum-v1" else (4, 2)
    policy = random_policy(p, n_in, n_out, seed=2, squash=torch.tanh if n_out == 1 else None)
    kw = dict(output_range=(-1, 1), max_steps=50) if env_name == "Pendulum-v1" else {}
    task = Control(env_name, episodes=e, **kw)
    whole = task.episode_scores(policy, generator=torch.Generator().manual_seed(7))
    differs = 0
    for idx in ([3], [0, 5, 11], [11, 10, 2, 1], list(range(1, p, 2))):
        part = task.episode_scores(
            sub_policy(policy, idx),
            candidates=idx,
            population_size=p,
            generator=torch.Generator().manual_seed(7),
        )
        assert part.tolist() == whole[idx].tolist()
        # the same slice seeded by its positions in the slice plays other episodes
        naive = task.episode_scores(
            sub_policy(policy, idx), generator=torch.Generator().manual_seed(7)
        )
        differs += naive.tolist() != whole[idx].tolist()
    assert differs >= 3


def test_a_slice_of_neat_genomes_scores_as_in_the_whole(tmp_path):
    config = make_config(
        tmp_path,
        n_in=4,
        n_out=2,
        hidden=1,
        acts=["tanh", "sigmoid", "relu"],
        aggs=["sum"],
        initial_connection="full_direct",
    )
    genomes = random_genomes(config, 40, seed=4, max_mutations=5)
    task = Control("gym:CartPole-v1", episodes=2)
    net = ne.compile_population(genomes, config.genome_config, device="cpu")
    whole = task.evaluate(net, generator=torch.Generator().manual_seed(5))
    assert len(set(whole.tolist())) > 10  # the genomes play differently
    for idx in ([7], list(range(0, 40, 3)), list(range(39, 19, -1))):
        part_net = ne.compile_population(
            [genomes[i] for i in idx], config.genome_config, device="cpu"
        )
        part = task.evaluate(
            part_net, candidates=torch.tensor(idx), generator=torch.Generator().manual_seed(5)
        )
        assert part.tolist() == whole[idx].tolist()


@pytest.mark.parametrize(
    "env_name, kwargs, match",
    [
        ("gym:CartPole-v1", dict(candidates=[0, 1]), "expected 3 distinct"),
        ("gym:CartPole-v1", dict(candidates=[0, 1, 1]), "expected 3 distinct"),
        ("gym:CartPole-v1", dict(candidates=[0, -1, 2]), "expected 3 distinct"),
        ("gym:CartPole-v1", dict(candidates=[0.0, 1.0, 2.0]), "expected 3 distinct"),
        ("gym:CartPole-v1", dict(candidates=[0, 1, 5], population_size=5), "population_size"),
        ("CartPole-v1", dict(candidates=[0, 1, 2]), "torch environments need it"),
    ],
)
def test_bad_candidates(env_name, kwargs, match):
    with pytest.raises(TaskError, match=match):
        Control(env_name).evaluate(random_policy(3, 4, 2, seed=0), **kwargs)


def test_same_starts_gives_every_candidate_the_same_gymnasium_episodes():
    """Common random numbers: episode j of every candidate starts from seed last_seed + j."""
    p, e = 5, 3
    policy = random_policy(p, 4, 2, seed=9)
    task = Control("gym:CartPole-v1", episodes=e, same_starts=True)
    scores = task.episode_scores(policy, generator=torch.Generator().manual_seed(4))
    want = [
        [
            plain_gymnasium_return(
                "CartPole-v1",
                task.last_seed + j,
                lambda o, i=i: int(policy.np(i, o.astype(np.float64)).argmax()),
            )[0]
            for j in range(e)
        ]
        for i in range(p)
    ]
    assert scores.tolist() == want
    # a slice plays the same episodes, whatever its positions
    idx = [4, 1]
    part = task.episode_scores(
        sub_policy(policy, idx),
        candidates=idx,
        population_size=p,
        generator=torch.Generator().manual_seed(4),
    )
    assert part.tolist() == scores[idx].tolist()


@pytest.mark.parametrize("env_name", ["CartPole-v1", "Pendulum-v1"])
def test_same_starts_on_torch_environments(env_name):
    """The same initial state for episode j of every candidate; equal policies score equally
    wherever they sit, and a slice scores as in the whole."""
    n_in, n_out = (4, 2) if env_name == "CartPole-v1" else (3, 1)
    squash = torch.tanh if n_out == 1 else None
    kw = dict(output_range=(-1, 1), max_steps=50) if n_out == 1 else {}
    p, e = 6, 2
    base = random_policy(p, n_in, n_out, seed=3)
    weight, bias = base.weight.detach().clone(), base.bias.detach().clone()
    weight[4], bias[4] = weight[1], bias[1]  # candidates 1 and 4 are the same policy
    policy = LinearPolicy(weight, bias, squash)
    task = Control(env_name, episodes=e, same_starts=True, **kw)
    scores = task.episode_scores(policy, generator=torch.Generator().manual_seed(2))
    assert scores[1].tolist() == scores[4].tolist()
    plain = Control(env_name, episodes=e, **kw).episode_scores(
        policy, generator=torch.Generator().manual_seed(2)
    )
    assert plain[1].tolist() != plain[4].tolist()  # own start states: the twins differ
    idx = [5, 0, 3]
    part = task.episode_scores(
        sub_policy(policy, idx),
        candidates=idx,
        population_size=p,
        generator=torch.Generator().manual_seed(2),
    )
    assert part.tolist() == scores[idx].tolist()


@pytest.mark.parametrize("bad", [1, "yes", None])
def test_same_starts_must_be_a_bool(bad):
    with pytest.raises(TaskError, match="same_starts: expected true or false"):
        Control("CartPole-v1", same_starts=bad)
