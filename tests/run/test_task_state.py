"""A task's own state (running observation statistics) is checkpointed and restored on resume.

Reference: the same experiment and seed run without interruption; NEAT on CartPole with
``normalize_observations`` feeds every genome observations scaled by statistics gathered
over all earlier generations, so a resume that lost them would score differently.
"""

from __future__ import annotations

import json
from pathlib import Path

from neuroevo.io.checkpoint import load_checkpoint
from neuroevo.reporting.checkpointer import list_checkpoints
from neuroevo.run.cli import main

CONFIGS = Path(__file__).resolve().parents[2] / "configs"


def test_resume_restores_the_tasks_observation_statistics(tmp_path, capsys):
    (tmp_path / "cartpole.ini").write_text((CONFIGS / "cartpole.ini").read_text())
    exp = tmp_path / "e.toml"
    exp.write_text('[experiment]\ngenerations = 4\nseed = 5\nstop_on_solve = false\n'
                   '[task]\nname = "cartpole"\nepisodes = 2\nmax_steps = 40\n'
                   'normalize_observations = true\n'
                   '[strategy]\nname = "neat"\nconfig = "cartpole.ini"\npop_size = 20\n')
    whole, part = tmp_path / "whole", tmp_path / "part"
    common = ["--quiet", "--device", "cpu", "--no-extras"]
    assert main(["run", str(exp), "--out", str(whole), *common]) == 0
    assert main(["run", str(exp), "--out", str(part), "--generations", "2", "--quiet",
                 "--device", "cpu", "--checkpoint-every", "1"]) == 0
    state = load_checkpoint(list_checkpoints(part)[-1]).loop_state["task_state"]
    assert state["observation_stats"]["count"].sum() > 0  # statistics were gathered
    assert main(["resume", str(part), "--generations", "2", "--quiet"]) == 0
    capsys.readouterr()
    got = json.loads((part / "result.json").read_text())["history"]
    want = json.loads((whole / "result.json").read_text())["history"]
    assert [(h["best_fitness"], h["mean_fitness"]) for h in got] == \
        [(h["best_fitness"], h["mean_fitness"]) for h in want]
