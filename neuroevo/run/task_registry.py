"""Task names used in experiment files, mapped to the classes that build them.

Entries are ``"module:Class"`` strings imported on first use, so that naming ``xor`` does
not import gymnasium. Control tasks are one class, ``neuroevo.tasks.control:Control``,
given the environment id as its first argument.

Example::

    from neuroevo.run import task_registry as registry
    task = registry.make("parity", n_bits=3)
    registry.register("my-task", "mypackage.tasks:MyTask")
    registry.make("cartpole", episodes=5)      # Control("CartPole-v1", episodes=5)
"""

from __future__ import annotations

import importlib
import inspect
from typing import Any

from neuroevo.errors import ConfigError, NeuroevoError

_CONTROL = "neuroevo.tasks.control:Control"

#: name -> ("module:Class", leading positional arguments)
_REGISTRY: dict[str, tuple[str, tuple[Any, ...]]] = {
    "xor": ("neuroevo.tasks.supervised:XOR", ()),
    "parity": ("neuroevo.tasks.supervised:Parity", ()),
    "spirals": ("neuroevo.tasks.datasets:Spirals", ()),
    "regression": ("neuroevo.tasks.datasets:Regression", ()),
    "classification": ("neuroevo.tasks.datasets:Classification", ()),
    "cartpole": (_CONTROL, ("CartPole-v1",)),
    "acrobot": (_CONTROL, ("Acrobot-v1",)),
    "mountaincar": (_CONTROL, ("MountainCar-v0",)),
    "mountaincar-continuous": (_CONTROL, ("MountainCarContinuous-v0",)),
    "pendulum": (_CONTROL, ("Pendulum-v1",)),
    "double-pole": (_CONTROL, ("DoublePole-v0",)),
    "double-pole-nv": (_CONTROL, ("DoublePoleNV-v0",)),
}


def names() -> list[str]:
    """The registered names, sorted."""
    return sorted(_REGISTRY)


def register(name: str, target: str | type, *args: Any) -> None:
    """Register ``name`` -> ``target`` (a class, or ``"module:Class"`` imported lazily).

    ``args`` are passed first to the class, before the experiment file's keyword arguments
    (as the environment id is for control tasks).
    """
    if not isinstance(name, str) or not name:
        raise ConfigError(f"register: name must be a non-empty string, got {name!r}")
    if isinstance(target, str) and ":" not in target:
        raise ConfigError(f"register({name!r}, {target!r}): expected 'module:Class'")
    _REGISTRY[name] = (target, tuple(args))  # type: ignore[assignment]


def resolve(target: str | type, *, what: str, name: str) -> Any:
    """Import ``"module:Class"`` (or return a class as it is), ConfigError naming ``name``."""
    if not isinstance(target, str):
        return target
    module_name, _, attr = target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as e:
        raise ConfigError(
            f"{what} {name!r} needs module {module_name!r}, which cannot be imported ({e}); "
            "install the missing extra (e.g. pip install 'neuroevo[gym]') or pick another "
            f"{what}"
        ) from None
    try:
        return getattr(module, attr)
    except AttributeError:
        raise ConfigError(f"{what} {name!r}: {module_name} has no {attr!r}") from None


def construct(cls: Any, args: tuple[Any, ...], params: dict[str, Any], *, what: str,
              name: str) -> Any:
    """``cls(*args, **params)``, with unknown or missing keywords reported as ConfigError."""
    try:
        sig = inspect.signature(cls)
    except (TypeError, ValueError):  # builtins without a signature
        sig = None
    if sig is not None:
        accepted = [p.name for p in list(sig.parameters.values())[len(args):]
                    if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
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


def make(name: str, **params: Any) -> Any:
    """Build the task registered as ``name`` with keyword arguments ``params``.

    Example::

        task = make("xor")                  # neuroevo.tasks.XOR()
    """
    if name not in _REGISTRY:
        raise ConfigError(f"unknown task {name!r}; known tasks: {', '.join(names())}. "
                          "Add one with neuroevo.tasks.register(name, 'module:Class')")
    target, args = _REGISTRY[name]
    cls = resolve(target, what="task", name=name)
    return construct(cls, args, params, what="task", name=name)


__all__ = ["make", "register", "names", "resolve", "construct"]
