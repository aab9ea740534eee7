"""Trackers from the command line and the experiment file's [reporting] table: `neuroevo
run` writes to each tracker what stats.jsonl holds, and `neuroevo resume` (from an earlier
checkpoint) goes on with the same TensorBoard folder, MLflow run and W&B run; read back
with each tracker's own reader."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from neuroevo.errors import ConfigError
from neuroevo.reporting.stats import read_run_history
from neuroevo.run.cli import main
from neuroevo.run.experiment_file import load_experiment

event_accumulator = pytest.importorskip("tensorboard.backend.event_processing.event_accumulator")
pytest.importorskip("mlflow")
pytest.importorskip("wandb")

CONFIGS = Path(__file__).resolve().parents[2] / "configs"


def experiment(tmp_path: Path, reporting: str) -> Path:
    """xor_ga.toml going on after it solves, with ``reporting`` as its [reporting] table."""
    path = tmp_path / "xor_ga.toml"
    path.write_text(
        (CONFIGS / "xor_ga.toml")
        .read_text()
        .replace("[experiment]", "[experiment]\nstop_on_solve = false")
        + "\n[reporting]\n"
        + reporting
    )
    return path


def tb_steps(log_dir: Path, tag: str = "best_fitness") -> list[tuple[int, float]]:
    ea = event_accumulator.EventAccumulator(str(log_dir))
    ea.Reload()
    return [(e.step, e.value) for e in ea.Scalars(tag)]


def test_reporting_table_run_and_resume_keep_the_tracker_runs(tmp_path, monkeypatch):
    import wandb
    from mlflow.tracking import MlflowClient

    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    exp = experiment(
        tmp_path, 'tensorboard = true\nmlflow = true\nwandb = {project = "xor", mode = "offline"}\n'
    )
    out = tmp_path / "run"
    assert (
        main(
            [
                "run",
                str(exp),
                "--out",
                str(out),
                "--generations",
                "4",
                "--device",
                "cpu",
                "--checkpoint-every",
                "2",
                "--quiet",
            ]
        )
        == 0
    )
    tracking = json.loads((out / "tracking.json").read_text())
    assert tracking["tensorboard"] == str((out / "tensorboard").resolve())
    mlflow_id = (out / "mlflow_run_id").read_text().strip()
    wandb_id = (out / "wandb_run_id").read_text().strip()
    # resume from the checkpoint of generation 2, two generations more
    assert (
        main(
            [
                "resume",
                str(out),
                "--from",
                str(out / "checkpoints" / "gen-000002.ckpt"),
                "--generations",
                "2",
                "--quiet",
            ]
        )
        == 0
    )
    wandb.teardown()  # the offline files are complete once W&B's service has stopped
    rows, _ = read_run_history(out)
    assert [r["generation"] for r in rows] == [0, 1, 2, 3]
    # TensorBoard: one value per generation, the resumed run's for generations 2 and 3
    got = tb_steps(out / "tensorboard")
    assert [s for s, _ in got] == [0, 1, 2, 3]
    assert [v for _, v in got] == pytest.approx([r["best_fitness"] for r in rows])
    # MLflow: the same run, its last value at each step the one stats.jsonl holds
    assert (out / "mlflow_run_id").read_text().strip() == mlflow_id
    client = MlflowClient(tracking_uri=f"file:{out / 'mlruns'}")
    last = {
        m.step: m.value
        for m in sorted(
            client.get_metric_history(mlflow_id, "mean_fitness"), key=lambda m: m.timestamp
        )
    }
    assert last == pytest.approx({r["generation"]: r["mean_fitness"] for r in rows})
    assert client.get_run(mlflow_id).info.status == "FINISHED"
    assert client.get_run(mlflow_id).data.params["seed"] == "1"
    # W&B: both sessions under the run's id
    assert (out / "wandb_run_id").read_text().strip() == wandb_id
    sessions = sorted((out / "wandb").glob("offline-run-*"))
    assert len(sessions) == 2 and all(f"-{wandb_id}" in p.name for p in sessions)


def test_tensorboard_option_writes_under_the_run_folder_name(tmp_path):
    exp = experiment(tmp_path, "")
    out, tb = tmp_path / "xor-seed7", tmp_path / "tb"
    assert (
        main(
            [
                "run",
                str(exp),
                "--out",
                str(out),
                "--generations",
                "3",
                "--device",
                "cpu",
                "--seed",
                "7",
                "--tensorboard",
                str(tb),
                "--no-extras",
                "--quiet",
            ]
        )
        == 0
    )
    assert [s for s, _ in tb_steps(tb / "xor-seed7")] == [0, 1, 2]
    result = json.loads((out / "result.json").read_text())
    assert [v for _, v in tb_steps(tb / "xor-seed7")] == pytest.approx(
        [h["best_fitness"] for h in result["history"]]
    )


@pytest.mark.parametrize(
    "table, message",
    [
        (
            "tensorbord = true",
            r"\[reporting\] tensorbord: unknown key \(did you mean 'tensorboard'\?\)",
        ),
        ("mlflow = 3", r"\[reporting\] mlflow: expected a tracking URI"),
        ('wandb = {mode = "ofline"}', r"\[reporting\] wandb.mode: expected \"online\""),
        (
            'wandb = {projet = "x"}',
            r"\[reporting\] wandb.projet: unknown key \(did you mean 'project'\?\)",
        ),
        ('wandb = {tags = "a"}', r"\[reporting\] wandb.tags: expected a list of strings"),
    ],
)
def test_bad_reporting_tables_are_one_line(tmp_path, table, message):
    with pytest.raises(ConfigError, match=message):
        load_experiment(experiment(tmp_path, table))


def test_a_missing_tracker_fails_before_anything_is_written(tmp_path, monkeypatch, capsys):
    import sys

    monkeypatch.setitem(sys.modules, "torch.utils.tensorboard", None)
    exp = experiment(tmp_path, "")
    out = tmp_path / "run"
    assert (
        main(
            [
                "run",
                str(exp),
                "--out",
                str(out),
                "--tensorboard",
                str(tmp_path / "tb"),
                "--device",
                "cpu",
                "--quiet",
            ]
        )
        == 2
    )
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "pip install 'neuroevo[tensorboard]'" in err
    assert not out.exists() and not (tmp_path / "tb").exists()
