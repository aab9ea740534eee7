"""The messages between the driver and its workers, and what a worker does with them.

Every message is one ``pickle`` (protocol 5) of a dataclass below, made by the driver from
its own objects: the same bytes go down a pipe to a worker process or into Ray's object
store, so both backends send exactly what is counted here. (Pickle is fine between a driver
and the workers it started; user files are never unpickled.)

* :class:`SliceSetup`, once per run: the task and the worker's torch thread count; then
  :class:`Shared`, with the first generation: the candidates' shared part, the strategy's
  :class:`~neuroevo.strategies.candidates.Representation` (genome config, module template ...).
* :class:`SliceJob`, once per slice: the slice's candidates as arrays, their positions in
  the population, the population's size, the generator (its seed when it was just seeded,
  as the loop does every generation, else its whole state), device and dtype, and the
  driver's task state where the task has one (:mod:`neuroevo.parallel.taskstate`).
* :class:`SliceResult`, back: the slice's fitness (the task's tensor, dtype kept), the env
  steps it took (the task's ``last_env_steps`` when it has one), the time spent, and what
  the driver's task learns from the slice (observation moments).

:class:`SliceRunner` is the worker's side, shared by worker processes and Ray actors: it
rebuilds the slice's policy and calls ``task.evaluate(policy, generator=...,
candidates=positions, population_size=P)``, so the slice scores exactly as in the whole
population (the :class:`~neuroevo.tasks.base.Task` contract). A task whose fitness depends
on the whole population gives ``candidate_scores`` (same arguments), which is called
instead; the driver applies the task's ``population_fitness`` to the joined population
(:mod:`neuroevo.parallel.workers`). A task whose ``evaluate`` (or ``candidate_scores``)
takes no ``candidates`` is called without them: its scores must not depend on a
candidate's position (supervised tasks: one forward over the same data for every candidate).
"""

from __future__ import annotations

import dataclasses
import inspect
import pickle
import time
import traceback
from typing import Any

import numpy as np
import torch

from neuroevo.errors import TaskError
from neuroevo.parallel.pool import Event
from neuroevo.parallel.taskstate import load_task_state, slice_feedback
from neuroevo.strategies.candidates import TensorRows

PROTOCOL = 5


def dumps(obj: Any) -> bytes:
    return pickle.dumps(obj, protocol=PROTOCOL)


@dataclasses.dataclass(frozen=True)
class SliceSetup:
    """Sent once per run, when the backend is opened (and to a worker that replaces one)."""

    run: int
    task: Any
    threads: int


@dataclasses.dataclass(frozen=True)
class Shared:
    """The candidates' shared part, sent with the run's first generation (and again only if
    it changes)."""

    run: int
    shared: Any


@dataclasses.dataclass(frozen=True)
class SliceJob:
    """One slice of one generation."""

    run: int
    serial: int  # the driver's count of jobs: results of an abandoned generation are dropped
    index: int  # the slice's number within its generation
    positions: np.ndarray  # [k] the candidates' positions in the population
    population_size: int
    generator: tuple[str, Any]  # ("seed", int) | ("state", bytes) | ("none", None)
    rows: Any  # the k candidates' rows (Strategy.candidate_data: the strategy's own kind)
    device: str
    dtype: str
    want_generator: bool  # send the generator's state back (the first slice does)
    task_state: dict[str, Any] | None  # the driver's task.state_dict() (taskstate.py)


@dataclasses.dataclass(frozen=True)
class SliceResult:
    serial: int
    index: int
    fitness: TensorRows  # [k], the task's dtype
    env_steps: int | None
    seconds_evaluate: float  # task.evaluate only
    cpu_seconds_evaluate: float  # the worker's CPU time in task.evaluate
    seconds_total: float  # unpickling, compiling and evaluating
    generator_state: bytes | None
    feedback: Any  # what the driver's task learns from the slice (taskstate.py)


def generator_token(generator: torch.Generator | None) -> tuple[str, Any]:
    """The generator in as few bytes as tell its state: its seed when it is freshly seeded."""
    if generator is None:
        return ("none", None)
    if generator.device.type != "cpu":
        from neuroevo.errors import TaskError

        raise TaskError(
            f"parallel evaluation takes a CPU torch.Generator, got one on "
            f"{generator.device}; the loop's generator is on the CPU"
        )
    state = generator.get_state()
    seed = generator.initial_seed()
    if torch.equal(torch.Generator().manual_seed(seed).get_state(), state):
        return ("seed", int(seed))
    return ("state", bytes(state.numpy().tobytes()))


def generator_from(token: tuple[str, Any]) -> torch.Generator | None:
    kind, value = token
    if kind == "none":
        return None
    g = torch.Generator()
    if kind == "seed":
        g.manual_seed(value)
    else:
        g.set_state(torch.frombuffer(bytearray(value), dtype=torch.uint8))
    return g


def candidate_scorer(task: Any) -> Any:
    """What a worker calls on a slice: the task's ``candidate_scores`` (each candidate's own
    score, when its fitness depends on the whole population), else its ``evaluate``."""
    scores = getattr(task, "candidate_scores", None)
    return scores if callable(scores) else task.evaluate


def _takes_positions(score: Any) -> bool:
    try:
        params = inspect.signature(score).parameters
    except (TypeError, ValueError):
        return False
    return "candidates" in params or any(
        p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()
    )


#: message tags: driver -> worker (set-up, slice, stop) and worker -> driver (ready, done, error)
SETUP, JOB, STOP = b"S", b"J", b"X"
READY, DONE, ERROR = b"R", b"D", b"E"


def decode_answer(worker: int, answer: bytes) -> Event:
    """The driver's :class:`~neuroevo.parallel.pool.Event` for a worker's tagged answer."""
    tag, blob = answer[:1], answer[1:]
    if tag == READY:
        return Event(worker, "ready")
    if tag == DONE:
        return Event(worker, "done", blob)
    return Event(worker, "error", pickle.loads(blob))


class SliceRunner:
    """A worker's state: the run's task and shared data; evaluates slices.

    :meth:`handle` answers one tagged message; worker processes and Ray actors both call it.
    """

    def handle(self, tag: bytes, blob: bytes) -> bytes:
        """``READY`` after a set-up, ``DONE`` + result after a slice, ``ERROR`` + (the
        pickled exception or None, its traceback) when the task or the set-up raised."""
        try:
            if tag == SETUP:
                self.setup(blob)
                return READY
            return DONE + self.evaluate(blob)
        except Exception as e:
            try:
                exc_blob: bytes | None = dumps(e)
            except Exception:  # an exception that does not pickle: its traceback still goes
                exc_blob = None
            return ERROR + dumps((exc_blob, traceback.format_exc()))

    def __init__(self) -> None:
        self.run: int | None = None
        self.task: Any = None
        self._score: Any = None
        self.shared: Any = None
        self._positions = False
        self._placed: dict[str, Any] = {}

    def setup(self, blob: bytes) -> None:
        message: SliceSetup | Shared = pickle.loads(blob)
        if isinstance(message, SliceSetup):
            torch.set_num_threads(message.threads)
            self.run, self.task, self.shared = message.run, message.task, None
            self._score = candidate_scorer(self.task)
            self._positions = _takes_positions(self._score)
        elif message.run != self.run:
            raise RuntimeError(
                f"shared data of run {message.run} sent to a worker set up for run {self.run}"
            )  # the driver's bug, not the user's
        else:
            self.shared = message.shared
        self._placed = {}

    def evaluate(self, blob: bytes) -> bytes:
        t0 = time.perf_counter()
        job: SliceJob = pickle.loads(blob)
        if job.run != self.run:
            raise RuntimeError(
                f"slice of run {job.run} sent to a worker set up for run {self.run}"
            )  # the driver's bug, not the user's
        device, dtype = torch.device(job.device), getattr(torch, job.dtype)
        shared = self._placed.get(job.device)
        if shared is None:
            shared = self._placed[job.device] = self.shared.placed(device)
        policy = shared.build(job.rows, device=device, dtype=dtype)
        generator = generator_from(job.generator)
        load_task_state(self.task, job.task_state)
        kwargs: dict[str, Any] = {}
        if self._positions:
            kwargs = dict(
                candidates=torch.from_numpy(job.positions), population_size=job.population_size
            )
        t1, c1 = time.perf_counter(), time.process_time()
        fitness = self._score(policy, generator=generator, **kwargs)
        t2, c2 = time.perf_counter(), time.process_time()
        k = len(job.positions)
        if not isinstance(fitness, torch.Tensor) or fitness.shape != (k,):
            shape = (
                tuple(fitness.shape)
                if isinstance(fitness, torch.Tensor)
                else type(fitness).__name__
            )
            raise TaskError(
                f"task {getattr(self.task, 'name', self.task)!r} returned fitness of shape "
                f"{shape} for a slice of {k} candidates; expected a tensor of shape ({k},), "
                "one value per candidate"
            )
        steps = getattr(self.task, "last_env_steps", None)
        state = None
        if job.want_generator and generator is not None:
            state = bytes(generator.get_state().numpy().tobytes())
        result = SliceResult(
            serial=job.serial,
            index=job.index,
            fitness=TensorRows.of(fitness),
            env_steps=int(steps) if isinstance(steps, int) else None,
            seconds_evaluate=t2 - t1,
            cpu_seconds_evaluate=c2 - c1,
            seconds_total=time.perf_counter() - t0,
            generator_state=state,
            feedback=slice_feedback(self.task),
        )
        return dumps(result)


__all__ = [
    "DONE",
    "ERROR",
    "JOB",
    "READY",
    "SETUP",
    "STOP",
    "SliceSetup",
    "SliceJob",
    "SliceResult",
    "Shared",
    "SliceRunner",
    "candidate_scorer",
    "decode_answer",
    "dumps",
    "generator_from",
    "generator_token",
]
