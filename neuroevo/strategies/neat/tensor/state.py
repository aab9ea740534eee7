"""The tensor engine's state as checkpoint data: plain tensors, numbers and lists (no pickle).

:func:`genomes_state` / :func:`genomes_from_state` carry a :class:`Genomes` (ids and every
gene column), :func:`species_state` / :func:`species_from_state` a :class:`SpeciesTable`,
:func:`tracker_from_state` the innovation tracker. A checkpoint's checksum proves the file
intact, not that it holds what the engine relies on, so loading checks every value through
:mod:`neuroevo.io.state_checks` and the invariants of the gene tables (sorted keys, padding
last, the columns the config's genes have, option codes in range, connections between
nodes the genome has, node ids and counters within what int64 connection codes hold, gene
values finite and within the config's range) and raises
:class:`~neuroevo.errors.CheckpointError` naming the field.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import torch

from neuroevo.errors import CheckpointError
from neuroevo.io.state_checks import check_float, check_int, describe, expect_dict, field, get_bool
from neuroevo.strategies.neat.mutation import FloatSettings
from neuroevo.strategies.neat.tensor.genes import NODE_KEY_LIMIT, PAD, GeneTable, Genomes, conn_ends
from neuroevo.strategies.neat.tensor.innovation import INNOVATION_LIMIT, InnovationTracker
from neuroevo.strategies.neat.tensor.spec import WRITTEN_BY_MUTATIONS, GeneSpec, GenomeSpec
from neuroevo.strategies.neat.tensor.speciation import SpeciesTable

Tensor = torch.Tensor
#: genome ids, species ids and generations of a checkpoint stay below this (no run counts
#: so far, and the engine's int64 arithmetic on them never overflows)
COUNTER_LIMIT = 1 << 53
#: the mutation kinds of the tracker's generation table (``InnovationTracker``)
TRACKER_KINDS = ("initial_connection", "add_connection", "add_node_in", "add_node_out", "split")


def only_fields(d: dict[Any, Any], names: tuple[str, ...], where: str) -> None:
    """CheckpointError when ``d`` has a field the engine never writes there."""
    unknown = sorted(map(str, set(d) - set(names)))
    if unknown:
        raise CheckpointError(
            f"{where}: unknown fields {unknown}; the checkpoint is of "
            "another version of neuroevo, or was altered"
        )


def _table_state(t: GeneTable) -> dict[str, Tensor]:
    return {"key": t.key, **{f"col.{n}": c for n, c in t.cols.items()}}


def genomes_state(g: Genomes) -> dict[str, Any]:
    return {"gid": g.gid, "nodes": _table_state(g.nodes), "conns": _table_state(g.conns)}


def _tensor(
    v: Any,
    where: str,
    dtype: torch.dtype | None,
    shape: tuple | None = None,
    floating: bool = False,
) -> Tensor:
    ok = (
        isinstance(v, Tensor)
        and (shape is None or tuple(v.shape) == shape)
        and (v.dtype.is_floating_point if floating else v.dtype == dtype)
    )
    if not ok:
        want = "floating-point" if floating else str(dtype).removeprefix("torch.")
        raise CheckpointError(
            f"{where}: expected a {want} tensor"
            + (f" of shape {shape}" if shape else "")
            + f", got {describe(v)}"
        )
    return v


def _table_from(
    d: Any,
    where: str,
    rows: int,
    spec: GeneSpec,
    extra: tuple[str, ...],
    dtype: torch.dtype,
    device: torch.device,
) -> GeneTable:
    d = expect_dict(d, where)
    key = _tensor(field(d, "key", where), f"{where}.key", torch.int64)
    if key.dim() != 2 or key.shape[0] != rows or key.shape[1] < 1:
        raise CheckpointError(f"{where}.key: expected {rows} rows of genes, got {describe(key)}")
    pad = key == PAD
    if bool((key[:, 1:] <= key[:, :-1])[~pad[:, 1:]].any()) or bool(
        (pad[:, :-1] & ~pad[:, 1:]).any()
    ):
        raise CheckpointError(
            f"{where}.key: each row's keys must be distinct and ascending, padding last"
        )
    names = {*spec.names, *extra}
    if set(d) != {"key", *(f"col.{n}" for n in names)}:
        raise CheckpointError(
            f"{where}: columns {sorted(k for k in d if k != 'key')} do not "
            f"match this config's genes ({sorted(names)})"
        )
    shape = tuple(key.shape)
    cols: dict[str, Tensor] = {}
    for s in spec.floats:
        cols[s.name] = _floats(d[f"col.{s.name}"], f"{where}.{s.name}", shape, s, pad, dtype)
    for s in spec.bools:
        cols[s.name] = _tensor(d[f"col.{s.name}"], f"{where}.{s.name}", torch.bool, shape)
    for s in spec.choices:
        c = _tensor(d[f"col.{s.name}"], f"{where}.{s.name}", torch.int16, shape)
        if bool(((c < 0) | (c >= len(s.options))).any()):  # padding too: kernels index by it
            raise CheckpointError(
                f"{where}.{s.name}: option codes must lie in 0 .. {len(s.options) - 1}"
            )
        cols[s.name] = c
    for name in extra:  # innovation numbers
        c = _tensor(d[f"col.{name}"], f"{where}.{name}", torch.int64, shape)
        if bool(((c < 0) | (c > INNOVATION_LIMIT))[~pad].any()):
            raise CheckpointError(f"{where}.{name}: expected numbers in 0 .. {INNOVATION_LIMIT}")
        cols[name] = c
    return GeneTable(key.to(device), {n: c.to(device) for n, c in cols.items()})


def value_range(s: FloatSettings, dtype: torch.dtype) -> tuple[float, float]:
    """The values a float attribute can hold in a run: the config's ``[min_value,
    max_value]`` (init and mutation clamp to it), widened to the values structural mutations
    write whatever the range (``mutate_add_node``: bias 0.0, weights 1.0) and by a few units
    of ``dtype``'s rounding of the bounds."""
    lo, hi = sorted((s.min_value, s.max_value))
    if s.name in WRITTEN_BY_MUTATIONS:
        lo, hi = min(lo, 0.0), max(hi, 1.0)
    slack = 4 * torch.finfo(dtype).eps * max(abs(lo), abs(hi), 1.0)
    return lo - slack, hi + slack


def _floats(
    v: Any, where: str, shape: tuple, s: FloatSettings, pad: Tensor, dtype: torch.dtype
) -> Tensor:
    """A float column: finite everywhere (padding slots feed batched arithmetic too), the
    genes' values within :func:`value_range`."""
    c = _tensor(v, where, None, shape, floating=True).to(dtype)
    if not bool(torch.isfinite(c).all()):
        raise CheckpointError(f"{where}: expected finite values, got NaN or infinity")
    lo, hi = value_range(s, dtype)
    genes = c[~pad].double()
    if genes.numel() and (float(genes.min()) < lo or float(genes.max()) > hi):
        raise CheckpointError(
            f"{where}: values {float(genes.min())} .. {float(genes.max())} "
            f"lie outside [{s.name}_min_value, {s.name}_max_value] = "
            f"[{s.min_value}, {s.max_value}] of this config"
        )
    return c


def genomes_from_state(
    d: Any, where: str, spec: GenomeSpec, dtype: torch.dtype, device: torch.device
) -> Genomes:
    """A :class:`Genomes` from :func:`genomes_state`'s output, checked against ``spec``."""
    d = expect_dict(d, where)
    only_fields(d, ("gid", "nodes", "conns"), where)
    gid = _tensor(field(d, "gid", where), f"{where}.gid", torch.int64)
    if (
        gid.dim() != 1
        or gid.numel() == 0
        or gid.unique().numel() != gid.numel()
        or bool(((gid < 0) | (gid >= COUNTER_LIMIT)).any())
    ):
        raise CheckpointError(
            f"{where}.gid: expected distinct genome ids in 0 .. "
            f"{COUNTER_LIMIT - 1}, got {describe(gid)}"
        )
    rows = gid.shape[0]
    nodes = _table_from(
        field(d, "nodes", where), f"{where}.nodes", rows, spec.nodes, (), dtype, device
    )
    conns = _table_from(
        field(d, "conns", where), f"{where}.conns", rows, spec.conns, ("innovation",), dtype, device
    )
    n_out = spec.num_outputs
    if nodes.width < n_out or not bool(
        (nodes.key[:, :n_out] == torch.arange(n_out, device=nodes.key.device)).all()
    ):
        raise CheckpointError(
            f"{where}.nodes: every genome needs its output nodes 0 .. {n_out - 1}"
        )
    if bool((nodes.key[nodes.valid()] >= NODE_KEY_LIMIT).any()):
        raise CheckpointError(
            f"{where}.nodes.key: node ids must lie below {NODE_KEY_LIMIT} "
            "(connection codes are int64)"
        )
    valid = conns.valid()
    ins, outs = conn_ends(conns.key)
    width = nodes.width
    has = [
        nodes.key.gather(1, torch.searchsorted(nodes.key, k).clamp_(max=width - 1)) == k
        for k in (ins, outs)
    ]
    ok = has[1] & (has[0] | ((ins < 0) & (ins >= -spec.num_inputs)))
    if bool((valid & ~ok).any()):
        raise CheckpointError(f"{where}.conns: a connection joins nodes its genome does not have")
    return Genomes(gid.to(device), nodes, conns)


def species_state(t: SpeciesTable) -> dict[str, Any]:
    return {
        "key": list(t.key),
        "created": list(t.created),
        "last_improved": list(t.last_improved),
        "best": list(t.best),
        "fitness": list(t.fitness),
        "adjusted_fitness": list(t.adjusted_fitness),
        "reps": None if t.reps is None else genomes_state(t.reps),
        "next_key": t.next_key,
    }


def bounded_int(v: Any, where: str, lo: int, hi: int) -> int:
    """``v`` if it is an integer in ``lo .. hi``."""
    v = check_int(v, where, ge=lo)
    if v > hi:
        raise CheckpointError(f"{where}: expected an integer <= {hi}, got {v}")
    return v


def _finite_or_none(v: Any, where: str) -> float | None:
    if v is None:
        return None
    x = check_float(v, where)
    if not math.isfinite(x):
        raise CheckpointError(f"{where}: expected a finite number or null, got {describe(v)}")
    return x


def species_from_state(
    d: Any,
    where: str,
    spec: GenomeSpec,
    dtype: torch.dtype,
    device: torch.device,
    generation: int,
) -> SpeciesTable:
    """A :class:`SpeciesTable` from :func:`species_state`'s output; creation and improvement
    generations lie in ``0 .. generation``, fitness figures are finite or null."""
    d = expect_dict(d, where)
    only_fields(
        d,
        (
            "key",
            "created",
            "last_improved",
            "best",
            "fitness",
            "adjusted_fitness",
            "reps",
            "next_key",
        ),
        where,
    )
    lists: dict[str, list[Any]] = {}
    for name in ("key", "created", "last_improved", "best", "fitness", "adjusted_fitness"):
        v = field(d, name, where)
        if not isinstance(v, list):
            raise CheckpointError(f"{where}.{name}: expected a list, got {describe(v)}")
        check: Callable[[Any, str], Any]
        if name == "key":
            check = lambda x, w: bounded_int(x, w, 1, COUNTER_LIMIT - 1)
        elif name in ("created", "last_improved"):
            check = lambda x, w: bounded_int(x, w, 0, generation)
        else:
            check = _finite_or_none
        lists[name] = [check(x, f"{where}.{name}[{i}]") for i, x in enumerate(v)]
    n = len(lists["key"])
    if any(len(v) != n for v in lists.values()):
        raise CheckpointError(f"{where}: the species lists have different lengths")
    if lists["key"] != sorted(set(lists["key"])):
        raise CheckpointError(f"{where}.key: expected distinct ascending species ids >= 1")
    next_key = bounded_int(
        field(d, "next_key", where),
        f"{where}.next_key",
        max(lists["key"], default=0) + 1,
        COUNTER_LIMIT,
    )
    reps = field(d, "reps", where)
    reps = None if reps is None else genomes_from_state(reps, f"{where}.reps", spec, dtype, device)
    if (0 if reps is None else len(reps)) != n:
        raise CheckpointError(
            f"{where}: {n} species but {0 if reps is None else len(reps)} representatives"
        )
    return SpeciesTable(
        lists["key"],
        lists["created"],
        lists["last_improved"],
        lists["best"],
        lists["fitness"],
        lists["adjusted_fitness"],
        reps,
        next_key,
    )


def member_species_from_state(
    v: Any, where: str, rows: int, n_species: int, device: torch.device
) -> Tensor:
    """Each genome's species position: ``[rows]`` int64 in ``0 .. n_species - 1``, every
    species with a member."""
    ok = (
        isinstance(v, Tensor)
        and v.dtype == torch.int64
        and tuple(v.shape) == (rows,)
        and n_species > 0
        and not bool(((v < 0) | (v >= n_species)).any())
        and int(torch.bincount(v, minlength=n_species).min()) >= 1
    )
    if not ok:
        raise CheckpointError(
            f"{where}: expected each of the {rows} genomes' species (an int64 "
            f"tensor of 0 .. {n_species - 1}, no species empty), got "
            f"{describe(v)}"
        )
    return v.to(device)


def tracker_from_state(d: Any, where: str, device: torch.device) -> InnovationTracker:
    """The innovation tracker; counters within :data:`NODE_KEY_LIMIT` and
    :data:`INNOVATION_LIMIT`, the generation's table of known kinds with numbers the
    counters have given."""
    d = expect_dict(d, where)
    only_fields(d, ("global_counter", "next_node_key", "same_split_same_node", "generation"), where)
    next_node = bounded_int(
        field(d, "next_node_key", where), f"{where}.next_node_key", 0, NODE_KEY_LIMIT
    )
    counter = bounded_int(
        field(d, "global_counter", where), f"{where}.global_counter", 0, INNOVATION_LIMIT
    )
    tracker = InnovationTracker(
        next_node_key=next_node,
        innovation=counter,
        same_split_same_node=get_bool(d, "same_split_same_node", where),
        device=device,
    )
    generation = expect_dict(field(d, "generation", where), f"{where}.generation")
    for kind, pair in generation.items():
        w = f"{where}.generation[{kind!r}]"
        if kind not in TRACKER_KINDS:
            raise CheckpointError(
                f"{w}: unknown mutation kind; expected one of {list(TRACKER_KINDS)}"
            )
        if not isinstance(pair, list) or len(pair) != 2:
            raise CheckpointError(f"{w}: expected [codes, numbers], got {describe(pair)}")
        codes = _tensor(pair[0], f"{w}[0]", torch.int64)
        numbers = _tensor(pair[1], f"{w}[1]", torch.int64, tuple(codes.shape))
        if codes.dim() != 1 or bool((codes[1:] <= codes[:-1]).any()) or bool((codes < 0).any()):
            raise CheckpointError(f"{w}[0]: expected ascending distinct codes >= 0")
        lo, hi = (0, next_node - 1) if kind == "split" else (1, counter)
        if bool(((numbers < lo) | (numbers > hi)).any()):
            raise CheckpointError(f"{w}[1]: expected numbers the counter has given ({lo} .. {hi})")
        tracker.generation[kind] = (codes.to(device), numbers.to(device))
    return tracker


def check_counters(tracker: InnovationTracker, genomes: list[Genomes], where: str) -> None:
    """The tracker's counters are past every node id and innovation number in ``genomes``
    (else a new node or connection would reuse one)."""
    top_node = max(int(g.nodes.key[g.nodes.valid()].max()) for g in genomes)
    top_innov = max(
        int(g.conns.cols["innovation"][g.conns.valid()].max()) if bool(g.conns.valid().any()) else 0
        for g in genomes
    )
    if tracker.next_node_key <= top_node or tracker.global_counter < top_innov:
        raise CheckpointError(
            f"{where}: counters (next node {tracker.next_node_key}, "
            f"innovation {tracker.global_counter}) behind the ids in use "
            f"(node {top_node}, innovation {top_innov})"
        )


__all__ = [
    "COUNTER_LIMIT",
    "bounded_int",
    "check_counters",
    "genomes_from_state",
    "genomes_state",
    "member_species_from_state",
    "only_fields",
    "species_from_state",
    "species_state",
    "tracker_from_state",
    "value_range",
]
