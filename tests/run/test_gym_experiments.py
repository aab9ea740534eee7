"""gymnasium environments named in experiment files ("gym:<id>"): ready configs, run and resume.

The references are gymnasium's own spaces (``gymnasium.make(id)``): the INI files must have
as many inputs as the observation has values, and as many outputs as the task needs
actions (LunarLander: one per discrete action; BipedalWalker: one per torque, tanh outputs
in gymnasium's action bounds).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from neuroevo.config import load_config
from neuroevo.run import build
from neuroevo.run.cli import main
from neuroevo.run.experiment_file import load_experiment

gym = pytest.importorskip("gymnasium")
pytest.importorskip("Box2D")

CONFIGS = Path(__file__).resolve().parents[2] / "configs"


@pytest.mark.parametrize(
    "stem,env_id", [("lunarlander", "LunarLander-v3"), ("bipedalwalker", "BipedalWalker-v3")]
)
def test_ready_configs_fit_gymnasiums_environment(stem, env_id):
    env = gym.make(env_id)
    exp = load_experiment(CONFIGS / f"{stem}.toml")
    assert exp.task == f"gym:{env_id}"
    cfg = load_config(CONFIGS / exp.strategy_params["config"])
    gc = cfg.genome_config
    assert gc.num_inputs == env.observation_space.shape[0]
    setup = build.build(exp, seed=1, device="cpu")
    setup.prepare()  # the strategy fits the task: inputs and outputs agree
    assert setup.task.num_inputs == env.observation_space.shape[0]
    assert setup.task.fitness_threshold == env.spec.reward_threshold
    if isinstance(env.action_space, gym.spaces.Discrete):
        assert gc.num_outputs == env.action_space.n == setup.task.num_outputs
    else:
        assert gc.num_outputs == env.action_space.shape[0] == setup.task.num_outputs
        assert gc.activation_default == "tanh" and gc.activation_options == ["tanh"]
        assert setup.task.output_range == (-1.0, 1.0)
        assert (env.action_space.low.tolist(), env.action_space.high.tolist()) == (
            [-1.0] * 4,
            [1.0] * 4,
        )


def test_a_gym_experiment_runs_and_resumes(tmp_path, capsys):
    # 6 genomes hold 3 species of 2 at most: a coarser compatibility threshold than the
    # shipped 1.0 (which splits 150 genomes into ~25 species)
    (tmp_path / "lunarlander.ini").write_text(
        (CONFIGS / "lunarlander.ini")
        .read_text()
        .replace("compatibility_threshold = 1.0", "compatibility_threshold = 3.0")
    )
    exp = tmp_path / "tiny.toml"
    exp.write_text(
        "[experiment]\ngenerations = 2\nseed = 2\nstop_on_solve = false\n"
        '[task]\nname = "gym:LunarLander-v3"\nepisodes = 1\nmax_steps = 15\n'
        '[strategy]\nname = "neat"\nconfig = "lunarlander.ini"\npop_size = 6\n'
    )
    out = tmp_path / "run"
    assert (
        main(
            [
                "run",
                str(exp),
                "--quiet",
                "--out",
                str(out),
                "--checkpoint-every",
                "1",
                "--device",
                "cpu",
            ]
        )
        == 0
    )
    assert main(["resume", str(out), "--generations", "1", "--quiet"]) == 0
    capsys.readouterr()
    result = json.loads((out / "result.json").read_text())
    assert (result["task"], result["generations"]) == ("gym:LunarLander-v3", 3)
    assert [h["generation"] for h in result["history"]] == [0, 1, 2]


def test_too_many_species_for_the_population_is_one_line(tmp_path, capsys):
    """neat-python raises a RuntimeError when the species outnumber pop_size / 2; the
    command says what to change instead of a traceback."""
    (tmp_path / "lunarlander.ini").write_text((CONFIGS / "lunarlander.ini").read_text())
    exp = tmp_path / "tiny.toml"
    exp.write_text(
        "[experiment]\ngenerations = 2\nseed = 2\n"
        '[task]\nname = "gym:LunarLander-v3"\nepisodes = 1\nmax_steps = 15\n'
        '[strategy]\nname = "neat"\nconfig = "lunarlander.ini"\npop_size = 6\n'
    )
    assert (
        main(["run", str(exp), "--quiet", "--out", str(tmp_path / "run"), "--device", "cpu"]) == 2
    )
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert "species need at least 2 genomes each" in err and "raise pop_size" in err, err
