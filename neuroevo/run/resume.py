"""Resume an interrupted run from its newest checkpoint.

:func:`resume` reads ``<run_dir>/checkpoints/gen-*.ckpt`` (written by
:class:`neuroevo.reporting.checkpointer.Checkpointer`), writes the experiment file and the
INI file stored in it to ``<run_dir>/experiment/``, rebuilds the task and the strategy
from them (with :func:`neuroevo.run.build.build`, as ``neuroevo run`` does), restores the
strategy's state (for NEAT: neat-python's population, species, innovation tracker and
``random``'s state) and runs the generations that were left, with the same seed. For a
task whose evaluation is deterministic the resumed run ends exactly as the uninterrupted
run would have (same genomes, same best fitness).

Example::

    from neuroevo.run.resume import resume
    result = resume("runs/xor-seed1")          # or: neuroevo resume runs/xor-seed1
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Any

from neuroevo.errors import CheckpointError
from neuroevo.io.checkpoint import Checkpoint, load_checkpoint
from neuroevo.loop import GenerationStats, Result
from neuroevo.run.build import DTYPES, Setup


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
    from neuroevo.run.experiment_file import materialize_experiment as write

    return write(ckpt.experiment, run_dir, source=ckpt.path)


@dataclasses.dataclass
class ResumePoint:
    """A run rebuilt from a checkpoint, its strategy restored, ready to continue."""

    checkpoint: Checkpoint
    setup: Setup
    history: list[GenerationStats]  # statistics of the generations run before
    next_generation: int
    evaluations: int
    generations_left: int
    solved: bool  # solved before the checkpoint


def load_resume_point(
    run_dir: str | os.PathLike[str],
    *,
    checkpoint: str | os.PathLike[str] | None = None,
    generations: int | None = None,
    device: str | None = None,
) -> ResumePoint:
    """Read the newest checkpoint of ``run_dir`` (or ``checkpoint``), rebuild the task and
    the strategy and restore the strategy's state. ``generations`` overrides the
    generations left; ``device`` the run's device."""
    from neuroevo.run.build import build
    from neuroevo.run.experiment_file import load_experiment

    ckpt = load_checkpoint(checkpoint if checkpoint is not None else latest_checkpoint(run_dir))
    loop = ckpt.loop_state
    if not isinstance(loop, dict):
        raise CheckpointError(f"{ckpt.path}: loop state is malformed")
    history = history_from_checkpoint(ckpt)
    exp = load_experiment(materialize_experiment(ckpt, run_dir))
    dtype_name = loop.get("dtype", "float32")
    if dtype_name not in DTYPES:
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

    setup = build(exp, seed=loop.get("seed"),
                  device=device if device is not None else loop.get("device"),
                  dtype=dtype_name, stop_on_solve=stop_on_solve, device_label=loop.get("device"))
    setup.strategy.setup(num_inputs=setup.task.num_inputs, num_outputs=setup.task.num_outputs,
                         seed=setup.seed, device=setup.device, dtype=setup.dtype)
    setup.strategy.load_state_dict(ckpt.strategy_state)
    return ResumePoint(checkpoint=ckpt, setup=setup, history=history,
                       next_generation=next_generation, evaluations=evaluations,
                       generations_left=left, solved=bool(loop.get("solved")))


def continue_run(point: ResumePoint, reporters: list[Any]) -> Result:
    """Run the generations left of ``point``; the result's history includes the earlier ones."""
    from neuroevo.loop import evolve

    setup = point.setup
    result = evolve(setup.strategy, setup.task, generations=point.generations_left,
                    reporters=reporters, setup=False, start_generation=point.next_generation,
                    start_evaluations=point.evaluations, **setup.evolve_kwargs())
    result.history = point.history + result.history
    result.solved = result.solved or point.solved
    return result


def resume(
    run_dir: str | os.PathLike[str],
    *,
    checkpoint: str | os.PathLike[str] | None = None,
    generations: int | None = None,
    reporters: list[Any] | None = None,
    device: str | None = None,
    checkpoint_every: int = 10,
) -> Result:
    """Continue the run in ``run_dir`` from its newest checkpoint (or ``checkpoint``).

    ``generations`` overrides the generations left. ``reporters`` default to a
    :class:`~neuroevo.reporting.checkpointer.Checkpointer` that goes on checkpointing into
    ``run_dir``. Returns the :class:`neuroevo.Result`, whose ``history`` includes the
    generations run before the interruption.

    Example::

        result = resume("runs/xor-seed1")
        result.generations, result.best_fitness
    """
    from neuroevo.run.build import checkpointer

    point = load_resume_point(run_dir, checkpoint=checkpoint, generations=generations,
                              device=device)
    if reporters is None:
        reporters = [checkpointer(run_dir, point.setup, every=checkpoint_every,
                                  history=point.history)]
    return continue_run(point, reporters)


__all__ = ["resume", "load_resume_point", "continue_run", "ResumePoint", "latest_checkpoint",
           "materialize_experiment", "history_from_checkpoint"]
