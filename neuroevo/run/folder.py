"""The output folder of ``neuroevo run``: never mixed with an earlier run, never cleared by accident.

A run goes into a folder that does not exist yet or is empty. A folder that already holds
something is refused, with the fixes in the message: continue the run there with
``neuroevo resume``, choose another folder (``--out NEW``), or replace the earlier run
with ``--overwrite``. ``--overwrite`` clears only a folder that looks like a run folder
(it holds one of :data:`RUN_MARKERS`), so a mistyped ``--out ~`` cannot delete a home
folder. :func:`check_out_folder` only looks; :func:`prepare_out_folder` clears and creates,
and is called once everything else has been checked, so that a run that fails before its
first generation leaves the folder as it was.

``neuroevo resume RUN`` writes into a run folder too, so it must be given a checkpoint of
the run the folder holds: :func:`check_checkpoint_of_run` compares the checkpoint with what
the folder records of its run (its other checkpoints, ``result.json``, ``stats.jsonl``, its
copy of the experiment file), not with how the paths are spelled. A checkpoint of another
run (another experiment, seed or dtype, or statistics that part from the folder's, as a
second run of the same experiment and seed does: its timings differ) is refused before
anything is written; into a new, empty folder any checkpoint may be resumed (a branch).

Example::

    check_out_folder("runs/xor", overwrite=False)    # ConfigError if runs/xor is used
    ...                                              # build and check the rest
    prepare_out_folder("runs/xor", overwrite=False)  # now create it
"""

from __future__ import annotations

import math
import os
import shutil
from pathlib import Path
from typing import Any

from neuroevo.errors import CheckpointError, ConfigError

#: entries that only a run folder holds; one of them makes a folder a run folder
RUN_MARKERS = (
    "result.json",
    "summary.md",
    "stats.jsonl",
    "stats.json",
    "stats.csv",
    "checkpoints",
    "experiment",
)


def _contents(folder: Path) -> list[str]:
    try:
        return sorted(p.name for p in folder.iterdir())
    except OSError as e:
        raise ConfigError(
            f"--out {folder}: cannot read the folder ({e}); choose another folder with --out NEW"
        ) from None


def _listing(names: list[str]) -> str:
    shown = ", ".join(names[:4])
    return shown + (f" and {len(names) - 4} more" if len(names) > 4 else "")


def is_run_folder(folder: str | os.PathLike[str]) -> bool:
    """Whether ``folder`` holds one of the files or folders only a run writes."""
    return any((Path(folder) / m).exists() for m in RUN_MARKERS)


def check_out_folder(folder: str | os.PathLike[str], *, overwrite: bool = False) -> Path:
    """Check that a run may write into ``folder`` (see the module doc); writes nothing.

    Raises :class:`~neuroevo.errors.ConfigError` when ``folder`` is a file, or holds
    something and ``overwrite`` is false (or it holds something that is not a run).
    """
    p = Path(folder)
    if p.exists() and not p.is_dir():
        raise ConfigError(f"--out {p}: is a file, not a folder; choose a folder with --out NEW")
    if not p.exists():
        parent = next((a for a in p.absolute().parents if a.exists()), None)
        if parent is not None and not parent.is_dir():
            raise ConfigError(
                f"--out {p}: {parent} is a file, not a folder; choose a folder with --out NEW"
            )
        return p
    names = _contents(p)
    if not names:
        return p
    if not is_run_folder(p):
        raise ConfigError(
            f"--out {p}: the folder is not empty and holds no run "
            f"({_listing(names)}); choose a new folder with --out NEW "
            "(--overwrite clears only run folders)"
        )
    if not overwrite:
        raise ConfigError(
            f"--out {p}: the folder already holds a run ({_listing(names)}); "
            f"continue it with `neuroevo resume {p}`, choose a new folder with "
            "--out NEW, or replace it with --overwrite"
        )
    return p


def prepare_out_folder(folder: str | os.PathLike[str], *, overwrite: bool = False) -> Path:
    """Check ``folder`` again, clear it when ``overwrite`` (a run folder only) and create it."""
    p = check_out_folder(folder, overwrite=overwrite)
    if p.is_dir() and _contents(p):
        try:
            shutil.rmtree(p)
        except OSError as e:
            raise ConfigError(
                f"--overwrite {p}: cannot clear the folder ({e}); remove it "
                "yourself or choose another with --out NEW"
            ) from None
    p.mkdir(parents=True, exist_ok=True)
    return p


def _value(v: Any) -> Any:
    """``v`` as the files of a run record it, in a form that compares safely: numbers as
    floats, non-finite ones as ``None`` (as ``stats.jsonl`` and ``result.json`` write them),
    anything else (a crafted file's) as its ``repr``."""
    if v is None or isinstance(v, bool):
        return v
    if isinstance(v, (int, float)):
        try:
            x = float(v)
        except OverflowError:
            return repr(v)
        return x if math.isfinite(x) else None
    return repr(v)


def _row(values: Any) -> tuple[Any, ...] | None:
    """A generation's statistics (:func:`_value` of each column); ``None`` if not a row."""
    from neuroevo.reporting.stats import BASE_COLUMNS

    if not isinstance(values, dict):
        return None
    return tuple(_value(values.get(k)) for k in BASE_COLUMNS)


def _rows(history: Any) -> list[tuple[Any, ...]] | None:
    rows = [_row(h) for h in history] if isinstance(history, list) else None
    return None if rows is None or None in rows else rows  # type: ignore[return-value]


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _records(folder: Path, ckpt: Any) -> list[tuple[str, dict[str, Any]]]:
    """What ``folder`` records of its run, as ``(source, {"seed", "dtype", "experiment",
    "rows"})`` with the keys each source holds; unreadable sources record nothing."""
    from neuroevo.io.checkpoint import load_checkpoint
    from neuroevo.io.json_values import read_json_file
    from neuroevo.reporting.checkpointer import list_checkpoints
    from neuroevo.reporting.stats import read_run_history

    found: list[tuple[str, dict[str, Any]]] = []
    for p in list_checkpoints(folder):
        if _same_file(p, ckpt.path):
            continue
        try:
            other = load_checkpoint(p)
        except CheckpointError:  # a damaged checkpoint records nothing
            continue
        loop = other.loop_state if isinstance(other.loop_state, dict) else {}
        found.append(
            (
                str(p),
                {
                    "seed": loop.get("seed"),
                    "dtype": loop.get("dtype", "float32"),
                    "experiment": other.experiment,
                    "rows": _rows(loop.get("history")),
                },
            )
        )
    try:
        result = read_json_file(folder / "result.json", "result file")
    except CheckpointError:
        result = None
    if isinstance(result, dict):
        record = {k: result[k] for k in ("seed", "dtype") if k in result}
        record["rows"] = _rows(result.get("history"))
        found.append((str(folder / "result.json"), record))
    try:
        stats, _ = read_run_history(folder)
    except CheckpointError:
        stats = []
    found.append((str(folder / "stats.jsonl"), {"rows": _rows(stats)}))
    snapshot = ckpt.experiment if isinstance(ckpt.experiment, dict) else {}
    copies = sorted((folder / "experiment").glob("*.toml"))
    if copies:
        name, texts = snapshot.get("file"), {}
        for c in copies:
            try:
                texts[c.name] = c.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                continue
        found.append(
            (
                str(folder / "experiment"),
                {"experiment_file": (name in texts and texts[name] == snapshot.get("text"))},
            )
        )
    return found


def _disagreement(ckpt: Any, source: str, record: dict[str, Any]) -> str | None:
    """Where ``record`` (one of :func:`_records`) parts from the checkpoint's run, if it does."""
    loop = ckpt.loop_state
    seed, dtype = loop.get("seed"), loop.get("dtype", "float32")
    if "seed" in record and repr(record["seed"]) != repr(seed):
        return f"seed {seed!r}, where {source} has {record['seed']!r}"
    if record.get("dtype") is not None and repr(record["dtype"]) != repr(dtype):
        return f"dtype {dtype}, where {source} has {record['dtype']!r}"
    if "experiment" in record and repr(record["experiment"]) != repr(ckpt.experiment):
        return f"another experiment file than {source}"
    if record.get("experiment_file") is False:
        return f"another experiment file than the copy in {source}"
    mine, theirs = _rows(loop.get("history")) or [], record.get("rows") or []
    for g, (a, b) in enumerate(zip(mine, theirs)):
        if a != b:
            return f"its statistics of generation {g} differ from {source}"
    return None


def check_checkpoint_of_run(folder: str | os.PathLike[str], ckpt: Any) -> None:
    """Check that ``ckpt`` (a loaded :class:`~neuroevo.io.checkpoint.Checkpoint`, its loop
    state checked) is a state of the run in ``folder``, so that resuming it there loses
    nothing of another run (see the module doc); a new or empty folder takes any checkpoint.

    Raises :class:`~neuroevo.errors.CheckpointError` naming the checkpoint, what parts it
    from the folder's run, and the fix.
    """
    from neuroevo.reporting.checkpointer import CHECKPOINT_DIR

    p = Path(folder)
    if not is_run_folder(p):
        return
    records = _records(p, ckpt)
    why = next((w for source, rec in records if (w := _disagreement(ckpt, source, rec))), None)
    if why is None and _same_file(ckpt.path.parent, p / CHECKPOINT_DIR):
        return
    if why is None:
        compared = any(rec.get("rows") or set(rec) - {"rows"} for _, rec in records)
        if compared:
            return
        why = "the folder records nothing of its run to compare it with"
    own = ckpt.path.parent.parent if ckpt.path.parent.name == CHECKPOINT_DIR else None
    fix = (
        f"Resume it in its own folder (neuroevo resume {own} --from {ckpt.path}), or into "
        if own is not None
        else "Resume it into "
    )
    raise CheckpointError(
        f"{ckpt.path}: a checkpoint of another run than the one in {p} "
        f"({why}); resuming it there would overwrite that run's files. "
        f"{fix}a new empty folder: mkdir NEW && neuroevo resume NEW --from "
        f"{ckpt.path}"
    )


__all__ = [
    "RUN_MARKERS",
    "check_checkpoint_of_run",
    "check_out_folder",
    "prepare_out_folder",
    "is_run_folder",
]
