"""MLflow reporter: what MLflow's own client reads back from a file store (metric history,
parameters, status) equals the run's statistics (stats.jsonl) and settings."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

import neuroevo as ne
from neuroevo.reporting.stats import StatsWriter, read_run_history

pytest.importorskip("mlflow")
from mlflow.tracking import MlflowClient  # noqa: E402

from neuroevo.reporting.tracking import MLflowReporter  # noqa: E402

CONFIGS = Path(__file__).resolve().parents[2] / "configs"


def test_metrics_params_and_status_read_back(tmp_path, monkeypatch):
    monkeypatch.delenv("MLFLOW_ALLOW_FILE_STORE", raising=False)
    uri = f"file:{tmp_path / 'mlruns'}"
    cfg = ne.load_config(CONFIGS / "xor.ini")
    strategy = ne.NEAT(cfg, pop_size=30)
    ml = MLflowReporter(
        uri,
        experiment="xor-test",
        run_name="seed3",
        run_id_file=tmp_path / "mlflow_run_id",
        hparams={"seed": 3},
    )
    ne.evolve(
        strategy,
        ne.tasks.XOR(),
        generations=4,
        seed=3,
        device="cpu",
        stop_on_solve=False,
        reporters=[StatsWriter(tmp_path), ml],
    )
    client = MlflowClient(tracking_uri=uri)
    run = client.get_run(ml.run_id)
    assert run.info.status == "FINISHED" and run.info.run_name == "seed3"
    assert (tmp_path / "mlflow_run_id").read_text().strip() == ml.run_id
    rows, _ = read_run_history(tmp_path)
    assert len(rows) == 4
    for key in rows[0]:
        if key == "generation":
            continue
        history = sorted(client.get_metric_history(ml.run_id, key), key=lambda m: m.step)
        assert [m.step for m in history] == [r["generation"] for r in rows], key
        for m, r in zip(history, rows):
            if r[key] is None:
                assert math.isnan(m.value), key
            else:
                assert m.value == pytest.approx(r[key], rel=1e-12), key
    params = run.data.params
    assert params["strategy"] == "PythonNEAT" and params["task"] == "xor" and params["seed"] == "3"
    assert params["neat.pop_size"] == "30"
    assert params["genome.num_inputs"] == "2"
    assert "species" in run.data.metrics


def test_a_second_session_goes_on_with_the_same_run(tmp_path):
    uri = f"file:{tmp_path / 'mlruns'}"
    ids = tmp_path / "mlflow_run_id"
    strategy = ne.GA(ne.MLP(2, [4], 1), pop_size=10)
    first = MLflowReporter(uri, run_id_file=ids)
    ne.evolve(strategy, ne.tasks.XOR(), generations=2, seed=1, device="cpu", reporters=[first])
    second = MLflowReporter(uri, run_id_file=ids)
    ne.evolve(
        strategy,
        ne.tasks.XOR(),
        generations=2,
        seed=1,
        device="cpu",
        setup=False,
        start_generation=2,
        reporters=[second],
    )
    assert second.run_id == first.run_id
    client = MlflowClient(tracking_uri=uri)
    steps = [m.step for m in client.get_metric_history(first.run_id, "best_fitness")]
    assert sorted(steps) == [0, 1, 2, 3]
    assert len(client.search_runs([client.get_run(first.run_id).info.experiment_id])) == 1


def test_bad_uri_and_missing_mlflow_are_one_line(monkeypatch):
    import sys

    with pytest.raises(ne.ConfigError, match="tracking_uri must be a URI"):
        MLflowReporter("")
    monkeypatch.setitem(sys.modules, "mlflow", None)
    with pytest.raises(ne.ConfigError, match=r"pip install 'neuroevo\[mlflow\]'"):
        MLflowReporter("file:unused")
