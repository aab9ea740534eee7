"""Draw a flat parameter vector's network (GA, PSO, SA, gradient) as a graph with graphviz.

The strategies over flat parameter vectors search the weights of a fixed network (an
``neuroevo.MLP`` in experiment files); their best candidate is a vector
(``best_params.json``), not a genome. When the network is a stack of ``nn.Linear`` layers
and activations (:class:`neuroevo.compile.linear.LinearStack`, the form the rollouts run),
the vector is drawn as the network it sets, in the look of the genome drawings
(:mod:`neuroevo.viz.draw`): inputs in the top rank, left to right in the task's input
order, then one rank per hidden layer, outputs in the bottom rank. Every weight is an edge,
blue when positive, red when negative, its width growing with ``|weight|`` (the key says
how); a hidden or output node shows its activation and bias. Inputs and outputs are named
by ``input_names``/``output_names`` when their lengths fit, else ``x0, x1, ...`` and
``y0, y1, ...``; hidden nodes are ``h<layer>.<unit>`` (``h1.0`` is the first unit of the
first hidden layer).

Example::

    from neuroevo.viz.draw_params import draw_parameters
    dot = draw_parameters(strategy.module, strategy.best, input_names=["x", "v"],
                          filename="best_params.svg")
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import graphviz
import torch
from torch import nn

from neuroevo.compile.linear import LinearStack
from neuroevo.compile.params import ParameterLayout
from neuroevo.errors import StrategyError
from neuroevo.viz.draw import NEGATIVE, POSITIVE, _keep_order, _legend, _width, render


def linear_stack(module: nn.Module) -> LinearStack | None:
    """The linear layers of ``module`` as the rollouts run them, ``None`` when it is not a
    stack of ``nn.Linear`` layers and activations (nothing to draw as layers)."""
    layout = ParameterLayout.of(module)
    return LinearStack.of(module, layout.names, layout.numels)


def _names(labels: Sequence[str] | None, n: int, stem: str) -> list[str]:
    if labels is not None and len(labels) == n:
        return [str(v) for v in labels]
    return [f"{stem}{i}" for i in range(n)]


def draw_parameters(
    module: nn.Module,
    params: torch.Tensor,
    *,
    input_names: Sequence[str] | None = None,
    output_names: Sequence[str] | None = None,
    title: str | None = None,
    legend: bool = True,
    fmt: str = "svg",
    filename: str | os.PathLike[str] | None = None,
) -> graphviz.Digraph:
    """Return a ``graphviz.Digraph`` of ``module`` with the flat parameters ``params``
    (``[n_params]``, the layout of :mod:`neuroevo.compile.params`); with ``filename``,
    render it there too (without ``dot``: the ``.gv`` source, see
    :func:`neuroevo.viz.draw.render`). ``title``: a line under the drawing.

    Raises :class:`~neuroevo.errors.StrategyError` when ``module`` is not a stack of linear
    layers and activations, or ``params`` does not fit it.

    Example::

        draw_parameters(ne.MLP(2, [3], 1), torch.randn(13), input_names=["a", "b"])
    """
    stack = linear_stack(module)
    if stack is None:
        raise StrategyError(
            f"{type(module).__name__} is not a stack of nn.Linear layers and "
            "activations, so it has no layers to draw; draw it yourself "
            "(load_flat_parameters(module, params) gives its weights)"
        )
    flat = params.detach().double().cpu().reshape(-1)
    if flat.numel() != stack.num_params:
        raise StrategyError(
            f"the parameter vector has {flat.numel()} entries but "
            f"{type(module).__name__} has {stack.num_params} parameters; "
            "give the vector of this network"
        )
    ranks = [[f"i{j}" for j in range(stack.num_inputs)]]
    labels = dict(zip(ranks[0], _names(input_names, stack.num_inputs, "x")))
    out_names = _names(output_names, stack.num_outputs, "y")
    weights = []
    for depth, layer in enumerate(stack.layers, 1):
        w, b = stack.weights(flat.unsqueeze(0), layer)  # [1, in, out], [1, 1, out]
        last = depth == len(stack.layers)
        keys = [f"o{j}" if last else f"h{depth}.{j}" for j in range(layer.n_out)]
        for j, key in enumerate(keys):
            bias = "" if b is None else f"\nb={float(b[0, 0, j]):.3g}"
            name = out_names[j] if last else key
            labels[key] = f"{name}\n{layer.activation}{bias}"
        weights.append(w[0])
        ranks.append(keys)

    wmax = max(float(w.abs().max()) for w in weights) or 1.0
    dot = graphviz.Digraph(
        name="parameters",
        format=fmt,
        graph_attr={
            "rankdir": "TB",
            "nodesep": "0.3",
            "ranksep": "0.6",
            "labelloc": "b",
            "fontname": "Helvetica",
            "fontsize": "10",
            **({"label": title} if title else {}),
        },
        node_attr={
            "fontname": "Helvetica",
            "fontsize": "10",
            "style": "filled",
            "fillcolor": "white",
        },
        edge_attr={"arrowsize": "0.5"},
    )
    for depth, keys in enumerate(ranks):
        first, last = depth == 0, depth == len(ranks) - 1
        with dot.subgraph(name=f"layer{depth}") as s:
            s.attr(rank="source" if first else "sink" if last else "same")
            for key in keys:
                if first:
                    s.node(key, labels[key], shape="box", fillcolor="#e8e8e8")
                elif last:
                    s.node(key, labels[key], shape="doublecircle", fillcolor="#cfe2f3")
                else:
                    s.node(key, labels[key], shape="ellipse")
            _keep_order(s, keys)
    for w, tails, heads in zip(weights, ranks, ranks[1:]):
        for i, tail in enumerate(tails):
            for j, head in enumerate(heads):
                v = float(w[i, j])
                dot.edge(
                    tail,
                    head,
                    color=POSITIVE if v > 0 else NEGATIVE,
                    penwidth=_width(abs(v), wmax),
                    tooltip=f"{tail} -> {head}: w={v:.4g}",
                )
    if legend:
        _legend(dot, wmax, show_disabled=False)
    if filename is not None:
        render(dot, filename, fmt)
    return dot


__all__ = ["draw_parameters", "linear_stack"]
