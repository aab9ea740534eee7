"""Smoke test of benchmarks/gym_rollout.py on a tiny population (--quick, CartPole: no box2d)."""

from __future__ import annotations

import json

from tests.benchmarks.load import load_benchmark


def test_gym_rollout_quick(tmp_path):
    module = load_benchmark("gym_rollout")
    result = module.main(["--quick", "--env", "CartPole-v1", "--out", str(tmp_path)])
    saved = json.loads((tmp_path / "gym_rollout-CartPole-v1-quick.json").read_text())
    assert saved == json.loads(json.dumps(result))
    table = (tmp_path / "gym_rollout-CartPole-v1-quick.md").read_text()
    assert "| neat-python, serial loop |" in table and "float64 (same episodes" in table
    assert saved["genomes"] == 20 and saved["returns_equal_fraction_float64"] == 1.0
    theirs, ours = saved["neat_python_serial"], saved["neuroevo_one_process"]["float64"]
    assert theirs["env_steps"] == ours["env_steps"] > 20  # the same episodes, step for step
    assert (
        ours["speedup_vs_neat_python_serial"] == theirs["seconds_median"] / ours["seconds_median"]
    )
