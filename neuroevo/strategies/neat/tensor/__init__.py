"""NEAT with the whole population as tensors on the strategy's device (``engine="tensor"``).

One idea per module, in the order of a generation:

- ``spec.py``: the INI settings read once (gene attributes by kind, structural settings);
- ``genes.py``: the population as padded gene tables (:class:`Genomes`, :class:`GeneTable`);
- ``initial.py``: a new population (``create_new`` / ``configure_new``);
- ``innovation.py``: innovation numbers and node ids for batches of mutations;
- ``attributes.py``: attribute init, mutation and crossover on tensors;
- ``crossover.py``, ``structure.py``: crossover and structural mutation of all children;
- ``distance.py``, ``speciation.py``: compatibility distance and greedy speciation;
- ``stagnation.py``, ``reproduction.py``: stagnation, spawn counts, elites and parents;
- ``compile.py``: the generation's batched network straight from the tensors;
- ``convert.py``: rows to and from neat-python genomes (best genome, drawings, files);
- ``state.py``: checkpoint data; ``strategy.py``: :class:`TensorNEAT`, the ask/tell strategy.
"""

from neuroevo.strategies.neat.tensor.strategy import TensorNEAT

__all__ = ["TensorNEAT"]
