"""Smoke test of benchmarks/parallel_scaling.py (--quick: CartPole, 20 genomes, one repeat;
worker processes only, so the Ray session of the other tests is left alone)."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_parallel_scaling_quick(tmp_path):
    spec = importlib.util.spec_from_file_location(
        "parallel_scaling", ROOT / "benchmarks" / "parallel_scaling.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules["parallel_scaling"] = module  # the spawned echo workers import it by name
    try:
        spec.loader.exec_module(module)
        result = module.main(["--quick", "--no-ray", "--workers", "1", "2", "--out", str(tmp_path)])
    finally:
        sys.modules.pop("parallel_scaling", None)
    saved = json.loads((tmp_path / "parallel_scaling-quick.json").read_text())
    assert saved == json.loads(json.dumps(result, default=str))
    rows = saved["generation"]
    for name in (
        "neuroevo, one process",
        "neuroevo, 1 worker process",
        "neuroevo, 2 worker processes",
    ):
        assert rows[name]["fitness_identical_to_one_process"] is True
    two = rows["neuroevo, 2 worker processes"]
    assert two["bytes_sent"] > 0 and two["slice_overhead_seconds_median"] > 0
    assert set(saved["transport"]) >= {"pipes_1", "pipes_2", "design_b_seconds_per_generation"}
    assert set(saved["projection"]["strong_env_steps_per_second"]) == {"1", "2", "16", "64", "512"}
    for kind in ("neat", "ga"):  # `neuroevo run` with --workers 2 writes the serial result
        assert saved["runs"][kind]["identical_results"] is True
        assert saved["runs"][kind]["process"]["evaluations"] == 20
    report = (tmp_path / "parallel_scaling-quick.md").read_text()
    assert "| neat-python ParallelEvaluator(2) |" in report and "T(n) = t_d" in report
