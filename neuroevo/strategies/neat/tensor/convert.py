"""Rows of the tensor population to and from neat-python genomes.

Everything that reads genomes -- drawings (:mod:`neuroevo.viz`), genome JSON
(:mod:`neuroevo.io.genome_json`), exports, ``compile_genome`` and neat-python's own
``neat.nn.FeedForwardNetwork`` -- works on the genomes :func:`to_neat` returns: instances of
the config's ``genome_type`` with its ``node_gene_type`` / ``connection_gene_type`` genes,
nodes in key order and connections in ``(in, out)`` order, each connection with its
innovation number. :func:`from_neat` reads such genomes back (any genome whose genes have
the attributes the config declares), so ``from_neat(to_neat(g))`` is the identity.

These are per-genome Python loops: for a few genomes on demand (the best, a drawing, a
file), never on the per-generation path.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch

from neuroevo.errors import ConfigError
from neuroevo.strategies.neat.tensor.genes import PAD, GeneTable, Genomes, conn_code, conn_ends
from neuroevo.strategies.neat.tensor.spec import GeneSpec, GenomeSpec

Tensor = torch.Tensor


def _values(table: GeneTable, rows: Tensor, spec: GeneSpec) -> tuple[list, dict[str, list]]:
    sub = table.take(rows)
    cols = {n: sub.cols[n].cpu().tolist() for n in (*spec.names, "innovation") if n in sub.cols}
    return sub.key.cpu().tolist(), cols


def _set_attributes(gene: Any, spec: GeneSpec, cols: dict[str, list], r: int, k: int) -> None:
    for s in spec.floats:
        setattr(gene, s.name, float(cols[s.name][r][k]))
    for s in spec.bools:
        setattr(gene, s.name, bool(cols[s.name][r][k]))
    for s in spec.choices:
        setattr(gene, s.name, s.options[cols[s.name][r][k]])
    for name, value in spec.fixed:
        setattr(gene, name, value)


def to_neat(
    genomes: Genomes,
    rows: Sequence[int] | Tensor,
    config: Any,
    fitness: Tensor | None = None,
    spec: GenomeSpec | None = None,
) -> list[Any]:
    """neat-python genomes (``config.genome_type``) of the given rows, in that order.

    ``config`` is the ``neat.Config``; ``fitness [P]`` (optional) sets ``genome.fitness``;
    ``spec``: ``GenomeSpec.read(config)`` when the caller has it already.
    """
    spec = spec if spec is not None else GenomeSpec.read(config)
    gc = config.genome_config
    rows = torch.as_tensor(rows, dtype=torch.int64, device=genomes.device).reshape(-1)
    gids = genomes.gid[rows].cpu().tolist()
    fit = None if fitness is None else fitness[rows].double().cpu().tolist()
    node_keys, node_cols = _values(genomes.nodes, rows, spec.nodes)
    codes, conn_cols = _values(genomes.conns, rows, spec.conns)
    out = []
    for r, gid in enumerate(gids):
        g = config.genome_type(int(gid))
        for k, key in enumerate(node_keys[r]):
            if key == PAD:
                continue
            ng = gc.node_gene_type(int(key))
            _set_attributes(ng, spec.nodes, node_cols, r, k)
            g.nodes[int(key)] = ng
        row_codes = torch.tensor(codes[r], dtype=torch.int64)
        ins, outs = (t.tolist() for t in conn_ends(row_codes))
        for k, code in enumerate(codes[r]):
            if code == PAD:
                continue
            key = (int(ins[k]), int(outs[k]))
            cg = gc.connection_gene_type(key, innovation=int(conn_cols["innovation"][r][k]))
            _set_attributes(cg, spec.conns, conn_cols, r, k)
            g.connections[key] = cg
        if fit is not None:
            g.fitness = fit[r]
        out.append(g)
    return out


def _gene_rows(
    genes: list[list[Any]],
    spec: GeneSpec,
    keys: list[list[int]],
    extra: dict[str, list[list[int]]],
    dtype: torch.dtype,
    device: torch.device | str,
) -> GeneTable:
    p = len(keys)
    width = max([len(k) for k in keys] + [1])
    key = torch.full((p, width), PAD, dtype=torch.int64)
    cols: dict[str, Tensor] = {}
    for s in spec.floats:
        cols[s.name] = torch.zeros(p, width, dtype=torch.float64)
    for s in spec.bools:
        cols[s.name] = torch.zeros(p, width, dtype=torch.bool)
    for s in spec.choices:
        cols[s.name] = torch.zeros(p, width, dtype=torch.int16)
    for name in extra:
        cols[name] = torch.zeros(p, width, dtype=torch.int64)
    for r, (row_genes, row_keys) in enumerate(zip(genes, keys)):
        n = len(row_keys)
        if not n:
            continue
        key[r, :n] = torch.tensor(row_keys, dtype=torch.int64)
        for s in spec.floats:
            cols[s.name][r, :n] = torch.tensor(
                [float(getattr(g, s.name)) for g in row_genes], dtype=torch.float64
            )
        for s in spec.bools:
            cols[s.name][r, :n] = torch.tensor([bool(getattr(g, s.name)) for g in row_genes])
        for s in spec.choices:
            cols[s.name][r, :n] = torch.tensor(
                [s.code(getattr(g, s.name)) for g in row_genes], dtype=torch.int16
            )
        for name, value in spec.fixed:
            bad = next((g for g in row_genes if getattr(g, name) != value), None)
            if bad is not None:
                raise ConfigError(
                    f"gene {bad.key} has {name} = {getattr(bad, name)!r}, but the config fixes "
                    f"{name} at {value!r} (no spread at init, no mutation), so engine='tensor' "
                    f"stores it once; change the genome, or let {name} vary in the INI file"
                )
        for name, values in extra.items():
            cols[name][r, :n] = torch.tensor(values[r], dtype=torch.int64)
    cols = {n: (c.to(dtype) if c.is_floating_point() else c).to(device) for n, c in cols.items()}
    return GeneTable(key.to(device), cols)


def from_neat(
    genomes: Sequence[Any],
    config: Any,
    *,
    dtype: torch.dtype = torch.float32,
    device: torch.device | str = "cpu",
) -> Genomes:
    """The tensor form of neat-python genomes (ids from ``genome.key``)."""
    spec = GenomeSpec.read(config)
    n_in = spec.num_inputs
    node_genes, node_keys, conn_genes, conn_codes, innov = [], [], [], [], []
    for g in genomes:
        node_genes.append(list(g.nodes.values()))
        node_keys.append([int(k) for k in g.nodes])
        cgs = list(g.connections.values())
        for cg in cgs:
            i, o = cg.key
            if not (-n_in <= i and 0 <= o < (1 << 31)) or not hasattr(cg, "innovation"):
                raise ConfigError(
                    f"genome {g.key}: connection {cg.key} does not fit this config "
                    f"({n_in} inputs; connection genes need an innovation number)"
                )
        conn_genes.append(cgs)
        ins = torch.tensor([cg.key[0] for cg in cgs], dtype=torch.int64)
        outs = torch.tensor([cg.key[1] for cg in cgs], dtype=torch.int64)
        conn_codes.append(conn_code(ins, outs).tolist())
        innov.append([int(cg.innovation) for cg in cgs])
    nodes = _gene_rows(node_genes, spec.nodes, node_keys, {}, dtype, device)
    conns = _gene_rows(conn_genes, spec.conns, conn_codes, {"innovation": innov}, dtype, device)
    gid = torch.tensor([int(g.key) for g in genomes], dtype=torch.int64, device=device)
    return Genomes(gid, nodes, conns).compact()


__all__ = ["to_neat", "from_neat"]
