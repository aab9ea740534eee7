"""A population of feed-forward networks as a rollout program: levels of segment sums.

Rollouts step a population hundreds of times with a few rows per network, so what a step
costs is the number of operations, not their size. :class:`NetworkProgram` is the same
networks as the block kernel (:mod:`neuroevo.compile.kernel`) computes, laid out for that:

* one *level* per evaluation level (blocks of a level merged), each a list of connections
  ``(source row, node, weight)`` in the genomes' connection order;
* a node's input is the **segment sum** of its connections, accumulated one connection
  after the other from 0.0 (``index_add``, sequential on the CPU), which is neat-python's
  ``sum(node_inputs)`` in its order (``neat/nn/feed_forward.py``); then
  ``bias + response * s`` in two roundings, as Python computes it, and the activation;
* rows of the value buffer: 0 the zero row, then each candidate's inputs, then the nodes
  level by level. A level with fewer than two nodes or connections gets dummy ones (a
  dummy connection reads the zero row with weight 0.0 and adds +0.0), and for compiled
  rollouts (:meth:`NetworkProgram.for_compile`) the number of levels is rounded up to
  :data:`DEPTHS` with dummy levels, so that they see few distinct shapes and structures.

Only the ``sum`` aggregation has this form; networks with another aggregation have no
program (:func:`network_program` returns ``None``) and rollouts call their ``forward``.
The program's outputs equal ``neat.nn.FeedForwardNetwork`` as the block kernel's do
(tests/compile/test_program.py), and :meth:`NetworkProgram.apply` is the one function that
eager and compiled rollouts both run.
"""

from __future__ import annotations

import bisect
import dataclasses
from collections.abc import Callable, Hashable, Sequence
from typing import Any, cast

import torch

from neuroevo.compile.functions import ACTIVATIONS, AGGREGATIONS
from neuroevo.errors import CompileError
from neuroevo.policy import PolicyProgram

Tensor = torch.Tensor
#: numbers of levels a compiled program is padded to (a dummy level costs two nodes)
DEPTHS = (2, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128)
#: tensors per level in :attr:`NetworkProgram.tensors`: src, node, weight, bias, response, code
PER_LEVEL = 6


@dataclasses.dataclass(frozen=True)
class BlockData:
    """One kernel block as the compilers hold it: ``D`` nodes with ``K`` input slots."""

    level: int
    src: Tensor  # [D, K] row of the compiler's value buffer (per-candidate inputs)
    weight: Tensor  # [D, K]
    mask: Tensor  # [D, K] bool: real slots, first, in connection order
    bias: Tensor  # [D]
    response: Tensor  # [D]
    owner: Tensor  # [D] the candidate (position in the population) of each node
    aggregations: Sequence[tuple[Callable, int, int]]  # (function, lo, hi) node runs
    activations: Sequence[tuple[Callable, int, int]]


def _name(fn: Callable, table: dict[str, Callable]) -> str | None:
    return next((name for name, f in table.items() if f is fn), None)


def _pad(level: tuple[Tensor, ...], owner: Tensor) -> tuple[tuple[Tensor, ...], Tensor]:
    """A level's tensors (and node owners) with dummy connections and nodes up to two each."""
    src, node, weight, bias, response, code = level
    pad_e, pad_d = max(0, 2 - len(src)), max(0, 2 - len(bias))
    if not pad_e and not pad_d:
        return level, owner

    def grow(t: Tensor, k: int, fill: int = 0) -> Tensor:
        return torch.cat([t, t.new_full((k,), fill)]) if k else t

    return (
        (
            grow(src, pad_e),
            grow(node, pad_e),
            grow(weight, pad_e),
            grow(bias, pad_d),
            grow(response, pad_d),
            grow(code, pad_d),
        ),
        grow(owner, pad_d, -1),
    )


class NetworkProgram(PolicyProgram):
    """P feed-forward networks as levels of segment sums; see the module docstring.

    ``key``: ``(num_inputs, num_outputs, episodes, depth, activation names)``;
    ``tensors``: ``out_rows`` then, per level, connection sources, connection nodes,
    weights, biases, responses and activation codes; ``owners``: per level, the candidate
    of each node (-1 for dummies), which :meth:`select` uses.
    """

    key: tuple[Any, ...]

    def __init__(
        self,
        key: tuple[Any, ...],
        tensors: tuple[Tensor, ...],
        owners: tuple[Tensor, ...],
        num_candidates: int,
    ) -> None:
        self.key = key
        self.tensors = tensors
        self.owners = owners
        self.num_candidates = num_candidates
        self.num_inputs, self.num_outputs, self.episodes = key[0], key[1], key[2]
        self.dynamic = ((0,),) * len(tensors)

    def levels(self) -> list[tuple[Tensor, ...]]:
        return [
            tuple(self.tensors[1 + PER_LEVEL * lv : 1 + PER_LEVEL * (lv + 1)])
            for lv in range(self.key[3])
        ]

    def for_compile(self) -> NetworkProgram:
        """This program with its depth rounded up to :data:`DEPTHS` (dummy levels at the
        end, read by no output): the same outputs, and one compiled loop for many depths."""
        depth = self.key[3]
        bucket = DEPTHS[bisect.bisect_left(DEPTHS, depth)] if depth <= DEPTHS[-1] else depth
        if bucket == depth:
            return self
        out_rows = self.tensors[0]
        dtype = self.tensors[3].dtype
        empty = (
            out_rows.new_zeros(0),
            out_rows.new_zeros(0),
            out_rows.new_zeros(0, dtype=dtype),
            out_rows.new_zeros(0, dtype=dtype),
            out_rows.new_zeros(0, dtype=dtype),
            out_rows.new_zeros(0),
        )
        dummy, owner = _pad(empty, out_rows.new_zeros(0))
        key = self.key[:3] + (bucket,) + self.key[4:]
        return NetworkProgram(
            key,
            self.tensors + dummy * (bucket - depth),
            self.owners + (owner,) * (bucket - depth),
            self.num_candidates,
        )

    def select(self, positions: Tensor) -> NetworkProgram:
        """The program of the candidates at ``positions`` (ascending), with the same key:
        their nodes and connections, in the same order, on the same levels."""
        dev = self.tensors[0].device
        pos = positions.to(dev).long()
        n_in, n_out = self.num_inputs, self.num_outputs
        k = len(pos)
        new_of = torch.full((self.num_candidates,), -1, dtype=torch.long, device=dev)
        new_of[pos] = torch.arange(k, device=dev)
        inputs = new_of.repeat_interleave(n_in)
        in_rows = torch.where(
            inputs >= 0, 1 + inputs * n_in + torch.arange(len(inputs), device=dev) % n_in, -1
        )
        row_map = [torch.zeros(1, dtype=torch.long, device=dev), in_rows]
        base = 1 + k * n_in
        levels, owners = [], []
        for (src, node, weight, bias, response, code), owner in zip(self.levels(), self.owners):
            kept = (owner >= 0) & (new_of[owner.clamp(min=0)] >= 0)
            index = torch.cumsum(kept, 0) - 1
            row_map.append(torch.where(kept, base + index, -1))
            edges = kept[node]
            level: tuple[Tensor, ...] = (
                src[edges],
                index[node[edges]],
                weight[edges],
                bias[kept],
                response[kept],
                code[kept],
            )
            level, own = _pad(level, new_of[owner[kept]])
            # src is remapped once every level's rows are known (sources lie below)
            levels.append(level)
            owners.append(own)
            base += len(level[3])
        rows = torch.cat(row_map)
        out_rows = rows[self.tensors[0].view(self.num_candidates, n_out)[pos].reshape(-1)]
        tensors = [out_rows]
        for src, *rest in levels:
            tensors += [rows[src], *rest]
        return NetworkProgram(self.key, tuple(tensors), tuple(owners), k)

    @staticmethod
    def apply(key: Hashable, tensors: Sequence[Tensor], x: Tensor) -> Tensor:
        n_in, n_out, e, depth, names = cast("tuple[int, int, int, int, tuple[str, ...]]", key)
        n = x.shape[1]
        p = n // e
        inputs = x.reshape(n_in, p, e).transpose(0, 1).reshape(p * n_in, e)
        values = torch.cat([x.new_zeros(1, e), inputs])
        for lv in range(depth):
            src, node, weight, bias, response, code = tensors[
                1 + PER_LEVEL * lv : 1 + PER_LEVEL * (lv + 1)
            ]
            contrib = values.index_select(0, src) * weight[:, None]
            s = contrib.new_zeros(bias.shape[0], e).index_add(0, node, contrib)
            z = bias[:, None] + response[:, None] * s
            out = ACTIVATIONS[names[0]](z)
            for c in range(1, len(names)):
                out = torch.where((code == c)[:, None], ACTIVATIONS[names[c]](z), out)
            values = torch.cat([values, out])
        out = values.index_select(0, tensors[0])
        return out.reshape(p, n_out, e).permute(1, 0, 2).reshape(n_out, n)


def network_program(
    blocks: Sequence[BlockData],
    out_rows: Tensor,
    input_row: int,
    num_candidates: int,
    num_inputs: int,
    num_outputs: int,
    episodes: int,
) -> NetworkProgram | None:
    """The program of a population compiled as ``blocks`` (in level order) over a value
    buffer whose node rows are ``1 .. input_row - 1`` and whose per-candidate inputs start
    at ``input_row``; ``out_rows [P * num_outputs]`` are the output rows in that buffer.
    ``None`` when a node aggregates other than by ``sum``.
    """
    agg_sum = AGGREGATIONS["sum"]
    names: list[str] = []
    for b in blocks:
        if any(fn is not agg_sum for fn, _, _ in b.aggregations):
            return None
        for fn, _, _ in b.activations:
            name = _name(fn, ACTIVATIONS)
            if name is None:
                raise CompileError(
                    f"activation {fn!r} is not in the registry of "
                    "neuroevo.compile.functions; register it by name"
                )
            if name not in names:
                names.append(name)
    names.sort()
    names = names or ["identity"]
    code_of = {name: c for c, name in enumerate(names)}
    device = out_rows.device
    long: dict[str, Any] = dict(dtype=torch.long, device=device)
    first_node = 1 + num_candidates * num_inputs  # program row of the first node

    levels: list[list[BlockData]] = []
    for b in blocks:
        if levels and levels[-1][0].level == b.level:
            levels[-1].append(b)
        else:
            levels.append([b])
    depth = len(levels)
    # eager row -> program row: nodes shift past the inputs and the dummies of lower levels
    starts, shift, placed = [], [], 0
    row = 1
    for group in levels:
        d = sum(len(b.bias) for b in group)
        starts.append(row)
        shift.append(first_node - 1 + placed)
        row += d
        placed += max(d, 2) - d
    starts_t = torch.tensor(starts or [1], **long)
    shift_t = torch.tensor(shift or [0], **long)

    def remap(rows: Tensor) -> Tensor:
        rows = rows.contiguous()  # searchsorted warns (and copies) on a strided view
        lv = torch.searchsorted(starts_t, rows, right=True).clamp(min=1) - 1
        node_row = rows + shift_t[lv]
        return torch.where(
            rows == 0, 0, torch.where(rows >= input_row, 1 + rows - input_row, node_row)
        )

    tensors: list[Tensor] = [remap(out_rows.to(device))]
    owners: list[Tensor] = []
    dtype = blocks[0].weight.dtype if blocks else torch.float32
    fill: dict[str, Any] = dict(dtype=dtype, device=device)
    for lv in range(depth):
        group = levels[lv] if lv < len(levels) else []
        srcs, nodes, weights, biases, responses, codes, owns = [], [], [], [], [], [], []
        base = 0
        for b in group:
            d_idx, k_idx = b.mask.nonzero(as_tuple=True)  # by node, then slot: link order
            srcs.append(remap(b.src[d_idx, k_idx]))
            nodes.append(d_idx + base)
            weights.append(b.weight[d_idx, k_idx])
            biases.append(b.bias)
            responses.append(b.response)
            owns.append(b.owner.to(**long))
            code = torch.zeros(len(b.bias), **long)
            for fn, lo, hi in b.activations:
                code[lo:hi] = code_of[_name(fn, ACTIVATIONS)]  # type: ignore[index]
            codes.append(code)
            base += len(b.bias)

        def cat(parts: list[Tensor], **kind: Any) -> Tensor:
            return torch.cat(parts) if parts else torch.zeros(0, **kind)

        level: tuple[Tensor, ...] = (
            cat(srcs, **long),
            cat(nodes, **long),
            cat(weights, **fill),
            cat(biases, **fill),
            cat(responses, **fill),
            cat(codes, **long),
        )
        level, owner = _pad(level, cat(owns, **long))
        tensors += level
        owners.append(owner)
    key = (num_inputs, num_outputs, episodes, depth, tuple(names))
    return NetworkProgram(key, tuple(tensors), tuple(owners), num_candidates)


__all__ = ["DEPTHS", "BlockData", "NetworkProgram", "network_program"]
