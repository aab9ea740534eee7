"""Smoke test of benchmarks/islands.py on tiny budgets, the parts that run without Ray."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_islands_benchmark_quick(tmp_path):
    spec = importlib.util.spec_from_file_location(
        "islands_bench", ROOT / "benchmarks" / "islands.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    result = module.main(["--quick", "--no-ray", "--out", str(tmp_path)])
    saved = json.loads((tmp_path / "islands-quick.json").read_text())
    assert saved == json.loads(json.dumps(result))
    table = (tmp_path / "islands-quick.md").read_text()
    assert "| sync, slowed | [6, 6] |" in table and "| local SGD, k=5 |" in table
    sync = saved["islands"]["sync, slowed"]
    assert sync["immigrants"] == [6, 6]  # 2 migrants at each of generations 1, 3, 5
    grad = saved["gradient"]
    assert grad["local SGD, k=5"]["rounds"] == 4 and grad["baseline"]["rounds"] == 20
    assert len({g["samples"] for g in grad.values()}) == 1  # the same budget for all
