"""Vectorized NEAT speciation: neat-python's ``DefaultSpeciesSet``, same species, numpy distances.

neat-python's :class:`neat.DefaultSpeciesSet` places genomes into species with the greedy
scheme of Stanley & Miikkulainen (2002, "Evolving Neural Networks through Augmenting
Topologies", Evol. Comput. 10(2), sec. 3.3): each existing species takes as new
representative the genome closest to its old one, then every other genome, in ascending
key order, joins the species whose representative is closest if that distance is below
``compatibility_threshold``, or founds a new species. That costs one Python call to
``genome.distance`` per (genome, species) pair, which dominates a generation at 10,000
genomes.

:class:`FastSpeciesSet` runs the same greedy algorithm but computes, for one representative
at a time, its distance to every genome in a few numpy operations over a flat table of all
node and connection genes. Each distance is computed with the same floating-point
operations in the same order as ``DefaultGenome.distance`` (homologous gene terms summed in
the representative's gene order), and the pairs neat-python's ``GenomeDistanceCache``
would have answered from its cache take the cached value, so the distances are bit for bit
neat-python's and the species -- representatives, member lists and their order, new species
ids -- are exactly the same. The "Mean genetic distance" line sent to the reporters
averages the same set of cached pairs (equal to about 1e-12: numpy sums in another order).

Where genomes are not plain neat-python genomes (other gene types, another ``distance``),
it falls back to neat-python's own code, so it is always safe to use.

Example::

    import neat
    from neuroevo.config import PluginConfig
    from neuroevo.strategies.neat.speciation import FastSpeciesSet

    config = PluginConfig(neat.DefaultGenome, neat.DefaultReproduction,
                          FastSpeciesSet, neat.DefaultStagnation, "xor.ini")
    population = neat.Population(config, seed=1)   # speciates 10,000 genomes in ~10 ms
"""

from __future__ import annotations

import math
from collections.abc import Callable
from itertools import chain
from operator import attrgetter
from typing import Any

import numpy as np
from neat.genes import DefaultConnectionGene, DefaultNodeGene
from neat.genome import DefaultGenome
from neat.species import DefaultSpeciesSet, Species

__all__ = ["FastSpeciesSet", "GeneColumns", "supports_fast_distance"]


def supports_fast_distance(genome_config: Any, genomes: Any) -> bool:
    """True when every genome uses neat-python's default genes and ``DefaultGenome.distance``.

    Example::

        supports_fast_distance(config.genome_config, population.values())  # -> True
    """
    if genome_config.node_gene_type is not DefaultNodeGene:
        return False
    if genome_config.connection_gene_type is not DefaultConnectionGene:
        return False
    return all(type(g).distance is DefaultGenome.distance for g in genomes)


_NODE_ATTRS = attrgetter("bias", "response", "time_constant", "activation", "aggregation")
_CONN_ATTRS = attrgetter("weight", "enabled")
_NODES = attrgetter("nodes")
_CONNS = attrgetter("connections")


def _dense_ids(codes: np.ndarray) -> tuple[np.ndarray, int]:
    """Ids 0..K-1 of integer codes (equal codes, equal ids) and K."""
    if len(codes) == 0:
        return codes, 0
    distinct, inverse = np.unique(codes, return_inverse=True)
    return inverse.reshape(-1), len(distinct)


def _ids(values: tuple[Any, ...]) -> np.ndarray:
    """Small integer ids of hashable values (equal values, equal ids)."""
    distinct = set(values)
    if len(distinct) <= 1:
        return np.zeros(len(values), dtype=np.int64)
    table = {v: i for i, v in enumerate(distinct)}
    return np.fromiter((table[v] for v in values), dtype=np.int64, count=len(values))


class GeneColumns:
    """All node and connection genes of a list of genomes, as flat numpy columns.

    Row order is genome order, then each genome's own dict order, which is the order
    ``DefaultGenome.distance`` sums homologous genes in.

    Example::

        table = GeneColumns(list(population.values()), config.genome_config)
        d = table.distances_from(0)        # distance of genome 0 to every genome
    """

    def __init__(self, genomes: list[Any], genome_config: Any) -> None:
        self.size = len(genomes)
        self.disjoint_coefficient = float(genome_config.compatibility_disjoint_coefficient)
        self.weight_coefficient = float(genome_config.compatibility_weight_coefficient)
        node_keys: list[Any] = []
        node_rows: list[Any] = []
        conn_keys: list[Any] = []
        conn_rows: list[Any] = []
        for g in genomes:  # C-level extends: the only per-genome Python loop
            nodes = g.nodes
            conns = g.connections
            node_keys += nodes
            node_rows += map(_NODE_ATTRS, nodes.values())
            conn_keys += conns
            conn_rows += map(_CONN_ATTRS, conns.values())
        n_nodes = np.fromiter(map(len, map(_NODES, genomes)), dtype=np.int64, count=self.size)
        n_conns = np.fromiter(map(len, map(_CONNS, genomes)), dtype=np.int64, count=self.size)
        self.n_nodes, self.n_conns = n_nodes, n_conns
        self.node_start = np.concatenate(([0], np.cumsum(n_nodes)))
        self.conn_start = np.concatenate(([0], np.cumsum(n_conns)))
        self.node_owner = np.repeat(np.arange(self.size), n_nodes)
        self.conn_owner = np.repeat(np.arange(self.size), n_conns)

        bias, resp, tc, act, agg = zip(*node_rows) if node_rows else ((),) * 5
        self.node_key, self.n_node_keys = _dense_ids(np.array(node_keys, dtype=np.int64))
        self.node_float = [
            np.array(bias, dtype=np.float64),
            np.array(resp, dtype=np.float64),
            np.array(tc, dtype=np.float64),
        ]
        self.node_act, self.node_agg = _ids(act), _ids(agg)

        weight, enabled = zip(*conn_rows) if conn_rows else ((), ())
        pairs = np.fromiter(
            chain.from_iterable(conn_keys), dtype=np.int64, count=2 * len(conn_keys)
        ).reshape(-1, 2)
        # Each end is ranked first, so the combined code stays below (number of genes)**2
        # whatever the node keys (keys near 2**62 overflowed `in * span + out`).
        ins, n_ins = _dense_ids(pairs[:, 0])
        outs, n_outs = _dense_ids(pairs[:, 1])
        self.conn_key, self.n_conn_keys = _dense_ids(ins * max(n_outs, 1) + outs)
        self.conn_weight = np.array(weight, dtype=np.float64)
        self.conn_enabled = np.array(enabled, dtype=bool)

    def _gene_sums(
        self,
        rep: int,
        start: np.ndarray,
        key: np.ndarray,
        owner: np.ndarray,
        n_keys: int,
        term: Callable[[np.ndarray, np.ndarray], np.ndarray],
    ) -> tuple[np.ndarray, np.ndarray]:
        """Sum of homologous gene terms (in the rep's gene order) and match counts, per genome."""
        lo, hi = int(start[rep]), int(start[rep + 1])
        width = hi - lo
        acc = np.zeros(self.size)
        if width == 0:
            return acc, np.zeros(self.size, dtype=np.int64)
        column = np.full(n_keys, -1, dtype=np.int64)
        column[key[lo:hi]] = np.arange(width)
        col = column[key]
        hit = np.nonzero(col >= 0)[0]
        col = col[hit]
        terms = np.zeros((self.size, width))
        terms[owner[hit], col] = term(hit, lo + col)
        for j in range(width):  # sequential, like `node_distance += ...`
            acc = acc + terms[:, j]
        return acc, np.bincount(owner[hit], minlength=self.size)

    def _node_term(self, rows: np.ndarray, rep_rows: np.ndarray) -> np.ndarray:
        b, r, t = self.node_float
        d: np.ndarray = np.abs(b[rep_rows] - b[rows]) + np.abs(r[rep_rows] - r[rows])
        d = d + np.abs(t[rep_rows] - t[rows])
        d = d + (self.node_act[rep_rows] != self.node_act[rows])
        d = d + (self.node_agg[rep_rows] != self.node_agg[rows])
        return d * self.weight_coefficient

    def _conn_term(self, rows: np.ndarray, rep_rows: np.ndarray) -> np.ndarray:
        d: np.ndarray = np.abs(self.conn_weight[rep_rows] - self.conn_weight[rows])
        d = d + (self.conn_enabled[rep_rows] != self.conn_enabled[rows])
        return d * self.weight_coefficient

    def _part(self, acc: np.ndarray, matches: np.ndarray, n_rep: int, n: np.ndarray) -> np.ndarray:
        disjoint = (n_rep + n) - 2 * matches
        larger = np.maximum(n, n_rep)
        with np.errstate(invalid="ignore", divide="ignore"):
            part = (acc + self.disjoint_coefficient * disjoint) / larger
        out: np.ndarray = np.where(larger > 0, part, 0.0)
        return out

    def distances_from(self, rep: int) -> np.ndarray:
        """``genomes[rep].distance(g, config)`` for every genome ``g``, bit for bit."""
        acc, m = self._gene_sums(
            rep, self.node_start, self.node_key, self.node_owner, self.n_node_keys, self._node_term
        )
        nodes = self._part(acc, m, int(self.n_nodes[rep]), self.n_nodes)
        acc, m = self._gene_sums(
            rep, self.conn_start, self.conn_key, self.conn_owner, self.n_conn_keys, self._conn_term
        )
        conns = self._part(acc, m, int(self.n_conns[rep]), self.n_conns)
        total: np.ndarray = nodes + conns
        return total


class _PairLog:
    """The distinct genome pairs neat-python's distance cache would hold, for its mean/stdev."""

    def __init__(self) -> None:
        self.values: list[np.ndarray] = []
        self.weights: list[np.ndarray] = []

    def add(self, values: np.ndarray, weights: np.ndarray) -> None:
        self.values.append(values)
        self.weights.append(weights)

    def mean_stdev(self) -> tuple[float, float]:
        v = np.concatenate(self.values)
        w = np.concatenate(self.weights).astype(np.float64)
        mean = float(np.sum(v * w) / np.sum(w))
        return mean, math.sqrt(float(np.sum(w * (v - mean) ** 2) / np.sum(w)))


class FastSpeciesSet(DefaultSpeciesSet):  # type: ignore[misc]  # neat-python is untyped
    """neat-python's ``DefaultSpeciesSet`` with numpy genome distances (identical species).

    Use it as the ``species_set_type`` of a config. Its settings are neat-python's
    ``DefaultSpeciesSet`` settings, so it reads the INI section ``[DefaultSpeciesSet]``
    (``config_section``; :class:`neuroevo.config.PluginConfig` and
    :func:`neuroevo.load_config` honour it): existing neat-python INI files work unchanged
    and ``config.save()`` writes files plain neat-python reads back.

    Example::

        config = PluginConfig(neat.DefaultGenome, neat.DefaultReproduction,
                              FastSpeciesSet, neat.DefaultStagnation, "xor.ini")
    """

    #: the INI section holding this plug-in's settings (see neuroevo.config.config_section)
    config_section = "DefaultSpeciesSet"

    def speciate(self, config: Any, population: dict[Any, Any], generation: int) -> None:
        """Place genomes into species exactly as ``DefaultSpeciesSet.speciate`` does."""
        old = [(sid, self.species[sid].representative) for sid in sorted(self.species)]
        if (
            not isinstance(population, dict)
            or len(population) <= len(old)
            or not supports_fast_distance(
                config.genome_config, [*population.values(), *(r for _, r in old)]
            )
            or any(r.key in population and population[r.key] is not r for _, r in old)
        ):
            super().speciate(config, population, generation)
            return
        threshold = self.species_set_config.compatibility_threshold
        keys = sorted(population)
        n = len(keys)
        pos = {k: i for i, k in enumerate(keys)}
        extra = [r for _, r in old if r.key not in pos]
        entity = {**pos, **{r.key: n + j for j, r in enumerate(extra)}}
        table = GeneColumns([population[k] for k in keys] + extra, config.genome_config)
        log = _PairLog() if self.reporters.reporters else None

        # Phase 1: each old species takes the unspeciated genome closest to its old rep.
        unspeciated = np.ones(n, dtype=bool)
        cached: dict[int, tuple[np.ndarray, np.ndarray]] = {}  # old reps in the population
        new_reps: dict[int, int] = {}
        members: dict[int, list[int]] = {}
        for sid, rep in old:
            d = table.distances_from(entity[rep.key])[:n]
            fresh = unspeciated.copy()
            rp = pos.get(rep.key)
            if rp is not None:
                for gp, (vec, mask) in cached.items():  # pair cached with roles swapped
                    if unspeciated[gp] and mask[rp]:
                        d[gp] = vec[rp]
                        fresh[gp] = False
                cached[rp] = (d, unspeciated.copy())
            if log is not None:
                w = np.where(fresh, 2, 0)
                if rp is not None and unspeciated[rp]:
                    w[rp] = 1
                log.add(d, w)
            best = int(np.argmin(np.where(unspeciated, d, np.inf)))
            new_reps[sid] = best
            members[sid] = [best]
            unspeciated[best] = False

        # Phase 2: the rest, in key order, join the closest species under the threshold.
        rows = np.nonzero(unspeciated)[0]
        best_d = np.full(len(rows), np.inf)
        best_sid = np.zeros(len(rows), dtype=np.int64)

        def column(rep_pos: int, first: int) -> np.ndarray:
            """Distances (as neat-python's cache returns them) of rep to rows[first:]."""
            r = rows[first:]
            if rep_pos in cached:
                return cached[rep_pos][0][r]
            d = table.distances_from(rep_pos)[r]
            fresh = np.ones(len(r), dtype=bool)
            for gp, (vec, mask) in cached.items():
                if mask[rep_pos]:
                    hit = np.nonzero(r == gp)[0]
                    if len(hit):
                        d[hit] = vec[rep_pos]
                        fresh[hit] = False
            if log is not None:
                log.add(d, np.where(fresh, 2, 0))
            return d

        def offer(sid: int, d: np.ndarray, first: int) -> None:
            better = (d < threshold) & (d < best_d[first:])  # ties keep the older species
            idx = np.nonzero(better)[0] + first
            best_d[idx] = d[better]
            best_sid[idx] = sid

        for sid, rp in new_reps.items():
            offer(sid, column(rp, 0), 0)
        i = 0
        while True:
            orphans = np.nonzero(np.isinf(best_d[i:]))[0]
            if len(orphans) == 0:
                break
            i += int(orphans[0])
            sid = next(self.indexer)
            new_reps[sid] = int(rows[i])
            members[sid] = []
            best_d[i] = -1.0  # founder: assigned to its own species
            best_sid[i] = sid
            if i + 1 < len(rows):
                offer(sid, column(int(rows[i]), i + 1), i + 1)
            i += 1
        for r, sid in zip(rows.tolist(), best_sid.tolist()):
            members[sid].append(r)

        self._update(population, generation, keys, new_reps, members)
        if log is not None and len(population) > 1:
            gdmean, gdstdev = log.mean_stdev()
            self.reporters.info(
                f"Mean genetic distance {gdmean:.3f}, standard deviation {gdstdev:.3f}"
            )

    def _update(
        self,
        population: dict[Any, Any],
        generation: int,
        keys: list[Any],
        new_reps: dict[Any, Any],
        members: dict[Any, Any],
    ) -> None:
        """Install the new representatives and members (same order as neat-python)."""
        self.genome_to_species = {}
        for sid in sorted(new_reps):
            s = self.species.get(sid)
            if s is None:
                s = Species(sid, generation)
                self.species[sid] = s
            gids = [keys[p] for p in members[sid]]
            for gid in gids:
                self.genome_to_species[gid] = sid
            s.update(population[keys[new_reps[sid]]], {gid: population[gid] for gid in gids})
