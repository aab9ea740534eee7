"""A strategy and a task small enough to check the loop by hand (no randomness at all)."""

from __future__ import annotations

import torch

from neuroevo.policy import BatchedPolicy
from neuroevo.strategies.base import Strategy
from neuroevo.tasks.base import Task


class ConstantPolicy(BatchedPolicy):
    """Candidate i outputs values[i] for every input row."""

    def __init__(self, values: torch.Tensor) -> None:
        super().__init__()
        self.values = values
        self.num_candidates, self.num_inputs, self.num_outputs = len(values), 1, 1

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.values.view(-1, 1, 1).expand(self.num_candidates, x.shape[-2], 1)


class Climb(Strategy):
    """Three candidates that step up by 1 each generation; no randomness at all."""

    name = "climb"

    def setup(self, *, num_inputs, num_outputs, seed, device, dtype):
        self.values = torch.tensor([0.0, 0.5, 1.0], dtype=dtype)

    def ask(self):
        return ConstantPolicy(self.values)

    def tell(self, fitness):
        if float(fitness.max()) > self.best_fitness:
            self.best_fitness, self.best = float(fitness.max()), self.values.clone()
        self.values = self.values + 1.0

    @property
    def population_size(self):
        return 3

    def state_dict(self):
        return {"values": self.values, "best_fitness": self.best_fitness}


class Score(Task):
    """Fitness = the candidate's output; raises ``error`` in generation ``fail_at``."""

    name = "score"
    num_inputs, num_outputs = 1, 1

    def __init__(self, threshold=None, fail_at=None, error=KeyboardInterrupt):
        self.fitness_threshold, self.fail_at, self.error = threshold, fail_at, error
        self.calls, self.seeds = 0, []

    def evaluate(self, policy, *, generator=None):
        self.seeds.append(generator.initial_seed())
        if self.calls == self.fail_at:
            raise self.error("stop")
        self.calls += 1
        return policy(torch.zeros(2, 1))[:, 0, 0]
