"""The tensor engine's state as checkpoint data: plain tensors, numbers and lists (no pickle).

:func:`genomes_state` / :func:`genomes_from_state` carry a :class:`Genomes` (ids and every
gene column), :func:`species_state` / :func:`species_from_state` a :class:`SpeciesTable`,
:func:`tracker_from_state` the innovation tracker. A checkpoint's checksum proves the file
intact, not that it holds what the engine relies on, so loading checks every value through
:mod:`neuroevo.io.state_checks` and the invariants of the gene tables (sorted keys, padding
last, the columns the config's genes have, option codes in range, connections between
nodes the genome has) and raises :class:`~neuroevo.errors.CheckpointError` naming the field.
"""

from __future__ import annotations

from typing import Any

import torch

from neuroevo.errors import CheckpointError
from neuroevo.io.state_checks import check_float, check_int, describe, expect_dict, field, \
    get_bool, get_int
from neuroevo.strategies.neat.tensor.genes import PAD, GeneTable, Genomes, conn_ends
from neuroevo.strategies.neat.tensor.innovation import InnovationTracker
from neuroevo.strategies.neat.tensor.spec import GeneSpec, GenomeSpec
from neuroevo.strategies.neat.tensor.speciation import SpeciesTable

Tensor = torch.Tensor


def _table_state(t: GeneTable) -> dict[str, Tensor]:
    return {"key": t.key, **{f"col.{n}": c for n, c in t.cols.items()}}


def genomes_state(g: Genomes) -> dict[str, Any]:
    return {"gid": g.gid, "nodes": _table_state(g.nodes), "conns": _table_state(g.conns)}


def _tensor(v: Any, where: str, dtype: torch.dtype | None, shape: tuple | None = None,
            floating: bool = False) -> Tensor:
    ok = isinstance(v, Tensor) and (shape is None or tuple(v.shape) == shape) and (
        v.dtype.is_floating_point if floating else v.dtype == dtype)
    if not ok:
        want = "floating-point" if floating else str(dtype).removeprefix("torch.")
        raise CheckpointError(f"{where}: expected a {want} tensor"
                              + (f" of shape {shape}" if shape else "") + f", got {describe(v)}")
    return v


def _table_from(d: Any, where: str, rows: int, spec: GeneSpec, extra: tuple[str, ...],
                dtype: torch.dtype, device) -> GeneTable:
    d = expect_dict(d, where)
    key = _tensor(field(d, "key", where), f"{where}.key", torch.int64)
    if key.dim() != 2 or key.shape[0] != rows or key.shape[1] < 1:
        raise CheckpointError(f"{where}.key: expected {rows} rows of genes, got {describe(key)}")
    pad = key == PAD
    if bool((key[:, 1:] <= key[:, :-1])[~pad[:, 1:]].any()) or \
            bool((pad[:, :-1] & ~pad[:, 1:]).any()):
        raise CheckpointError(f"{where}.key: each row's keys must be distinct and ascending, "
                              "padding last")
    names = {*spec.names, *extra}
    if set(d) != {"key", *(f"col.{n}" for n in names)}:
        raise CheckpointError(f"{where}: columns {sorted(k for k in d if k != 'key')} do not "
                              f"match this config's genes ({sorted(names)})")
    shape = tuple(key.shape)
    cols: dict[str, Tensor] = {}
    for s in spec.floats:
        cols[s.name] = _tensor(d[f"col.{s.name}"], f"{where}.{s.name}", None, shape,
                               floating=True).to(dtype)
    for s in spec.bools:
        cols[s.name] = _tensor(d[f"col.{s.name}"], f"{where}.{s.name}", torch.bool, shape)
    for s in spec.choices:
        c = _tensor(d[f"col.{s.name}"], f"{where}.{s.name}", torch.int16, shape)
        if bool(((c < 0) | (c >= len(s.options)))[~pad].any()):
            raise CheckpointError(f"{where}.{s.name}: option codes must lie in "
                                  f"0 .. {len(s.options) - 1}")
        cols[s.name] = c
    for name in extra:
        cols[name] = _tensor(d[f"col.{name}"], f"{where}.{name}", torch.int64, shape)
    return GeneTable(key.to(device), {n: c.to(device) for n, c in cols.items()})


def genomes_from_state(d: Any, where: str, spec: GenomeSpec, dtype: torch.dtype,
                       device) -> Genomes:
    """A :class:`Genomes` from :func:`genomes_state`'s output, checked against ``spec``."""
    d = expect_dict(d, where)
    gid = _tensor(field(d, "gid", where), f"{where}.gid", torch.int64)
    if gid.dim() != 1 or gid.numel() == 0 or gid.unique().numel() != gid.numel():
        raise CheckpointError(f"{where}.gid: expected distinct genome ids, got {describe(gid)}")
    rows = gid.shape[0]
    nodes = _table_from(field(d, "nodes", where), f"{where}.nodes", rows, spec.nodes, (),
                        dtype, device)
    conns = _table_from(field(d, "conns", where), f"{where}.conns", rows, spec.conns,
                        ("innovation",), dtype, device)
    n_out = spec.num_outputs
    if nodes.width < n_out or not bool((nodes.key[:, :n_out] == torch.arange(
            n_out, device=nodes.key.device)).all()):
        raise CheckpointError(f"{where}.nodes: every genome needs its output nodes 0 .. {n_out - 1}")
    valid = conns.valid()
    ins, outs = conn_ends(conns.key)
    width = nodes.width
    has = [nodes.key.gather(1, torch.searchsorted(nodes.key, k).clamp_(max=width - 1)) == k
           for k in (ins, outs)]
    ok = has[1] & (has[0] | ((ins < 0) & (ins >= -spec.num_inputs)))
    if bool((valid & ~ok).any()):
        raise CheckpointError(f"{where}.conns: a connection joins nodes its genome does not have")
    return Genomes(gid.to(device), nodes, conns)


def species_state(t: SpeciesTable) -> dict[str, Any]:
    return {"key": list(t.key), "created": list(t.created),
            "last_improved": list(t.last_improved), "best": list(t.best),
            "fitness": list(t.fitness), "adjusted_fitness": list(t.adjusted_fitness),
            "reps": None if t.reps is None else genomes_state(t.reps), "next_key": t.next_key}


def species_from_state(d: Any, where: str, spec: GenomeSpec, dtype: torch.dtype,
                       device) -> SpeciesTable:
    d = expect_dict(d, where)
    lists = {}
    for name in ("key", "created", "last_improved", "best", "fitness", "adjusted_fitness"):
        v = field(d, name, where)
        if not isinstance(v, list):
            raise CheckpointError(f"{where}.{name}: expected a list, got {describe(v)}")
        check = (lambda x, w: check_int(x, w)) if name in ("key", "created", "last_improved") \
            else (lambda x, w: None if x is None else check_float(x, w))
        lists[name] = [check(x, f"{where}.{name}[{i}]") for i, x in enumerate(v)]
    n = len(lists["key"])
    if any(len(v) != n for v in lists.values()):
        raise CheckpointError(f"{where}: the species lists have different lengths")
    if lists["key"] != sorted(set(lists["key"])) or any(k < 1 for k in lists["key"]):
        raise CheckpointError(f"{where}.key: expected distinct ascending species ids >= 1")
    next_key = get_int(d, "next_key", where, ge=max(lists["key"], default=0) + 1)
    reps = field(d, "reps", where)
    reps = None if reps is None else genomes_from_state(reps, f"{where}.reps", spec, dtype,
                                                        device)
    if (0 if reps is None else len(reps)) != n:
        raise CheckpointError(f"{where}: {n} species but "
                              f"{0 if reps is None else len(reps)} representatives")
    return SpeciesTable(*lists.values(), reps, next_key)


def tracker_from_state(d: Any, where: str, device) -> InnovationTracker:
    d = expect_dict(d, where)
    tracker = InnovationTracker(next_node_key=get_int(d, "next_node_key", where, ge=0),
                                innovation=get_int(d, "global_counter", where, ge=0),
                                same_split_same_node=get_bool(d, "same_split_same_node", where),
                                device=device)
    generation = expect_dict(field(d, "generation", where), f"{where}.generation")
    for kind, pair in generation.items():
        w = f"{where}.generation[{kind!r}]"
        if not isinstance(kind, str) or not isinstance(pair, list) or len(pair) != 2:
            raise CheckpointError(f"{w}: expected [codes, numbers]")
        codes = _tensor(pair[0], f"{w}[0]", torch.int64)
        numbers = _tensor(pair[1], f"{w}[1]", torch.int64, tuple(codes.shape))
        if codes.dim() != 1 or bool((codes[1:] <= codes[:-1]).any()):
            raise CheckpointError(f"{w}[0]: expected ascending distinct codes")
        tracker.generation[kind] = (codes.to(device), numbers.to(device))
    return tracker


__all__ = ["genomes_state", "genomes_from_state", "species_state", "species_from_state",
           "tracker_from_state"]
