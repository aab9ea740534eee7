"""The result files of a run: ``result.json`` and the best candidate, written by run and resume.

``result.json`` says what ran, where (``parallel``: backend, workers, Ray address) and how it
ended (``status``: finished, solved, interrupted, failed), with the per-generation history. It is strict JSON: a value that is not a finite
number (the best fitness of a run that evaluated nothing is ``-inf``) is written as
``null``. The best candidate goes to ``best_genome.json`` (NEAT; ``neuroevo.load_genome``)
or ``best_params.json`` (strategies over flat parameter vectors: GA, PSO, SA, gradient).

:class:`ResultFiles` writes them when the run ends, interruption included, right after the
checkpoint and before the slow pictures; :func:`write_results` writes them from a result.

Example::

    write_results("runs/xor", setup, result, generation_limit=300)
"""

from __future__ import annotations

import json
import math
import pathlib
from typing import Any

import torch

from neuroevo.io.atomic import atomic_write_text
from neuroevo.loop import Reporter, Result


def strict_json(obj: Any) -> Any:
    """``obj`` with every non-finite float replaced by ``None`` and paths by strings."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: strict_json(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [strict_json(v) for v in obj]
    if isinstance(obj, pathlib.PurePath):
        return str(obj)
    return obj


def dumps(obj: Any, **kwargs: Any) -> str:
    """Strict JSON text of ``obj`` (see :func:`strict_json`); other objects (a TOML date in
    the parameters) as their ``str``."""
    return json.dumps(strict_json(obj), allow_nan=False, default=str, **kwargs)


def write_results(
    folder: str | pathlib.Path, setup: Any, result: Result, *, generation_limit: int
) -> None:
    """``result.json`` (what ran and how it ended, with the history) and the best candidate:
    ``best_genome.json`` (NEAT) or ``best_params.json`` (flat parameter vectors).
    ``setup`` is the run's :class:`neuroevo.run.build.Setup`."""
    folder = pathlib.Path(folder)
    exp, strategy = setup.experiment, setup.strategy
    folder.mkdir(parents=True, exist_ok=True)
    summary = {
        "experiment": str(exp.path),
        "task": exp.task,
        "task_params": exp.task_params,
        "strategy": exp.strategy,
        "strategy_params": exp.strategy_params,
        "seed": setup.seed,
        "device": str(setup.device),
        "dtype": setup.dtype_name,
        "generation_limit": generation_limit,
        "fitness_threshold": setup.task.fitness_threshold,
        "population_size": strategy.population_size,
        "parallel": setup.parallel_summary(),  # where it was evaluated (the same result)
        "status": getattr(result.status, "value", str(result.status)),
        **result.to_dict(),
    }
    atomic_write_text(folder / "result.json", dumps(summary, indent=1) + "\n")
    best = result.best
    if best is not None and hasattr(best, "connections") and hasattr(best, "nodes"):
        from neuroevo.io.genome_json import save_genome

        config = getattr(strategy, "config", None)
        save_genome(best, folder / "best_genome.json", getattr(config, "genome_config", None))
    elif isinstance(best, torch.Tensor):
        data = {
            "best_fitness": result.best_fitness,
            "params": best.detach().double().cpu().reshape(-1).tolist(),
        }
        atomic_write_text(folder / "best_params.json", dumps(data) + "\n")


def read_best_params(path: str | pathlib.Path) -> torch.Tensor:
    """The vector of a ``best_params.json`` (float64, ``[n_params]``); a file that is not one
    raises :class:`~neuroevo.errors.CheckpointError` naming it.

    Example::

        theta = read_best_params("runs/cartpole_pso-seed1/best_params.json")
    """
    from neuroevo.errors import CheckpointError
    from neuroevo.io.json_values import check_float_range, is_number, read_json_file

    data = read_json_file(path, "parameter file")
    params = data.get("params") if isinstance(data, dict) else None
    if not isinstance(params, list) or not params or not all(map(is_number, params)):
        raise CheckpointError(
            f'{path}: expected {{"params": [numbers ...]}} as neuroevo '
            "writes best_params.json; the file is damaged or not one"
        )
    for i, v in enumerate(params):
        check_float_range(v, f"{path}: params[{i}]")
    return torch.tensor(params, dtype=torch.float64)


class ResultFiles(Reporter):
    """Write the result files (:func:`write_results`) when the run ends, however it ends.

    ``generation_limit``: the run's limit as ``result.json`` reports it (after a resume,
    that of the whole run).
    """

    def __init__(self, folder: str | pathlib.Path, setup: Any, *, generation_limit: int) -> None:
        self.folder = pathlib.Path(folder)
        self.setup = setup
        self.generation_limit = generation_limit

    def on_end(self, result: Result) -> None:
        write_results(self.folder, self.setup, result, generation_limit=self.generation_limit)


__all__ = ["ResultFiles", "dumps", "read_best_params", "strict_json", "write_results"]
