"""Checkpoint files: JSON data plus plain tensors, checksummed, written atomically.

A checkpoint never holds pickled objects, so loading one cannot execute code. Layout::

    NEUROEVO-CHECKPOINT\\n
    {"format": "neuroevo.checkpoint", "version": 1, "json_bytes": N, "tensor_bytes": M,
     "sha256": "<hex digest of the N + M payload bytes>"}\\n
    <N bytes: UTF-8 JSON document>
    <M bytes: torch.save of a flat {name: Tensor} dict, read back with weights_only=True>

The JSON document is ``{"created": ..., "strategy": ..., "loop": ..., "experiment": ...}``.
Values may be JSON data, tuples, dicts with non-string keys, non-finite floats,
``torch.dtype`` and tensors (stored in the tensor block); anything else is refused at save
time with the path of the offending value. A truncated or altered file fails the length
or SHA-256 check and raises :class:`neuroevo.CheckpointError`; so does a crafted file with a
valid checksum whose markers (``{"__tensor__": ...}``, ``{"__tuple__": ...}`` ...) are of the
wrong form, naming the marker's place (``strategy.state.velocity``). What the values mean is
checked by each state loader (:mod:`neuroevo.io.state_checks`). Files are written with
:func:`neuroevo.io.atomic.atomic_write_bytes` (temporary file, fsync, rename).

Example::

    save_checkpoint("run/checkpoints/gen-000010.ckpt", strategy_state=strategy.state_dict(),
                    loop_state={"next_generation": 10}, experiment=None)
    ckpt = load_checkpoint("run/checkpoints/gen-000010.ckpt")
    strategy.load_state_dict(ckpt.strategy_state)
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import io
import json
import math
import os
from pathlib import Path
from typing import Any, TypeGuard

import torch

from neuroevo.errors import CheckpointError
from neuroevo.io.atomic import atomic_write_bytes
from neuroevo.io.json_values import read_file_bytes

MAGIC = b"NEUROEVO-CHECKPOINT\n"
FORMAT = "neuroevo.checkpoint"
VERSION = 1
_MAX_HEADER = 4096
_PLAIN = frozenset({str, int, bool, type(None)})
_isfinite = math.isfinite
_TAGS = ("__tensor__", "__float__", "__tuple__", "__items__", "__dtype__")


@dataclasses.dataclass
class Checkpoint:
    """What :func:`load_checkpoint` returns."""

    path: Path
    created: str
    strategy_state: Any
    loop_state: Any
    experiment: Any


# --------------------------------------------------------------------------- encoding


class _Unsaveable(Exception):
    """Internal: an object that cannot be encoded; ``path`` is filled in while unwinding."""

    def __init__(self, obj: Any) -> None:
        super().__init__()
        self.obj = obj
        self.path: list[str] = []


class _Encoder:
    """Turn state into JSON data, moving tensors to :attr:`tensors` (a copy of each)."""

    def __init__(self) -> None:
        self.tensors: dict[str, torch.Tensor] = {}

    def __call__(self, obj: Any, where: str) -> Any:
        try:
            return self._enc(obj)
        except _Unsaveable as e:
            path = where + "".join(reversed(e.path))
            raise CheckpointError(
                f"{path}: cannot save a {type(e.obj).__module__}.{type(e.obj).__name__} in a "
                "checkpoint; state_dict() must return JSON data (numbers, strings, lists, dicts), "
                "tuples and torch tensors -- convert objects to such data (checkpoints never use "
                "pickle)"
            ) from None

    def _enc(self, obj: Any) -> Any:
        t = type(obj)
        if t is str or t is int or t is bool or obj is None:
            return obj
        if t is float:
            return obj if math.isfinite(obj) else {"__float__": repr(obj)}
        if t is dict:
            if all(type(k) is str for k in obj) and not any(tag in obj for tag in _TAGS):
                out = {}
                for k, v in obj.items():
                    tv = type(v)
                    if tv in _PLAIN or (tv is float and _isfinite(v)):
                        out[k] = v  # fast path for the common leaves
                        continue
                    try:
                        out[k] = self._enc(v)
                    except _Unsaveable as e:
                        e.path.append(f"[{k!r}]")
                        raise
                return out
            return {"__items__": [[self._enc(k), self._enc(v)] for k, v in obj.items()]}
        if t is list or t is tuple:
            out_list = []
            for i, v in enumerate(obj):
                tv = type(v)
                if tv in _PLAIN or (tv is float and _isfinite(v)):
                    out_list.append(v)
                    continue
                try:
                    out_list.append(self._enc(v))
                except _Unsaveable as e:
                    e.path.append(f"[{i}]")
                    raise
            return out_list if t is list else {"__tuple__": out_list}
        if isinstance(obj, torch.Tensor):
            name = f"t{len(self.tensors)}"
            self.tensors[name] = obj.detach().to("cpu").clone()
            return {"__tensor__": name}
        if isinstance(obj, torch.dtype):
            return {"__dtype__": str(obj).removeprefix("torch.")}
        if isinstance(obj, bool):
            return bool(obj)
        if isinstance(obj, int):
            return int(obj)
        if isinstance(obj, float):
            return self._enc(float(obj))
        if isinstance(obj, (list, tuple, dict)):  # subclasses
            base = list if isinstance(obj, list) else tuple if isinstance(obj, tuple) else dict
            return self._enc(base(obj))
        if hasattr(obj, "item") and hasattr(obj, "dtype"):  # numpy scalar
            return self._enc(obj.item())
        raise _Unsaveable(obj)


class _Decoder:
    """Inverse of :class:`_Encoder`: JSON data with markers back to tuples, tensors, ... A
    marker of the wrong form raises :class:`CheckpointError` naming the file (``source``) and
    the marker's place, the keys from the document's root (``strategy.state.velocity``)."""

    def __init__(self, tensors: dict[str, torch.Tensor], source: str) -> None:
        self.tensors = tensors
        self.source = source

    def __call__(self, obj: Any, path: tuple[str | int, ...]) -> Any:
        if isinstance(obj, list):
            return [self(v, (*path, i)) for i, v in enumerate(obj)]
        if not isinstance(obj, dict):
            return obj
        if len(obj) == 1:
            ((tag, value),) = obj.items()
            if tag in _TAGS:
                return self._marker(tag, value, path)
        return {k: self(v, (*path, k)) for k, v in obj.items()}

    def _error(self, path: tuple[str | int, ...], what: str) -> CheckpointError:
        where = ""
        for key in path:
            where += f"[{key}]" if isinstance(key, int) else (f".{key}" if where else key)
        return CheckpointError(f"{self.source}: {where}: {what}")

    def _marker(self, tag: str, value: Any, path: tuple[str | int, ...]) -> Any:
        """The value of a one-key marker object ``{tag: value}``."""
        if tag == "__tensor__":
            if type(value) is not str or value not in self.tensors:
                raise self._error(path, f"tensor {_short(value)} is missing from the tensor block")
            return self.tensors[value]
        if tag == "__float__":
            if type(value) is not str or value not in ("inf", "-inf", "nan"):
                raise self._error(
                    path, f"bad float {_short(value)} (expected 'inf', '-inf' or 'nan')"
                )
            return float(value)
        if tag == "__dtype__":
            dt = getattr(torch, value, None) if type(value) is str else None
            if not isinstance(dt, torch.dtype):
                raise self._error(path, f"unknown dtype {_short(value)}")
            return dt
        if type(value) is not list:
            raise self._error(path, f"{tag} holds {_short(value)}, expected a list")
        if tag == "__tuple__":
            return tuple(self(v, (*path, i)) for i, v in enumerate(value))
        out = {}  # __items__: [[key, value], ...]
        for i, pair in enumerate(value):
            if type(pair) is not list or len(pair) != 2:
                raise self._error(
                    (*path, i), f"bad dict entry {_short(pair)} (expected [key, value])"
                )
            k = self(pair[0], (*path, i, 0))
            try:
                hash(k)
            except TypeError:
                raise self._error((*path, i), f"unhashable dict key {_short(k)}") from None
            out[k] = self(pair[1], (*path, i, 1))
        return out


def _short(v: Any) -> str:
    """``repr(v)`` on one line, cut to its ends when long."""
    r = " ".join(repr(v).split())
    return r if len(r) <= 60 else f"{r[:40]}...{r[-12:]}"


# --------------------------------------------------------------------------- files


def checkpoint_bytes(*, strategy_state: Any, loop_state: Any, experiment: Any) -> bytes:
    """The bytes :func:`save_checkpoint` writes (tensors are copied now, so later in-place
    changes to the strategy do not leak into them).

    Example::

        data = checkpoint_bytes(strategy_state=s.state_dict(), loop_state={}, experiment=None)
        atomic_write_bytes("ckpt.ckpt", data)
    """
    enc = _Encoder()
    doc = {
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(),
        "strategy": enc(strategy_state, "strategy_state"),
        "loop": enc(loop_state, "loop_state"),
        "experiment": enc(experiment, "experiment"),
    }
    return document_bytes(doc, enc.tensors)


def document_bytes(document: dict[str, Any], tensors: dict[str, torch.Tensor]) -> bytes:
    """A checkpoint file's bytes around an encoded document (JSON data whose tensors, tuples,
    ... are markers such as ``{"__tensor__": "t0"}``) and its tensor block: magic line, header
    with sizes and SHA-256, payload. :func:`read_document` is the inverse.

    Example::

        document, tensors = read_document("a.ckpt")
        Path("b.ckpt").write_bytes(document_bytes(document, tensors))
    """
    body = json.dumps(document, separators=(",", ":"), allow_nan=False).encode("utf-8")
    if tensors:
        buf = io.BytesIO()
        torch.save(tensors, buf)
        tensor_block = buf.getvalue()
    else:
        tensor_block = b""
    digest = hashlib.sha256(body + tensor_block).hexdigest()
    return MAGIC + _header_line(len(body), len(tensor_block), digest) + b"\n" + body + tensor_block


def _header_line(json_bytes: int, tensor_bytes: int, digest: str) -> bytes:
    """The one header line the writer produces (the loader accepts nothing else: the
    checksum covers the payload, so the header must be exact to be trusted)."""
    return json.dumps(
        {
            "format": FORMAT,
            "version": VERSION,
            "json_bytes": json_bytes,
            "tensor_bytes": tensor_bytes,
            "sha256": digest,
        }
    ).encode("ascii")


def save_checkpoint(
    path: str | os.PathLike[str], *, strategy_state: Any, loop_state: Any, experiment: Any
) -> Path:
    """Write a checkpoint atomically and return its path.

    Example::

        save_checkpoint("ckpt.ckpt", strategy_state=s.state_dict(),
                        loop_state={"next_generation": 5, "evaluations": 750}, experiment=None)
    """
    return atomic_write_bytes(
        path,
        checkpoint_bytes(
            strategy_state=strategy_state, loop_state=loop_state, experiment=experiment
        ),
    )


def _nonneg_int(v: Any) -> TypeGuard[int]:
    return isinstance(v, int) and not isinstance(v, bool) and v >= 0


def _use_earlier(p: Path) -> str:
    """The fix for a damaged checkpoint: the command that resumes from the one before it
    (checkpoint names sort by generation: ``gen-000010.ckpt``)."""
    try:
        earlier = sorted(q for q in p.parent.glob("*.ckpt") if q.name < p.name)
    except OSError:
        earlier = []
    if not earlier:
        return f"there is no earlier checkpoint in {p.parent}, so start the run again"
    return f"use an earlier checkpoint with `neuroevo resume --from {earlier[-1]}`"


def load_checkpoint(path: str | os.PathLike[str]) -> Checkpoint:
    """Read and verify a checkpoint written by :func:`save_checkpoint`.

    Raises :class:`CheckpointError` naming the file when it is missing, truncated,
    corrupted or of another format, or holds a marker of the wrong form (naming its place).

    Example::

        ckpt = load_checkpoint("run/checkpoints/gen-000010.ckpt")
        ckpt.loop_state["next_generation"]
    """
    p = Path(path)
    return decode_document(*read_document(p), path=p)


def decode_document(
    document: dict[str, Any], tensors: dict[str, torch.Tensor], *, path: str | os.PathLike[str]
) -> Checkpoint:
    """The :class:`Checkpoint` a document and tensor block (:func:`read_document`) hold, its
    markers decoded; :class:`CheckpointError` names ``path`` and the place of a marker of
    the wrong form."""
    p = Path(path)
    if not isinstance(document, dict) or not {"strategy", "loop", "experiment"} <= set(document):
        raise CheckpointError(f"{p}: checkpoint document lacks strategy/loop/experiment")
    decode = _Decoder(tensors, str(p))
    try:
        return Checkpoint(
            path=p,
            created=str(document.get("created", "")),
            strategy_state=decode(document["strategy"], ("strategy",)),
            loop_state=decode(document["loop"], ("loop",)),
            experiment=decode(document["experiment"], ("experiment",)),
        )
    except RecursionError:  # json.loads read it, but decoding takes a frame more per level
        raise CheckpointError(f"{p}: checkpoint JSON is nested too deeply") from None


def read_document(path: str | os.PathLike[str]) -> tuple[Any, dict[str, torch.Tensor]]:
    """The document (JSON data, markers not decoded) and tensor block of a checkpoint file,
    its header and SHA-256 verified; :class:`CheckpointError` as :func:`load_checkpoint`."""
    p = Path(path)
    raw = read_file_bytes(p, "checkpoint file")
    if not raw.startswith(MAGIC):
        raise CheckpointError(
            f"{p}: not a neuroevo checkpoint (missing the "
            f"{MAGIC.strip().decode()} header); neat-python pickle checkpoints "
            "are not read, for safety"
        )
    end = raw.find(b"\n", len(MAGIC), len(MAGIC) + _MAX_HEADER)
    if end < 0:
        raise CheckpointError(f"{p}: checkpoint header is truncated or corrupted")
    try:
        header = json.loads(raw[len(MAGIC) : end].decode("ascii"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise CheckpointError(f"{p}: checkpoint header is corrupted") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise CheckpointError(f"{p}: checkpoint header is corrupted (format)")
    if header.get("version") != VERSION:
        raise CheckpointError(
            f"{p}: checkpoint version {header.get('version')!r} is not "
            f"supported (this neuroevo reads version {VERSION}); upgrade neuroevo"
        )
    n, m, digest = header.get("json_bytes"), header.get("tensor_bytes"), header.get("sha256")
    if not (_nonneg_int(n) and _nonneg_int(m) and isinstance(digest, str)):
        raise CheckpointError(f"{p}: checkpoint header is corrupted (sizes)")
    if raw[len(MAGIC) : end] != _header_line(n, m, digest):
        raise CheckpointError(f"{p}: checkpoint header is corrupted; {_use_earlier(p)}")
    payload = raw[end + 1 :]
    if len(payload) != n + m:
        raise CheckpointError(
            f"{p}: checkpoint is truncated or has trailing data ({len(payload)} "
            f"payload bytes, expected {n + m}); {_use_earlier(p)}"
        )
    if hashlib.sha256(payload).hexdigest() != digest:
        raise CheckpointError(f"{p}: checkpoint is corrupted (SHA-256 mismatch); {_use_earlier(p)}")
    try:
        doc = json.loads(payload[:n].decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as e:
        raise CheckpointError(f"{p}: checkpoint JSON is invalid: {e}") from None
    tensors: dict[str, torch.Tensor] = {}
    if m:
        try:
            tensors = torch.load(io.BytesIO(payload[n:]), map_location="cpu", weights_only=True)
        except Exception as e:  # torch raises many types on bad archives
            raise CheckpointError(f"{p}: checkpoint tensor block is invalid: {e}") from None
        if not isinstance(tensors, dict) or not all(
            isinstance(t, torch.Tensor) for t in tensors.values()
        ):
            raise CheckpointError(f"{p}: checkpoint tensor block is not a dict of tensors")
    return doc, tensors


__all__ = [
    "Checkpoint",
    "checkpoint_bytes",
    "decode_document",
    "document_bytes",
    "load_checkpoint",
    "read_document",
    "save_checkpoint",
]
