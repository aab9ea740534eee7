"""What worker processes and Ray actors do alike in the driver: one generation in slices.

:meth:`WorkerBackend.evaluate`:

1. asks the strategy for its candidates as data
   (:meth:`~neuroevo.strategies.base.Strategy.candidate_data`); the
   first time in a run (or when it changed) the shared part goes to every worker, once (the
   task went when the backend was opened);
2. splits the population into one slice per worker (:mod:`neuroevo.parallel.balance`);
3. sends each slice its rows, positions and the generator's seed, and collects the results
   (:func:`neuroevo.parallel.pool.run_jobs`: a lost worker's slice is re-run elsewhere);
4. writes each slice's fitness at its positions, on the policy's device, applies the
   task's ``population_fitness`` to the whole population (the part of a fitness that depends
   on the rest of the population: :class:`~neuroevo.tasks.base.Task`; the workers computed
   each candidate's own ``candidate_scores``), leaves the generator as the task left it, and
   merges what the task learnt from the slices (:mod:`neuroevo.parallel.taskstate`).

What went over the wire is kept in :attr:`WorkerBackend.last` (:class:`GenerationTransfer`)
for benchmarks.
"""

from __future__ import annotations

import abc
import dataclasses
import pickle
from typing import Any

import numpy as np
import torch

from neuroevo.errors import ConfigError, StrategyError, TaskError
from neuroevo.parallel.backend import Backend
from neuroevo.parallel.balance import EpisodeCosts
from neuroevo.parallel.pool import Pool, SliceTiming, run_jobs
from neuroevo.parallel.slices import (
    Shared,
    SliceJob,
    SliceResult,
    SliceRunner,
    SliceSetup,
    dumps,
    generator_token,
)
from neuroevo.parallel.taskstate import merge_feedback, task_state
from neuroevo.policy import BatchedPolicy, policy_device_dtype
from neuroevo.strategies.base import Strategy
from neuroevo.tasks.base import Task


@dataclasses.dataclass(frozen=True)
class GenerationTransfer:
    """What one generation sent and received, and how its slices went."""

    bytes_setup: int  # task + shared part (sent to each worker once per run, not per generation)
    bytes_sent: int  # every slice's message
    bytes_received: int  # every result
    slices: list[SliceTiming]
    results: list[SliceResult]

    def overhead_seconds(self) -> list[float]:
        """Per slice: the driver's wait for it minus the task's own evaluation time
        (transport, unpickling, compiling the slice, and waiting for a free worker)."""
        evaluate = {r.index: r.seconds_evaluate for r in self.results}
        return [t.latency - evaluate[t.index] for t in self.slices]


class WorkerBackend(Backend):
    """A backend of ``workers`` workers, each evaluating one slice per generation."""

    #: a slice that lost this many workers ends the run with BackendError
    max_attempts = 3
    #: what each worker runs (its ``handle(tag, blob)`` answers the pool's messages);
    #: :class:`~neuroevo.parallel.genome_evaluator.GenomeEvaluator` sets its own
    runner_class: type = SliceRunner

    def __init__(self, workers: int, *, threads: int = 1, explicit: bool = True) -> None:
        self.workers = workers
        #: whether ``workers`` was asked for (else a default: one per core or Ray CPU)
        self.explicit = explicit
        #: the most workers worth starting (the population size, once :meth:`check` saw it)
        self.cap: int | None = None
        self.threads = threads
        self._pool: Pool | None = None
        self._task: Any = None
        self._run = 0
        self._serial = 0
        self._shared_key: Any = None
        self._bytes_setup = 0
        self._costs = EpisodeCosts()
        self.last: GenerationTransfer | None = None

    @abc.abstractmethod
    def _make_pool(self) -> Pool:
        """The started pool of ``self.workers`` workers (errors: one-line BackendError)."""

    def check(self, strategy: Strategy) -> None:
        """Refuse a strategy whose candidates cannot travel as slices
        (:meth:`~neuroevo.strategies.base.Strategy.check_candidates`), and more workers than the
        population has candidates (each slice holds one at least); a default worker count
        is cut to the population instead."""
        strategy.check_candidates(purpose=f"backend {self.name!r}")
        try:
            size = strategy.population_size
        except Exception:  # a strategy of the user's that does not say: checked when described
            return
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            return
        self.cap = size
        if self._pool is not None:  # started for an earlier run: its workers are kept
            return
        if self.explicit and self.workers > size:
            raise ConfigError(
                f"workers={self.workers}: the population has {size} candidates and a worker "
                f"evaluates one at least; use {size} workers or fewer (--workers {size})"
            )
        if not self.explicit and self.workers:
            self.workers = min(self.workers, size)

    def start(self) -> None:
        """Start the workers (once; :meth:`open` starts them when this was not called)."""
        if self._pool is None:
            self._pool = self._make_pool()

    @property
    def pool(self) -> Pool:
        """The started workers (started now if they were not)."""
        self.start()
        assert self._pool is not None  # start() made it
        return self._pool

    def open(self, task: Any) -> None:
        """Start the workers (first run only), send them ``task`` and wait until every one
        has it (so that the first generation's time counts no start-up)."""
        if population_step(task) is not None and not callable(
            getattr(task, "candidate_scores", None)
        ):
            raise TaskError(
                f"task {getattr(task, 'name', task)!r} has a population_fitness but no "
                "candidate_scores, so workers cannot score slices of the population; give it "
                "candidate_scores(policy, ...) (each candidate's own score: Task.evaluate's "
                "doc), or run in one process (workers=None)"
            )
        self._run += 1
        try:
            blob = dumps(SliceSetup(self._run, task, self.threads))
        except Exception as e:
            raise TaskError(
                f"backend {self.name!r} sends the task to its workers, but {task!r} cannot be "
                f"pickled ({type(e).__name__}: {e}); define the task's class and functions at "
                "module level, or run in one process (workers=None)"
            ) from None
        self.start()
        self._task = task
        self._shared_key = None
        self._bytes_setup = len(blob)
        self._costs = EpisodeCosts()
        assert self._pool is not None  # made by start()
        self._pool.add_setup(blob, new_run=True)
        self._pool.wait_ready(max_deaths=self.max_attempts * self.workers)

    def evaluate(
        self, strategy: Strategy, policy: BatchedPolicy, generator: torch.Generator | None
    ) -> torch.Tensor:
        if self._pool is None or self._task is None:
            raise RuntimeError(f"{type(self).__name__}.evaluate before open(task)")
        pool = self._pool
        cands = strategy.candidate_data(policy, purpose=f"backend {self.name!r}")
        if cands.shared_key != self._shared_key:
            shared = cands.shared.for_transport()
            try:
                blob = dumps(Shared(self._run, shared))
            except Exception as e:
                raise StrategyError(
                    f"backend {self.name!r} sends the strategy's network template to its "
                    f"workers, but it cannot be pickled ({type(e).__name__}: {e}); use "
                    "functions and classes defined at module level (no lambdas), or run in "
                    "one process (workers=None)"
                ) from None
            pool.add_setup(blob)
            self._shared_key = cands.shared_key
            self._bytes_setup += len(blob)
        p = cands.num_candidates
        slices = self._costs.split(cands.sizes, cands.keys, self.workers)
        device, dtype = policy_device_dtype(policy)
        token = generator_token(generator)
        state = task_state(self._task)
        jobs = []
        for i, positions in enumerate(slices):
            self._serial += 1
            jobs.append(
                dumps(
                    SliceJob(
                        run=self._run,
                        serial=self._serial,
                        index=i,
                        positions=positions,
                        population_size=p,
                        generator=token,
                        rows=cands.rows.select(positions),
                        device=str(device),
                        dtype=str(dtype).removeprefix("torch."),
                        want_generator=i == 0,
                        task_state=state,
                    )
                )
            )
        blobs, timings = run_jobs(pool, jobs, max_attempts=self.max_attempts)
        results: list[SliceResult] = [pickle.loads(b) for b in blobs]
        fitness = self._assemble(results, slices, p).to(device)
        step = population_step(self._task)
        if step is not None:  # on the whole population, as task.evaluate does in one process
            fitness = step(fitness)
        if generator is not None and results[0].generator_state is not None:
            generator.set_state(
                torch.frombuffer(bytearray(results[0].generator_state), dtype=torch.uint8)
            )
        merge_feedback(self._task, [r.feedback for r in results], slices)
        self._costs.record(cands.keys, slices, [r.env_steps for r in results])
        self.last = GenerationTransfer(
            self._bytes_setup,
            sum(len(j) for j in jobs),
            sum(len(b) for b in blobs),
            timings,
            results,
        )
        return fitness

    @staticmethod
    def _assemble(results: list[SliceResult], slices: list[np.ndarray], p: int) -> torch.Tensor:
        """The population's fitness ``[P]``: each slice's values at its positions."""
        parts = [r.fitness.tensor() for r in results]
        out = torch.empty(p, dtype=parts[0].dtype)
        for f, positions in zip(parts, slices):
            out[torch.from_numpy(positions)] = f
        return out

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool = None
        self._task = None


def population_step(task: Any) -> Any:
    """The task's ``population_fitness`` when it has one of its own (a fitness that depends
    on the whole population), else ``None``."""
    step = getattr(task, "population_fitness", None)
    if (
        not callable(step)
        or getattr(type(task), "population_fitness", None) is Task.population_fitness
    ):
        return None
    return step


__all__ = ["GenerationTransfer", "WorkerBackend", "population_step"]
