"""Every `neuroevo` error path ends in one line naming the problem and the fix, never a traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import neuroevo
from neuroevo.run.cli import main

ROOT = Path(__file__).resolve().parents[1]
XOR_GA = ROOT / "configs" / "xor_ga.toml"


def _one_line(capsys) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    return err


def _refuse_constant(name: str):
    raise AssertionError(f"result.json holds {name}, which strict JSON does not allow")


@pytest.mark.parametrize("strategy", ["ga", "neat"])
def test_zero_generations_write_strict_json(tmp_path, strategy):
    out = tmp_path / "run"
    assert (
        main(
            [
                "run",
                str(ROOT / "configs" / f"xor_{strategy}.toml"),
                "--generations",
                "0",
                "--quiet",
                "--out",
                str(out),
                "--device",
                "cpu",
            ]
        )
        == 0
    )
    text = (out / "result.json").read_text()
    result = json.loads(text, parse_constant=_refuse_constant)
    assert result["best_fitness"] is None  # nothing was evaluated: no best fitness
    assert (result["generations"], result["history"], result["status"]) == (0, [], "finished")


def test_version(capsys):
    with pytest.raises(SystemExit) as e:
        main(["--version"])
    assert e.value.code == 0
    assert capsys.readouterr().out.strip() == f"neuroevo {neuroevo.__version__}"


def test_version_of_the_installed_command():
    proc = subprocess.run(
        [sys.executable, "-m", "neuroevo.run.cli", "--version"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0 and proc.stdout.startswith("neuroevo ")


@pytest.mark.parametrize(
    "command,module", [("plot", "neuroevo.viz.plots"), ("draw", "neuroevo.viz.draw")]
)
def test_plot_and_draw_without_the_viz_extra(tmp_path, capsys, monkeypatch, command, module):
    out = tmp_path / "run"
    assert (
        main(
            [
                "run",
                str(ROOT / "configs" / "xor_neat.toml"),
                "--generations",
                "2",
                "--quiet",
                "--out",
                str(out),
                "--device",
                "cpu",
            ]
        )
        == 0
    )
    capsys.readouterr()
    monkeypatch.setitem(sys.modules, module, None)  # `import module` now fails
    assert main([command, str(out)]) == 2
    err = _one_line(capsys)
    assert "pip install 'neuroevo[viz]'" in err and f"neuroevo {command}" in err


def test_a_missing_optional_package_elsewhere_is_one_line(tmp_path, capsys, monkeypatch):
    def missing(*args, **kwargs):
        raise ModuleNotFoundError("No module named 'Box2D'", name="Box2D")

    monkeypatch.setattr("neuroevo.run.commands.plot_command", missing)
    assert main(["plot", str(tmp_path)]) == 2
    err = _one_line(capsys)
    assert "Box2D" in err and "pip install" in err


def test_resume_needs_a_folder_or_a_checkpoint(capsys):
    assert main(["resume"]) == 2
    err = _one_line(capsys)
    assert "neuroevo resume RUN_DIR" in err and "--from CHECKPOINT" in err


@pytest.mark.parametrize(
    "text,words",
    [
        (
            '[task]\nname = "control"\nenv = "LunarLander-v3"\n',
            ['name = "gym:LunarLander-v3"', "remove the env key"],
        ),
        ('[task]\nname = "gym:NoSuchEnv-v0"\n', ["NoSuchEnv-v0"]),
        ('[task]\nname = "gym:"\n', ["gym:LunarLander-v3"]),
        ('[task]\nname = "cartpole"\nsolve_episodes = 0\n', ["solve_episodes", "positive integer"]),
        ('[task]\nname = "cartpole"\nsame_starts = "yes"\n', ["same_starts", "true or false"]),
    ],
)
def test_gym_task_names_in_experiment_files(tmp_path, capsys, text, words):
    exp = tmp_path / "e.toml"
    exp.write_text("[experiment]\ngenerations = 1\n" + text + '[strategy]\nname = "ga"\n')
    assert main(["run", str(exp), "--quiet", "--out", str(tmp_path / "o"), "--device", "cpu"]) == 2
    err = _one_line(capsys)
    for w in words:
        assert w in err, (w, err)
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize(
    "package, fix",
    [
        ("graphviz", "install it with: pip install 'neuroevo[viz]'"),
        ("gymnasium", "install it with: pip install 'neuroevo[gym]'"),
        ("Box2D", "install it with: pip install 'neuroevo[box2d]'"),
        ("ray", "install it with: pip install 'neuroevo[ray]'"),
        (
            "my_env_package",
            "install the package that provides it, or put its folder on the "
            "Python path (PYTHONPATH)",
        ),
    ],
)
def test_a_missing_package_names_its_extra_or_itself(package, fix):
    """Only neuroevo's own optional packages point to an extra; a user's module does not."""
    from neuroevo.run.cli import missing_package_line

    error = ModuleNotFoundError(f"No module named '{package}'", name=package)
    assert missing_package_line(error) == f"No module named '{package}'; {fix}"
