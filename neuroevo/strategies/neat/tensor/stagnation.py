"""Species fitness and stagnation (``DefaultStagnation.update``, ``neat/stagnation.py``).

neat-python 2.0, species in ascending id order: the species' fitness is
``species_fitness_func`` (max, min, mean, median -- the upper middle -- or median2 -- the
mean of the two middle values; ``neat/math_util.py``) of its members' fitnesses; it has
improved when that beats the best of its fitness history (``-sys.float_info.max`` when
empty). Then, species sorted by ascending fitness (stable, so ties stay in id order), a
species is stagnant when ``generation - last_improved >= max_stagnation`` while more than
``species_elitism`` species are still non-stagnant, and never when it is among the
``species_elitism`` fittest.

:func:`species_fitness` computes the per-species statistic for all species at once on the
device (one sort of the population); :func:`update` is neat-python's loop over the species.
"""

from __future__ import annotations

import sys

import torch

from neuroevo.errors import ConfigError
from neuroevo.strategies.neat.tensor.speciation import SpeciesTable

Tensor = torch.Tensor


def grouped(fitness: Tensor, species: Tensor, n_species: int) -> tuple[Tensor, Tensor, Tensor]:
    """Fitness sorted ascending within species (species in position order), each species'
    start in that order, and its size."""
    order = torch.argsort(fitness, stable=True)
    order = order[torch.argsort(species[order], stable=True)]
    size = torch.bincount(species, minlength=n_species)
    return fitness[order], torch.cumsum(size, 0) - size, size


def species_fitness(fitness: Tensor, species: Tensor, n_species: int, func: str) -> Tensor:
    """[S] ``species_fitness_func`` of each species' members (float64)."""
    f, start, size = grouped(fitness.double(), species, n_species)
    mean = torch.zeros(n_species, dtype=torch.float64, device=f.device).index_add_(
        0, species, fitness.double()) / size.clamp(min=1)
    if func == "max":
        return f[start + size - 1]
    if func == "min":
        return f[start]
    if func == "mean":
        return mean
    if func == "median":
        return f[start + size // 2]
    if func == "median2":
        half = size // 2
        odd = f[start + half]
        even = (f[start + (half - 1).clamp(min=0)] + f[start + half.clamp(max=size - 1)]) / 2
        return torch.where(size <= 2, mean, torch.where(size % 2 == 1, odd, even))
    raise ConfigError(f"[DefaultStagnation] species_fitness_func = {func!r}: expected max, min, "
                      "mean, median or median2")


def update(table: SpeciesTable, fitness: list[float], generation: int, max_stagnation: int,
           species_elitism: int) -> list[tuple[int, bool]]:
    """``DefaultStagnation.update``: (position, stagnant) for each species in ascending
    fitness order; updates the table's fitness, history best and ``last_improved``."""
    for i, f in enumerate(fitness):
        prev = table.best[i] if table.best[i] is not None else -sys.float_info.max
        table.fitness[i] = f
        table.best[i] = f if table.best[i] is None else max(table.best[i], f)
        table.adjusted_fitness[i] = None
        if f > prev:
            table.last_improved[i] = generation
    ranked = sorted(range(len(fitness)), key=lambda i: fitness[i])
    result = []
    non_stagnant = len(ranked)
    for idx, i in enumerate(ranked):
        stagnant = False
        if non_stagnant > species_elitism:
            stagnant = generation - table.last_improved[i] >= max_stagnation
        if len(ranked) - idx <= species_elitism:
            stagnant = False
        if stagnant:
            non_stagnant -= 1
        result.append((i, stagnant))
    return result


__all__ = ["grouped", "species_fitness", "update"]
