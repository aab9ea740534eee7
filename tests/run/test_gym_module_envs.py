"""A gymnasium environment of the user's own, named in an experiment file in gymnasium's
"module:Env-v0" form: the module (which registers it when imported) is imported first.

The environment pays 1 for action 1 and 0 for action 0, for the 10 steps of its time limit,
whatever it observes (zeros): a candidate's return is 10 or 0.
"""

from __future__ import annotations

import json
import textwrap

import pytest

from neuroevo.run.cli import main

pytest.importorskip("gymnasium")

MODULE = "neuroevo_user_envs"
ENV_ID = "NeuroevoUserPaysOne-v0"
ENV = f"""
import gymnasium as gym
import numpy as np

class PaysOne(gym.Env):
    observation_space = gym.spaces.Box(-1.0, 1.0, (3,), np.float32)
    action_space = gym.spaces.Discrete(2)

    def reset(self, seed=None, options=None):
        super().reset(seed=seed)
        return np.zeros(3, np.float32), {{}}

    def step(self, action):
        return np.zeros(3, np.float32), float(action), False, False, {{}}

if "{ENV_ID}" not in gym.registry:
    gym.register("{ENV_ID}", entry_point="{MODULE}:PaysOne", max_episode_steps=10,
                 reward_threshold=9.5)
"""


def experiment(tmp_path, name: str):
    path = tmp_path / "user_env.toml"
    path.write_text(
        textwrap.dedent(f"""\
        [experiment]
        generations = 2
        seed = 1
        device = "cpu"
        [task]
        name = "{name}"
        [strategy]
        name = "ga"
        hidden = [4]
        pop_size = 8
        """)
    )
    return path


def test_an_environment_named_with_its_module_runs(tmp_path, monkeypatch, capsys):
    (tmp_path / f"{MODULE}.py").write_text(ENV)
    monkeypatch.syspath_prepend(str(tmp_path))
    out = tmp_path / "out"
    name = f"gym:{MODULE}:{ENV_ID}"
    assert main(["run", str(experiment(tmp_path, name)), "--out", str(out), "--quiet"]) == 0
    result = json.loads((out / "result.json").read_text())
    assert result["task"] == name and result["fitness_threshold"] == 9.5  # the spec's
    returns = {h["best_fitness"] for h in result["history"]} | {
        h["mean_fitness"] * 8 / 10 for h in result["history"]
    }
    assert result["best_fitness"] == 10.0 and all(float(r).is_integer() for r in returns)


@pytest.mark.parametrize("module", ["no_such_user_module", "no_such_user_package.envs"])
def test_a_module_that_does_not_import_is_one_line_naming_it(tmp_path, capsys, module):
    out = tmp_path / "out"
    name = f"gym:{module}:{ENV_ID}"
    assert main(["run", str(experiment(tmp_path, name)), "--out", str(out), "--quiet"]) == 2
    assert capsys.readouterr().err == (
        f"neuroevo run: TaskError: gymnasium environment '{module}:{ENV_ID}': cannot import "
        f"module '{module}', which registers it; make it importable (pip install its package, "
        "or add its folder to PYTHONPATH)\n"
    )
    assert not out.exists()


def test_an_unregistered_id_points_to_the_module_form(tmp_path, capsys):
    assert (
        main(
            [
                "run",
                str(experiment(tmp_path, "gym:NeuroevoNotRegistered-v0")),
                "--out",
                str(tmp_path / "out"),
                "--quiet",
            ]
        )
        == 2
    )
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "gym:<module>:NeuroevoNotRegistered-v0" in err
