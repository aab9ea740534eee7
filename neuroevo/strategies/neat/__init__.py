"""NEAT: neat-python's algorithm, with the population compiled and evaluated in one pass.

- ``strategy.py``: :class:`NEAT`, the ask/tell strategy around neat-python's population;
- ``genome.py``, ``speciation.py``, ``reproduction.py``: drop-in neat-python plug-ins
  (``genome_type``, ``species_set_type``, ``reproduction_type``) that are faster;
- ``mutation.py``: the mutation settings read once from a genome config, and the scalar and
  vectorised float/bool/choice operators;
- ``refine.py``: gradient refinement of every genome before it is scored;
- ``runtime.py``: the per-strategy random state and garbage-collector handling;
- ``state.py``: the population as JSON-able data for checkpoints;
- ``compat.py``: :class:`BatchedEvaluator`, a fitness function for neat-python's own loop.
"""
