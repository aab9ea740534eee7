"""Islands and local SGD: whole runs side by side, exchanging migrants or averaged weights.

The layer above the loop (an island runs the loop's own generation step,
:class:`neuroevo.loop.generation.GenerationStep`); evaluation backends stay in
:mod:`neuroevo.parallel`:

* :mod:`.islands` -- :class:`Islands`, the run: islands on Ray actors (asynchronous or
  synchronous) or one after the other in this process, checkpoints, the result;
* :mod:`.island` -- :class:`Island`, one strategy on its task, generation by generation;
* :mod:`.island_checks` -- the run's arguments and migrants checked before anything runs;
* :mod:`.migration` -- who leaves, how migrants enter (the strategy's own ``emigrants``/``adopt``), the pool;
* :mod:`.async_gradient` -- :func:`local_sgd`: gradient replicas on data shards averaging
  their weights, and :func:`minibatch_sgd`, its synchronous baseline.

Example::

    import neuroevo as ne
    islands = ne.Islands([ne.PSO(ne.MLP(2, [4], 1), pop_size=32) for _ in range(4)],
                         ne.tasks.XOR(), migration_interval=5, seed=1)
    result = islands.run(generations=100)
"""

from neuroevo.islands.async_gradient import LocalSGDResult, local_sgd, minibatch_sgd
from neuroevo.islands.island import Island, IslandGeneration, IslandSettings
from neuroevo.islands.islands import IslandResult, IslandRun, Islands
from neuroevo.islands.migration import MigrantPool

__all__ = [
    "Island",
    "IslandGeneration",
    "IslandResult",
    "IslandRun",
    "IslandSettings",
    "Islands",
    "LocalSGDResult",
    "MigrantPool",
    "local_sgd",
    "minibatch_sgd",
]
