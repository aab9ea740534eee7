"""`neuroevo run` never mixes two runs in one folder, and a run that cannot start writes nothing."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
import torch

import neuroevo.loop
from neuroevo.run.cli import main

CONFIGS = Path(__file__).resolve().parents[2] / "configs"
XOR_GA = CONFIGS / "xor_ga.toml"


def _tree(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` with the SHA-256 of its bytes."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _one_line(capsys) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    return err


@pytest.fixture
def used(tmp_path, capsys):
    """A folder holding a finished two-generation GA run."""
    out = tmp_path / "run"
    assert (
        main(
            [
                "run",
                str(XOR_GA),
                "--generations",
                "2",
                "--quiet",
                "--out",
                str(out),
                "--device",
                "cpu",
                "--checkpoint-every",
                "1",
            ]
        )
        == 0
    )
    capsys.readouterr()
    return out


def test_second_run_into_a_used_folder_is_refused(used, capsys):
    before = _tree(used)
    assert (
        main(
            [
                "run",
                str(XOR_GA),
                "--generations",
                "3",
                "--quiet",
                "--out",
                str(used),
                "--device",
                "cpu",
                "--seed",
                "7",
            ]
        )
        == 2
    )
    err = _one_line(capsys)
    assert str(used) in err and "--out NEW" in err and "--overwrite" in err
    assert f"neuroevo resume {used}" in err
    assert _tree(used) == before


def test_overwrite_replaces_the_earlier_run(used, capsys):
    (used / "checkpoints" / "gen-000099.ckpt").write_bytes(b"an old run's checkpoint")
    assert (
        main(
            [
                "run",
                str(XOR_GA),
                "--generations",
                "3",
                "--quiet",
                "--out",
                str(used),
                "--device",
                "cpu",
                "--seed",
                "7",
                "--overwrite",
            ]
        )
        == 0
    )
    import json

    result = json.loads((used / "result.json").read_text())
    assert (result["seed"], result["generations"]) == (7, 3)
    assert not (used / "checkpoints" / "gen-000099.ckpt").exists()  # nothing of the old run
    stats = (used / "stats.jsonl").read_text().splitlines()
    assert [json.loads(line)["generation"] for line in stats] == [0, 1, 2]


def test_overwrite_never_clears_a_folder_that_holds_no_run(tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("mine")
    assert (
        main(
            [
                "run",
                str(XOR_GA),
                "--generations",
                "1",
                "--quiet",
                "--out",
                str(tmp_path),
                "--device",
                "cpu",
                "--overwrite",
            ]
        )
        == 2
    )
    err = _one_line(capsys)
    assert "holds no run" in err and "--out NEW" in err
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_out_naming_a_file_is_refused_before_evolution(tmp_path, capsys, monkeypatch):
    target = tmp_path / "result.txt"
    target.write_text("not a folder")

    def no_evolution(*args, **kwargs):
        raise AssertionError("evolution ran although --out cannot be written")

    monkeypatch.setattr(neuroevo.loop, "evolve", no_evolution)
    assert (
        main(
            [
                "run",
                str(XOR_GA),
                "--generations",
                "2",
                "--quiet",
                "--out",
                str(target),
                "--device",
                "cpu",
            ]
        )
        == 2
    )
    err = _one_line(capsys)
    assert str(target) in err and "is a file" in err
    assert target.read_text() == "not a folder"


@pytest.mark.parametrize(
    "argv,words",
    [
        (["--device", "tpu"], ["'tpu'", "not a torch device", "cpu"]),
        (["--device", "cuda:99"], ["cuda:99"]),
        (["--seed", "1"], []),  # the experiment below does not fit its INI: checked before writing
    ],
)
def test_a_run_that_cannot_start_leaves_the_folder_as_it_was(used, tmp_path, capsys, argv, words):
    experiment = XOR_GA
    if argv == ["--seed", "1"]:
        experiment = tmp_path / "parity_neat.toml"
        (tmp_path / "xor.ini").write_text((CONFIGS / "xor.ini").read_text())
        experiment.write_text(
            '[experiment]\ngenerations = 2\n[task]\nname = "parity"\n'
            '[strategy]\nname = "neat"\nconfig = "xor.ini"\n'
        )
        words = ["3 inputs", "num_inputs = 2"]
    before = _tree(used)
    assert main(["run", str(experiment), "--quiet", "--out", str(used), "--overwrite", *argv]) == 2
    err = _one_line(capsys)
    for w in words:
        assert w in err, (w, err)
    assert _tree(used) == before


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_device_cuda_without_cuda_is_one_line_and_writes_nothing(tmp_path, capsys):
    out = tmp_path / "new"
    assert main(["run", str(XOR_GA), "--quiet", "--out", str(out), "--device", "cuda"]) == 2
    err = _one_line(capsys)
    assert "'cuda'" in err and "--device cpu" in err
    assert not out.exists()


def test_device_in_the_experiment_file_is_checked_too(tmp_path, capsys):
    exp = tmp_path / "e.toml"
    exp.write_text(XOR_GA.read_text().replace('device = "cpu"', 'device = "tpu"'))
    (tmp_path / "xor.ini").write_text((CONFIGS / "xor.ini").read_text())
    assert main(["run", str(exp), "--quiet", "--out", str(tmp_path / "o")]) == 2
    err = _one_line(capsys)
    assert f"{exp} [experiment] device" in err and "'tpu'" in err
    assert not (tmp_path / "o").exists()
