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
        ne.evolve(
            Climb(),
            Score(),
            generations=3,
            seed=1,
            device="cpu",
            reporters=[_checkpointer(tmp_path)],
        )
    ckpt = load_checkpoint(list_checkpoints(tmp_path)[-1])
    assert ckpt.loop_state["next_generation"] == 3
    assert ckpt.strategy_state["values"].tolist() == [3.0, 3.5, 4.0]  # after 3 tells


def test_an_interrupted_run_saves_the_last_complete_snapshot(tmp_path):
    with pytest.raises(KeyboardInterrupt):
        ne.evolve(
            Climb(),
            Score(fail_at=2),
            generations=4,
            seed=1,
            device="cpu",
            reporters=[_checkpointer(tmp_path)],
        )
    ckpt = load_checkpoint(list_checkpoints(tmp_path)[-1])
    assert ckpt.loop_state["next_generation"] == 1
    assert ckpt.strategy_state["values"].tolist() == [1.0, 1.5, 2.0]


def test_the_experiment_must_be_a_snapshot(tmp_path):
    with pytest.raises(ConfigError, match="experiment_snapshot"):
        Checkpointer(tmp_path, experiment=tmp_path / "exp.toml")


@pytest.mark.parametrize(
    "error,word", [(KeyboardInterrupt, "interrupted"), (RuntimeError, "failed")]
)
def test_summary_says_how_the_run_stopped(tmp_path, error, word):
    rf = RunFolderReporter(tmp_path, draw=False, plots=False)
    with pytest.raises(error):
        ne.evolve(
            Climb(),
            Score(fail_at=2, error=error),
            generations=4,
            seed=1,
            device="cpu",
            reporters=[rf],
        )
    text = (tmp_path / "summary.md").read_text()
    assert f"**stopped early** ({word})" in text
    assert len(rf.rows) == 2 and (tmp_path / "stats.csv").read_text().count("\n") == 3


class KillAfter(ne.Reporter):
    """Stands for a kill right after generation ``at`` (after the reporters before it)."""

    def __init__(self, at):
        self.at = at

    def on_generation(self, stats, strategy):
        if stats.generation == self.at:
            raise KeyboardInterrupt


def test_the_checkpoint_of_the_solving_generation_says_solved(tmp_path):
    # Climb's best output is 1, 2, 3 ... in generations 0, 1, 2: the threshold 3 is reached
    # in generation 2, which is also a checkpoint generation (every=3)
    ckpt = Checkpointer(tmp_path, every=3, seed=1, device="cpu", snapshot_overhead=1e-9)
    with pytest.raises(KeyboardInterrupt):
        ne.evolve(
            Climb(),
            Score(threshold=3.0),
            generations=10,
            seed=1,
            device="cpu",
            reporters=[ckpt, KillAfter(at=2)],
        )
    saved = load_checkpoint(list_checkpoints(tmp_path)[-1])
    assert saved.loop_state["next_generation"] == 3
    assert saved.loop_state["solved"] is True
    assert saved.strategy_state["best_fitness"] == 3.0


def test_an_unsolved_checkpoint_says_not_solved(tmp_path):
    ckpt = Checkpointer(tmp_path, every=3, seed=1, device="cpu", snapshot_overhead=1e-9)
    ne.evolve(
        Climb(), Score(threshold=100.0), generations=3, seed=1, device="cpu", reporters=[ckpt]
    )
    assert load_checkpoint(list_checkpoints(tmp_path)[-1]).loop_state["solved"] is False


def test_an_interruption_in_the_first_generation_leaves_a_checkpoint(tmp_path):
    with pytest.raises(KeyboardInterrupt):
        ne.evolve(
            Climb(),
            Score(fail_at=0),
            generations=4,
            seed=1,
            device="cpu",
            reporters=[_checkpointer(tmp_path)],
        )
    ckpt = load_checkpoint(list_checkpoints(tmp_path)[-1])
    assert (ckpt.loop_state["next_generation"], ckpt.loop_state["generations_left"]) == (0, 4)
    assert ckpt.strategy_state["values"].tolist() == [0.0, 0.5, 1.0]  # as set up


def test_a_kill_during_a_write_leaves_no_temporary_file_behind(tmp_path):
    import subprocess
    import sys

    # a process that died (its pid is free) mid-write left its temporary file
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    folder = tmp_path / "checkpoints"
    folder.mkdir()
    stale = folder / f".gen-000003.ckpt.neuroevo-{int(dead.stdout)}-k1ll3d_x.tmp"
    stale.write_bytes(b"half a checkpoint")
    other = folder / "notes.tmp"
    other.write_text("not ours")
    ne.evolve(
        Climb(), Score(), generations=2, seed=1, device="cpu", reporters=[_checkpointer(tmp_path)]
    )
    assert not stale.exists()
    assert other.read_text() == "not ours"
    assert [p.name for p in folder.iterdir() if p.name.endswith(".tmp")] == ["notes.tmp"]


def test_interrupts_are_deferred_while_a_checkpoint_is_written(tmp_path):
    import os
    import signal

    from neuroevo.reporting.checkpointer import DeferInterrupts

    with pytest.raises(KeyboardInterrupt):
        with DeferInterrupts():
            os.kill(os.getpid(), signal.SIGINT)  # a Ctrl-C in the middle of the work
            (tmp_path / "done").write_text("finished")  # the work goes on to its end
    assert (tmp_path / "done").read_text() == "finished"
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
