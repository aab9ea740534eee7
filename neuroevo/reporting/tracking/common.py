"""What every tracker records, computed once: the generation's scalars, the strategy's and
task's settings, the population's weights, and the tracker's run id kept between sessions.

* :func:`scalars`: the figures of :class:`~neuroevo.loop.GenerationStats` as ``stats.jsonl``
  holds them (its extras -- species, proofs -- included), less ``generation``, which is the
  step.
* :func:`hyperparameters`: flat ``{name: bool | int | float | str}`` of the strategy (its
  params dataclass, or NEAT's config sections), the task and what the caller adds.
* :func:`population_weights`: every weight of the population as one tensor: the parameter
  rows of GA, PSO, SA and gradient (``strategy.candidates``), the enabled connections of the
  tensor engine (its gene table, masked), of neat-python genomes (a walk over their genes:
  they are Python objects).
* :class:`RunIdFile`: a file holding a tracker's run id, so that a resumed run writes to the
  run it started (``neuroevo resume``).
* :func:`require`: the tracker's package, or one line naming the extra to install.
"""

from __future__ import annotations

import dataclasses
import importlib
import math
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import torch

from neuroevo.errors import ConfigError
from neuroevo.loop import GenerationStats

Scalar = bool | int | float | str


def require(module: str, extra: str, who: str) -> Any:
    """``import module``, or a one-line ``ConfigError`` saying to install ``neuroevo[extra]``.

    Example::

        tb = require("torch.utils.tensorboard", "tensorboard", "TensorBoardReporter")
    """
    try:
        return importlib.import_module(module)
    except ImportError as e:
        raise ConfigError(
            f"{who} needs the {extra} extra ({e}); install it with: pip install 'neuroevo[{extra}]'"
        ) from None


def scalars(stats: GenerationStats) -> dict[str, float]:
    """The generation's figures by their ``stats.jsonl`` names, as floats (NaN kept)."""
    return {
        k: float(v)
        for k, v in stats.to_dict().items()
        if k != "generation" and isinstance(v, (int, float))
    }


def _scalar(value: Any) -> Scalar | None:
    if isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, (list, tuple)) and all(isinstance(v, (int, float, str)) for v in value):
        return " ".join(map(str, value))
    return None


def _settings(obj: Any, prefix: str) -> dict[str, Scalar]:
    """The public scalar attributes of a dataclass or a plain object, prefixed."""
    items: Iterable[tuple[str, Any]]
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        items = dataclasses.asdict(obj).items()
    else:
        items = vars(obj).items() if hasattr(obj, "__dict__") else ()
    out = {}
    for key, value in items:
        v = _scalar(value)
        if v is not None and not str(key).startswith("_"):
            out[f"{prefix}{key}"] = v
    return out


#: neat-python config sections whose settings are recorded, by their prefix
_NEAT_SECTIONS = {
    "genome": "genome_config",
    "species": "species_set_config",
    "stagnation": "stagnation_config",
    "reproduction": "reproduction_config",
}


def hyperparameters(
    strategy: Any, task: Any, extra: dict[str, Any] | None = None
) -> dict[str, Scalar]:
    """The run's settings, flat: ``strategy`` (its class name: ``PythonNEAT``, ``TensorNEAT``,
    ``GA`` ...), ``task``, ``pop_size``, the strategy's params
    (``strategy.<field>``) or NEAT config (``neat.<key>``, ``genome.<key>``, ``species.<key>``
    ...), the task's ``num_inputs``/``num_outputs``/``fitness_threshold``, then ``extra``.
    Lists become space-separated strings, non-finite floats strings; other values are left out.

    Example::

        hyperparameters(ne.GA(ne.MLP(2, [4], 1)), ne.tasks.XOR())["strategy.elite"]   # 1
    """
    out: dict[str, Scalar] = {
        "strategy": type(strategy).__name__,
        "task": str(getattr(task, "name", type(task).__name__)),
    }
    size = getattr(strategy, "population_size", None)
    if isinstance(size, int):
        out["pop_size"] = size
    params = getattr(strategy, "params", None)
    if dataclasses.is_dataclass(params):
        out |= _settings(params, "strategy.")
    config = getattr(strategy, "config", None)
    if config is not None and hasattr(config, "genome_config"):
        out |= {
            f"neat.{k}": v
            for k in (
                "pop_size",
                "fitness_criterion",
                "fitness_threshold",
                "no_fitness_termination",
                "reset_on_extinction",
            )
            if (v := _scalar(getattr(config, k, None))) is not None
        }
        for prefix, section in _NEAT_SECTIONS.items():
            out |= _settings(getattr(config, section, None), f"{prefix}.")
    for key in ("num_inputs", "num_outputs", "fitness_threshold"):
        v = _scalar(getattr(task, key, None))
        if v is not None:
            out[f"task.{key}"] = v
    for key, value in (extra or {}).items():
        v = _scalar(value)
        if v is not None:
            out[str(key)] = v
    return out


def population_weights(strategy: Any) -> torch.Tensor | None:
    """Every weight of the strategy's population, flat (``None`` when it holds none).

    After ``tell`` that is the population bred from the generation just evaluated: the
    rows ``[P, n_params]`` of a vector strategy, the enabled connections' weights of a NEAT
    population (tensor engine: one masked gather of its gene table).
    """
    rows = getattr(strategy, "candidates", None)
    if isinstance(rows, torch.Tensor):
        return rows.detach().reshape(-1)
    conns = getattr(getattr(strategy, "population", None), "conns", None)
    if conns is not None and hasattr(conns, "cols"):  # the tensor engine's gene table
        mask = conns.cols["enabled"] & conns.valid()
        return conns.cols["weight"][mask].detach()
    genomes = getattr(strategy, "genomes", None)
    if isinstance(genomes, list):  # neat-python genomes: Python objects, walked once
        return torch.tensor(
            [c.weight for g in genomes for c in g.connections.values() if c.enabled],
            dtype=torch.float64,
        )
    return None


class RunIdFile:
    """A tracker's run id in a file (``None``: kept nowhere), so a resumed run goes on
    writing to the same tracker run.

    Example::

        ids = RunIdFile("runs/xor/mlflow_run_id")
        ids.read()          # None the first time
        ids.write("3f2a")   # later sessions read "3f2a"
    """

    def __init__(self, path: str | os.PathLike[str] | None) -> None:
        self.path = None if path is None else Path(path)

    def read(self) -> str | None:
        if self.path is None or not self.path.is_file():
            return None
        text = self.path.read_text(encoding="utf-8").strip()
        return text or None

    def write(self, run_id: str) -> None:
        if self.path is not None:
            from neuroevo.io.atomic import atomic_write_text

            self.path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_text(self.path, run_id + "\n")


__all__ = ["RunIdFile", "Scalar", "hyperparameters", "population_weights", "require", "scalars"]
