"""benchmarks/compare.py: the quick run writes a full table, and the real budgets are equal."""

from __future__ import annotations

import json
import math

import pytest

from tests.benchmarks.load import load_benchmark


@pytest.fixture(scope="module")
def compare():
    return load_benchmark("compare")


def test_quick_run_has_every_row_with_finite_numbers(compare, tmp_path):
    report = compare.main(["--quick", "--out", str(tmp_path)])
    saved = json.loads((tmp_path / "compare-quick.json").read_text())
    md = (tmp_path / "compare-quick.md").read_text()
    assert (tmp_path / "compare-quick.png").stat().st_size > 10_000
    assert saved["quick"] and saved["seeds"] == 1
    assert saved["machine"]["torch"] and "--quick" in saved["command"]
    pairs = {(r["task"], r["method"]) for r in saved["rows"]}
    assert pairs == {(t, m) for t in compare.TASKS for m in compare.METHODS}
    assert len(report["rows"]) == len(saved["rows"]) == 30
    for row in saved["rows"]:
        line = f"| {row['task']} | {row['method']} |"
        assert sum(x.startswith(line) for x in md.splitlines()) == 2, line  # result + settings
        if (row["task"], row["method"]) == ("cartpole", "adam"):
            assert row["not_applicable"] and "n/a" in next(
                x for x in md.splitlines() if x.startswith(line)
            )
            continue
        s = row["summary"]
        assert math.isfinite(s["median_best_fitness"]) and s["median_seconds"] > 0
        (run,) = row["runs"]
        # no method spends more than the task's budget, and all get the same one
        assert 0 < run["evaluations"] <= row["budget"]
        assert run["curve"][-1] == run["best_fitness"]
        if run["solved"]:
            assert run["evaluations_to_solve"] <= run["evaluations"]
    # --replot redraws the figure from the saved JSON alone
    png = tmp_path / "compare-quick.png"
    png.unlink()
    compare.main(["--replot", str(tmp_path / "compare-quick.json")])
    assert png.stat().st_size > 10_000
    budgets = {}
    for row in saved["rows"]:
        budgets.setdefault(row["task"], set()).add(row["budget"])
    assert all(len(b) == 1 for b in budgets.values()), budgets


def test_full_budgets_equal_per_task(compare):
    """The experiment files of each task give every method the same number of evaluations."""
    from neuroevo.run.experiment_file import load_experiment

    for task in compare.TASKS:
        budgets = {}
        for method in compare.METHODS:
            path = compare.experiment_path(task, method)
            if (task, method) in compare.NOT_APPLICABLE:
                assert not path.exists()
                continue
            budgets[method] = compare.budget_of(load_experiment(path), quick=False)[0]
        assert len(set(budgets.values())) == 1, (task, budgets)


def test_resample_is_a_step_function(compare):
    # generations ending at 30, 60, 90 evaluations; budget 100 -> grid 0, 1, ..., 100
    curve = compare.resample([30, 60, 90], [1.0, 2.0, 2.5], 100)
    assert len(curve) == compare.GRID_POINTS
    assert curve[29] is None and curve[30] == 1.0 and curve[59] == 1.0
    assert curve[60] == 2.0 and curve[90] == 2.5 and curve[100] == 2.5
