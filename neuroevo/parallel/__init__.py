"""Parallel evaluation: the generation's candidates scored in worker processes or Ray actors.

The layer between the strategies and the loop (``neuroevo.evolve(..., workers=N,
backend="process" | "ray", address=None)``). A backend gives the fitness ``[P]`` of the
policy ``strategy.ask()`` returned, bit-identical to one process's ``task.evaluate``:

* :mod:`.registry` -- the one list of backend names (evaluation, islands, local SGD): what
  each is, the extra it needs, how it starts;
* :mod:`.backend` -- the :class:`Backend` contract, the serial (in-process) backend;
  :mod:`.make` -- :func:`make_backend`, evolve's keywords to a backend;
* :mod:`.candidates`, :mod:`.genomes` -- a population as data: NEAT genomes packed as
  arrays, flat parameter rows; the shared part (genome config, module template) once per run;
* :mod:`.balance` -- which candidates go into which slice;
* :mod:`.slices` -- the messages, and the worker's side (:class:`SliceRunner`);
* :mod:`.pool`, :mod:`.workers` -- the driver's side: slices to workers, lost slices re-run;
* :mod:`.processes` -- worker processes (``multiprocessing``, spawn), no Ray needed;
* :mod:`.ray_backend` -- Ray actors, local or on a cluster.
* :mod:`.genome_evaluator` -- neat-python's per-genome ``eval_genome(genome, config)`` on
  the same worker processes or Ray actors (``neuroevo.GenomeEvaluator``, the equivalent of
  ``neat.ParallelEvaluator``).

Why slices and not environments in workers: the measurement is in
``benchmarks/parallel_scaling.py`` (per-slice cost against per-step round trips).
"""

from neuroevo._lazy import lazy_getattr

# resolved on first use: reading the backend names (neuroevo.parallel.registry, as the
# command's parser does) imports no torch, and RayBackend's module imports Ray only when
# it is built
_NAMES = {
    "BACKENDS": "neuroevo.parallel.backend:BACKENDS",
    "Backend": "neuroevo.parallel.backend:Backend",
    "BackendError": "neuroevo.parallel.backend:BackendError",
    "SerialBackend": "neuroevo.parallel.backend:SerialBackend",
    "make_backend": "neuroevo.parallel.make:make_backend",
    "ProcessBackend": "neuroevo.parallel.processes:ProcessBackend",
    "RayBackend": "neuroevo.parallel.ray_backend:RayBackend",
    "WorkerBackend": "neuroevo.parallel.workers:WorkerBackend",
}
__getattr__ = lazy_getattr(__name__, _NAMES, globals())

__all__ = [
    "BACKENDS",
    "Backend",
    "BackendError",
    "ProcessBackend",
    "RayBackend",
    "SerialBackend",
    "WorkerBackend",
    "make_backend",
]
