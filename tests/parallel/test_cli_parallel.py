"""`neuroevo run --workers 2 --backend process|ray` writes the serial run's result.json, for
NEAT and for GA; the [parallel] table of experiment files; one-line errors."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from neuroevo.errors import ConfigError
from neuroevo.run.build import build
from neuroevo.run.cli import main
from neuroevo.run.experiment_file import load_experiment

ROOT = Path(__file__).resolve().parents[2]
EXPERIMENTS = {
    "neat": f"""[task]
name = "gym:CartPole-v1"
episodes = 2
[strategy]
name = "neat"
config = "{ROOT / "configs" / "cartpole.ini"}"
pop_size = 16
""",
    "ga": """[task]
name = "cartpole"
episodes = 2
[strategy]
name = "ga"
hidden = [6]
pop_size = 12
""",
}


def experiment(tmp_path: Path, kind: str, extra: str = "") -> Path:
    path = tmp_path / f"{kind}.toml"
    path.write_text(
        '[experiment]\ngenerations = 3\nseed = 1\ndevice = "cpu"\n' + EXPERIMENTS[kind] + extra
    )
    return path


def run(path: Path, out: Path, *args: str) -> dict:
    assert main(["run", str(path), "--out", str(out), "--quiet", "--no-extras", *args]) == 0
    result = json.loads((out / "result.json").read_text())
    for row in [result, *result["history"]]:  # wall times differ, nothing else may
        row.pop("seconds"), row.pop("evaluations_per_second", None)
    return result


_serial: dict[str, dict] = {}


def serial(tmp_path_factory, kind: str) -> dict:
    if kind not in _serial:
        folder = tmp_path_factory.mktemp(f"serial-{kind}")
        _serial[kind] = run(experiment(folder, kind), folder / "out")
    return _serial[kind]


@pytest.mark.parametrize("kind", ["neat", "ga"])
def test_worker_processes_write_the_serial_result(tmp_path, tmp_path_factory, kind):
    want = serial(tmp_path_factory, kind)
    got = run(
        experiment(tmp_path, kind), tmp_path / "out", "--workers", "2", "--backend", "process"
    )
    got["experiment"] = want["experiment"]
    assert got.pop("parallel") == {"backend": "process", "workers": 2, "address": None}
    assert got == {k: v for k, v in want.items() if k != "parallel"}
    assert want["generations"] == 3 and want["evaluations"] > 0


@pytest.mark.parametrize("kind", ["neat", "ga"])
def test_ray_writes_the_serial_result(tmp_path, tmp_path_factory, ray_session, kind):
    want = serial(tmp_path_factory, kind)
    got = run(experiment(tmp_path, kind), tmp_path / "out", "--workers", "2", "--backend", "ray")
    got["experiment"] = want["experiment"]
    assert got.pop("parallel") == {"backend": "ray", "workers": 2, "address": None}
    assert got == {k: v for k, v in want.items() if k != "parallel"}


def test_the_parallel_table_and_its_overrides(tmp_path):
    path = experiment(tmp_path, "neat", '[parallel]\nworkers = 3\nbackend = "process"\n')
    exp = load_experiment(path)
    assert (exp.workers, exp.backend, exp.address) == (3, "process", None)
    setup = build(exp, seed=1)
    kwargs = setup.evolve_kwargs()
    assert (kwargs["workers"], kwargs["backend"], kwargs["address"]) == (3, "process", None)
    assert build(exp, seed=1, workers=2).workers == 2
    serial_setup = build(exp, seed=1, backend="serial")  # --backend serial: one process
    assert (serial_setup.workers, serial_setup.backend) == (None, "serial")


@pytest.mark.parametrize(
    "table, match",
    [
        ("workers = 0", r"\[parallel\] workers: expected an integer >= 1"),
        (
            'backend = "threads"',
            r"\[parallel\] backend: expected \"serial\", \"process\" or \"ray\"",
        ),
        ("wokers = 2", r"\[parallel\] wokers: unknown key.*workers"),
        ('address = "auto"', "address='auto' is for backend 'ray'"),
    ],
)
def test_bad_parallel_tables_name_the_key(tmp_path, table, match):
    path = experiment(tmp_path, "neat", f"[parallel]\n{table}\n")
    with pytest.raises(ConfigError, match=match):
        build(load_experiment(path), seed=1)


def test_ray_missing_is_one_line_with_the_install_command(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "ray", None)
    code = main(
        [
            "run",
            str(experiment(tmp_path, "neat")),
            "--out",
            str(tmp_path / "out"),
            "--quiet",
            "--backend",
            "ray",
        ]
    )
    err = capsys.readouterr().err
    assert code == 2 and not (tmp_path / "out").exists()
    assert err == (
        'neuroevo run: ConfigError: backend "ray" needs Ray: pip install "neuroevo[ray]"\n'
    )


def test_resume_with_workers_continues_as_the_serial_run(tmp_path, monkeypatch):
    from neuroevo.parallel.processes import ProcessBackend

    out = tmp_path / "out"
    path = experiment(tmp_path, "neat")
    assert main(["run", str(path), "--out", str(out), "--quiet", "--checkpoint-every", "1"]) == 0
    want = json.loads((out / "result.json").read_text())
    checkpoints = sorted((out / "checkpoints").iterdir())
    assert len(checkpoints) == 3
    opened = []
    monkeypatch.setattr(
        ProcessBackend,
        "open",
        lambda self, task, _open=ProcessBackend.open: (
            opened.append(self.workers),
            _open(self, task),
        )[1],
    )
    assert (
        main(
            [
                "resume",
                "--from",
                str(checkpoints[0]),
                "--quiet",
                "--workers",
                "2",
                "--backend",
                "process",
            ]
        )
        == 0
    )
    got = json.loads((out / "result.json").read_text())
    assert opened == [2]  # generations 1 and 2 ran on two worker processes
    for row in [want, got, *want["history"], *got["history"]]:
        row.pop("seconds"), row.pop("evaluations_per_second", None)
    for key in ("experiment", "strategy_params"):  # a resumed run reads the folder's copies
        want.pop(key), got.pop(key)
    assert (want.pop("parallel"), got.pop("parallel")) == (
        {"backend": "serial", "workers": 1, "address": None},
        {"backend": "process", "workers": 2, "address": None},
    )
    assert got == want and len(got["history"]) == 3


def _no_process_starts(monkeypatch):
    from neuroevo.parallel.processes import ProcessPool

    def refuse(self, worker):
        raise AssertionError("a worker process was started")

    monkeypatch.setattr(ProcessPool, "_start", refuse)


@pytest.mark.parametrize(
    "kind, extra, args, message",
    [
        (
            "neat",
            'engine = "tensor"\n',
            ["--workers", "2"],
            "neuroevo run: ConfigError: backend 'process' sends the candidates as data; NEAT's "
            "tensor engine (TensorNEAT) cannot be cut into slices (its networks are tensors of "
            "the whole population): run it in one process (workers=None, backend=None)",
        ),
        (
            "neat",
            "refine = { steps = 1 }\n",
            ["--workers", "2"],
            "neuroevo run: ConfigError: backend 'process': NEAT with gradient refinement trains the "
            "genomes in the driver; run it in one process (workers=None) or drop refine",
        ),
        (
            "ga",
            "",
            ["--workers", "40"],
            "neuroevo run: ConfigError: workers=40: the population has 12 candidates and a worker "
            "evaluates one at least; use 12 workers or fewer (--workers 12)",
        ),
    ],
)
def test_what_workers_cannot_run_is_refused_before_workers_or_files(
    tmp_path, monkeypatch, capsys, kind, extra, args, message
):
    """Refused in one line before any worker process starts and before the run folder is
    written (no folder marked "failed")."""
    _no_process_starts(monkeypatch)
    if kind == "neat":  # on XOR: refinement needs a supervised task
        path = tmp_path / "neat.toml"
        path.write_text(
            '[experiment]\ngenerations = 3\nseed = 1\ndevice = "cpu"\n'
            '[task]\nname = "xor"\n[strategy]\nname = "neat"\n'
            f'config = "{ROOT / "configs" / "xor.ini"}"\npop_size = 16\n{extra}'
        )
    else:
        path = experiment(tmp_path, kind)
    out = tmp_path / "out"
    assert main(["run", str(path), "--out", str(out), "--quiet", *args]) == 2
    assert capsys.readouterr().err == message + "\n"
    assert not out.exists()


def test_a_ray_address_that_cannot_be_joined_is_one_line_before_the_folder(tmp_path):
    """A ray:// address without ray[client] (or no cluster there): one line, nothing written."""
    import os
    import subprocess

    out = tmp_path / "out"
    env = {k: v for k, v in os.environ.items() if k != "RAY_ADDRESS"}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "neuroevo.run.cli",
            "run",
            str(experiment(tmp_path, "ga")),
            "--out",
            str(out),
            "--quiet",
            "--backend",
            "ray",
            "--workers",
            "1",
            "--address",
            "ray://127.0.0.1:1",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        cwd=ROOT,
    )
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1, proc.stderr
    assert proc.stderr.startswith(
        "neuroevo run: BackendError: cannot connect to Ray at 'ray://127.0.0.1:1': "
    )
    assert proc.stderr.rstrip().endswith(
        "check the address, start the cluster, or drop --address to use a local Ray"
    )
    assert not out.exists()


def test_backend_process_overrides_the_files_ray_address(tmp_path):
    path = experiment(
        tmp_path, "ga", '[parallel]\nworkers = 2\nbackend = "ray"\naddress = "auto"\n'
    )
    setup = build(load_experiment(path), seed=1, backend="process")
    assert (setup.workers, setup.backend, setup.address) == (2, "process", None)
    with pytest.raises(ConfigError, match="address='ray://h:1' is for backend 'ray'"):
        build(load_experiment(path), seed=1, backend="process", address="ray://h:1")
