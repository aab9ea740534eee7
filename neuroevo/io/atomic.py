"""Atomic file writes: a crash never leaves a half-written file behind.

The data goes to a temporary file in the destination's own folder (so the final rename
never crosses file systems), is flushed and ``fsync``-ed, and then replaces the
destination with :func:`os.replace`, which POSIX and Windows both perform atomically
(a reader sees the old file or the new one, never a mix). The folder is ``fsync``-ed
too where the platform allows, so the rename itself survives a power cut.

A process killed between creating the temporary file and the rename (``SIGKILL``, a power
cut) leaves the temporary file behind. Temporary files are named
``.<name>.neuroevo-<pid>-<random>.tmp`` so that :func:`remove_stale_temporaries` can
tell them from anything else in the folder and from a live writer's (``neuroevo run`` and
``neuroevo resume`` call it on the run folder when they start).

Example::

    from neuroevo.io.atomic import atomic_write_text
    atomic_write_text("run/result.json", '{"solved": true}')
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from pathlib import Path

#: what marks a temporary file of :func:`atomic_write_bytes`: ``.<name>.neuroevo-<pid>-<random>.tmp``
_TEMP = re.compile(r"^\..+\.neuroevo-(\d+)-[A-Za-z0-9_]+\.tmp$")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically and return the path.

    The parent folder is created when missing.

    Example::

        atomic_write_bytes("ckpt/gen-10.ckpt", b"...")
    """
    dest = Path(path)
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(
        prefix=f".{dest.name}.neuroevo-{os.getpid()}-", suffix=".tmp", dir=dest.parent
    )
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        # mkstemp creates the file 0600; give it the mode a plain open() would have
        os.chmod(tmp_name, 0o666 & ~_umask())
        os.replace(tmp_name, dest)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        raise
    _fsync_dir(dest.parent)
    return dest


def atomic_write_text(path: str | os.PathLike[str], text: str, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``path`` atomically (see :func:`atomic_write_bytes`)."""
    return atomic_write_bytes(path, text.encode(encoding))


def _alive(pid: int) -> bool:
    """Whether process ``pid`` (other than this one) is running; POSIX only (elsewhere no
    writer is assumed to share the folder)."""
    if pid == os.getpid() or os.name != "posix":
        return False
    try:
        os.kill(pid, 0)  # signal 0: existence check only
    except ProcessLookupError:
        return False
    except OSError:  # e.g. PermissionError: it exists, owned by someone else
        return True
    return True


def remove_stale_temporaries(folder: str | os.PathLike[str]) -> list[Path]:
    """Delete the temporary files :func:`atomic_write_bytes` left in ``folder`` when its
    process was killed mid-write (not those of a process still running); returns them.

    Example::

        remove_stale_temporaries("runs/xor/checkpoints")   # [] when nothing was left
    """
    d = Path(folder)
    if not d.is_dir():
        return []
    removed = []
    for p in d.iterdir():
        m = _TEMP.match(p.name)
        if m and p.is_file() and not _alive(int(m.group(1))):
            with contextlib.suppress(OSError):
                p.unlink()
                removed.append(p)
    return removed


def _fsync_dir(folder: Path) -> None:
    """Persist a rename in ``folder`` (a no-op where folders cannot be opened, e.g. Windows)."""
    flags = getattr(os, "O_DIRECTORY", None)
    if flags is None:
        return
    try:
        fd = os.open(folder, os.O_RDONLY | flags)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


__all__ = ["atomic_write_bytes", "atomic_write_text", "remove_stale_temporaries"]
