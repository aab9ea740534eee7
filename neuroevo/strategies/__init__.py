"""Strategies: what proposes a generation's candidates and learns from their fitness.

Every strategy follows :class:`Strategy` (``setup`` -> ``ask`` -> ``tell`` ..., with
``state_dict`` for checkpoints; :mod:`.base`): ``ask()`` returns a
:class:`~neuroevo.policy.BatchedPolicy` over the population, ``tell(fitness)`` takes its
fitness ``[P]``. Two families:

* NEAT (:mod:`.neat`): :func:`NEAT` builds :class:`PythonNEAT` (neat-python's genetics,
  the default) or :class:`TensorNEAT` (``engine="tensor"``, the population as tensors);
* strategies over the flat parameters ``[P, n_params]`` of any torch module
  (:class:`VectorStrategy`, :mod:`.vector_base`, hyperparameters checked in
  :mod:`.hyperparams`): :class:`GA`, :class:`PSO`, :class:`SimulatedAnnealing` and the
  gradient baselines :class:`GradientDescent`, each with its hyperparameters as a dataclass
  (:class:`GAParams` ...).

Names are resolved on first use (``neuroevo/_lazy.py``), so ``import neuroevo.strategies``
imports neither neat-python nor torch, and no strategy module is imported before it is used.

Example::

    import neuroevo as ne
    s = ne.strategies.PSO(ne.MLP(2, [4], 1), pop_size=50)
    t = ne.strategies.NEAT("configs/xor.ini", engine="tensor")
"""

from __future__ import annotations

from neuroevo._lazy import lazy_getattr

_NAMES = {
    "Strategy": "neuroevo.strategies.base:Strategy",
    # NEAT (neuroevo/strategies/neat/)
    "NEAT": "neuroevo.strategies.neat.engines:NEAT",
    "PythonNEAT": "neuroevo.strategies.neat.strategy:PythonNEAT",
    "TensorNEAT": "neuroevo.strategies.neat.tensor:TensorNEAT",
    # over flat parameter vectors
    "VectorStrategy": "neuroevo.strategies.vector_base:VectorStrategy",
    "GA": "neuroevo.strategies.ga:GA",
    "GAParams": "neuroevo.strategies.ga:GAParams",
    "PSO": "neuroevo.strategies.pso:PSO",
    "PSOParams": "neuroevo.strategies.pso:PSOParams",
    "SimulatedAnnealing": "neuroevo.strategies.annealing:SimulatedAnnealing",
    "SAParams": "neuroevo.strategies.annealing:SAParams",
    "GradientDescent": "neuroevo.strategies.gradient:GradientDescent",
    "GradientParams": "neuroevo.strategies.gradient:GradientParams",
}

__getattr__ = lazy_getattr(__name__, _NAMES, globals())
__all__ = sorted(_NAMES)
