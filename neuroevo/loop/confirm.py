"""Solutions proved on fresh episodes: a task's ``solve_episodes`` re-measures candidates at
the threshold before the run counts as solved.

A fitness from a few noisy episodes overstates the best candidates: among 150 genomes, some
average 200 on LunarLander over 3 episodes by luck. Gymnasium's definition of "solved" is a
mean return at the threshold over 100 consecutive episodes. So, when a task sets
``solve_episodes``, every candidate of a generation whose fitness reaches the threshold is
run again over that many fresh episodes (:meth:`neuroevo.tasks.Control.confirm`), and that
mean replaces its fitness before the strategy sees it: a better estimate of the same
quantity. The generation solves the task only if a replaced fitness still reaches the
threshold.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from neuroevo.errors import ConfigError
from neuroevo.parallel.candidates import build_policy, describe
from neuroevo.policy import BatchedPolicy, policy_device_dtype
from neuroevo.strategies.base import Strategy
from neuroevo.tasks.base import Task


@dataclass(frozen=True)
class Confirmation:
    """The candidates re-measured in one generation."""

    #: their positions in the population, best training fitness first
    positions: list[int]
    #: their means over the fresh episodes, in the same order
    scores: list[float]
    #: the episodes run (counted as evaluations)
    evaluations: int


def confirmation_seed(base_seed: int, generation: int) -> int:
    """The seed of generation ``generation``'s confirmation episodes: a stream of its own,
    apart from the training episodes' ``base_seed * 1_000_003 + generation``."""
    return (base_seed * 1_000_003 + generation + 0x5EED_C0DE_F00D) % (2**63)


def confirm_solutions(strategy: Strategy, task: Task, policy: BatchedPolicy,
                      fitness: torch.Tensor, threshold: float, seed: int
                      ) -> tuple[torch.Tensor, Confirmation | None]:
    """``fitness`` with the candidates at ``threshold`` replaced by their confirmed means.

    Returns the new fitness and what was confirmed (``None`` when no candidate reached the
    threshold, or the task sets no ``solve_episodes``). ``policy`` is the population just
    asked for, before ``strategy.tell``. Slices of NEAT genomes or parameter rows are
    rebuilt as a policy of the chosen candidates only; any other policy is run whole
    (every candidate for ``solve_episodes`` episodes) and the chosen scores are kept.
    """
    episodes = getattr(task, "solve_episodes", None)
    if not episodes:
        return fitness, None
    confirm = getattr(task, "confirm", None)
    if not callable(confirm):
        raise ConfigError(f"task {task.name!r} sets solve_episodes but has no confirm() method; "
                          "add one or set solve_episodes = None")
    reached = (fitness >= threshold).nonzero().flatten()
    if len(reached) == 0:
        return fitness, None
    order = reached[fitness[reached].argsort(descending=True, stable=True)]
    positions = [int(i) for i in order]
    generator = torch.Generator(device="cpu").manual_seed(seed)
    try:
        described = describe(strategy, policy, backend="solve_episodes")
    except ConfigError:
        described = None
    if described is None:
        scores = confirm(policy, generator=generator)[order]
        evaluations = int(policy.num_candidates) * int(episodes)
    else:
        device, dtype = policy_device_dtype(policy)
        rows = described.rows.select(order.numpy())
        sub = build_policy(described.shared, rows, device=device, dtype=dtype)
        scores = confirm(sub, generator=generator)
        evaluations = len(positions) * int(episodes)
    scores = scores.to(device=fitness.device, dtype=fitness.dtype)
    confirmed = fitness.clone()
    confirmed[order.to(fitness.device)] = scores
    return confirmed, Confirmation(positions, [float(s) for s in scores], evaluations)
