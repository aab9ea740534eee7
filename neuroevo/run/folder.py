"""The output folder of ``neuroevo run``: never mixed with an earlier run, never cleared by accident.

A run goes into a folder that does not exist yet or is empty. A folder that already holds
something is refused, with the fixes in the message: continue the run there with
``neuroevo resume``, choose another folder (``--out NEW``), or replace the earlier run
with ``--overwrite``. ``--overwrite`` clears only a folder that looks like a run folder
(it holds one of :data:`RUN_MARKERS`), so a mistyped ``--out ~`` cannot delete a home
folder. :func:`check_out_folder` only looks; :func:`prepare_out_folder` clears and creates,
and is called once everything else has been checked, so that a run that fails before its
first generation leaves the folder as it was.

Example::

    check_out_folder("runs/xor", overwrite=False)    # ConfigError if runs/xor is used
    ...                                              # build and check the rest
    prepare_out_folder("runs/xor", overwrite=False)  # now create it
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from neuroevo.errors import ConfigError

#: entries that only a run folder holds; one of them makes a folder a run folder
RUN_MARKERS = ("result.json", "summary.md", "stats.jsonl", "stats.json", "stats.csv",
               "checkpoints", "experiment")


def _contents(folder: Path) -> list[str]:
    try:
        return sorted(p.name for p in folder.iterdir())
    except OSError as e:
        raise ConfigError(f"--out {folder}: cannot read the folder ({e}); choose another "
                          "folder with --out NEW") from None


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
            raise ConfigError(f"--out {p}: {parent} is a file, not a folder; choose a folder "
                              "with --out NEW")
        return p
    names = _contents(p)
    if not names:
        return p
    if not is_run_folder(p):
        raise ConfigError(f"--out {p}: the folder is not empty and holds no run "
                          f"({_listing(names)}); choose a new folder with --out NEW "
                          "(--overwrite clears only run folders)")
    if not overwrite:
        raise ConfigError(f"--out {p}: the folder already holds a run ({_listing(names)}); "
                          f"continue it with `neuroevo resume {p}`, choose a new folder with "
                          "--out NEW, or replace it with --overwrite")
    return p


def prepare_out_folder(folder: str | os.PathLike[str], *, overwrite: bool = False) -> Path:
    """Check ``folder`` again, clear it when ``overwrite`` (a run folder only) and create it."""
    p = check_out_folder(folder, overwrite=overwrite)
    if p.is_dir() and _contents(p):
        try:
            shutil.rmtree(p)
        except OSError as e:
            raise ConfigError(f"--overwrite {p}: cannot clear the folder ({e}); remove it "
                              "yourself or choose another with --out NEW") from None
    p.mkdir(parents=True, exist_ok=True)
    return p


__all__ = ["RUN_MARKERS", "check_out_folder", "prepare_out_folder", "is_run_folder"]
