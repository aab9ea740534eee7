"""The names experiment files use for tasks and strategies, mapped to the classes that build them.

Entries are classes or ``"module:Class"`` strings, imported on first use (so that naming
``xor`` does not import gymnasium) by the one resolver, :func:`neuroevo._lazy.resolve`.

* A **task** is built as ``Class(*args, **params)``: ``args`` are fixed when the name is
  registered (control tasks are one class, ``neuroevo.tasks.control:Control``, given the
  environment id first), ``params`` are the ``[task]`` table's other keys.
* Any gymnasium environment is a task without registering it: ``name = "gym:<id>"``
  (``"gym:LunarLander-v3"``) builds ``Control("gym:<id>", **params)``, the environment
  run through neuroevo's gymnasium adapter. (``name = "control"`` with an ``env`` key is
  not a form: it is refused with a message pointing to ``gym:<id>``.)
* A **strategy** builds itself from the ``[strategy]`` table with
  ``Class.from_experiment(params, task=task, base_dir=folder_of_the_file)``; ``fixed``
  parameters registered with the name are added (``adam`` is ``GradientDescent`` with
  ``optimizer = "adam"``).

Example::

    from neuroevo.run import registry
    task = registry.make_task("parity", n_bits=3)
    registry.make_task("cartpole", episodes=5)      # Control("CartPole-v1", episodes=5)
    strategy = registry.make_strategy("neat", {"config": "xor.ini"}, task=task,
                                      base_dir=Path("configs"))
    registry.register_task("my-task", "mypackage.tasks:MyTask")   # = neuroevo.tasks.register

A checkpoint of a run whose task or strategy was registered from Python stores what the
name was registered to (:func:`describe`); :func:`restore` registers it again when the run
is resumed in a new process -- only when asked to, since importing a module named in a
file runs its code.
"""

from __future__ import annotations

import dataclasses
import inspect
import pathlib
import re
from typing import Any

from neuroevo._lazy import is_target, resolve
from neuroevo.envs.names import GYM_PREFIX
from neuroevo.errors import CheckpointError, ConfigError, NeuroevoError, did_you_mean


@dataclasses.dataclass(frozen=True)
class Entry:
    """What one registered name builds."""

    target: str | type  # "module:Class", or the class itself
    args: tuple[Any, ...] = ()  # leading positional arguments (tasks: the environment id)
    fixed: dict[str, Any] = dataclasses.field(default_factory=dict)  # added parameters


class Registry:
    """Names of one kind (``"task"``, ``"strategy"``) -> :class:`Entry`; ``how_to_add`` ends
    the unknown-name error."""

    def __init__(self, kind: str, entries: dict[str, Entry], how_to_add: str) -> None:
        self.kind = kind
        self.entries = entries
        self.how_to_add = how_to_add

    def names(self) -> list[str]:
        """The registered names, sorted."""
        return sorted(self.entries)

    def register(self, name: str, target: str | type, *args: Any, **fixed: Any) -> None:
        """Register ``name`` -> ``target`` (a class, or ``"module:Class"`` imported lazily)."""
        if not isinstance(name, str) or not name:
            raise ConfigError(f"register: name must be a non-empty string, got {name!r}")
        if isinstance(target, str) and not is_target(target):
            raise ConfigError(f"register({name!r}, {target!r}): expected 'module:Class'")
        self.entries[name] = Entry(target, tuple(args), dict(fixed))

    def lookup(self, name: str) -> tuple[Any, Entry]:
        """``(class, entry)`` registered as ``name``; ConfigError naming the known names."""
        entry = self.entries.get(name)
        if entry is None:
            hint = did_you_mean(name, self.names())
            if (
                not hint
                and self.kind == "task"
                and isinstance(name, str)
                and re.search(r"-v\d+$", name)
            ):  # an environment id
                hint = f' (a gymnasium environment? name = "{GYM_PREFIX}{name}")'
            raise ConfigError(
                f"unknown {self.kind} {name!r}{hint}; known {self.kind}s: "
                f"{', '.join(self.names())}. Add one with {self.how_to_add}"
            )
        cls = resolve(
            entry.target,
            error=ConfigError,
            what=f"{self.kind} {name!r}",
            instead=f"pick another {self.kind}",
        )
        return cls, entry


_CONTROL = "neuroevo.tasks.control:Control"

TASKS = Registry(
    "task",
    {
        "xor": Entry("neuroevo.tasks.supervised:XOR"),
        "parity": Entry("neuroevo.tasks.supervised:Parity"),
        "spirals": Entry("neuroevo.tasks.datasets:Spirals"),
        "regression": Entry("neuroevo.tasks.datasets:Regression"),
        "classification": Entry("neuroevo.tasks.datasets:Classification"),
        "cartpole": Entry(_CONTROL, ("CartPole-v1",)),
        "acrobot": Entry(_CONTROL, ("Acrobot-v1",)),
        "mountaincar": Entry(_CONTROL, ("MountainCar-v0",)),
        "mountaincar-continuous": Entry(_CONTROL, ("MountainCarContinuous-v0",)),
        "pendulum": Entry(_CONTROL, ("Pendulum-v1",)),
        "double-pole": Entry(_CONTROL, ("DoublePole-v0",)),
        "double-pole-nv": Entry(_CONTROL, ("DoublePoleNV-v0",)),
    },
    how_to_add="neuroevo.tasks.register(name, 'module:Class')",
)

STRATEGIES = Registry(
    "strategy",
    {
        "neat": Entry("neuroevo.strategies.neat.engines:NEAT"),  # picks the engine
        "ga": Entry("neuroevo.strategies.ga:GA"),
        "pso": Entry("neuroevo.strategies.pso:PSO"),
        "sa": Entry("neuroevo.strategies.annealing:SimulatedAnnealing"),
        "adam": Entry("neuroevo.strategies.gradient:GradientDescent", fixed={"optimizer": "adam"}),
        "sgd": Entry("neuroevo.strategies.gradient:GradientDescent", fixed={"optimizer": "sgd"}),
    },
    how_to_add="neuroevo.run.registry.register_strategy(name, 'module:Class')",
)

#: the names neuroevo itself registers (the others were registered from Python)
BUILTIN = {"task": dict(TASKS.entries), "strategy": dict(STRATEGIES.entries)}
_REGISTRIES = {"task": TASKS, "strategy": STRATEGIES}


def construct(
    cls: Any, args: tuple[Any, ...], params: dict[str, Any], *, what: str, name: str
) -> Any:
    """``cls(*args, **params)``, with unknown or missing keywords reported as ConfigError."""
    try:
        sig = inspect.signature(cls)
    except (TypeError, ValueError):  # builtins without a signature
        sig = None
    if sig is not None:
        accepted = [
            p.name
            for p in list(sig.parameters.values())[len(args) :]
            if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
        ]
        try:
            sig.bind(*args, **params)
        except TypeError as e:
            raise ConfigError(
                f"{what} {name!r}: bad parameters {sorted(params)} ({e}); it accepts: "
                f"{', '.join(accepted) or 'no parameters'}"
            ) from None
    try:
        return cls(*args, **params)
    except NeuroevoError:
        raise
    except (TypeError, ValueError) as e:
        raise ConfigError(f"{what} {name!r}: bad parameter value: {e}") from None


def make_task(name: str, **params: Any) -> Any:
    """Build the task registered as ``name`` with keyword arguments ``params``.

    Example::

        task = make_task("xor")                  # neuroevo.tasks.XOR()
    """
    if isinstance(name, str) and name.startswith(GYM_PREFIX) and name not in TASKS.entries:
        if len(name) == len(GYM_PREFIX):
            raise ConfigError(
                f"task {name!r}: name a gymnasium environment after 'gym:', "
                'e.g. "gym:LunarLander-v3"'
            )
        cls = resolve(_CONTROL, error=ConfigError, what=f"task {name!r}")
        return construct(cls, (name,), params, what="task", name=name)
    if name == "control" and name not in TASKS.entries:
        env = params.get("env")
        example = (
            env
            if isinstance(env, str) and env.startswith(GYM_PREFIX)
            else (f"gym:{env}" if isinstance(env, str) and env else "gym:LunarLander-v3")
        )
        raise ConfigError(
            f'[task] name = "control": name the environment itself, '
            f'name = "{example}" (any gymnasium id after gym:), and remove the '
            'env key; or use a built-in task such as "cartpole"'
        )
    cls, entry = TASKS.lookup(name)
    return construct(cls, entry.args, {**entry.fixed, **params}, what="task", name=name)


def make_strategy(
    name: str, params: dict[str, Any], *, task: Any, base_dir: str | pathlib.Path
) -> Any:
    """Build the strategy ``name`` from an experiment file's ``[strategy]`` table."""
    cls, entry = STRATEGIES.lookup(name)
    from_experiment = getattr(cls, "from_experiment", None)
    if from_experiment is None:
        raise ConfigError(f"strategy {name!r}: {cls.__name__} has no from_experiment classmethod")
    for key, value in entry.fixed.items():
        if key in params and params[key] != value:
            raise ConfigError(
                f"[strategy] {key} = {params[key]!r} contradicts name = {name!r}; remove the key"
            )
    return from_experiment({**params, **entry.fixed}, task=task, base_dir=pathlib.Path(base_dir))


def register_task(name: str, target: str | type, *args: Any) -> None:
    """Register task ``name`` -> ``target``; ``args`` are passed first to the class, before
    the experiment file's keyword arguments (as the environment id is for control tasks)."""
    TASKS.register(name, target, *args)


def register_strategy(name: str, target: str | type, **fixed: Any) -> None:
    """Register strategy ``name`` -> ``target``; ``fixed`` are added to the file's parameters."""
    STRATEGIES.register(name, target, **fixed)


def _target_text(target: str | type) -> str | None:
    """``"module:attr"`` naming ``target``, or ``None`` when a new process could not import
    it (a class defined in ``__main__`` or inside a function)."""
    if isinstance(target, str):
        return target
    module, qualname = getattr(target, "__module__", None), getattr(target, "__qualname__", "")
    if not module or module == "__main__" or "<locals>" in qualname:
        return None
    return f"{module}:{qualname}"


def _plain(values: Any) -> bool:
    """Whether ``values`` is JSON data a checkpoint can hold (and give back unchanged)."""
    if isinstance(values, (str, int, float, bool)) or values is None:
        return True
    if isinstance(values, (list, tuple)):
        return all(_plain(v) for v in values)
    if isinstance(values, dict):
        return all(isinstance(k, str) and _plain(v) for k, v in values.items())
    return False


def describe(kind: str, name: str) -> dict[str, Any] | None:
    """What task or strategy ``name`` is registered to, for a checkpoint; ``None`` for the
    names neuroevo registers itself (and ``gym:`` names).

    ``{"name": ..., "target": "module:attr" or None, "args": [...], "fixed": {...},
    "defined_in": module}``.
    """
    entry = _REGISTRIES[kind].entries.get(name)
    if entry is None or BUILTIN[kind].get(name) == entry:
        return None
    storable = _plain(list(entry.args)) and _plain(entry.fixed)
    return {
        "name": name,
        "target": _target_text(entry.target) if storable else None,
        "args": list(entry.args) if storable else [],
        "fixed": dict(entry.fixed) if storable else {},
        "defined_in": getattr(entry.target, "__module__", str(entry.target).split(":")[0]),
    }


def restore(kind: str, info: Any, *, allow_import: bool, source: str) -> None:
    """Register ``info`` (from :func:`describe`, read from the checkpoint ``source``) again
    when its name is not registered in this process. Without ``allow_import`` this is a
    :class:`~neuroevo.errors.ConfigError` saying how (register it, or allow the import)."""
    ok = (
        isinstance(info, dict)
        and isinstance(info.get("name"), str)
        and (info.get("target") is None or is_target(info.get("target")))
        and isinstance(info.get("args", []), list)
        and isinstance(info.get("fixed", {}), dict)
    )
    if not ok:
        raise CheckpointError(f"{source}: the registered {kind} entry is malformed: {info!r}")
    name, target = info["name"], info.get("target")
    if name in _REGISTRIES[kind].entries:
        return  # registered again in this process: that registration wins
    register = f"neuroevo.run.registry.register_{kind}({name!r}, {target or 'Class'!r})"
    if target is None:
        raise ConfigError(
            f"{kind} {name!r} was registered from Python with a class that a new "
            f"process cannot import (defined in {info.get('defined_in')}); call "
            f"{register} before resuming (neuroevo.run.resume.resume(DIR))"
        )
    if not allow_import:
        raise ConfigError(
            f"{kind} {name!r} was registered from Python as {target!r} when the "
            f"run started; call {register} before resume(DIR), or resume with "
            "`neuroevo resume DIR --allow-import` to import it (only for "
            "checkpoints you trust)"
        )
    _REGISTRIES[kind].register(name, target, *info.get("args", []), **info.get("fixed", {}))


task_names = TASKS.names
strategy_names = STRATEGIES.names

__all__ = [
    "Entry",
    "Registry",
    "TASKS",
    "STRATEGIES",
    "BUILTIN",
    "GYM_PREFIX",
    "construct",
    "describe",
    "restore",
    "make_task",
    "make_strategy",
    "register_task",
    "register_strategy",
    "task_names",
    "strategy_names",
]
