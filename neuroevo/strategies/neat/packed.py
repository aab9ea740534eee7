"""NEAT genomes as a few flat arrays for the trip to a worker, and genomes again there.

A generation's genomes travel as :class:`PackedGenomes`: per genome its key and its node and
connection counts; per node gene its key, bias, response and activation/aggregation codes
(into two short name tables); per connection gene its input and output keys (an index into
a table of the distinct key pairs of the generation), weight and enabled flag -- every gene, in each genome's dict order, so the genomes rebuilt in the
worker compile to exactly the network of the originals (the order of connections into a
node is the order of its sums, see :mod:`neuroevo.compile.graph`). Values stay float64
(neat-python's own floats), so nothing is rounded on the way. The 200 generation-0 genomes
of ``benchmarks/gym_rollout.py`` (LunarLander: 4 nodes, 32 connections each) take 93 kB,
against 333 kB for the pickled neat-python genomes, to which ``neat.ParallelEvaluator``
adds the 5 kB genome config with every genome.

:func:`unpack_genomes` rebuilds light genome objects (``key``, ``nodes``, ``connections``
with neat-python's attribute names) that :func:`neuroevo.compile_population` and the
recurrent compiler accept; the worker compiles them with the genome config it got once.

Example::

    packed = pack_genomes(genomes)                 # in the driver
    part = packed.select(np.array([0, 5, 7]))       # a slice, still arrays
    net = compile_population(unpack_genomes(part), genome_config)   # in the worker
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Sequence
from typing import Any

import numpy as np


@dataclasses.dataclass
class PackedGenomes:
    """The genes of P genomes as flat arrays (N node genes, E connection genes in all)."""

    key: np.ndarray  # [P] genome keys
    node_count: np.ndarray  # [P] int32
    conn_count: np.ndarray  # [P] int32
    node_key: np.ndarray  # [N]
    bias: np.ndarray  # [N] float64
    response: np.ndarray  # [N] float64
    activation: np.ndarray  # [N] int16 code into activation_names
    aggregation: np.ndarray  # [N] int16 code into aggregation_names
    activation_names: tuple[str, ...]
    aggregation_names: tuple[str, ...]
    conn_pairs: np.ndarray  # [U, 2] the distinct (input, output) keys of all connections
    conn_index: np.ndarray  # [E] row of conn_pairs (uint16 when U allows)
    weight: np.ndarray  # [E] float64
    enabled: np.ndarray  # [E] bool

    @property
    def num_genomes(self) -> int:
        return len(self.key)

    def enabled_connections(self) -> np.ndarray:
        """[P] enabled connections of each genome (its network's size)."""
        # differences of the running count at each genome's end: a genome without connection
        # genes (anywhere, the last included) counts 0
        running = np.concatenate([[0], np.cumsum(self.enabled, dtype=np.int64)])
        ends = np.cumsum(self.conn_count, dtype=np.int64)
        return running[ends] - running[ends - self.conn_count.astype(np.int64)]

    def select(self, positions: np.ndarray) -> PackedGenomes:
        """The genomes at ``positions`` (in that order), still packed."""
        positions = np.asarray(positions, dtype=np.int64)
        nodes = _ranges(self.node_count, positions)
        conns = _ranges(self.conn_count, positions)
        return dataclasses.replace(
            self,
            key=self.key[positions],
            node_count=self.node_count[positions],
            conn_count=self.conn_count[positions],
            node_key=self.node_key[nodes],
            bias=self.bias[nodes],
            response=self.response[nodes],
            activation=self.activation[nodes],
            aggregation=self.aggregation[nodes],
            conn_index=self.conn_index[conns],
            weight=self.weight[conns],
            enabled=self.enabled[conns],
        )

    def nbytes(self) -> int:
        """Bytes of the arrays (what travels, besides a few hundred bytes of framing)."""
        return sum(v.nbytes for v in vars(self).values() if isinstance(v, np.ndarray))

    def digest(self, position: int) -> str:
        """A hash of the network of the genome at ``position``: its genes in order, with
        names and connection keys read through this generation's tables, without its key. Two
        genomes with the same digest compile to the same network; one genome has the same
        digest in every generation."""
        one = self.select(np.array([position]))
        h = hashlib.blake2b(b"neat", digest_size=16)
        for part in (
            one.node_key.astype(np.int64),
            one.bias,
            one.response,
            self.conn_pairs[one.conn_index.astype(np.int64)].astype(np.int64),
            one.weight,
            one.enabled,
        ):
            h.update(np.ascontiguousarray(part).tobytes())
            h.update(b"|")
        names = [self.activation_names[a] for a in one.activation] + [
            self.aggregation_names[a] for a in one.aggregation
        ]
        h.update("\0".join(names).encode())
        return h.hexdigest()


def _ranges(counts: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """Indices of the genes of the genomes at ``positions``, genome after genome."""
    starts = np.concatenate([[0], np.cumsum(counts, dtype=np.int64)[:-1]])
    lengths = counts[positions].astype(np.int64)
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    # for each gene: its genome's start plus its rank within the genome
    offsets = np.repeat(starts[positions] - np.concatenate([[0], np.cumsum(lengths)[:-1]]), lengths)
    return np.arange(total, dtype=np.int64) + offsets


def _keys(values: list[int]) -> np.ndarray:
    """int32 when every key fits (the usual case), else int64."""
    arr = np.asarray(values, dtype=np.int64)
    if len(arr) and (arr.min() < -(2**31) or arr.max() >= 2**31):
        return arr
    return arr.astype(np.int32)


def pack_genomes(genomes: Sequence[Any]) -> PackedGenomes:
    """Read neat-python genomes (``nodes``/``connections`` dicts of genes) into arrays."""
    act: dict[str, int] = {}
    agg: dict[str, int] = {}
    node_count, conn_count = [], []
    node_key, bias, response, acts, aggs = [], [], [], [], []
    conn_in, conn_out, weight, enabled = [], [], [], []
    for g in genomes:
        nodes, conns = g.nodes, g.connections
        node_count.append(len(nodes))
        conn_count.append(len(conns))
        for k, n in nodes.items():
            node_key.append(k)
            bias.append(n.bias)
            response.append(n.response)
            acts.append(act.setdefault(n.activation, len(act)))
            aggs.append(agg.setdefault(n.aggregation, len(agg)))
        for (i, o), c in conns.items():
            conn_in.append(i)
            conn_out.append(o)
            weight.append(c.weight)
            enabled.append(c.enabled)
    pairs = np.stack([_keys(conn_in), _keys(conn_out)], axis=1).reshape(-1, 2)
    table, index = np.unique(pairs, axis=0, return_inverse=True)
    return PackedGenomes(
        key=_keys([g.key for g in genomes]),
        node_count=np.asarray(node_count, dtype=np.int32),
        conn_count=np.asarray(conn_count, dtype=np.int32),
        node_key=_keys(node_key),
        bias=np.asarray(bias, dtype=np.float64),
        response=np.asarray(response, dtype=np.float64),
        activation=np.asarray(acts, dtype=np.int16),
        aggregation=np.asarray(aggs, dtype=np.int16),
        activation_names=tuple(act),
        aggregation_names=tuple(agg),
        conn_pairs=table,
        conn_index=index.reshape(-1).astype(np.uint16 if len(table) <= 2**16 else np.int32),
        weight=np.asarray(weight, dtype=np.float64),
        enabled=np.asarray(enabled, dtype=bool),
    )


class NodeGene:
    """A node gene as the compilers read it (neat-python's attribute names)."""

    __slots__ = ("key", "bias", "response", "activation", "aggregation")

    def __init__(
        self, key: int, bias: float, response: float, activation: str, aggregation: str
    ) -> None:
        self.key, self.bias, self.response = key, bias, response
        self.activation, self.aggregation = activation, aggregation


class ConnectionGene:
    """A connection gene as the compilers read it."""

    __slots__ = ("key", "weight", "enabled")

    def __init__(self, key: tuple[int, int], weight: float, enabled: bool) -> None:
        self.key, self.weight, self.enabled = key, weight, enabled


class Genome:
    """A genome rebuilt from arrays: ``key``, ``nodes`` and ``connections`` in gene order."""

    __slots__ = ("key", "nodes", "connections", "fitness")

    def __init__(self, key: int) -> None:
        self.key = key
        self.nodes: dict[int, NodeGene] = {}
        self.connections: dict[tuple[int, int], ConnectionGene] = {}
        self.fitness: float | None = None


def unpack_genomes(packed: PackedGenomes) -> list[Genome]:
    """Genomes with the genes of ``packed``, in the same order (the worker's side)."""
    acts, aggs = packed.activation_names, packed.aggregation_names
    node_rows = zip(
        packed.node_key.tolist(),
        packed.bias.tolist(),
        packed.response.tolist(),
        packed.activation.tolist(),
        packed.aggregation.tolist(),
    )
    ends = packed.conn_pairs[packed.conn_index.astype(np.int64)]
    conn_rows = zip(
        ends[:, 0].tolist(), ends[:, 1].tolist(), packed.weight.tolist(), packed.enabled.tolist()
    )
    out = []
    for key, n_nodes, n_conns in zip(
        packed.key.tolist(), packed.node_count.tolist(), packed.conn_count.tolist()
    ):
        g = Genome(key)
        for _ in range(n_nodes):
            k, b, r, a, s = next(node_rows)
            g.nodes[k] = NodeGene(k, b, r, acts[a], aggs[s])
        for _ in range(n_conns):
            i, o, w, e = next(conn_rows)
            g.connections[(i, o)] = ConnectionGene((i, o), w, e)
        out.append(g)
    return out


__all__ = ["Genome", "PackedGenomes", "pack_genomes", "unpack_genomes"]
