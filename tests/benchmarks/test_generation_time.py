"""Smoke test of benchmarks/generation_time.py on a tiny population (--quick)."""

from __future__ import annotations

import json

from tests.benchmarks.load import load_benchmark


def test_generation_time_quick(tmp_path):
    module = load_benchmark("generation_time")
    result = module.main(["--quick", "--out", str(tmp_path)])
    saved = json.loads((tmp_path / "generation_time-quick.json").read_text())
    assert saved["rows"] == json.loads(json.dumps(result["rows"]))
    assert "| **ratio** |" in (tmp_path / "generation_time-quick.md").read_text()
    (row,) = saved["rows"]
    for arm in ("neat-python", "neuroevo"):
        timing = row[arm]
        assert timing["generations_timed"] == 2
        assert all(
            timing[p] > 0 for p in ("reproduction", "speciation", "compile", "evaluation", "total")
        )
        assert timing["species"] >= 1
    assert row["ratio"]["total"] == row["neat-python"]["total"] / row["neuroevo"]["total"]
    for arm in ("neat-python", "neuroevo"):  # interleaved repeats, both clocks
        timing = row[arm]
        assert len(timing["repeats"]) == saved["repeats"] == 2
        for clock in ("wall", "cpu"):
            lo, hi = timing["range"][clock]["total"]
            assert 0 < lo <= timing["by_clock"][clock]["total"] <= hi
        assert timing["total"] == timing["by_clock"]["wall"]["total"]
    lo, hi = row["ratio"]["total_range"]
    assert lo <= hi and lo > 0
    assert saved["fixed_cost"] is None
