"""The loop's part of a checkpoint: one schema, written by the checkpointer, read by resume.

A checkpoint (:mod:`neuroevo.io.checkpoint`) holds the strategy's state, the experiment and
the *loop state*: where the run stands (next generation, evaluations so far, generations
left, solved), how it was started (seed, device, dtype, ``stop_on_solve``), the statistics of
the generations run, and the task's state and proof record when there are any.
:class:`LoopState` is that part: :class:`~neuroevo.reporting.checkpointer.Checkpointer`
writes :meth:`LoopState.to_dict` and :func:`neuroevo.run.resume.load_resume_point` reads
:meth:`LoopState.from_dict`, which checks every field and raises one
:class:`~neuroevo.errors.CheckpointError` line naming it. The JSON layout is the one
checkpoints have always had, so every checkpoint written so far loads; the fields added
later (``task_state``, ``proofs``) are optional, and so are those older readers defaulted.

Example::

    state = LoopState(next_generation=10, evaluations=1500, generations_left=90, seed=1)
    assert LoopState.from_dict(state.to_dict()) == state
    loop = LoopState.read(load_checkpoint("runs/xor/checkpoints/gen-000010.ckpt"))
"""

from __future__ import annotations

import dataclasses
from typing import Any

import torch

from neuroevo.errors import CheckpointError
from neuroevo.io import state_checks as sc
from neuroevo.io.checkpoint import Checkpoint
from neuroevo.loop.result import GenerationStats

#: the dtype names a run takes (``neuroevo.run.build.DTYPES`` maps them to torch dtypes)
DTYPE_NAMES = ("float32", "float64")

#: the fields of a history row that hold integers; the others (but ``extra``) hold floats
_INT_STATS = ("generation", "evaluations")
#: fields of :class:`GenerationStats` that checkpoints leave out (messages of the moment,
#: and the fitness tensor meant for reporters); ``notes`` is accepted on reading, as rows
#: written with ``dataclasses.asdict`` held it
_NOT_STORED = ("notes", "fitness")


@dataclasses.dataclass(frozen=True)
class LoopState:
    """Where a run stands, as its checkpoint keeps it (see the module docstring)."""

    next_generation: int  # the next generation to evaluate (the checkpoint's gen-<G>)
    evaluations: int  # fitness evaluations so far
    generations_left: int = 0  # of the run's limit
    solved: bool = False  # a generation reached the task's threshold
    #: the strategy's and task's names, for people reading the file (resume rebuilds both
    #: from the experiment file); ``None`` where a file does not say
    strategy: str | None = None
    task: str | None = None
    #: the statistics of every generation run, notes and fitness tensor left out
    history: tuple[GenerationStats, ...] = ()
    seed: int | None = None
    device: str | None = None  # as the run recorded it ("cpu", "cuda:1")
    dtype: str = "float32"  # one of DTYPE_NAMES
    stop_on_solve: bool = True
    task_state: dict[str, Any] | None = None  # task.state_dict(), for tasks that have one
    proofs: dict[str, Any] | None = None  # the ProofRecord's state_dict, when it holds proofs

    @property
    def has_task_state(self) -> bool:
        """Whether the checkpoint holds a task state (restored with ``task.load_state_dict``)."""
        return self.task_state is not None

    def to_dict(self) -> dict[str, Any]:
        """The loop state as the checkpoint stores it (``task_state`` and ``proofs`` only
        when there are any)."""
        out: dict[str, Any] = {
            "next_generation": self.next_generation,
            "evaluations": self.evaluations,
            "generations_left": self.generations_left,
            "solved": self.solved,
            "strategy": self.strategy,
            "task": self.task,
            "history": [_stored(s) for s in self.history],
            "seed": self.seed,
            "device": self.device,
            "dtype": self.dtype,
            "stop_on_solve": self.stop_on_solve,
        }
        if self.task_state is not None:
            out["task_state"] = self.task_state
        if self.proofs is not None:
            out["proofs"] = self.proofs
        return out

    @classmethod
    def from_dict(cls, data: Any, where: str = "loop") -> LoopState:
        """The loop state stored as ``data``, every field checked; a bad one raises one
        :class:`CheckpointError` line naming ``where`` and the field. Fields a file does not
        hold take their defaults, as they always did; unknown fields are refused."""
        loop = sc.expect_dict(data, where)
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(map(str, set(loop) - known))
        if unknown:
            raise CheckpointError(
                f"{where}: unknown fields {unknown}; the checkpoint is of another "
                "version of neuroevo, resume it with that version"
            )
        seed, device = loop.get("seed"), loop.get("device")
        if seed is not None:
            sc.check_int(seed, f"{where}.seed")
        if device is not None and not _is_device_name(device):
            raise CheckpointError(
                f"{where}.device: expected a device name such as 'cpu', got {sc.describe(device)}"
            )
        dtype = loop.get("dtype", "float32")
        if not isinstance(dtype, str) or dtype not in DTYPE_NAMES:
            raise CheckpointError(
                f"{where}.dtype: expected one of {sorted(DTYPE_NAMES)}, got {sc.describe(dtype)}"
            )
        return cls(
            next_generation=sc.get_int(loop, "next_generation", where, ge=0),
            evaluations=sc.get_int(loop, "evaluations", where, ge=0),
            generations_left=sc.check_int(
                loop.get("generations_left", 0), f"{where}.generations_left", ge=0
            ),
            solved=sc.get_bool(loop, "solved", where, False),
            strategy=_name(loop, "strategy", where),
            task=_name(loop, "task", where),
            history=_history(sc.field(loop, "history", where, []), f"{where}.history"),
            seed=seed,
            device=device,
            dtype=dtype,
            stop_on_solve=sc.get_bool(loop, "stop_on_solve", where, True),
            task_state=_optional_dict(loop, "task_state", where),
            proofs=_optional_dict(loop, "proofs", where),
        )

    @classmethod
    def read(cls, ckpt: Checkpoint) -> LoopState:
        """The loop state of a loaded checkpoint; errors name the file and the field."""
        return cls.from_dict(ckpt.loop_state, f"{ckpt.path}: loop")


def _stored(stats: GenerationStats) -> dict[str, Any]:
    """A generation's statistics as a checkpoint keeps them (notes and fitness left out)."""
    row = {
        f.name: getattr(stats, f.name)
        for f in dataclasses.fields(stats)
        if f.name not in _NOT_STORED
    }
    row["extra"] = dict(row["extra"])
    return row


def _history(rows: Any, where: str) -> tuple[GenerationStats, ...]:
    """The statistics rows of a checkpoint as :class:`GenerationStats`, each field checked."""
    if not isinstance(rows, list):
        raise CheckpointError(f"{where}: expected a list, got {sc.describe(rows)}")
    names = [f.name for f in dataclasses.fields(GenerationStats) if f.name != "fitness"]
    out = []
    for i, row in enumerate(rows):
        w = f"{where}[{i}]"
        unknown = sorted(map(str, set(sc.expect_dict(row, w)) - set(names)))
        if unknown:
            raise CheckpointError(f"{w}: unknown fields {unknown}")
        values: dict[str, Any] = {}
        for name in names:
            if name in _NOT_STORED:
                continue
            if name == "extra":
                extra = sc.expect_dict(row.get("extra", {}), f"{w}.extra")
                values[name] = {
                    str(k): sc.check_float(v, f"{w}.extra.{k}") for k, v in extra.items()
                }
            elif name in _INT_STATS:
                values[name] = sc.get_int(row, name, w, ge=0)
            else:
                values[name] = sc.get_float(row, name, w)
        out.append(GenerationStats(**values))
    return tuple(out)


def _name(loop: dict[Any, Any], key: str, where: str) -> str | None:
    v = loop.get(key)
    if v is not None and not isinstance(v, str):
        raise CheckpointError(f"{where}.{key}: expected a name, got {sc.describe(v)}")
    return v


def _optional_dict(loop: dict[Any, Any], key: str, where: str) -> dict[str, Any] | None:
    """``loop[key]`` if it is an object, ``None`` when the file has no such field."""
    return sc.expect_dict(loop[key], f"{where}.{key}") if key in loop else None


def _is_device_name(v: Any) -> bool:
    """Whether ``v`` names a torch device (``"cpu"``, ``"cuda:1"``), available here or not."""
    try:
        return isinstance(v, str) and isinstance(torch.device(v), torch.device)
    except (RuntimeError, ValueError):
        return False


__all__ = ["DTYPE_NAMES", "LoopState"]
