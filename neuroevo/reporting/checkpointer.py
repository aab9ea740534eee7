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
generation resumes from the end of the previous one. Only the ``keep`` newest checkpoints
are kept.

The checkpoint holds what :func:`neuroevo.run.resume.resume` needs to rebuild and continue
the run: the experiment file and the neat-python INI it names (as text: the snapshot the
run layer builds with :func:`neuroevo.run.experiment_file.experiment_snapshot`), the seed,
device, dtype and the generations still to run.

Example::

    from neuroevo.run.experiment_file import experiment_snapshot
    ckpt = Checkpointer("runs/xor", every=10, seed=1,
                        experiment=experiment_snapshot("configs/xor.toml"))
    ne.evolve(strategy, task, generations=300, seed=1, reporters=[ckpt])
"""

from __future__ import annotations

import dataclasses
import os
import re
import time
from pathlib import Path
from typing import Any

from neuroevo.errors import ConfigError
from neuroevo.io.atomic import atomic_write_bytes
from neuroevo.io.checkpoint import checkpoint_bytes
from neuroevo.loop import GenerationStats, Reporter, Result

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
    if experiment is None or (isinstance(experiment, dict)
                              and isinstance(experiment.get("file"), str)
                              and isinstance(experiment.get("text"), str)):
        return experiment
    raise ConfigError(
        f"Checkpointer(experiment={experiment!r}): expected None or the snapshot of an "
        "experiment file; pass experiment=neuroevo.run.experiment_file.experiment_snapshot(path)"
    )


class Checkpointer(Reporter):
    """Write resumable checkpoints (see the module docstring).

    ``experiment``: the snapshot of the experiment file the run was started from
    (``{"file": name, "text": ..., "files": {name: text}}``, built by
    :func:`neuroevo.run.experiment_file.experiment_snapshot`), stored in each checkpoint so
    that ``neuroevo resume DIR`` can rebuild the task and the strategy. ``seed``,
    ``device``, ``dtype``, ``stop_on_solve``: what ``evolve`` was given.
    ``history``: statistics of earlier generations (after a resume).
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
    ) -> None:
        if not isinstance(every, int) or isinstance(every, bool) or every < 1:
            raise ValueError(f"Checkpointer: every must be an integer >= 1, got {every!r}")
        if not isinstance(keep, int) or isinstance(keep, bool) or keep < 1:
            raise ValueError(f"Checkpointer: keep must be an integer >= 1, got {keep!r}")
        self.out_dir = Path(out_dir)
        self.every = every
        self.keep = keep
        self.experiment = _check_snapshot(experiment)
        self.run = {"seed": seed, "device": device, "dtype": dtype, "stop_on_solve": stop_on_solve}
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

    def on_start(self, strategy: Any, task: Any, generations: int) -> None:
        self._generations = generations
        self._done = 0
        self._task = getattr(task, "name", type(task).__name__)

    def _snapshot(self, stats: GenerationStats, strategy: Any, solved: bool) -> tuple[int, bytes]:
        next_generation = stats.generation + 1
        loop_state = {
            "next_generation": next_generation,
            "evaluations": stats.evaluations,
            "generations_left": self._generations - self._done,
            "solved": solved,
            "strategy": getattr(strategy, "name", type(strategy).__name__),
            "task": self._task,
            "history": [dataclasses.asdict(s) for s in self.history],
            **self.run,
        }
        data = checkpoint_bytes(strategy_state=strategy.state_dict(), loop_state=loop_state,
                                experiment=self.experiment)
        return next_generation, data

    def on_generation(self, stats: GenerationStats, strategy: Any) -> None:
        self.history.append(stats)
        self._done += 1
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
        if result.status.completed and last is not None and result.strategy is not None and (
                self._pending is None or self._pending[0] != last.generation + 1 or self._solved):
            self._pending = self._snapshot(last, result.strategy, solved=self._solved)
            self._last_written = -1
        if self._pending is not None and self._pending[0] != self._last_written:
            self._write()

    def _write(self) -> None:
        assert self._pending is not None  # internal invariant, not user input
        next_generation, data = self._pending
        path = atomic_write_bytes(checkpoint_path(self.out_dir, next_generation), data)
        self._last_written = next_generation
        if path not in self.written:
            self.written.append(path)
        for old in list_checkpoints(self.out_dir)[:-self.keep]:
            old.unlink(missing_ok=True)


__all__ = ["Checkpointer", "checkpoint_path", "list_checkpoints"]
