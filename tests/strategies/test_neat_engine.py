"""``NEAT(config, engine=...)`` and ``[strategy] engine`` choose neat-python's genetics or the
tensor engine, from the same INI file."""

from __future__ import annotations

from pathlib import Path

import pytest

import neuroevo as ne
from neuroevo.run import registry
from neuroevo.strategies.neat.tensor import TensorNEAT
from neuroevo.tasks.supervised import XOR

CONFIGS = Path(__file__).resolve().parents[2] / "configs"


def test_engine_tensor_gives_the_tensor_strategy_and_the_default_stays_neat_python():
    assert isinstance(ne.NEAT(CONFIGS / "xor.ini", engine="tensor", pop_size=20), TensorNEAT)
    assert type(ne.NEAT(CONFIGS / "xor.ini")) is ne.PythonNEAT
    assert type(ne.NEAT(CONFIGS / "xor.ini", engine="neat-python")) is ne.PythonNEAT
    assert ne.TensorNEAT is TensorNEAT


def test_neat_is_a_factory_and_each_engine_a_class_of_its_own():
    assert not isinstance(ne.NEAT, type)  # isinstance and subclassing name an engine's class
    assert not issubclass(TensorNEAT, ne.PythonNEAT)
    assert "__new__" not in vars(ne.PythonNEAT)
    direct = ne.PythonNEAT(CONFIGS / "xor.ini", pop_size=20)
    assert direct.config.pop_size == 20 and direct.name == "neat"
    with pytest.raises(TypeError, match="engine"):
        ne.PythonNEAT(CONFIGS / "xor.ini", engine="tensor")


def test_unknown_engine_and_python_only_options_are_refused_with_the_fix():
    with pytest.raises(ne.ConfigError, match="expected one of neat-python, tensor, got .gpu."):
        ne.NEAT(CONFIGS / "xor.ini", engine="gpu")
    with pytest.raises(ne.ConfigError, match="fast_reproduction belong to the neat-python engine"):
        ne.NEAT(CONFIGS / "xor.ini", engine="tensor", fast_reproduction=True)


def test_experiment_table_selects_the_engine():
    s = registry.make_strategy(
        "neat",
        {"config": "xor.ini", "engine": "tensor", "pop_size": 30},
        task=XOR(),
        base_dir=CONFIGS,
    )
    assert isinstance(s, TensorNEAT)
    with pytest.raises(ne.ConfigError, match=r"\[strategy\] engine"):
        registry.make_strategy(
            "neat", {"config": "xor.ini", "engine": "jax"}, task=XOR(), base_dir=CONFIGS
        )
    with pytest.raises(ne.ConfigError, match=r"\[strategy\] pop_sise: unknown key for 'neat'"):
        registry.make_strategy(
            "neat",
            {"config": "xor.ini", "engine": "tensor", "pop_sise": 3},
            task=XOR(),
            base_dir=CONFIGS,
        )
    with pytest.raises(ne.ConfigError, match="PythonNEAT is the neat-python engine"):
        ne.PythonNEAT.from_experiment(
            {"config": "xor.ini", "engine": "tensor"}, task=XOR(), base_dir=CONFIGS
        )
    assert isinstance(
        ne.NEAT.from_experiment({"config": "xor.ini"}, task=XOR(), base_dir=CONFIGS), ne.PythonNEAT
    )
    with pytest.raises(ne.ConfigError, match=r"\[strategy\] fast: not used by engine"):
        registry.make_strategy(
            "neat",
            {"config": "xor.ini", "engine": "tensor", "fast": True},
            task=XOR(),
            base_dir=CONFIGS,
        )


def test_tensor_engine_solves_xor_through_evolve():
    result = ne.evolve(
        ne.NEAT(CONFIGS / "xor.ini", engine="tensor"), XOR(), generations=300, seed=1
    )
    assert result.solved and result.best_fitness >= XOR().fitness_threshold
