"""Fitness that depends on the whole population is the same on workers as in one process.

``Supervised`` gives a candidate with non-finite outputs the lowest finite fitness of the
*population*; a worker sees only its slice, so the population's step runs once in the
driver (``Task.population_fitness``) on the slices' joined ``candidate_scores``. The
candidates below are hand-made so that the two slices (positions 0, 2, 4, 6 and 1, 3, 5, 7:
equal costs alternate) have different minima. Expected values are computed by hand:
XOR fitness ``4 - SSE`` of ``y = a*x1 + b*x2`` is ``4 - ((b-1)^2 + (a-1)^2 + (a+b)^2)``.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import torch

import neuroevo as ne
from neuroevo.compile.params import ParameterPolicy
from neuroevo.errors import TaskError
from neuroevo.parallel.balance import split_balanced
from neuroevo.tasks.base import Task

INF, NAN = math.inf, math.nan
CONFIGS = Path(__file__).resolve().parents[2] / "configs"
#: (a, b) of each candidate and its own score (before the population's step)
ROWS = [
    ((3.0, 3.0), -40.0),  # the population's lowest finite score
    ((INF, 1.0), NAN),  # 0 * inf = nan on the case (0, 0)
    ((1.0, 1.0), 0.0),
    ((0.0, 0.0), 2.0),
    ((-INF, INF), NAN),
    ((1e200, 1e200), -INF),  # (a + b)^2 overflows
    ((1.0, 0.0), 2.0),
    ((0.5, 0.5), 2.5),
]
FLOORED = [-40.0, -40.0, 0.0, 2.0, -40.0, -40.0, 2.0, 2.5]
#: ranks of the own scores, non-finite lowest, ties in position order
RANKS = [3.0, 0.0, 4.0, 5.0, 1.0, 2.0, 6.0, 7.0]


class RankedXOR(ne.tasks.XOR):
    """XOR whose fitness is the rank of the candidate's score within its population."""

    def population_fitness(self, scores: torch.Tensor) -> torch.Tensor:
        key = torch.nan_to_num(scores, nan=-INF)
        order = torch.argsort(key, stable=True)
        return torch.argsort(order, stable=True).to(scores.dtype)


class OnlyWholePopulation(Task):
    """A population step without candidate_scores: workers cannot run it."""

    name, num_inputs, num_outputs = "whole", 2, 1

    def evaluate(self, policy, *, generator=None):
        return self.population_fitness(torch.zeros(policy.num_candidates))

    def population_fitness(self, scores):
        return scores - scores.mean()


def _policy() -> ParameterPolicy:
    params = torch.tensor([ab for ab, _ in ROWS], dtype=torch.float64)
    module = torch.nn.Linear(2, 1, bias=False).double()
    return ParameterPolicy(module, params, num_inputs=2, num_outputs=1)


def test_the_hand_computed_scores_in_one_process():
    task = ne.tasks.XOR()
    own = task.candidate_scores(_policy())
    assert own.dtype == torch.float64
    assert [f"{v}" for v in own.tolist()] == [f"{s}" for _, s in ROWS]
    assert task.evaluate(_policy()).tolist() == FLOORED
    assert RankedXOR().evaluate(_policy()).tolist() == RANKS


class CountingXOR(ne.tasks.XOR):
    """XOR counting, in the driver, the candidates whose own score is not finite."""

    nonfinite = 0

    def population_fitness(self, scores: torch.Tensor) -> torch.Tensor:
        self.nonfinite += int((~torch.isfinite(scores)).sum())
        return super().population_fitness(scores)


def _on(backend, task):
    backend.open(task)
    policy = _policy()
    # the strategy gives the candidates as data: any vector strategy over the policy's module
    strategy = ne.GA(policy.module, pop_size=policy.num_candidates)
    return backend.evaluate(strategy, policy, torch.Generator().manual_seed(1))


@pytest.mark.parametrize("make, want", [(ne.tasks.XOR, FLOORED), (RankedXOR, RANKS)])
def test_worker_processes_give_the_whole_populations_fitness(process_backend, make, want):
    got = _on(process_backend, make())
    assert [s.tolist() for s in split_balanced(np.ones(8), 2)] == [[0, 2, 4, 6], [1, 3, 5, 7]]
    assert got.dtype == torch.float64 and got.tolist() == want


@pytest.mark.parametrize("make, want", [(ne.tasks.XOR, FLOORED), (RankedXOR, RANKS)])
def test_ray_actors_give_the_whole_populations_fitness(ray_session, make, want):
    from neuroevo.parallel.ray_backend import RayBackend

    with RayBackend(workers=2) as backend:
        assert _on(backend, make()).tolist() == want


def test_a_population_step_without_candidate_scores_is_refused(process_backend):
    with pytest.raises(TaskError) as e:
        process_backend.open(OnlyWholePopulation())
    assert "candidate_scores" in str(e.value) and "\n" not in str(e.value)


def test_a_neat_run_with_overflowing_networks_equals_the_serial_run(process_backend, tmp_path):
    """Whole runs: exp activations with wide weights overflow in some genomes every
    generation; the serial run is the reference."""
    ini = tmp_path / "xor_exp.ini"
    text = (CONFIGS / "xor.ini").read_text()
    text = text.replace("= sigmoid", "= exp")  # activation_default and activation_options
    wide = {
        "weight_init_stdev": 60,
        "weight_max_value": 60,
        "bias_max_value": 60,
        "compatibility_threshold": 1000,
    }  # wide weights, and few species all the same
    text = "\n".join(
        f"{line.split('=')[0].strip()} = {wide[line.split('=')[0].strip()]}"
        if line.split("=")[0].strip() in wide
        else line
        for line in text.splitlines()
    )
    ini.write_text(text + "\n")

    def run(backend):
        task = CountingXOR()
        result = ne.evolve(
            ne.NEAT(str(ini), pop_size=40),
            task,
            generations=3,
            seed=6,
            device="cpu",
            backend=backend,
        )
        return result, task.nonfinite

    serial, overflowed = run(None)
    got, overflowed_too = run(process_backend)
    assert overflowed == overflowed_too > 0
    assert [(h.best_fitness, h.mean_fitness, h.std_fitness) for h in got.history] == [
        (h.best_fitness, h.mean_fitness, h.std_fitness) for h in serial.history
    ]
