"""`neuroevo resume`: writes what a run writes, takes an earlier checkpoint, leaves finished runs be.

The references are runs of the same experiment and seed that were never interrupted (GA
and NEAT runs are deterministic for a seed), and the files the first run wrote.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from neuroevo.errors import ConfigError
from neuroevo.reporting.checkpointer import list_checkpoints
from neuroevo.run import registry
from neuroevo.run.cli import main, run_experiment
from neuroevo.run.resume import resume
from neuroevo.tasks.supervised import XOR

CONFIGS = Path(__file__).resolve().parents[2] / "configs"


def _endless(tmp_path: Path, name: str = "xor_ga.toml") -> Path:
    """xor_ga.toml going on after it solves (so every generation is run)."""
    path = tmp_path / name
    path.write_text(
        (CONFIGS / "xor_ga.toml")
        .read_text()
        .replace("[experiment]", "[experiment]\nstop_on_solve = false")
    )
    return path


def _run(*argv: str) -> int:
    return main([*argv, "--quiet"] if argv[0] == "run" else list(argv))


def _json(path: Path) -> dict:
    return json.loads(path.read_text())


def test_resume_writes_everything_a_run_writes(tmp_path, capsys):
    exp = _endless(tmp_path)
    whole, part = tmp_path / "whole", tmp_path / "part"
    assert _run("run", str(exp), "--generations", "5", "--out", str(whole), "--device", "cpu") == 0
    assert (
        _run(
            "run",
            str(exp),
            "--generations",
            "3",
            "--out",
            str(part),
            "--device",
            "cpu",
            "--checkpoint-every",
            "1",
        )
        == 0
    )
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    stale = part / f".result.json.neuroevo-{int(dead.stdout)}-abc123.tmp"
    stale.write_text("{")  # left by a kill while result.json was written
    assert main(["resume", str(part), "--generations", "2", "--quiet"]) == 0
    capsys.readouterr()
    got, want = _json(part / "result.json"), _json(whole / "result.json")
    assert got["generations"] == want["generations"] == 5
    assert [h["best_fitness"] for h in got["history"]] == [
        h["best_fitness"] for h in want["history"]
    ]
    assert got["best_fitness"] == want["best_fitness"]
    assert _json(part / "best_params.json") == _json(whole / "best_params.json")
    rows = [json.loads(line) for line in (part / "stats.jsonl").read_text().splitlines()]
    assert [r["generation"] for r in rows] == [0, 1, 2, 3, 4]
    assert len((part / "stats.csv").read_text().splitlines()) == 1 + 5
    assert "generations: 5" in (part / "summary.md").read_text()
    assert not stale.exists()


def test_resume_from_an_earlier_checkpoint_after_a_corrupt_one(tmp_path, capsys):
    exp = _endless(tmp_path)
    out, whole = tmp_path / "run", tmp_path / "whole"
    assert _run("run", str(exp), "--generations", "4", "--out", str(whole), "--device", "cpu") == 0
    assert (
        _run(
            "run",
            str(exp),
            "--generations",
            "4",
            "--out",
            str(out),
            "--device",
            "cpu",
            "--checkpoint-every",
            "1",
        )
        == 0
    )
    capsys.readouterr()
    newest = list_checkpoints(out)[-1]
    data = bytearray(newest.read_bytes())
    data[-10] ^= 0xFF  # a flipped bit: the checksum no longer matches
    newest.write_bytes(bytes(data))

    assert main(["resume", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "SHA-256" in err
    suggested = re.search(r"`neuroevo resume (--from \S+)`", err)
    assert suggested, err
    # the message is true: its command resumes from the checkpoint before the damaged one
    assert main(["resume", *suggested.group(1).split(), "--quiet"]) == 0
    capsys.readouterr()
    assert [p.name for p in list_checkpoints(out)][-1] == "gen-000004.ckpt"
    assert _json(out / "result.json")["history"] == [
        {**h, "seconds": g["seconds"], "evaluations_per_second": g["evaluations_per_second"]}
        for h, g in zip(
            _json(whole / "result.json")["history"], _json(out / "result.json")["history"]
        )
    ]


def test_from_an_earlier_checkpoint_drops_the_newer_ones(tmp_path, capsys):
    out = tmp_path / "run"
    assert (
        _run(
            "run",
            str(_endless(tmp_path)),
            "--generations",
            "4",
            "--out",
            str(out),
            "--device",
            "cpu",
            "--checkpoint-every",
            "1",
        )
        == 0
    )
    older = list_checkpoints(out)[0]  # gen-000002: the keep=3 newest are 2, 3, 4
    assert main(["resume", str(out), "--from", str(older), "--generations", "1", "--quiet"]) == 0
    capsys.readouterr()
    assert [p.name for p in list_checkpoints(out)] == ["gen-000002.ckpt", "gen-000003.ckpt"]
    assert _json(out / "result.json")["generations"] == 3


def test_resuming_a_finished_solved_run_changes_nothing(tmp_path, capsys):
    out = tmp_path / "run"
    assert (
        _run(
            "run", str(CONFIGS / "xor_ga.toml"), "--seed", "1", "--out", str(out), "--device", "cpu"
        )
        == 0
    )
    result = _json(out / "result.json")
    assert result["solved"] and result["generations"] < 150  # solved early, then stopped
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    capsys.readouterr()
    assert main(["resume", str(out)]) == 0
    said = capsys.readouterr().out
    assert (
        "already finished" in said and f"solved in generation {result['generations'] - 1}" in said
    )
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} == before
    assert "**solved**" in (out / "summary.md").read_text()
    # killed after its last checkpoint, before result.json was written: resume writes it
    (out / "result.json").unlink()
    assert main(["resume", str(out), "--quiet"]) == 0
    rewritten = _json(out / "result.json")
    assert (rewritten["solved"], rewritten["generations"], rewritten["best_fitness"]) == (
        True,
        result["generations"],
        result["best_fitness"],
    )


@pytest.mark.parametrize("where", ["parent", "absolute"])
def test_an_ini_named_with_dotdot_or_an_absolute_path_resumes(tmp_path, capsys, where):
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "xor.ini").write_text((CONFIGS / "xor.ini").read_text())
    (tmp_path / "exps").mkdir()
    name = "../shared/xor.ini" if where == "parent" else str(shared / "xor.ini")
    exp = tmp_path / "exps" / "e.toml"
    exp.write_text(
        "[experiment]\ngenerations = 2\nseed = 3\nstop_on_solve = false\n"
        f'[task]\nname = "xor"\n[strategy]\nname = "neat"\nconfig = "{name}"\n'
        "pop_size = 20\n"
    )
    out = tmp_path / "run"
    assert (
        _run("run", str(exp), "--out", str(out), "--device", "cpu", "--checkpoint-every", "1") == 0
    )
    (shared / "xor.ini").unlink()  # the resumed run uses the checkpoint's copy
    assert main(["resume", str(out), "--generations", "1", "--quiet"]) == 0
    capsys.readouterr()
    assert _json(out / "result.json")["generations"] == 3
    assert (out / "experiment" / "xor.ini").read_text() == (CONFIGS / "xor.ini").read_text()


class XorTwin(XOR):
    """XOR under another name, registered from Python."""


def _registered_run(tmp_path: Path, name: str) -> Path:
    exp = tmp_path / "e.toml"
    exp.write_text(
        (CONFIGS / "xor_ga.toml").read_text().replace('name = "xor"', f'name = "{name}"')
    )
    out = tmp_path / "run"
    run_experiment(exp, generations=2, out=out, quiet=True, checkpoint_every=1)
    return out


@pytest.mark.parametrize("target", ["tests.run.test_resume_command:XorTwin", XorTwin])
def test_a_task_registered_from_python_resumes(tmp_path, monkeypatch, target):
    monkeypatch.setitem(registry.TASKS.entries, "xor-twin", registry.Entry(target))
    out = _registered_run(tmp_path, "xor-twin")
    monkeypatch.delitem(registry.TASKS.entries, "xor-twin")  # as in a new process
    with pytest.raises(ConfigError) as e:
        resume(out, generations=1)
    msg = str(e.value)
    assert "\n" not in msg and "'tests.run.test_resume_command:XorTwin'" in msg
    assert "register_task('xor-twin'" in msg and "--allow-import" in msg
    result = resume(out, generations=1, allow_import=True)
    assert result.generations == 3
    assert registry.TASKS.entries["xor-twin"].target == "tests.run.test_resume_command:XorTwin"


def test_a_task_class_no_process_can_import_says_how(tmp_path, monkeypatch):
    class Local(XOR):
        pass

    monkeypatch.setitem(registry.TASKS.entries, "local-xor", registry.Entry(Local))
    out = _registered_run(tmp_path, "local-xor")
    monkeypatch.delitem(registry.TASKS.entries, "local-xor")
    with pytest.raises(ConfigError, match="cannot import.*register_task"):
        resume(out, generations=1, allow_import=True)
    monkeypatch.setitem(registry.TASKS.entries, "local-xor", registry.Entry(Local))
    assert resume(out, generations=1).generations == 3  # registered again: it resumes
