"""One genome as a trainable ``torch.nn.Module``: fine-tune it by gradient descent, write it back.

:func:`compile_genome` turns a neat-python genome into a :class:`GenomeModule` whose
connection weights, node biases and node responses are three ``nn.Parameter`` vectors
(``module.weight``, ``module.bias``, ``module.response``). Its forward ``[B, n_in] ->
[B, n_out]`` equals ``neat.nn.FeedForwardNetwork`` (or, with ``recurrent=True``,
``neat.nn.RecurrentNetwork`` step by step) for that genome, and gradients flow through
every one of neat-python's activations (see ``neuroevo.compile.functions``).
:meth:`GenomeModule.update_genome` writes the trained values back into the genes.

Feed-forward genomes use the graph analysis of ``neuroevo.compile.graph`` (neat-python's
``feed_forward_layers`` semantics) and the same blocks and kernel as the population
(:mod:`neuroevo.compile.layout`, :mod:`neuroevo.compile.kernel`); recurrent genomes reuse
the recurrent population compiler with P = 1. This is
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

from typing import Any, cast

import numpy as np
import torch

from neuroevo.compile.graph import (
    check_genome_config,
    evaluation_levels,
    flatten_population,
    genome_list,
    required_nodes,
)
from neuroevo.compile.kernel import FlatBlock
from neuroevo.compile.layout import FEW_BLOCKS, plan_layout
from neuroevo.compile.recurrent import RecurrentPopulationNetwork
from neuroevo.devices import resolve_device
from neuroevo.errors import CompileError, TaskError

Tensor = torch.Tensor


class _FeedForward(torch.nn.Module):
    """A feed-forward genome as kernel blocks, level after level.

    Value rows: 0 is the constant zero, then the ``n_in`` inputs, then the nodes in layout
    order; each block appends its rows with ``torch.cat`` (no in-place writes, so autograd
    sees a plain graph and tracing/export is simple). Parameters are three flat vectors:
    ``weight`` per used connection, ``bias`` and ``response`` per evaluated node by level.
    """

    out_row: Tensor  # a buffer (registered in __init__)

    def __init__(self, genome: Any, genome_config: Any, dtype: torch.dtype) -> None:
        super().__init__()
        flat = flatten_population([genome], genome_config, "compile_genome")
        self.num_inputs = n_in = len(flat.input_keys)
        self.num_outputs = len(flat.output_keys)
        level = evaluation_levels(flat, required_nodes(flat))
        ev = np.flatnonzero(level >= 0)
        ev = ev[np.argsort(level[ev], kind="stable")]  # parameter order of the nodes
        used = level[flat.edge_dst] >= 0  # enabled connections into evaluated nodes
        src_key, dst_key = flat.edge_keys()
        self.node_key = flat.node_key[ev]
        self.conn_key = np.stack([src_key[used], dst_key[used]], 1)
        node_param = np.full(flat.num_nodes, -1, np.int64)
        node_param[ev] = np.arange(len(ev))
        edge_param = np.full(len(used), -1, np.int64)
        edge_param[used] = np.arange(int(used.sum()))
        layout = plan_layout(level, flat.aggregation, flat.activation, flat.edge_dst, FEW_BLOCKS)
        row = np.where(layout.position >= 0, 1 + n_in + layout.position, 0)  # 0: reads 0.0
        src = flat.edge_src
        src_row = np.where(src < 0, 1 + (-1 - src), row[np.maximum(src, 0)])
        self.blocks = torch.nn.ModuleList(
            FlatBlock(
                plan,
                plan.pad(src_row),
                edge_param,
                node_param[layout.order[plan.start : plan.stop]],
                flat.aggregation_names,
                flat.activation_names,
            )
            for plan in layout.blocks
        )
        out = flat.output_nodes()[0]
        self.register_buffer(
            "out_row", torch.from_numpy(np.where(out >= 0, row[out], 0)), persistent=False
        )

        def as_t(a: np.ndarray) -> torch.nn.Parameter:
            return torch.nn.Parameter(torch.as_tensor(a, dtype=dtype))

        self.weight = as_t(flat.edge_weight[used])
        self.bias = as_t(flat.bias[ev])
        self.response = as_t(flat.response[ev])

    def forward(self, x: Tensor) -> Tensor:
        values = torch.cat([x.new_zeros(1, x.shape[0]), x.t()])
        for block in cast("list[FlatBlock]", self.blocks):
            new = block(values, block.params(self.weight, self.bias, self.response))
            values = torch.cat([values, new])
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
        check_genome_config(genome_config, "compile_genome")
        if isinstance(genome, tuple) and len(genome) == 2:
            raise CompileError(
                "compile_genome: got a (genome_id, genome) pair; pass the genome itself (pair[1])"
            )
        (genome,) = genome_list([genome], "compile_genome")
        device = resolve_device(device)
        self.recurrent = recurrent
        self.dtype = dtype
        self.genome_key = getattr(genome, "key", None)
        self.core: RecurrentPopulationNetwork | _FeedForward
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
        return cast(torch.nn.Parameter, self.core.weight)  # the core is trainable

    @property
    def bias(self) -> torch.nn.Parameter:
        """Node biases, one per entry of :attr:`node_keys`."""
        return cast(torch.nn.Parameter, self.core.bias)

    @property
    def response(self) -> torch.nn.Parameter:
        """Node responses (the multiplier of the aggregated input), as :attr:`bias`."""
        return cast(torch.nn.Parameter, self.core.response)

    def reset(self) -> None:
        """Zero the recurrent state (no-op for feed-forward modules)."""
        if self.recurrent:
            assert isinstance(self.core, RecurrentPopulationNetwork)
            self.core.reset()

    def forward(self, x: Tensor) -> Tensor:
        x = torch.as_tensor(x, dtype=self.dtype, device=self.weight.device)
        if x.dim() != 2 or x.shape[1] != self.num_inputs:
            raise TaskError(
                f"genome module with {self.num_inputs} inputs got x of shape "
                f"{tuple(x.shape)}; pass [B, {self.num_inputs}]"
            )
        y: Tensor = self.core(x)
        return y[0] if self.recurrent else y

    def step(self, x: Tensor, state: Tensor) -> tuple[Tensor, Tensor]:
        """Recurrent modules only: one ``activate`` from an explicit state.

        ``(x [B, n_in], state [N, B]) -> (y [B, n_out], new state [N, B])``; start from
        ``initial_state(B)``. Pure (no hidden state), which is what export needs.
        """
        if not self.recurrent:
            raise CompileError("step() is for recurrent modules; compile with recurrent=True")
        assert isinstance(self.core, RecurrentPopulationNetwork)
        y, new = self.core.step(self.core.input_rows(x), state)
        return y[0], new

    def initial_state(self, batch_size: int) -> Tensor:
        """Recurrent modules only: the all-zero state ``[N, batch_size]``."""
        if not self.recurrent:
            raise CompileError(
                "initial_state() is for recurrent modules; compile with recurrent=True"
            )
        assert isinstance(self.core, RecurrentPopulationNetwork)
        return self.core.initial_state(batch_size)

    @torch.no_grad()
    def update_genome(self, genome: Any) -> Any:
        """Write the current weights, biases and responses into ``genome``'s genes.

        ``genome`` must hold every connection and node this module was compiled from
        (normally the very genome, or a copy). Values are written as they are, without
        neat-python's ``*_min_value`` / ``*_max_value`` clamps (its networks do not clamp
        either; its mutation clamps on the next change). Returns ``genome``.
        """
        missing: list[tuple[int, int] | int] = [
            k for k in self.conn_keys if k not in genome.connections
        ]
        missing += [k for k in self.node_keys if k not in genome.nodes]
        if missing:
            raise CompileError(
                f"update_genome: genome {getattr(genome, 'key', '?')} lacks genes {missing[:5]} "
                f"of the module compiled from genome {self.genome_key}; pass that genome "
                "(or a copy of it)"
            )
        for c, w in zip(self.conn_keys, self.weight.detach().cpu().tolist()):
            genome.connections[c].weight = w
        bias = self.bias.detach().cpu().tolist()
        response = self.response.detach().cpu().tolist()
        for k, b, r in zip(self.node_keys, bias, response):
            genome.nodes[k].bias = b
            genome.nodes[k].response = r
        return genome

    def extra_repr(self) -> str:
        return (
            f"genome={self.genome_key}, inputs={self.num_inputs}, outputs={self.num_outputs}, "
            f"connections={len(self.conn_keys)}, nodes={len(self.node_keys)}, "
            f"recurrent={self.recurrent}"
        )


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
