"""Islands arguments (issue 21, item 10) fail in the constructor, in one ConfigError line
naming the argument and the fix: a seed numpy or torch cannot take, a dtype that is not
floating, a device this process cannot use, a checkpoint_dir that cannot be a folder (found
only by the last save, after every generation ran, so the result was lost), GA/PSO islands
with modules of different sizes exchanging migrants (refused only at the first migration).
Nothing runs and nothing is written."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

import neuroevo as ne
from neuroevo.errors import ConfigError
from neuroevo.islands.islands import Islands
from tests.neat_ini import neat_config

SYNC = {
    "migration_interval": 2,
    "migrants": 1,
    "asynchronous": False,
    "backend": "local",
    "stop_on_solve": False,
}


def _pso(hidden: int = 3) -> ne.PSO:
    return ne.PSO(ne.MLP(2, [hidden], 1), pop_size=6, reset_module=True)


def _ga(hidden: int = 3) -> ne.GA:
    return ne.GA(ne.MLP(2, [hidden], 1), pop_size=6, reset_module=True)


def _file(tmp: Path) -> Path:
    f = tmp / "a-file"
    f.write_text("not a folder")
    return f


#: (case, Islands arguments over SYNC (a callable of tmp_path where a path is needed),
#:  strategies, words the message holds)
CASES = [
    ("seed -1", {"seed": -1}, None, ["seed=-1", "seed=1"]),
    ("seed 1.5", {"seed": 1.5}, None, ["seed=1.5", "integer"]),
    ("seed True", {"seed": True}, None, ["seed=True", "integer"]),
    ("seed '3'", {"seed": "3"}, None, ["seed='3'", "integer"]),
    ("seed 2**64", {"seed": 2**64}, None, ["seed=", "2**63"]),
    ("dtype int64", {"dtype": torch.int64}, None, ["dtype=torch.int64", "torch.float32"]),
    ("dtype bool", {"dtype": torch.bool}, None, ["dtype=torch.bool", "torch.float32"]),
    ("dtype 'int32'", {"dtype": "int32"}, None, ["dtype='int32'", "torch.float32"]),
    ("dtype a class", {"dtype": float}, None, ["dtype=<class 'float'>", "torch.float32"]),
    ("device bogus", {"device": "bogus"}, None, ["device='bogus'", "cpu, cuda"]),
    ("device tpu", {"device": "tpu"}, None, ["device='tpu'", "cpu"]),
    ("device 5.5", {"device": 5.5}, None, ["device=5.5", "cpu"]),
    (
        "checkpoint_dir a file",
        lambda tmp: {"checkpoint_dir": _file(tmp)},
        None,
        ["checkpoint_dir=", "a-file", "folder"],
    ),
    (
        "checkpoint_dir under a file",
        lambda tmp: {"checkpoint_dir": _file(tmp) / "x" / "y"},
        None,
        ["checkpoint_dir=", "a-file", "is a file"],
    ),
    ("checkpoint_dir a number", {"checkpoint_dir": 5}, None, ["checkpoint_dir=5", "folder"]),
    ("stop_on_solve 'yes'", {"stop_on_solve": "yes"}, None, ["stop_on_solve='yes'", "True"]),
    ("asynchronous 1", {"asynchronous": 1}, None, ["asynchronous=1", "True or False"]),
    ("address 5", {"address": 5}, None, ["address=5", "'auto'"]),
    ("actor_options a list", {"actor_options": [1]}, None, ["actor_options=[1]", "dict"]),
    (
        "PSO modules of 13 and 17 parameters",
        {},
        [_pso(3), _pso(4)],
        ["island 1", "17 parameters", "13", "same module", "migrants=0"],
    ),
    (
        "GA modules of 13, 13 and 21 parameters",
        {},
        [_ga(3), _ga(3), _ga(5)],
        ["island 2", "21 parameters", "13", "same module"],
    ),
    ("GA and PSO modules of different sizes", {}, [_ga(3), _pso(4)], ["island 1", "17"]),
    (
        "NEAT configs of 3 and 2 inputs",
        {},
        [
            ne.NEAT(neat_config(), pop_size=6),
            ne.NEAT(neat_config(overrides={"DefaultGenome": {"num_inputs": 2}}), pop_size=6),
        ],
        ["island 1", "2 inputs", "same sizes", "migrants=0"],
    ),
    (
        "same count, other layout",
        {},
        [ne.PSO(ne.MLP(2, [2, 2], 1), pop_size=6), ne.PSO(ne.MLP(2, [3], 1), pop_size=6)],
        ["island 1", "shapes", "same module"],
    ),
]


@pytest.mark.parametrize(
    "arguments, strategies, words", [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_a_bad_argument_fails_in_the_constructor(tmp_path, arguments, strategies, words):
    if callable(arguments):
        arguments = arguments(tmp_path)
    before = sorted(p.name for p in tmp_path.iterdir())
    with pytest.raises(ConfigError) as e:
        Islands(strategies or [_pso(), _pso()], ne.tasks.XOR(), **{**SYNC, **arguments})
    message = str(e.value)
    assert "\n" not in message
    for word in words:
        assert word in message, message
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_good_arguments_run(tmp_path):
    folder = tmp_path / "made" / "here"
    result = Islands(
        [_pso(), _pso()],
        ne.tasks.XOR(),
        seed=0,
        dtype="float64",
        device="cpu",
        checkpoint_dir=folder,
        **SYNC,
    ).run(2)
    assert result.generations == [2, 2] and (folder / "island-1.ckpt").is_file()
    # modules of different sizes are fine when no migrants travel
    Islands([_pso(3), _pso(4)], ne.tasks.XOR(), seed=2**63 - 1, **{**SYNC, "migrants": 0}).run(1)
    assert Islands([_pso(), _pso()], ne.tasks.XOR(), seed=np.int64(5), **SYNC).settings.seed == 5
