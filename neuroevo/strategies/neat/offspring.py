"""Children of many parent pairs at once: NEAT crossover and attribute mutation on numpy arrays.

:class:`~neuroevo.strategies.neat.reproduction.FastReproduction` decides, as neat-python
does, how many children each species gets and from which parents; :func:`make_children`
then makes them all together:

1. crossover (Stanley & Miikkulainen 2002, "Evolving Neural Networks through Augmenting
   Topologies", Evol. Comput. 10(2), sec. 3.2): a child has its fitter parent's genes; a gene
   whose innovation number (connections) or key (nodes) the other parent also has takes
   each attribute from either parent with probability 1/2, and a connection disabled in
   either parent is disabled with probability 3/4. Matching is a ``searchsorted`` over all
   parents' genes;
2. every attribute mutation (the vectorised operators of
   :mod:`~neuroevo.strategies.neat.mutation`) on the arrays;
3. genomes and genes are built once, with the final values (plain ``DefaultNodeGene`` /
   ``DefaultConnectionGene`` with their usual attributes), then the structural mutations
   run on them: neat-python's own genome methods (``mutate_add_node`` ...) fired with
   ``DefaultGenome.mutate``'s probabilities. neat-python mutates attributes *after* the
   structural mutations, so the genes those create or touch are mutated afterwards in one
   more batch: new genes from their starting values, the connection split by
   ``mutate_add_node`` gets its enabled flag mutated from ``False`` and its new outgoing
   connection starts from the split connection's weight before mutation, as in neat-python.

Children whose fitter parent has a cycle in a feed-forward config are made by the genome's
own ``configure_crossover`` and ``mutate`` (neat-python skips inherited genes that would
close a cycle).

Example::

    rng = np.random.default_rng(0)
    children = make_children(config.genome_config, parents, fitter, other, rng,
                             config.genome_type)      # parents[fitter[k]] x parents[other[k]]
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from neuroevo.strategies.neat.genes import acyclic, connection_gene, node_gene
from neuroevo.strategies.neat.mutation import (
    ChoiceSettings,
    MutationSettings,
    mutate_bools,
    mutate_choices,
    mutate_floats,
)

__all__ = ["make_children"]

_HALF = np.int64(1) << 31
_ADD_NODE, _DEL_NODE, _ADD_CONN, _DEL_CONN = 1, 2, 4, 8


class _Vocab:
    """Strings (activation or aggregation names) as integer codes, options first."""

    def __init__(self, s: ChoiceSettings) -> None:
        self.names: list[str] = []
        self.code: dict[str, int] = {}
        self.options = np.array([self.add(o) for o in s.options], dtype=np.int64)

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


def _match(
    parent_of_row: np.ndarray, ids: np.ndarray, want_parent: np.ndarray, want_ids: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
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


def make_children(
    gc: Any,
    parents: list,
    fit: np.ndarray,
    other: np.ndarray,
    rng: np.random.Generator,
    genome_type: type,
) -> list:
    """Children of the pairs ``(parents[fit[k]], parents[other[k]])``: crossover, then mutation.

    ``fit[k]`` is the fitter parent (neat-python: the first unless the second is fitter).
    Children have key 0; the caller numbers them.
    """
    st = MutationSettings.of(gc)
    n_children = len(fit)
    acts, aggs = _Vocab(st.activation), _Vocab(st.aggregation)

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
    n_float = [np.array([getattr(n, s.name) for n in ng], dtype=np.float64) for s in st.node_floats]
    n_act = acts.codes([n.activation for n in ng])
    n_agg = aggs.codes([n.aggregation for n in ng])

    # Children whose fitter parent has a cycle (feed-forward configs): neat-python skips
    # inherited genes that would close one, so those use the genome's own methods.
    slow = np.zeros(n_children, dtype=bool)
    if gc.feed_forward:
        cyclic = np.array([not acyclic(g.connections) for g in parents], dtype=bool)
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
            RuntimeWarning,
            stacklevel=2,
        )
    hit &= ~collide
    u = rng.random((3, len(row1)))
    w_pre = _pick(hit & (u[0] <= 0.5), c_w[row1], c_w[row2])
    en = _pick(hit & (u[1] <= 0.5), c_en[row1], c_en[row2])
    en &= ~(hit & ~(c_en[row1] & c_en[row2]) & (u[2] < 0.75))
    w = mutate_floats(w_pre, st.weight, rng)
    en = mutate_bools(en, st.enabled, rng)

    # Nodes: the fitter parent's, matched in the other by key.
    n_start = np.concatenate(([0], np.cumsum(n_len)))
    nrow1, n_off = _rows(n_start[f], n_len[f])
    nchild_of = np.repeat(np.arange(len(f)), n_len[f])
    nhit, nrow2 = _match(
        np.repeat(np.arange(len(parents)), n_len), n_keys, o[nchild_of], n_keys[nrow1]
    )
    u = rng.random((5, len(nrow1)))
    floats = [
        mutate_floats(_pick(nhit & (u[i] <= 0.5), v[nrow1], v[nrow2]), s, rng)
        for i, (v, s) in enumerate(zip(n_float, st.node_floats))
    ]
    act = mutate_choices(
        _pick(nhit & (u[3] <= 0.5), n_act[nrow1], n_act[nrow2]), st.activation, acts.options, rng
    )
    agg = mutate_choices(
        _pick(nhit & (u[4] <= 0.5), n_agg[nrow1], n_agg[nrow2]), st.aggregation, aggs.options, rng
    )

    ops = _structural_draws(st, n_children, rng)
    built = _Builder(gc, st, acts, aggs)
    keys = [c_key[r] for r in row1.tolist()]
    built.conns(keys, [c_inn[r] for r in row1.tolist()], w.tolist(), en.tolist(), w_pre.tolist())
    built.nodes(  # type: ignore[call-arg]  # mypy cannot count the starred columns
        [n_key[r] for r in nrow1.tolist()],
        *(v.tolist() for v in floats),
        [acts.names[c] for c in act.tolist()],
        [aggs.names[c] for c in agg.tolist()],
    )

    children = []
    c_off, n_off = c_off.tolist(), n_off.tolist()
    pos = np.full(n_children, -1, dtype=np.int64)
    pos[quick] = np.arange(len(quick))
    for k, (j, op) in enumerate(zip(pos.tolist(), ops.tolist())):
        child = genome_type(0)
        if j < 0:  # cyclic fitter parent: neat-python's own crossover and mutation
            child.configure_crossover(parents[other[k]], parents[fit[k]], gc)  # fitter wins
            child.mutate(gc)
        else:
            built.fill(child, c_off[j], c_off[j + 1], n_off[j], n_off[j + 1])
            if op:
                built.structural(child, op, c_off[j], c_off[j + 1])
        children.append(child)
    built.finish(rng)
    return children


def _structural_draws(st: MutationSettings, n: int, rng: np.random.Generator) -> np.ndarray:
    """Which structural mutations each child gets, with ``DefaultGenome.mutate``'s odds."""
    p = np.array(
        [st.node_add_prob, st.node_delete_prob, st.conn_add_prob, st.conn_delete_prob],
        dtype=np.float64,
    )
    bits = np.array([_ADD_NODE, _DEL_NODE, _ADD_CONN, _DEL_CONN], dtype=np.int64)
    if st.single_structural_mutation:  # at most one, chosen by one draw
        edges = np.cumsum(p) / max(1.0, float(p.sum()))
        which = np.searchsorted(edges, rng.random(n), side="right")
        return np.where(which < 4, bits[np.minimum(which, 3)], 0)
    return ((rng.random((n, 4)) < p) * bits).sum(axis=1)


class _Builder:
    """Builds children's genes from flat value lists and queues genes to mutate later."""

    def __init__(self, gc: Any, st: MutationSettings, acts: _Vocab, aggs: _Vocab) -> None:
        self.gc, self.st, self.acts, self.aggs = gc, st, acts, aggs
        self.surer = gc.check_structural_mutation_surer()
        self.new_conns: list = []
        self.new_nodes: list = []
        self.flag_only: list = []  # existing connections whose enabled flag was set

    def conns(self, keys: list, inns: list, w: list, en: list, w_pre: list) -> None:
        self.c = (keys, inns, w, en)
        self.w_pre = w_pre

    def nodes(self, keys: list, bias: list, resp: list, tc: list, act: list, agg: list) -> None:
        self.n = (keys, bias, resp, tc, act, agg)

    def fill(self, child: Any, c0: int, c1: int, n0: int, n1: int) -> None:
        keys, inns, w, en = self.c
        conns = child.connections
        for r in range(c0, c1):
            conns[keys[r]] = connection_gene(keys[r], inns[r], w[r], en[r])
        keys, bias, resp, tc, act, agg = self.n
        nodes = child.nodes
        for r in range(n0, n1):
            nodes[keys[r]] = node_gene(keys[r], bias[r], resp[r], act[r], agg[r], tc[r])

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
            elif len(conns) > n_conns:  # no connection to split: one was added
                self.new_conns.append(conns[next(reversed(conns))])
        if op & _DEL_NODE:
            child.mutate_delete_node(gc)
        if op & _ADD_CONN:
            n_conns = len(conns)
            if self.surer:  # find the existing connection it may enable: clear flags first
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
            en = mutate_bools(np.array([g.enabled for g in both], dtype=bool), st.enabled, rng)
            for g, v in zip(both, en.tolist()):
                g.enabled = v
        nodes = self.new_nodes
        if nodes:
            for s in st.node_floats:
                vals = mutate_floats(np.array([getattr(g, s.name) for g in nodes]), s, rng)
                for g, v in zip(nodes, vals.tolist()):
                    setattr(g, s.name, v)
            for s, vocab in ((st.activation, self.acts), (st.aggregation, self.aggs)):
                codes = mutate_choices(
                    vocab.codes([getattr(g, s.name) for g in nodes]), s, vocab.options, rng
                )
                for g, c in zip(nodes, codes.tolist()):
                    setattr(g, s.name, vocab.names[c])
