"""Which engine runs NEAT's genetics: neat-python's Python objects (default) or tensors.

``NEAT(config, engine="tensor")`` and ``[strategy] engine = "tensor"`` give a
:class:`~neuroevo.strategies.neat.tensor.TensorNEAT` built from the same INI file. Its options
are ``pop_size``, ``device``, ``dtype`` and ``seed``; the neat-python engine's own options
(neat-python reporters, gradient refinement, the fast plug-in switches) are refused there
with the fix, never silently dropped.
"""

from __future__ import annotations

from typing import Any

from neuroevo.errors import ConfigError

ENGINES = ("neat-python", "tensor")
_PYTHON_ONLY = {"reporters", "refine", "fast", "fast_reproduction"}


def check_engine(engine: Any, where: str) -> str:
    """``engine`` if it names an engine, else a ConfigError naming ``where`` and the choices."""
    if engine not in ENGINES:
        raise ConfigError(f"{where}: expected one of {', '.join(ENGINES)}, got {engine!r}")
    return engine


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
