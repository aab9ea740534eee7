"""The one population loop: ask, evaluate, tell, report.

``evolve`` knows nothing of NEAT, PSO or any task. Each generation (steps 1-4 are
:class:`~neuroevo.loop.generation.GenerationStep`, which islands run too):

1. ``policy = strategy.ask()`` -- the whole population as one batched policy;
2. ``fitness = task.evaluate(policy)`` -- one batched evaluation, tensor ``[P]``; with
   ``workers=N`` the population is evaluated in slices on worker processes or Ray actors
   (:mod:`neuroevo.parallel`), with the same result;
3. if the task sets ``solve_episodes``, candidates at its threshold are measured again on
   fresh episodes (once per candidate where it has a network hash) and the mean replaces
   their fitness, held below the threshold until proved (:mod:`neuroevo.loop.confirm`);
4. ``strategy.tell(fitness)`` -- selection and variation;
5. reporters see the generation's statistics (the strategy's and the task's ``info()``,
   such as species counts and the seconds spent compiling rollouts, and the task's notes);
6. stop when a candidate reaches the task's threshold (``stop_on_solve``) or after
   ``generations`` generations.

However the run ends, reporters' ``on_end`` gets the :class:`Result` with its
:class:`RunStatus` (finished, solved, interrupted, failed); an exception then propagates.
"""

from __future__ import annotations

import dataclasses
import numbers
import secrets
import time
from collections.abc import Sequence
from typing import Any

import torch

from neuroevo.devices import resolve_device
from neuroevo.errors import ConfigError, StrategyError, TaskError
from neuroevo.loop.confirm import ProofRecord
from neuroevo.loop.generation import GenerationStep
from neuroevo.loop.reporter import Reporter
from neuroevo.loop.result import GenerationStats, Result, RunStatus
from neuroevo.parallel.backend import Backend
from neuroevo.parallel.make import make_backend
from neuroevo.strategies.base import Strategy
from neuroevo.tasks.base import Task


def _check_arguments(strategy: Any, task: Any, generations: Any, seed: Any) -> int | None:
    """One error naming the fix for the common mistakes; returns ``seed`` as an int."""
    if isinstance(strategy, Task) or isinstance(task, Strategy):
        what = (
            f"the task {type(strategy).__name__} where the strategy goes"
            if isinstance(strategy, Task)
            else f"the strategy {type(task).__name__} where the task goes"
        )
        raise StrategyError(
            f"evolve: got {what}; pass the strategy first: evolve(strategy, task, ...)"
        )
    for obj, kind, methods, err, example in (
        (strategy, "strategy", ("ask", "tell"), StrategyError, "ne.NEAT(config)"),
        (task, "task", ("evaluate",), TaskError, "ne.tasks.XOR()"),
    ):
        if isinstance(obj, type):
            raise err(
                f"evolve: the {kind} is the class {obj.__name__}, not an instance; pass "
                f"{obj.__name__}(...) (e.g. {example})"
            )
        missing = [m for m in methods if not callable(getattr(obj, m, None))]
        if missing:
            raise err(
                f"evolve: the {kind} {type(obj).__name__} has no {'/'.join(missing)}(); "
                f"pass a {kind} object (e.g. {example})"
            )
    if (
        isinstance(generations, bool)
        or not isinstance(generations, numbers.Integral)
        or generations < 0
    ):
        raise ConfigError(
            f"evolve: generations must be a non-negative integer, got {generations!r}"
        )
    if seed is None:
        return None
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise ConfigError(
            f"evolve: seed must be an integer or None, got {seed!r} "
            f"({type(seed).__name__}); e.g. seed=1"
        )
    return int(seed)


def evolve(
    strategy: Strategy,
    task: Task,
    *,
    generations: int,
    seed: int | None = None,
    device: str | torch.device | None = None,
    dtype: torch.dtype = torch.float32,
    reporters: Sequence[Reporter] = (),
    stop_on_solve: bool = True,
    setup: bool = True,
    start_generation: int = 0,
    start_evaluations: int = 0,
    workers: int | None = None,
    backend: str | Backend | None = None,
    address: str | None = None,
    proofs: ProofRecord | None = None,
) -> Result:
    """Run ``strategy`` on ``task`` for at most ``generations`` generations.

    Example::

        import neuroevo as ne
        result = ne.evolve(ne.NEAT(ne.load_config("configs/xor.ini")), ne.tasks.XOR(),
                           generations=300, seed=1)
        print(result.solved, result.best_fitness, result.evaluations)

    ``setup=False`` continues a strategy that is already set up (after a resume);
    ``start_generation``/``start_evaluations`` carry the counters over. A strategy whose
    :attr:`~neuroevo.strategies.base.Strategy.done` becomes true (all gradient restarts
    early-stopped, say) ends the run.
    ``seed=None`` draws a fresh seed from the operating system's entropy; torch's and
    Python's global generators are left alone.

    Mistakes end in one error naming the fix before anything runs: a strategy or task
    class instead of an instance (``StrategyError`` / ``TaskError``), the two swapped, a
    seed or generation count that is not an integer (``ConfigError``), a strategy the
    backend cannot send to workers or more workers than candidates (``ConfigError``).

    Parallel evaluation, with the same result as in one process for the same seed:
    ``workers=N`` evaluates the population in N slices on worker processes
    (``backend="process"``, the default with ``workers``) or Ray actors (``backend="ray"``;
    ``address=None`` starts a local Ray, ``"auto"`` or ``"ray://host:10001"`` joins a
    cluster). ``backend`` may also be a :class:`neuroevo.parallel.Backend` object, which
    the caller closes (one object serves several runs with the same workers); a backend
    made from the keywords is closed when the run ends. Example::

        result = ne.evolve(ne.NEAT(cfg), ne.tasks.Control("gym:LunarLander-v3"),
                           generations=100, seed=1, workers=2)

    ``proofs`` is the record of the candidates already put to a task's ``solve_episodes``
    proof (:class:`~neuroevo.loop.confirm.ProofRecord`; default a new one): a resumed run
    passes the record its checkpoint kept, so it counts evaluations as the original run did.
    """
    seed = _check_arguments(strategy, task, generations, seed)
    generations = int(generations)
    dev = resolve_device(device)
    evaluator = make_backend(workers=workers, backend=backend, address=address)
    owned = evaluator is not backend
    # The task's random stream (episode starts ...) is reseeded from (seed, generation) every
    # generation, so a run resumed at generation g continues exactly as the original did.
    base_seed = seed if seed is not None else secrets.randbits(62)
    proofs = proofs if proofs is not None else ProofRecord()
    if setup:
        strategy.setup(
            num_inputs=task.num_inputs,
            num_outputs=task.num_outputs,
            seed=seed,
            device=dev,
            dtype=dtype,
        )
    # a strategy the backend cannot evaluate, before any worker starts or reporter writes
    evaluator.check(strategy)
    for r in reporters:
        r.on_start(strategy, task, generations)

    history: list[GenerationStats] = []
    solved = False
    t_start = time.perf_counter()
    step = GenerationStep(
        strategy, task, evaluator, base_seed=base_seed, proofs=proofs, evaluations=start_evaluations
    )
    result: Result | None = None
    status = RunStatus.FAILED  # until the loop ends on its own
    try:
        evaluator.open(task)  # worker backends: start the workers, send the task once
        for generation in range(start_generation, start_generation + generations):
            if strategy.done:  # e.g. every gradient restart early-stopped
                break
            evaluated = step.evaluate(generation)
            stats = step.tell(evaluated)
            history.append(dataclasses.replace(stats, fitness=None))  # P floats per generation
            for r in reporters:  # stay out of history
                r.on_generation(stats, strategy)
            if evaluated.solved:
                solved = True
                for r in reporters:
                    r.on_solved(stats, strategy)
                if stop_on_solve:
                    break
        status = RunStatus.SOLVED if solved else RunStatus.FINISHED
    except KeyboardInterrupt:
        status = RunStatus.INTERRUPTED
        raise
    finally:
        if owned:
            evaluator.close()
        result = Result(
            best=strategy.best,
            best_fitness=float(strategy.best_fitness),
            solved=solved,
            generations=len(history) + start_generation,
            evaluations=step.evaluations,
            history=history,
            seconds=time.perf_counter() - t_start,
            strategy=strategy,
            status=status,
        )
        for r in reporters:
            r.on_end(result)
    return result
