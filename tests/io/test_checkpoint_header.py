"""A checkpoint's header is covered: a byte removed from it is corruption, even whitespace."""

import pytest
import torch

from neuroevo.errors import CheckpointError
from neuroevo.io.checkpoint import load_checkpoint, save_checkpoint


def test_whitespace_removed_from_the_header_is_rejected(tmp_path):
    good = tmp_path / "good.ckpt"
    save_checkpoint(
        good,
        strategy_state={"w": torch.arange(6.0)},
        loop_state={"next_generation": 1},
        experiment=None,
    )
    load_checkpoint(good)  # intact: loads
    raw = good.read_bytes()
    i = raw.index(b", ", 20) + 1  # a space between two header fields (JSON ignores it)
    bad = tmp_path / "bad.ckpt"
    bad.write_bytes(raw[:i] + raw[i + 1 :])
    with pytest.raises(CheckpointError, match="header"):
        load_checkpoint(bad)
