"""Ray actors: the same slices as worker processes, on one machine or a cluster.

:class:`RayBackend` connects to Ray when it is first opened -- a local Ray it starts itself
(``address=None``; shut down again by :meth:`~RayBackend.close`), the cluster this machine
belongs to (``"auto"``), or any address ``ray.init`` takes (``"ray://head:10001"``) -- or
uses the Ray already initialised in this process. It starts ``workers`` actors (default:
one per free CPU of the cluster, no more than the population's candidates), each holding one
CPU; more workers than free CPUs is one line naming the fix (actors beyond them would wait
for a CPU forever), and so is an address with no Ray cluster behind it. The run's set-up goes once into Ray's
object store (``ray.put``) and every actor reads it from there; each generation every actor
gets one slice as a small message (:mod:`neuroevo.parallel.slices`). An actor that dies
(its process killed, its node lost) is replaced by a new one and its slice re-run on
whichever actor is free first (:mod:`neuroevo.parallel.pool`): the run ends with the same
result.

On a cluster, every node needs neuroevo and the task's packages installed (or a
``runtime_env``: pass ``init_kwargs={"runtime_env": {...}}``).

Example::

    import neuroevo as ne
    result = ne.evolve(strategy, task, generations=50, seed=1, backend="ray",
                       address="auto")                           # the cluster's CPUs
"""

from __future__ import annotations

import time
import warnings
from typing import Any

from neuroevo.errors import ConfigError
from neuroevo.parallel.backend import RAY_INSTALL, BackendError
from neuroevo.parallel.pool import Event, Pool
from neuroevo.parallel.slices import JOB, SETUP, SliceRunner, decode_answer
from neuroevo.parallel.workers import WorkerBackend


def import_ray() -> Any:
    """The ``ray`` module, or ConfigError saying how to install it."""
    try:
        import ray
    except ImportError:
        raise ConfigError(RAY_INSTALL) from None
    return ray


class SliceActor:
    """A Ray actor around a :class:`~neuroevo.parallel.slices.SliceRunner` (or another
    ``runner_class`` with its ``handle``)."""

    def __init__(self, runner_class: type = SliceRunner) -> None:
        self.runner = runner_class()

    def handle(self, tag: bytes, blob: bytes) -> bytes:
        return self.runner.handle(tag, blob)

    def pid(self) -> int:
        import os

        return os.getpid()


class RayPool(Pool):
    """``size`` Ray actors; the set-up through the object store."""

    #: seconds to wait for the first actor to start before giving up
    start_timeout = 300.0

    def __init__(self, size: int, ray: Any, runner_class: type = SliceRunner) -> None:
        super().__init__(size)
        self._ray = ray
        self._runner_class = runner_class
        self._actor_class = ray.remote(num_cpus=1, max_restarts=0)(SliceActor)
        self.actors: list[Any] = [None] * size
        self._pending: dict[Any, int] = {}  # object ref -> worker
        self._refs: dict[int, tuple[bytes, Any]] = {}  # id(set-up blob) -> (blob, its ref)

    def _start(self, worker: int) -> None:
        self.actors[worker] = self._actor_class.remote(self._runner_class)

    def _call(self, worker: int, tag: bytes, blob: Any) -> None:
        self._pending[self.actors[worker].handle.remote(tag, blob)] = worker

    def _send_setup(self, worker: int, blob: bytes) -> None:
        if id(blob) not in self._refs:  # into the object store once, read by every actor
            live = {id(b) for b in self._setups}
            self._refs = {k: v for k, v in self._refs.items() if k in live}
            self._refs[id(blob)] = (blob, self._ray.put(blob))
        self._call(worker, SETUP, self._refs[id(blob)][1])

    def _send_job(self, worker: int, blob: bytes) -> None:
        self._call(worker, JOB, blob)

    def _wait(self) -> Event:
        ray = self._ray
        waited = 0.0
        while True:
            ready, _ = ray.wait(list(self._pending), num_returns=1, timeout=10.0)
            if ready:
                break
            waited += 10.0
            waiting = sum(1 for n in self._unacked.values() if n)
            if waited >= self.start_timeout and waiting:  # some never started: never will
                free = ray.available_resources().get("CPU", 0)
                raise BackendError(
                    f"{waiting} of {self.size} Ray actors have not started in {waited:.0f} s: "
                    f"each needs 1 CPU and the cluster has {free:g} free; use fewer workers "
                    "or free the cluster's CPUs"
                )
        [ref] = ready
        worker = self._pending.pop(ref)
        try:
            answer = ray.get(ref)
        except ray.exceptions.RayError:  # the actor died (killed, its node lost ...)
            for r in [r for r, w in self._pending.items() if w == worker]:
                del self._pending[r]  # its other calls fail too; it is replaced
            return Event(worker, "died")
        return decode_answer(worker, answer)

    def _stop(self, worker: int) -> None:
        actor = self.actors[worker]
        if actor is None:
            return
        for r in [r for r, w in self._pending.items() if w == worker]:
            del self._pending[r]
        try:
            self._ray.kill(actor, no_restart=True)
        except Exception:  # already gone
            pass
        self.actors[worker] = None


class RayBackend(WorkerBackend):
    """``workers`` Ray actors (default: one per free CPU of the cluster); see the module."""

    name = "ray"
    #: seconds to wait for taken CPUs to come free before refusing the workers
    free_wait = 30.0

    def __init__(
        self,
        workers: int | None = None,
        *,
        address: str | None = None,
        threads: int = 1,
        init_kwargs: dict[str, Any] | None = None,
    ) -> None:
        self._ray = import_ray()
        super().__init__(workers or 0, threads=threads, explicit=bool(workers))
        self.address = address
        self.init_kwargs = dict(init_kwargs or {})
        self._owns_ray = False

    def _make_pool(self) -> RayPool:
        ray = self._ray
        if not ray.is_initialized():
            self._connect()
        self.workers = self._fitting_workers()
        pool = RayPool(self.workers, ray, self.runner_class)
        pool.start()
        return pool

    def _connect(self) -> None:
        """``ray.init`` (a local Ray, or the cluster at ``address``); one line when it fails."""
        kwargs = dict(include_dashboard=False, configure_logging=False)
        kwargs.update(self.init_kwargs)
        try:
            with warnings.catch_warnings(record=True) as said:  # Ray's client warns, then fails:
                warnings.simplefilter("always")  # the error below says it all
                self._ray.init(address=self.address, **kwargs)
        except Exception as e:  # no cluster there, ray[client] missing, a refused connection
            where = "a local Ray" if self.address is None else f"Ray at {self.address!r}"
            reason = " ".join(str(e).split()).rstrip(".") or type(e).__name__
            fix = (
                "start one (ray start --head) or pass its address"
                if self.address in (None, "auto")
                else "check the address, start the cluster, or drop --address to use a local Ray"
            )
            raise BackendError(f"cannot connect to {where}: {reason[:300]}; {fix}") from None
        for w in said:  # connected: what Ray warned about on the way still reaches the user
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
        self._owns_ray = True

    def _fitting_workers(self) -> int:
        """The actors to start: the workers asked for, if the cluster has a free CPU for each
        (actors beyond them would wait forever), else one line naming the fix; by default
        one per free CPU, no more than the population's candidates. More workers than the
        cluster's CPUs are refused at once; CPUs still held (by actors being released) are
        waited for up to :attr:`free_wait` seconds."""
        ray = self._ray
        total = int(ray.cluster_resources().get("CPU", 0))
        want = self.workers if self.explicit else 1
        if want > total:
            fix = (
                f"use {total} workers or fewer (--workers {total})"
                if total
                else "run in one process (backend='serial')"
            )
            raise BackendError(
                f"workers={want}: each Ray actor needs 1 CPU and the Ray cluster "
                f"has {total}; {fix}, or join a bigger cluster (--address)"
            )
        deadline = time.monotonic() + self.free_wait
        free = int(ray.available_resources().get("CPU", 0))
        while want > free and time.monotonic() < deadline:
            time.sleep(0.5)
            free = int(ray.available_resources().get("CPU", 0))
        if want > free:
            fix = f"use {free} workers or fewer (--workers {free})" if free else "wait"
            raise BackendError(
                f"workers={want}: each Ray actor needs 1 CPU and {total - free} of "
                f"the Ray cluster's {total} are taken; {fix}, or free them"
            )
        return self.workers if self.explicit else min(free, self.cap or free)

    def actor_pids(self) -> list[int]:
        """The actors' process ids (tests kill one)."""
        pool = self._pool
        if not isinstance(pool, RayPool):
            return []
        return self._ray.get([a.pid.remote() for a in pool.actors])

    def close(self) -> None:
        super().close()
        if self._owns_ray:
            self._ray.shutdown()
            self._owns_ray = False

    def __repr__(self) -> str:
        return f"RayBackend(workers={self.workers}, address={self.address!r})"


__all__ = ["RayBackend", "RayPool", "SliceActor", "import_ray"]
