"""One resolver for "module:attr" strings, one registry for task and strategy names."""

from __future__ import annotations

import pytest

import neuroevo as ne
from neuroevo import envs
from neuroevo._lazy import resolve
from neuroevo.errors import ConfigError, TaskError
from neuroevo.run import registry
from neuroevo.run.cli import COMMANDS
from neuroevo.tasks.supervised import XOR


def test_resolve_targets():
    assert resolve("neuroevo.tasks.supervised:XOR") is XOR
    assert resolve("neuroevo.envs") is envs
    assert resolve(XOR) is XOR  # a class registered directly is kept as it is
    with pytest.raises(ModuleNotFoundError):
        resolve("neuroevo.no_such_module:X")
    with pytest.raises(AttributeError):
        resolve("neuroevo.tasks.supervised:NoSuchTask")


@pytest.mark.parametrize(
    "target,words",
    [
        (
            "neuroevo.no_such_module:X",
            [
                "task 'demo' needs module 'neuroevo.no_such_module'",
                "pip install",
                "pick another task",
            ],
        ),
        ("neuroevo.tasks.supervised:NoSuchTask", ["task 'demo'", "'NoSuchTask'"]),
        ("no colon:", ["task 'demo'", "not 'module:attr'"]),
    ],
)
def test_resolve_errors_are_one_line_in_the_callers_error(target, words):
    with pytest.raises(ConfigError) as e:
        resolve(target, error=ConfigError, what="task 'demo'", instead="pick another task")
    assert "\n" not in str(e.value)
    for w in words:
        assert w in str(e.value)


def test_every_cli_command_and_public_name_resolves():
    for target, _ in COMMANDS.values():
        assert callable(resolve(target))
    assert ne.tasks.make is registry.make_task and ne.tasks.register is registry.register_task


def test_one_registry_for_tasks_and_strategies():
    ne.tasks.register("parity4-alias-test", "neuroevo.tasks.supervised:Parity", 4)
    try:
        assert "parity4-alias-test" in registry.TASKS.names()
        assert registry.make_task("parity4-alias-test").num_inputs == 4
    finally:
        registry.TASKS.entries.pop("parity4-alias-test")
    assert registry.strategy_names() == ["adam", "ga", "neat", "pso", "sa", "sgd"]


def test_fixed_strategy_parameters_cannot_be_contradicted(tmp_path):
    with pytest.raises(ConfigError, match="optimizer = 'sgd' contradicts name = 'adam'"):
        registry.make_strategy(
            "adam", {"optimizer": "sgd", "hidden": [4]}, task=XOR(), base_dir=tmp_path
        )


def test_environment_registry_uses_the_resolver():
    envs.register("Missing-v0", "neuroevo.envs.no_such_module:Env")
    try:
        with pytest.raises(TaskError, match="environment 'Missing-v0' needs module"):
            envs.make("Missing-v0", 2)
    finally:
        envs._REGISTRY.pop("Missing-v0")
    with pytest.raises(TaskError, match="module:Class"):
        envs.register("Bad-v0", "no_colon")


@pytest.mark.parametrize(
    "name, hint",
    [
        ("cartpol", "(did you mean 'cartpole'?)"),
        ("XOR", "(did you mean 'xor'?)"),
        ("mountaincar_continuous", "(did you mean 'mountaincar-continuous'?)"),
        ("LunarLander-v3", '(a gymnasium environment? name = "gym:LunarLander-v3")'),
    ],
)
def test_a_mistyped_task_name_gets_the_closest_one(name, hint):
    with pytest.raises(ConfigError) as info:
        registry.make_task(name)
    assert str(info.value).startswith(f"unknown task {name!r} {hint}; known tasks: ")


def test_a_mistyped_strategy_name_gets_the_closest_one():
    with pytest.raises(ConfigError, match=r"^unknown strategy 'psoo' \(did you mean 'pso'\?\)"):
        registry.make_strategy("psoo", {}, task=None, base_dir=".")


def test_control_takes_the_task_names_of_the_torch_environments():
    """Control("mountaincar-continuous") is the task the experiment file's name builds."""
    from neuroevo.tasks.control import Control

    for name, entry in registry.TASKS.entries.items():
        if entry.target != "neuroevo.tasks.control:Control":
            continue
        direct, built = Control(name, episodes=2), registry.make_task(name, episodes=2)
        assert direct.name == built.name == entry.args[0]
        assert (direct.num_inputs, direct.num_outputs, direct.max_steps) == (
            built.num_inputs,
            built.num_outputs,
            built.max_steps,
        )
    with pytest.raises(
        TaskError,
        match=r"unknown environment 'cartpol' \(did you mean "
        r"'cartpole'\?\)",
    ):
        Control("cartpol")
