"""Draw a NEAT genome as a graph with graphviz.

Inputs sit in the top rank, left to right as -1, -2, ... (the task's input order), and
outputs in the bottom rank as 0, 1, ...; they are labelled with the names given in
``node_names`` (``{-1: "x", 0: "y"}``; :func:`io_names` builds it from a task's
``input_names``/``output_names``) or their keys. Hidden nodes show their key, activation,
aggregation and bias (and response when it is not 1). An edge's width grows with
``|weight|``; blue edges have positive weights, red ones negative; a legend (``legend=True``)
says so with sample edges. Disabled connections are hidden, or drawn dashed and grey with
``show_disabled=True``.

With ``prune=True`` (default) only the nodes neat-python's ``FeedForwardNetwork`` would
evaluate are drawn: those that ``neat.graphs.required_for_output`` reaches from the
outputs through enabled connections (the same rule, so the picture is the network that
runs). Inputs are always drawn; unused ones are grey.

Rendering needs the ``dot`` program of the system graphviz package
(``apt install graphviz`` / ``brew install graphviz`` / ``conda install graphviz``).
Without it, :func:`draw_genome` writes the DOT source next to the requested file and
warns with :class:`DotMissingWarning`; any graphviz viewer can render that file.

Example::

    from neuroevo.viz import draw_genome
    draw_genome(result.best, cfg, node_names={-1: "x1", -2: "x2", 0: "xor"},
                filename="best.svg")
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import graphviz
from neat.graphs import required_for_output

from neuroevo.io.atomic import atomic_write_bytes, atomic_write_text

POSITIVE = "#1f77b4"
NEGATIVE = "#d62728"
DISABLED = "#9e9e9e"


class DotMissingWarning(UserWarning):
    """The graphviz ``dot`` program is not installed; only the DOT source was written."""


DOT_HELP = (
    "the graphviz 'dot' program was not found on PATH; install the system package "
    "(Debian/Ubuntu: apt install graphviz, macOS: brew install graphviz, "
    "conda: conda install graphviz) to render drawings"
)


def used_nodes(genome: Any, genome_config: Any) -> set[int]:
    """Non-input nodes neat-python evaluates: required for the outputs via enabled connections."""
    enabled = [k for k, c in genome.connections.items() if c.enabled]
    return set(required_for_output(genome_config.input_keys, genome_config.output_keys, enabled))


def io_names(
    genome_config: Any, input_names: Sequence[str] | None, output_names: Sequence[str] | None
) -> dict[int, str]:
    """``node_names`` for :func:`draw_genome`: ``input_names[i]`` for input key ``-1 - i``
    (neat-python's ``input_keys`` order) and ``output_names[j]`` for output ``j``.

    A list whose length does not match the genome's inputs or outputs is left out (the
    keys are drawn instead), so a genome of another shape is still drawn.

    Example::

        io_names(cfg.genome_config, task.input_names, task.output_names)  # {-1: "a", ...}
    """
    gc = getattr(genome_config, "genome_config", genome_config)
    names: dict[int, str] = {}
    for keys, labels in ((list(gc.input_keys), input_names), (list(gc.output_keys), output_names)):
        if labels is not None and len(labels) == len(keys):
            names.update({k: str(v) for k, v in zip(keys, labels)})
    return names


def _label(key: int, node_names: dict[int, str] | None) -> str:
    if node_names and key in node_names:
        return str(node_names[key])
    return str(key)


def _node_text(key: int, ng: Any, node_names: dict[int, str] | None) -> str:
    parts = [_label(key, node_names), f"{ng.activation} / {ng.aggregation}", f"b={ng.bias:.3g}"]
    if getattr(ng, "response", 1.0) != 1.0:
        parts.append(f"r={ng.response:.3g}")
    return "\n".join(parts)


def _width(magnitude: float, wmax: float) -> str:
    """Edge width: 0.4 for a zero weight up to 4.0 for the largest ``|weight|`` drawn."""
    return f"{0.4 + 3.6 * magnitude / wmax:.2f}"


def _keep_order(rank: graphviz.Digraph, keys: Sequence[int] | Sequence[str]) -> None:
    """Invisible edges between neighbours of one rank keep them left to right in ``keys``
    order (dot puts the tail of an edge within a rank left of its head)."""
    for a, b in zip(keys, keys[1:]):
        rank.edge(str(a), str(b), style="invis")


def _legend(dot: graphviz.Digraph, wmax: float, *, show_disabled: bool) -> None:
    """A key to edge colour (sign of the weight) and width (``|weight|``), in a cluster.

    Each row shows a bar as thick as the edge it stands for (an HTML-like table cell whose
    height is the edge's ``penwidth``, rounded to whole points as graphviz's cells need).
    """
    samples = [
        ("w &gt; 0", POSITIVE, _width(wmax / 2, wmax)),
        ("w &lt; 0", NEGATIVE, _width(wmax / 2, wmax)),
        (f"|w| = {wmax:.3g} (largest)", "#555555", _width(wmax, wmax)),
        (f"|w| = {wmax / 4:.3g}", "#555555", _width(wmax / 4, wmax)),
    ]
    if show_disabled:
        samples.append(("disabled (dashed)", DISABLED, "0.6"))
    rows = "".join(
        f'<TR><TD FIXEDSIZE="TRUE" CELLPADDING="0" WIDTH="28" HEIGHT="{max(1, round(float(w)))}" '
        f'BGCOLOR="{colour}"></TD><TD ALIGN="LEFT">{text}</TD></TR>'
        for text, colour, w in samples
    )
    table = f'<<TABLE BORDER="0" CELLSPACING="3" CELLPADDING="1">{rows}</TABLE>>'
    with dot.subgraph(name="cluster_legend") as s:
        s.attr(label="edges", fontname="Helvetica", fontsize="9", color="#bbbbbb", style="rounded")
        s.node("legend", table, shape="plaintext", fontsize="8", style="")


def draw_genome(
    genome: Any,
    config: Any,
    *,
    node_names: dict[int, str] | None = None,
    prune: bool = True,
    show_disabled: bool = False,
    legend: bool = True,
    fmt: str = "svg",
    filename: str | os.PathLike[str] | None = None,
) -> graphviz.Digraph:
    """Return a ``graphviz.Digraph`` of ``genome``; with ``filename``, render it there too.

    ``config`` is a ``neat.Config`` or its ``genome_config``. ``legend``: draw the key to
    edge colour and width. ``filename`` without a suffix
    gets ``.{fmt}``. When ``dot`` is missing, the DOT source is written to ``<filename>.gv``
    and a :class:`DotMissingWarning` says what to install.

    Example::

        g = draw_genome(genome, cfg, node_names={-1: "x", 0: "y"}, filename="genome.svg")
        print(g.source)
    """
    gc = getattr(config, "genome_config", config)
    inputs = list(gc.input_keys)  # -1, -2, ...: column i of the inputs feeds input_keys[i]
    outputs = list(gc.output_keys)  # 0, 1, ...
    if prune:
        shown = used_nodes(genome, gc) | set(outputs)
    else:
        shown = set(genome.nodes)
    pins = shown | set(inputs)
    used_inputs = {
        i for (i, o), c in genome.connections.items() if c.enabled and i in inputs and o in shown
    }

    dot = graphviz.Digraph(
        name=f"genome_{genome.key}",
        format=fmt,
        graph_attr={"rankdir": "TB", "nodesep": "0.3", "ranksep": "0.5"},
        node_attr={
            "fontname": "Helvetica",
            "fontsize": "10",
            "style": "filled",
            "fillcolor": "white",
        },
        edge_attr={"arrowsize": "0.6"},
    )
    with dot.subgraph(name="inputs") as s:
        s.attr(rank="source")
        for k in inputs:
            s.node(
                str(k),
                _label(k, node_names),
                shape="box",
                tooltip=f"input {k}",
                fillcolor="#e8e8e8" if k in used_inputs else "#f7f7f7",
                fontcolor="black" if k in used_inputs else DISABLED,
            )
        _keep_order(s, inputs)
    with dot.subgraph(name="outputs") as s:
        s.attr(rank="sink")
        for k in outputs:
            s.node(
                str(k),
                _node_text(k, genome.nodes[k], node_names),
                shape="doublecircle",
                fillcolor="#cfe2f3",
                tooltip=f"output {k}",
            )
        _keep_order(s, outputs)
    for k in sorted(shown - set(outputs)):
        dot.node(str(k), _node_text(k, genome.nodes[k], node_names), shape="ellipse")

    drawn = [
        (key, c)
        for key, c in genome.connections.items()
        if key[0] in pins and key[1] in pins and (c.enabled or show_disabled)
    ]
    wmax = max((abs(c.weight) for _, c in drawn if c.enabled), default=1.0) or 1.0
    for (i, o), c in sorted(drawn, key=lambda kc: kc[0]):
        tip = f"{i} -> {o}: w={c.weight:.4g}" + ("" if c.enabled else " (disabled)")
        if c.enabled:
            dot.edge(
                str(i),
                str(o),
                color=POSITIVE if c.weight > 0 else NEGATIVE,
                penwidth=_width(abs(c.weight), wmax),
                tooltip=tip,
            )
        else:
            dot.edge(str(i), str(o), color=DISABLED, style="dashed", penwidth="0.6", tooltip=tip)
    if legend:
        _legend(dot, wmax, show_disabled=show_disabled and any(not c.enabled for _, c in drawn))

    if filename is not None:
        render(dot, filename, fmt)
    return dot


def render(dot: graphviz.Digraph, filename: str | os.PathLike[str], fmt: str = "svg") -> Path:
    """Render ``dot`` to ``filename`` (atomically); without ``dot`` write the ``.gv`` source.

    Returns the path written.
    """
    path = Path(filename)
    if not path.suffix:
        path = path.with_suffix(f".{fmt}")
    try:
        data = dot.pipe(format=fmt)
    except graphviz.ExecutableNotFound:
        src = path.with_suffix(".gv")
        atomic_write_text(src, dot.source)
        warnings.warn(
            f"{DOT_HELP}; wrote the DOT source to {src} instead of {path}",
            DotMissingWarning,
            stacklevel=3,
        )
        return src
    return atomic_write_bytes(path, data)


__all__ = ["draw_genome", "io_names", "render", "used_nodes", "DotMissingWarning", "DOT_HELP"]
