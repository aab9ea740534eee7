"""`neuroevo run` with every strategy of the comparison: NEAT, GA, PSO, SA and Adam on XOR.

The saved best weights of the fixed-topology strategies are scored again by a hand-written
forward pass of the 2-8-1 MLP (``nn.Linear`` computes ``x W^T + b``), independent of the
batched ``ParameterPolicy`` the run used; the saved NEAT genome by neat-python's own network.
"""

from __future__ import annotations

import json
import pathlib

import neat
import pytest
import torch

from neuroevo.config import load_config
from neuroevo.run.cli import main
from neuroevo.run.experiment_file import load_experiment

ROOT = pathlib.Path(__file__).resolve().parents[1]
XOR_X = torch.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], dtype=torch.float64)
XOR_Y = torch.tensor([0.0, 1.0, 1.0, 0.0], dtype=torch.float64)
#: strategy name in the experiment file -> name result.json reports, population per generation
STRATEGIES = {"neat": 150, "ga": 100, "pso": 50, "sa": 50, "adam": 10}


def _run(
    tmp_path: pathlib.Path, strategy: str, seed: int = 3, generations: int = 2, out: str = "run"
) -> dict:
    folder = tmp_path / out
    status = main(
        [
            "run",
            str(ROOT / "configs" / f"xor_{strategy}.toml"),
            "--seed",
            str(seed),
            "--generations",
            str(generations),
            "--out",
            str(folder),
            "--device",
            "cpu",
            "--no-extras",
            "--quiet",
        ]
    )
    assert status == 0
    return json.loads((folder / "result.json").read_text())


def _xor_fitness_by_hand(flat: list[float]) -> float:
    """4 - SSE of sigmoid(W2 tanh(W1 x + b1) + b2) with the 2-8-1 parameters laid end to end
    in ``named_parameters`` order (layers.0.weight [8, 2], layers.0.bias, layers.1.weight
    [1, 8], layers.1.bias)."""
    p = torch.tensor(flat, dtype=torch.float64)
    assert p.numel() == 8 * 2 + 8 + 8 + 1
    w1, b1, w2, b2 = p[:16].view(8, 2), p[16:24], p[24:32].view(1, 8), p[32:]
    out = torch.sigmoid(torch.tanh(XOR_X @ w1.T + b1) @ w2.T + b2)[:, 0]
    return float(4.0 - ((out - XOR_Y) ** 2).sum())


@pytest.mark.parametrize("strategy", sorted(STRATEGIES))
def test_run_each_strategy_on_xor(tmp_path, strategy):
    result = _run(tmp_path, strategy)
    assert result["strategy"] == strategy
    assert result["task"] == "xor"
    assert result["population_size"] == STRATEGIES[strategy]
    assert result["generations"] == len(result["history"]) == 2
    if strategy != "neat":  # NEAT's population may drift by a genome or two
        assert result["evaluations"] == 2 * STRATEGIES[strategy]
    assert result["best_fitness"] == pytest.approx(
        max(h["best_fitness"] for h in result["history"]), abs=1e-12
    )
    assert 0.0 < result["best_fitness"] <= 4.0
    folder = tmp_path / "run"
    if strategy == "neat":
        from neuroevo.io.genome_json import load_genome

        config = load_config(ROOT / "configs" / "xor.ini")
        genome = load_genome(folder / "best_genome.json", config.genome_config)
        net = neat.nn.FeedForwardNetwork.create(genome, config)
        fitness = 4.0 - sum(
            (net.activate(x)[0] - y) ** 2 for x, y in zip(XOR_X.tolist(), XOR_Y.tolist())
        )
    else:
        saved = json.loads((folder / "best_params.json").read_text())
        fitness = _xor_fitness_by_hand(saved["params"])
    # the run scores in float32; the hand-computed reference is float64
    assert fitness == pytest.approx(result["best_fitness"], abs=1e-5)


@pytest.mark.parametrize("strategy", ["ga", "sa"])
def test_same_seed_same_run_other_seed_other_run(tmp_path, strategy):
    a = _run(tmp_path, strategy, seed=5, generations=3, out="a")
    b = _run(tmp_path, strategy, seed=5, generations=3, out="b")
    c = _run(tmp_path, strategy, seed=6, generations=3, out="c")
    fit = [[h["best_fitness"] for h in r["history"]] for r in (a, b, c)]
    assert fit[0] == fit[1]
    assert fit[0] != fit[2]


def test_comparison_files_name_the_strategy_they_are_named_after():
    for path in sorted((ROOT / "configs").glob("*_*.toml")):
        method = path.stem.rsplit("_", 1)[1]
        if method in STRATEGIES:
            assert load_experiment(path).strategy == method, path.name


def test_unknown_strategy_key_is_one_line_error(tmp_path, capsys):
    text = (ROOT / "configs" / "xor_ga.toml").read_text()
    text = text.replace("mutation_sigma", "mutation_sigmaa")
    bad = tmp_path / "bad.toml"
    bad.write_text(text)
    assert (
        main(
            [
                "run",
                str(bad),
                "--generations",
                "1",
                "--quiet",
                "--no-extras",
                "--out",
                str(tmp_path / "x"),
            ]
        )
        == 2
    )
    err = capsys.readouterr().err
    assert "mutation_sigmaa" in err and "ConfigError" in err
    assert not (tmp_path / "x" / "result.json").exists()
