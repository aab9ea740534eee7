"""The record of proved candidates (``solve_episodes``) is checkpointed and restored on
resume, so a resumed run plays and counts exactly what the uninterrupted run did.

Reference: the same experiment and seed run without interruption. NEAT on CartPole keeps its
elites, which reach the threshold again generation after generation; their proofs come
from the record (``recorded``), so a resume that lost it would play them again and count
more evaluations.
"""

from __future__ import annotations

import json
from pathlib import Path

from neuroevo.io.checkpoint import load_checkpoint
from neuroevo.reporting.checkpointer import list_checkpoints
from neuroevo.run.cli import main

CONFIGS = Path(__file__).resolve().parents[2] / "configs"


def test_resume_restores_the_proof_record(tmp_path, capsys):
    (tmp_path / "cartpole.ini").write_text((CONFIGS / "cartpole.ini").read_text())
    exp = tmp_path / "e.toml"
    exp.write_text('[experiment]\ngenerations = 6\nseed = 2\nstop_on_solve = false\n'
                   '[task]\nname = "cartpole"\nepisodes = 1\nmax_steps = 200\n'
                   'fitness_threshold = 60.0\nsolve_episodes = 5\n'
                   '[strategy]\nname = "neat"\nconfig = "cartpole.ini"\npop_size = 20\n')
    whole, part = tmp_path / "whole", tmp_path / "part"
    common = ["--quiet", "--device", "cpu"]
    assert main(["run", str(exp), "--out", str(whole), "--no-extras", *common]) == 0
    assert main(["run", str(exp), "--out", str(part), "--generations", "3",
                 "--checkpoint-every", "1", *common]) == 0
    proofs = load_checkpoint(list_checkpoints(part)[-1]).loop_state["proofs"]["proofs"]
    assert len(proofs) > 0
    assert main(["resume", str(part), "--generations", "3", "--quiet"]) == 0
    capsys.readouterr()
    got = json.loads((part / "result.json").read_text())["history"]
    want = json.loads((whole / "result.json").read_text())["history"]
    assert sum(h.get("recorded", 0) for h in want[3:]) > 0  # the record mattered
    keys = ("best_fitness", "mean_fitness", "evaluations", "raced", "recorded")
    assert [[h.get(k) for k in keys] for h in got] == [[h.get(k) for k in keys] for h in want]
