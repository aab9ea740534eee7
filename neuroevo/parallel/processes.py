"""Worker processes on this machine: the population in slices, no Ray needed.

:class:`ProcessBackend` starts ``workers`` processes when it is first opened and keeps
them for every generation and every run it serves. They come from ``multiprocessing``'s
*forkserver* (Linux, macOS): a fresh interpreter, started once per Python process, imports
torch and neuroevo once and forks each worker from itself -- no threads, CUDA state or
open files of the driver are inherited, and a worker starts in a fraction of a second
instead of the seconds a *spawn*ed interpreter takes to import torch (measured on this
project's 2-core machine: 2 workers in 0.1 s against 10 s). Where there is no forkserver
(Windows), *spawn*. Each worker sets torch to ``threads`` threads (default 1: one worker per
core) and talks to the driver over its own pipe, one message at a time
(:mod:`neuroevo.parallel.slices`): the run's set-up once, then one slice per generation.
Workers ignore Ctrl-C; the driver stops them. A worker whose process ends while it holds
a slice is replaced and its slice re-run (:mod:`neuroevo.parallel.pool`).

Workers import the main script again (Python's rule for forkserver and spawn), so a script
must start its run under ``if __name__ == "__main__":``; one that does not is told so in one
line (:func:`unguarded_main_error`), instead of every worker's traceback.

Example::

    import neuroevo as ne
    result = ne.evolve(ne.NEAT("configs/cartpole.ini"), ne.tasks.Control("gym:CartPole-v1"),
                       generations=20, seed=1, workers=2)        # backend="process"
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import os
import signal
import sys
from typing import Any

from neuroevo.parallel.backend import BackendError
from neuroevo.parallel.pool import Event, Pool
from neuroevo.parallel.slices import JOB, SETUP, STOP, SliceRunner, decode_answer
from neuroevo.parallel.workers import WorkerBackend


def _worker_main(conn: Any, runner_class: type = SliceRunner) -> None:
    """A worker process: answer set-ups and slices until told to stop or the pipe closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the driver handles Ctrl-C and stops us
    runner = runner_class()
    while True:
        try:
            message = conn.recv_bytes()
        except (EOFError, OSError):
            return
        if message[:1] == STOP:
            return
        conn.send_bytes(runner.handle(message[:1], message[1:]))


#: exit status of a worker process whose start re-ran the main script up to a run with workers
UNGUARDED_MAIN = 87


def _main_script() -> str:
    """The main script's path, as errors name it."""
    main = sys.modules.get("__main__")
    return str(getattr(main, "__file__", None) or "the main script")


def _refuse_in_bootstrapping_worker() -> None:
    """In a process that multiprocessing is still starting -- it imports the main script,
    as forkserver and spawn workers do -- a run with worker processes means the script
    calls it at module level: each worker would start workers of its own, fail, and print a
    traceback. End this process quietly with :data:`UNGUARDED_MAIN`, which the driver
    reports as one line naming the fix (:meth:`ProcessPool._wait`)."""
    if getattr(multiprocessing.current_process(), "_inheriting", False):
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(UNGUARDED_MAIN)


def unguarded_main_error() -> BackendError:
    return BackendError(
        f"worker processes import {_main_script()} again, and it starts a run with workers "
        "there too: put the code that calls evolve(..., workers=N) or GenomeEvaluator under "
        '`if __name__ == "__main__":` (each worker process imports the main module, so its '
        "top-level code runs in every worker)"
    )


def _context() -> Any:
    """The forkserver context, preloaded with neuroevo's worker code, else spawn."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["__main__", __name__])  # only before the server starts
    return ctx


class ProcessPool(Pool):
    """``size`` worker processes, one pipe each, each running a ``runner_class`` (a class with
    ``handle(tag, blob) -> bytes``, at module level: the worker imports it)."""

    def __init__(self, size: int, runner_class: type = SliceRunner) -> None:
        super().__init__(size)
        self._runner_class = runner_class
        self._ctx = _context()
        self._procs: list[Any] = [None] * size
        self._conns: list[Any] = [None] * size

    def start(self) -> None:
        """Start every worker; a process that cannot be started (no more processes or open
        files) stops those already started and is one line naming the fix."""
        _refuse_in_bootstrapping_worker()
        try:
            super().start()
        except OSError as e:
            started = sum(p is not None for p in self._procs)
            self.close()
            raise BackendError(
                f"cannot start worker process {started + 1} of {self.size} "
                f"({type(e).__name__}: {e}); use fewer workers (--workers, workers=), or "
                "raise the limit on processes or open files (ulimit -u / ulimit -n)"
            ) from None

    def _start(self, worker: int) -> None:
        parent, child = self._ctx.Pipe(duplex=True)
        proc = self._ctx.Process(
            target=_worker_main,
            args=(child, self._runner_class),
            daemon=True,
            name=f"neuroevo-worker-{worker}",
        )
        proc.start()
        child.close()
        self._procs[worker], self._conns[worker] = proc, parent

    def _send(self, worker: int, message: bytes) -> None:
        try:
            self._conns[worker].send_bytes(message)
        except (OSError, ValueError):
            pass  # the worker is gone: _wait reports it through its sentinel

    def _send_setup(self, worker: int, blob: bytes) -> None:
        self._send(worker, SETUP + blob)

    def _send_job(self, worker: int, blob: bytes) -> None:
        self._send(worker, JOB + blob)

    def _wait(self) -> Event:
        conns = {id(c): w for w, c in enumerate(self._conns)}
        sentinels = {p.sentinel: w for w, p in enumerate(self._procs)}
        ready = multiprocessing.connection.wait([*self._conns, *sentinels])
        for obj in ready:  # messages first: a worker may have answered, then ended
            if id(obj) in conns:
                w = conns[id(obj)]
                try:
                    message = obj.recv_bytes()  # type: ignore[union-attr]  # one of the conns
                except (EOFError, OSError):
                    message = None
                return self._died(w) if message is None else decode_answer(w, message)
        w = sentinels[ready[0]]
        if self._conns[w].poll():
            try:
                return decode_answer(w, self._conns[w].recv_bytes())
            except (EOFError, OSError):
                pass
        return self._died(w)

    def _died(self, worker: int) -> Event:
        """The event of a worker whose process ended (its pipe closed, or its sentinel)."""
        proc = self._procs[worker]
        proc.join(timeout=5)  # its pipe may close a moment before its exit status is known
        if proc.exitcode == UNGUARDED_MAIN:  # it ran the main script's run, not ours
            raise unguarded_main_error()
        return Event(worker, "died")

    def _stop(self, worker: int) -> None:
        proc, conn = self._procs[worker], self._conns[worker]
        if proc is None:
            return
        if proc.is_alive():
            self._send(worker, STOP)
            proc.join(timeout=2)
        if proc.is_alive():
            proc.terminate()
            proc.join(timeout=2)
        conn.close()
        self._procs[worker] = self._conns[worker] = None

    def pids(self) -> list[int]:
        """The workers' process ids (tests kill one)."""
        return [p.pid for p in self._procs if p is not None]


class ProcessBackend(WorkerBackend):
    """``workers`` worker processes on this machine (default: one per CPU core)."""

    name = "process"

    def __init__(self, workers: int | None = None, *, threads: int = 1) -> None:
        super().__init__(
            workers if workers is not None else (os.cpu_count() or 1),
            threads=threads,
            explicit=workers is not None,
        )

    def _make_pool(self) -> ProcessPool:
        pool = ProcessPool(self.workers, self.runner_class)
        pool.start()
        return pool

    def __repr__(self) -> str:
        return f"ProcessBackend(workers={self.workers})"


__all__ = ["ProcessBackend", "ProcessPool", "UNGUARDED_MAIN"]
