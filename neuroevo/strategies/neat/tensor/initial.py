"""A new population as tensors: ``DefaultReproduction.create_new`` and
``DefaultGenome.configure_new`` (``neat/reproduction.py``, ``neat/genome.py``).

Genome ``j`` (id ``first_gid + j``) gets the output nodes ``0 .. num_outputs - 1`` and, as in
neat-python, its own ``num_hidden`` hidden nodes from the shared node counter (genome after
genome), every attribute drawn by ``init_attributes``. Its connections follow
``initial_connection``:

* ``unconnected``; ``fs_neat_nohidden`` (and ``fs_neat``): one uniformly chosen input to
  every output; ``fs_neat_hidden``: that input to every hidden and output node;
* ``full_nodirect`` (and ``full``), ``full_direct``: ``compute_full_connections`` -- inputs to
  hidden, hidden to outputs, inputs to outputs when direct or without hidden nodes, and
  self-connections of every node when ``feed_forward = False``;
* ``partial_nodirect`` (and ``partial``), ``partial_direct``: a uniformly random subset of
  ``round(len * fraction)`` of those (neat-python shuffles and slices).

Their innovation numbers come from the tracker with kind ``'initial_connection'``, so the
same connection in two genomes gets the same number.
"""

from __future__ import annotations

import torch

from neuroevo.errors import ConfigError
from neuroevo.strategies.neat.tensor.attributes import init_genes
from neuroevo.strategies.neat.tensor.genes import GeneTable, Genomes, conn_code
from neuroevo.strategies.neat.tensor.innovation import InnovationTracker
from neuroevo.strategies.neat.tensor.spec import GenomeSpec

Tensor = torch.Tensor


def _full_template(spec: GenomeSpec, direct: bool) -> list[tuple[tuple[str, int], tuple[str, int]]]:
    """``compute_full_connections`` with nodes named ('in'|'hid'|'out', index)."""
    ins = [("in", k) for k in range(spec.num_inputs)]
    hid = [("hid", k) for k in range(spec.num_hidden)]
    outs = [("out", k) for k in range(spec.num_outputs)]
    pairs = []
    if hid:
        pairs += [(i, h) for i in ins for h in hid]
        pairs += [(h, o) for h in hid for o in outs]
    if direct or not hid:
        pairs += [(i, o) for i in ins for o in outs]
    if not spec.feed_forward:
        pairs += [(n, n) for n in outs + hid]  # neat iterates self.nodes: outputs, then hidden
    return pairs


def _keys(names: list[tuple[str, int]], hidden0: Tensor) -> Tensor:
    """[P, L] node keys of named nodes; ``hidden0 [P]`` is each genome's first hidden id."""
    fixed = torch.tensor(
        [-1 - k if kind == "in" else k if kind == "out" else 0 for kind, k in names],
        dtype=torch.int64,
        device=hidden0.device,
    )
    is_hid = torch.tensor([kind == "hid" for kind, _ in names], device=hidden0.device)
    return torch.where(is_hid, hidden0[:, None] + fixed.new_tensor([k for _, k in names]), fixed)


def _connections(spec: GenomeSpec, hidden0: Tensor, gen: torch.Generator) -> tuple[Tensor, Tensor]:
    """[P, L] in and out keys of each genome's initial connections (PAD-free; L may be 0)."""
    p, dev = hidden0.shape[0], hidden0.device
    kind = spec.initial_connection
    if kind == "unconnected":
        empty = torch.zeros(p, 0, dtype=torch.int64, device=dev)
        return empty, empty
    if kind.startswith("fs_neat"):
        ins = -1 - torch.randint(spec.num_inputs, (p, 1), generator=gen, device=dev)
        targets = [("out", k) for k in range(spec.num_outputs)]
        if kind == "fs_neat_hidden":
            targets += [("hid", k) for k in range(spec.num_hidden)]
        outs = _keys(targets, hidden0)
        return ins.expand_as(outs), outs
    if kind.startswith("full") or kind.startswith("partial"):
        pairs = _full_template(spec, direct=kind.endswith("_direct"))
        ins = _keys([a for a, _ in pairs], hidden0)
        outs = _keys([b for _, b in pairs], hidden0)
        if kind.startswith("partial"):
            assert spec.connection_fraction is not None  # read for partial connections
            n = int(round(len(pairs) * spec.connection_fraction))
            pick = torch.argsort(torch.rand(p, len(pairs), generator=gen, device=dev), dim=1)[:, :n]
            ins, outs = ins.gather(1, pick), outs.gather(1, pick)
        return ins, outs
    raise ConfigError(
        f"[DefaultGenome] initial_connection = {kind!r} is not supported by engine='tensor'"
    )


def create_new(
    spec: GenomeSpec,
    n: int,
    *,
    first_gid: int,
    tracker: InnovationTracker,
    gen: torch.Generator,
    dtype: torch.dtype,
) -> Genomes:
    """``n`` new genomes with ids ``first_gid ..`` (``create_new`` + ``configure_new``)."""
    dev = tracker.device
    h, n_out = spec.num_hidden, spec.num_outputs
    hidden0 = (
        tracker.fresh_nodes(n * h).view(n, h)[:, 0]
        if h
        else torch.zeros(n, dtype=torch.int64, device=dev)
    )
    node_key = torch.cat(
        [
            torch.arange(n_out, device=dev).expand(n, n_out),
            hidden0[:, None] + torch.arange(h, device=dev),
        ],
        dim=1,
    )
    nodes = GeneTable(
        node_key.contiguous(), init_genes(spec.nodes, node_key.shape, gen, dtype, dev)
    )
    ins, outs = _connections(spec, hidden0, gen)
    code = conn_code(ins, outs)
    cols = init_genes(spec.conns, code.shape, gen, dtype, dev)
    cols["innovation"] = tracker.innovations(code.reshape(-1), "initial_connection").view(
        code.shape
    )
    conns = GeneTable(code.contiguous(), cols)
    if conns.width == 0:
        conns = conns.widen(1)
    gid = first_gid + torch.arange(n, device=dev)
    return Genomes(gid, nodes, conns).compact()


__all__ = ["create_new"]
