"""Read neuroevo experiment files (TOML), with errors that name the key.

:func:`load_experiment` reads a TOML experiment file (see ``configs/xor.toml``)::

    [experiment]
    generations = 300      # at most this many generations
    seed = 1               # default seed (the CLI's --seed overrides it)
    [task]
    name = "xor"           # neuroevo.run.task_registry name; other keys -> task kwargs
    [strategy]
    name = "neat"          # neuroevo.run.strategy_registry name
    config = "xor.ini"     # other keys -> Strategy.from_experiment(params, ...)
"""

from __future__ import annotations

import dataclasses
import pathlib
from typing import Any

from neuroevo.config import PathLike, _hint
from neuroevo.errors import ConfigError

try:  # Python >= 3.11
    import tomllib
except ModuleNotFoundError:  # pragma: no cover - Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]


@dataclasses.dataclass(frozen=True)
class Experiment:
    """One experiment file: which task, which strategy, how long, which seed."""

    path: pathlib.Path
    generations: int
    seed: int | None
    device: str | None
    dtype: str  # "float32" or "float64"
    stop_on_solve: bool
    task: str
    task_params: dict[str, Any]
    strategy: str
    strategy_params: dict[str, Any]

    @property
    def base_dir(self) -> pathlib.Path:
        """Folder that relative paths in the file (e.g. ``config = "xor.ini"``) start from."""
        return self.path.parent


_EXPERIMENT_KEYS = {
    "generations": "an integer >= 1: the most generations to run",
    "seed": "an integer: the default seed (--seed overrides it)",
    "device": 'a string such as "cpu" or "cuda" (default: CUDA when available)',
    "dtype": '"float32" or "float64"',
    "stop_on_solve": "true or false: stop at the first solution (default true)",
}


def _table(path: pathlib.Path, data: dict[str, Any], name: str) -> dict[str, Any]:
    t = data.get(name)
    if not isinstance(t, dict):
        raise ConfigError(f"{path}: missing table [{name}]; an experiment has [experiment], "
                          "[task] and [strategy]")
    return dict(t)


def _name(path: pathlib.Path, table: dict[str, Any], section: str) -> str:
    name = table.pop("name", None)
    if not isinstance(name, str) or not name:
        raise ConfigError(f"{path} [{section}] name: expected a string naming the {section}, "
                          f"got {name!r}")
    return name


def load_experiment(path: PathLike) -> Experiment:
    """Read a TOML experiment file (``configs/*.toml``).

    Example::

        exp = neuroevo.load_experiment("configs/xor.toml")
        exp.task, exp.strategy, exp.strategy_params["config"]     # ('xor', 'neat', 'xor.ini')
    """
    p = pathlib.Path(path)
    if not p.is_file():
        raise ConfigError(f"{p}: no such experiment file")
    try:
        with open(p, "rb") as f:
            data = tomllib.load(f)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise ConfigError(f"{p}: not a valid TOML file: {e}") from None
    allowed = ("experiment", "task", "strategy")
    for key in data:
        if key not in allowed:
            raise ConfigError(f"{p}: unknown top-level table or key {key!r}{_hint(key, list(allowed))}; "
                              "expected only [experiment], [task] and [strategy]")
    exp = _table(p, data, "experiment")
    for key in exp:
        if key not in _EXPERIMENT_KEYS:
            raise ConfigError(f"{p} [experiment] {key}: unknown key{_hint(key, list(_EXPERIMENT_KEYS))}; "
                              f"known keys: {', '.join(_EXPERIMENT_KEYS)}")

    def get(key: str, ok, default: Any) -> Any:
        if key not in exp:
            if default is _REQUIRED:
                raise ConfigError(f"{p} [experiment] {key}: missing; expected {_EXPERIMENT_KEYS[key]}")
            return default
        value = exp[key]
        if not ok(value):
            raise ConfigError(f"{p} [experiment] {key}: expected {_EXPERIMENT_KEYS[key]}, got {value!r}")
        return value

    def is_int(v: Any) -> bool:
        return isinstance(v, int) and not isinstance(v, bool)

    task = _table(p, data, "task")
    strategy = _table(p, data, "strategy")
    return Experiment(
        path=p,
        generations=get("generations", lambda v: is_int(v) and v >= 1, _REQUIRED),
        seed=get("seed", is_int, None),
        device=get("device", lambda v: isinstance(v, str), None),
        dtype=get("dtype", lambda v: v in ("float32", "float64"), "float32"),
        stop_on_solve=get("stop_on_solve", lambda v: isinstance(v, bool), True),
        task=_name(p, task, "task"),
        task_params=task,
        strategy=_name(p, strategy, "strategy"),
        strategy_params=strategy,
    )


_REQUIRED = object()

__all__ = ["Experiment", "load_experiment"]
