"""Solutions proved on fresh episodes: a task's ``solve_episodes`` re-measures candidates at
the threshold before the run counts as solved.

A fitness from a few noisy episodes overstates the best candidates: among 150 genomes, some
average 200 on LunarLander over 3 episodes by luck. Gymnasium's definition of "solved" is a
mean return at the threshold over 100 consecutive episodes. So, when a task sets
``solve_episodes = K``, every candidate of a generation whose fitness reaches the threshold
is measured again on fresh episodes (:meth:`neuroevo.tasks.Control.confirm`), in a race of
heats (the idea of racing: Maron & Moore, "Hoeffding races", NIPS 1993). A candidate
whose mean in a heat falls below the threshold is out, and that mean becomes its fitness:

1. ``ceil(K / 5)`` fresh episodes: most lucky candidates are far from a solution, and a
   fifth of the episodes shows it;
2. ``K`` fresh episodes: the definition;
3. ``K`` more fresh episodes, a replication. Passing heat 2 is itself a selection: among
   the many candidates of a run that come near the threshold, the first to pass tends to be
   one that drew lucky episodes (the winner's curse), and a fresh heat of the same size
   measures it without that bias.

A replaced fitness is a better estimate of the same quantity, so the strategy sees it
instead. The generation solves the task only if a candidate's means over two independent
sets of ``K`` fresh episodes both reach the threshold; its fitness is the second.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from neuroevo.errors import ConfigError
from neuroevo.parallel.candidates import build_policy, describe
from neuroevo.policy import BatchedPolicy, policy_device_dtype
from neuroevo.strategies.base import Strategy
from neuroevo.tasks.base import Task

#: the first heat plays 1/HEAT_FRACTION of ``solve_episodes``
HEAT_FRACTION = 5


def heat_sizes(solve_episodes: int) -> tuple[int, int, int]:
    """Episodes of each heat: a fifth, the definition, the replication."""
    return (math.ceil(solve_episodes / HEAT_FRACTION), solve_episodes, solve_episodes)


@dataclass(frozen=True)
class Confirmation:
    """The candidates re-measured in one generation."""

    #: their positions in the population, best training fitness first
    positions: list[int]
    #: their new fitness, in the same order: the mean over the last heat each played
    scores: list[float]
    #: how many heats each played (same order; 3: all, the last one the replication)
    heats: list[int]
    #: the episodes played (counted as evaluations)
    evaluations: int

    @property
    def confirmed(self) -> int:
        """Candidates that played ``solve_episodes`` episodes (heat 2) or more."""
        return sum(h >= 2 for h in self.heats)

    @property
    def best_full(self) -> float | None:
        """The best last mean over ``solve_episodes`` episodes, or ``None`` if none got there."""
        means = [s for s, h in zip(self.scores, self.heats) if h >= 2]
        return max(means) if means else None


def confirmation_seed(base_seed: int, generation: int) -> int:
    """The seed of generation ``generation``'s confirmation episodes: a stream of its own,
    apart from the training episodes' ``base_seed * 1_000_003 + generation``."""
    return (base_seed * 1_000_003 + generation + 0x5EED_C0DE_F00D) % (2**62)


class _Runner:
    """Plays chosen candidates of ``policy``: a policy of those alone where the population
    can be cut into slices (NEAT genomes, parameter rows: rebuilt as the workers build
    theirs) or narrowed (a policy with ``select``, as the tensor engine's), else the whole
    policy."""

    def __init__(self, strategy: Strategy, task: Task, policy: BatchedPolicy) -> None:
        self.task, self.policy = task, policy
        try:
            self.described = describe(strategy, policy, backend="solve_episodes")
        except ConfigError:
            self.described = None
        self.narrowable = callable(getattr(policy, "select", None)) and not getattr(
            policy, "recurrent", False)

    def _sub_policy(self, positions: torch.Tensor) -> BatchedPolicy | None:
        if self.described is not None:
            device, dtype = policy_device_dtype(self.policy)
            rows = self.described.rows.select(positions.numpy())
            return build_policy(self.described.shared, rows, device=device, dtype=dtype)
        if self.narrowable:
            return self.policy.select(positions)
        return None

    def means(self, positions: torch.Tensor, episodes: int, seed: int) -> tuple[torch.Tensor, int]:
        """Mean score of each candidate at ``positions`` over ``episodes`` fresh episodes,
        and the episodes played."""
        generator = torch.Generator(device="cpu").manual_seed(seed)
        sub = self._sub_policy(positions)
        if sub is None:
            scores = self.task.confirm(self.policy, generator=generator, episodes=episodes)
            return scores[positions], int(self.policy.num_candidates) * episodes
        scores = self.task.confirm(sub, generator=generator, episodes=episodes)
        return scores, len(positions) * episodes


def confirm_solutions(strategy: Strategy, task: Task, policy: BatchedPolicy,
                      fitness: torch.Tensor, threshold: float, seed: int
                      ) -> tuple[torch.Tensor, Confirmation | None]:
    """``fitness`` with the candidates at ``threshold`` replaced by their confirmed means.

    Returns the new fitness and what was confirmed (``None`` when no candidate reached the
    threshold, or the task sets no ``solve_episodes``). ``policy`` is the population just
    asked for, before ``strategy.tell``. Heat ``i`` (from 0) draws its episodes from
    ``seed + i``.
    """
    episodes = getattr(task, "solve_episodes", None)
    if not episodes:
        return fitness, None
    if not callable(getattr(task, "confirm", None)):
        raise ConfigError(f"task {task.name!r} sets solve_episodes but has no confirm() method; "
                          "add one or set solve_episodes = None")
    reached = (fitness >= threshold).nonzero().flatten().cpu()
    if len(reached) == 0:
        return fitness, None
    order = reached[fitness[reached].cpu().argsort(descending=True, stable=True)]
    runner = _Runner(strategy, task, policy)
    scores = torch.zeros(len(order), dtype=torch.float64)
    heats = torch.zeros(len(order), dtype=torch.long)
    alive = torch.ones(len(order), dtype=torch.bool)
    played = 0
    for i, size in enumerate(heat_sizes(int(episodes))):
        if not bool(alive.any()):
            break
        means, n = runner.means(order[alive], size, seed + i)
        scores[alive] = means.double().cpu()
        heats[alive] += 1
        played += n
        alive &= scores >= threshold
    cast = scores.to(fitness.dtype)
    below = (scores < threshold) & (cast >= threshold)  # rounded up to the threshold: not solved
    cast[below] = torch.nextafter(torch.tensor(threshold, dtype=fitness.dtype),
                                  torch.tensor(-math.inf, dtype=fitness.dtype))
    confirmed = fitness.clone()
    confirmed[order.to(fitness.device)] = cast.to(fitness.device)
    return confirmed, Confirmation([int(i) for i in order], scores.tolist(), heats.tolist(),
                                   played)
