"""Observation normalisation: running statistics against numpy, Control's use of them,
slices against the whole population, checkpoints and experiment files."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch

import neuroevo as ne
from neuroevo.errors import CheckpointError, TaskError
from neuroevo.io.checkpoint import load_checkpoint, save_checkpoint
from neuroevo.policy import BatchedPolicy
from neuroevo.tasks.control import Control
from neuroevo.tasks.normalize import CandidateMoments, RunningNorm


class Recording(BatchedPolicy):
    """P candidates acting on ``x @ w`` (or always action 0), remembering every input."""

    def __init__(self, p: int, *, constant: bool = False, seed: int = 0) -> None:
        super().__init__()
        g = torch.Generator().manual_seed(seed)
        self.w = torch.randn(p, 4, 2, generator=g)
        self.num_candidates, self.num_inputs, self.num_outputs = p, 4, 2
        self.constant = constant
        self.inputs: list[torch.Tensor] = []

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.inputs.append(x.clone())
        if self.constant:
            return torch.tensor([1.0, 0.0]).expand(x.shape[0], x.shape[1], 2)
        return torch.einsum("pbi,pio->pbo", x, self.w)


def test_running_norm_equals_numpy_over_chunks():
    rng = np.random.default_rng(0)
    data = rng.normal(1e3, 3.0, size=(1000, 5)) * np.array([1, 10, 0.1, 1, 5])
    norm = RunningNorm(5)
    cuts = np.sort(rng.choice(np.arange(1, 1000), size=30, replace=False))
    for chunk in np.split(data, cuts):
        norm.update(torch.from_numpy(chunk))
    assert float(norm.count) == 1000
    np.testing.assert_allclose(norm.mean.numpy(), data.mean(0), rtol=1e-12)
    np.testing.assert_allclose(norm.var.numpy(), data.var(0), rtol=1e-9)
    one_by_one = RunningNorm(5)
    for row in data[:50]:
        one_by_one.update(torch.from_numpy(row))
    np.testing.assert_allclose(one_by_one.var.numpy(), data[:50].var(0), rtol=1e-9)


def test_merging_two_sets_equals_numpy_over_both():
    rng = np.random.default_rng(1)
    a, b = rng.normal(-2, 1, (37, 3)), rng.normal(5, 4, (101, 3))
    na, nb = RunningNorm(3).update(torch.from_numpy(a)), RunningNorm(3).update(torch.from_numpy(b))
    merged = na.copy().merge(nb)
    both = np.concatenate([a, b])
    np.testing.assert_allclose(merged.mean.numpy(), both.mean(0), rtol=1e-12)
    np.testing.assert_allclose(merged.var.numpy(), both.var(0), rtol=1e-10)
    assert float(na.count) == 37  # merging into a copy left the original alone
    x = torch.from_numpy(rng.normal(size=(4, 3)))
    expected = (x.numpy() - both.mean(0)) / np.sqrt(np.maximum(both.var(0), 1e-2))
    np.testing.assert_allclose(merged.normalize(x).numpy(), expected, rtol=1e-10)


def test_empty_statistics_are_the_identity_and_a_constant_is_not_blown_up():
    norm = RunningNorm(2)
    x = torch.tensor([[3.0, -4.0]])
    assert torch.equal(norm.normalize(x), x)
    norm.update(torch.full((10, 2), 7.0))
    assert torch.allclose(norm.normalize(torch.full((1, 2), 8.0)), torch.full((1, 2), 10.0))


def test_candidate_moments_equal_numpy_over_the_running_rows():
    rng = np.random.default_rng(2)
    p, e, steps = 3, 2, 6
    shift = torch.tensor([0.5, -1.0], dtype=torch.float64)
    mom = CandidateMoments(p, e, shift)
    seen = []
    for _ in range(steps):
        obs = torch.from_numpy(rng.normal(3, 2, (p * e, 2)))
        active = torch.from_numpy(rng.random(p * e) < 0.7)
        mom.add(obs, active, None)
        seen.append(obs[active].numpy())
    seen = np.concatenate(seen)
    total = mom.total()
    assert float(total.count) == len(seen)
    np.testing.assert_allclose(total.mean.numpy(), seen.mean(0), rtol=1e-12)
    np.testing.assert_allclose(total.var.numpy(), seen.var(0), rtol=1e-10)


def test_control_statistics_are_those_of_the_observations_the_policies_saw():
    task = Control("CartPole-v1", episodes=2, normalize_observations=True)
    policy = Recording(4)
    fitness = task.evaluate(policy, generator=torch.Generator().manual_seed(0))
    # the first evaluation runs on raw observations (no statistics yet); finished episodes'
    # rows are zeros to the policy, and a running CartPole observation is never all zero
    rows = torch.cat([x.reshape(-1, 4) for x in policy.inputs]).double().numpy()
    rows = rows[np.abs(rows).sum(1) > 0]
    stats = task.observation_stats
    assert float(stats.count) == len(rows) == task.last_env_steps
    np.testing.assert_allclose(stats.mean.numpy(), rows.mean(0), rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(stats.var.numpy(), rows.var(0), rtol=1e-5, atol=1e-9)
    plain = Control("CartPole-v1", episodes=2)
    assert torch.equal(
        plain.evaluate(Recording(4), generator=torch.Generator().manual_seed(0)), fitness
    )


def test_control_feeds_normalised_observations_from_the_previous_statistics():
    task = Control("CartPole-v1", episodes=2, normalize_observations=True)
    first, second = Recording(3, constant=True), Recording(3, constant=True)
    task.evaluate(first, generator=torch.Generator().manual_seed(5))
    mean, std = task.observation_stats.mean.clone(), task.observation_stats.std.clone()
    task.evaluate(second, generator=torch.Generator().manual_seed(5))  # same episodes, same actions
    raw = torch.stack(first.inputs).double()
    fed = torch.stack(second.inputs).double()
    running = raw.abs().sum(-1) > 0
    expected = ((raw - mean) / std)[running]
    assert torch.allclose(fed[running], expected, rtol=1e-5, atol=1e-5)
    assert float(task.observation_stats.count) == 2 * float(running.sum())


def test_slices_merged_in_order_give_the_whole_population_statistics_bit_for_bit():
    mlp = ne.MLP(4, [3], 2)
    params = torch.randn(
        6, sum(p.numel() for p in mlp.parameters()), generator=torch.Generator().manual_seed(3)
    )
    whole = Control("CartPole-v1", episodes=3, normalize_observations=True)
    whole.evaluate(ne.ParameterPolicy(mlp, params), generator=torch.Generator().manual_seed(9))
    before = copy.deepcopy(whole)  # the statistics the next generation starts from
    f_whole = whole.evaluate(
        ne.ParameterPolicy(mlp, params), generator=torch.Generator().manual_seed(1)
    )
    parts, fits = [], []
    for ids in ([0, 1, 2, 3], [4, 5]):
        worker = copy.deepcopy(before)
        fits.append(
            worker.evaluate(
                ne.ParameterPolicy(mlp, params[ids]),
                candidates=ids,
                population_size=6,
                generator=torch.Generator().manual_seed(1),
            )
        )
        parts.append(worker.last_observation_moments)
    driver = copy.deepcopy(before)
    driver.observations.update(CandidateMoments.cat(parts))
    assert torch.equal(torch.cat(fits), f_whole)
    for name in ("count", "mean", "m2"):
        assert torch.equal(
            getattr(driver.observation_stats, name), getattr(whole.observation_stats, name)
        )


def _run(generations, *, start=0, strategy=None, task=None):
    strategy = strategy or ne.GA(ne.MLP(4, [4], 2), pop_size=6, reset_module=True)
    task = task or Control("CartPole-v1", episodes=2, normalize_observations=True)
    result = ne.evolve(
        strategy,
        task,
        generations=generations,
        seed=4,
        setup=start == 0,
        start_generation=start,
        stop_on_solve=False,
    )
    return result, strategy, task


def test_a_checkpointed_and_resumed_run_equals_the_uninterrupted_one(tmp_path):
    whole, _, whole_task = _run(4)
    _, strategy, task = _run(2)
    path = tmp_path / "gen-2.ckpt"
    save_checkpoint(
        path,
        strategy_state={"strategy": strategy.state_dict(), "task": task.state_dict()},
        loop_state={"next_generation": 2},
        experiment=None,
    )
    ckpt = load_checkpoint(path)
    strategy2 = ne.GA(ne.MLP(4, [4], 2), pop_size=6, reset_module=True)
    strategy2.setup(
        num_inputs=4, num_outputs=2, seed=123, device=torch.device("cpu"), dtype=torch.float32
    )
    strategy2.load_state_dict(ckpt.strategy_state["strategy"])
    task2 = Control("CartPole-v1", episodes=2, normalize_observations=True)
    task2.load_state_dict(ckpt.strategy_state["task"])
    rest, _, task2 = _run(2, start=2, strategy=strategy2, task=task2)
    assert [s.best_fitness for s in rest.history] == [s.best_fitness for s in whole.history[2:]]
    assert [s.mean_fitness for s in rest.history] == [s.mean_fitness for s in whole.history[2:]]
    for name in ("count", "mean", "m2"):
        assert torch.equal(
            getattr(task2.observation_stats, name), getattr(whole_task.observation_stats, name)
        )


def test_option_in_experiment_files_and_errors(tmp_path):
    from neuroevo.run.build import build
    from neuroevo.run.experiment_file import load_experiment

    path = tmp_path / "exp.toml"
    path.write_text(
        '[experiment]\ngenerations = 1\n[task]\nname = "cartpole"\n'
        'normalize_observations = true\n[strategy]\nname = "ga"\npop_size = 4\n'
    )
    task = build(load_experiment(path), seed=0).task
    assert isinstance(task.observation_stats, RunningNorm)
    assert Control("CartPole-v1").observation_stats is None
    with pytest.raises(TaskError, match="normalize_observations"):
        Control("CartPole-v1", normalize_observations=True, obs_norm="auto")
    with pytest.raises(TaskError, match="normalize_observations"):
        Control("CartPole-v1", normalize_observations="yes")
    with pytest.raises(CheckpointError, match="normalize_observations"):
        Control("CartPole-v1").load_state_dict(task.state_dict())
    with pytest.raises(CheckpointError, match="same task"):
        task.load_state_dict(
            {
                "observation_stats": {
                    "count": torch.zeros(()),
                    "mean": torch.zeros(3),
                    "m2": torch.zeros(3),
                }
            }
        )
