"""Strategy names used in experiment files, mapped to their classes (imported lazily).

Each class builds itself from the experiment file's ``[strategy]`` table with
``Class.from_experiment(params, task=task, base_dir=folder_of_the_file)``.

Example::

    from neuroevo.run import strategy_registry as registry
    strategy = registry.make("neat", {"config": "xor.ini"}, task=task, base_dir=Path("configs"))
"""

from __future__ import annotations

import pathlib
from typing import Any

from neuroevo.errors import ConfigError
from neuroevo.run.task_registry import resolve

#: name -> ("module:Class", parameters added to the experiment file's)
_REGISTRY: dict[str, tuple[str | type, dict[str, Any]]] = {
    "neat": ("neuroevo.strategies.neat.strategy:NEAT", {}),
    "ga": ("neuroevo.strategies.ga:GA", {}),
    "pso": ("neuroevo.strategies.pso:PSO", {}),
    "sa": ("neuroevo.strategies.annealing:SimulatedAnnealing", {}),
    "adam": ("neuroevo.strategies.gradient:GradientDescent", {"optimizer": "adam"}),
    "sgd": ("neuroevo.strategies.gradient:GradientDescent", {"optimizer": "sgd"}),
}


def names() -> list[str]:
    """The registered names, sorted."""
    return sorted(_REGISTRY)


def register(name: str, target: str | type, **fixed: Any) -> None:
    """Register ``name`` -> a strategy class (or ``"module:Class"``); ``fixed`` are extra params."""
    if not isinstance(name, str) or not name:
        raise ConfigError(f"register: name must be a non-empty string, got {name!r}")
    if isinstance(target, str) and ":" not in target:
        raise ConfigError(f"register({name!r}, {target!r}): expected 'module:Class'")
    _REGISTRY[name] = (target, dict(fixed))


def make(name: str, params: dict[str, Any], *, task: Any, base_dir: str | pathlib.Path) -> Any:
    """Build the strategy ``name`` from an experiment file's ``[strategy]`` table."""
    if name not in _REGISTRY:
        raise ConfigError(f"unknown strategy {name!r}; known strategies: {', '.join(names())}. "
                          "Add one with neuroevo.run.strategy_registry.register(name, 'module:Class')")
    target, fixed = _REGISTRY[name]
    cls = resolve(target, what="strategy", name=name)
    from_experiment = getattr(cls, "from_experiment", None)
    if from_experiment is None:
        raise ConfigError(f"strategy {name!r}: {cls.__name__} has no from_experiment classmethod")
    for key in fixed:
        if key in params and params[key] != fixed[key]:
            raise ConfigError(f"[strategy] {key} = {params[key]!r} contradicts name = {name!r}; "
                              "remove the key")
    return from_experiment({**params, **fixed}, task=task, base_dir=pathlib.Path(base_dir))


__all__ = ["make", "register", "names"]
