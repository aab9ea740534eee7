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
device, from the members ranked once (:func:`rank_members`, which reproduction uses too);
:func:`update` is neat-python's loop over the species.
"""

from __future__ import annotations

import sys

import torch

from neuroevo.errors import ConfigError
from neuroevo.strategies.neat.tensor.speciation import SpeciesTable

Tensor = torch.Tensor


def rank_members(fitness: Tensor, species: Tensor, gid: Tensor) -> Tensor:
    """Rows grouped by species position, each group by descending ``(fitness, genome id)``
    (``DefaultReproduction.reproduce``'s member order)."""
    ranked = torch.argsort(gid, descending=True)
    ranked = ranked[torch.argsort(fitness[ranked], descending=True, stable=True)]
    return ranked[torch.argsort(species[ranked], stable=True)]


def species_fitness(
    fitness: Tensor, species: Tensor, n_species: int, func: str, ranked: Tensor | None = None
) -> Tensor:
    """[S] ``species_fitness_func`` of each species' members (float64); ``ranked``:
    :func:`rank_members`'s order when already known."""
    fitness = fitness.double()
    if ranked is None:
        ranked = rank_members(fitness, species, torch.zeros_like(species))
    f = fitness[ranked]  # descending within each species
    size = torch.bincount(species, minlength=n_species)
    start = torch.cumsum(size, 0) - size
    last = start + size - 1

    def ascending(i: Tensor) -> Tensor:  # i-th smallest of each species
        return f[last - i]

    mean = torch.zeros(n_species, dtype=torch.float64, device=f.device).index_add_(
        0, species, fitness
    ) / size.clamp(min=1)
    if func == "max":
        return f[start]
    if func == "min":
        return f[last]
    if func == "mean":
        return mean
    if func == "median":
        return ascending(size // 2)
    if func == "median2":
        half = size // 2
        odd = ascending(half)
        even = (ascending((half - 1).clamp(min=0)) + ascending(torch.minimum(half, size - 1))) / 2
        return torch.where(size <= 2, mean, torch.where(size % 2 == 1, odd, even))
    raise ConfigError(
        f"[DefaultStagnation] species_fitness_func = {func!r}: expected max, min, "
        "mean, median or median2"
    )


def update(
    table: SpeciesTable,
    fitness: list[float],
    generation: int,
    max_stagnation: int,
    species_elitism: int,
) -> list[tuple[int, bool]]:
    """``DefaultStagnation.update``: (position, stagnant) for each species in ascending
    fitness order; updates the table's fitness, history best and ``last_improved``."""
    for i, f in enumerate(fitness):
        best = table.best[i]
        prev = best if best is not None else -sys.float_info.max
        table.fitness[i] = f
        table.best[i] = f if best is None else max(best, f)
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


__all__ = ["rank_members", "species_fitness", "update"]
