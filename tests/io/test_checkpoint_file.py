"""Checkpoint files: exact round trip of JSON data and tensors; damage is detected."""

from __future__ import annotations

import json

import pytest
import torch

from neuroevo.errors import CheckpointError
from neuroevo.io.checkpoint import MAGIC, load_checkpoint, save_checkpoint


def _state():
    g = torch.Generator().manual_seed(3)
    return {
        "weights": torch.randn(4, 5, generator=g, dtype=torch.float64),
        "gen_state": g.get_state(),
        "best_fitness": float("-inf"),
        "tuple": (1, 2.5, "x"),
        "int_keys": {3: "a", -1: [1, 2]},
        "tricky": {"__tensor__": "not a tensor"},
        "dtype": torch.float16,
        "nested": [{"a": None, "b": True}],
    }


def test_round_trip_exact(tmp_path):
    s = _state()
    path = save_checkpoint(
        tmp_path / "c.ckpt",
        strategy_state=s,
        loop_state={"next_generation": 7},
        experiment={"file": "xor.toml", "text": "[task]\n"},
    )
    ck = load_checkpoint(path)
    got = ck.strategy_state
    assert torch.equal(got["weights"], s["weights"]) and got["weights"].dtype == torch.float64
    g2 = torch.Generator()
    g2.set_state(got["gen_state"])
    g1 = torch.Generator().manual_seed(3)
    torch.randn(4, 5, generator=g1, dtype=torch.float64)
    assert torch.equal(torch.rand(3, generator=g1), torch.rand(3, generator=g2))
    assert got["best_fitness"] == float("-inf")
    assert got["tuple"] == (1, 2.5, "x") and isinstance(got["tuple"], tuple)
    assert got["int_keys"] == {3: "a", -1: [1, 2]}
    assert got["tricky"] == {"__tensor__": "not a tensor"}
    assert got["dtype"] is torch.float16
    assert got["nested"] == [{"a": None, "b": True}]
    assert ck.loop_state == {"next_generation": 7}
    assert ck.experiment["file"] == "xor.toml"
    assert not list(tmp_path.glob("*.tmp"))


def test_objects_are_refused_at_save_time(tmp_path):
    with pytest.raises(CheckpointError, match=r"strategy_state\['obj'\]"):
        save_checkpoint(
            tmp_path / "c.ckpt", strategy_state={"obj": object()}, loop_state={}, experiment=None
        )
    assert not (tmp_path / "c.ckpt").exists()


def test_pickle_is_not_loaded(tmp_path):
    path = tmp_path / "p.ckpt"
    torch.save({"a": torch.zeros(2)}, path)
    with pytest.raises(CheckpointError, match="not a neuroevo checkpoint"):
        load_checkpoint(path)


def test_every_truncation_is_detected(tmp_path):
    path = save_checkpoint(
        tmp_path / "c.ckpt", strategy_state=_state(), loop_state={}, experiment=None
    )
    raw = path.read_bytes()
    bad = tmp_path / "t.ckpt"
    for cut in range(0, len(raw), max(1, len(raw) // 300)):
        bad.write_bytes(raw[:cut])
        with pytest.raises(CheckpointError):
            load_checkpoint(bad)


def test_tampered_payload_fails_checksum(tmp_path):
    path = save_checkpoint(
        tmp_path / "c.ckpt", strategy_state={"x": 1}, loop_state={}, experiment=None
    )
    raw = path.read_bytes()
    path.write_bytes(raw.replace(b'"x":1', b'"x":2'))
    with pytest.raises(CheckpointError, match="SHA-256"):
        load_checkpoint(path)


def test_header_is_readable_json(tmp_path):
    path = save_checkpoint(tmp_path / "c.ckpt", strategy_state={}, loop_state={}, experiment=None)
    raw = path.read_bytes()
    header = json.loads(raw[len(MAGIC) : raw.index(b"\n", len(MAGIC))])
    assert header["format"] == "neuroevo.checkpoint" and len(header["sha256"]) == 64


def test_missing_file(tmp_path):
    with pytest.raises(CheckpointError, match="no such"):
        load_checkpoint(tmp_path / "none.ckpt")
