"""Read neat-python 2.x's own JSON network export (``neat.export.export_network_json``).

neat-python exports the *phenotype* of a genome: the nodes and enabled connections that
its ``FeedForwardNetwork`` or ``RecurrentNetwork`` evaluates (format 1.0, see
``neat/export/json_format.py``). :func:`load_neat_export` turns such a file back into a
``neat.DefaultGenome``, which neat-python's networks and neuroevo's compiler accept as
any other genome. Connection genes get innovation numbers 1, 2, ... in file order: the
export keeps no history, so the genome is fit for evaluation, drawing and fine-tuning,
but its innovation numbers are not those of the run that produced it.

When no neat-python config is at hand, :func:`minimal_genome_config` builds a genome
config with the export's input and output counts (mutation settings are placeholders).

Example::

    from neuroevo.io.neat_export import load_neat_export
    exp = load_neat_export("winner.json")
    net = ne.compile_population([exp.genome], exp.genome_config)
"""

from __future__ import annotations

import dataclasses
import os
from typing import Any

import neat

from neuroevo.errors import CheckpointError
from neuroevo.io.genome_json import genome_config_of
from neuroevo.io.json_values import check_float_range, check_int64, read_json_file, short

SUPPORTED_FORMATS = ("1.0",)
SUPPORTED_TYPES = ("feedforward", "recurrent")


@dataclasses.dataclass
class NeatExport:
    """A neat-python network export read back as a genome."""

    genome: Any  # neat.DefaultGenome
    genome_config: Any  # the config given, or a minimal one with the export's counts
    network_type: str  # "feedforward" or "recurrent"
    metadata: dict[str, Any]


def minimal_genome_config(num_inputs: int, num_outputs: int, *, feed_forward: bool = True) -> Any:
    """A ``DefaultGenomeConfig`` with these counts and neutral mutation settings.

    Enough to build networks from a genome (neat-python's or neuroevo's compiler); to
    evolve further, load the INI file of the run instead.

    Example::

        gc = minimal_genome_config(2, 1)
        gc.input_keys, gc.output_keys        # ([-1, -2], [0])
    """
    params: dict[str, str] = {
        "num_inputs": str(num_inputs),
        "num_outputs": str(num_outputs),
        "num_hidden": "0",
        "feed_forward": str(feed_forward),
        "compatibility_disjoint_coefficient": "1.0",
        "compatibility_weight_coefficient": "0.5",
        "conn_add_prob": "0.0",
        "conn_delete_prob": "0.0",
        "node_add_prob": "0.0",
        "node_delete_prob": "0.0",
        "enabled_default": "True",
        "enabled_mutate_rate": "0.0",
        "activation_default": "sigmoid",
        "activation_options": "sigmoid",
        "activation_mutate_rate": "0.0",
        "aggregation_default": "sum",
        "aggregation_options": "sum",
        "aggregation_mutate_rate": "0.0",
    }
    for name, mean in (("bias", 0.0), ("response", 1.0), ("weight", 0.0)):
        params.update(
            {
                f"{name}_init_mean": str(mean),
                f"{name}_init_stdev": "0.0",
                f"{name}_max_value": "1e30",
                f"{name}_min_value": "-1e30",
                f"{name}_mutate_power": "0.0",
                f"{name}_mutate_rate": "0.0",
                f"{name}_replace_rate": "0.0",
            }
        )
    return neat.DefaultGenome.parse_config(params)


def _num(v: Any, where: str) -> float:
    """A number of the export: neat-python writes floats (``Infinity``/``NaN`` included, as
    Python's ``json`` does); integers and literals beyond float64 are refused by name."""
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise CheckpointError(f"{where}: expected a number, got {short(v)}")
    check_float_range(v, where)
    return float(v)


def _int(v: Any, where: str) -> int:
    return check_int64(v, where)


def _function(entry: dict[str, Any], kind: str, known: set[str], where: str) -> str:
    info = entry.get(kind)
    name = info.get("name") if isinstance(info, dict) else None
    if not isinstance(name, str):
        raise CheckpointError(
            f"{where}.{kind}: expected {{'name': ..., 'custom': ...}}, got {info!r}"
        )
    if name not in known:
        raise CheckpointError(
            f"{where}.{kind}: unknown {kind} function {name!r}; register it first with "
            f"genome_config.add_{kind}({name!r}, fn) and pass that genome_config"
        )
    return name


def neat_export_to_genome(
    data: Any, genome_config: Any = None, *, source: str = "neat-python export"
) -> NeatExport:
    """Build a genome from the parsed JSON of a neat-python network export.

    Example::

        exp = neat_export_to_genome(json.loads(neat.export.export_network_json(net)))
    """
    if not isinstance(data, dict):
        raise CheckpointError(f"{source}: expected a JSON object, got {type(data).__name__}")
    fmt = data.get("format_version")
    if fmt not in SUPPORTED_FORMATS:
        raise CheckpointError(
            f"{source}: format_version {fmt!r} is not a neat-python network "
            f"export version this reader knows ({', '.join(SUPPORTED_FORMATS)})"
        )
    ntype = data.get("network_type")
    if ntype not in SUPPORTED_TYPES:
        raise CheckpointError(
            f"{source}: network_type {ntype!r} is not supported; neuroevo reads "
            f"{' and '.join(SUPPORTED_TYPES)} networks (CTRNN/IZNN have other "
            "dynamics)"
        )
    topo = data.get("topology")
    if not isinstance(topo, dict):
        raise CheckpointError(f"{source}: missing 'topology'")
    n_in = _int(topo.get("num_inputs"), f"{source}: topology.num_inputs")
    n_out = _int(topo.get("num_outputs"), f"{source}: topology.num_outputs")
    in_keys, out_keys = topo.get("input_keys"), topo.get("output_keys")
    if (
        not isinstance(in_keys, list)
        or not isinstance(out_keys, list)
        or (len(in_keys), len(out_keys)) != (n_in, n_out)
        or in_keys != [-i - 1 for i in range(n_in)]
        or out_keys != list(range(n_out))
    ):
        raise CheckpointError(
            f"{source}: topology: input_keys/output_keys do not follow "
            "neat-python's convention (-1..-n and 0..m-1)"
        )
    if genome_config is None:
        genome_config = minimal_genome_config(n_in, n_out, feed_forward=(ntype == "feedforward"))
    else:
        genome_config = genome_config_of(genome_config, "load_neat_export")
    if (genome_config.num_inputs, genome_config.num_outputs) != (n_in, n_out):
        raise CheckpointError(
            f"{source}: the network has {n_in} inputs and {n_out} outputs but the config has "
            f"{genome_config.num_inputs} and {genome_config.num_outputs}; pass the matching config "
            "or none"
        )
    acts = set(genome_config.activation_defs.functions)
    aggs = set(genome_config.aggregation_function_defs.functions)

    raw_meta = data.get("metadata")
    meta: dict[str, Any] = raw_meta if isinstance(raw_meta, dict) else {}
    genome_id = meta.get("genome_id")
    if genome_id is not None and not isinstance(genome_id, bool) and isinstance(genome_id, int):
        check_int64(genome_id, f"{source}: metadata.genome_id")
    else:
        genome_id = 0
    genome = neat.DefaultGenome(genome_id)
    nodes = data.get("nodes")
    if not isinstance(nodes, list):
        raise CheckpointError(f"{source}: 'nodes' must be a list")
    inputs = set(range(-n_in, 0))
    for idx, entry in enumerate(nodes):
        where = f"{source}: nodes[{idx}]"
        if not isinstance(entry, dict):
            raise CheckpointError(f"{where}: expected an object")
        key = _int(entry.get("id"), f"{where}.id")
        if entry.get("type") == "input" or key in inputs:
            if key not in inputs:
                raise CheckpointError(f"{where}: input node {key} outside -1..-{n_in}")
            continue
        if key < 0 or key in genome.nodes:
            raise CheckpointError(f"{where}: node id {key} is negative or repeated")
        ng = neat.DefaultNodeGene(key)
        ng.bias = _num(entry.get("bias"), f"{where}.bias")
        ng.response = _num(entry.get("response"), f"{where}.response")
        ng.activation = _function(entry, "activation", acts, where)
        ng.aggregation = _function(entry, "aggregation", aggs, where)
        ng.time_constant = _num(entry.get("time_constant", 1.0), f"{where}.time_constant")
        genome.nodes[key] = ng
    for k in range(n_out):
        if k not in genome.nodes:  # an output nothing feeds and neat-python did not evaluate
            raise CheckpointError(f"{source}: output node {k} missing from 'nodes'")
    conns = data.get("connections")
    if not isinstance(conns, list):
        raise CheckpointError(f"{source}: 'connections' must be a list")
    for idx, entry in enumerate(conns):
        where = f"{source}: connections[{idx}]"
        if not isinstance(entry, dict):
            raise CheckpointError(f"{where}: expected an object")
        i, o = _int(entry.get("from"), f"{where}.from"), _int(entry.get("to"), f"{where}.to")
        if (i not in inputs and i not in genome.nodes) or o not in genome.nodes:
            raise CheckpointError(f"{where}: connection {i} -> {o} names an unknown node")
        if (i, o) in genome.connections:
            raise CheckpointError(f"{where}: duplicate connection {i} -> {o}")
        enabled = entry.get("enabled", True)
        if not isinstance(enabled, bool):
            raise CheckpointError(f"{where}.enabled: expected true or false, got {enabled!r}")
        cg = neat.DefaultConnectionGene((i, o), innovation=idx + 1)
        cg.weight = _num(entry.get("weight"), f"{where}.weight")
        cg.enabled = enabled
        genome.connections[(i, o)] = cg
    fitness = meta.get("fitness")
    if isinstance(fitness, (int, float)) and not isinstance(fitness, bool):
        genome.fitness = _num(fitness, f"{source}: metadata.fitness")
    return NeatExport(
        genome=genome, genome_config=genome_config, network_type=ntype, metadata=dict(meta)
    )


def load_neat_export(path: str | os.PathLike[str], genome_config: Any = None) -> NeatExport:
    """Read a file written by ``neat.export.export_network_json`` (see module docstring).

    Example::

        exp = load_neat_export("winner.json", cfg.genome_config)
        neat.nn.FeedForwardNetwork.create(exp.genome, cfg).activate([0.0, 1.0])
    """
    return neat_export_to_genome(
        read_json_file(path, "neat-python network export"), genome_config, source=str(path)
    )


__all__ = ["NeatExport", "load_neat_export", "neat_export_to_genome", "minimal_genome_config"]
