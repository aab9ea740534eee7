"""A generation's batched network, built straight from the population tensors.

``compile_population`` reads neat-python genomes into a
:class:`~neuroevo.compile.graph.FlatPopulation` (one Python loop over genes) and builds a
:class:`~neuroevo.compile.population.PopulationNetwork` from it. :func:`flat_population` builds
the same ``FlatPopulation`` from the tensors with a few tensor operations -- valid nodes in
key order, enabled connections in ``(in, out)`` order, end points found by
``torch.searchsorted`` in each row's sorted node keys -- so the network is the one
``compile_population`` would build from :func:`~neuroevo.strategies.neat.tensor.convert.to_neat`'s
genomes, run by the same kernel, with the same outputs (tests/strategies/neat_tensor).

Recurrent configs (``feed_forward = False``) are compiled through neat-python genomes
(``compile_population(..., recurrent=True)``): correct, but with a per-genome loop.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from neuroevo.compile.graph import FlatPopulation
from neuroevo.compile.population import PopulationNetwork, compile_population
from neuroevo.errors import CompileError
from neuroevo.policy import BatchedPolicy
from neuroevo.strategies.neat.tensor.genes import Genomes, conn_ends
from neuroevo.strategies.neat.tensor.spec import GenomeSpec

Tensor = torch.Tensor


def _np(t: Tensor, dtype=np.int64) -> np.ndarray:
    return t.cpu().numpy().astype(dtype, copy=False)


def flat_population(genomes: Genomes, spec: GenomeSpec) -> FlatPopulation:
    """The :class:`FlatPopulation` of all genomes, without neat-python objects."""
    nodes, conns = genomes.nodes, genomes.conns
    p = len(genomes)
    n_valid = nodes.valid()
    count = n_valid.sum(1)
    offset = torch.cumsum(count, 0) - count           # flat index of each row's first node
    node_row = torch.arange(p, device=genomes.device)[:, None].expand_as(nodes.key)[n_valid]

    edge = conns.valid() & conns.cols["enabled"]
    ins, outs = conn_ends(conns.key)

    def node_index(keys: Tensor) -> tuple[Tensor, Tensor]:
        slot = torch.searchsorted(nodes.key, keys).clamp_(max=nodes.width - 1)
        found = nodes.key.gather(1, slot) == keys
        return offset[:, None] + slot, found

    dst, dst_ok = node_index(outs)
    src, src_ok = node_index(ins)
    src = torch.where(ins < 0, ins, src)             # inputs: -1 - position == their key
    bad = edge & ~(dst_ok & (src_ok | (ins < 0)))
    if bool(bad.any()):
        r, c = (int(x) for x in bad.nonzero()[0])
        raise CompileError(f"genome {int(genomes.gid[r])}: enabled connection "
                           f"({int(ins[r, c])}, {int(outs[r, c])}) between nodes it does not have")
    edge_row = torch.arange(p, device=genomes.device)[:, None].expand_as(conns.key)[edge]
    choice = {s.name: s.options for s in spec.nodes.choices}
    return FlatPopulation(
        num_genomes=p,
        input_keys=[-i - 1 for i in range(spec.num_inputs)],
        output_keys=list(range(spec.num_outputs)),
        node_genome=_np(node_row),
        node_key=_np(nodes.key[n_valid]),
        bias=_np(nodes.cols["bias"][n_valid], np.float64),
        response=_np(nodes.cols["response"][n_valid], np.float64),
        activation=_np(nodes.cols["activation"][n_valid]),
        aggregation=_np(nodes.cols["aggregation"][n_valid]),
        activation_names=list(choice["activation"]),
        aggregation_names=list(choice["aggregation"]),
        edge_genome=_np(edge_row),
        edge_src=_np(src[edge]),
        edge_dst=_np(dst[edge]),
        edge_weight=_np(conns.cols["weight"][edge], np.float64),
    )


def compile_genomes(genomes: Genomes, spec: GenomeSpec, config: Any, *,
                    device: torch.device, dtype: torch.dtype) -> BatchedPolicy:
    """The batched policy of every genome, in row order: ``[B, n_in]`` or ``[P, B, n_in]``
    -> ``[P, B, n_out]``."""
    if not spec.feed_forward:
        from neuroevo.strategies.neat.tensor.convert import to_neat

        rows = torch.arange(len(genomes), device=genomes.device)
        return compile_population(to_neat(genomes, rows, config), config.genome_config,
                                  device=device, dtype=dtype, recurrent=True)
    return PopulationNetwork(flat_population(genomes, spec), device=device, dtype=dtype)


__all__ = ["flat_population", "compile_genomes"]
