"""`neuroevo resume RUN --from CKPT` never writes another run's checkpoint into RUN.

Whether the checkpoint belongs to RUN is read from what RUN holds (its other checkpoints,
``result.json``, ``stats.jsonl``, its copy of the experiment file), not from how the paths
are spelled: an absolute path, ``..``, a symlink, a copy put into ``RUN/checkpoints/`` and a
second run of the same experiment and seed are all another run.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import pytest

from neuroevo.errors import CheckpointError
from neuroevo.reporting.checkpointer import list_checkpoints
from neuroevo.run.cli import main
from neuroevo.run.resume import resume

CONFIGS = Path(__file__).resolve().parents[2] / "configs"


def _endless(tmp_path: Path) -> Path:
    path = tmp_path / "xor_ga.toml"
    if not path.exists():
        path.write_text(
            (CONFIGS / "xor_ga.toml")
            .read_text()
            .replace("[experiment]", "[experiment]\nstop_on_solve = false")
        )
    return path


def _run(tmp_path: Path, out: Path, seed: int, generations: int = 4) -> Path:
    assert (
        main(
            [
                "run",
                str(_endless(tmp_path)),
                "--seed",
                str(seed),
                "--generations",
                str(generations),
                "--out",
                str(out),
                "--device",
                "cpu",
                "--checkpoint-every",
                "1",
                "--quiet",
            ]
        )
        == 0
    )
    return out


def _tree(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def two_runs(tmp_path, capsys):
    """Run A (seed 1, 3 generations) and run B (seed 2, 4 generations)."""
    a = _run(tmp_path, tmp_path / "A", seed=1, generations=3)
    b = _run(tmp_path, tmp_path / "B", seed=2)
    capsys.readouterr()
    return a, b


SPELLINGS = ["absolute", "relative", "dotdot", "symlinked folder", "copied into A"]


def _spelled(tmp_path: Path, a: Path, ckpt: Path, how: str) -> str:
    if how == "absolute":
        return str(ckpt.resolve())
    if how == "relative":
        return os.path.relpath(ckpt, tmp_path)
    if how == "dotdot":
        return str(Path("A") / "checkpoints" / ".." / ".." / ckpt.relative_to(tmp_path))
    if how == "symlinked folder":
        link = tmp_path / "link"
        link.symlink_to(ckpt.parent.parent, target_is_directory=True)
        return str(link / "checkpoints" / ckpt.name)
    copy = a / "checkpoints" / "gen-000009.ckpt"  # newer than A's own, so also the default
    shutil.copyfile(ckpt, copy)
    return str(copy.relative_to(tmp_path))


@pytest.mark.parametrize("how", SPELLINGS)
def test_another_runs_checkpoint_is_refused_and_changes_nothing(
    two_runs, tmp_path, capsys, monkeypatch, how
):
    a, b = two_runs
    monkeypatch.chdir(tmp_path)
    ckpt = _spelled(tmp_path, a, list_checkpoints(b)[1], how)
    before = _tree(a)
    assert main(["resume", "A", "--from", ckpt, "--generations", "2", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert "another run" in err and ckpt in err, err
    if how == "copied into A":  # the copy is A's newest: a plain resume is refused too
        assert main(["resume", "A", "--quiet"]) == 2
        assert "another run" in capsys.readouterr().err
        before.pop("checkpoints/gen-000009.ckpt")
        (a / "checkpoints" / "gen-000009.ckpt").unlink()
    assert _tree(a) == before


def test_a_second_run_of_the_same_experiment_and_seed_is_another_run(tmp_path, capsys):
    """Same experiment, same seed: the same genomes, but not the same run (the folder's
    statistics were measured by its own run)."""
    a = _run(tmp_path, tmp_path / "A", seed=1, generations=3)
    b = _run(tmp_path, tmp_path / "B", seed=1, generations=4)
    capsys.readouterr()
    before = _tree(a)
    with pytest.raises(CheckpointError, match="another run"):
        resume(a, checkpoint=list_checkpoints(b)[-1], generations=1)
    assert _tree(a) == before


def test_own_checkpoints_and_a_new_folder_still_resume(two_runs, tmp_path, capsys, monkeypatch):
    a, b = two_runs
    monkeypatch.chdir(tmp_path)
    # A's own earlier checkpoint, spelled through a symlink and with ..
    (tmp_path / "alias").symlink_to(a, target_is_directory=True)
    own = Path("alias") / ".." / "A" / "checkpoints" / list_checkpoints(a)[0].name
    assert main(["resume", "A", "--from", str(own), "--generations", "1", "--quiet"]) == 0
    # B's checkpoint into a new, empty folder: a branch of B, nothing overwritten
    (tmp_path / "C").mkdir()
    assert (
        main(
            ["resume", "C", "--from", str(list_checkpoints(b)[1]), "--generations", "1", "--quiet"]
        )
        == 0
    )
    capsys.readouterr()
    assert [p.name for p in list_checkpoints(tmp_path / "C")] == ["gen-000004.ckpt"]
