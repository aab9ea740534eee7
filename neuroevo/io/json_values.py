"""JSON files and the numbers in them, for the loaders of :mod:`neuroevo.io`.

Python's ``json`` reads any integer (a 400-digit weight, a node key of 2**70) and turns a
number literal beyond float64 (``1e400``) into ``inf``. Loaders of neuroevo's files and of
neat-python's exports refuse both with :class:`neuroevo.CheckpointError` naming the file,
the gene and the field, instead of an ``OverflowError`` later or an ``inf`` that was never
written: integers must fit int64, numbers float64.

Example::

    d = read_json_file("best.json", "genome file")
    key = check_int64(d["key"], "best.json: key")
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any, TypeGuard

from neuroevo.errors import CheckpointError

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


class BeyondFloat(float):
    """A JSON number literal beyond float64 (``1e400``): ``json`` reads it as ``inf``; this
    remembers the text so that loaders can refuse it by name (see :func:`parse_json_bytes`)."""

    text: str


def _parse_float(text: str) -> float:
    x = float(text)
    if math.isinf(x):
        x = BeyondFloat(x)
        x.text = text
    return x


def short(v: Any) -> str:
    """``repr(v)``, shortened to its ends and length when it is long (a 400-digit integer)."""
    return _cut(repr(v))


def _cut(r: str) -> str:
    return r if len(r) <= 40 else f"{r[:12]}...{r[-6:]} ({len(r)} characters)"


def is_int(v: Any) -> TypeGuard[int]:
    return isinstance(v, int) and not isinstance(v, bool)


def is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def check_int64(v: Any, where: str) -> int:
    """``v`` if it is an integer in int64's range; otherwise :class:`CheckpointError`."""
    if not is_int(v):
        raise CheckpointError(f"{where}: expected an integer, got {short(v)}")
    if not INT64_MIN <= v <= INT64_MAX:
        raise CheckpointError(
            f"{where}: {short(v)} is beyond the int64 range [-2**63, 2**63); "
            "the file is corrupted or was not written by neuroevo"
        )
    return v


def check_float_range(v: Any, where: str) -> None:
    """Refuse numbers beyond float64: huge integers and literals such as ``1e400``."""
    if isinstance(v, BeyondFloat):
        raise CheckpointError(
            f"{where}: {_cut(v.text)} is beyond the float64 range (about "
            "+-1.8e308); the file is corrupted or was not written by neuroevo"
        )
    if is_int(v):
        try:
            float(v)
        except OverflowError:
            raise CheckpointError(
                f"{where}: {short(v)} is beyond the float64 range (about "
                "+-1.8e308); the file is corrupted or was not written by "
                "neuroevo"
            ) from None


def read_file_bytes(path: str | os.PathLike[str], what: str = "file") -> bytes:
    """The bytes of ``path``; a missing or unreadable file is one :class:`CheckpointError`."""
    p = Path(path)
    try:
        return p.read_bytes()
    except FileNotFoundError:
        raise CheckpointError(f"{p}: no such {what}; check the path") from None
    except OSError as e:
        raise CheckpointError(f"{p}: cannot read {what}: {e}") from None


def read_json_file(path: str | os.PathLike[str], what: str = "file") -> Any:
    """Read and parse a JSON file; any failure becomes :class:`CheckpointError` naming it."""
    return parse_json_bytes(read_file_bytes(path, what), str(Path(path)), what)


def parse_json_bytes(raw: bytes, source: str, what: str = "file") -> Any:
    """Parse UTF-8 JSON bytes; failures become :class:`CheckpointError` naming ``source``.

    A number literal beyond float64 (``1e400``) is read as a :class:`BeyondFloat` (``inf``
    that remembers its text), so that a loader can name it instead of using ``inf``.
    """
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise CheckpointError(
            f"{source}: not a UTF-8 JSON {what} ({e.reason} at byte "
            f"{e.start}); the file is corrupted"
        ) from None
    if not text.strip():
        raise CheckpointError(f"{source}: the {what} is empty (truncated?)")
    try:
        return json.loads(text, parse_float=_parse_float)
    except RecursionError:
        raise CheckpointError(
            f"{source}: JSON nested too deeply; the {what} is corrupted"
        ) from None
    except ValueError as e:  # JSONDecodeError and int-size limits
        raise CheckpointError(
            f"{source}: not valid JSON ({e}); the {what} is truncated or corrupted"
        ) from None


__all__ = [
    "BeyondFloat",
    "check_float_range",
    "check_int64",
    "is_int",
    "is_number",
    "parse_json_bytes",
    "read_json_file",
    "short",
]
