"""Genome drawings name inputs and outputs after the task, keep them in key order, and
carry a legend of edge colour and width (issue 10, "Pictures")."""

from __future__ import annotations

import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import neat
import pytest
import torch
from vizhelpers import hand_genome

import neuroevo as ne
from neuroevo.reporting.drawing import GenomeDrawing, task_io_names
from neuroevo.viz.draw import draw_genome, io_names

CONFIGS = Path(__file__).resolve().parents[2] / "configs"
SVG = "{http://www.w3.org/2000/svg}"
needs_dot = pytest.mark.skipif(
    shutil.which("dot") is None, reason="graphviz 'dot' not installed (apt install graphviz)"
)


def _crossing_genome():
    """CartPole-shaped (4 inputs, 2 outputs) with crossing edges that tempt dot to reorder:
    -4 -> 0, -3 -> 0, -1 -> 1, -2 -> 5 -> 1."""
    gc = ne.load_config(CONFIGS / "cartpole.ini").genome_config
    g = neat.DefaultGenome(1)
    for key, act in ((0, "sigmoid"), (1, "sigmoid"), (5, "tanh")):
        n = neat.DefaultNodeGene(key)
        n.bias, n.response, n.activation, n.aggregation = 0.1, 1.0, act, "sum"
        g.nodes[key] = n
    for inn, (key, w) in enumerate(
        [((-4, 0), 2.5), ((-1, 1), -1.0), ((-3, 0), 0.3), ((-2, 5), 1.2), ((5, 1), -2.0)], 1
    ):
        c = neat.DefaultConnectionGene(key, innovation=inn)
        c.weight, c.enabled = w, True
        g.connections[key] = c
    return g, gc


def test_io_names_follow_neat_pythons_key_order():
    genome, gc = hand_genome()
    assert io_names(gc, ("left", "right"), ("out",)) == {-1: "left", -2: "right", 0: "out"}
    assert io_names(gc, ("only one",), None) == {}  # wrong length: keys are drawn


def test_task_names_reach_the_dot_source():
    genome, gc = hand_genome()
    src = draw_genome(genome, gc, node_names=io_names(gc, *task_io_names(ne.tasks.XOR()))).source
    assert "-1 [label=a " in src and "-2 [label=b " in src and '0 [label="a xor b' in src


def test_control_tasks_are_named_by_their_environment():
    task = ne.tasks.Control("CartPole-v1", episodes=1, max_steps=10)
    inputs, outputs = task_io_names(task)
    assert list(inputs) == ["x", "x_dot", "theta", "theta_dot"]
    assert list(outputs) == ["push left", "push right"]
    task = ne.tasks.Control("DoublePoleNV-v0", episodes=1, max_steps=10)
    assert task_io_names(task) == (("x", "theta1", "theta2"), ("force",))


def test_legend_subgraph_shows_colour_and_width():
    genome, gc = hand_genome()  # enabled weights 2.0 and -0.5
    src = draw_genome(genome, gc).source
    assert "subgraph cluster_legend" in src
    legend = src[src.index("subgraph cluster_legend") :]
    assert "#1f77b4" in legend and "#d62728" in legend  # the two edge colours
    assert "w &gt; 0" in legend and "w &lt; 0" in legend
    assert "|w| = 2 (largest)" in legend
    assert "cluster_legend" not in draw_genome(genome, gc, legend=False).source


def test_inputs_and_outputs_are_chained_in_key_order():
    genome, gc = _crossing_genome()
    src = draw_genome(genome, gc).source
    for a, b in ((-1, -2), (-2, -3), (-3, -4), (0, 1)):
        assert f"{a} -> {b} [style=invis]" in src


@needs_dot
def test_rendered_inputs_and_outputs_sit_left_to_right_by_key(tmp_path):
    genome, gc = _crossing_genome()
    draw_genome(genome, gc, filename=tmp_path / "g.svg")
    x = {}
    for g in ET.parse(tmp_path / "g.svg").getroot().iter(f"{SVG}g"):
        title = g.find(f"{SVG}title")
        if g.get("class") == "node" and title is not None and title.text != "legend":
            x[title.text] = float(next(g.iter(f"{SVG}text")).get("x"))  # centred labels
    inputs = [x[k] for k in ("-1", "-2", "-3", "-4")]
    assert inputs == sorted(inputs)
    assert x["0"] < x["1"]


def test_run_drawing_uses_the_tasks_names(tmp_path):
    cfg = ne.load_config(CONFIGS / "cartpole.ini")
    ne.evolve(
        ne.NEAT(cfg, pop_size=10),
        ne.tasks.Control("CartPole-v1", max_steps=10),
        generations=1,
        seed=0,
        device="cpu",
        dtype=torch.float64,
        reporters=[GenomeDrawing(tmp_path)],
    )
    drawn = (tmp_path / "best_genome.svg") if shutil.which("dot") else (tmp_path / "best_genome.gv")
    text = drawn.read_text()
    for name in ("x_dot", "theta_dot", "push left", "push right"):
        assert name in text, name
