"""Resume an interrupted run from its newest checkpoint.

:func:`resume` reads ``<run_dir>/checkpoints/gen-*.ckpt`` (written by
:class:`neuroevo.reporting.checkpointer.Checkpointer`), writes the experiment file and the
INI file stored in it to ``<run_dir>/experiment/``, rebuilds the task and the strategy
from them, restores the strategy's state (for NEAT: neat-python's population, species,
innovation tracker and ``random``'s state) and runs the generations that were left, with
the same seed. For a task whose evaluation is deterministic the resumed run ends exactly
as the uninterrupted run would have (same genomes, same best fitness).

Example::

    from neuroevo.run.resume import resume
    result = resume("runs/xor-seed1")          # or: neuroevo resume runs/xor-seed1
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from neuroevo.errors import CheckpointError
from neuroevo.io.atomic import atomic_write_text
from neuroevo.io.checkpoint import Checkpoint, load_checkpoint
from neuroevo.loop import GenerationStats

EXPERIMENT_DIR = "experiment"


def latest_checkpoint(run_dir: str | os.PathLike[str]) -> Path:
    """The newest checkpoint of ``run_dir``; :class:`CheckpointError` when there is none."""
    from neuroevo.reporting.checkpointer import CHECKPOINT_DIR, list_checkpoints

    found = list_checkpoints(run_dir)
    if not found:
        raise CheckpointError(f"{run_dir}: no checkpoints in {Path(run_dir) / CHECKPOINT_DIR}; "
                              "run with a Checkpointer reporter (neuroevo run --checkpoint-every N)")
    return found[-1]


def history_from_checkpoint(ckpt: Checkpoint) -> list[GenerationStats]:
    """The per-generation statistics stored in a checkpoint."""
    out = []
    for i, h in enumerate(ckpt.loop_state.get("history", [])):
        try:
            out.append(GenerationStats(**h))
        except TypeError as e:
            raise CheckpointError(f"{ckpt.path}: loop history[{i}] is malformed: {e}") from None
    return out


def materialize_experiment(ckpt: Checkpoint, run_dir: str | os.PathLike[str]) -> Path:
    """Write the experiment file and its INI stored in ``ckpt`` under ``run_dir/experiment``."""
    exp = ckpt.experiment
    if not isinstance(exp, dict) or not isinstance(exp.get("file"), str):
        raise CheckpointError(f"{ckpt.path}: the checkpoint holds no experiment file, so the run "
                              "cannot be rebuilt; pass experiment=... to the Checkpointer, or "
                              "restore the strategy yourself with load_checkpoint + "
                              "strategy.load_state_dict")
    folder = Path(run_dir) / EXPERIMENT_DIR
    root = folder.resolve()
    for name, text in [(exp["file"], exp.get("text")), *dict(exp.get("files", {})).items()]:
        target = (folder / str(name)).resolve()
        if root not in target.parents or not isinstance(text, str):
            raise CheckpointError(f"{ckpt.path}: experiment file name {name!r} is invalid")
        atomic_write_text(target, text)
    return folder / exp["file"]


def resume(
    run_dir: str | os.PathLike[str],
    *,
    checkpoint: str | os.PathLike[str] | None = None,
    generations: int | None = None,
    reporters: list[Any] | None = None,
    device: str | None = None,
    checkpoint_every: int = 10,
) -> Any:
    """Continue the run in ``run_dir`` from its newest checkpoint (or ``checkpoint``).

    ``generations`` overrides the generations left. ``reporters`` default to a
    :class:`~neuroevo.reporting.checkpointer.Checkpointer` that goes on checkpointing into
    ``run_dir``. Returns the :class:`neuroevo.Result`, whose ``history`` includes the
    generations run before the interruption.

    Example::

        result = resume("runs/xor-seed1")
        result.generations, result.best_fitness
    """
    import torch

    from neuroevo.run.experiment_file import load_experiment
    from neuroevo.devices import resolve_device
    from neuroevo.loop import evolve
    from neuroevo.reporting.checkpointer import Checkpointer
    from neuroevo.run import strategy_registry as strategies
    from neuroevo.run import task_registry as tasks

    ckpt = load_checkpoint(checkpoint if checkpoint is not None else latest_checkpoint(run_dir))
    loop = ckpt.loop_state
    if not isinstance(loop, dict):
        raise CheckpointError(f"{ckpt.path}: loop state is malformed")
    history = history_from_checkpoint(ckpt)
    exp_path = materialize_experiment(ckpt, run_dir)
    exp = load_experiment(exp_path)
    seed = loop.get("seed")
    dev = resolve_device(device if device is not None else loop.get("device"))
    dtype_name = loop.get("dtype", "float32")
    dtype = {"float32": torch.float32, "float64": torch.float64}.get(dtype_name)
    if dtype is None:
        raise CheckpointError(f"{ckpt.path}: unknown dtype {dtype_name!r} in the loop state")
    left = loop.get("generations_left", 0) if generations is None else generations
    stop_on_solve = bool(loop.get("stop_on_solve", True))
    if loop.get("solved") and stop_on_solve and generations is None:
        left = 0
    next_generation = loop.get("next_generation")
    evaluations = loop.get("evaluations")
    for name, v in (("next_generation", next_generation), ("evaluations", evaluations),
                    ("generations_left", left)):
        if not isinstance(v, int) or isinstance(v, bool) or v < 0:
            raise CheckpointError(f"{ckpt.path}: loop state {name} = {v!r} is invalid")

    task = tasks.make(exp.task, **exp.task_params)
    strategy = strategies.make(exp.strategy, exp.strategy_params, task=task,
                               base_dir=exp.base_dir)
    strategy.setup(num_inputs=task.num_inputs, num_outputs=task.num_outputs, seed=seed,
                   device=dev, dtype=dtype)
    strategy.load_state_dict(ckpt.strategy_state)
    if reporters is None:
        reporters = [Checkpointer(run_dir, every=checkpoint_every, experiment=exp_path, seed=seed,
                                  device=loop.get("device"), dtype=dtype_name,
                                  stop_on_solve=stop_on_solve, history=history)]
    result = evolve(strategy, task, generations=left, seed=seed, device=dev, dtype=dtype,
                    reporters=reporters, stop_on_solve=stop_on_solve, setup=False,
                    start_generation=next_generation, start_evaluations=evaluations)
    result.history = history + result.history
    result.solved = result.solved or bool(loop.get("solved"))
    return result


__all__ = ["resume", "latest_checkpoint", "materialize_experiment", "history_from_checkpoint"]
