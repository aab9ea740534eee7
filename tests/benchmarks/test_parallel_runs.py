"""benchmarks/parallel_runs.py runs whole commands serial and on workers and finds the same
result (its --quick smoke run: XOR, 3 generations)."""

from __future__ import annotations

import pytest

from tests.benchmarks.load import load_benchmark


@pytest.mark.slow
def test_parallel_runs_quick(tmp_path):
    module = load_benchmark("parallel_runs")
    report = module.main(["--quick", "--out", str(tmp_path)])
    assert [r["mode"] for r in report["rows"]] == ["serial", "process"]
    assert all(r["same_result"] for r in report["rows"])
    assert all(r["s_per_generation"] > 0 for r in report["rows"])
    assert (tmp_path / "parallel_runs-quick.md").read_text().count("| yes |") == 2
