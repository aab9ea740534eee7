"""Recurrent populations: P neat-python ``RecurrentNetwork`` s stepped together in torch.

neat-python's ``RecurrentNetwork`` (``neat/nn/recurrent.py``) keeps two buffers of node
values. One ``activate(inputs)`` writes the inputs into both, then computes every node from
the *previous* step's values::

    new[n] = act_n(bias_n + response_n * agg_n([old[i] * w for i, w in links_n]))

and returns ``new`` of the output nodes. The nodes it evaluates are those with an enabled
incoming connection whose source or target is *required* (reaches an output through any
connection, enabled or not); every other node -- an output with no incoming connection, a
hidden node whose connections are all disabled -- stays 0.0 forever. Inputs are read at
the current step, nodes at the previous one.

Here the evaluated nodes of all P genomes form one state tensor ``[N, B]`` (node-major).
One step is a single :class:`Stage`: gather the previous values along padded incoming-edge
index matrices, weight them, aggregate per aggregation group and activate per activation
group (nodes are sorted so that every group is a contiguous slice), with no per-genome Python
loop. Only nodes that reach an output through enabled connections are evaluated: neat-python
computes more, but no output ever reads them.

Example::

    net = compile_recurrent(genomes, config.genome_config, dtype=torch.float64)
    net.reset()
    for x in observations:          # x: [B, n_in] or [P, B, n_in]
        y = net(x)                  # [P, B, n_out], one neat-python activate() per genome
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from neuroevo.compile.functions import activation, aggregation
from neuroevo.compile.graph import flatten_population, required_nodes, runs
from neuroevo.devices import resolve_device
from neuroevo.errors import CompileError, TaskError
from neuroevo.policy import BatchedPolicy

Tensor = torch.Tensor


class Stage(torch.nn.Module):
    """One gather -> weight -> aggregate -> bias/response -> activate pass over many nodes.

    Built from flat numpy arrays describing the stage's ``N`` nodes and their incoming edges.
    ``forward(values [M, B], weights, bias, response)`` returns the ``N`` new values
    ``[N, B]`` in *output order* (nodes sorted by activation, see :attr:`out_pos`); ``values``
    row 0 must be 0.0 (padded slots read it). ``weights[g]`` is the ``[n_g, K_g]`` padded
    weight matrix of aggregation group ``g`` (see :meth:`padded_weights`), ``bias`` and
    ``response`` are in aggregation order (see :meth:`node_params`). ``node_param[i]`` is the
    index of node ``i``'s bias/response in the caller's vectors (default: ``i``).
    """

    def __init__(
        self,
        agg_names: Sequence[str],
        act_names: Sequence[str],
        node_agg: np.ndarray,
        node_act: np.ndarray,
        node_param: np.ndarray | None = None,
    ) -> None:
        super().__init__()
        n = len(node_agg)
        self.num_nodes = n
        # only the functions this stage uses (CompileError naming the fix when unknown)
        self._agg_fns = {int(c): aggregation(agg_names[c]) for c in np.unique(node_agg)}
        self._act_fns = {int(c): activation(act_names[c]) for c in np.unique(node_act)}
        agg_order = np.lexsort((node_act, node_agg)).astype(np.int64)  # by agg, then act
        act_order = np.argsort(node_act, kind="stable").astype(np.int64)
        self.agg_pos = np.empty(n, np.int64)
        self.agg_pos[agg_order] = np.arange(n)
        #: position of each node (in the caller's numbering) in this stage's output
        self.out_pos = np.empty(n, np.int64)
        self.out_pos[act_order] = np.arange(n)
        # index of each node's bias/response in the caller's vectors, in aggregation order
        node_param = np.arange(n) if node_param is None else np.asarray(node_param, np.int64)
        self.register_buffer(
            "node_param", torch.from_numpy(node_param[agg_order]), persistent=False
        )
        self.agg_groups = runs(node_agg[agg_order])  # [(code, start, stop)]
        self.act_groups = runs(node_act[act_order])
        self.register_buffer("perm", torch.from_numpy(self.agg_pos[act_order]), persistent=False)

    def set_edges(self, target: np.ndarray, source_slot: np.ndarray, param: np.ndarray) -> None:
        """Incoming edges, in neat-python's link order per target.

        ``target``: node index (caller's numbering) of each edge; ``source_slot``: row of
        ``values`` it reads; ``param``: index of its weight in the flat weight vector.
        """
        n = self.num_nodes
        t = self.agg_pos[target]
        order = np.argsort(t, kind="stable")  # stable: keeps the link order per node
        t, src, par = t[order], source_slot[order], param[order]
        counts = np.bincount(t, minlength=n)
        starts = np.cumsum(counts) - counts
        rank = np.arange(len(t)) - starts[t]
        self._num_groups = len(self.agg_groups)
        for g, (_, s, e) in enumerate(self.agg_groups):
            k = max(1, int(counts[s:e].max()) if e > s else 1)
            sel = (t >= s) & (t < e)
            idx = np.zeros((e - s, k), np.int64)
            pidx = np.full((e - s, k), -1, np.int64)
            idx[t[sel] - s, rank[sel]] = src[sel]
            pidx[t[sel] - s, rank[sel]] = par[sel]
            self.register_buffer(f"idx{g}", torch.from_numpy(idx), persistent=False)
            self.register_buffer(f"pidx{g}", torch.from_numpy(pidx), persistent=False)
            self.register_buffer(f"mask{g}", torch.from_numpy(pidx >= 0), persistent=False)

    def padded_weights(self, weight: Tensor) -> list[Tensor]:
        """Scatter a flat weight vector ``[E]`` into each group's ``[n_g, K_g]`` matrix."""
        ext = torch.cat([weight, weight.new_zeros(1)])  # index -1 -> the padding 0.0
        return [ext[getattr(self, f"pidx{g}")] for g in range(self._num_groups)]

    def node_params(self, bias: Tensor, response: Tensor) -> tuple[Tensor, Tensor]:
        """This stage's bias and response, in aggregation order, from the caller's vectors."""
        return bias[self.node_param], response[self.node_param]

    def forward(
        self, values: Tensor, weights: list[Tensor], bias: Tensor, response: Tensor
    ) -> Tensor:
        if self.num_nodes == 0:
            return values.new_zeros(0, values.shape[1])
        zs = []
        for g, (_, s, e) in enumerate(self.agg_groups):
            idx: Tensor = getattr(self, f"idx{g}")
            v = values[idx] * weights[g].unsqueeze(-1)  # [n_g, K_g, B]
            zs.append(self._agg_fns[self.agg_groups[g][0]](v, getattr(self, f"mask{g}")))
        z = zs[0] if len(zs) == 1 else torch.cat(zs)
        z = bias.unsqueeze(-1) + response.unsqueeze(-1) * z  # neat: bias + response * s
        z = z[self.perm]
        outs = [self._act_fns[code](z[s:e]) for code, s, e in self.act_groups]
        return outs[0] if len(outs) == 1 else torch.cat(outs)


class RecurrentPopulationNetwork(BatchedPolicy):
    """P neat-python ``RecurrentNetwork`` s as one stateful batched module.

    ``net(x)`` with ``x`` of shape ``[B, n_in]`` (shared) or ``[P, B, n_in]`` performs one
    ``activate`` of every genome and returns ``[P, B, n_out]``. The state (all evaluated
    nodes, ``[N, B]``) starts at zero; the batch size is fixed by the first call after
    :meth:`reset`, which zeroes the state.

    Example::

        net = RecurrentPopulationNetwork(genomes, config.genome_config)
        y1 = net(torch.ones(4, config.genome_config.num_inputs))   # step 1
        y2 = net(torch.ones(4, config.genome_config.num_inputs))   # step 2 (sees step 1)
        net.reset()
    """

    recurrent = True

    def __init__(
        self,
        genomes: Sequence[Any],
        genome_config: Any,
        *,
        device: torch.device | str | None = None,
        dtype: torch.dtype = torch.float32,
        trainable: bool = False,
    ) -> None:
        super().__init__()
        genomes = list(genomes)
        if not genomes:
            raise CompileError("compile_recurrent: got no genomes; pass a non-empty list")
        device = resolve_device(device)
        self.num_candidates = len(genomes)
        self.num_inputs = len(genome_config.input_keys)
        self.num_outputs = len(genome_config.output_keys)
        self.dtype = dtype
        plan = _plan(genomes, genome_config)
        # which genes the parameter vectors hold: node (genome, key), connection (genome, key)
        self.node_genome, self.node_key = plan["node_genome"], plan["node_key"]
        self.conn_genome = plan["conn_genome"]
        self.conn_key = np.stack([plan["conn_src_key"], plan["conn_dst_key"]], 1)
        n_fixed = 1 + self.num_candidates * self.num_inputs  # zero row + input rows
        self.stage = Stage(plan["agg_names"], plan["act_names"], plan["node_agg"], plan["node_act"])
        src_node = plan["src_node"]
        row = np.append(self.stage.out_pos, -1)  # [-1]: no evaluated node
        slot = np.where(src_node >= 0, n_fixed + row[src_node], plan["src_fixed"])
        self.stage.set_edges(plan["tgt"], slot, np.arange(len(slot)))
        out_node = plan["out_node"]  # [P, n_out], -1: stays 0.0
        out_slot = 1 + row[out_node]  # 0: the zero row
        self.register_buffer("out_slot", torch.from_numpy(out_slot.reshape(-1)), persistent=False)
        as_t = lambda a: torch.as_tensor(a, dtype=dtype)  # noqa: E731
        weight, bias, response = as_t(plan["weight"]), as_t(plan["bias"]), as_t(plan["response"])
        self.trainable = trainable
        if trainable:
            self.weight = torch.nn.Parameter(weight)
            self.bias = torch.nn.Parameter(bias)
            self.response = torch.nn.Parameter(response)
        else:
            self.register_buffer("weight", weight, persistent=False)
            self.register_buffer("bias", bias, persistent=False)
            self.register_buffer("response", response, persistent=False)
        self.register_buffer("_state", None, persistent=False)
        self.to(device)
        if not trainable:  # parameters are fixed: pad them once
            self._fixed = self._params()

    def _params(self) -> tuple[list[Tensor], Tensor, Tensor]:
        w = self.stage.padded_weights(self.weight)
        b, r = self.stage.node_params(self.bias, self.response)
        return w, b, r

    def _apply(self, fn, recurse=True):  # keep the cached padded parameters on the device
        out = super()._apply(fn, recurse)
        if getattr(self, "_fixed", None) is not None:
            self._fixed = self._params()
        return out

    @property
    def device(self) -> torch.device:
        return self.out_slot.device

    def reset(self) -> None:
        """Zero every node value (neat-python's ``RecurrentNetwork.reset``)."""
        self._state = None

    def initial_state(self, batch_size: int) -> Tensor:
        """The all-zero state ``[N, batch_size]``."""
        return torch.zeros(self.stage.num_nodes, batch_size, dtype=self.dtype, device=self.device)

    def input_rows(self, x: Tensor) -> Tensor:
        """Check ``x`` and lay it out as the ``[P * n_in, B]`` input rows."""
        x = torch.as_tensor(x, dtype=self.dtype, device=self.device)
        p, n_in = self.num_candidates, self.num_inputs
        if x.dim() == 2 and x.shape[1] == n_in:
            return x.t().repeat(p, 1)
        if x.dim() == 3 and x.shape[0] == p and x.shape[2] == n_in:
            return x.permute(0, 2, 1).reshape(p * n_in, x.shape[1])
        raise TaskError(
            f"recurrent network of {p} genomes with {n_in} inputs got x of shape "
            f"{tuple(x.shape)}; pass [B, {n_in}] (shared) or [{p}, B, {n_in}]"
        )

    def step(self, rows: Tensor, state: Tensor) -> tuple[Tensor, Tensor]:
        """One ``activate`` from explicit state: ``(rows [P*n_in, B], state [N, B])`` ->
        ``(outputs [P, B, n_out], new state [N, B])``."""
        w, b, r = self._fixed if not self.trainable else self._params()
        zero = rows.new_zeros(1, rows.shape[1])
        new = self.stage(torch.cat([zero, rows, state]), w, b, r)
        out = torch.cat([zero, new])[self.out_slot]  # [P * n_out, B]
        out = out.view(self.num_candidates, self.num_outputs, -1).permute(0, 2, 1)
        return out, new

    def forward(self, x: Tensor) -> Tensor:
        rows = self.input_rows(x)
        batch = rows.shape[1]
        state = self._state
        if state is None:
            state = self.initial_state(batch)
        elif state.shape[1] != batch:
            raise TaskError(
                f"recurrent network state holds a batch of {state.shape[1]} but x has "
                f"{batch} rows; call reset() before changing the batch size"
            )
        out, self._state = self.step(rows, state)
        return out

    def extra_repr(self) -> str:
        return (f"genomes={self.num_candidates}, inputs={self.num_inputs}, "
                f"outputs={self.num_outputs}, nodes={self.stage.num_nodes}, "
                f"connections={len(self.conn_genome)}")


def _plan(genomes: Sequence[Any], genome_config: Any) -> dict[str, Any]:
    """The evaluated nodes and their links, for all genomes at once (vectorised numpy)."""
    flat = flatten_population(genomes, genome_config)
    n_in = len(flat.input_keys)
    has_input = np.zeros(flat.num_nodes, bool)
    has_input[flat.edge_dst] = True
    evaluated = required_nodes(flat) & has_input
    ev = np.flatnonzero(evaluated)
    index = np.full(flat.num_nodes + 1, -1, np.int64)  # node -> evaluated index; [-1] -> -1
    index[ev] = np.arange(len(ev))
    used = evaluated[flat.edge_dst]
    src, dst, genome = flat.edge_src[used], flat.edge_dst[used], flat.edge_genome[used]
    is_input = src < 0
    in_keys = np.asarray(flat.input_keys, np.int64)
    return {
        "agg_names": flat.aggregation_names,
        "act_names": flat.activation_names,
        "node_genome": flat.node_genome[ev],
        "node_key": flat.node_key[ev],
        "node_agg": flat.aggregation[ev],
        "node_act": flat.activation[ev],
        "bias": flat.bias[ev],
        "response": flat.response[ev],
        "conn_genome": genome,
        "conn_src_key": np.where(is_input, in_keys[-1 - np.minimum(src, -1)] if n_in else src,
                                 flat.node_key[np.maximum(src, 0)]),
        "conn_dst_key": flat.node_key[dst],
        "tgt": index[dst],
        # node sources: evaluated index, or -1 (an input, or a node that always reads 0.0)
        "src_node": np.where(is_input, -1, index[np.maximum(src, 0)]),
        "src_fixed": np.where(is_input, 1 + genome * n_in + (-1 - src), 0),
        "weight": flat.edge_weight[used],
        "out_node": index[flat.output_nodes()],  # [P, n_out], -1: stays 0.0
    }


def compile_recurrent(
    genomes: Sequence[Any],
    genome_config: Any,
    *,
    device: torch.device | str | None = None,
    dtype: torch.dtype = torch.float32,
) -> RecurrentPopulationNetwork:
    """Compile neat-python genomes into one stateful batched recurrent network.

    Step by step equal to ``neat.nn.RecurrentNetwork.create(g, config).activate(x)`` for every
    genome (see the module docstring for the exact semantics). ``device=None`` picks CUDA
    when available.

    Example::

        net = compile_recurrent(list(population.population.values()), config.genome_config)
        y = net(torch.zeros(8, config.genome_config.num_inputs))   # [P, 8, n_out]
    """
    return RecurrentPopulationNetwork(genomes, genome_config, device=device, dtype=dtype)


__all__ = ["RecurrentPopulationNetwork", "Stage", "compile_recurrent"]
