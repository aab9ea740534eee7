"""neat-python's per-genome fitness functions on worker processes or Ray: the equivalent of
``neat.ParallelEvaluator(n, eval_genome)``.

:class:`GenomeEvaluator` takes a user's unchanged ``eval_genome(genome, config) -> fitness``
and is the ``fitness_function`` of ``neat.Population.run``: called with the generation's
``(genome_id, genome)`` pairs and the config, it sets each ``genome.fitness`` to what
``eval_genome`` returned for it -- neat.ParallelEvaluator's contract (``neat/parallel.py``).
Each genome gets the fitness neat.ParallelEvaluator gives it, and a run gives the same
genomes, generation after generation, as neat-python's serial loop on the same seed.

The workers are the project's own (:mod:`neuroevo.parallel.pool`): ``backend="process"``
(worker processes from the forkserver, :mod:`neuroevo.parallel.processes`) or ``"ray"``
(Ray actors on this machine or a cluster, :mod:`neuroevo.parallel.ray_backend`), started by
the constructor and kept for every generation until :meth:`GenomeEvaluator.close`. Each
worker gets ``eval_genome`` and the config once per generation where their pickle changed
(neat-python's config does every generation: its innovation tracker), where
neat.ParallelEvaluator sends the config with every genome; then slices of consecutive genomes
-- about four per worker, as ``multiprocessing.Pool.map`` chunks, so a worker that finishes
early takes the next slice -- and the driver joins the results in the genomes' order.
Genomes and the function travel by pickle, as with neat.ParallelEvaluator (messages between
a driver and the workers it started, never files), so ``eval_genome`` must be a function at
module level of the main script or a module the workers import (to Ray actors, the main
script's functions travel by value: :func:`ray_pickler`). Pickling a neat-python config takes a new-node id
from its counter; :func:`setup_bytes` gives it back, so the run stays neat-python's serial
one (neat.ParallelEvaluator's runs leave it once a node is added). A worker process or actor
that dies is replaced and its slice re-run; an exception in ``eval_genome`` is one line
naming the genome (:class:`EvalGenomeError`) with the worker's traceback as a note. What
``eval_genome`` changes in a genome stays in the worker (only its return value comes back),
as with neat.ParallelEvaluator.
``backend="serial"`` (the default without ``workers``) calls ``eval_genome`` in this process.

``seed`` is neat.ParallelEvaluator's: ``random.seed(seed + genome.key)`` before each call, so
a fitness that draws from ``random`` is reproducible (in the serial backend the driver's own
``random`` state is restored afterwards, so the run's evolution is untouched). Without it a
worker's ``random`` state is its own, as in neat.ParallelEvaluator.

Example::

    import neat, neuroevo as ne

    XOR = [((0.0, 0.0), 0.0), ((0.0, 1.0), 1.0), ((1.0, 0.0), 1.0), ((1.0, 1.0), 0.0)]

    def eval_genome(genome, config):                       # unchanged neat-python code
        net = neat.nn.FeedForwardNetwork.create(genome, config)
        return 4.0 - sum((net.activate(x)[0] - y) ** 2 for x, y in XOR)

    if __name__ == "__main__":                             # workers import this script
        config = ne.load_config("configs/xor.ini")         # or neat.Config(...) as before
        with ne.GenomeEvaluator(eval_genome, workers=2) as evaluator:   # or backend="ray"
            winner = neat.Population(config).run(evaluator, 300)
"""

from __future__ import annotations

import dataclasses
import itertools
import numbers
import pickle
import random
from collections.abc import Callable, Iterable
from typing import Any

from neuroevo.errors import ConfigError, NeuroevoError
from neuroevo.parallel.make import make_backend
from neuroevo.parallel.pool import run_jobs
from neuroevo.parallel.registry import backend_names
from neuroevo.parallel.slices import SliceRunner, dumps
from neuroevo.parallel.workers import WorkerBackend


class EvalGenomeError(NeuroevoError, RuntimeError):
    """``eval_genome`` raised, or returned no number, for one genome (``genome_id``)."""

    genome_id: Any = None


@dataclasses.dataclass(frozen=True)
class GenomeSetup:
    """Sent to every worker with the first call, and again whenever its pickle changes."""

    eval_genome: Callable[[Any, Any], Any]
    config: Any
    seed: int | None
    threads: int


def evaluate_genomes(setup: GenomeSetup, pairs: list[tuple[Any, Any]]) -> list[Any]:
    """``eval_genome(genome, config)`` of each pair, in order; its exception as
    :class:`EvalGenomeError` naming the genome (the original is its ``__cause__``; raised
    from a worker, the exception's note holds the worker's traceback of both)."""
    values = []
    for genome_id, genome in pairs:
        if setup.seed is not None:
            random.seed(setup.seed + genome.key)
        try:
            values.append(setup.eval_genome(genome, setup.config))
        except Exception as e:
            error = EvalGenomeError(
                f"eval_genome raised {type(e).__name__} on genome {genome_id}: "
                f"{' '.join(str(e).split())[:300]}; fix eval_genome, or call it on that genome "
                "alone to debug it"
            )
            error.genome_id = genome_id
            raise error from e
    return values


def setup_bytes(setup: GenomeSetup, pickler: Callable[[Any], bytes] = dumps) -> bytes:
    """The set-up's pickle, leaving the driver's config as it was. neat-python's
    ``DefaultGenomeConfig.__getstate__`` takes the next new-node id from its counter
    (``neat/genome.py``), so pickling the config would change the node ids of the driver's
    later genomes (neat.ParallelEvaluator's pickle per genome does): the counter is given
    back at the value it held."""
    genome_config: Any = getattr(setup.config, "genome_config", None)
    counter = getattr(genome_config, "node_indexer", None)
    if not isinstance(counter, itertools.count):
        return pickler(setup)
    following = next(counter)
    genome_config.node_indexer = itertools.count(following)
    try:
        return pickler(setup)
    finally:
        genome_config.node_indexer = itertools.count(following)


def checked_fitness(value: Any, genome_id: Any) -> Any:
    """``value`` when it is a real number (the fitness), else one line naming the genome."""
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return value
    error = EvalGenomeError(
        f"eval_genome returned {type(value).__name__} {value!r:.80} for genome {genome_id}; "
        "it must return the genome's fitness as a number (neat.ParallelEvaluator's contract), "
        "not set genome.fitness"
    )
    error.genome_id = genome_id
    raise error


class GenomeRunner(SliceRunner):
    """A worker's side: the set-up, then slices of ``(genome_id, genome)`` pairs, each
    answered with the list of ``eval_genome``'s values (the pool's messages and errors are
    :class:`~neuroevo.parallel.slices.SliceRunner`'s). A set-up the worker cannot load is
    answered as taken and raised by its slices, so the pool's set-up accounting stays whole
    and the next set-up (another function) finds every worker ready."""

    def setup(self, blob: bytes) -> None:
        import torch

        self.genome_setup: GenomeSetup | None = None
        try:
            self.genome_setup = pickle.loads(blob)
        except Exception as e:  # the function's module is not importable here
            self.load_error = EvalGenomeError(
                f"the workers cannot load eval_genome or the config ({type(e).__name__}: "
                f"{e}); define eval_genome at module level of a file the workers can import "
                "(not in a notebook or at the interactive prompt)"
            )
            return
        torch.set_num_threads(self.genome_setup.threads)

    def evaluate(self, blob: bytes) -> bytes:
        if self.genome_setup is None:
            raise self.load_error
        return dumps(evaluate_genomes(self.genome_setup, pickle.loads(blob)))


def ray_pickler() -> Callable[[Any], bytes]:
    """Ray's cloudpickle: a Ray actor's ``__main__`` is Ray's own, not the user's script, so
    what the script defines (``eval_genome``, a genome class) travels by value, as Ray sends
    the functions of remote tasks; what a module defines still goes by reference. A worker
    process imports the script as its ``__main__``, so plain pickle serves there."""
    from neuroevo.parallel.ray_backend import import_ray

    cloudpickle = import_ray().cloudpickle
    return lambda obj: cloudpickle.dumps(obj, protocol=5)


def chunks(n: int, workers: int) -> list[range]:
    """Consecutive slices of ``n`` genomes, about four per worker (``Pool.map``'s chunks)."""
    size = max(1, -(-n // (workers * 4)))
    return [range(i, min(i + size, n)) for i in range(0, n, size)]


class GenomeEvaluator:
    """``eval_genome(genome, config)`` on ``workers`` worker processes or Ray actors, as
    ``neat.Population.run``'s fitness function; see the module docstring.

    ``workers``: how many (default one per CPU core, or per free CPU of the Ray cluster);
    ``backend``: ``"process"`` (the default with ``workers``), ``"ray"``, or ``"serial"``
    (the default without: this process); ``address``: the Ray cluster (``"auto"``,
    ``"ray://head:10001"``; ``None`` starts a local Ray, or uses the one already
    initialised); ``seed``: neat.ParallelEvaluator's per-genome ``random`` seed. The
    attributes ``eval_genome`` and ``seed`` may be changed between calls: the workers get
    them with the next one. neat.ParallelEvaluator's ``timeout``, ``initializer`` and
    ``maxtasksperchild`` have no equivalent.
    """

    def __init__(
        self,
        eval_genome: Callable[[Any, Any], Any],
        workers: int | None = None,
        *,
        backend: str | None = None,
        address: str | None = None,
        seed: int | None = None,
    ) -> None:
        if not callable(eval_genome):
            raise ConfigError(
                f"GenomeEvaluator: eval_genome must be a function "
                f"(genome, config) -> fitness, got {type(eval_genome).__name__}"
            )
        if backend is not None and not isinstance(backend, str):
            raise ConfigError(
                f"GenomeEvaluator: backend must be one of {list(backend_names('evaluation'))}, "
                f"got {type(backend).__name__} (a Backend object runs tasks, not "
                "eval_genome)"
            )
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise ConfigError(f"GenomeEvaluator: seed must be an integer or None, got {seed!r}")
        self.eval_genome = eval_genome
        self.seed = seed
        self._backend = make_backend(workers=workers, backend=backend, address=address)
        #: the worker processes or Ray actors (None: the serial backend, this process)
        self._workers = self._backend if isinstance(self._backend, WorkerBackend) else None
        self._blob: bytes | None = None  # the set-up the workers hold
        #: what the driver's messages are pickled with (see :func:`ray_pickler`)
        self._pickler: Callable[[Any], bytes] = dumps
        if self._workers is not None:
            self._workers.runner_class = GenomeRunner
            self._workers.start()
            if self._workers.name == "ray":
                self._pickler = ray_pickler()

    @property
    def workers(self) -> int:
        """How many workers evaluate genomes (1: this process)."""
        return self._backend.workers

    def __call__(self, genomes: Iterable[tuple[Any, Any]], config: Any) -> None:
        """Set ``genome.fitness`` of every ``(genome_id, genome)`` pair."""
        pairs = list(genomes)
        workers = self._workers
        setup = GenomeSetup(
            self.eval_genome, config, self.seed, workers.threads if workers is not None else 1
        )
        values = (
            self._here(setup, pairs) if workers is None else self._in_workers(workers, setup, pairs)
        )
        for (genome_id, genome), value in zip(pairs, values):
            genome.fitness = checked_fitness(value, genome_id)

    #: neat.ParallelEvaluator's name for the same call
    evaluate = __call__

    @staticmethod
    def _here(setup: GenomeSetup, pairs: list[tuple[Any, Any]]) -> list[Any]:
        state = random.getstate() if setup.seed is not None else None
        try:
            return evaluate_genomes(setup, pairs)
        finally:
            if state is not None:
                random.setstate(state)

    def _in_workers(
        self, backend: WorkerBackend, setup: GenomeSetup, pairs: list[tuple[Any, Any]]
    ) -> list[Any]:
        pool = backend.pool
        try:
            blob = setup_bytes(setup, self._pickler)
        except Exception as e:
            raise ConfigError(
                f"GenomeEvaluator sends eval_genome and the config to its workers, but they "
                f"cannot be pickled ({type(e).__name__}: {e}); define eval_genome with def at "
                "module level (no lambda or nested function), as neat.ParallelEvaluator "
                "needs too"
            ) from None
        if blob != self._blob:
            pool.add_setup(blob, new_run=True)
            self._blob = None  # until every worker has it
            pool.wait_ready(max_deaths=backend.max_attempts * backend.workers)
            self._blob = blob
        jobs = [self._pickler(pairs[r.start : r.stop]) for r in chunks(len(pairs), backend.workers)]
        answers, _ = run_jobs(pool, jobs, max_attempts=backend.max_attempts)
        return [value for answer in answers for value in pickle.loads(answer)]

    def close(self) -> None:
        """Stop the workers (and a local Ray this evaluator started)."""
        self._backend.close()

    def __enter__(self) -> GenomeEvaluator:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return (
            f"GenomeEvaluator({getattr(self.eval_genome, '__qualname__', self.eval_genome)},"
            f" workers={self.workers}, backend={self._backend.name!r})"
        )


__all__ = [
    "EvalGenomeError",
    "GenomeEvaluator",
    "GenomeRunner",
    "GenomeSetup",
    "chunks",
    "checked_fitness",
    "evaluate_genomes",
    "ray_pickler",
    "setup_bytes",
]
