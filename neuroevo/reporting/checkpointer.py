"""Checkpoint reporter: save the run every N generations and when it ends or is interrupted.

After a generation the reporter may take a snapshot of ``strategy.state_dict()`` (encoded
at once, tensors copied) together with the loop's counters. Every ``every`` generations
the snapshot is written to ``<out_dir>/checkpoints/gen-<G>.ckpt``, where ``G`` is the next
generation to evaluate (as in neat-python's ``Checkpointer``). :meth:`on_end` -- called
from ``evolve``'s ``finally`` block, so also on ``KeyboardInterrupt`` or an error --
writes the final state when the run ended normally, and the last snapshot when it was
interrupted or failed (``result.status``). Between due generations a snapshot
is taken only when the time since the last one is at least ``1/snapshot_overhead`` times
what that one cost, so the bookkeeping costs at most about ``snapshot_overhead`` (10 %)
of the run time; a resume from an older snapshot is just as exact, it only repeats a few
generations. A snapshot is taken only after a
generation has been told to the strategy, so an interruption in the middle of a
generation resumes from the end of the previous one; one taken at :meth:`on_start` (the
state the run starts from) covers an interruption during the first generation. Only the
``keep`` newest checkpoints are kept.

A checkpoint of the generation that solves the task records ``solved=True`` even when it
is written before the loop calls :meth:`on_solved` (same rule as :func:`neuroevo.evolve`:
the generation's best fitness reaches ``task.fitness_threshold``), so a run killed right
after it is not continued for one generation more.

Ctrl-C: every write runs with SIGINT deferred (main thread only), so a second Ctrl-C while
the checkpoint is saved does not lose it; it takes effect (``KeyboardInterrupt``) once the
file is complete. With ``stream`` set, an interrupted or failed run says
``saving checkpoint <file> ... (please wait)`` there first. Put the Checkpointer first in
the reporters, so that it saves before anything slow (plots, drawings) runs. Temporary
files that a killed write left in ``checkpoints/`` are removed at :meth:`on_start`.

The checkpoint holds what :func:`neuroevo.run.resume.resume` needs to rebuild and continue
the run: the experiment file and the neat-python INI it names (as text: the snapshot the
run layer builds with :func:`neuroevo.run.experiment_file.experiment_snapshot`), the seed,
device, dtype and the generations still to run, and the task's own state when it has one
(``task.state_dict()``: running observation statistics, say). That loop part is one schema,
:class:`~neuroevo.loop.loop_state.LoopState`, which resume reads back.

Example::

    from neuroevo.run.experiment_file import experiment_snapshot
    ckpt = Checkpointer("runs/xor", every=10, seed=1,
                        experiment=experiment_snapshot("configs/xor.toml"))
    ne.evolve(strategy, task, generations=300, seed=1, reporters=[ckpt])

A task with ``solve_episodes`` keeps a record of the candidates it has proved: give the
Checkpointer and ``evolve`` the same :class:`~neuroevo.ProofRecord` (``proofs=``), as the run
layer does, so that a resumed run does not play and count those proofs again.
"""

from __future__ import annotations

import dataclasses
import math
import os
import re
import signal
import threading
import time
from pathlib import Path
from typing import IO, Any

from neuroevo.errors import ConfigError
from neuroevo.io.atomic import atomic_write_bytes, remove_stale_temporaries
from neuroevo.io.checkpoint import checkpoint_bytes
from neuroevo.loop import GenerationStats, Reporter, Result
from neuroevo.loop.confirm import ProofRecord
from neuroevo.loop.loop_state import LoopState

CHECKPOINT_DIR = "checkpoints"
_NAME = re.compile(r"^gen-(\d+)\.ckpt$")


def checkpoint_path(run_dir: str | os.PathLike[str], next_generation: int) -> Path:
    """``<run_dir>/checkpoints/gen-<next_generation, 6 digits>.ckpt``."""
    return Path(run_dir) / CHECKPOINT_DIR / f"gen-{next_generation:06d}.ckpt"


def list_checkpoints(run_dir: str | os.PathLike[str]) -> list[Path]:
    """Checkpoints in ``run_dir``, oldest first."""
    folder = Path(run_dir) / CHECKPOINT_DIR
    if not folder.is_dir():
        return []
    found = [(int(m.group(1)), p) for p in folder.iterdir() if (m := _NAME.match(p.name))]
    return [p for _, p in sorted(found)]


def _check_snapshot(experiment: Any) -> dict[str, Any] | None:
    if experiment is None or (
        isinstance(experiment, dict)
        and isinstance(experiment.get("file"), str)
        and isinstance(experiment.get("text"), str)
    ):
        return experiment
    raise ConfigError(
        f"Checkpointer(experiment={experiment!r}): expected None or the snapshot of an "
        "experiment file; pass experiment=neuroevo.run.experiment_file.experiment_snapshot(path)"
    )


class DeferInterrupts:
    """Context manager: SIGINT (Ctrl-C) while inside is held back and raised as
    ``KeyboardInterrupt`` on leaving, so the work inside is never cut in half. A no-op
    outside the main thread, where Python cannot set signal handlers."""

    def __init__(self) -> None:
        self.pressed = 0
        self._old: Any = None

    def _handler(self, signum: int, frame: Any) -> None:
        self.pressed += 1

    def __enter__(self) -> DeferInterrupts:
        if threading.current_thread() is threading.main_thread():
            try:
                self._old = signal.signal(signal.SIGINT, self._handler)
            except (ValueError, OSError):  # pragma: no cover - e.g. an embedded interpreter
                self._old = None
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._old is not None:
            signal.signal(signal.SIGINT, self._old)
            self._old = None
            if self.pressed and exc[0] is None:
                raise KeyboardInterrupt


class Checkpointer(Reporter):
    """Write resumable checkpoints (see the module docstring).

    ``experiment``: the snapshot of the experiment file the run was started from
    (``{"file": name, "text": ..., "files": {name: text}}``, built by
    :func:`neuroevo.run.experiment_file.experiment_snapshot`), stored in each checkpoint so
    that ``neuroevo resume DIR`` can rebuild the task and the strategy. ``seed``,
    ``device``, ``dtype``, ``stop_on_solve``: what ``evolve`` was given.
    ``history``: statistics of earlier generations (after a resume). ``stream``: where an
    interrupted run says that it is saving (``None``: silent). ``proofs``: the
    :class:`~neuroevo.loop.confirm.ProofRecord` given to ``evolve``, stored so that a resumed
    run does not play (and count) a recorded proof again.
    """

    def __init__(
        self,
        out_dir: str | os.PathLike[str],
        *,
        every: int = 10,
        keep: int = 3,
        experiment: dict[str, Any] | None = None,
        seed: int | None = None,
        device: str | None = None,
        dtype: str = "float32",
        stop_on_solve: bool = True,
        on_interrupt: bool = True,
        snapshot_overhead: float = 0.1,
        history: list[GenerationStats] | None = None,
        stream: IO[str] | None = None,
        proofs: ProofRecord | None = None,
    ) -> None:
        if not isinstance(every, int) or isinstance(every, bool) or every < 1:
            raise ValueError(f"Checkpointer: every must be an integer >= 1, got {every!r}")
        if not isinstance(keep, int) or isinstance(keep, bool) or keep < 1:
            raise ValueError(f"Checkpointer: keep must be an integer >= 1, got {keep!r}")
        self.out_dir = Path(out_dir)
        self.every = every
        self.keep = keep
        self.experiment = _check_snapshot(experiment)
        self.run: dict[str, Any] = {
            "seed": seed,
            "device": device,
            "dtype": dtype,
            "stop_on_solve": stop_on_solve,
        }
        self.on_interrupt = on_interrupt
        self.snapshot_overhead = snapshot_overhead
        self._snap_cost = 0.0
        self._snap_time = float("-inf")
        self.history = list(history or [])
        self.written: list[Path] = []
        self._generations = 0
        self._done = 0
        self._pending: tuple[int, bytes] | None = None
        self._solved = False
        self._last_written = -1
        self._threshold: float | None = None
        self.stream = stream
        self.proofs = proofs

    def on_start(self, strategy: Any, task: Any, generations: int) -> None:
        self._generations = generations
        self._done = 0
        self._task = getattr(task, "name", type(task).__name__)
        self._task_state = getattr(task, "state_dict", None)
        self._threshold = getattr(task, "fitness_threshold", None)
        remove_stale_temporaries(self.out_dir / CHECKPOINT_DIR)
        # the state the run starts from (not counted in the snapshot-overhead budget), when
        # the strategy's own generation counter (if it has one) agrees with the history
        start = self.history[-1] if self.history else None
        if getattr(strategy, "generation", len(self.history)) == len(self.history):
            self._pending = self._encode(
                strategy,
                next_generation=len(self.history),
                evaluations=start.evaluations if start else 0,
                solved=self._solved,
            )

    def _snapshot(self, stats: GenerationStats, strategy: Any, solved: bool) -> tuple[int, bytes]:
        return self._encode(
            strategy,
            next_generation=stats.generation + 1,
            evaluations=stats.evaluations,
            solved=solved,
        )

    def _encode(
        self, strategy: Any, *, next_generation: int, evaluations: int, solved: bool
    ) -> tuple[int, bytes]:
        loop_state = LoopState(
            next_generation=next_generation,
            evaluations=evaluations,
            generations_left=self._generations - self._done,
            solved=solved,
            strategy=getattr(strategy, "name", type(strategy).__name__),
            task=self._task,
            history=tuple(self.history),
            # e.g. running observation statistics
            task_state=None if self._task_state is None else self._task_state(),
            proofs=self.proofs.state_dict()
            if self.proofs is not None and self.proofs.proofs
            else None,
            **self.run,
        ).to_dict()
        data = checkpoint_bytes(
            strategy_state=strategy.state_dict(), loop_state=loop_state, experiment=self.experiment
        )
        return next_generation, data

    def on_generation(self, stats: GenerationStats, strategy: Any) -> None:
        self.history.append(dataclasses.replace(stats, fitness=None))
        self._done += 1
        best, threshold = stats.best_fitness, self._threshold
        if threshold is not None and not math.isnan(best) and best >= threshold:
            self._solved = True  # evolve's rule; on_solved comes after this hook
        due = (stats.generation + 1) % self.every == 0
        now = time.perf_counter()
        cheap = now - self._snap_time >= self._snap_cost / self.snapshot_overhead
        if due or (self.on_interrupt and cheap):
            self._pending = self._snapshot(stats, strategy, solved=self._solved)
            self._snap_time = time.perf_counter()
            self._snap_cost = self._snap_time - now
        if due:
            self._write()

    def on_solved(self, stats: GenerationStats, strategy: Any) -> None:
        self._solved = True

    def on_end(self, result: Result) -> None:
        # A run interrupted or failed (maybe inside a generation) is saved from the last
        # snapshot, taken after a completed generation. Otherwise the strategy's current
        # state is final.
        last = self.history[-1] if self.history else None
        if (
            result.status.completed
            and last is not None
            and result.strategy is not None
            and (self._pending is None or self._pending[0] != last.generation + 1 or self._solved)
        ):
            self._pending = self._snapshot(last, result.strategy, solved=self._solved)
            self._last_written = -1
        if self._pending is not None and self._pending[0] != self._last_written:
            with DeferInterrupts():  # from the message on: a Ctrl-C now waits for the file
                if self.stream is not None and not result.status.completed:
                    target = checkpoint_path(self.out_dir, self._pending[0])
                    isatty = getattr(self.stream, "isatty", None)
                    new_line = "\n" if isatty is not None and isatty() else ""  # after a bar
                    print(
                        f"{new_line}{result.status.value}: saving checkpoint {target} ... "
                        "(please wait)",
                        file=self.stream,
                        flush=True,
                    )
                self._write()

    def _write(self) -> None:
        assert self._pending is not None  # internal invariant, not user input
        next_generation, data = self._pending
        with DeferInterrupts():
            path = atomic_write_bytes(checkpoint_path(self.out_dir, next_generation), data)
            self._last_written = next_generation
            if path not in self.written:
                self.written.append(path)
            for old in list_checkpoints(self.out_dir)[: -self.keep]:
                old.unlink(missing_ok=True)


__all__ = ["Checkpointer", "DeferInterrupts", "checkpoint_path", "list_checkpoints"]
