"""State the loop carries from one generation to the next is checkpointed and restored on
resume: the task's own state (running observation statistics) and the record of proved
candidates (``solve_episodes``).

Reference: the same experiment and seed run without interruption.

* NEAT on CartPole with ``normalize_observations`` feeds every genome observations scaled by
  statistics gathered over all earlier generations, so a resume that lost them would score
  differently.
* NEAT on CartPole with ``solve_episodes`` keeps its elites, which reach the threshold again
  generation after generation; their proofs come from the record (``recorded``), so a
  resume that lost it would play them again and count more evaluations.
"""

from __future__ import annotations

import json
from pathlib import Path

from neuroevo.io.checkpoint import load_checkpoint
from neuroevo.reporting.checkpointer import list_checkpoints
from neuroevo.run.cli import main

CONFIGS = Path(__file__).resolve().parents[2] / "configs"


def whole_and_resumed(tmp_path, task_lines, *, generations, split):
    """Run a CartPole NEAT experiment whole, and again for ``split`` generations then
    resumed; returns the checkpoint the resume started from and both result histories."""
    (tmp_path / "cartpole.ini").write_text((CONFIGS / "cartpole.ini").read_text())
    exp = tmp_path / "e.toml"
    exp.write_text(
        f"[experiment]\ngenerations = {generations}\nseed = 5\nstop_on_solve = false\n"
        f'[task]\nname = "cartpole"\n{task_lines}'
        '[strategy]\nname = "neat"\nconfig = "cartpole.ini"\npop_size = 20\n'
    )
    whole, part = tmp_path / "whole", tmp_path / "part"
    common = ["--quiet", "--device", "cpu"]
    assert main(["run", str(exp), "--out", str(whole), "--no-extras", *common]) == 0
    assert (
        main(
            [
                "run",
                str(exp),
                "--out",
                str(part),
                "--generations",
                str(split),
                "--checkpoint-every",
                "1",
                *common,
            ]
        )
        == 0
    )
    checkpoint = load_checkpoint(list_checkpoints(part)[-1])
    assert main(["resume", str(part), "--generations", str(generations - split), "--quiet"]) == 0
    got = json.loads((part / "result.json").read_text())["history"]
    want = json.loads((whole / "result.json").read_text())["history"]
    return checkpoint, got, want


def test_resume_restores_the_tasks_observation_statistics(tmp_path, capsys):
    checkpoint, got, want = whole_and_resumed(
        tmp_path,
        "episodes = 2\nmax_steps = 40\nnormalize_observations = true\n",
        generations=4,
        split=2,
    )
    capsys.readouterr()
    state = checkpoint.loop_state["task_state"]
    assert state["observation_stats"]["count"].sum() > 0  # statistics were gathered
    assert [(h["best_fitness"], h["mean_fitness"]) for h in got] == [
        (h["best_fitness"], h["mean_fitness"]) for h in want
    ]


def test_resume_restores_the_proof_record(tmp_path, capsys):
    checkpoint, got, want = whole_and_resumed(
        tmp_path,
        "episodes = 1\nmax_steps = 200\nfitness_threshold = 60.0\nsolve_episodes = 5\n",
        generations=6,
        split=3,
    )
    capsys.readouterr()
    assert len(checkpoint.loop_state["proofs"]["proofs"]) > 0
    assert sum(h.get("recorded", 0) for h in want[3:]) > 0  # the record mattered
    keys = ("best_fitness", "mean_fitness", "evaluations", "raced", "recorded")
    assert [[h.get(k) for k in keys] for h in got] == [[h.get(k) for k in keys] for h in want]
