"""A whole population of genomes as flat arrays, and its graph analysis done for all at once.

``flatten_population`` is the only per-genome Python loop of compilation: it reads the
genes into flat numpy arrays (one row per node, one per enabled connection). Everything
after it -- which nodes an output needs, in which order nodes can be evaluated -- runs as
vectorised numpy over the whole population, one iteration per graph level.

The semantics are neat-python's (``neat.graphs.required_for_output`` and
``feed_forward_layers``):

* a node is *required* when an output depends on it (outputs always are);
* a required node is *evaluated* once every required node feeding it has been evaluated;
  nodes without incoming connections ("bias neurons") are evaluated first, as
  ``activation(bias + response * aggregation([]))``; nodes on a cycle, and everything
  downstream of them, are never evaluated and outputs among them read 0.0;
* every enabled connection into an evaluated node is used, in the genome's connection
  order (which matters for ``maxabs`` ties and the order of sums).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from neuroevo.errors import CompileError


@dataclasses.dataclass
class FlatPopulation:
    """Genes of P genomes as flat arrays (N nodes, E enabled connections in all)."""

    num_genomes: int
    input_keys: list[int]
    output_keys: list[int]
    node_genome: np.ndarray  # [N] int64: genome index of each node
    node_key: np.ndarray  # [N] int64: the node's key in its genome
    bias: np.ndarray  # [N] float64
    response: np.ndarray  # [N] float64
    activation: np.ndarray  # [N] int64 code into activation_names
    aggregation: np.ndarray  # [N] int64 code into aggregation_names
    activation_names: list[str]
    aggregation_names: list[str]
    edge_genome: np.ndarray  # [E] int64
    edge_src: np.ndarray  # [E] int64: node index (>= 0) or -1 - input position
    edge_dst: np.ndarray  # [E] int64: node index
    edge_weight: np.ndarray  # [E] float64

    @property
    def num_nodes(self) -> int:
        return len(self.node_key)

    def edge_keys(self) -> tuple[np.ndarray, np.ndarray]:
        """[E] source and [E] destination key of each connection, as in the genome."""
        in_keys = np.asarray(self.input_keys, dtype=np.int64)
        src = self.edge_src
        from_input = in_keys[-1 - src[src < 0]]
        src_key = self.node_key[np.maximum(src, 0)] if self.num_nodes else src.copy()
        src_key[src < 0] = from_input
        return src_key, self.node_key[self.edge_dst]

    def output_nodes(self) -> np.ndarray:
        """[P, num_outputs] node index of each output (-1 where a genome lacks it)."""
        return _lookup(
            self,
            np.repeat(np.arange(self.num_genomes), len(self.output_keys)),
            np.tile(np.asarray(self.output_keys, dtype=np.int64), self.num_genomes),
        ).reshape(self.num_genomes, len(self.output_keys))


def select_genomes(flat: FlatPopulation, genomes: np.ndarray) -> FlatPopulation:
    """The sub-population of the genomes at positions ``genomes`` (in that order)."""
    genomes = np.asarray(genomes, dtype=np.int64)
    new_pos = np.full(flat.num_genomes, -1, dtype=np.int64)
    new_pos[genomes] = np.arange(len(genomes))
    keep_n = new_pos[flat.node_genome] >= 0
    keep_e = new_pos[flat.edge_genome] >= 0
    # order nodes/edges by their genome's new position, keeping their order within a genome
    n_idx = np.flatnonzero(keep_n)
    n_idx = n_idx[np.argsort(new_pos[flat.node_genome[n_idx]], kind="stable")]
    e_idx = np.flatnonzero(keep_e)
    e_idx = e_idx[np.argsort(new_pos[flat.edge_genome[e_idx]], kind="stable")]
    node_map = np.full(flat.num_nodes, -1, dtype=np.int64)
    node_map[n_idx] = np.arange(len(n_idx))
    src = flat.edge_src[e_idx]
    return dataclasses.replace(
        flat,
        num_genomes=len(genomes),
        node_genome=new_pos[flat.node_genome[n_idx]],
        node_key=flat.node_key[n_idx],
        bias=flat.bias[n_idx],
        response=flat.response[n_idx],
        activation=flat.activation[n_idx],
        aggregation=flat.aggregation[n_idx],
        edge_genome=new_pos[flat.edge_genome[e_idx]],
        edge_src=np.where(src >= 0, node_map[np.maximum(src, 0)], src),
        edge_dst=node_map[flat.edge_dst[e_idx]],
        edge_weight=flat.edge_weight[e_idx],
    )


def _lookup(flat: FlatPopulation, genome: np.ndarray, key: np.ndarray) -> np.ndarray:
    """Node index of (genome, key) pairs, -1 where there is no such node.

    Keys are replaced by their rank among all keys involved before they are combined with
    the genome index, so any int64 keys work (no ``key - min_key`` that overflows when
    keys lie near 2**62 and -1 alike).
    """
    if flat.num_nodes == 0:
        return np.full(len(key), -1, dtype=np.int64)
    n = flat.num_nodes
    uniq, rank = np.unique(np.concatenate([flat.node_key, key]), return_inverse=True)
    stride = len(uniq)  # at most N + len(key): genome * stride + rank fits easily
    codes = flat.node_genome * stride + rank[:n]
    order = np.argsort(codes, kind="stable")
    sorted_codes = codes[order]
    q = genome * stride + rank[n:]
    pos = np.searchsorted(sorted_codes, q).clip(max=len(sorted_codes) - 1)
    found = sorted_codes[pos] == q
    return np.where(found, order[pos], -1)


def check_genome_config(genome_config: Any, caller: str) -> None:
    """CompileError naming the fix when ``genome_config`` is not a neat-python genome config."""
    if hasattr(genome_config, "input_keys") and hasattr(genome_config, "output_keys"):
        return
    if hasattr(genome_config, "genome_config"):
        raise CompileError(
            f"{caller}: got a {type(genome_config).__name__} (the whole "
            "neat-python config); pass config.genome_config"
        )
    raise CompileError(
        f"{caller}: expected a neat-python genome config (config.genome_config), "
        f"got {type(genome_config).__name__}"
    )


def _is_genome(g: Any) -> bool:
    return hasattr(g, "nodes") and hasattr(g, "connections")


def genome_list(genomes: Any, caller: str) -> list:
    """``genomes`` as a list of genomes: neat-python genomes, or the ``(genome_id, genome)``
    pairs neat-python hands a fitness function (``eval_genomes(genomes, config)``)."""
    if isinstance(genomes, Mapping):
        raise CompileError(
            f"{caller}: got a dict of genomes; pass a list, e.g. "
            "list(population.population.values())"
        )
    if _is_genome(genomes):
        raise CompileError(f"{caller}: got one genome; pass a list of genomes ([genome])")
    try:
        items = list(genomes)
    except TypeError:
        raise CompileError(
            f"{caller}: expected a list of neat-python genomes, got {type(genomes).__name__}"
        ) from None
    out = []
    for i, g in enumerate(items):
        if isinstance(g, tuple) and len(g) == 2 and _is_genome(g[1]):
            g = g[1]  # neat-python's (genome_id, genome)
        elif not _is_genome(g):
            raise CompileError(
                f"{caller}: item {i} is a {type(g).__name__}, not a neat-python "
                "genome (or a (genome_id, genome) pair); pass a list of genomes"
            )
        out.append(g)
    return out


def _array(
    values: list, dtype: type, what: str, genomes: Sequence, counts: list[int]
) -> np.ndarray:
    """``np.asarray(values, dtype)``; a value that does not fit raises CompileError naming it.

    ``counts[g]`` is how many of ``values`` genome ``g`` contributed (to name it).
    """
    try:
        return np.asarray(values, dtype=dtype)
    except (OverflowError, TypeError, ValueError):
        pass
    for i, v in enumerate(values):
        try:
            np.asarray(v, dtype=dtype)
        except (OverflowError, TypeError, ValueError):
            g = int(np.searchsorted(np.cumsum(counts), i, side="right"))
            kind = "an integer in [-2**63, 2**63)" if dtype is np.int64 else "a float64 number"
            raise CompileError(
                f"genome {getattr(genomes[g], 'key', g)!r} (position {g}): {what} {v!r} is not "
                f"{kind}; neuroevo compiles genes whose keys and values fit these ranges"
            ) from None
    raise CompileError(f"{what}: values do not fit {np.dtype(dtype).name}")  # not reached


def flatten_population(
    genomes: Sequence[Any], genome_config: Any, caller: str = "compile_population"
) -> FlatPopulation:
    """Read the genes of ``genomes`` into a :class:`FlatPopulation`.

    ``genomes``: neat-python genomes, or neat-python's ``(genome_id, genome)`` pairs (see
    :func:`genome_list`). ``caller`` names the public function in error messages.
    """
    check_genome_config(genome_config, caller)
    genomes = genome_list(genomes, caller)
    if len(genomes) == 0:
        raise CompileError(f"{caller} got an empty list of genomes; pass at least one")
    input_keys = list(genome_config.input_keys)
    output_keys = list(genome_config.output_keys)
    act_ids: dict[str, int] = {}
    agg_ids: dict[str, int] = {}
    keys: list[int] = []
    bias: list[float] = []
    resp: list[float] = []
    acts: list[int] = []
    aggs: list[int] = []
    n_nodes: list[int] = []
    e_in: list[int] = []
    e_out: list[int] = []
    e_w: list[float] = []
    n_edges: list[int] = []
    for g in genomes:
        nodes = g.nodes
        for k, ng in nodes.items():
            keys.append(k)
            bias.append(ng.bias)
            resp.append(ng.response)
            a = ng.activation
            acts.append(act_ids[a] if a in act_ids else act_ids.setdefault(a, len(act_ids)))
            a = ng.aggregation
            aggs.append(agg_ids[a] if a in agg_ids else agg_ids.setdefault(a, len(agg_ids)))
        n_nodes.append(len(nodes))
        m = 0
        for cg in g.connections.values():
            if cg.enabled:
                i, o = cg.key
                e_in.append(i)
                e_out.append(o)
                e_w.append(cg.weight)
                m += 1
        n_edges.append(m)

    p = len(genomes)
    i64 = np.int64
    flat = FlatPopulation(
        num_genomes=p,
        input_keys=input_keys,
        output_keys=output_keys,
        node_genome=np.repeat(np.arange(p, dtype=i64), n_nodes),
        node_key=_array(keys, i64, "node key", genomes, n_nodes),
        bias=_array(bias, np.float64, "bias", genomes, n_nodes),
        response=_array(resp, np.float64, "response", genomes, n_nodes),
        activation=np.asarray(acts, dtype=i64),
        aggregation=np.asarray(aggs, dtype=i64),
        activation_names=list(act_ids),
        aggregation_names=list(agg_ids),
        edge_genome=np.repeat(np.arange(p, dtype=i64), n_edges),
        edge_src=np.empty(0, dtype=i64),
        edge_dst=np.empty(0, dtype=i64),
        edge_weight=_array(e_w, np.float64, "connection weight", genomes, n_edges),
    )
    src_key = _array(e_in, i64, "connection source key", genomes, n_edges)
    dst_key = _array(e_out, i64, "connection target key", genomes, n_edges)
    flat.edge_dst = _lookup(flat, flat.edge_genome, dst_key)
    # inputs: position in input_keys; other sources: node index
    in_sorted = np.argsort(np.asarray(input_keys, dtype=i64))
    in_keys_sorted = np.asarray(input_keys, dtype=i64)[in_sorted]
    pos = np.searchsorted(in_keys_sorted, src_key).clip(max=max(len(input_keys) - 1, 0))
    is_input = (in_keys_sorted[pos] == src_key) if len(input_keys) else np.zeros(len(src_key), bool)
    src_node = _lookup(flat, flat.edge_genome, src_key)
    flat.edge_src = np.where(is_input, -1 - in_sorted[pos], src_node)
    bad = (flat.edge_dst < 0) | (~is_input & (src_node < 0))
    if bad.any():
        e = int(np.flatnonzero(bad)[0])
        g = int(flat.edge_genome[e])
        raise CompileError(
            f"genome {getattr(genomes[g], 'key', g)!r} (position {g}) has an enabled connection "
            f"{(int(src_key[e]), int(dst_key[e]))} between nodes it does not have (inputs are "
            f"{input_keys}); the genome does not match this genome_config (num_inputs?)"
        )
    return flat


def write_genes(
    genomes: Sequence[Any],
    genome_config: Any,
    conns: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    nodes: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
) -> None:
    """Write trained values back into neat-python genes: the inverse of flattening.

    ``conns = (genome, src_key, dst_key, weight)`` and ``nodes = (genome, key, bias,
    response)`` are parallel arrays; ``genome`` holds positions in ``genomes``. Values are
    clamped to the config's ``weight_/bias_/response_min_value`` .. ``max_value``, as
    neat-python's own mutation keeps them (``neat.attributes.FloatAttribute.clamp``).
    """
    gc = genome_config
    genomes = genome_list(genomes, "write_back")
    c_genome, src_key, dst_key, weight = conns
    weight = np.clip(np.asarray(weight, dtype=np.float64), gc.weight_min_value, gc.weight_max_value)
    for g, i, o, w in zip(
        np.asarray(c_genome).tolist(),
        np.asarray(src_key).tolist(),
        np.asarray(dst_key).tolist(),
        weight.tolist(),
    ):
        genomes[g].connections[(i, o)].weight = w
    n_genome, key, bias, response = nodes
    bias = np.clip(np.asarray(bias, dtype=np.float64), gc.bias_min_value, gc.bias_max_value)
    response = np.clip(
        np.asarray(response, dtype=np.float64), gc.response_min_value, gc.response_max_value
    )
    for g, k, b, r in zip(
        np.asarray(n_genome).tolist(), np.asarray(key).tolist(), bias.tolist(), response.tolist()
    ):
        node = genomes[g].nodes[k]
        node.bias = b
        node.response = r


def required_nodes(flat: FlatPopulation) -> np.ndarray:
    """[N] bool: nodes some output depends on (neat.graphs.required_for_output)."""
    req = np.isin(flat.node_key, np.asarray(flat.output_keys, dtype=np.int64))
    from_node = flat.edge_src >= 0
    src = np.where(from_node, flat.edge_src, 0)
    while True:
        grow = from_node & req[flat.edge_dst]
        grow &= ~req[src]
        if not grow.any():
            return req
        req[src[grow]] = True


def evaluation_levels(flat: FlatPopulation, required: np.ndarray) -> np.ndarray:
    """[N] int: the step at which each node is evaluated, -1 for nodes never evaluated.

    Level 0 holds nodes that need no other node (bias neurons, nodes fed only by inputs);
    a node's level is one more than the highest level among the nodes feeding it.
    """
    n = flat.num_nodes
    live = (flat.edge_src >= 0) & required[flat.edge_dst]
    src = flat.edge_src[live]
    dst = flat.edge_dst[live]
    indeg = np.bincount(dst, minlength=n)
    level = np.full(n, -1, dtype=np.int64)
    frontier = required & (indeg == 0)
    t = 0
    while frontier.any():
        level[frontier] = t
        hit = frontier[src]
        dec = np.bincount(dst[hit], minlength=n)
        indeg -= dec
        frontier = (dec > 0) & (indeg == 0) & (level < 0)
        t += 1
    return level


def runs(codes: np.ndarray) -> list[tuple[int, int, int]]:
    """(code, start, end) of each run of equal consecutive values."""
    if len(codes) == 0:
        return []
    cut = np.flatnonzero(np.diff(codes)) + 1
    starts = np.concatenate([[0], cut])
    ends = np.concatenate([cut, [len(codes)]])
    return [(int(codes[s]), int(s), int(e)) for s, e in zip(starts, ends)]
