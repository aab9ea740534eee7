"""NEAT: neat-python's algorithm, with the population compiled and evaluated in one pass.

- ``engines.py``: :func:`NEAT`, the public factory: ``engine="neat-python"`` (default) gives a
  :class:`PythonNEAT`, ``engine="tensor"`` a :class:`~neuroevo.strategies.neat.tensor.TensorNEAT`
  (``tensor/``, the whole generation as tensor operations on the strategy's device); the
  same for an experiment file's ``[strategy] engine``;
- ``strategy.py``: :class:`PythonNEAT`, the ask/tell strategy around neat-python's population;
- ``genome.py``, ``speciation.py``, ``reproduction.py``: drop-in neat-python plug-ins
  (``genome_type``, ``species_set_type``, ``reproduction_type``) that are faster; each keeps
  its own class name and reads neat-python's section (``config_section``, see
  :class:`neuroevo.config.PluginConfig`);
- ``offspring.py``: the children of a whole generation's parent pairs at once (vectorised
  crossover and attribute mutation, for ``reproduction.py``);
- ``mutation.py``: the mutation settings read once from a genome config, and the scalar and
  vectorised float/bool/choice operators;
- ``genes.py``: plain neat-python genes built fast, the default-gene check, the acyclicity test;
- ``refine.py``: gradient refinement of every genome before it is scored;
- ``runtime.py``: each strategy's own ``random`` state and the collector handling, both
  confined to the strategy's calls;
- ``state.py``: the population as JSON-able data for checkpoints;
- ``compat.py``: :class:`BatchedEvaluator`, a fitness function for neat-python's own loop.
"""
