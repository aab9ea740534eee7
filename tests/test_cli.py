"""`neuroevo run`: result files, errors as one line with exit status 2."""

from __future__ import annotations

import json
import pathlib
import subprocess
import sys

import neat
import pytest

from neuroevo.config import load_config
from neuroevo.run.cli import main

ROOT = pathlib.Path(__file__).resolve().parents[1]
XOR_TOML = ROOT / "configs" / "xor.toml"
XOR_CASES = [((0.0, 0.0), 0.0), ((0.0, 1.0), 1.0), ((1.0, 0.0), 1.0), ((1.0, 1.0), 0.0)]


def test_run_writes_result_and_best_genome(tmp_path, capsys):
    out = tmp_path / "run"
    assert (
        main(
            [
                "run",
                str(XOR_TOML),
                "--seed",
                "4",
                "--generations",
                "3",
                "--out",
                str(out),
                "--device",
                "cpu",
            ]
        )
        == 0
    )
    printed = capsys.readouterr().out
    assert "gen     0" in printed and "gen     2" in printed and str(out) in printed
    result = json.loads((out / "result.json").read_text())
    for key in (
        "solved",
        "generations",
        "evaluations",
        "best_fitness",
        "seed",
        "strategy",
        "task",
        "seconds",
        "history",
    ):
        assert key in result, key
    assert (result["seed"], result["strategy"], result["task"]) == (4, "neat", "xor")
    assert len(result["history"]) == result["generations"] <= 3
    assert result["evaluations"] == 150 * result["generations"]
    assert result["best_fitness"] == max(h["best_fitness"] for h in result["history"])
    # the saved genome scores its best fitness with neat-python's own network
    from neuroevo.io.genome_json import load_genome

    config = load_config(ROOT / "configs" / "xor.ini")
    genome = load_genome(out / "best_genome.json", config.genome_config)
    net = neat.nn.FeedForwardNetwork.create(genome, config)
    fitness = 4.0 - sum((net.activate(x)[0] - y) ** 2 for x, y in XOR_CASES)
    assert fitness == pytest.approx(result["best_fitness"], abs=1e-5)


def test_quiet_and_default_out_dir(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["run", str(XOR_TOML), "--generations", "1", "--quiet", "--seed", "2"]) == 0
    assert capsys.readouterr().out == ""
    assert (tmp_path / "runs" / "xor-seed2" / "result.json").is_file()


def test_same_seed_same_result(tmp_path):
    hist = []
    for name in ("a", "b"):
        assert (
            main(
                [
                    "run",
                    str(XOR_TOML),
                    "--generations",
                    "4",
                    "--quiet",
                    "--seed",
                    "9",
                    "--out",
                    str(tmp_path / name),
                    "--device",
                    "cpu",
                ]
            )
            == 0
        )
        data = json.loads((tmp_path / name / "result.json").read_text())
        hist.append([h["best_fitness"] for h in data["history"]])
    assert hist[0] == hist[1]


@pytest.mark.parametrize(
    "text,words",
    [
        (
            '[experiment]\ngenerations = 2\n[task]\nname = "xro"\n[strategy]\nname = "neat"\n'
            'config = "xor.ini"\n',
            ["unknown task 'xro'", "xor"],
        ),
        (
            '[experiment]\ngenerations = 2\n[task]\nname = "parity"\n[strategy]\nname = "neat"\n'
            'config = "xor.ini"\n',
            ["3 inputs", "num_inputs = 2"],
        ),
        (
            '[experiment]\ngenerations = 2\n[task]\nname = "xor"\n[strategy]\nname = "neat"\n'
            'config = "missing.ini"\n',
            ["missing.ini"],
        ),
    ],
)
def test_errors_are_one_line_exit_2(tmp_path, capsys, text, words):
    (tmp_path / "xor.ini").write_text((ROOT / "configs" / "xor.ini").read_text())
    exp = tmp_path / "e.toml"
    exp.write_text(text)
    assert main(["run", str(exp), "--quiet", "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    for w in words:
        assert w in err, (w, err)


def test_entry_point_subprocess(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[experiment]\ngenerations = 1\n[tsk]\n")
    proc = subprocess.run(
        [sys.executable, "-m", "neuroevo.run.cli", "run", str(bad)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and "'tsk'" in proc.stderr


def test_run_folder_checkpoint_and_resume(tmp_path, capsys):
    out = tmp_path / "run"
    assert (
        main(
            [
                "run",
                str(XOR_TOML),
                "--seed",
                "2",
                "--generations",
                "3",
                "--quiet",
                "--checkpoint-every",
                "1",
                "--out",
                str(out),
                "--device",
                "cpu",
            ]
        )
        == 0
    )
    assert (out / "stats.jsonl").is_file() and (out / "experiment" / "xor.ini").is_file()
    assert any((out / "checkpoints").iterdir())
    assert main(["resume", str(out), "--generations", "2", "--quiet", "--device", "cpu"]) == 0
    assert "generations" in capsys.readouterr().out


def test_progress_bar_on_a_terminal_and_lines_otherwise(tmp_path):
    import io

    from neuroevo.run.cli import run_experiment

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    tty, pipe = Terminal(), io.StringIO()
    run_experiment(
        "configs/xor.toml", seed=1, generations=3, out=tmp_path / "a", stream=tty, extras=False
    )
    run_experiment(
        "configs/xor.toml", seed=1, generations=3, out=tmp_path / "b", stream=pipe, extras=False
    )
    assert "gen" in pipe.getvalue() and "\r" not in pipe.getvalue()
    bar = tty.getvalue()
    assert "\r" in bar and "species " in bar and " evals/s" in bar and "best " in bar


def test_result_json_records_where_the_population_was_evaluated(tmp_path):
    """result.json says which backend evaluated the run, with how many workers."""
    serial, workers = tmp_path / "serial", tmp_path / "workers"
    exp = str(pathlib.Path(__file__).resolve().parents[1] / "configs" / "xor_ga.toml")
    assert (
        main(["run", exp, "--generations", "2", "--out", str(serial), "--quiet", "--device", "cpu"])
        == 0
    )
    assert (
        main(
            [
                "run",
                exp,
                "--generations",
                "2",
                "--out",
                str(workers),
                "--quiet",
                "--device",
                "cpu",
                "--workers",
                "2",
            ]
        )
        == 0
    )
    got = {p.name: json.loads((p / "result.json").read_text()) for p in (serial, workers)}
    assert got["serial"]["parallel"] == {"backend": "serial", "workers": 1, "address": None}
    assert got["workers"]["parallel"] == {"backend": "process", "workers": 2, "address": None}
    assert (
        got["serial"]["history"][-1]["best_fitness"]
        == got["workers"]["history"][-1]["best_fitness"]
    )
