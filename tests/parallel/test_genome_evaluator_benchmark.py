"""Smoke test of benchmarks/genome_evaluator.py (--quick --no-ray: 20 CartPole genomes, one
repeat, worker processes only, so the Ray session of the other tests is left alone)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_genome_evaluator_benchmark_quick(tmp_path):
    proc = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "genome_evaluator.py"),
            "--quick",
            "--no-ray",
            "--out",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    saved = json.loads((tmp_path / "genome_evaluator-quick.json").read_text())
    assert saved["genomes"] == 20 and saved["env_steps"] > 20
    rows = saved["rows"]
    assert set(rows) == {
        "neat-python, serial loop",
        "neat-python ParallelEvaluator(2)",
        "GenomeEvaluator, 2 worker processes",
    }
    assert all(r["fitness_identical_to_serial"] for r in rows.values())
    ours, theirs = (
        rows["GenomeEvaluator, 2 worker processes"],
        rows["neat-python ParallelEvaluator(2)"],
    )
    assert 0 < ours["bytes_sent"] < theirs["bytes_sent"]  # the config once, not per genome
    assert "| GenomeEvaluator, 2 worker processes |" in proc.stdout
