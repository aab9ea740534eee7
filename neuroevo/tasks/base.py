"""What every task provides: sizes, a solve threshold, and batched evaluation."""

from __future__ import annotations

import abc

import torch

from neuroevo.policy import BatchedPolicy


class Task(abc.ABC):
    """A problem that scores a whole population at once.

    ``evaluate(policy)`` runs every candidate of ``policy`` (one batched forward, or
    lockstep rollouts) and returns fitness ``[P]`` (float, larger is better, finite).
    ``fitness_threshold`` marks a candidate as a solution (``None``: never solved).
    """

    #: short name used in experiment files ("xor", "parity", "cartpole" ...)
    name: str = "task"
    num_inputs: int
    num_outputs: int
    fitness_threshold: float | None = None

    @abc.abstractmethod
    def evaluate(
        self, policy: BatchedPolicy, *, generator: torch.Generator | None = None
    ) -> torch.Tensor:
        """Fitness ``[P]`` of every candidate of ``policy``."""

    def evaluations_per_candidate(self) -> int:
        """How many fitness evaluations one call of :meth:`evaluate` counts per candidate."""
        return 1
