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
from typing import Any

from neuroevo.parallel.pool import Event, Pool
from neuroevo.parallel.slices import JOB, SETUP, STOP, SliceRunner, decode_answer
from neuroevo.parallel.workers import WorkerBackend


def _worker_main(conn: Any) -> None:
    """A worker process: answer set-ups and slices until told to stop or the pipe closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the driver handles Ctrl-C and stops us
    runner = SliceRunner()
    while True:
        try:
            message = conn.recv_bytes()
        except (EOFError, OSError):
            return
        if message[:1] == STOP:
            return
        conn.send_bytes(runner.handle(message[:1], message[1:]))


def _context() -> Any:
    """The forkserver context, preloaded with neuroevo's worker code, else spawn."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["__main__", __name__])  # only before the server starts
    return ctx


class ProcessPool(Pool):
    """``size`` worker processes, one pipe each."""

    def __init__(self, size: int) -> None:
        super().__init__(size)
        self._ctx = _context()
        self._procs: list[Any] = [None] * size
        self._conns: list[Any] = [None] * size

    def _start(self, worker: int) -> None:
        parent, child = self._ctx.Pipe(duplex=True)
        proc = self._ctx.Process(target=_worker_main, args=(child,), daemon=True,
                                 name=f"neuroevo-worker-{worker}")
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
                    return decode_answer(w, obj.recv_bytes())
                except (EOFError, OSError):
                    return Event(w, "died")
        w = sentinels[ready[0]]
        if self._conns[w].poll():
            try:
                return decode_answer(w, self._conns[w].recv_bytes())
            except (EOFError, OSError):
                pass
        return Event(w, "died")

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
        super().__init__(workers if workers is not None else (os.cpu_count() or 1),
                         threads=threads)

    def _make_pool(self) -> ProcessPool:
        pool = ProcessPool(self.workers)
        pool.start()
        return pool

    def __repr__(self) -> str:
        return f"ProcessBackend(workers={self.workers})"


__all__ = ["ProcessBackend", "ProcessPool"]
