"""Genome drawings: the SVG holds exactly the expected nodes and edges; DOT fallback without dot."""

from __future__ import annotations

import shutil
import xml.etree.ElementTree as ET

import pytest
from vizhelpers import hand_genome

from neuroevo.viz.draw import DotMissingWarning, draw_genome

SVG = "{http://www.w3.org/2000/svg}"
needs_dot = pytest.mark.skipif(
    shutil.which("dot") is None, reason="graphviz 'dot' not installed (apt install graphviz)"
)


def _parse(path):
    root = ET.parse(path).getroot()
    nodes, edges = {}, {}
    for g in root.iter(f"{SVG}g"):
        title = g.find(f"{SVG}title")
        if title is None:
            continue
        text = " ".join(t.text or "" for t in g.iter(f"{SVG}text"))
        if g.get("class") == "node" and title.text != "legend":  # the key, not a genome node
            nodes[title.text] = text
        elif g.get("class") == "edge":
            path_el = next(g.iter(f"{SVG}path"))
            edges[title.text.replace("->", " ")] = path_el.attrib
    return nodes, edges


@needs_dot
def test_svg_contains_used_nodes_and_edges(tmp_path):
    genome, gc = hand_genome()
    out = tmp_path / "g.svg"
    draw_genome(genome, gc, node_names={-1: "left", -2: "right", 0: "out"}, filename=out)
    nodes, edges = _parse(out)
    assert set(nodes) == {"-1", "-2", "0", "1"}  # node 2 pruned: it feeds no output
    assert "left" in nodes["-1"] and "out" in nodes["0"]
    assert "tanh" in nodes["1"] and "product" in nodes["1"]
    assert set(edges) == {"-1 1", "1 0"}  # disabled -2 -> 0 hidden, -2 -> 2 pruned
    assert edges["-1 1"]["stroke"] == "#1f77b4" and edges["1 0"]["stroke"] == "#d62728"
    assert float(edges["-1 1"]["stroke-width"]) > float(edges["1 0"]["stroke-width"])


@needs_dot
def test_show_disabled_and_no_prune(tmp_path):
    genome, gc = hand_genome()
    out = tmp_path / "g.svg"
    draw_genome(genome, gc, prune=False, show_disabled=True, filename=out)
    nodes, edges = _parse(out)
    assert set(nodes) == {"-1", "-2", "0", "1", "2"}
    assert set(edges) == {"-1 1", "1 0", "-2 2", "-2 0"}
    assert edges["-2 0"].get("stroke-dasharray")


def test_dot_source_ranks():
    genome, gc = hand_genome()
    src = draw_genome(genome, gc).source
    assert "rank=source" in src and "rank=sink" in src


def test_dot_missing_writes_source(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    genome, gc = hand_genome()
    with pytest.warns(DotMissingWarning, match="apt install graphviz"):
        draw_genome(genome, gc, filename=tmp_path / "g.svg")
    assert not (tmp_path / "g.svg").exists()
    src = (tmp_path / "g.gv").read_text()
    assert src.startswith("digraph") and "-1 -> 1 " in src and "1 -> 0" in src
