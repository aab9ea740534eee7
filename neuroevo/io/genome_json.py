"""Genome files: neat-python genomes as plain JSON (never pickle).

A genome file holds every gene of a neat-python genome -- node genes with all their
attributes (``bias``, ``response``, ``activation``, ``aggregation``, ``time_constant`` for
neat-python 2.0's ``DefaultNodeGene``), connection genes with their innovation number
and attributes (``weight``, ``enabled``) -- plus the genome's key and fitness::

    {"format": "neuroevo.genome", "version": 1, "key": 17, "fitness": 3.9,
     "num_inputs": 2, "num_outputs": 1,
     "nodes": [{"key": 0, "bias": 0.1, "response": 1.0, "activation": "sigmoid",
                "aggregation": "sum", "time_constant": 1.0}],
     "connections": [{"in": -1, "out": 0, "innovation": 1, "weight": 0.5, "enabled": true}]}

Genes keep the genome's dictionary order, because neat-python's mutation operators draw
from ``list(genome.connections.values())``: the same order means the same evolution after
a resume. The attribute list is read from the gene classes (``_gene_attributes``), so
custom gene types with extra attributes round-trip too.

Loading validates everything and raises :class:`neuroevo.CheckpointError` naming the file,
the field and the fix -- also for numbers out of range: integers (keys, innovation numbers)
must fit int64, numbers must fit float64 (a 400-digit integer or ``1e400`` as a weight is
refused, not turned into an ``OverflowError`` or ``inf``). Loading never executes code.

Example::

    import neuroevo as ne
    ne.save_genome(result.best, "best.json")
    genome = ne.load_genome("best.json", cfg.genome_config)
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any

import neat
from neat.attributes import BoolAttribute, FloatAttribute, IntegerAttribute, StringAttribute

from neuroevo.errors import CheckpointError, ConfigError
from neuroevo.io.atomic import atomic_write_text
from neuroevo.io.json_values import (
    check_float_range,
    check_int64,
    is_int,
    is_number,
    parse_json_bytes,
    read_json_file,
    short,
)

FORMAT = "neuroevo.genome"
VERSION = 1
_RESERVED_NODE = {"key"}
_RESERVED_CONN = {"in", "out", "innovation"}


# --------------------------------------------------------------------------- configs

_GENOME_CONFIG_FIELDS = ("num_inputs", "num_outputs", "input_keys", "output_keys")


def genome_config_of(config: Any, what: str) -> Any:
    """The genome config of ``config``: a whole ``neat.Config`` gives its ``genome_config``,
    a genome config is returned as it is; anything else is a ConfigError naming ``what``
    (the function) and the two forms it takes."""
    gc = getattr(config, "genome_config", config)
    if all(hasattr(gc, f) for f in _GENOME_CONFIG_FIELDS):
        return gc
    raise ConfigError(
        f"{what}: expected a neat-python config (a neat.Config from "
        "neuroevo.load_config(path), or its .genome_config), got "
        f"{type(config).__name__}"
    )


# --------------------------------------------------------------------------- encoding


def encode_float(x: float | int | None) -> float | int | str | None:
    """JSON-safe number: non-finite floats become the strings ``"inf"``, ``"-inf"``, ``"nan"``."""
    if x is None or isinstance(x, bool):
        return x
    if isinstance(x, int):
        return x
    x = float(x)
    if math.isfinite(x):
        return x
    return "nan" if math.isnan(x) else ("inf" if x > 0 else "-inf")


def _gene_attribute_names(gene: Any) -> list[str]:
    return [a.name for a in getattr(type(gene), "_gene_attributes", [])]


def _attr_value(value: Any, where: str) -> Any:
    if isinstance(value, (bool, str)) or value is None:
        return value
    if isinstance(value, (int, float)):
        if isinstance(value, float) and not math.isfinite(value):
            raise CheckpointError(
                f"{where}: non-finite value {value!r} cannot be saved; "
                "clamp the gene attribute (its *_min_value/*_max_value)"
            )
        return value
    # numpy / torch scalars
    try:
        return value.item()
    except AttributeError:
        raise CheckpointError(
            f"{where}: value {value!r} of type {type(value).__name__} is not "
            "JSON-able; gene attributes must be numbers, strings or booleans"
        ) from None


def genome_to_dict(genome: Any, genome_config: Any = None) -> dict[str, Any]:
    """Return a JSON-able dict holding every gene of a neat-python genome.

    With ``genome_config`` (a ``neat.Config`` or its ``genome_config``) the input/output
    counts are recorded as well, so that loading it under a config with other counts is
    refused.

    Example::

        d = genome_to_dict(genome, cfg.genome_config)
        json.dumps(d)
    """
    nodes = []
    for nk, ng in genome.nodes.items():
        entry: dict[str, Any] = {"key": int(nk)}
        for name in _gene_attribute_names(ng):
            entry[name] = _attr_value(getattr(ng, name), f"genome {genome.key} node {nk}.{name}")
        nodes.append(entry)
    connections = []
    for (i, o), cg in genome.connections.items():
        entry = {"in": int(i), "out": int(o)}
        if getattr(cg, "innovation", None) is not None:
            entry["innovation"] = int(cg.innovation)
        for name in _gene_attribute_names(cg):
            entry[name] = _attr_value(
                getattr(cg, name), f"genome {genome.key} connection {(i, o)}.{name}"
            )
        connections.append(entry)
    d: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "genome_type": type(genome).__name__,
        "key": genome.key,
        "fitness": encode_float(genome.fitness),
    }
    if genome_config is not None:
        genome_config = genome_config_of(genome_config, "genome_to_dict")
        d["num_inputs"] = int(genome_config.num_inputs)
        d["num_outputs"] = int(genome_config.num_outputs)
    d["nodes"] = nodes
    d["connections"] = connections
    return d


# --------------------------------------------------------------------------- decoding


def decode_float(v: Any, where: str) -> float | int | None:
    """Inverse of :func:`encode_float`; anything else raises :class:`CheckpointError`."""
    if v is None or is_int(v):
        check_float_range(v, where)
        return v
    if isinstance(v, float):
        check_float_range(v, where)
        return v
    if isinstance(v, str) and v in ("inf", "-inf", "nan"):
        return float(v)
    raise CheckpointError(f"{where}: expected a number or null, got {v!r}")


def _need(d: dict[str, Any], field: str, where: str) -> Any:
    if field not in d:
        raise CheckpointError(
            f"{where}: missing field {field!r}; the file is incomplete or not "
            "a neuroevo genome file (re-save it with neuroevo.save_genome)"
        )
    return d[field]


def _check_attr(attr: Any, value: Any, where: str, genome_config: Any) -> Any:
    if isinstance(attr, FloatAttribute):
        if not is_number(value):
            raise CheckpointError(f"{where}: expected a finite number, got {short(value)}")
        check_float_range(value, where)
        if not math.isfinite(value):
            raise CheckpointError(f"{where}: expected a finite number, got {value!r}")
        return float(value)
    if isinstance(attr, IntegerAttribute):
        return check_int64(value, where)
    if isinstance(attr, BoolAttribute):
        if not isinstance(value, bool):
            raise CheckpointError(f"{where}: expected true or false, got {value!r}")
        return value
    if isinstance(attr, StringAttribute):
        if not isinstance(value, str):
            raise CheckpointError(f"{where}: expected a string, got {value!r}")
        known = _known_functions(attr.name, genome_config)
        if known is not None and value not in known:
            raise CheckpointError(
                f"{where}: unknown {attr.name} function {value!r} (known: {', '.join(sorted(known))}); "
                f"register it before loading with genome_config.add_{attr.name}({value!r}, fn)"
            )
        return value
    if isinstance(value, (dict, list)):
        raise CheckpointError(f"{where}: expected a number, string or boolean, got {value!r}")
    return value


def _known_functions(name: str, genome_config: Any) -> set[str] | None:
    if name == "activation":
        defs = getattr(genome_config, "activation_defs", None)
    elif name == "aggregation":
        defs = getattr(genome_config, "aggregation_function_defs", None)
    else:
        return None
    return set(defs.functions) if defs is not None else None


def genome_from_dict(
    d: Any,
    genome_config: Any,
    *,
    genome_type: type | None = None,
    source: str = "genome dict",
) -> Any:
    """Build a genome from :func:`genome_to_dict`'s output, validating every field.

    ``genome_config`` is a ``neat.Config`` or its ``genome_config``; ``genome_type`` defaults
    to the config's (``neat.DefaultGenome`` for a genome config). ``source`` names the data
    in error messages (the file name when loading a file).

    Example::

        genome = genome_from_dict(json.load(open("best.json")), cfg.genome_config)
    """
    if genome_type is None:
        genome_type = getattr(genome_config, "genome_type", None) or neat.DefaultGenome
    genome_config = genome_config_of(genome_config, "genome_from_dict")
    if not isinstance(d, dict):
        raise CheckpointError(f"{source}: expected a JSON object, got {type(d).__name__}")
    fmt = d.get("format")
    if fmt != FORMAT:
        raise CheckpointError(
            f"{source}: format is {fmt!r}, expected {FORMAT!r}; this is not a "
            "neuroevo genome file (neat-python network exports are read by "
            "neuroevo.io.neat_export.load_neat_export)"
        )
    version = d.get("version")
    if not is_int(version) or version > VERSION or version < 1:
        raise CheckpointError(
            f"{source}: unsupported version {short(version)} (this neuroevo reads "
            f"up to {VERSION}); upgrade neuroevo to read it"
        )
    key = _need(d, "key", source)
    if key is not None:
        check_int64(key, f"{source}: key")
    fitness = decode_float(_need(d, "fitness", source), f"{source}: fitness")
    for field, expected in (
        ("num_inputs", genome_config.num_inputs),
        ("num_outputs", genome_config.num_outputs),
    ):
        if field in d and d[field] != expected:
            raise CheckpointError(
                f"{source}: {field}: the genome has {short(d[field])} but the config has "
                f"{expected}; load it with the config it was evolved with (set {field} = "
                f"{short(d[field])})"
            )
    input_keys = set(genome_config.input_keys)
    output_keys = list(genome_config.output_keys)

    node_type = genome_config.node_gene_type
    conn_type = genome_config.connection_gene_type
    node_attrs = list(getattr(node_type, "_gene_attributes", []))
    conn_attrs = list(getattr(conn_type, "_gene_attributes", []))

    genome = genome_type(key)
    genome.fitness = fitness

    raw_nodes = _need(d, "nodes", source)
    if not isinstance(raw_nodes, list):
        raise CheckpointError(f"{source}: nodes: expected a list, got {type(raw_nodes).__name__}")
    node_names = {a.name for a in node_attrs} | _RESERVED_NODE
    for idx, entry in enumerate(raw_nodes):
        where = f"{source}: nodes[{idx}]"
        if not isinstance(entry, dict):
            raise CheckpointError(f"{where}: expected an object, got {entry!r}")
        nk = check_int64(_need(entry, "key", where), f"{where}.key")
        if nk in input_keys or nk < 0:
            raise CheckpointError(
                f"{where}.key: {nk} is an input key (negative); input pins have "
                "no node gene, remove this node"
            )
        if nk in genome.nodes:
            raise CheckpointError(f"{where}.key: duplicate node key {nk}")
        extra = set(entry) - node_names
        if extra:
            raise CheckpointError(
                f"{where}: unknown fields {sorted(extra)} for "
                f"{node_type.__name__}; the genome was saved with another gene type"
            )
        ng = node_type(nk)
        for attr in node_attrs:
            value = _need(entry, attr.name, where)
            setattr(ng, attr.name, _check_attr(attr, value, f"{where}.{attr.name}", genome_config))
        genome.nodes[nk] = ng
    missing = [k for k in output_keys if k not in genome.nodes]
    if missing:
        raise CheckpointError(
            f"{source}: nodes: output node(s) {missing} missing; the config has num_outputs = "
            f"{len(output_keys)}, so keys 0..{len(output_keys) - 1} must be present. Load it with "
            "the config it was evolved with"
        )

    raw_conns = _need(d, "connections", source)
    if not isinstance(raw_conns, list):
        raise CheckpointError(
            f"{source}: connections: expected a list, got {type(raw_conns).__name__}"
        )
    conn_names = {a.name for a in conn_attrs} | _RESERVED_CONN
    needs_innovation = conn_type is neat.DefaultConnectionGene or issubclass(
        conn_type, neat.DefaultConnectionGene
    )
    for idx, entry in enumerate(raw_conns):
        where = f"{source}: connections[{idx}]"
        if not isinstance(entry, dict):
            raise CheckpointError(f"{where}: expected an object, got {entry!r}")
        i, o = _need(entry, "in", where), _need(entry, "out", where)
        if not is_int(i) or not is_int(o):
            raise CheckpointError(f"{where}: in/out must be integers, got {short(i)} -> {short(o)}")
        check_int64(i, f"{where}.in")
        check_int64(o, f"{where}.out")
        if i < 0 and i not in input_keys:
            raise CheckpointError(
                f"{where}.in: input key {i} does not exist: the config has num_inputs = "
                f"{len(input_keys)} (keys -1..-{len(input_keys)}). Load the genome with the config "
                "it was evolved with"
            )
        if i >= 0 and i not in genome.nodes:
            raise CheckpointError(
                f"{where}.in: node {i} has no node gene; add it to 'nodes' or remove the connection"
            )
        if o not in genome.nodes:
            raise CheckpointError(
                f"{where}.out: node {o} has no node gene (inputs cannot be "
                "targets); add it to 'nodes' or remove the connection"
            )
        if (i, o) in genome.connections:
            raise CheckpointError(f"{where}: duplicate connection {i} -> {o}")
        extra = set(entry) - conn_names
        if extra:
            raise CheckpointError(
                f"{where}: unknown fields {sorted(extra)} for "
                f"{conn_type.__name__}; the genome was saved with another gene type"
            )
        if "innovation" in entry:
            inn = check_int64(entry["innovation"], f"{where}.innovation")
            cg = conn_type((i, o), innovation=inn)
        elif needs_innovation:
            raise CheckpointError(
                f"{where}: missing field 'innovation' (neat-python 2.x "
                "connection genes need one); re-save the genome with neuroevo"
            )
        else:
            cg = conn_type((i, o))
        for attr in conn_attrs:
            value = _need(entry, attr.name, where)
            setattr(cg, attr.name, _check_attr(attr, value, f"{where}.{attr.name}", genome_config))
        genome.connections[(i, o)] = cg
    return genome


# --------------------------------------------------------------------------- files


def save_genome(genome: Any, path: str | os.PathLike[str], genome_config: Any = None) -> Path:
    """Write ``genome`` to ``path`` as JSON, atomically (temporary file + rename);
    ``genome_config``: a ``neat.Config`` or its ``genome_config`` (records the counts).

    Example::

        save_genome(result.best, "out/best_genome.json", cfg.genome_config)
    """
    text = json.dumps(genome_to_dict(genome, genome_config), indent=1, allow_nan=False)
    return atomic_write_text(path, text + "\n")


def load_genome(
    path: str | os.PathLike[str], genome_config: Any, *, genome_type: type | None = None
) -> Any:
    """Read a genome written by :func:`save_genome`, validated against ``genome_config`` (a
    ``neat.Config`` or its ``genome_config``; ``genome_type``: as :func:`genome_from_dict`).

    Example::

        cfg = ne.load_config("configs/xor.ini")
        genome = ne.load_genome("out/best_genome.json", cfg.genome_config)
        net = neat.nn.FeedForwardNetwork.create(genome, cfg)
    """
    genome_config_of(genome_config, "load_genome")  # a wrong argument before the file is read
    d = read_json_file(path, "genome file")
    return genome_from_dict(d, genome_config, genome_type=genome_type, source=str(path))


__all__ = [
    "genome_config_of",
    "genome_to_dict",
    "genome_from_dict",
    "save_genome",
    "load_genome",
    "read_json_file",
    "parse_json_bytes",
]
