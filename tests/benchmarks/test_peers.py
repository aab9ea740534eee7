"""Smoke tests of the peer benchmark and the compile warm-up benchmark (--quick).

The peers (evosax, EvoTorch) live in their own environment; here one that does not exist is
named, so they are skipped with one line and neuroevo's own cells still run.
"""

from __future__ import annotations

import json

import pytest

from tests.benchmarks.load import load_benchmark


@pytest.mark.slow
def test_peers_quick_runs_neuroevo_and_skips_missing_peers(tmp_path, capsys):
    result = load_benchmark("peers").main(
        [
            "--quick",
            "--contenders",
            "pso",
            "pso-compiled",
            "evosax",
            "--peer-python",
            str(tmp_path / "no-such-python"),
            "--out",
            str(tmp_path),
        ]
    )
    rows = {r["contender"]: r for r in result["rows"]}
    assert set(rows) == {"pso", "pso-compiled"}
    for r in rows.values():
        assert r["steps_per_cpu_s"] > 0 and r["eval_steps_per_cpu_s"] >= r["steps_per_cpu_s"] * 0.5
    assert rows["pso-compiled"]["warmup_wall_s"] > rows["pso"]["warmup_wall_s"]  # it compiled
    assert result["meta"]["skipped"] and "evosax" in result["meta"]["skipped"][0]
    assert capsys.readouterr().out.count("skipped: evosax") == 1  # said once
    saved = json.loads((tmp_path / "peers-quick.json").read_text())
    assert saved["rows"] == json.loads(json.dumps(result["rows"]))
    table = (tmp_path / "peers-quick.md").read_text()
    assert "| 200 | neuroevo pso-compiled |" in table and "## Against the bar" in table


@pytest.mark.slow
def test_compile_warmup_quick(tmp_path):
    result = load_benchmark("compile_warmup").main(["--quick", "--out", str(tmp_path)])
    (row,) = result["rows"]
    assert row["eager"]["compile_s"] == 0.0 and not row["eager"]["printed"]
    assert row["cold"]["compile_s"] > 0 and row["cold"]["printed"][0].startswith(
        "compiled rollouts in generation 0: "
    )
    assert 0 < row["warm"]["compile_s"] < row["cold"]["compile_s"]  # the cache was used
    assert "| cartpole.toml |" in (tmp_path / "compile_warmup-quick.md").read_text()
