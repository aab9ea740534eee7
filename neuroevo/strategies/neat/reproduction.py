"""A faster drop-in for neat-python's ``DefaultReproduction``: the same offspring counts, with
the per-gene attribute work of a whole generation done in a few numpy operations.

At 10,000 genomes most of a neat-python generation is reproduction, and most of that is
per-gene Python: ``configure_crossover`` copies or crosses every gene of every child one
attribute at a time, then ``mutate`` draws one or two random numbers per attribute.
:class:`FastReproduction` keeps everything that decides *how many* and *which* exactly as
neat-python 2.0 does -- stagnation, adjusted fitness, ``compute_spawn`` and
``_adjust_spawn_exact`` (neat-python's own methods), elites, the survival threshold, the
fitter-parent rule, innovation tracking and node ids -- and picks parents uniformly among
each species' survivors (``random.choice`` twice in neat-python) as integer arrays. The
children of all those parent pairs are then made together by
:func:`~neuroevo.strategies.neat.offspring.make_children` (crossover, attribute mutation on
numpy arrays, neat-python's own structural mutations).

The random numbers come from a ``numpy.random.Generator`` seeded by one
``random.getrandbits(64)`` per generation, so a run seeded with
``neat.Population(config, seed=s)`` is reproducible and a checkpoint of ``random``'s state
(:mod:`neuroevo.strategies.neat.state`) resumes it exactly. The draws differ from
neat-python's, so runs are statistically, not bit-for-bit, equal to neat-python's (see
tests/strategies/test_neat_reproduction.py). Configs with other genome or gene classes fall
back to neat-python's ``reproduce``.

Example::

    import neat
    from neuroevo.config import PluginConfig
    from neuroevo.strategies.neat.reproduction import FastReproduction

    config = PluginConfig(neat.DefaultGenome, FastReproduction, neat.DefaultSpeciesSet,
                          neat.DefaultStagnation, "xor.ini")   # reads [DefaultReproduction]
"""

from __future__ import annotations

import math
import random
from typing import Any

import numpy as np
from neat.genome import DefaultGenome
from neat.math_util import mean
from neat.reproduction import DefaultReproduction

from neuroevo.errors import StrategyError
from neuroevo.strategies.neat.genes import default_genes
from neuroevo.strategies.neat.genome import FastGenome
from neuroevo.strategies.neat.offspring import make_children
from neuroevo.strategies.neat.runtime import quiet_collector

__all__ = ["FastReproduction", "reproduce", "too_many_species"]


def too_many_species(config: Any, n_species: int, generation: int) -> StrategyError:
    """The error for more species than ``pop_size`` can give their minimum size each (both
    engines)."""
    rc = config.reproduction_config
    return StrategyError(
        f"NEAT generation {generation}: {n_species} species need at least "
        f"{max(rc.min_species_size, rc.elitism)} genomes each (max(min_species_size, elitism)) "
        f"but pop_size is {config.pop_size}; raise pop_size or compatibility_threshold, or "
        "lower min_species_size / elitism"
    )


def reproduce(population: Any, config: Any) -> dict[Any, Any]:
    """``population.reproduction.reproduce`` for the next generation of a neat-python
    ``Population``, with neat-python's too-many-species RuntimeError as a StrategyError."""
    try:
        new: dict[Any, Any] = population.reproduction.reproduce(
            config, population.species, config.pop_size, population.generation
        )
        return new
    except RuntimeError as e:
        if "Configuration conflict" not in str(e):
            raise
        raise too_many_species(
            config, len(population.species.species), population.generation
        ) from None


def _fast_path(config: Any) -> bool:
    """neat-python's default genome (or FastGenome) and gene classes: what this file handles."""
    return config.genome_type in (DefaultGenome, FastGenome) and default_genes(config.genome_config)


class FastReproduction(DefaultReproduction):  # type: ignore[misc]  # neat-python is untyped
    """``neat.DefaultReproduction`` with vectorised crossover and attribute mutation.

    Use it as the ``reproduction_type`` of a config; it reads the INI section
    ``[DefaultReproduction]`` (``config_section``), so neat-python INI files work unchanged.
    Offspring counts, elites and parent pools equal neat-python's; gene values are drawn
    from the same distributions with numpy's generator (statistically, not bit-for-bit,
    equal).

    Example::

        config = PluginConfig(neat.DefaultGenome, FastReproduction, neat.DefaultSpeciesSet,
                              neat.DefaultStagnation, "xor.ini")
        winner = neat.Population(config, seed=1).run(eval_genomes, 100)
    """

    #: the INI section holding this plug-in's settings (see neuroevo.config.config_section)
    config_section = "DefaultReproduction"

    def _plan(self, species: Any, pop_size: int, generation: int) -> list[Any] | None:
        """neat-python's bookkeeping: per surviving species, (elites, parent pool, children).

        Same stagnation, adjusted fitness, spawn counts, elites and survival cutoff as
        ``DefaultReproduction.reproduce``; ``None`` when every species is stagnant.
        """
        rc = self.reproduction_config
        fitnesses: list[float] = []
        remaining = []
        for sid, s, stagnant in self.stagnation.update(species, generation):
            if stagnant:
                self.reporters.species_stagnant(sid, s)
            else:
                fitnesses.extend(m.fitness for m in s.members.values())
                remaining.append(s)
        if not remaining:
            species.species = {}
            return None
        low = min(fitnesses)
        span = max(1.0, max(fitnesses) - low)
        for s in remaining:
            s.adjusted_fitness = (mean([m.fitness for m in s.members.values()]) - low) / span
        adjusted = [s.adjusted_fitness for s in remaining]
        self.reporters.info(f"Average adjusted fitness: {mean(adjusted):.3f}")
        min_size = max(rc.min_species_size, rc.elitism)
        spawn = self.compute_spawn(
            adjusted, [len(s.members) for s in remaining], pop_size, min_size
        )
        spawn = self._adjust_spawn_exact(spawn, pop_size, min_size)

        jobs = []
        species.species = {}
        for n, s in zip(spawn, remaining):
            n = max(n, rc.elitism)
            members = sorted(
                s.members.items(), reverse=True, key=lambda item: (item[1].fitness, item[0])
            )
            s.members = {}
            species.species[s.key] = s
            elites = members[: rc.elitism] if rc.elitism > 0 else []
            n -= len(elites)
            cutoff = max(int(math.ceil(rc.survival_threshold * len(members))), 2)
            jobs.append((elites, members[:cutoff], max(n, 0)))
        return jobs

    def reproduce(
        self, config: Any, species: Any, pop_size: int, generation: int
    ) -> dict[Any, Any]:
        """The next generation: neat-python's counts and rules, gene work vectorised."""
        if not _fast_path(config):
            new: dict[Any, Any] = super().reproduce(config, species, pop_size, generation)
            return new
        with quiet_collector():  # results unaffected; see neuroevo/strategies/neat/runtime.py
            return self._reproduce(config, species, pop_size, generation)

    def _reproduce(
        self, config: Any, species: Any, pop_size: int, generation: int
    ) -> dict[Any, Any]:
        gc = config.genome_config
        gc.innovation_tracker = self.innovation_tracker
        self.innovation_tracker.reset_generation()
        jobs = self._plan(species, pop_size, generation)
        if jobs is None:
            return {}
        rng = np.random.default_rng(random.getrandbits(64))

        parents: list[Any] = []
        firsts, seconds = [], []
        for _, pool, n in jobs:
            picks = rng.integers(0, len(pool), size=(n, 2)) + len(parents)
            parents.extend(g for _, g in pool)
            firsts.append(picks[:, 0])
            seconds.append(picks[:, 1])
        a = np.concatenate(firsts) if firsts else np.zeros(0, np.int64)
        b = np.concatenate(seconds) if seconds else np.zeros(0, np.int64)
        fitness = np.array([g.fitness for g in parents], dtype=np.float64)
        a_fitter = fitness[a] > fitness[b]  # neat-python: else the second parent
        fit, other = np.where(a_fitter, a, b), np.where(a_fitter, b, a)
        children = make_children(gc, parents, fit, other, rng, config.genome_type)

        new_population: dict[Any, Any] = {}
        at = 0
        for elites, _pool, n in jobs:
            new_population.update(elites)
            for k in range(at, at + n):
                gid = next(self.genome_indexer)
                child = children[k]
                child.key = gid
                new_population[gid] = child
                self.ancestors[gid] = (parents[a[k]].key, parents[b[k]].key)
            at += n
        return new_population
