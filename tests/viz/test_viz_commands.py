"""draw / plot / resume commands on a run folder written by the reporters."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import neuroevo as ne
from neuroevo.errors import CheckpointError, ConfigError
from neuroevo.loop import Reporter
from neuroevo.reporting.checkpointer import Checkpointer
from neuroevo.reporting.run_folder import RunFolderReporter
from neuroevo.run.commands import draw_command, plot_command, resume_command
from neuroevo.run.experiment_file import experiment_snapshot

CONFIGS = Path(__file__).resolve().parents[2] / "configs"


class Stop(Reporter):
    def on_generation(self, stats, strategy):
        if stats.generation == 2:
            raise KeyboardInterrupt


def _experiment(tmp_path):
    shutil.copy(CONFIGS / "xor.ini", tmp_path / "xor.ini")
    path = tmp_path / "exp.toml"
    path.write_text(
        "[experiment]\ngenerations = 5\nseed = 3\nstop_on_solve = false\n"
        '[task]\nname = "xor"\n[strategy]\nname = "neat"\nconfig = "xor.ini"\n'
        "pop_size = 30\n"
    )
    return path


def test_interrupt_then_resume_command_then_draw_and_plot(tmp_path):
    exp = _experiment(tmp_path)
    run = tmp_path / "run"
    strategy = ne.NEAT(ne.load_config(tmp_path / "xor.ini"), pop_size=30)
    reporters = [
        Checkpointer(
            run,
            every=100,
            experiment=experiment_snapshot(exp),
            seed=3,
            device="cpu",
            stop_on_solve=False,
            snapshot_overhead=float("inf"),
        ),
        RunFolderReporter(run, files=[exp, tmp_path / "xor.ini"]),
        Stop(),
    ]
    with pytest.raises(KeyboardInterrupt):
        ne.evolve(
            strategy,
            ne.tasks.XOR(),
            generations=5,
            seed=3,
            device="cpu",
            reporters=reporters,
            stop_on_solve=False,
        )
    assert "stopped early" in (run / "summary.md").read_text()

    result = resume_command(run, quiet=True)
    assert result.generations == 5 and len(result.history) == 5
    stats = (run / "stats.csv").read_text().splitlines()
    assert len(stats) == 1 + 5
    assert "stopped early" not in (run / "summary.md").read_text()

    if shutil.which("dot"):
        out = draw_command(run)
        assert out == run / "best_genome.svg" and out.read_text().lstrip().startswith("<?xml")
    files = plot_command(run)
    assert [f.name for f in files] == ["fitness.png", "fitness_evaluations.png", "species.png"]


def test_errors(tmp_path):
    with pytest.raises(CheckpointError, match="no stats.json"):
        plot_command(tmp_path)
    with pytest.raises(CheckpointError, match="no such genome"):
        draw_command(tmp_path)
    (tmp_path / "best_genome.json").write_text("{}")
    with pytest.raises(ConfigError, match="--config"):
        draw_command(tmp_path)


def test_a_missing_dot_program_is_one_line_from_run_and_from_draw(tmp_path, monkeypatch, capsys):
    """Without graphviz's dot program, `neuroevo run` says so at the end (not only in
    summary.md) and `neuroevo draw` in one line rather than a Python warning."""
    from neuroevo.run.cli import main

    out = tmp_path / "run"
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert (
        main(
            [
                "run",
                str(_experiment(tmp_path)),
                "--generations",
                "2",
                "--out",
                str(out),
                "--device",
                "cpu",
                "--checkpoint-every",
                "0",
            ]
        )
        == 0
    )
    notes = [line for line in capsys.readouterr().err.splitlines() if "dot" in line]
    assert len(notes) == 1 and notes[0].startswith(
        "note: the graphviz 'dot' program was not found on PATH; install"
    )
    assert notes[0].endswith(
        f"wrote the DOT source to {out / 'best_genome.gv'} instead of {out / 'best_genome.svg'}"
    )
    assert notes[0].removeprefix("note: ") in (out / "summary.md").read_text()
    assert main(["draw", str(out), "--out", str(tmp_path / "drawn.svg")]) == 0
    captured = capsys.readouterr()
    assert captured.err.splitlines() == [
        f"neuroevo draw: note: {notes[0].removeprefix('note: ').split('; wrote')[0]}; wrote "
        f"the DOT source to {tmp_path / 'drawn.gv'} instead of {tmp_path / 'drawn.svg'}"
    ]
    assert captured.out.strip() == str(tmp_path / "drawn.gv")
