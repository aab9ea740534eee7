"""Drawings of a flat parameter vector's network (GA/PSO/SA/gradient runs: best_params.json).

The reference is torch's own ``nn.Linear`` weights after ``load_flat_parameters``: every
edge of the drawing is one weight there, coloured by its sign, as wide as its ``|w|`` says.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import torch
from torch import nn

import neuroevo as ne
from neuroevo.compile.params import load_flat_parameters
from neuroevo.envs.cartpole import CartPole
from neuroevo.errors import ConfigError, StrategyError
from neuroevo.run.cli import main
from neuroevo.run.results import read_best_params
from neuroevo.viz.draw import NEGATIVE, POSITIVE
from neuroevo.viz.draw_params import draw_parameters

CONFIGS = Path(__file__).resolve().parents[2] / "configs"
EDGE = re.compile(
    r'^\s*"?([\w.]+)"? -> "?([\w.]+)"? \[color="(#\w+)" penwidth=([\d.]+) '
    r'tooltip=".* w=([-\d.e+]+)"\]$'
)
NODE = re.compile(r'^\s*"?([\w.]+)"? \[label=(?:"([^"\n]*)|([^\s\]]+))')


def _edges(source: str) -> dict[tuple[str, str], tuple[str, float, float]]:
    """``{(tail, head): (colour, penwidth, weight)}`` of the drawn (visible) edges."""
    found = {}
    for line in source.splitlines():
        m = EDGE.match(line)
        if m:
            found[m[1], m[2]] = (m[3], float(m[4]), float(m[5]))
    return found


def _first_label_lines(source: str) -> dict[str, str]:
    return {m[1]: m[2] or m[3] for m in map(NODE.match, source.splitlines()) if m}


def _check_against_module(source: str, net: nn.Module, keys: list[list[str]]) -> None:
    edges = _edges(source)
    weights = [m.weight.detach() for m in net.modules() if isinstance(m, nn.Linear)]
    assert len(edges) == sum(w.numel() for w in weights)
    wmax = max(float(w.abs().max()) for w in weights)
    for weight, tails, heads in zip(weights, keys, keys[1:]):
        for j, head in enumerate(heads):
            for i, tail in enumerate(tails):
                w = float(weight[j, i])  # nn.Linear: weight[out, in]
                colour, width, shown = edges[tail, head]
                assert colour == (POSITIVE if w > 0 else NEGATIVE)
                assert shown == pytest.approx(w, rel=1e-3, abs=1e-12)
                assert width == pytest.approx(0.4 + 3.6 * abs(w) / wmax, abs=0.006)


def test_every_weight_is_an_edge_of_its_sign_and_size():
    net = ne.MLP(2, [3], 1, activation="relu")
    theta = torch.randn(13, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    load_flat_parameters(net, theta.float())
    dot = draw_parameters(net, theta, input_names=["a", "b"], output_names=["out"])
    keys = [["i0", "i1"], ["h1.0", "h1.1", "h1.2"], ["o0"]]
    _check_against_module(dot.source, net.double(), keys)
    labels = _first_label_lines(dot.source)
    assert [labels[k] for k in ("i0", "i1", "o0")] == ["a", "b", "out"]
    bias = float(net.layers[0].bias.detach()[1])
    assert f"h1.1\nrelu\nb={bias:.3g}" in dot.source


def test_a_module_that_is_not_a_stack_of_layers_is_one_line():
    class Twice(nn.Module):
        def __init__(self):
            super().__init__()
            self.scale = nn.Parameter(torch.ones(2))

        def forward(self, x):
            return x * self.scale

    with pytest.raises(StrategyError, match="not a stack of nn.Linear layers"):
        draw_parameters(Twice(), torch.ones(2))
    with pytest.raises(StrategyError, match="has 13 parameters"):
        draw_parameters(ne.MLP(2, [3], 1), torch.ones(12))


def test_neuroevo_draw_on_a_pso_run_draws_its_network(tmp_path, monkeypatch, capsys):
    """`neuroevo draw RUN` on a PSO run (no genome) draws the MLP with best_params.json."""
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))  # no dot: the DOT source is written
    out = tmp_path / "run"
    assert (
        main(
            [
                "run",
                str(CONFIGS / "cartpole_pso.toml"),
                "--generations",
                "2",
                "--out",
                str(out),
                "--device",
                "cpu",
                "--checkpoint-every",
                "0",
                "--quiet",
            ]
        )
        == 0
    )
    assert not (out / "best_genome.json").exists()
    drawn_by_the_run = _edges((out / "best_params.gv").read_text())
    capsys.readouterr()
    assert main(["draw", str(out)]) == 0
    assert capsys.readouterr().out.strip() == str(out / "best_params.gv")
    source = (out / "best_params.gv").read_text()
    net = ne.MLP(4, [8], 2, activation="tanh", output_activation="identity").double()
    load_flat_parameters(net, read_best_params(out / "best_params.json"))
    keys = [[f"i{i}" for i in range(4)], [f"h1.{j}" for j in range(8)], ["o0", "o1"]]
    _check_against_module(source, net, keys)
    labels = _first_label_lines(source)
    assert [labels[f"i{i}"] for i in range(4)] == list(CartPole.observation_labels)
    assert [labels["o0"], labels["o1"]] == list(CartPole.action_labels)
    assert "no genome" in source
    assert drawn_by_the_run == _edges(source)

    shutil.rmtree(out / "experiment")  # nothing to rebuild the network from: one line
    with pytest.raises(ConfigError, match="a parameter vector, not a genome"):
        from neuroevo.run.commands import draw_command

        draw_command(out)
