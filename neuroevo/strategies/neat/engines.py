"""``neuroevo.NEAT``: one public spelling for NEAT, which builds the engine asked for.

Two classes run NEAT's genetics from the same neat-python INI file:

* :class:`~neuroevo.strategies.neat.strategy.PythonNEAT` (``engine="neat-python"``, the
  default): neat-python's own Python objects, generation by generation as
  ``neat.Population.run`` makes them;
* :class:`~neuroevo.strategies.neat.tensor.TensorNEAT` (``engine="tensor"``): the whole
  population as tensors on the strategy's device.

:func:`NEAT` is a factory, not a class: ``NEAT(config, engine=...)`` returns an instance of
one of them, so ``isinstance`` and subclassing name the engine's class. ``NEAT.from_experiment``
(:func:`from_experiment`) does the same for an experiment file's ``[strategy] name = "neat"``
table. The tensor engine's options are ``pop_size``, ``device``, ``dtype`` and ``seed``; the
neat-python engine's own options (neat-python reporters, gradient refinement, the fast plug-in
switches) are refused there with the fix, never silently dropped.

Example::

    import neuroevo as ne
    s = ne.NEAT("configs/xor.ini")                        # a PythonNEAT
    t = ne.NEAT("configs/xor.ini", engine="tensor")       # a TensorNEAT
    isinstance(s, ne.PythonNEAT), isinstance(t, ne.TensorNEAT)   # (True, True)
"""

from __future__ import annotations

import pathlib
from typing import Any

from neuroevo.errors import ConfigError
from neuroevo.strategies.neat.strategy import PythonNEAT, experiment_config

ENGINES = ("neat-python", "tensor")
_PYTHON_ONLY = {"reporters", "refine", "fast", "fast_reproduction"}


def check_engine(engine: Any, where: str) -> str:
    """``engine`` if it names an engine, else a ConfigError naming ``where`` and the choices."""
    if engine not in ENGINES:
        raise ConfigError(f"{where}: expected one of {', '.join(ENGINES)}, got {engine!r}")
    return str(engine)


def tensor_engine(config: Any, kwargs: dict[str, Any]) -> Any:
    """``NEAT(config, engine="tensor", **kwargs)``."""
    python_only = sorted(set(kwargs) & _PYTHON_ONLY)
    if python_only:
        raise ConfigError(
            f"NEAT(engine='tensor'): {', '.join(python_only)} belong to the "
            "neat-python engine; drop them or use engine='neat-python'"
        )
    from neuroevo.strategies.neat.tensor import TensorNEAT

    return TensorNEAT(config, **kwargs)


def tensor_engine_from_experiment(config: Any, params: dict[str, Any]) -> Any:
    """``[strategy] engine = "tensor"``: only ``config``, ``pop_size`` and ``engine`` apply."""
    extra = sorted(set(params) - {"config", "pop_size", "engine"})
    if extra:
        raise ConfigError(
            f'[strategy] {", ".join(extra)}: not used by engine = "tensor"; '
            'drop them or use engine = "neat-python"'
        )
    return tensor_engine(config, {"pop_size": params.get("pop_size")})


def NEAT(config: Any, *, engine: str = "neat-python", **kwargs: Any) -> Any:  # noqa: N802
    """NEAT on ``config`` (a ``neat.Config`` or an INI path) with the engine ``engine``.

    ``"neat-python"`` (default) returns :class:`~neuroevo.strategies.neat.strategy.PythonNEAT`
    ``(config, **kwargs)``; ``"tensor"`` a :class:`~neuroevo.strategies.neat.tensor.TensorNEAT`
    (same INI, same algorithm, the population as tensors). See the module docstring.

    Example::

        strategy = NEAT("configs/xor.ini", pop_size=300)
    """
    if check_engine(engine, "NEAT(engine=...)") == "tensor":
        return tensor_engine(config, kwargs)
    return PythonNEAT(config, **kwargs)


def from_experiment(params: dict[str, Any], *, task: Any, base_dir: pathlib.Path) -> Any:
    """The strategy of an experiment file's ``[strategy] name = "neat"`` table: its
    ``engine`` key picks the class (``NEAT.from_experiment``, what the registry calls)."""
    if check_engine(params.get("engine", "neat-python"), "[strategy] engine") == "neat-python":
        return PythonNEAT.from_experiment(params, task=task, base_dir=base_dir)
    return tensor_engine_from_experiment(experiment_config(params, base_dir), params)


NEAT.from_experiment = from_experiment  # type: ignore[attr-defined]

__all__ = ["ENGINES", "NEAT", "check_engine", "from_experiment"]
