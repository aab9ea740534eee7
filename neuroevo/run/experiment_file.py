"""Experiment files (TOML): read them with errors that name the key, and carry them in checkpoints.

:func:`load_experiment` reads a TOML experiment file (see ``configs/xor.toml``)::

    [experiment]
    generations = 300      # at most this many generations
    seed = 1               # default seed (the CLI's --seed overrides it)
    [task]
    name = "xor"           # neuroevo.run.registry task name; other keys -> task kwargs
    [strategy]
    name = "neat"          # neuroevo.run.registry strategy name
    config = "xor.ini"     # other keys -> Strategy.from_experiment(params, ...)
    [parallel]             # optional: evaluate the population on workers (same result)
    workers = 2            # worker processes or Ray actors (--workers overrides it)
    backend = "process"    # "serial", "process" or "ray": neuroevo.parallel.registry (--backend)
    address = "auto"       # Ray only: a cluster's address (--address)
    [reporting]            # optional: experiment trackers (neuroevo.run.tracking)
    tensorboard = "runs/tb"        # --tensorboard DIR (true: <run folder>/tensorboard)
    mlflow = "file:runs/mlruns"    # --mlflow URI, or true
    wandb = {project = "xor", mode = "offline"}   # --wandb PROJECT, or true

A checkpoint carries the file and the files it names as text (:func:`experiment_snapshot`),
each under a plain file name of its own (``config = "../shared/xor.ini"`` is stored as
``xor.ini``, with the mapping back); :func:`experiment_from_snapshot` writes them into a
run folder's ``experiment/`` and reads the experiment back with its file names mapped to
the copies there, to rebuild the run.
"""

from __future__ import annotations

import dataclasses
import os
import pathlib
import sys
from collections.abc import Callable
from typing import Any

from neuroevo.config import PathLike, _hint
from neuroevo.errors import CheckpointError, ConfigError
from neuroevo.io.atomic import atomic_write_text
from neuroevo.parallel.registry import backend_names
from neuroevo.reporting.copy_files import EXPERIMENT_DIR
from neuroevo.run.tracking import check_reporting

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib


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
    #: [parallel]: evolve's workers, backend and address (None: not set)
    workers: int | None = None
    backend: str | None = None
    address: str | None = None
    #: [reporting]: the experiment trackers (:mod:`neuroevo.run.tracking`); empty: none
    reporting: dict[str, Any] = dataclasses.field(default_factory=dict)

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
        raise ConfigError(
            f"{path}: missing table [{name}]; an experiment has [experiment], [task] and [strategy]"
        )
    return dict(t)


def _name(path: pathlib.Path, table: dict[str, Any], section: str) -> str:
    name = table.pop("name", None)
    if not isinstance(name, str) or not name:
        raise ConfigError(
            f"{path} [{section}] name: expected a string naming the {section}, got {name!r}"
        )
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
    allowed = ("experiment", "task", "strategy", "parallel", "reporting")
    for key in data:
        if key not in allowed:
            raise ConfigError(
                f"{p}: unknown top-level table or key {key!r}{_hint(key, list(allowed))}; "
                "expected only [experiment], [task], [strategy], [parallel] and "
                "[reporting]"
            )
    exp = _table(p, data, "experiment")
    for key in exp:
        if key not in _EXPERIMENT_KEYS:
            raise ConfigError(
                f"{p} [experiment] {key}: unknown key{_hint(key, list(_EXPERIMENT_KEYS))}; "
                f"known keys: {', '.join(_EXPERIMENT_KEYS)}"
            )

    def get(key: str, ok: Callable[[Any], bool], default: Any) -> Any:
        if key not in exp:
            if default is _REQUIRED:
                raise ConfigError(
                    f"{p} [experiment] {key}: missing; expected {_EXPERIMENT_KEYS[key]}"
                )
            return default
        value = exp[key]
        if not ok(value):
            raise ConfigError(
                f"{p} [experiment] {key}: expected {_EXPERIMENT_KEYS[key]}, got {value!r}"
            )
        return value

    def is_int(v: Any) -> bool:
        return isinstance(v, int) and not isinstance(v, bool)

    task = _table(p, data, "task")
    strategy = _table(p, data, "strategy")
    parallel = _parallel(p, data.get("parallel", {}))
    reporting = check_reporting(p, data.get("reporting", {}))
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
        **parallel,
        reporting=reporting,
    )


_REQUIRED = object()

_EVALUATION_BACKENDS = backend_names("evaluation")
_PARALLEL_KEYS = {
    "workers": "an integer >= 1: worker processes or Ray actors (--workers overrides it)",
    "backend": ", ".join(f'"{n}"' for n in _EVALUATION_BACKENDS[:-1])
    + f' or "{_EVALUATION_BACKENDS[-1]}" (default "process" with workers)',
    "address": 'a string: the Ray cluster to join ("auto" or "ray://host:10001"; Ray only)',
}


def _parallel(path: pathlib.Path, table: Any) -> dict[str, Any]:
    """The optional [parallel] table: workers, backend, address (checked as values here;
    together by :func:`neuroevo.parallel.make_backend` when the run is built)."""
    if not isinstance(table, dict):
        raise ConfigError(f"{path} parallel: expected a table [parallel], got {table!r}")
    checks = {
        "workers": lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 1,
        "backend": lambda v: isinstance(v, str) and v in _EVALUATION_BACKENDS,
        "address": lambda v: isinstance(v, str) and bool(v),
    }
    for key, value in table.items():
        if key not in _PARALLEL_KEYS:
            raise ConfigError(
                f"{path} [parallel] {key}: unknown key"
                f"{_hint(key, list(_PARALLEL_KEYS))}; known keys: "
                f"{', '.join(_PARALLEL_KEYS)}"
            )
        if not checks[key](value):
            raise ConfigError(
                f"{path} [parallel] {key}: expected {_PARALLEL_KEYS[key]}, got {value!r}"
            )
    return {key: table.get(key) for key in _PARALLEL_KEYS}


def _safe_name(value: str, taken: set[str]) -> str:
    """A plain file name for the file ``value`` names: its own name, numbered when taken."""
    base = pathlib.PurePath(value).name or "file"
    name, i = base, 1
    while name in taken:
        i += 1
        name = f"{i}-{base}"
    return name


def experiment_snapshot(experiment: Any) -> dict[str, Any] | None:
    """The experiment file and the files it names (e.g. ``[strategy] config``), as text.

    ``experiment`` is a path to a TOML experiment file, an :class:`Experiment`, a snapshot
    returned earlier (kept as it is) or ``None``. The result is what
    :class:`~neuroevo.reporting.checkpointer.Checkpointer` stores in each checkpoint; each
    named file is stored under a plain name, and ``paths`` maps the value written in the
    experiment file to it::

        {"file": "xor.toml", "text": "...", "files": {"xor.ini": "..."},
         "paths": {"../shared/xor.ini": "xor.ini"}}
    """
    if experiment is None:
        return None
    if isinstance(experiment, dict) and "file" in experiment and "text" in experiment:
        return experiment
    path = pathlib.Path(getattr(experiment, "path", experiment))
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise CheckpointError(
            f"{path}: cannot read the experiment file to checkpoint it: {e}"
        ) from None
    exp = experiment if isinstance(experiment, Experiment) else load_experiment(path)
    files: dict[str, str] = {}
    paths: dict[str, str] = {}
    for params in (exp.strategy_params, exp.task_params):
        for value in params.values():
            if isinstance(value, str) and value not in paths and (exp.base_dir / value).is_file():
                safe = _safe_name(value, set(files) | {path.name})
                try:
                    files[safe] = (exp.base_dir / value).read_text(encoding="utf-8")
                except (OSError, UnicodeDecodeError) as e:
                    raise CheckpointError(
                        f"{exp.base_dir / value}: cannot read the file the "
                        f"experiment names to checkpoint it: {e}"
                    ) from None
                paths[value] = safe
    return {"file": path.name, "text": text, "files": files, "paths": paths}


def materialize_experiment(
    snapshot: Any, run_dir: str | os.PathLike[str], *, source: Any = "checkpoint"
) -> pathlib.Path:
    """Write a snapshot's experiment file and the files it names under ``run_dir/experiment``;
    returns the experiment file's path. ``source`` names the checkpoint in errors."""
    if not isinstance(snapshot, dict) or not isinstance(snapshot.get("file"), str):
        raise CheckpointError(
            f"{source}: the checkpoint holds no experiment file, so the run "
            "cannot be rebuilt; pass experiment=... to the Checkpointer, or "
            "restore the strategy yourself with load_checkpoint + "
            "strategy.load_state_dict"
        )
    files = snapshot.get("files", {})
    if not isinstance(files, dict):
        raise CheckpointError(f"{source}: the experiment's files are malformed")
    folder = pathlib.Path(run_dir) / EXPERIMENT_DIR
    root = folder.resolve()
    for name, text in [(snapshot["file"], snapshot.get("text")), *files.items()]:
        target = (folder / str(name)).resolve()
        if root not in target.parents or not isinstance(text, str):
            raise CheckpointError(f"{source}: experiment file name {name!r} is invalid")
        atomic_write_text(target, text)
    written: pathlib.Path = folder / snapshot["file"]
    return written


def experiment_from_snapshot(
    snapshot: Any, run_dir: str | os.PathLike[str], *, source: Any = "checkpoint"
) -> Experiment:
    """Write the snapshot's files into ``run_dir/experiment`` (:func:`materialize_experiment`)
    and load the experiment from there, the file names it holds mapped to the copies."""
    path = materialize_experiment(snapshot, run_dir, source=source)
    exp = load_experiment(path)
    paths = snapshot.get("paths", {})
    files = snapshot.get("files", {})
    if not isinstance(paths, dict) or not all(
        isinstance(k, str) and isinstance(v, str) and v in files for k, v in paths.items()
    ):
        raise CheckpointError(
            f"{source}: the experiment's file names are malformed: "
            f"{' '.join(repr(paths).split())[:200]}"
        )

    def remap(params: dict[str, Any]) -> dict[str, Any]:
        return {k: paths.get(v, v) if isinstance(v, str) else v for k, v in params.items()}

    return dataclasses.replace(
        exp, task_params=remap(exp.task_params), strategy_params=remap(exp.strategy_params)
    )


__all__ = [
    "Experiment",
    "load_experiment",
    "experiment_snapshot",
    "materialize_experiment",
    "experiment_from_snapshot",
    "EXPERIMENT_DIR",
]
