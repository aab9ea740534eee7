"""What every task provides: sizes, a solve threshold, and batched evaluation."""

from __future__ import annotations

import abc
from collections.abc import Sequence
from typing import Any

import torch

from neuroevo.policy import BatchedPolicy


class Task(abc.ABC):
    """A problem that scores a whole population at once.

    ``evaluate(policy)`` runs every candidate of ``policy`` (one batched forward, or
    lockstep rollouts) and returns fitness ``[P]`` (float, larger is better, finite).
    ``fitness_threshold`` marks a candidate as a solution (``None``: never solved).
    ``input_names``/``output_names`` name the network's inputs and outputs for pictures.
    """

    #: short name used in experiment files ("xor", "parity", "cartpole" ...)
    name: str = "task"
    num_inputs: int
    num_outputs: int
    fitness_threshold: float | None = None
    #: a name per input and per output, in order (``None``: unnamed); genome drawings label
    #: input ``-1 - i`` with ``input_names[i]`` and output ``j`` with ``output_names[j]``
    input_names: tuple[str, ...] | None = None
    output_names: tuple[str, ...] | None = None

    @abc.abstractmethod
    def evaluate(
        self,
        policy: BatchedPolicy,
        *,
        generator: torch.Generator | None = None,
        candidates: Sequence[int] | torch.Tensor | None = None,
        population_size: int | None = None,
    ) -> torch.Tensor:
        """Fitness ``[P]`` of every candidate of ``policy``.

        ``policy`` may hold a slice of a population: ``candidates`` are its candidates'
        positions in the population and ``population_size`` the population's size (default:
        the whole population, positions ``0..P-1``). A slice must score exactly as in the
        whole population's evaluation, for a ``generator`` in the same state: whatever is
        random per candidate (episode starts ...) is drawn from the generator and the
        candidate's position, never its place in the slice. Parallel backends
        (:mod:`neuroevo.parallel`) evaluate slices in workers this way. A task whose scores
        do not depend on position (a supervised data set: the same cases for everyone) may
        ignore both, or leave them out of its signature.

        A fitness that depends on the rest of the population (a floor for non-finite scores,
        a rank) cannot be computed from a slice. Such a task splits its evaluation in two:
        ``candidate_scores(policy, ...)`` (the arguments of ``evaluate``), each candidate's
        own score, which a slice gives as the whole population does, and
        :meth:`population_fitness`, the whole population's fitness from those scores, so that
        ``evaluate(policy) == population_fitness(candidate_scores(policy))``. Parallel backends
        run ``candidate_scores`` on slices in workers and ``population_fitness`` once in the
        driver, on the joined population (:class:`~neuroevo.tasks.Supervised` is such a task).
        """

    def population_fitness(self, scores: torch.Tensor) -> torch.Tensor:
        """The fitness ``[P]`` of a whole population from its candidates' own scores ``[P]``
        (``candidate_scores``, see :meth:`evaluate`); the scores themselves unless a task
        overrides it.

        Example::

            task.population_fitness(task.candidate_scores(policy))  # == task.evaluate(policy)
        """
        return scores

    def evaluations_per_candidate(self) -> int:
        """How many fitness evaluations one call of :meth:`evaluate` counts per candidate."""
        return 1

    def info(self) -> dict[str, Any]:
        """What happened in the evaluations since the last call, for reporters: numbers
        (added to the generation's statistics, e.g. ``{"compile_s": 7.2}``) and ``"notes"``,
        a list of one-line messages (printed once). The loop calls it once a generation."""
        return {}
