"""Resume an interrupted run from its newest checkpoint (or an earlier one).

:func:`resume` reads ``<run_dir>/checkpoints/gen-*.ckpt`` (written by
:class:`neuroevo.reporting.checkpointer.Checkpointer`), writes the experiment file and the
INI file stored in it to ``<run_dir>/experiment/``, rebuilds the task and the strategy
from them (with :func:`neuroevo.run.build.build`, as ``neuroevo run`` does), restores the
strategy's state (for NEAT: neat-python's population, species, innovation tracker and
``random``'s state) and runs the generations that were left, with the same seed. For a
task whose evaluation is deterministic the resumed run ends exactly as the uninterrupted
run would have (same genomes, same best fitness).

A task or strategy registered from Python is registered again from the ``"module:attr"``
the checkpoint stores only with ``allow_import=True`` (importing a module runs its code);
otherwise the error says how to register it first. Resuming from a checkpoint older than
the newest (``checkpoint=``) drops the newer ones (:func:`discard_newer_checkpoints`):
the run goes on from the older one, and they would be taken for its continuation.

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
from neuroevo.loop import GenerationStats, Reporter, Result, RunStatus
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
    generation_limit: int = 0  # the run's limit, counted from generation 0

    @property
    def finished(self) -> bool:
        """Whether nothing is left to run (limit reached, or solved with stop_on_solve)."""
        return self.generations_left == 0

    def finished_result(self) -> Result:
        """The run's :class:`~neuroevo.Result` as the checkpoint holds it (no generation run)."""
        strategy = self.setup.strategy
        return Result(best=strategy.best, best_fitness=float(strategy.best_fitness),
                      solved=self.solved, generations=self.next_generation,
                      evaluations=self.evaluations, history=list(self.history), seconds=0.0,
                      strategy=strategy,
                      status=RunStatus.SOLVED if self.solved else RunStatus.FINISHED)


def load_resume_point(
    run_dir: str | os.PathLike[str],
    *,
    checkpoint: str | os.PathLike[str] | None = None,
    generations: int | None = None,
    device: str | None = None,
    allow_import: bool = False,
) -> ResumePoint:
    """Read the newest checkpoint of ``run_dir`` (or ``checkpoint``), rebuild the task and
    the strategy and restore the strategy's state. ``generations`` overrides the
    generations left; ``device`` the run's device; ``allow_import`` lets a task or
    strategy registered from Python be imported from the ``"module:attr"`` the checkpoint
    stores (see the module doc)."""
    from neuroevo.run import registry
    from neuroevo.run.build import build
    from neuroevo.run.experiment_file import experiment_from_snapshot

    ckpt = load_checkpoint(checkpoint if checkpoint is not None else latest_checkpoint(run_dir))
    loop = ckpt.loop_state
    if not isinstance(loop, dict):
        raise CheckpointError(f"{ckpt.path}: loop state is malformed")
    history = history_from_checkpoint(ckpt)
    exp = experiment_from_snapshot(ckpt.experiment, run_dir, source=ckpt.path)
    registered = ckpt.experiment.get("registered", {})
    if not isinstance(registered, dict):
        raise CheckpointError(f"{ckpt.path}: the registered names are malformed")
    for kind in ("task", "strategy"):
        if kind in registered:
            registry.restore(kind, registered[kind], allow_import=allow_import, source=ckpt.path)
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

    stored_left = loop.get("generations_left", 0)
    limit = next_generation + (stored_left if isinstance(stored_left, int) else 0)

    source = ("--device" if device is not None
              else f"{ckpt.path}: the run's device (choose another with --device)")
    setup = build(exp, seed=loop.get("seed"),
                  device=device if device is not None else loop.get("device"),
                  dtype=dtype_name, stop_on_solve=stop_on_solve, device_label=loop.get("device"),
                  device_source=source)
    setup.prepare()
    setup.strategy.load_state_dict(ckpt.strategy_state)
    if "task_state" in loop:
        load_task_state = getattr(setup.task, "load_state_dict", None)
        if load_task_state is None:
            raise CheckpointError(f"{ckpt.path}: the checkpoint holds a task state, but task "
                                  f"{exp.task!r} has no load_state_dict; resume with the task "
                                  "the run used")
        load_task_state(loop["task_state"])
    return ResumePoint(checkpoint=ckpt, setup=setup, history=history,
                       next_generation=next_generation, evaluations=evaluations,
                       generations_left=left, solved=bool(loop.get("solved")),
                       generation_limit=limit if generations is None else next_generation + left)


class EarlierGenerations(Reporter):
    """Put the generations before the checkpoint into the result before any other reporter
    sees it (first in the list): the history, and whether the run was solved already."""

    def __init__(self, point: ResumePoint) -> None:
        self.point = point

    def on_end(self, result: Result) -> None:
        result.history[:0] = self.point.history
        result.solved = result.solved or self.point.solved


def discard_newer_checkpoints(run_dir: str | os.PathLike[str], checkpoint: Checkpoint) -> list[Path]:
    """Delete the checkpoints of ``run_dir`` after ``checkpoint`` (a resume from an earlier
    one continues the run from there; the newer ones would be taken for its continuation)."""
    from neuroevo.reporting.checkpointer import checkpoint_path, list_checkpoints

    own = checkpoint_path(run_dir, checkpoint.loop_state["next_generation"])
    newer = [p for p in list_checkpoints(run_dir) if p.name > own.name]
    for p in newer:
        p.unlink(missing_ok=True)
    return newer


def continue_run(point: ResumePoint, reporters: list[Any]) -> Result:
    """Run the generations left of ``point``; the result's history includes the earlier ones."""
    from neuroevo.loop import evolve

    setup = point.setup
    return evolve(setup.strategy, setup.task, generations=point.generations_left,
                  reporters=[EarlierGenerations(point), *reporters], setup=False,
                  start_generation=point.next_generation, start_evaluations=point.evaluations,
                  **setup.evolve_kwargs())


def resume(
    run_dir: str | os.PathLike[str],
    *,
    checkpoint: str | os.PathLike[str] | None = None,
    generations: int | None = None,
    reporters: list[Any] | None = None,
    device: str | None = None,
    checkpoint_every: int = 10,
    allow_import: bool = False,
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
                              device=device, allow_import=allow_import)
    if reporters is None:
        reporters = [checkpointer(run_dir, point.setup, every=checkpoint_every,
                                  history=point.history)]
    return continue_run(point, reporters)


__all__ = ["resume", "load_resume_point", "continue_run", "ResumePoint", "latest_checkpoint",
           "materialize_experiment", "history_from_checkpoint", "EarlierGenerations",
           "discard_newer_checkpoints"]
