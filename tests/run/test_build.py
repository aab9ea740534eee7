"""``neuroevo run`` and ``neuroevo resume`` build the run the same way (neuroevo.run.build)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from neuroevo.reporting.checkpointer import Checkpointer, list_checkpoints
from neuroevo.reporting.fitness_plots import FitnessPlots
from neuroevo.run import build
from neuroevo.run.cli import run_experiment
from neuroevo.run.experiment_file import load_experiment
from neuroevo.run.resume import load_resume_point

CONFIGS = Path(__file__).resolve().parents[2] / "configs"


def test_resume_rebuilds_what_run_built(tmp_path):
    exp = load_experiment(CONFIGS / "xor_ga.toml")
    result, folder = run_experiment(
        exp.path,
        seed=5,
        generations=3,
        out=tmp_path / "run",
        device="cpu",
        quiet=True,
        checkpoint_every=1,
    )
    ran = build.build(exp, seed=5, device="cpu")
    point = load_resume_point(folder)
    got = point.setup
    assert (got.seed, got.dtype_name, got.stop_on_solve, got.device_label) == (
        ran.seed,
        ran.dtype_name,
        ran.stop_on_solve,
        "cpu",
    )
    assert type(got.task) is type(ran.task) and type(got.strategy) is type(ran.strategy)
    assert got.strategy.population_size == ran.strategy.population_size
    assert point.next_generation == 3 and [h.generation for h in point.history] == [0, 1, 2]
    saved = json.loads((folder / "best_params.json").read_text())
    assert saved["best_fitness"] == result.best_fitness == got.strategy.best_fitness


def test_folder_reporters_checkpoint_before_the_slow_pictures(tmp_path, monkeypatch):
    def broken_plots(self, result):
        raise RuntimeError("plotting failed")

    monkeypatch.setattr(FitnessPlots, "on_end", broken_plots)
    with pytest.raises(RuntimeError, match="plotting failed"):
        run_experiment(
            CONFIGS / "xor_ga.toml",
            seed=1,
            generations=2,
            out=tmp_path,
            device="cpu",
            quiet=True,
            checkpoint_every=100,
        )
    # the final state was saved although the pictures after it failed
    assert [p.name for p in list_checkpoints(tmp_path)] == ["gen-000002.ckpt"]


def test_folder_reporters_without_checkpoints(tmp_path):
    setup = build.build(load_experiment(CONFIGS / "xor_ga.toml"), seed=1, device="cpu")
    reporters = build.folder_reporters(tmp_path, setup, checkpoint_every=0)
    assert not any(isinstance(r, Checkpointer) for r in reporters)
