"""Every Python block of the README runs as written, each in a fresh interpreter, and every
TOML block is an experiment file that loads: a user copies them as they are."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"


def blocks(language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```", README.read_text(), flags=re.M | re.S)


PYTHON = blocks("python")


def test_the_readme_has_the_blocks_this_test_runs():
    assert len(PYTHON) >= 4 and blocks("toml")


@pytest.mark.slow
@pytest.mark.parametrize("number", range(len(PYTHON)))
def test_each_python_block_runs_as_written(tmp_path, number):
    (tmp_path / "configs").symlink_to(ROOT / "configs")  # the README's paths are the repo's
    env = dict(os.environ, MPLBACKEND="Agg")
    done = subprocess.run(
        [sys.executable, "-c", PYTHON[number]],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, f"README block {number}:\n{PYTHON[number]}\n{done.stderr[-3000:]}"


def test_each_toml_block_is_an_experiment_file(tmp_path):
    from neuroevo.run.experiment_file import load_experiment

    for number, text in enumerate(blocks("toml")):
        path = tmp_path / "configs" / f"readme{number}.toml"
        path.parent.mkdir(exist_ok=True)
        path.write_text(text)
        for ini in re.findall(r'config = "([^"]+)"', text):
            (path.parent / ini).write_text((ROOT / "configs" / ini).read_text())
        exp = load_experiment(path)
        assert exp.generations > 0
