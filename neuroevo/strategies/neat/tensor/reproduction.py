"""The next generation (``DefaultReproduction.reproduce``, ``neat/reproduction.py``, neat-python 2.0).

1. Stagnation (:mod:`.stagnation`) drops stagnant species.
2. Adjusted fitness: ``(mean member fitness - min) / max(1, max - min)`` over the members of
   the remaining species; spawn counts are neat-python's own ``compute_spawn`` and
   ``_adjust_spawn_exact`` with ``min_species_size = max(min_species_size, elitism)``.
3. Per species, in the order stagnation returns them (ascending species fitness): spawn is
   at least ``elitism``; members sorted by descending ``(fitness, genome id)``; the first
   ``elitism`` are copied unchanged (keeping their ids); the first
   ``max(2, ceil(survival_threshold * size))`` are the parent pool, and each child takes two
   uniform picks from it, then ``configure_crossover`` and ``mutate`` (:mod:`.crossover`,
   :mod:`.structure`). Children get new ids in creation order.

Everything per genome is batched: one sort ranks every species' members, the parent picks
are two uniform tensors, crossover and mutation run on all children together. Only the
per-species arithmetic (a few numbers per species) is Python, as in neat-python. Where the
batched form differs: the random draws (all first parents, then all second parents, from a
``torch.Generator``, instead of ``random.choice`` twice per child), and the species' mean
fitness is summed in another order (exact for fitness values whose sums are exact, e.g.
integers; otherwise equal to rounding, which can only matter to a spawn count on a .5 tie).
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np
import torch

from neuroevo.strategies.neat.reproduction import too_many_species
from neuroevo.strategies.neat.tensor.genes import Genomes
from neuroevo.strategies.neat.tensor.speciation import SpeciesTable
from neuroevo.strategies.neat.tensor.stagnation import rank_members, species_fitness, update

Tensor = torch.Tensor


@dataclasses.dataclass
class Plan:
    """Who survives and who breeds: rows of the current population."""

    remaining: list[int]  # species positions kept, in reproduction order
    elites: Tensor  # rows copied unchanged
    parent_a: Tensor  # first parent row of each child (random.choice #1)
    parent_b: Tensor  # second parent row of each child (random.choice #2)
    order: Tensor  # positions in cat(elites, children) of the new population
    child_species: Tensor  # species position of each child (parent species)


def spawn_counts(
    config: Any, adjusted: list[float], sizes: list[int], generation: int
) -> list[int]:
    """neat-python's ``compute_spawn`` then ``_adjust_spawn_exact``."""
    rc = config.reproduction_config
    min_size = max(rc.min_species_size, rc.elitism)
    repro = config.reproduction_type
    if len(sizes) * min_size > config.pop_size:
        raise too_many_species(config, len(sizes), generation)
    spawn = repro.compute_spawn(adjusted, sizes, config.pop_size, min_size)
    return repro._adjust_spawn_exact(None, spawn, config.pop_size, min_size)


def plan(
    config: Any,
    table: SpeciesTable,
    species: Tensor,
    fitness: Tensor,
    gid: Tensor,
    generation: int,
    gen: torch.Generator,
) -> Plan | None:
    """Stagnation, spawn counts and parent choice; ``None`` when every species is stagnant."""
    n_species = len(table)
    sc, rc = config.stagnation_config, config.reproduction_config
    fitness = fitness.double()
    ranked = rank_members(fitness, species, gid)  # by species, then (fitness, id) desc
    stats = species_fitness(fitness, species, n_species, sc.species_fitness_func, ranked).tolist()
    result = update(table, stats, generation, sc.max_stagnation, sc.species_elitism)
    remaining = [i for i, stagnant in result if not stagnant]
    if not remaining:
        return None
    dev = fitness.device
    size = torch.bincount(species, minlength=n_species)
    sums = torch.zeros(n_species, dtype=torch.float64, device=dev).index_add_(0, species, fitness)
    keep = torch.zeros(n_species, dtype=torch.bool, device=dev)
    keep[remaining] = True
    member_of_kept = keep[species]
    lo, hi = (float(x) for x in torch.aminmax(fitness[member_of_kept]))
    span = max(1.0, hi - lo)
    mean = (sums / size.clamp(min=1)).tolist()
    sizes = size.tolist()
    for i in remaining:
        table.adjusted_fitness[i] = (mean[i] - lo) / span
    spawn = spawn_counts(
        config,
        [table.adjusted_fitness[i] for i in remaining],  # type: ignore[misc]  # set above
        [sizes[i] for i in remaining],
        generation,
    )

    start = (torch.cumsum(size, 0) - size).tolist()

    elite_rows, n_elite, n_child, pool, first = [], [], [], [], []
    for i, s in zip(remaining, spawn):
        s = max(s, rc.elitism)
        e = min(rc.elitism, sizes[i])
        elite_rows.append(ranked[start[i] : start[i] + e])
        n_elite.append(e)
        n_child.append(max(s - e, 0))
        pool.append(min(max(math.ceil(rc.survival_threshold * sizes[i]), 2), sizes[i]))
        first.append(start[i])
    counts = torch.tensor(n_child, device=dev)
    pool_t = torch.repeat_interleave(torch.tensor(pool, device=dev), counts)
    first_t = torch.repeat_interleave(torch.tensor(first, device=dev), counts)
    n = int(counts.sum())

    def pick() -> Tensor:
        u = torch.rand(n, generator=gen, dtype=torch.float64, device=dev)
        return ranked[first_t + (u * pool_t).long()]  # u * pool < pool, as _pick

    parent_a = pick()
    parent_b = pick()
    # new population order: each species' elites, then its children
    e_total = sum(n_elite)
    e_off = np.cumsum([0] + n_elite[:-1])
    c_off = np.cumsum([0] + n_child[:-1])
    order = np.concatenate(
        [
            np.r_[np.arange(eo, eo + e), e_total + np.arange(co, co + c)]
            for eo, e, co, c in zip(e_off, n_elite, c_off, n_child)
        ]
    )
    return Plan(
        remaining,
        torch.cat(elite_rows),
        parent_a,
        parent_b,
        torch.as_tensor(order, dtype=torch.int64, device=dev),
        torch.repeat_interleave(torch.tensor(remaining, device=dev), counts),
    )


def assemble(pop: Genomes, p: Plan, children: Genomes, first_gid: int) -> Genomes:
    """The new population: elites and children (new ids from ``first_gid``), in plan order."""
    children.gid = first_gid + torch.arange(len(children), device=pop.device)
    n_elite = p.elites.numel()
    position = torch.empty_like(p.order)
    position[p.order] = torch.arange(p.order.numel(), device=p.order.device)
    return Genomes.place(
        [(pop.take(p.elites), position[:n_elite]), (children, position[n_elite:])], p.order.numel()
    )


__all__ = ["Plan", "spawn_counts", "plan", "assemble"]
