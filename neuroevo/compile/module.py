"""One genome as a trainable ``torch.nn.Module``: fine-tune it by gradient descent, write it back.

:func:`compile_genome` turns a neat-python genome into a :class:`GenomeModule` whose
connection weights, node biases and node responses are three ``nn.Parameter`` vectors
(``module.weight``, ``module.bias``, ``module.response``). Its forward ``[B, n_in] ->
[B, n_out]`` equals ``neat.nn.FeedForwardNetwork`` (or, with ``recurrent=True``,
``neat.nn.RecurrentNetwork`` step by step) for that genome, and gradients flow through
every one of neat-python's activations (see ``neuroevo.compile.functions``).
:meth:`GenomeModule.update_genome` writes the trained values back into the genes.

Feed-forward genomes use the graph analysis of ``neuroevo.compile.graph`` (neat-python's
``feed_forward_layers`` semantics) and evaluate one :class:`~neuroevo.compile.recurrent.Stage`
per level; recurrent genomes reuse the recurrent population compiler with P = 1. This is
the Lamarckian step of "hybrid" neuroevolution: evolve the topology, train the weights,
write them back (e.g. Chen & Alahakoon 2006, "NeuroEvolution of augmenting topologies with
learning for data classification").

Example::

    module = compile_genome(winner, config.genome_config)
    opt = torch.optim.Adam(module.parameters(), lr=0.01)
    for _ in range(200):
        loss = ((module(x) - y) ** 2).mean()
        opt.zero_grad(); loss.backward(); opt.step()
    module.update_genome(winner)        # neat-python's own networks now use the trained values
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from neuroevo.compile.graph import evaluation_levels, flatten_population, required_nodes
from neuroevo.compile.recurrent import RecurrentPopulationNetwork, Stage
from neuroevo.errors import CompileError, TaskError
from neuroevo.devices import resolve_device

Tensor = torch.Tensor


class _FeedForward(torch.nn.Module):
    """A feed-forward genome as one :class:`Stage` per evaluation level.

    Value rows: 0 is the constant zero, then the ``n_in`` inputs, then each level's nodes
    in the order its stage outputs them; each level appends its rows with ``torch.cat``
    (no in-place writes, so autograd sees a plain graph and tracing/export is simple).
    """

    def __init__(self, genome: Any, genome_config: Any, dtype: torch.dtype) -> None:
        super().__init__()
        flat = flatten_population([genome], genome_config)
        self.num_inputs = n_in = len(flat.input_keys)
        self.num_outputs = len(flat.output_keys)
        level = evaluation_levels(flat, required_nodes(flat))
        ev = np.flatnonzero(level >= 0)
        ev = ev[np.argsort(level[ev], kind="stable")]
        index = np.full(flat.num_nodes + 1, -1, np.int64)  # node -> parameter index
        index[ev] = np.arange(len(ev))
        used = level[flat.edge_dst] >= 0  # enabled connections into evaluated nodes
        src, dst = flat.edge_src[used], flat.edge_dst[used]
        in_keys = np.asarray(flat.input_keys, np.int64)
        self.node_key = flat.node_key[ev]
        src_key = np.where(src < 0, in_keys[-1 - np.minimum(src, -1)] if n_in else src,
                           flat.node_key[np.maximum(src, 0)])
        self.conn_key = np.stack([src_key, flat.node_key[dst]], 1)
        row = np.zeros(flat.num_nodes + 1, np.int64)  # node -> value row; 0: reads 0.0
        next_row = 1 + n_in
        stages = []
        edge_param = np.arange(len(src))
        for lvl in range(int(level.max()) + 1 if len(ev) else 0):
            nodes = ev[level[ev] == lvl]
            stage = Stage(flat.aggregation_names, flat.activation_names,
                          flat.aggregation[nodes], flat.activation[nodes], index[nodes])
            row[nodes] = next_row + stage.out_pos
            local = np.full(flat.num_nodes, -1, np.int64)
            local[nodes] = np.arange(len(nodes))
            mine = level[dst] == lvl
            s = src[mine]
            slot = np.where(s < 0, 1 + (-1 - s), row[np.maximum(s, 0)])
            stage.set_edges(local[dst[mine]], slot, edge_param[mine])
            stages.append(stage)
            next_row += len(nodes)
        self.stages = torch.nn.ModuleList(stages)
        self.register_buffer("out_row", torch.from_numpy(row[flat.output_nodes()[0]]),
                             persistent=False)
        as_t = lambda a: torch.nn.Parameter(torch.as_tensor(a, dtype=dtype))  # noqa: E731
        self.weight = as_t(flat.edge_weight[used])
        self.bias = as_t(flat.bias[ev])
        self.response = as_t(flat.response[ev])

    def forward(self, x: Tensor) -> Tensor:
        values = torch.cat([x.new_zeros(1, x.shape[0]), x.t()])
        for stage in self.stages:
            b, r = stage.node_params(self.bias, self.response)
            values = torch.cat([values, stage(values, stage.padded_weights(self.weight), b, r)])
        return values[self.out_row].t()


class GenomeModule(torch.nn.Module):
    """One neat-python genome with its weights, biases and responses as ``nn.Parameter`` s.

    ``module(x)`` maps ``[B, n_in]`` to ``[B, n_out]``. Recurrent modules keep a state
    across calls (one call = one ``activate``) that :meth:`reset` clears. Only the genes
    that can change an output are parameters: ``conn_keys[i]`` is the connection of
    ``weight[i]``, ``node_keys[j]`` the node of ``bias[j]`` / ``response[j]``.

    Example::

        module = compile_genome(genome, config.genome_config)
        y = module(torch.tensor([[0.0, 1.0]]))
    """

    def __init__(
        self,
        genome: Any,
        genome_config: Any,
        *,
        device: torch.device | str | None = None,
        dtype: torch.dtype = torch.float32,
        recurrent: bool = False,
    ) -> None:
        super().__init__()
        device = resolve_device(device)
        self.recurrent = recurrent
        self.dtype = dtype
        self.genome_key = getattr(genome, "key", None)
        if recurrent:
            self.core = RecurrentPopulationNetwork(
                [genome], genome_config, device=device, dtype=dtype, trainable=True
            )
        else:
            self.core = _FeedForward(genome, genome_config, dtype)
        self.num_inputs = self.core.num_inputs
        self.num_outputs = self.core.num_outputs
        self.conn_keys: list[tuple[int, int]] = [(int(a), int(b)) for a, b in self.core.conn_key]
        self.node_keys: list[int] = [int(k) for k in self.core.node_key]
        self.to(device)

    @property
    def weight(self) -> torch.nn.Parameter:
        """Connection weights, one per entry of :attr:`conn_keys`."""
        return self.core.weight

    @property
    def bias(self) -> torch.nn.Parameter:
        """Node biases, one per entry of :attr:`node_keys`."""
        return self.core.bias

    @property
    def response(self) -> torch.nn.Parameter:
        """Node responses (the multiplier of the aggregated input), as :attr:`bias`."""
        return self.core.response

    def reset(self) -> None:
        """Zero the recurrent state (no-op for feed-forward modules)."""
        if self.recurrent:
            self.core.reset()

    def forward(self, x: Tensor) -> Tensor:
        x = torch.as_tensor(x, dtype=self.dtype, device=self.weight.device)
        if x.dim() != 2 or x.shape[1] != self.num_inputs:
            raise TaskError(
                f"genome module with {self.num_inputs} inputs got x of shape "
                f"{tuple(x.shape)}; pass [B, {self.num_inputs}]"
            )
        if self.recurrent:
            return self.core(x)[0]
        return self.core(x)

    def step(self, x: Tensor, state: Tensor) -> tuple[Tensor, Tensor]:
        """Recurrent modules only: one ``activate`` from an explicit state.

        ``(x [B, n_in], state [N, B]) -> (y [B, n_out], new state [N, B])``; start from
        ``initial_state(B)``. Pure (no hidden state), which is what export needs.
        """
        if not self.recurrent:
            raise CompileError("step() is for recurrent modules; compile with recurrent=True")
        y, new = self.core.step(self.core.input_rows(x), state)
        return y[0], new

    def initial_state(self, batch_size: int) -> Tensor:
        """Recurrent modules only: the all-zero state ``[N, batch_size]``."""
        if not self.recurrent:
            raise CompileError(
                "initial_state() is for recurrent modules; compile with recurrent=True"
            )
        return self.core.initial_state(batch_size)

    @torch.no_grad()
    def update_genome(self, genome: Any) -> Any:
        """Write the current weights, biases and responses into ``genome``'s genes.

        ``genome`` must hold every connection and node this module was compiled from
        (normally the very genome, or a copy). Values are written as they are, without
        neat-python's ``*_min_value`` / ``*_max_value`` clamps (its networks do not clamp
        either; its mutation clamps on the next change). Returns ``genome``.
        """
        missing = [k for k in self.conn_keys if k not in genome.connections]
        missing += [k for k in self.node_keys if k not in genome.nodes]
        if missing:
            raise CompileError(
                f"update_genome: genome {getattr(genome, 'key', '?')} lacks genes {missing[:5]} "
                f"of the module compiled from genome {self.genome_key}; pass that genome "
                "(or a copy of it)"
            )
        for k, w in zip(self.conn_keys, self.weight.detach().cpu().tolist()):
            genome.connections[k].weight = w
        bias = self.bias.detach().cpu().tolist()
        response = self.response.detach().cpu().tolist()
        for k, b, r in zip(self.node_keys, bias, response):
            genome.nodes[k].bias = b
            genome.nodes[k].response = r
        return genome

    def extra_repr(self) -> str:
        return (f"genome={self.genome_key}, inputs={self.num_inputs}, outputs={self.num_outputs}, "
                f"connections={len(self.conn_keys)}, nodes={len(self.node_keys)}, "
                f"recurrent={self.recurrent}")


def compile_genome(
    genome: Any,
    genome_config: Any,
    *,
    device: torch.device | str | None = None,
    dtype: torch.dtype = torch.float32,
    recurrent: bool = False,
) -> GenomeModule:
    """Compile one neat-python genome into a trainable :class:`GenomeModule`.

    Outputs equal ``neat.nn.FeedForwardNetwork.create(genome, config).activate(x)`` (or
    ``RecurrentNetwork`` step by step with ``recurrent=True``). ``device=None`` picks CUDA
    when available.

    Example::

        module = compile_genome(genome, config.genome_config, dtype=torch.float64)
        loss = ((module(x) - target) ** 2).mean()
        loss.backward()                     # gradients in module.weight / .bias / .response
    """
    return GenomeModule(genome, genome_config, device=device, dtype=dtype, recurrent=recurrent)


__all__ = ["GenomeModule", "compile_genome"]
