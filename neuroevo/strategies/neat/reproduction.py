"""A faster drop-in for neat-python's ``DefaultReproduction``: the same offspring counts, with
the per-gene attribute work of a whole generation done in a few numpy operations.

At 10,000 genomes most of a neat-python generation is reproduction, and most of that is
per-gene Python: ``configure_crossover`` copies or crosses every gene of every child one
attribute at a time, then ``mutate`` draws one or two random numbers per attribute.
:class:`FastReproduction` keeps everything that decides *how many* and *which* exactly as
neat-python 2.0 does -- stagnation, adjusted fitness, ``compute_spawn`` and
``_adjust_spawn_exact`` (neat-python's own methods), elites, the survival threshold, the
fitter-parent rule, innovation tracking, node ids, and the structural mutations, which are
neat-python's own genome methods (``mutate_add_node`` ...) fired with neat-python's
probabilities -- and does the attribute work for all children at once:

1. parents are picked uniformly among each species' survivors (``random.choice`` twice in
   neat-python), as integer arrays;
2. crossover (Stanley & Miikkulainen 2002, "Evolving Neural Networks through Augmenting
   Topologies", Evol. Comput. 10(2), sec. 3.2): a child has its fitter parent's genes; a gene
   whose innovation number (connections) or key (nodes) the other parent also has takes
   each attribute from either parent with probability 1/2, and a connection disabled in
   either parent is disabled with probability 3/4. Matching is a ``searchsorted`` over all
   parents' genes;
3. every attribute mutation (:mod:`neuroevo.strategies.neat.mutation`) on the arrays;
4. genomes and genes are built once, with the final values (plain ``DefaultNodeGene`` /
   ``DefaultConnectionGene`` with their usual attributes), then the structural mutations
   run on them. neat-python mutates attributes *after* the structural mutations, so the
   genes those create or touch are mutated afterwards in one more batch: new genes from
   their starting values, the connection split by ``mutate_add_node`` gets its enabled
   flag mutated from ``False`` and its new outgoing connection starts from the split
   connection's weight before mutation, as in neat-python.

The random numbers come from a ``numpy.random.Generator`` seeded by one
``random.getrandbits(64)`` per generation, so a run seeded with
``neat.Population(config, seed=s)`` is reproducible and a checkpoint of ``random``'s state
(:mod:`neuroevo.strategies.neat.state`) resumes it exactly. The draws differ from neat-python's, so
runs are statistically, not bit-for-bit, equal to neat-python's (see
tests/strategies/test_neat_reproduction.py). Configs with other genome or gene classes fall
back to neat-python's ``reproduce``, as do children whose fitter parent has a cycle in a
feed-forward config (those are made by the genome's own methods).

Example::

    import neat
    from neuroevo.strategies.neat.reproduction import FastReproduction

    config = neat.Config(neat.DefaultGenome, FastReproduction, neat.DefaultSpeciesSet,
                         neat.DefaultStagnation, "xor.ini")   # reads [DefaultReproduction]
"""

from __future__ import annotations

from neuroevo.strategies.neat.runtime import quiet_collector
import math
import random
import warnings
from typing import Any

import numpy as np
from neat.genes import DefaultConnectionGene, DefaultNodeGene
from neat.genome import DefaultGenome
from neat.math_util import mean
from neat.reproduction import DefaultReproduction

from neuroevo.strategies.neat.mutation import (FloatSettings, mutate_bools,
                                                   mutate_choices, mutate_floats)
from neuroevo.strategies.neat.genome import FastGenome, _parent_acyclic, _supported

__all__ = ["FastReproduction"]

_new = object.__new__
_HALF = np.int64(1) << 31
_ADD_NODE, _DEL_NODE, _ADD_CONN, _DEL_CONN = 1, 2, 4, 8


def _fast_path(config: Any) -> bool:
    """neat-python's default genome (or FastGenome) and gene classes: what this file handles."""
    return config.genome_type in (DefaultGenome, FastGenome) and _supported(config.genome_config)


class _Settings:
    """Every attribute setting of a genome config, read once per generation."""

    def __init__(self, gc: Any) -> None:
        weight, enabled = DefaultConnectionGene._gene_attributes
        bias, response, act, agg, tc = DefaultNodeGene._gene_attributes
        self.weight = FloatSettings.read(weight, gc)
        self.enabled = (float(getattr(gc, enabled.mutate_rate_name)),
                        float(getattr(gc, enabled.rate_to_false_add_name)),
                        float(getattr(gc, enabled.rate_to_true_add_name)))
        self.floats = [FloatSettings.read(a, gc) for a in (bias, response, tc)]
        self.strings = [(a.name, float(getattr(gc, a.mutate_rate_name)),
                         list(getattr(gc, a.options_name))) for a in (act, agg)]


class _Vocab:
    """Strings (activation or aggregation names) as integer codes, options first."""

    def __init__(self, options: list[str]) -> None:
        self.names: list[str] = []
        self.code: dict[str, int] = {}
        self.options = np.array([self.add(o) for o in options], dtype=np.int64)

    def add(self, name: str) -> int:
        c = self.code.get(name)
        if c is None:
            c = self.code[name] = len(self.names)
            self.names.append(name)
        return c

    def codes(self, names: list[str]) -> np.ndarray:
        return np.array([self.add(n) for n in names], dtype=np.int64)


def _rows(starts: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Concatenated ranges ``starts[i] : starts[i] + counts[i]`` and, per child, its offset."""
    offsets = np.concatenate(([0], np.cumsum(counts)))
    total = int(offsets[-1])
    return np.repeat(starts - offsets[:-1], counts) + np.arange(total), offsets


def _match(parent_of_row: np.ndarray, ids: np.ndarray, want_parent: np.ndarray,
           want_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each (want_parent, want_id), the row of that parent's gene with that id, if any."""
    table = (parent_of_row.astype(np.int64) << 32) | (ids + _HALF)
    order = np.argsort(table, kind="stable")
    table = table[order]
    query = (want_parent.astype(np.int64) << 32) | (want_ids + _HALF)
    pos = np.minimum(np.searchsorted(table, query), max(len(table) - 1, 0))
    if len(table) == 0:
        return np.zeros(len(query), dtype=bool), np.zeros(len(query), dtype=np.int64)
    return table[pos] == query, order[pos]


def _pick(take_second: np.ndarray, first: np.ndarray, second: np.ndarray) -> np.ndarray:
    return np.where(take_second, second, first)


class FastReproduction(DefaultReproduction):
    """``neat.DefaultReproduction`` with vectorised crossover and attribute mutation.

    Use it as the ``reproduction_type`` of a ``neat.Config``; it answers to the name
    ``DefaultReproduction``, so neat-python INI files work unchanged. Offspring counts,
    elites and parent pools equal neat-python's; gene values are drawn from the same
    distributions with numpy's generator (statistically, not bit-for-bit, equal).

    Example::

        config = neat.Config(neat.DefaultGenome, FastReproduction, neat.DefaultSpeciesSet,
                             neat.DefaultStagnation, "xor.ini")
        winner = neat.Population(config, seed=1).run(eval_genomes, 100)
    """

    def _plan(self, species: Any, pop_size: int, generation: int) -> list | None:
        """neat-python's bookkeeping: per surviving species, (elites, parent pool, children).

        Same stagnation, adjusted fitness, spawn counts, elites and survival cutoff as
        ``DefaultReproduction.reproduce``; ``None`` when every species is stagnant.
        """
        rc = self.reproduction_config
        fitnesses: list[float] = []
        remaining = []
        for sid, s, stagnant in self.stagnation.update(species, generation):
            if stagnant:
                self.reporters.species_stagnant(sid, s)
            else:
                fitnesses.extend(m.fitness for m in s.members.values())
                remaining.append(s)
        if not remaining:
            species.species = {}
            return None
        low = min(fitnesses)
        span = max(1.0, max(fitnesses) - low)
        for s in remaining:
            s.adjusted_fitness = (mean([m.fitness for m in s.members.values()]) - low) / span
        adjusted = [s.adjusted_fitness for s in remaining]
        self.reporters.info(f"Average adjusted fitness: {mean(adjusted):.3f}")
        min_size = max(rc.min_species_size, rc.elitism)
        spawn = self.compute_spawn(adjusted, [len(s.members) for s in remaining], pop_size,
                                   min_size)
        spawn = self._adjust_spawn_exact(spawn, pop_size, min_size)

        jobs = []
        species.species = {}
        for n, s in zip(spawn, remaining):
            n = max(n, rc.elitism)
            members = sorted(s.members.items(), reverse=True,
                             key=lambda item: (item[1].fitness, item[0]))
            s.members = {}
            species.species[s.key] = s
            elites = members[:rc.elitism] if rc.elitism > 0 else []
            n -= len(elites)
            cutoff = max(int(math.ceil(rc.survival_threshold * len(members))), 2)
            jobs.append((elites, members[:cutoff], max(n, 0)))
        return jobs

    def reproduce(self, config: Any, species: Any, pop_size: int, generation: int) -> dict:
        """The next generation: neat-python's counts and rules, gene work vectorised."""
        if not _fast_path(config):
            return super().reproduce(config, species, pop_size, generation)
        with quiet_collector():  # results unaffected; see neuroevo/strategies/neat/runtime.py
            return self._reproduce(config, species, pop_size, generation)

    def _reproduce(self, config: Any, species: Any, pop_size: int, generation: int) -> dict:
        gc = config.genome_config
        gc.innovation_tracker = self.innovation_tracker
        self.innovation_tracker.reset_generation()
        jobs = self._plan(species, pop_size, generation)
        if jobs is None:
            return {}
        rng = np.random.default_rng(random.getrandbits(64))

        parents: list = []
        firsts, seconds = [], []
        for _, pool, n in jobs:
            picks = rng.integers(0, len(pool), size=(n, 2)) + len(parents)
            parents.extend(g for _, g in pool)
            firsts.append(picks[:, 0])
            seconds.append(picks[:, 1])
        a = np.concatenate(firsts) if firsts else np.zeros(0, np.int64)
        b = np.concatenate(seconds) if seconds else np.zeros(0, np.int64)
        fitness = np.array([g.fitness for g in parents], dtype=np.float64)
        a_fitter = fitness[a] > fitness[b]            # neat-python: else the second parent
        fit, other = np.where(a_fitter, a, b), np.where(a_fitter, b, a)
        children = self._make(gc, parents, fit, other, rng, config.genome_type)

        new_population: dict = {}
        at = 0
        for elites, pool, n in jobs:
            new_population.update(elites)
            for k in range(at, at + n):
                gid = next(self.genome_indexer)
                child = children[k]
                child.key = gid
                new_population[gid] = child
                self.ancestors[gid] = (parents[a[k]].key, parents[b[k]].key)
            at += n
        return new_population

    def _make(self, gc: Any, parents: list, fit: np.ndarray, other: np.ndarray,
              rng: np.random.Generator, genome_type: type) -> list:
        """Children of (fitter, other) parent pairs: crossover, then mutation."""
        st = _Settings(gc)
        n_children = len(fit)
        acts, aggs = (_Vocab(opts) for _, _, opts in st.strings)

        # All parents' genes as flat arrays (rows), in each parent's dict order.
        conn_genes = [list(g.connections.values()) for g in parents]
        node_genes = [list(g.nodes.values()) for g in parents]
        c_len = np.array([len(c) for c in conn_genes], dtype=np.int64)
        n_len = np.array([len(n) for n in node_genes], dtype=np.int64)
        cg = [c for genes in conn_genes for c in genes]
        ng = [n for genes in node_genes for n in genes]
        c_key = [c.key for c in cg]
        c_inn = [c.innovation for c in cg]
        c_keys = np.array(c_key, dtype=np.int64).reshape(-1, 2)
        c_w = np.array([c.weight for c in cg], dtype=np.float64)
        c_en = np.array([c.enabled for c in cg], dtype=bool)
        n_key = [n.key for n in ng]
        n_keys = np.array(n_key, dtype=np.int64)
        n_float = [np.array([getattr(n, s.name) for n in ng], dtype=np.float64)
                   for s in st.floats]
        n_act = acts.codes([n.activation for n in ng])
        n_agg = aggs.codes([n.aggregation for n in ng])

        # Children whose fitter parent has a cycle (feed-forward configs): neat-python skips
        # inherited genes that would close one, so those use the genome's own methods.
        slow = np.zeros(n_children, dtype=bool)
        if gc.feed_forward:
            cyclic = np.array([not _parent_acyclic(g) for g in parents], dtype=bool)
            slow = cyclic[fit]
        quick = np.flatnonzero(~slow)
        f, o = fit[quick], other[quick]

        # Connections: the fitter parent's genes, matched in the other by innovation number.
        c_start = np.concatenate(([0], np.cumsum(c_len)))
        row1, c_off = _rows(c_start[f], c_len[f])
        child_of = np.repeat(np.arange(len(f)), c_len[f])
        inn = np.array(c_inn, dtype=np.int64)
        hit, row2 = _match(np.repeat(np.arange(len(parents)), c_len), inn, o[child_of], inn[row1])
        collide = hit & (c_keys[row2] != c_keys[row1]).any(axis=1)
        if collide.any():
            k = int(np.flatnonzero(collide)[0])
            warnings.warn(
                f"Innovation number collision: innovation {c_inn[row1[k]]} assigned to both "
                f"{c_key[row1[k]]} and {c_key[row2[k]]}. Treating as disjoint genes.",
                RuntimeWarning)
        hit &= ~collide
        u = rng.random((3, len(row1)))
        w_pre = _pick(hit & (u[0] <= 0.5), c_w[row1], c_w[row2])
        en = _pick(hit & (u[1] <= 0.5), c_en[row1], c_en[row2])
        en &= ~(hit & ~(c_en[row1] & c_en[row2]) & (u[2] < 0.75))
        w = mutate_floats(w_pre, st.weight, rng)
        en = mutate_bools(en, *st.enabled, rng)

        # Nodes: the fitter parent's, matched in the other by key.
        n_start = np.concatenate(([0], np.cumsum(n_len)))
        nrow1, n_off = _rows(n_start[f], n_len[f])
        nchild_of = np.repeat(np.arange(len(f)), n_len[f])
        nhit, nrow2 = _match(np.repeat(np.arange(len(parents)), n_len), n_keys,
                             o[nchild_of], n_keys[nrow1])
        u = rng.random((5, len(nrow1)))
        floats = [mutate_floats(_pick(nhit & (u[i] <= 0.5), v[nrow1], v[nrow2]), s, rng)
                  for i, (v, s) in enumerate(zip(n_float, st.floats))]
        act = mutate_choices(_pick(nhit & (u[3] <= 0.5), n_act[nrow1], n_act[nrow2]),
                             st.strings[0][1], acts.options, rng)
        agg = mutate_choices(_pick(nhit & (u[4] <= 0.5), n_agg[nrow1], n_agg[nrow2]),
                             st.strings[1][1], aggs.options, rng)

        ops = self._structural_draws(gc, n_children, rng)
        built = _Builder(gc, st, acts, aggs)
        keys = [c_key[r] for r in row1.tolist()]
        built.conns(keys, [c_inn[r] for r in row1.tolist()], w.tolist(), en.tolist(),
                    w_pre.tolist())
        built.nodes([n_key[r] for r in nrow1.tolist()], *(v.tolist() for v in floats),
                    [acts.names[c] for c in act.tolist()], [aggs.names[c] for c in agg.tolist()])

        children = []
        c_off, n_off = c_off.tolist(), n_off.tolist()
        pos = np.full(n_children, -1, dtype=np.int64)
        pos[quick] = np.arange(len(quick))
        for k, (j, op) in enumerate(zip(pos.tolist(), ops.tolist())):
            child = genome_type(0)
            if j < 0:   # cyclic fitter parent: neat-python's own crossover and mutation
                child.configure_crossover(parents[other[k]], parents[fit[k]], gc)  # fitter wins
                child.mutate(gc)
            else:
                built.fill(child, c_off[j], c_off[j + 1], n_off[j], n_off[j + 1])
                if op:
                    built.structural(child, op, c_off[j], c_off[j + 1])
            children.append(child)
        built.finish(rng)
        return children

    @staticmethod
    def _structural_draws(gc: Any, n: int, rng: np.random.Generator) -> np.ndarray:
        """Which structural mutations each child gets, with ``DefaultGenome.mutate``'s odds."""
        p = np.array([gc.node_add_prob, gc.node_delete_prob, gc.conn_add_prob,
                      gc.conn_delete_prob], dtype=np.float64)
        bits = np.array([_ADD_NODE, _DEL_NODE, _ADD_CONN, _DEL_CONN], dtype=np.int64)
        if gc.single_structural_mutation:     # at most one, chosen by one draw
            edges = np.cumsum(p) / max(1.0, float(p.sum()))
            which = np.searchsorted(edges, rng.random(n), side="right")
            return np.where(which < 4, bits[np.minimum(which, 3)], 0)
        return ((rng.random((n, 4)) < p) * bits).sum(axis=1)


class _Builder:
    """Builds children's genes from flat value lists and queues genes to mutate later."""

    def __init__(self, gc: Any, st: _Settings, acts: _Vocab, aggs: _Vocab) -> None:
        self.gc, self.st, self.acts, self.aggs = gc, st, acts, aggs
        self.surer = gc.check_structural_mutation_surer()
        self.new_conns: list = []
        self.new_nodes: list = []
        self.flag_only: list = []     # existing connections whose enabled flag was set

    def conns(self, keys: list, inns: list, w: list, en: list, w_pre: list) -> None:
        self.c = (keys, inns, w, en)
        self.w_pre = w_pre

    def nodes(self, keys: list, bias: list, resp: list, tc: list, act: list,
              agg: list) -> None:
        self.n = (keys, bias, resp, tc, act, agg)

    def fill(self, child: Any, c0: int, c1: int, n0: int, n1: int) -> None:
        keys, inns, w, en = self.c
        conns = child.connections
        for r in range(c0, c1):
            gene = _new(DefaultConnectionGene)
            gene.__dict__ = {"key": keys[r], "innovation": inns[r], "weight": w[r],
                             "enabled": en[r]}
            conns[keys[r]] = gene
        keys, bias, resp, tc, act, agg = self.n
        nodes = child.nodes
        for r in range(n0, n1):
            gene = _new(DefaultNodeGene)
            gene.__dict__ = {"key": keys[r], "bias": bias[r], "response": resp[r],
                             "activation": act[r], "aggregation": agg[r],
                             "time_constant": tc[r]}
            nodes[keys[r]] = gene

    def structural(self, child: Any, op: int, c0: int, c1: int) -> None:
        """neat-python's structural mutations, in ``DefaultGenome.mutate``'s order."""
        gc, conns, nodes = self.gc, child.connections, child.nodes
        if op & _ADD_NODE:
            n_nodes, n_conns = len(nodes), len(conns)
            child.mutate_add_node(gc)
            if len(nodes) > n_nodes:
                self.new_nodes.append(nodes[next(reversed(nodes))])
                tail = reversed(conns.values())
                out_c, in_c = next(tail), next(tail)
                split_key = (in_c.key[0], out_c.key[1])
                # neat-python copies the split weight before mutating: use the unmutated one.
                out_c.weight = self.w_pre[self.c[0].index(split_key, c0, c1)]
                self.flag_only.append(conns[split_key])
                self.new_conns += (in_c, out_c)
            elif len(conns) > n_conns:       # no connection to split: one was added
                self.new_conns.append(conns[next(reversed(conns))])
        if op & _DEL_NODE:
            child.mutate_delete_node(gc)
        if op & _ADD_CONN:
            n_conns = len(conns)
            if self.surer:   # find the existing connection it may enable: clear flags first
                flags = [(g, g.enabled) for g in conns.values()]
                for g, _ in flags:
                    g.enabled = False
            child.mutate_add_connection(gc)
            if self.surer:
                for g, was in flags:
                    if g.enabled:
                        self.flag_only.append(g)
                    else:
                        g.enabled = was
            if len(conns) > n_conns:
                self.new_conns.append(conns[next(reversed(conns))])
        if op & _DEL_CONN:
            child.mutate_delete_connection()

    def finish(self, rng: np.random.Generator) -> None:
        """Mutate the genes that structural mutations made or changed, as neat-python does."""
        st = self.st
        fresh = {id(g) for g in self.new_conns}
        flag_only = list({id(g): g for g in self.flag_only if id(g) not in fresh}.values())
        conns = list({id(g): g for g in self.new_conns}.values())
        if conns:
            w = mutate_floats(np.array([g.weight for g in conns]), st.weight, rng).tolist()
            for g, v in zip(conns, w):
                g.weight = v
        both = conns + flag_only
        if both:
            en = mutate_bools(np.array([g.enabled for g in both], dtype=bool), *st.enabled, rng)
            for g, v in zip(both, en.tolist()):
                g.enabled = v
        nodes = self.new_nodes
        if nodes:
            for s in st.floats:
                vals = mutate_floats(np.array([getattr(g, s.name) for g in nodes]), s, rng)
                for g, v in zip(nodes, vals.tolist()):
                    setattr(g, s.name, v)
            for (name, rate, _), vocab in zip(st.strings, (self.acts, self.aggs)):
                codes = mutate_choices(vocab.codes([getattr(g, name) for g in nodes]), rate,
                                       vocab.options, rng)
                for g, c in zip(nodes, codes.tolist()):
                    setattr(g, name, vocab.names[c])


# neat.Config and config.save() name the INI section after ``__name__``: keep neat-python's.
FastReproduction.__name__ = "DefaultReproduction"
