"""A pool of workers, as the driver sees it, and the loop that hands them a generation's slices.

:class:`Pool` is what worker processes and Ray actors have in common: slots ``0..n-1``,
each holding one worker that is starting (set-up not yet acknowledged), idle or busy with
one slice. Subclasses say how to start and stop a worker, send it bytes and wait for the
next thing that happens (:class:`Event`).

:func:`run_jobs` gives pending slices to idle workers until every slice has its result.
A worker that dies (its process exits, its actor is killed, its machine goes away) is
replaced in its slot by a fresh one that gets the run's set-up again, and the slice it held
goes back to the front of the queue, for whichever worker is idle first. Since a slice's
result depends on nothing but the slice, the generation ends with the same fitness. A
slice that has lost ``max_attempts`` workers, or workers that keep dying before they take
any work, raise :class:`~neuroevo.parallel.backend.BackendError`. An exception raised by
the task in a worker is raised in the driver, with the worker's traceback as a note.
"""

from __future__ import annotations

import abc
import collections
import dataclasses
import pickle
import time
from typing import Any

from neuroevo.parallel.backend import BackendError


@dataclasses.dataclass(frozen=True)
class Event:
    """Something a worker did: ``kind`` is "ready", "done", "died" or "error"."""

    worker: int
    kind: str
    payload: Any = None  # "done": the result's bytes; "error": (exception bytes, traceback)


@dataclasses.dataclass(frozen=True)
class SliceTiming:
    """One slice as the driver saw it."""

    index: int
    worker: int
    latency: float  # seconds from sending the slice to receiving its result
    bytes_sent: int
    bytes_received: int


class Pool(abc.ABC):
    """Worker slots; see the module docstring."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._setups: list[bytes] = []  # the run's set-up messages, in order
        self._unacked = dict.fromkeys(range(size), 0)  # set-up messages not yet acknowledged
        self._busy: dict[int, tuple[int, float]] = {}  # worker -> (job index, time sent)

    # --- what a subclass provides -----------------------------------------------------
    @abc.abstractmethod
    def _start(self, worker: int) -> None:
        """Start a fresh worker in slot ``worker`` (the old one, if any, is gone)."""

    @abc.abstractmethod
    def _send_setup(self, worker: int, blob: bytes) -> None: ...

    @abc.abstractmethod
    def _send_job(self, worker: int, blob: bytes) -> None: ...

    @abc.abstractmethod
    def _wait(self) -> Event:
        """Block until a worker is ready, done, dead or failed."""

    @abc.abstractmethod
    def _stop(self, worker: int) -> None:
        """Stop the worker in slot ``worker`` (it may be dead already)."""

    # --- used by run_jobs and the backends ----------------------------------------------
    def start(self) -> None:
        for w in range(self.size):
            self._start(w)

    def add_setup(self, blob: bytes, *, new_run: bool = False) -> None:
        """Send a set-up message to every worker (``new_run``: the first of a run, which
        replaces the earlier run's); replacements get them all, in order."""
        if new_run:
            self._setups = []
        self._setups.append(blob)
        for w in range(self.size):
            self._unacked[w] += 1
            self._send_setup(w, blob)

    def available(self) -> list[int]:
        if not self._setups:
            return []
        return [w for w in range(self.size) if not self._unacked[w] and w not in self._busy]

    def submit(self, worker: int, index: int, blob: bytes) -> None:
        self._busy[worker] = (index, time.perf_counter())
        self._send_job(worker, blob)

    def next_event(self) -> tuple[Event, int | None, float]:
        """The next event, the job index the worker held (None: none) and its latency."""
        event = self._wait()
        if event.kind == "ready":  # answered after any job sent before the set-up
            self._unacked[event.worker] -= 1
            return event, None, 0.0
        held, sent = self._busy.pop(event.worker, (None, time.perf_counter()))
        if event.kind == "died":
            self.replace(event.worker)
        return event, held, time.perf_counter() - sent

    def wait_ready(self, *, max_deaths: int) -> None:
        """Block until every worker has taken the set-up (a failing set-up is raised)."""
        deaths = 0
        while any(self._unacked.values()):
            event, held, _ = self.next_event()
            if event.kind == "error" and held is None:  # the set-up failed (else: a stale job)
                raise_worker_error(event.payload)
            if event.kind == "died":
                deaths += 1
                if deaths > max_deaths:
                    raise BackendError(
                        f"workers keep dying while they start ({deaths} so far); run once with "
                        "backend='serial' to see the task's own error"
                    )

    def replace(self, worker: int) -> None:
        self._busy.pop(worker, None)
        self._stop(worker)
        self._start(worker)
        self._unacked[worker] = len(self._setups)
        for blob in self._setups:
            self._send_setup(worker, blob)

    def close(self) -> None:
        for w in range(self.size):
            self._stop(w)


def raise_worker_error(payload: tuple[bytes | None, str]) -> None:
    """Raise, in the driver, the exception a worker sent (with its traceback as a note)."""
    blob, text = payload
    exc: BaseException | None = None
    if blob is not None:
        try:
            exc = pickle.loads(blob)
        except Exception:  # an exception type the driver cannot rebuild
            exc = None
    if not isinstance(exc, BaseException):
        raise BackendError(f"a worker failed:\n{text}")
    if hasattr(exc, "add_note"):
        exc.add_note("raised in a worker:\n" + text.rstrip())
    raise exc


def run_jobs(
    pool: Pool, jobs: list[bytes], *, max_attempts: int = 3
) -> tuple[list[bytes], list[SliceTiming]]:
    """Each job's result bytes, in job order, and how each slice went (see the module)."""
    pending = collections.deque(range(len(jobs)))
    results: list[bytes | None] = [None] * len(jobs)
    timings: list[SliceTiming | None] = [None] * len(jobs)
    attempts = [0] * len(jobs)
    running: dict[int, int] = {}  # worker -> job of this call
    idle_deaths = 0
    done = 0
    while done < len(jobs):
        for w in pool.available():
            if not pending:
                break
            j = pending.popleft()
            pool.submit(w, j, jobs[j])
            running[w] = j
        event, held, latency = pool.next_event()
        i = running.pop(event.worker, None)
        if event.kind == "error" and (i is not None or held is None):  # this call's job, or
            raise_worker_error(event.payload)  # a set-up; not a job of an abandoned call
        elif event.kind == "died":
            if i is None:
                idle_deaths += 1
                if idle_deaths > max_attempts * pool.size:
                    raise BackendError(
                        f"workers keep dying before they take any work ({idle_deaths} so far); "
                        "run once with backend='serial' to see the task's own error"
                    )
                continue
            attempts[i] += 1
            if attempts[i] >= max_attempts:
                raise BackendError(
                    f"slice {i} lost its worker {attempts[i]} times (a crash in "
                    "the environment?); run once with backend='serial' to see it"
                )
            pending.appendleft(i)
        elif event.kind == "done" and i is not None:  # else: a result of an abandoned call
            results[i] = event.payload
            timings[i] = SliceTiming(i, event.worker, latency, len(jobs[i]), len(event.payload))
            done += 1
    return [r for r in results if r is not None], [t for t in timings if t is not None]


__all__ = ["Event", "Pool", "SliceTiming", "raise_worker_error", "run_jobs"]
