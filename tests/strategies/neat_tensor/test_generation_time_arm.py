"""Smoke test of ``benchmarks/generation_time.py --engine tensor`` on a tiny population."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_generation_time_tensor_quick(tmp_path):
    spec = importlib.util.spec_from_file_location(
        "generation_time", ROOT / "benchmarks" / "generation_time.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    result = module.main(["--quick", "--engine", "tensor", "--out", str(tmp_path)])
    saved = json.loads((tmp_path / "generation_time-tensor-quick.json").read_text())
    (row,) = saved["rows"]
    assert row == json.loads(json.dumps(result["rows"][0]))
    tensor = row["tensor"]
    assert tensor["generations_timed"] == 2 and tensor["species"] >= 1
    assert all(
        tensor[p] > 0
        for p in ("reproduction", "speciation", "compile", "evaluation", "total", "setup")
    )
    assert row["ratio_tensor"]["total"] == row["neat-python"]["total"] / tensor["total"]
    table = (tmp_path / "generation_time-tensor-quick.md").read_text()
    assert "| **ratio (tensor)** |" in table
    # the fixed cost per generation: the median generation at a tiny pop, run many times
    fixed = saved["fixed_cost"]["tensor"]
    (tiny,) = saved["fixed_rows"]
    assert fixed["pops"] == [tiny["pop_size"]] == [25] and len(tiny["tensor"]["repeats"]) == 3
    for clock in ("wall", "cpu"):
        lo, hi = fixed[clock]["range"]
        assert fixed[clock]["fixed"] == tiny["tensor"]["by_clock"][clock]["total"]
        assert 0 < lo <= fixed[clock]["fixed"] <= hi
    assert "fixed_cost_large" not in saved  # needs two main pops
    assert "**Fixed cost per generation** (tensor)" in table

    # a baseline tree (here this one): a further arm, run in child processes, interleaved
    again = module.main(
        [
            "--quick",
            "--engine",
            "tensor",
            "--out",
            str(tmp_path / "again"),
            "--baseline-tree",
            str(ROOT),
            "--baseline-label",
            "the same code",
        ]
    )
    (row,) = again["rows"]
    assert row["tensor-baseline"]["generations_timed"] == row["tensor"]["generations_timed"] == 2
    assert row["tensor-baseline"]["species"] == row["tensor"]["species"]  # the same run
    assert row["speed_up"]["total"] == row["tensor-baseline"]["total"] / row["tensor"]["total"]
    assert set(again["fixed_cost"]) == {"tensor", "tensor-baseline"}
    table = (tmp_path / "again" / "generation_time-tensor-quick.md").read_text()
    assert "| 60 | tensor-baseline |" in table and "**speed-up (baseline / tensor)**" in table
