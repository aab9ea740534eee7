"""An experiment file to the objects of one run, built the same way for ``run`` and ``resume``.

:func:`build` turns a loaded :class:`~neuroevo.run.experiment_file.Experiment` plus the
run's seed, device and dtype into a :class:`Setup`: the task and the strategy (through the
one registry, :mod:`neuroevo.run.registry`) and the arguments of
:func:`neuroevo.evolve`. The reporters a run folder gets (:func:`folder_reporters`),
what is shown on screen (:func:`display_reporters`) and the result files
(:func:`write_results`) are composed here too, so that ``neuroevo run``
(:func:`neuroevo.run.cli.run_experiment`) and ``neuroevo resume``
(:mod:`neuroevo.run.resume`) cannot drift apart.

Example::

    exp = load_experiment("configs/xor.toml")
    setup = build(exp, seed=1, device="cpu")
    result = evolve(setup.strategy, setup.task, generations=exp.generations,
                    reporters=folder_reporters("runs/xor", setup), **setup.evolve_kwargs())
    write_results("runs/xor", setup, result, generation_limit=exp.generations)
"""

from __future__ import annotations

import dataclasses
import json
import pathlib
import sys
from collections.abc import Sequence
from typing import Any

import torch

from neuroevo.devices import resolve_device
from neuroevo.errors import ConfigError
from neuroevo.io.atomic import atomic_write_text
from neuroevo.loop import GenerationStats, Reporter, Result
from neuroevo.run.experiment_file import Experiment, experiment_snapshot
from neuroevo.run.registry import make_strategy, make_task

#: dtype names of experiment files and checkpoints -> torch dtypes
DTYPES = {"float32": torch.float32, "float64": torch.float64}


@dataclasses.dataclass
class Setup:
    """The objects and settings of one run of an experiment file."""

    experiment: Experiment
    task: Any
    strategy: Any
    seed: int | None
    device: torch.device
    dtype_name: str  # "float32" or "float64"
    stop_on_solve: bool
    #: the device as checkpoints record it (a resumed run keeps the original run's)
    device_label: str | None = None

    @property
    def dtype(self) -> torch.dtype:
        return DTYPES[self.dtype_name]

    def evolve_kwargs(self) -> dict[str, Any]:
        """Keyword arguments of :func:`neuroevo.evolve` (besides strategy, task, generations
        and reporters)."""
        return {"seed": self.seed, "device": self.device, "dtype": self.dtype,
                "stop_on_solve": self.stop_on_solve}


def build(
    exp: Experiment,
    *,
    seed: int | None,
    device: str | torch.device | None = None,
    dtype: str | None = None,
    stop_on_solve: bool | None = None,
    device_label: Any = "resolved",
) -> Setup:
    """Build the task and the strategy of ``exp``; ``None`` takes the file's value.

    ``device`` defaults to the file's ``device`` (then CUDA when available), ``dtype`` and
    ``stop_on_solve`` to the file's. ``device_label`` is the device checkpoints record
    (default ``"resolved"``: the resolved device, as a string).
    """
    dev = resolve_device(device if device is not None else exp.device)
    dtype_name = dtype if dtype is not None else exp.dtype
    if dtype_name not in DTYPES:
        raise ConfigError(f"dtype {dtype_name!r}: expected one of {sorted(DTYPES)}")
    task = make_task(exp.task, **exp.task_params)
    strategy = make_strategy(exp.strategy, exp.strategy_params, task=task, base_dir=exp.base_dir)
    return Setup(experiment=exp, task=task, strategy=strategy, seed=seed, device=dev,
                 dtype_name=dtype_name,
                 stop_on_solve=exp.stop_on_solve if stop_on_solve is None else stop_on_solve,
                 device_label=str(dev) if device_label == "resolved" else device_label)


def display_reporters(*, quiet: bool, stream: Any = None) -> list[Reporter]:
    """What ``neuroevo run`` shows: nothing (``quiet``), a progress bar on a terminal, else
    one line per generation (logs, pipes, CI)."""
    from neuroevo.reporting.stdout import StdOutReporter

    out_stream = stream if stream is not None else sys.stdout
    if quiet:
        return []
    if hasattr(out_stream, "isatty") and out_stream.isatty():  # a person is watching
        from neuroevo.reporting.progress import ProgressBar

        return [ProgressBar(stream=out_stream)]
    return [StdOutReporter(stream=stream)]


def experiment_files(exp: Experiment) -> list[pathlib.Path]:
    """The files a run folder copies into ``experiment/``: the experiment file and the
    neat-python INI its ``[strategy] config`` names."""
    files = [exp.path]
    ini = exp.strategy_params.get("config")
    if isinstance(ini, str) and (exp.base_dir / ini).is_file():
        files.append(exp.base_dir / ini)
    return files


def checkpointer(folder: str | pathlib.Path, setup: Setup, *, every: int,
                 snapshot: dict[str, Any] | None = None,
                 history: Sequence[GenerationStats] = ()) -> Reporter:
    """A :class:`~neuroevo.reporting.checkpointer.Checkpointer` of the run ``setup`` into
    ``folder``; ``snapshot`` (default: the setup's experiment file, read now) is the
    experiment stored in each checkpoint, ``history`` the earlier generations' statistics."""
    from neuroevo.reporting.checkpointer import Checkpointer

    return Checkpointer(
        folder, every=every,
        experiment=snapshot if snapshot is not None else experiment_snapshot(setup.experiment),
        seed=setup.seed, device=setup.device_label, dtype=setup.dtype_name,
        stop_on_solve=setup.stop_on_solve, history=list(history))


def folder_reporters(
    folder: str | pathlib.Path,
    setup: Setup,
    *,
    checkpoint_every: int = 10,
    snapshot: dict[str, Any] | None = None,
    copy_files: Sequence[str | pathlib.Path] = (),
    history: Sequence[GenerationStats] = (),
    species_history: Sequence[dict[str, Any]] = (),
) -> list[Reporter]:
    """The reporters of a run folder: checkpoints (every ``checkpoint_every`` generations;
    0: none) and the run-folder files (statistics, best genome, drawing, plots, summary).

    ``snapshot``: the experiment stored in checkpoints (default: the setup's experiment
    file read now). ``history``/``species_history``: earlier generations, after a resume.
    The checkpointer comes first, so that its final checkpoint is written before the slow
    drawing and plots.
    """
    from neuroevo.reporting.run_folder import RunFolderReporter

    reporters: list[Reporter] = []
    if checkpoint_every > 0:
        reporters.append(checkpointer(folder, setup, every=checkpoint_every, snapshot=snapshot,
                                      history=history))
    reporters.append(RunFolderReporter(folder, files=copy_files,
                                       history=[h.to_dict() for h in history],
                                       species_history=species_history))
    return reporters


def _json_default(obj: Any) -> Any:
    if isinstance(obj, pathlib.Path):
        return str(obj)
    raise TypeError(f"not JSON-able: {type(obj).__name__}")


def write_results(folder: str | pathlib.Path, setup: Setup, result: Result, *,
                  generation_limit: int) -> None:
    """``result.json`` (what ran and how it ended, with the history) and the best candidate:
    ``best_genome.json`` (NEAT) or ``best_params.json`` (flat parameter vectors)."""
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
        **result.to_dict(),
    }
    atomic_write_text(folder / "result.json",
                      json.dumps(summary, indent=1, default=_json_default) + "\n")
    best = result.best
    if best is not None and hasattr(best, "connections") and hasattr(best, "nodes"):
        from neuroevo.io.genome_json import save_genome

        config = getattr(strategy, "config", None)
        save_genome(best, folder / "best_genome.json", getattr(config, "genome_config", None))
    elif isinstance(best, torch.Tensor):
        data = {"best_fitness": result.best_fitness,
                "params": best.detach().double().cpu().reshape(-1).tolist()}
        atomic_write_text(folder / "best_params.json", json.dumps(data) + "\n")


__all__ = ["DTYPES", "Setup", "build", "checkpointer", "display_reporters",
           "experiment_files", "folder_reporters", "write_results"]
