"""benchmarks/parallel_runs.py runs whole commands serial and on workers and finds the same
result (its --quick smoke run: XOR, 3 generations)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_parallel_runs_quick(tmp_path):
    spec = importlib.util.spec_from_file_location("parallel_runs",
                                                  ROOT / "benchmarks" / "parallel_runs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    report = module.main(["--quick", "--out", str(tmp_path)])
    assert [r["mode"] for r in report["rows"]] == ["serial", "process"]
    assert all(r["same_result"] for r in report["rows"])
    assert all(r["s_per_generation"] > 0 for r in report["rows"])
    assert (tmp_path / "parallel_runs-quick.md").read_text().count("| yes |") == 2
