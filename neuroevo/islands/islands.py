"""The island model: several strategies evolving side by side, exchanging their best now and then.

``Islands(strategies, task, ...)`` runs one :class:`~neuroevo.islands.island.Island` per
strategy (NEAT, GA, PSO or SA), each a whole population with its own seed, and every
``migration_interval`` generations sends copies of each island's ``migrants`` best to its
neighbour (``topology="ring"``) or to every island (``"all"``), where they replace the
worst (:mod:`neuroevo.islands.migration`). Two modes:

* **asynchronous** (default; Ray): each island is a Ray actor running at its own pace. At a
  migration generation it pushes its emigrants to a small migrant-pool actor and takes
  whatever its sources have pushed since -- it never waits for another island, so a slow
  island (a bigger population, a slower machine) never stalls the others; it only sends
  migrants less often. This is the asynchronous island model of Alba & Troya (2001),
  "Analyzing synchronous and asynchronous parallel distributed genetic algorithms", Future
  Generation Computer Systems 17(4). **Not reproducible in general**: which migrants an
  island receives, and when, depends on the islands' relative speed. Each island alone is
  deterministic given the migrants it receives.
* **synchronous** (``asynchronous=False``): every island runs to the migration generation,
  the driver routes the emigrants in island order, and the islands go on. The same seed
  gives the same run, whether the islands run on Ray actors (``backend="ray"``) or one after
  the other in this process (``backend="local"``, no Ray needed) -- both give the same result.

Every island runs the loop's own generation step (ask -> evaluate -> confirm -> tell,
:class:`~neuroevo.loop.generation.GenerationStep`), so a task with ``solve_episodes`` is
solved only by a proved candidate, as in :func:`neuroevo.evolve`. A run stops when every
island has done ``generations`` generations, or when an island solves the task
(``stop_on_solve``): synchronous islands all stop in the generation of the first solution;
asynchronous ones as soon as they learn of it, at their next generation.
:meth:`Islands.start` returns a handle to watch (``progress``), stop (``stop``) and collect
(``result``) an asynchronous run. With ``checkpoint_dir`` each island saves itself every
``checkpoint_every`` generations and at the end (``island-<i>.ckpt``), and the migrant pool
with it (``pool.ckpt``); ``run(generations, resume=True)`` continues every island from its
own checkpoint up to ``generations``, in either mode (the files are the same), and refuses
to start when an island's checkpoint is missing. A synchronous run resumed from checkpoints of one
generation (as every completed or checkpointed synchronous run leaves them) continues
exactly as the uninterrupted run would have.

The constructor checks every argument (:mod:`neuroevo.islands.island_checks`: the seed, a
floating dtype, a usable device, a ``checkpoint_dir`` that can be a folder, one parameter
layout for GA/PSO/SA islands that exchange migrants), so none fails mid-run. A resume checks
the migrant pool's checkpoint against the islands, and every island's checkpoint (on Ray too,
in this process, before any actor starts), so a bad file is one CheckpointError naming it.

Ray is started on first use (``address``: None for a local Ray, ``"auto"`` or a cluster
address) and left running. Strategies and tasks travel to the actors once, pickled by Ray
(the transport, never a file); migrants travel as data (genome JSON, parameter rows). Each
island works on its own copy of its strategy and task in either backend (``[strategy] * 3``
is three islands, and the objects given are left as they were).

Example::

    import neuroevo as ne
    from neuroevo.islands.islands import Islands
    islands = Islands([ne.PSO(ne.MLP(2, [4], 1), pop_size=32) for _ in range(4)],
                      ne.tasks.XOR(), migration_interval=5, migrants=2, seed=1)
    result = islands.run(generations=100)
    result.best_fitness, result.best_island, [len(h) for h in result.histories]
"""

from __future__ import annotations

import copy
import dataclasses
import time
from collections.abc import Sequence
from typing import Any

import torch

from neuroevo.errors import CheckpointError, ConfigError
from neuroevo.islands.island import Island, IslandGeneration, IslandSettings
from neuroevo.islands.island_checks import (
    check_migrant,
    checkpoint_folder,
    island_device,
    island_dtype,
    run_seed,
    same_layout,
)
from neuroevo.islands.migration import TOPOLOGIES, MigrantPool
from neuroevo.parallel.registry import backend_names, unknown_backend

RAY_NEEDED = (
    'asynchronous islands run on Ray: pip install "neuroevo[ray]" (or run them '
    'synchronously in this process with asynchronous=False, backend="local")'
)


def ray_module(address: str | None = None) -> Any:
    """The ``ray`` module, initialised (``ray.init(address)`` unless it already is)."""
    try:
        import ray
    except ImportError:
        raise ConfigError(RAY_NEEDED) from None
    if not ray.is_initialized():
        ray.init(address=address, include_dashboard=False, configure_logging=False)
    return ray


@dataclasses.dataclass
class IslandResult:
    """What an island run gives: the best across islands and every island's history."""

    best: Any  # the best candidate of any island (a genome, a parameter row)
    best_fitness: float
    best_island: int
    solved: bool
    generations: list[int]  # generations done, per island
    evaluations: int  # fitness evaluations, all islands (immigrants' re-evaluations included)
    histories: list[list[IslandGeneration]]
    seconds: float
    asynchronous: bool

    def to_dict(self) -> dict[str, Any]:
        """JSON-able summary (without the best candidate itself)."""
        return {
            "best_fitness": self.best_fitness,
            "best_island": self.best_island,
            "solved": self.solved,
            "generations": self.generations,
            "evaluations": self.evaluations,
            "seconds": self.seconds,
            "asynchronous": self.asynchronous,
            "histories": [[g.to_dict() for g in h] for h in self.histories],
        }


def _result(summaries: list[dict[str, Any]], seconds: float, asynchronous: bool) -> IslandResult:
    summaries = sorted(summaries, key=lambda s: s["island"])
    best = max(summaries, key=lambda s: s["best_fitness"])  # first of equals
    return IslandResult(
        best=best["best"],
        best_fitness=best["best_fitness"],
        best_island=best["island"],
        solved=any(s["solved"] for s in summaries),
        generations=[s["generations"] for s in summaries],
        evaluations=sum(s["evaluations"] for s in summaries),
        histories=[s["history"] for s in summaries],
        seconds=seconds,
        asynchronous=asynchronous,
    )


class _IslandActor:
    """Ray actor body: one :class:`Island` (its strategy set up in the actor's process)."""

    def __init__(
        self,
        index: int,
        strategy: Any,
        task: Any,
        settings: IslandSettings,
        threads: int,
        resume: bool,
    ) -> None:
        torch.set_num_threads(threads)
        self.island = Island(index, strategy, task, settings)
        self.island.setup(resume=resume)

    def ready(self) -> int:
        return self.island.generation

    def run(self, generations: int, pool: Any) -> dict[str, Any]:
        return self.island.run(generations, _PoolProxy(pool))

    def solved(self) -> bool:
        return self.island.solved

    def advance(self, generations: int) -> dict[str, Any]:
        return self.island.advance(generations)

    def complete(self, immigrants: list[dict[str, Any]]) -> bool:
        return self.island.complete(immigrants)

    def finish_run(self) -> dict[str, Any]:
        self.island.save()
        return self.island.summary()


class _PoolProxy:
    """The pool actor, called as the plain object :meth:`Island.run` expects."""

    def __init__(self, handle: Any) -> None:
        import ray

        self._ray, self._h = ray, handle

    def exchange(self, island: int, generation: int, migrants: list[Any]) -> list[Any]:
        got: list[Any] = self._ray.get(self._h.exchange.remote(island, generation, migrants))
        return got

    def poll(self, island: int, generations_done: int, best_fitness: float) -> bool:
        return bool(self._ray.get(self._h.poll.remote(island, generations_done, best_fitness)))

    def request_stop(self) -> None:
        self._ray.get(self._h.request_stop.remote())

    def save(self, directory: str | None) -> None:
        self._ray.get(self._h.save.remote(directory))


def _own_copy(obj: Any, what: str, island: int) -> Any:
    """A copy of ``obj`` for one island in this process: islands never share a population
    or a task's state, even when one object is named for several (``[strategy] * 3``), and
    the objects given stay as they were -- as on Ray, where each actor gets its own."""
    try:
        return copy.deepcopy(obj)
    except Exception as e:  # deepcopy raises what the object's __reduce__ raises
        raise ConfigError(
            f"Islands: island {island}'s {what} {type(obj).__name__} cannot be "
            f"copied ({type(e).__name__}: {e}); each island runs on its own copy, "
            "so build it from plain data (no open files, locks or processes)"
        ) from None


def missing_checkpoints(settings: IslandSettings) -> None:
    """Before a resume: every island's checkpoint must be there, or none of them runs (an
    island without one would start again at generation 0 while the others go on)."""
    paths = [settings.checkpoint_path(i) for i in range(settings.islands)]
    missing = [p for p in paths if p is not None and not p.is_file()]
    if not missing:
        return
    names = ", ".join(p.name for p in missing)
    where = settings.checkpoint_dir
    if len(missing) == len(paths):
        raise CheckpointError(
            f"Islands resume: no island checkpoint in {where} ({names} "
            "missing); start the run without resume=True"
        )
    raise CheckpointError(
        f"Islands resume: {names} missing in {where}, so "
        f"{'that island' if len(missing) == 1 else 'those islands'} would "
        "start again at generation 0 while the others go on; restore "
        f"{'it' if len(missing) == 1 else 'them'}, or start the run afresh "
        "without resume=True (in a new checkpoint_dir)"
    )


class IslandRun:
    """A started run: :meth:`progress`, :meth:`wait`, :meth:`stop`, :meth:`result`."""

    def __init__(self, islands: Islands, generations: int, resume: bool) -> None:
        self.islands, self.generations = islands, generations
        self.asynchronous = islands.asynchronous
        self._t0 = time.perf_counter()
        self._result: IslandResult | None = None
        s = islands.settings
        self.pool = MigrantPool(s.islands, topology=s.topology, size=s.migrants)
        if resume:  # migrants an earlier run left undelivered, checked here in either mode
            assert s.checkpoint_dir is not None  # Islands.run(resume=True) requires one
            self.pool.load(s.checkpoint_dir, self._check_migrant)
        if islands.backend == "local":  # each island its own copies, as each Ray actor has
            self._local = [
                Island(i, _own_copy(st, "strategy", i), _own_copy(tk, "task", i), s)
                for i, (st, tk) in enumerate(zip(islands.strategies, islands.tasks))
            ]
            for island in self._local:
                island.setup(resume=resume)
            return
        if resume:  # each island's checkpoint checked here: in an actor, a bad one is only
            # a dead actor (ActorDiedError), not the CheckpointError that names the file
            for i, (st, tk) in enumerate(zip(islands.strategies, islands.tasks)):
                Island(i, _own_copy(st, "strategy", i), _own_copy(tk, "task", i), s).setup(
                    resume=True
                )
        ray = self._ray = ray_module(islands.address)
        actor = ray.remote(_IslandActor).options(**islands.actor_options)
        self._actors = [
            actor.remote(i, st, tk, s, islands.threads, resume)
            for i, (st, tk) in enumerate(zip(islands.strategies, islands.tasks))
        ]
        if self.asynchronous:
            self._pool = (
                ray.remote(MigrantPool)
                .options(num_cpus=0)
                .remote(s.islands, topology=s.topology, size=s.migrants)
            )
            if resume:
                ray.get(self._pool.load_state_dict.remote(self.pool.state_dict()))
            # all set up before any starts, so that no island has a head start of a set-up
            ray.get([a.ready.remote() for a in self._actors])
            self._t0 = time.perf_counter()
            self._refs = [a.run.remote(generations, self._pool) for a in self._actors]

    def _check_migrant(self, migrant: dict[str, Any], where: str, source: int) -> None:
        """A migrant of ``source`` read back from the pool's checkpoint, against every
        island that may receive it."""
        strategies, pool = self.islands.strategies, self.pool
        check_migrant(
            migrant,
            where,
            [strategies[r] for r in range(len(strategies)) if source in pool.sources(r)],
        )

    def progress(self) -> dict[int, int]:
        """Generations done so far per island (asynchronous: as last reported to the pool)."""
        if self.asynchronous:
            done: dict[int, int] = self._ray.get(self._pool.status.remote())["generations"]
            return done
        return dict(enumerate(self._result.generations)) if self._result else {}

    def wait(self, islands: Sequence[int], timeout: float | None = None) -> list[int]:
        """Wait until the given islands have finished (asynchronous runs); the finished ones."""
        if not self.asynchronous:
            raise ConfigError("IslandRun.wait: a synchronous run runs in result(); call that")
        refs = [self._refs[i] for i in islands]
        done, _ = self._ray.wait(refs, num_returns=len(refs), timeout=timeout)
        return [i for i in islands if self._refs[i] in done]

    def stop(self) -> None:
        """Ask every island to stop at its next generation boundary (asynchronous runs)."""
        if self.asynchronous:
            self._ray.get(self._pool.request_stop.remote())

    def result(self) -> IslandResult:
        """Wait for the end of the run (a synchronous run runs now) and give its result."""
        if self._result is not None:
            return self._result
        if self.asynchronous:
            try:
                summaries = self._ray.get(self._refs)
                if self.islands.settings.checkpoint_dir is not None:
                    self._ray.get(self._pool.save.remote(self.islands.settings.checkpoint_dir))
            finally:
                self._close()
        else:
            try:
                summaries = self._synchronous()
            finally:
                self._close()
        self._result = _result(summaries, time.perf_counter() - self._t0, self.asynchronous)
        return self._result

    def _call(self, method: str, args: list[tuple[Any, ...]]) -> list[Any]:
        if self.islands.backend == "local":
            return [getattr(isl, method)(*a) for isl, a in zip(self._local, args)]
        results: list[Any] = self._ray.get(
            [getattr(act, method).remote(*a) for act, a in zip(self._actors, args)]
        )
        return results

    def _synchronous(self) -> list[dict[str, Any]]:
        """Every island one generation at a time, the migrants routed in island order when
        due; after the generation in which an island is solved (``stop_on_solve``), no island
        goes on, so all stop in that generation."""
        n, pool = self.islands.settings.islands, self.pool
        stop_on_solve = self.islands.settings.stop_on_solve
        if self.islands.backend == "local":
            solved = any(island.solved for island in self._local)
        else:
            solved = any(self._ray.get([a.solved.remote() for a in self._actors]))
        while not (stop_on_solve and solved):
            out = self._call("advance", [(self.generations,)] * n)
            if not any(o["ran"] for o in out):
                break
            waiting = [i for i in range(n) if out[i]["emigrants"] is not None]
            for i in waiting:
                pool.push(i, out[i]["emigrants"][0]["generation"], out[i]["emigrants"])
            incoming = {i: pool.pull(i) for i in waiting}
            if self.islands.backend == "local":
                completed = [self._local[i].complete(incoming[i]) for i in waiting]
            else:
                completed = self._ray.get(
                    [self._actors[i].complete.remote(incoming[i]) for i in waiting]
                )
            solved = any(o["solved"] for o in out) or any(completed)
        pool.save(self.islands.settings.checkpoint_dir)
        if self.islands.backend == "local":
            return self._finish_local()
        return self._call("finish_run", [()] * n)

    def _finish_local(self) -> list[dict[str, Any]]:
        for island in self._local:
            island.save()
        return [island.summary() for island in self._local]

    def _close(self) -> None:
        if self.islands.backend == "local":
            return
        for a in [*self._actors, *([self._pool] if self.asynchronous else [])]:
            self._ray.kill(a)


class Islands:
    """An island-model run; see the module docstring for the modes and the arguments."""

    def __init__(
        self,
        strategies: Sequence[Any],
        task: Any,
        *,
        migration_interval: int = 10,
        migrants: int = 1,
        topology: str = "ring",
        seed: int | None = None,
        asynchronous: bool = True,
        backend: str = "ray",
        address: str | None = None,
        stop_on_solve: bool = True,
        checkpoint_dir: str | None = None,
        checkpoint_every: int | None = None,
        device: str = "cpu",
        dtype: torch.dtype = torch.float32,
        threads: int = 1,
        actor_options: dict[str, Any] | None = None,
    ) -> None:
        strategies = list(strategies)
        if not strategies:
            raise ConfigError("Islands: give at least one strategy (one per island)")
        layouts = [s.migrant_layout() for s in strategies]  # refuses a strategy without
        tasks = (
            list(task)
            if isinstance(task, (list, tuple))
            else [copy.deepcopy(task) for _ in strategies]
        )
        if len(tasks) != len(strategies):
            raise ConfigError(
                f"Islands: {len(tasks)} tasks for {len(strategies)} strategies; "
                "give one task, or one per island"
            )
        for name, value, low in (
            ("migration_interval", migration_interval, 1),
            ("migrants", migrants, 0),
            ("threads", threads, 1),
        ):
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                raise ConfigError(f"Islands {name}: expected an integer >= {low}, got {value!r}")
        for name, value in (("asynchronous", asynchronous), ("stop_on_solve", stop_on_solve)):
            if not isinstance(value, bool):
                raise ConfigError(f"Islands {name}={value!r}: expected True or False")
        if address is not None and not isinstance(address, str):
            raise ConfigError(
                f"Islands address={address!r}: expected a Ray address such as "
                "'auto' or 'ray://host:10001', or None for a local Ray"
            )
        if actor_options is not None and not isinstance(actor_options, dict):
            raise ConfigError(
                f"Islands actor_options={actor_options!r}: expected a dict of "
                "Ray actor options, e.g. {'num_cpus': 1}"
            )
        odd = next((i for i, m in enumerate(layouts) if m.fix != layouts[0].fix), None)
        if migrants and odd is not None:
            raise ConfigError(
                f"Islands: island {odd}'s migrants are not of island 0's kind (its "
                f"{layouts[odd].words}; island 0's {layouts[0].words}), so they cannot "
                "exchange migrants; use one kind of strategy, or migrants=0"
            )
        smallest = min(s.population_size for s in strategies)
        if migrants >= smallest:
            raise ConfigError(
                f"Islands migrants={migrants}: must be smaller than every island's "
                f"population (the smallest has {smallest})"
            )
        if topology not in TOPOLOGIES:
            raise ConfigError(f"Islands topology {topology!r}: use one of {list(TOPOLOGIES)}")
        if backend not in backend_names("islands"):
            raise ConfigError(unknown_backend(backend, "islands", "Islands backend"))
        if backend == "local" and asynchronous:
            raise ConfigError(
                "Islands: asynchronous islands run on Ray actors; pass "
                "backend='ray', or asynchronous=False to run them in this process"
            )
        if checkpoint_every is not None and (
            isinstance(checkpoint_every, bool)
            or not isinstance(checkpoint_every, int)
            or checkpoint_every < 1
            or checkpoint_dir is None
        ):
            raise ConfigError(
                f"Islands checkpoint_every={checkpoint_every!r}: expected an integer "
                ">= 1, with checkpoint_dir set"
            )
        if migrants:
            same_layout(strategies)
        seed, dtype_name = run_seed(seed), island_dtype(dtype)
        device_name, checkpoint_dir = island_device(device), checkpoint_folder(checkpoint_dir)
        self.strategies, self.tasks = strategies, tasks
        self.asynchronous, self.backend, self.address = bool(asynchronous), backend, address
        self.threads, self.actor_options = threads, dict(actor_options or {})
        self.settings = IslandSettings(
            islands=len(strategies),
            interval=migration_interval,
            migrants=migrants,
            seed=seed,
            topology=topology,
            asynchronous=self.asynchronous,
            stop_on_solve=stop_on_solve,
            checkpoint_dir=checkpoint_dir,
            checkpoint_every=checkpoint_every,
            device=device_name,
            dtype=dtype_name,
        )

    def start(self, generations: int, *, resume: bool = False) -> IslandRun:
        """Start the islands (asynchronous: they run now; synchronous: on ``result()``)."""
        if isinstance(generations, bool) or not isinstance(generations, int) or generations < 0:
            raise ConfigError(f"generations must be a non-negative integer, got {generations!r}")
        if resume and self.settings.checkpoint_dir is None:
            raise ConfigError("Islands: resume=True needs checkpoint_dir (where the islands saved)")
        if resume:
            missing_checkpoints(self.settings)
        return IslandRun(self, generations, resume)

    def run(self, generations: int, *, resume: bool = False) -> IslandResult:
        """Run every island for ``generations`` generations (in all, after a resume)."""
        return self.start(generations, resume=resume).result()


__all__ = ["IslandResult", "IslandRun", "Islands", "ray_module"]
