"""Greedy speciation against representatives (``DefaultSpeciesSet.speciate``, neat-python 2.0).

neat-python (``neat/species.py``), with genomes visited in ascending id order:

1. for each existing species, in ascending species id: its new representative is the
   not-yet-taken genome closest to its old representative (ties: the lowest id);
2. each remaining genome, in ascending id: among the representatives it is closer to than
   ``compatibility_threshold``, it joins the closest (ties: the species met first --
   existing ones by id, then new ones by creation); if there is none, it founds a new
   species and is its representative.

Batched, in a few passes of :func:`~.distance.distance_to_many` (each: K genomes against
the whole population) instead of one per species:

* step 1: every old representative against the population in one pass; the greedy choice
  is then made on that ``[S, P]`` table: each species takes its closest genome, and where
  two species want the same one, the species before the first clash are final and the rest
  choose again without the taken genomes (one round per clash, usually none);
* step 2, existing species: every new representative against the population in one pass;
  each genome takes the closest under the threshold (first species on ties);
* step 2, new species: only the genomes left without a species can found one, and which of
  them do depends on them alone (a genome that has a species keeps one). So the greedy
  founders are found among the unassigned only, from their distances to each other (the
  lowest ids first, :data:`FOUNDER_CHUNK` at a time; up to :data:`FEW_FREE` of them are
  simply all compared with the population); then the founders against the population in
  one pass, and a genome with a higher id than a founder, closer to it than the threshold
  and than its current choice, moves to it (to the first such founder on ties). A genome's
  choice is then the one neat-python's loop makes, since it sees exactly the
  representatives founded by lower ids.

With S existing species and F new ones, a generation costs two passes, plus one or two
per round of unassigned genomes (usually two to four passes in all), where a pass per
representative costs 2 S + F.
"""

from __future__ import annotations

import dataclasses

import torch

from neuroevo.errors import StrategyError
from neuroevo.strategies.neat.tensor.distance import distance_to_many, pack
from neuroevo.strategies.neat.tensor.genes import Genomes
from neuroevo.strategies.neat.tensor.spec import GenomeSpec

Tensor = torch.Tensor
#: unassigned genomes whose distances to each other decide founders in one round
FOUNDER_CHUNK = 32
#: up to this many unassigned genomes are compared with the whole population at once (one
#: pass instead of two; the distances of those that found no species are not needed)
FEW_FREE = 4


@dataclasses.dataclass
class SpeciesTable:
    """Species in ascending id order (``DefaultSpeciesSet.species``, ``Species`` fields)."""

    key: list[int] = dataclasses.field(default_factory=list)
    created: list[int] = dataclasses.field(default_factory=list)
    last_improved: list[int] = dataclasses.field(default_factory=list)
    best: list[float | None] = dataclasses.field(default_factory=list)  # max(fitness_history)
    fitness: list[float | None] = dataclasses.field(default_factory=list)
    adjusted_fitness: list[float | None] = dataclasses.field(default_factory=list)
    reps: Genomes | None = None  # representative of each species
    next_key: int = 1  # DefaultSpeciesSet.indexer

    def __len__(self) -> int:
        return len(self.key)

    def keep(self, idx: list[int]) -> SpeciesTable:
        """The species at positions ``idx`` (ascending), in the same order."""
        pick = lambda xs: [xs[i] for i in idx]  # noqa: E731
        if idx == list(range(len(self))):
            reps = self.reps  # all kept (most generations)
        else:
            reps = (
                None
                if self.reps is None or not idx
                else self.reps.take(torch.tensor(idx, device=self.reps.device))
            )
        return SpeciesTable(
            pick(self.key),
            pick(self.created),
            pick(self.last_improved),
            pick(self.best),
            pick(self.fitness),
            pick(self.adjusted_fitness),
            reps,
            self.next_key,
        )


def _lowest_rank(candidates: Tensor, rank: Tensor) -> Tensor:
    """Per row of ``candidates [K, P]`` the candidate column of lowest rank (id)."""
    return torch.where(candidates, rank, rank.numel()).argmin(-1)


def representatives(d: Tensor, rank: Tensor) -> Tensor:
    """Step 1 on the distances ``d [S, P]`` of the old representatives to the population:
    [S] rows, species after species the not-yet-taken genome closest to the old one."""
    s, p = d.shape
    chosen = []
    taken = torch.zeros(p, dtype=torch.bool, device=d.device)
    start = 0
    while start < s:
        rest = d[start:].masked_fill(taken, float("inf"))
        row = _lowest_rank(rest == rest.min(1, keepdim=True).values, rank)
        clash = (row[:, None] == row[None, :]).tril_(-1).any(1)  # wants an earlier one's
        final = int(clash.int().argmax()) if bool(clash.any()) else s - start
        chosen.append(row[:final])
        taken[row[:final]] = True
        start += final
    return torch.cat(chosen) if chosen else torch.zeros(0, dtype=torch.int64, device=d.device)


def founders(close: list[list[bool]]) -> list[int]:
    """Greedy founders among genomes listed in id order: genome ``j`` founds a species
    unless ``close[i][j]`` (``j`` would join ``i``'s species) for an earlier founder ``i``."""
    out: list[int] = []
    for j in range(len(close)):
        if not any(close[i][j] for i in out):
            out.append(j)
    return out


def speciate(
    table: SpeciesTable, pop: Genomes, spec: GenomeSpec, threshold: float, generation: int
) -> tuple[SpeciesTable, Tensor]:
    """The species of ``pop``: the updated table and ``[P]`` each genome's species position."""
    p, dev = len(pop), pop.device
    if len(table) > p:
        raise StrategyError(
            f"NEAT tensor engine: {len(table)} species but only {p} genomes "
            "to represent them; raise pop_size"
        )
    by_rank = torch.argsort(pop.gid)
    rank = torch.empty(p, dtype=torch.int64, device=dev)
    rank[by_rank] = torch.arange(p, device=dev)
    packed = pack(pop, spec)
    inf = float("inf")
    best_d = torch.full((p,), inf, dtype=torch.float64, device=dev)
    species = torch.full((p,), -1, dtype=torch.int64, device=dev)
    rep_rows = torch.zeros(0, dtype=torch.int64, device=dev)
    if len(table):
        assert table.reps is not None  # one per species
        rep_rows = representatives(distance_to_many(table.reps, packed, spec), rank)
        d = distance_to_many(pop.take(rep_rows), packed, spec)  # [S, P]
        close = d < threshold
        best_d, species = torch.where(close, d, inf).min(0)  # first of equals: species order
        species = torch.where(close.any(0), species, -1)
        best_d = torch.where(close.any(0), best_d, inf)
        species[rep_rows] = torch.arange(len(table), device=dev)
        best_d[rep_rows] = -inf
    n_old = len(table)
    new_rows: list[Tensor] = []
    while True:  # step 2, the species founded on the way
        free = by_rank[species[by_rank] < 0][:FOUNDER_CHUNK]
        if free.numel() == 0:
            break
        if free.numel() <= FEW_FREE:  # all against the population, founders among them
            d = distance_to_many(pop.take(free), packed, spec)
            pick = torch.tensor(founders((d[:, free] < threshold).tolist()), device=dev)
            rows, d = free[pick], d[pick]
        else:  # founders from the free genomes' own distances
            sub = pop.take(free)
            pick = founders((distance_to_many(sub, pack(sub, spec), spec) < threshold).tolist())
            rows = free[torch.tensor(pick, device=dev)]
            d = distance_to_many(pop.take(rows), packed, spec)  # [F, P]
        join = (d < threshold) & (rank[rows][:, None] < rank)
        d_min, first = torch.where(join, d, inf).min(0)
        move = join.any(0) & (d_min < best_d)
        s0 = n_old + sum(r.numel() for r in new_rows)
        species = torch.where(move, s0 + first, species)
        best_d = torch.where(move, d_min, best_d)
        species[rows] = s0 + torch.arange(rows.numel(), device=dev)
        best_d[rows] = -inf
        new_rows.append(rows)
    all_rows = torch.cat([rep_rows, *new_rows])
    n_new = all_rows.numel() - n_old
    new_keys = list(range(table.next_key, table.next_key + n_new))
    out = SpeciesTable(
        table.key + new_keys,
        table.created + [generation] * n_new,
        table.last_improved + [generation] * n_new,
        table.best + [None] * n_new,
        table.fitness + [None] * n_new,
        table.adjusted_fitness + [None] * n_new,
        pop.take(all_rows),
        table.next_key + n_new,
    )
    return out, species


__all__ = ["FEW_FREE", "FOUNDER_CHUNK", "SpeciesTable", "founders", "representatives", "speciate"]
