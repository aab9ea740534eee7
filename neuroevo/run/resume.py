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
the run goes on from the older one, and they would be taken for its continuation. A
checkpoint of another run is refused before anything is written into ``run_dir``
(:func:`neuroevo.run.folder.check_checkpoint_of_run`); a new, empty folder takes any.

Example::

    from neuroevo.run.resume import resume
    result = resume("runs/xor-seed1")          # or: neuroevo resume runs/xor-seed1
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Any

from neuroevo.errors import CheckpointError, ConfigError
from neuroevo.io.checkpoint import Checkpoint, load_checkpoint
from neuroevo.loop import GenerationStats, Reporter, Result, RunStatus
from neuroevo.loop.loop_state import LoopState
from neuroevo.parallel.make import make_backend
from neuroevo.run.build import Setup, usable_device
from neuroevo.run.folder import check_checkpoint_of_run


def latest_checkpoint(run_dir: str | os.PathLike[str]) -> Path:
    """The newest checkpoint of ``run_dir``; :class:`CheckpointError` when there is none."""
    from neuroevo.reporting.checkpointer import CHECKPOINT_DIR, list_checkpoints

    found = list_checkpoints(run_dir)
    if not found:
        raise CheckpointError(
            f"{run_dir}: no checkpoints in {Path(run_dir) / CHECKPOINT_DIR}; "
            "run with a Checkpointer reporter (neuroevo run --checkpoint-every N)"
        )
    return found[-1]


def history_from_checkpoint(ckpt: Checkpoint) -> list[GenerationStats]:
    """The per-generation statistics stored in a checkpoint, each field checked
    (:class:`~neuroevo.loop.loop_state.LoopState`)."""
    return list(LoopState.read(ckpt).history)


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
        return Result(
            best=strategy.best,
            best_fitness=float(strategy.best_fitness),
            solved=self.solved,
            generations=self.next_generation,
            evaluations=self.evaluations,
            history=list(self.history),
            seconds=0.0,
            strategy=strategy,
            status=RunStatus.SOLVED if self.solved else RunStatus.FINISHED,
        )


def load_resume_point(
    run_dir: str | os.PathLike[str],
    *,
    checkpoint: str | os.PathLike[str] | None = None,
    generations: int | None = None,
    device: str | None = None,
    allow_import: bool = False,
    workers: int | None = None,
    backend: str | None = None,
    address: str | None = None,
) -> ResumePoint:
    """Read the newest checkpoint of ``run_dir`` (or ``checkpoint``), rebuild the task and
    the strategy and restore the strategy's state. ``generations`` overrides the
    generations left; ``device`` the run's device; ``allow_import`` lets a task or
    strategy registered from Python be imported from the ``"module:attr"`` the checkpoint
    stores (see the module doc). ``workers``/``backend``/``address`` override the
    experiment's ``[parallel]`` settings (the result does not depend on them)."""
    from neuroevo.run import registry
    from neuroevo.run.build import build
    from neuroevo.run.experiment_file import experiment_from_snapshot

    ckpt = load_checkpoint(checkpoint if checkpoint is not None else latest_checkpoint(run_dir))
    loop = LoopState.read(ckpt)
    history = list(loop.history)
    check_checkpoint_of_run(run_dir, ckpt)  # before anything is written into run_dir
    try:
        exp = experiment_from_snapshot(ckpt.experiment, run_dir, source=ckpt.path)
    except ConfigError as e:  # the experiment file is the checkpoint's copy
        raise CheckpointError(
            f"{ckpt.path}: the experiment file stored in it does not load: {e}"
        ) from None
    registered = ckpt.experiment.get("registered", {})
    if not isinstance(registered, dict):
        raise CheckpointError(f"{ckpt.path}: the registered names are malformed")
    for kind in ("task", "strategy"):
        if kind in registered:
            registry.restore(
                kind, registered[kind], allow_import=allow_import, source=str(ckpt.path)
            )
    left = loop.generations_left if generations is None else generations
    if loop.solved and loop.stop_on_solve and generations is None:
        left = 0
    if not isinstance(left, int) or isinstance(left, bool) or left < 0:
        raise ConfigError(f"generations = {left!r}: expected an integer >= 0")

    source = (
        "--device"
        if device is not None
        else f"{ckpt.path}: the run's device (choose another with --device)"
    )
    dev = usable_device(device if device is not None else loop.device, source=source)
    if (workers, backend, address) != (None, None, None):  # as given (Ray installed ...)
        make_backend(workers=workers, backend=backend, address=address)
    try:
        setup = build(
            exp,
            seed=loop.seed,
            device=dev,
            dtype=loop.dtype,
            stop_on_solve=loop.stop_on_solve,
            device_label=loop.device,
            workers=workers,
            backend=backend,
            address=address,
        )
    except ConfigError as e:  # the experiment and the INI file are the checkpoint's copies
        raise CheckpointError(
            f"{ckpt.path}: the run stored in it cannot be rebuilt here: {e}"
        ) from None
    setup.prepare()
    try:
        setup.strategy.load_state_dict(ckpt.strategy_state)
        if loop.has_task_state:
            load_task_state = getattr(setup.task, "load_state_dict", None)
            if load_task_state is None:
                raise CheckpointError(
                    f"the checkpoint holds a task state, but task {exp.task!r} "
                    "has no load_state_dict; resume with the task the run used"
                )
            load_task_state(loop.task_state)
        if loop.proofs is not None:
            setup.proofs.load_state_dict(
                loop.proofs, threshold=getattr(setup.task, "fitness_threshold", None)
            )
    except CheckpointError as e:  # the state loaders name the field; add the file
        raise CheckpointError(f"{ckpt.path}: {e}") from None
    return ResumePoint(
        checkpoint=ckpt,
        setup=setup,
        history=history,
        next_generation=loop.next_generation,
        evaluations=loop.evaluations,
        generations_left=left,
        solved=loop.solved,
        generation_limit=loop.next_generation
        + (loop.generations_left if generations is None else left),
    )


class EarlierGenerations(Reporter):
    """Put the generations before the checkpoint into the result before any other reporter
    sees it (first in the list): the history, and whether the run was solved already."""

    def __init__(self, point: ResumePoint) -> None:
        self.point = point

    def on_end(self, result: Result) -> None:
        result.history[:0] = self.point.history
        result.solved = result.solved or self.point.solved


def discard_newer_checkpoints(
    run_dir: str | os.PathLike[str], checkpoint: Checkpoint
) -> list[Path]:
    """Delete the checkpoints of ``run_dir`` after ``checkpoint`` (a resume from an earlier
    one continues the run from there; the newer ones would be taken for its continuation)."""
    from neuroevo.reporting.checkpointer import checkpoint_path, list_checkpoints

    own = checkpoint_path(run_dir, LoopState.read(checkpoint).next_generation)
    newer = [p for p in list_checkpoints(run_dir) if p.name > own.name]
    for p in newer:
        p.unlink(missing_ok=True)
    return newer


def continue_run(point: ResumePoint, reporters: list[Any]) -> Result:
    """Run the generations left of ``point``; the result's history includes the earlier ones.
    The backend is started first (:meth:`~neuroevo.run.build.Setup.start_backend`) unless it
    already is."""
    from neuroevo.loop import evolve

    setup = point.setup
    owned = setup.evaluator is None  # else started by the caller, who stops it
    setup.start_backend()
    try:
        return evolve(
            setup.strategy,
            setup.task,
            generations=point.generations_left,
            reporters=[EarlierGenerations(point), *reporters],
            setup=False,
            start_generation=point.next_generation,
            start_evaluations=point.evaluations,
            **setup.evolve_kwargs(),
        )
    finally:
        if owned:
            setup.close_backend()


def resume(
    run_dir: str | os.PathLike[str],
    *,
    checkpoint: str | os.PathLike[str] | None = None,
    generations: int | None = None,
    reporters: list[Any] | None = None,
    device: str | None = None,
    checkpoint_every: int = 10,
    allow_import: bool = False,
    workers: int | None = None,
    backend: str | None = None,
    address: str | None = None,
) -> Result:
    """Continue the run in ``run_dir`` from its newest checkpoint (or ``checkpoint``).

    ``generations`` overrides the generations left; ``workers``/``backend``/``address``
    evaluate on worker processes or Ray (the same result). ``reporters`` default to a
    :class:`~neuroevo.reporting.checkpointer.Checkpointer` that goes on checkpointing into
    ``run_dir``. Returns the :class:`neuroevo.Result`, whose ``history`` includes the
    generations run before the interruption.

    Example::

        result = resume("runs/xor-seed1")
        result.generations, result.best_fitness
    """
    from neuroevo.run.build import checkpointer

    point = load_resume_point(
        run_dir,
        checkpoint=checkpoint,
        generations=generations,
        device=device,
        allow_import=allow_import,
        workers=workers,
        backend=backend,
        address=address,
    )
    if reporters is None:
        reporters = [
            checkpointer(Path(run_dir), point.setup, every=checkpoint_every, history=point.history)
        ]
    return continue_run(point, reporters)


__all__ = [
    "resume",
    "load_resume_point",
    "continue_run",
    "ResumePoint",
    "latest_checkpoint",
    "materialize_experiment",
    "history_from_checkpoint",
    "EarlierGenerations",
    "discard_newer_checkpoints",
    "LoopState",
]
