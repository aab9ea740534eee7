"""The Checkpointer reads how the run ended from ``result.status``, not from ``sys.exc_info()``."""

from __future__ import annotations

import pytest

import neuroevo as ne
from neuroevo.errors import ConfigError
from neuroevo.io.checkpoint import load_checkpoint
from neuroevo.reporting.checkpointer import Checkpointer, list_checkpoints
from neuroevo.reporting.run_folder import RunFolderReporter
from tests.loop.stubs import Climb, Score


def _checkpointer(run_dir):
    # every=100 and a tiny overhead: the only snapshot before the end is generation 0's
    return Checkpointer(run_dir, every=100, seed=1, device="cpu", snapshot_overhead=1e-9)


def test_a_run_inside_an_except_block_saves_its_final_state(tmp_path):
    try:
        raise ValueError("handled by the caller, unrelated to the run")
    except ValueError:
        ne.evolve(Climb(), Score(), generations=3, seed=1, device="cpu",
                  reporters=[_checkpointer(tmp_path)])
    ckpt = load_checkpoint(list_checkpoints(tmp_path)[-1])
    assert ckpt.loop_state["next_generation"] == 3
    assert ckpt.strategy_state["values"].tolist() == [3.0, 3.5, 4.0]  # after 3 tells


def test_an_interrupted_run_saves_the_last_complete_snapshot(tmp_path):
    with pytest.raises(KeyboardInterrupt):
        ne.evolve(Climb(), Score(fail_at=2), generations=4, seed=1, device="cpu",
                  reporters=[_checkpointer(tmp_path)])
    ckpt = load_checkpoint(list_checkpoints(tmp_path)[-1])
    assert ckpt.loop_state["next_generation"] == 1
    assert ckpt.strategy_state["values"].tolist() == [1.0, 1.5, 2.0]


def test_the_experiment_must_be_a_snapshot(tmp_path):
    with pytest.raises(ConfigError, match="experiment_snapshot"):
        Checkpointer(tmp_path, experiment=tmp_path / "exp.toml")


@pytest.mark.parametrize("error,word", [(KeyboardInterrupt, "interrupted"),
                                        (RuntimeError, "failed")])
def test_summary_says_how_the_run_stopped(tmp_path, error, word):
    rf = RunFolderReporter(tmp_path, draw=False, plots=False)
    with pytest.raises(error):
        ne.evolve(Climb(), Score(fail_at=2, error=error), generations=4, seed=1, device="cpu",
                  reporters=[rf])
    text = (tmp_path / "summary.md").read_text()
    assert f"**stopped early** ({word})" in text
    assert len(rf.rows) == 2 and (tmp_path / "stats.csv").read_text().count("\n") == 3
