"""One generation of the loop: ask -> evaluate -> confirm -> tell, and its figures.

:func:`neuroevo.evolve` runs a :class:`GenerationStep` once per generation; an island
(:class:`neuroevo.islands.island.Island`) runs the same step, with its migrants in and out
between the confirmation and ``tell``. So a solution is proved the same way in both, and a
generation is counted and seeded the same way:

1. :meth:`GenerationStep.evaluate`: the task's generator reseeded from (run seed,
   generation); ``policy = strategy.ask()``; ``fitness = backend.evaluate(...)``, checked
   (one finite value per candidate); candidates at the task's threshold proved on fresh
   episodes when the task sets ``solve_episodes`` (:mod:`neuroevo.loop.confirm`), the
   confirmed means replacing their fitness. The generation is solved when its best
   (confirmed) fitness reaches the threshold.
2. :meth:`GenerationStep.tell`: ``strategy.tell(fitness)``; the evaluations counted (the
   population's, the proofs' episodes, and any the caller spent on the way, such as an
   island's immigrants); the generation's :class:`~neuroevo.loop.result.GenerationStats`.

Example::

    step = GenerationStep(strategy, task, SerialBackend(), base_seed=1, proofs=ProofRecord())
    evaluated = step.evaluate(generation=0)     # asked, evaluated, confirmed; not yet told
    stats = step.tell(evaluated)                # told; stats.evaluations counts it
    evaluated.solved, stats.best_fitness
"""

from __future__ import annotations

import dataclasses
import math
import time

import torch

from neuroevo.errors import TaskError
from neuroevo.loop.confirm import Confirmation, ProofRecord, confirm_solutions, confirmation_seed
from neuroevo.loop.result import GenerationStats
from neuroevo.parallel.backend import Backend
from neuroevo.strategies.base import Strategy
from neuroevo.tasks.base import Task


def generation_seed(base_seed: int, generation: int) -> int:
    """The seed of the task's random stream (episode starts ...) in ``generation``: a run
    resumed at generation g continues exactly as the original did."""
    return (base_seed * 1_000_003 + generation) % (2**63)


def check_fitness(fitness: torch.Tensor, size: int, task: Task) -> torch.Tensor:
    """``fitness`` if it is a tensor of one finite value per candidate, else a TaskError."""
    if not isinstance(fitness, torch.Tensor) or fitness.shape != (size,):
        shape = (
            tuple(fitness.shape) if isinstance(fitness, torch.Tensor) else type(fitness).__name__
        )
        raise TaskError(
            f"task {task.name!r} returned fitness of shape {shape}; expected a tensor of shape "
            f"({size},), one value per candidate"
        )
    bad = ~torch.isfinite(fitness)
    if bool(bad.any()):
        idx = bad.nonzero().flatten()[:5].tolist()
        raise TaskError(
            f"task {task.name!r} returned non-finite fitness (NaN or inf) for candidates {idx}: "
            "clamp or penalise such outputs inside the task (e.g. torch.nan_to_num)"
        )
    return fitness


def confirmation_stats(confirmation: Confirmation | None) -> dict[str, float]:
    """Statistics of a generation's confirmation: candidates raced, those that played
    ``solve_episodes`` episodes, those whose verdict came from the proof record, those proved,
    and the best last mean over ``solve_episodes`` episodes or more (which may be at the
    threshold without a proof)."""
    if confirmation is None:
        return {}
    stats = {
        "raced": float(len(confirmation.positions)),
        "confirmed": float(confirmation.confirmed),
        "recorded": float(confirmation.recorded),
        "proved": float(confirmation.proved),
    }
    if confirmation.best_full is not None:
        stats["confirmed_best"] = confirmation.best_full
    return stats


@dataclasses.dataclass(frozen=True)
class Evaluated:
    """A generation asked, evaluated and confirmed, not yet told."""

    generation: int
    #: candidates in the population
    size: int
    #: fitness ``[P]``, detached; candidates at the threshold replaced by their confirmed means
    fitness: torch.Tensor
    #: what the proof of ``solve_episodes`` did (``None``: no candidate raced)
    confirmation: Confirmation | None
    #: the generation's best fitness reached the task's threshold (with ``solve_episodes``:
    #: a candidate passed the proof)
    solved: bool
    #: ``time.perf_counter()`` when the generation began
    started: float


class GenerationStep:
    """The loop's generation for ``strategy`` (set up) on ``task``, evaluated by ``backend``
    (opened on the task), the task's episodes seeded from ``base_seed``, proofs kept in
    ``proofs``. ``evaluations`` counts the evaluations so far (a resumed run's included)."""

    def __init__(
        self,
        strategy: Strategy,
        task: Task,
        backend: Backend,
        *,
        base_seed: int,
        proofs: ProofRecord,
        evaluations: int = 0,
    ) -> None:
        self.strategy, self.task, self.backend = strategy, task, backend
        self.base_seed, self.proofs = base_seed, proofs
        self.evaluations = evaluations
        self.best_so_far = float(strategy.best_fitness)
        self._generator = torch.Generator(device="cpu")

    def generator(self, generation: int) -> torch.Generator:
        """The task's random stream at the start of ``generation`` (reseeded on each call)."""
        return self._generator.manual_seed(generation_seed(self.base_seed, generation))

    def evaluate(self, generation: int) -> Evaluated:
        """Ask, evaluate and confirm ``generation``; the strategy is not told yet."""
        started = time.perf_counter()
        generator = self.generator(generation)
        policy = self.strategy.ask()
        size = policy.num_candidates
        fitness = self.backend.evaluate(self.strategy, policy, generator)
        fitness = check_fitness(fitness, size, self.task).detach()
        threshold = self.task.fitness_threshold
        confirmation = None
        if threshold is not None:
            fitness, confirmation = confirm_solutions(
                self.strategy,
                self.task,
                policy,
                fitness,
                threshold,
                confirmation_seed(self.base_seed, generation),
                run_seed=self.base_seed,
                record=self.proofs,
            )
        best = float(fitness.double().max())
        solved = threshold is not None and best >= threshold and not math.isnan(best)
        return Evaluated(generation, size, fitness, confirmation, solved, started)

    def tell(
        self, evaluated: Evaluated, *, fitness: torch.Tensor | None = None, evaluations: int = 0
    ) -> GenerationStats:
        """Tell the strategy ``evaluated``'s fitness (or ``fitness``: an island's, with its
        immigrants in place of its worst), count the generation's evaluations and
        ``evaluations`` more spent on the way, and give the generation's statistics
        (``stats.fitness``: the fitness told)."""
        strategy, task = self.strategy, self.task
        fitness = evaluated.fitness if fitness is None else fitness
        size = evaluated.size
        strategy.tell(fitness)
        self.evaluations += size * task.evaluations_per_candidate() + evaluations
        if evaluated.confirmation is not None:
            self.evaluations += evaluated.confirmation.evaluations
        dt = time.perf_counter() - evaluated.started
        task_info = dict(task.info()) if callable(getattr(task, "info", None)) else {}
        notes = tuple(str(n) for n in task_info.pop("notes", ()))
        f = fitness.double().cpu()
        gen_best = float(f.max())
        self.best_so_far = max(self.best_so_far, gen_best, strategy.best_fitness)
        return GenerationStats(
            generation=evaluated.generation,
            best_fitness=gen_best,
            mean_fitness=float(f.mean()),
            std_fitness=float(f.std(unbiased=False)) if size > 1 else 0.0,
            best_fitness_so_far=self.best_so_far,
            evaluations=self.evaluations,
            seconds=dt,
            evaluations_per_second=size * task.evaluations_per_candidate() / max(dt, 1e-12),
            extra=dict(strategy.info()) | task_info | confirmation_stats(evaluated.confirmation),
            notes=notes,
            fitness=f,
        )


__all__ = [
    "Evaluated",
    "GenerationStep",
    "check_fitness",
    "confirmation_stats",
    "generation_seed",
]
