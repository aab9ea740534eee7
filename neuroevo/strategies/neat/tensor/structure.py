"""Structural mutations of many genomes at once (``DefaultGenome.mutate`` and the
``mutate_add_node`` / ``mutate_delete_node`` / ``mutate_add_connection`` /
``mutate_delete_connection`` methods of ``neat/genome.py``, neat-python 2.0).

``DefaultGenome.mutate`` first mutates the structure, then every connection gene, then every
node gene (new genes included):

* ``single_structural_mutation = True``: one ``r = random()`` picks at most one of add node,
  delete node, add connection, delete connection, with probabilities ``prob / max(1, sum of
  the four probs)``;
* otherwise each is tried in that order with its own probability.

Each operator here takes the rows that mutate and acts on all of them together, in the same
order as neat-python (all add-node mutations of the batch, then all delete-node ...), so a
genome's own sequence of operations is neat-python's:

* add node: split a uniformly chosen connection (enabled or not) ``(i, o)``: a new node
  (fresh attributes, bias 0.0), the old connection disabled, ``(i, new)`` with weight 1.0 and
  ``(new, o)`` with the old weight, both enabled, innovation kinds ``'add_node_in'`` and
  ``'add_node_out'``; without connections, ``structural_mutation_surer`` adds a connection;
* delete node: a uniformly chosen non-output node and every connection touching it;
* add connection: output end uniform among all nodes, input end uniform among hidden nodes
  and inputs; an existing connection is re-enabled when ``structural_mutation_surer``; with
  ``feed_forward`` a connection that would close a cycle (``neat.graphs.creates_cycle``, over
  enabled and disabled connections) is not added;
* delete connection: a uniformly chosen connection.
"""

from __future__ import annotations

import torch

from neuroevo.strategies.neat.tensor.attributes import init_genes, mutate_genes
from neuroevo.strategies.neat.tensor.genes import PAD, Genomes, conn_code, conn_ends
from neuroevo.strategies.neat.tensor.innovation import InnovationTracker
from neuroevo.strategies.neat.tensor.spec import GenomeSpec

Tensor = torch.Tensor


def _pick(n: Tensor, gen: torch.Generator) -> Tensor:
    """``random.choice`` index: uniform in ``0 .. n - 1`` for each (n > 0). (``u < 1`` in
    float64 makes ``u * n < n`` after rounding for every ``n < 2 ** 53``.)"""
    u = torch.rand(n.shape, generator=gen, device=n.device, dtype=torch.float64)
    return (u * n).long()


def _nth(mask: Tensor, n: Tensor) -> Tensor:
    """Column of the ``n``-th (from 0) true entry of each row of ``mask``."""
    return (mask.cumsum(1) > n[:, None]).int().argmax(1)


def _reaches(g: Genomes, rows: Tensor, start: Tensor, goal: Tensor) -> Tensor:
    """[R] whether a directed path of connections leads from node ``start`` to ``goal``."""
    keys = g.nodes.key[rows]
    codes = g.conns.key[rows]
    ins, outs = conn_ends(codes)
    live = (codes != PAD) & (ins >= 0)  # inputs have no incoming connections
    width = keys.shape[1]
    src = torch.searchsorted(keys, ins).clamp_(max=width - 1)
    dst = torch.searchsorted(keys, outs).clamp_(max=width - 1)
    seen = torch.zeros(keys.shape, dtype=torch.int8, device=keys.device)
    seen.scatter_(1, torch.searchsorted(keys, start[:, None]).clamp_(max=width - 1), 1)
    for _ in range(width):
        spread = seen.gather(1, src) * live
        grown = seen.scatter_reduce(1, dst, spread.to(torch.int8), "amax")
        if torch.equal(grown, seen):
            break
        seen = grown
    goal_slot = torch.searchsorted(keys, goal[:, None]).clamp_(max=width - 1)
    return seen.gather(1, goal_slot)[:, 0].bool()


class Mutator:
    """The structural operators with their settings, tracker and random generator."""

    def __init__(
        self, spec: GenomeSpec, tracker: InnovationTracker, gen: torch.Generator, dtype: torch.dtype
    ) -> None:
        self.spec, self.tracker, self.gen, self.dtype = spec, tracker, gen, dtype

    def _new_conns(self, n: int) -> dict[str, Tensor]:
        return init_genes(self.spec.conns, (n,), self.gen, self.dtype, self.tracker.device)

    def add_node(self, g: Genomes, rows: Tensor) -> Genomes:
        count = g.conns.count(rows)
        if self.spec.structural_mutation_surer:
            g = self.add_connection(g, rows[count == 0])
        rows, count = rows[count > 0], count[count > 0]
        n = rows.numel()
        if n == 0:
            return g
        col = _pick(count, self.gen)
        split = g.conns.key[rows, col]
        i, o = conn_ends(split)
        new = self.tracker.new_nodes(split)
        attrs = init_genes(self.spec.nodes, (n,), self.gen, self.dtype, rows.device)
        if "bias" in attrs:
            attrs["bias"] = torch.zeros_like(attrs["bias"])
        nodes = g.nodes.append(rows, new, attrs)
        conns = g.conns
        conns.cols["enabled"][rows, col] = False
        weight = conns.cols["weight"][rows, col]
        code = torch.stack([conn_code(i, new), conn_code(new, o)], 1)  # (i, new), (new, o)
        fresh = self._new_conns(n), self._new_conns(n)  # init_attributes of each, in order
        cols = {name: torch.stack([fresh[0][name], fresh[1][name]], 1) for name in fresh[0]}
        cols.update(
            weight=torch.stack([torch.ones_like(weight), weight], 1),
            enabled=torch.ones((n, 2), dtype=torch.bool, device=rows.device),
            innovation=torch.stack(
                [
                    self.tracker.innovations(code[:, 0], "add_node_in"),
                    self.tracker.innovations(code[:, 1], "add_node_out"),
                ],
                1,
            ),
        )
        return Genomes(g.gid, nodes, conns.append(rows, code, cols))

    def delete_node(self, g: Genomes, rows: Tensor) -> Genomes:
        keys = g.nodes.key[rows]
        hidden = (keys != PAD) & (keys >= self.spec.num_outputs)
        count = hidden.sum(1)
        rows, hidden, count = rows[count > 0], hidden[count > 0], count[count > 0]
        if rows.numel() == 0:
            return g
        col = _nth(hidden, _pick(count, self.gen))
        key = g.nodes.key[rows, col]
        g.nodes.key[rows, col] = PAD
        ins, outs = conn_ends(g.conns.key[rows])
        touch = (ins == key[:, None]) | (outs == key[:, None])
        g.conns.key[rows] = g.conns.key[rows].masked_fill(touch, PAD)
        g.nodes.sort_rows(rows)  # no holes: genes first, padding last
        g.conns.sort_rows(rows)
        return g

    def add_connection(self, g: Genomes, rows: Tensor) -> Genomes:
        if rows.numel() == 0:
            return g
        n_in = self.spec.num_inputs
        nodes = g.nodes
        keys = nodes.key[rows]
        valid = keys != PAD
        out_key = keys.gather(1, _pick(valid.sum(1), self.gen)[:, None])[:, 0]
        hidden = valid & (keys >= self.spec.num_outputs)
        r = _pick(hidden.sum(1) + n_in, self.gen)
        hidden_key = keys.gather(1, _nth(hidden, (r - n_in).clamp(min=0))[:, None])[:, 0]
        in_key = torch.where(r < n_in, -1 - r, hidden_key)
        code = conn_code(in_key, out_key)
        same = g.conns.key[rows] == code[:, None]
        exists = same.any(1)
        if self.spec.structural_mutation_surer and bool(exists.any()):
            g.conns.cols["enabled"][rows[exists], same[exists].int().argmax(1)] = True
        add = ~exists
        if self.spec.feed_forward:
            add &= in_key != out_key
            check = add & (in_key >= 0)
            if bool(check.any()):
                add[check] &= ~_reaches(g, rows[check], out_key[check], in_key[check])
        rows, code = rows[add], code[add]
        if rows.numel() == 0:
            return g
        cols = self._new_conns(rows.numel())
        cols["innovation"] = self.tracker.innovations(code, "add_connection")
        return Genomes(g.gid, nodes, g.conns.append(rows, code, cols))

    def delete_connection(self, g: Genomes, rows: Tensor) -> Genomes:
        count = g.conns.count(rows)
        rows, count = rows[count > 0], count[count > 0]
        if rows.numel() == 0:
            return g
        g.conns.key[rows, _pick(count, self.gen)] = PAD
        g.conns.sort_rows(rows)
        return g

    def mutate(self, g: Genomes) -> Genomes:
        """``DefaultGenome.mutate`` of every genome of ``g`` (compact, rows sorted; modified
        in place). Between operators rows stay without holes (deletions re-sort their rows);
        at the end every row is sorted again and the width trimmed."""
        s, n = self.spec, len(g)
        probs = (s.node_add_prob, s.node_delete_prob, s.conn_add_prob, s.conn_delete_prob)
        ops = (self.add_node, self.delete_node, self.add_connection, self.delete_connection)
        if s.single_structural_mutation:
            r = torch.rand(n, generator=self.gen, device=g.device, dtype=torch.float64)
            div = max(1.0, sum(probs))
            lo = 0.0
            which = []
            for p in probs:
                hi = lo + p
                which.append((r >= lo / div) & (r < hi / div))
                lo = hi
        else:
            which = [
                torch.rand(n, generator=self.gen, device=g.device, dtype=torch.float64) < p
                for p in probs
            ]
        for op, mask in zip(ops, which):
            g = op(g, mask.nonzero()[:, 0])
        mutate_genes(g.conns.cols, s.conns, g.conns.valid(), self.gen)
        mutate_genes(g.nodes.cols, s.nodes, g.nodes.valid(), self.gen)
        # node keys stay sorted (new ids are the largest); appended connections do not
        unsorted = (g.conns.key[:, 1:] < g.conns.key[:, :-1]).any(1).nonzero()[:, 0]
        g.conns.sort_rows(unsorted)
        return Genomes(g.gid, g.nodes.trim(), g.conns.trim())


__all__ = ["Mutator"]
