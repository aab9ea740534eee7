"""Vectorized torch environments and an adapter for any gymnasium environment.

``make(name, num_envs)`` builds a :class:`~neuroevo.envs.base.VectorEnv`: ``num_envs``
copies of a classic-control environment stepped together as torch tensors, with
gymnasium 1.x dynamics, rewards, terminations and time limits. Names prefixed
``"gym:"`` (or ``backend="gymnasium"``) wrap gymnasium's own environment instead
(:class:`~neuroevo.envs.gym_adapter.GymVectorEnv`), for anything not vectorized here.

Example::

    import torch
    from neuroevo import envs

    env = envs.make("CartPole-v1", num_envs=4096, seed=0)
    obs, info = env.reset()
    obs, reward, terminated, truncated, info = env.step(torch.ones(4096, dtype=torch.long))
    lander = envs.make("gym:LunarLander-v3", num_envs=8, seed=0)   # needs box2d

Other modules add environments with ``register("MyEnv-v0", "my.module:MyEnv")``.
"""

from __future__ import annotations

import inspect
from typing import Any

import torch

from neuroevo._lazy import is_target, resolve
from neuroevo.envs.base import AutoresetMode, VectorEnv
from neuroevo.envs.names import GYM_PREFIX
from neuroevo.errors import TaskError, did_you_mean

#: name -> "module:Class", imported on first use
_REGISTRY: dict[str, str] = {
    "CartPole-v1": "neuroevo.envs.cartpole:CartPole",
    "Acrobot-v1": "neuroevo.envs.acrobot:Acrobot",
    "MountainCar-v0": "neuroevo.envs.mountain_car:MountainCar",
    "MountainCarContinuous-v0": "neuroevo.envs.mountain_car:MountainCarContinuous",
    "Pendulum-v1": "neuroevo.envs.pendulum:Pendulum",
    "DoublePole-v0": "neuroevo.envs.double_pole:DoublePole",
    "DoublePoleNV-v0": "neuroevo.envs.double_pole:DoublePoleNV",
}

#: the short names of the environments above, as experiment files name them as tasks
#: (``[task] name = "cartpole"``); ``make`` and ``Control`` take them too
ALIASES: dict[str, str] = {
    "cartpole": "CartPole-v1",
    "acrobot": "Acrobot-v1",
    "mountaincar": "MountainCar-v0",
    "mountaincar-continuous": "MountainCarContinuous-v0",
    "pendulum": "Pendulum-v1",
    "double-pole": "DoublePole-v0",
    "double-pole-nv": "DoublePoleNV-v0",
}


def canonical_name(name: Any) -> Any:
    """The environment id of a short name (``"cartpole"`` -> ``"CartPole-v1"``); any other
    name as it is."""
    return ALIASES.get(name, name) if isinstance(name, str) else name


def register(name: str, target: str, *, overwrite: bool = False) -> None:
    """Make ``make(name, ...)`` build ``target``, a ``"module:Class"`` string.

    Example::

        register("MyEnv-v0", "mypackage.envs:MyEnv")
    """
    if not isinstance(name, str) or not name or name.startswith(GYM_PREFIX):
        raise TaskError(f"register: bad environment name {name!r} (non-empty, not 'gym:...')")
    if not is_target(target):
        raise TaskError(f"register {name!r}: target must be 'module:Class', got {target!r}")
    if name in _REGISTRY and _REGISTRY[name] != target and not overwrite:
        raise TaskError(
            f"register: {name!r} is already registered to {_REGISTRY[name]!r}; "
            "pass overwrite=True to replace it"
        )
    _REGISTRY[name] = target


def registered() -> list[str]:
    """Names ``make`` builds natively (without the gymnasium adapter)."""
    return sorted(_REGISTRY)


def env_class(name: str) -> type[VectorEnv]:
    """The class registered under ``name`` (imports its module)."""
    name = canonical_name(name)
    target = _REGISTRY.get(name)
    if target is None:
        raise TaskError(
            f"unknown environment {name!r}{did_you_mean(name, [*registered(), *ALIASES])}; "
            f"vectorized here: {registered()}. "
            f"Any gymnasium environment runs through the adapter: make('gym:{name}', ...) "
            "or make(name, ..., backend='gymnasium')"
        )
    cls: type[VectorEnv] = resolve(
        target,
        error=TaskError,
        what=f"environment {name!r}",
        instead="register it again with an importable target",
    )
    return cls


def make(
    name: str,
    num_envs: int,
    *,
    device: torch.device | str | None = None,
    dtype: torch.dtype = torch.float32,
    seed: int | None = None,
    backend: str = "torch",
    **kwargs: Any,
) -> Any:
    """Build ``num_envs`` copies of environment ``name``.

    ``backend="torch"`` (default) uses the vectorized torch implementation registered
    under ``name``; ``backend="gymnasium"`` or a ``"gym:"`` prefix wraps
    ``gymnasium.make_vec(name, vectorization_mode="sync")`` instead (any gymnasium id;
    slower, no ``state`` attribute). Other keyword arguments go to the environment
    (``max_episode_steps``, ``autoreset_mode``...; for the adapter, to ``gymnasium.make``).

    Example::

        env = make("Pendulum-v1", 256, dtype=torch.float64, seed=3)
    """
    if not isinstance(name, str):
        raise TaskError(f"environment name: expected a string, got {name!r}")
    if backend not in ("torch", "gymnasium"):
        raise TaskError(f"backend: expected 'torch' or 'gymnasium', got {backend!r}")
    if name.startswith(GYM_PREFIX) or backend == "gymnasium":
        from neuroevo.envs.gym_adapter import GymVectorEnv

        gym_id = name[len(GYM_PREFIX) :] if name.startswith(GYM_PREFIX) else name
        return GymVectorEnv(gym_id, num_envs, device=device, dtype=dtype, seed=seed, **kwargs)
    name = canonical_name(name)
    cls = env_class(name)
    accepted = _keyword_arguments(cls)
    unknown = sorted(set(kwargs) - accepted)
    if unknown:
        raise TaskError(
            f"make({name!r}): bad keyword argument(s) {unknown}; {cls.__name__} accepts "
            f"{sorted(accepted - {'num_envs', 'self'})}"
        )
    return cls(num_envs, device=device, dtype=dtype, seed=seed, **kwargs)


def _keyword_arguments(cls: type) -> set[str]:
    """Names of the keyword arguments the constructors along ``cls``'s MRO accept."""
    names: set[str] = set()
    for klass in cls.__mro__:
        init = vars(klass).get("__init__")
        if init is None:
            continue
        for p in inspect.signature(init).parameters.values():
            if p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD):
                names.add(p.name)
    return names


__all__ = [
    "ALIASES",
    "GYM_PREFIX",
    "AutoresetMode",
    "VectorEnv",
    "canonical_name",
    "make",
    "register",
    "registered",
    "env_class",
]
