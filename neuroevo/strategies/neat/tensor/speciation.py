"""Greedy speciation against representatives (``DefaultSpeciesSet.speciate``, neat-python 2.0).

neat-python (``neat/species.py``), with genomes visited in ascending id order:

1. for each existing species, in ascending species id: its new representative is the
   not-yet-taken genome closest to its old representative (ties: the lowest id);
2. each remaining genome, in ascending id: among the representatives it is closer to than
   ``compatibility_threshold``, it joins the closest (ties: the species met first --
   existing ones by id, then new ones by creation); if there is none, it founds a new
   species and is its representative.

Batched, step 2 becomes: distances of every genome to every representative of step 1 (one
``[P]`` pass each) give each genome its species among those; then, while some genome has
none, the lowest-id such genome founds a species, and every genome with a higher id that is
closer to it than to its current choice (and than the threshold) moves to it. A genome's
choice is then the one neat-python's loop makes, since it sees exactly the representatives
founded by lower ids. Each pass computes one genome's distance to every genome
(:func:`~.distance.distance_to_one` on the population's packed genes): two per existing
species (step 1, step 2) and one per new species.
"""

from __future__ import annotations

import dataclasses

import torch

from neuroevo.errors import StrategyError
from neuroevo.strategies.neat.tensor.distance import distance_to_one, pack
from neuroevo.strategies.neat.tensor.genes import Genomes
from neuroevo.strategies.neat.tensor.spec import GenomeSpec

Tensor = torch.Tensor


@dataclasses.dataclass
class SpeciesTable:
    """Species in ascending id order (``DefaultSpeciesSet.species``, ``Species`` fields)."""

    key: list[int] = dataclasses.field(default_factory=list)
    created: list[int] = dataclasses.field(default_factory=list)
    last_improved: list[int] = dataclasses.field(default_factory=list)
    best: list[float | None] = dataclasses.field(default_factory=list)  # max(fitness_history)
    fitness: list[float | None] = dataclasses.field(default_factory=list)
    adjusted_fitness: list[float | None] = dataclasses.field(default_factory=list)
    reps: Genomes | None = None          # representative of each species
    next_key: int = 1                    # DefaultSpeciesSet.indexer

    def __len__(self) -> int:
        return len(self.key)

    def keep(self, idx: list[int]) -> SpeciesTable:
        """The species at positions ``idx`` (ascending), in the same order."""
        pick = lambda xs: [xs[i] for i in idx]   # noqa: E731
        reps = None if self.reps is None or not idx else \
            self.reps.take(torch.tensor(idx, device=self.reps.device))
        return SpeciesTable(pick(self.key), pick(self.created), pick(self.last_improved),
                            pick(self.best), pick(self.fitness), pick(self.adjusted_fitness),
                            reps, self.next_key)


def speciate(table: SpeciesTable, pop: Genomes, spec: GenomeSpec, threshold: float,
             generation: int) -> tuple[SpeciesTable, Tensor]:
    """The species of ``pop``: the updated table and ``[P]`` each genome's species position."""
    p, dev = len(pop), pop.device
    rank = torch.empty(p, dtype=torch.int64, device=dev)
    rank[torch.argsort(pop.gid)] = torch.arange(p, device=dev)
    inf = torch.tensor(float("inf"), dtype=torch.float64, device=dev)
    taken = torch.zeros(p, dtype=torch.bool, device=dev)
    packed = pack(pop, spec, [table.reps] if table.reps is not None else [])
    rep_rows = []
    for s in range(len(table)):                      # step 1: new representatives
        if bool(taken.all()):
            raise StrategyError(f"NEAT tensor engine: {len(table)} species but only {p} "
                                "genomes to represent them; raise pop_size")
        d = torch.where(taken, inf, distance_to_one(table.reps.take([s]), packed, spec))
        closest = (d == d.min()) & ~taken
        row = torch.where(closest, rank, p).argmin()
        taken[row] = True
        rep_rows.append(row)
    best_d = torch.full((p,), float("inf"), dtype=torch.float64, device=dev)
    species = torch.full((p,), -1, dtype=torch.int64, device=dev)

    def join(row: Tensor, s: int, later_only: bool) -> None:
        nonlocal best_d, species
        d = distance_to_one(pop.take(row.view(1)), packed, spec)
        better = (d < threshold) & (d < best_d)
        if later_only:
            better &= rank > rank[row]
        best_d = torch.where(better, d, best_d)
        species = torch.where(better, s, species)

    for s, row in enumerate(rep_rows):                # step 2 with the old species
        join(row, s, later_only=False)
    rows = torch.stack(rep_rows) if rep_rows else torch.zeros(0, dtype=torch.int64, device=dev)
    species[rows] = torch.arange(len(rep_rows), device=dev)
    best_d[rows] = -inf
    new_keys = []
    while True:                                       # ... and the species founded on the way
        free = species < 0
        if not bool(free.any()):
            break
        row = torch.where(free, rank, p).argmin()
        s = len(rep_rows)
        species[row], best_d[row] = s, -inf
        rep_rows.append(row)
        new_keys.append(table.next_key + len(new_keys))
        join(row, s, later_only=True)
    n_new = len(new_keys)
    out = SpeciesTable(
        table.key + new_keys, table.created + [generation] * n_new,
        table.last_improved + [generation] * n_new, table.best + [None] * n_new,
        table.fitness + [None] * n_new, table.adjusted_fitness + [None] * n_new,
        pop.take(torch.stack(rep_rows)), table.next_key + n_new)
    return out, species


__all__ = ["SpeciesTable", "speciate"]
