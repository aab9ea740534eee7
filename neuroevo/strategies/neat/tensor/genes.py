"""A population of NEAT genomes as padded tensors: one row per genome, one column per gene.

neat-python keeps a genome as two dicts of gene objects (``DefaultGenome.nodes`` keyed by
node id, ``DefaultGenome.connections`` keyed by ``(in, out)``; ``neat/genome.py``). Here a
:class:`GeneTable` holds one kind of gene for P genomes:

* ``key [P, K]`` int64: the node id, or for connections the code of ``(in, out)``
  (:func:`conn_code`), and :data:`PAD` where a row has fewer than K genes;
* ``cols``: one ``[P, K]`` tensor per attribute (floats in the engine's dtype, bools, string
  attributes as ``int16`` codes into their options) and, for connections, ``innovation``.

A *compact* table has each row's genes first, sorted by key, then padding; K is the largest
gene count in the population (never a user-chosen cap): :meth:`GeneTable.compact` sorts and
trims, :meth:`GeneTable.append` widens when a row runs out of room. Sorted keys let
``torch.searchsorted`` align genes of two genomes by key (crossover, distance) and find a
connection's end nodes. A connection's code sorts by ``(in, out)``, which is also the order
in which converted neat-python genomes list their connections.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import torch

Tensor = torch.Tensor

#: key of an empty slot (sorts after every real key)
PAD = torch.iinfo(torch.int64).max
#: input keys are -1 .. -num_inputs; offset so that connection codes stay non-negative
_IN_OFFSET = 1 << 20
_OUT_MASK = (1 << 32) - 1
#: node ids lie below this, so that the code of any connection between two nodes is a
#: non-negative int64 (the node counter refuses to pass it, checkpoints to hold it)
NODE_KEY_LIMIT = (1 << 31) - _IN_OFFSET


def conn_code(in_key: Tensor, out_key: Tensor) -> Tensor:
    """One int64 per connection key ``(in, out)``, ordered as the tuples are."""
    return ((in_key + _IN_OFFSET) << 32) | out_key


def conn_ends(code: Tensor) -> tuple[Tensor, Tensor]:
    """``(in, out)`` node keys of connection codes (meaningless on :data:`PAD`)."""
    return (code >> 32) - _IN_OFFSET, code & _OUT_MASK


def _filler(t: Tensor) -> int | float | bool:
    return False if t.dtype == torch.bool else 0


@dataclasses.dataclass
class GeneTable:
    """Genes of one kind (nodes or connections) of P genomes, padded to a common width."""

    key: Tensor
    cols: dict[str, Tensor]

    @property
    def rows(self) -> int:
        return self.key.shape[0]

    @property
    def width(self) -> int:
        return self.key.shape[1]

    def valid(self) -> Tensor:
        return self.key != PAD

    def count(self, rows: Tensor | None = None) -> Tensor:
        """[P] number of genes per row (or [R] of the given rows)."""
        key = self.key if rows is None else self.key[rows]
        return (key != PAD).sum(1)

    def take(self, idx: Tensor | slice) -> GeneTable:
        """The rows ``idx`` (copies)."""
        return GeneTable(self.key[idx], {n: c[idx] for n, c in self.cols.items()})

    def widen(self, width: int) -> GeneTable:
        """The same genes with at least ``width`` columns (new columns empty)."""
        extra = width - self.width
        if extra <= 0:
            return self

        def pad(t: Tensor, fill: int | float | bool) -> Tensor:
            return torch.cat([t, t.new_full((t.shape[0], extra), fill)], dim=1)

        return GeneTable(pad(self.key, PAD), {n: pad(c, _filler(c)) for n, c in self.cols.items()})

    def compact(self) -> GeneTable:
        """Each row's genes sorted by key, padding last, width trimmed to the largest row."""
        key, order = torch.sort(self.key, dim=1, stable=True)
        width = max(int(self.count().max()) if self.rows else 0, 1)
        key, order = key[:, :width].contiguous(), order[:, :width]
        return GeneTable(key, {n: c.gather(1, order) for n, c in self.cols.items()})

    def sort_rows(self, rows: Tensor) -> None:
        """Sort the genes of ``rows`` by key, in place (padding and holes go last)."""
        if rows.numel() == 0:
            return
        key, order = torch.sort(self.key[rows], dim=1, stable=True)
        self.key[rows] = key
        for c in self.cols.values():
            c[rows] = c[rows].gather(1, order)

    def trim(self) -> GeneTable:
        """The width cut to the largest row (rows must have no holes)."""
        width = max(int(self.count().max()) if self.rows else 0, 1)
        if width >= self.width:
            return self
        return GeneTable(
            self.key[:, :width].contiguous(),
            {n: c[:, :width].contiguous() for n, c in self.cols.items()},
        )

    def append(self, rows: Tensor, key: Tensor, values: dict[str, Tensor]) -> GeneTable:
        """Add genes to each row in ``rows`` (distinct) after its last gene: one each
        (``key [R]``, ``values`` ``[R]``) or ``m`` each (``[R, m]``).

        The table must have no holes (genes first, then padding; it need not be sorted).
        Columns missing from ``values`` get 0 / False. Returns the (possibly widened) table.
        """
        if rows.numel() == 0:
            return self
        key = key.reshape(rows.numel(), -1)
        pos = self.count(rows)[:, None] + torch.arange(key.shape[1], device=key.device)
        table = self.widen(int(pos[:, -1].max()) + 1)
        rows = rows[:, None]
        table.key[rows, pos] = key
        for name, col in table.cols.items():
            if name in values:
                col[rows, pos] = values[name].reshape(key.shape).to(col.dtype)
            else:
                col[rows, pos] = _filler(col)
        return table

    @staticmethod
    def place(parts: list[tuple[GeneTable, Tensor]], rows: int) -> GeneTable:
        """A table of ``rows`` rows: the rows of each part at its positions (covering all)."""
        width = max(t.width for t, _ in parts)
        parts = [(t.widen(width), pos) for t, pos in parts]
        first = parts[0][0]

        def build(get: Callable[..., Tensor]) -> Tensor:
            like = get(first)
            out = like.new_empty((rows, width))
            for t, pos in parts:
                out[pos] = get(t)
            return out

        return GeneTable(
            build(lambda t: t.key), {n: build(lambda t, n=n: t.cols[n]) for n in first.cols}
        )


@dataclasses.dataclass
class Genomes:
    """P genomes: ids (neat-python's genome keys), node genes and connection genes."""

    gid: Tensor  # [P] int64
    nodes: GeneTable  # key: node id
    conns: GeneTable  # key: conn_code(in, out); cols include "innovation"

    def __len__(self) -> int:
        return self.gid.shape[0]

    @property
    def device(self) -> torch.device:
        return self.gid.device

    def take(self, idx: Tensor | slice) -> Genomes:
        return Genomes(self.gid[idx], self.nodes.take(idx), self.conns.take(idx))

    def compact(self) -> Genomes:
        return Genomes(self.gid, self.nodes.compact(), self.conns.compact())

    @staticmethod
    def place(parts: list[tuple[Genomes, Tensor]], rows: int) -> Genomes:
        """``rows`` genomes: those of each part at its positions (covering every row once)."""
        gid = parts[0][0].gid.new_empty(rows)
        for g, pos in parts:
            gid[pos] = g.gid
        return Genomes(
            gid,
            GeneTable.place([(g.nodes, pos) for g, pos in parts], rows),
            GeneTable.place([(g.conns, pos) for g, pos in parts], rows),
        )

    def sizes(self) -> tuple[Tensor, Tensor]:
        """[P] node counts and [P] enabled-connection counts (``DefaultGenome.size``)."""
        enabled = self.conns.cols["enabled"] & self.conns.valid()
        return self.nodes.count(), enabled.sum(1)


__all__ = ["PAD", "NODE_KEY_LIMIT", "conn_code", "conn_ends", "GeneTable", "Genomes"]
