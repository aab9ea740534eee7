"""The tensor engine's state as checkpoint data: plain tensors, numbers and lists (no pickle).

:func:`genomes_state` / :func:`genomes_from_state` carry a :class:`Genomes` (ids and every
gene column), :func:`species_state` / :func:`species_from_state` a :class:`SpeciesTable`.
Loading checks the shapes it relies on and raises :class:`~neuroevo.errors.CheckpointError`
naming what is wrong.
"""

from __future__ import annotations

from typing import Any

import torch

from neuroevo.errors import CheckpointError
from neuroevo.strategies.neat.tensor.genes import GeneTable, Genomes
from neuroevo.strategies.neat.tensor.speciation import SpeciesTable

Tensor = torch.Tensor


def _table_state(t: GeneTable) -> dict[str, Tensor]:
    return {"key": t.key, **{f"col.{n}": c for n, c in t.cols.items()}}


def _table_from(d: Any, where: str, rows: int, device) -> GeneTable:
    if not isinstance(d, dict) or not isinstance(d.get("key"), Tensor):
        raise CheckpointError(f"{where}: missing its 'key' tensor")
    key = d["key"]
    cols = {}
    for name, c in d.items():
        if name == "key":
            continue
        if not name.startswith("col.") or not isinstance(c, Tensor) or c.shape != key.shape:
            raise CheckpointError(f"{where}: column {name!r} is not a tensor of shape "
                                  f"{tuple(key.shape)}")
        cols[name[4:]] = c.to(device)
    if key.dim() != 2 or key.shape[0] != rows or key.dtype != torch.int64:
        raise CheckpointError(f"{where}: key must be an int64 tensor with {rows} rows, got "
                              f"{key.dtype} {tuple(key.shape)}")
    return GeneTable(key.to(device), cols)


def genomes_state(g: Genomes) -> dict[str, Any]:
    return {"gid": g.gid, "nodes": _table_state(g.nodes), "conns": _table_state(g.conns)}


def genomes_from_state(d: Any, where: str, device) -> Genomes:
    """A :class:`Genomes` from :func:`genomes_state`'s output."""
    if not isinstance(d, dict) or not isinstance(d.get("gid"), Tensor) or d["gid"].dim() != 1:
        raise CheckpointError(f"{where}: missing the genome ids ('gid', a 1-d tensor)")
    rows = d["gid"].shape[0]
    return Genomes(d["gid"].to(device),
                   _table_from(d.get("nodes"), f"{where}.nodes", rows, device),
                   _table_from(d.get("conns"), f"{where}.conns", rows, device))


def species_state(t: SpeciesTable) -> dict[str, Any]:
    return {"key": list(t.key), "created": list(t.created),
            "last_improved": list(t.last_improved), "best": list(t.best),
            "fitness": list(t.fitness), "adjusted_fitness": list(t.adjusted_fitness),
            "reps": None if t.reps is None else genomes_state(t.reps), "next_key": t.next_key}


def species_from_state(d: Any, where: str, device) -> SpeciesTable:
    fields = ("key", "created", "last_improved", "best", "fitness", "adjusted_fitness")
    if not isinstance(d, dict) or not all(isinstance(d.get(f), list) for f in fields):
        raise CheckpointError(f"{where}: expected lists {', '.join(fields)}")
    n = len(d["key"])
    if any(len(d[f]) != n for f in fields):
        raise CheckpointError(f"{where}: the species lists have different lengths")
    reps = None if d.get("reps") is None else genomes_from_state(d["reps"], f"{where}.reps",
                                                                  device)
    if (reps is None and n) or (reps is not None and len(reps) != n):
        raise CheckpointError(f"{where}: {n} species but "
                              f"{0 if reps is None else len(reps)} representatives")
    return SpeciesTable(*(list(d[f]) for f in fields), reps, int(d.get("next_key", 1)))


__all__ = ["genomes_state", "genomes_from_state", "species_state", "species_from_state"]
