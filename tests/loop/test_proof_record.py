"""A checkpoint's proof record holds only what a race can leave; anything else is one
CheckpointError, never a NaN fitness in a resumed run.

A race (neuroevo.loop.confirm._race) plays heat 1, then heat 2 and heat 3 only while the
candidate's mean is at the threshold, and gives the standard error of heat 3 only: so a
proof has one to three finite means, every mean before the last at the threshold, and a
finite standard error >= 0 exactly when it has three. Keys are the 32 hex digits of a
network hash (blake2b, 16 bytes).
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from neuroevo.errors import CheckpointError
from neuroevo.io.checkpoint import document_bytes, read_document
from neuroevo.loop.confirm import Proof, ProofRecord
from neuroevo.reporting.checkpointer import list_checkpoints
from neuroevo.run.cli import main
from neuroevo.run.resume import load_resume_point

CONFIGS = Path(__file__).resolve().parents[2] / "configs"
KEY = "0123456789abcdef0123456789abcdef"
THRESHOLD = 3.9  # XOR's

#: what races leave (the race of _race, by hand): out in heat 1, 2 or 3, or proved
POSSIBLE = {
    "out in heat 1": {"means": [1.5], "stderr": None},
    "out in heat 2": {"means": [3.95, 3.1], "stderr": None},
    "failed replication": {"means": [3.95, 3.9, 3.92], "stderr": 0.01},
    "proved": {"means": [4.0, 3.99, 3.98], "stderr": 0.0},
    "integer means": {"means": [4, 4, 4], "stderr": 0},
}
IMPOSSIBLE = {
    "mean 'nan'": {"means": ["nan"], "stderr": None},
    "mean 'inf'": {"means": [4.0, "inf"], "stderr": None},
    "mean nan": {"means": [math.nan], "stderr": None},
    "mean -inf": {"means": [-math.inf], "stderr": None},
    "mean true": {"means": [True], "stderr": None},
    "mean beyond float64": {"means": [10**400], "stderr": None},
    "no heat": {"means": [], "stderr": None},
    "four heats": {"means": [4.0, 4.0, 4.0, 4.0], "stderr": 0.1},
    "negative stderr": {"means": [4.0, 4.0, 4.0], "stderr": -0.5},
    "stderr 'inf'": {"means": [4.0, 4.0, 4.0], "stderr": "inf"},
    "stderr nan": {"means": [4.0, 4.0, 4.0], "stderr": math.nan},
    "three heats without stderr": {"means": [4.0, 4.0, 4.0], "stderr": None},
    "stderr before heat 3": {"means": [4.0, 4.0], "stderr": 0.1},
    "race on after a failed heat 1": {"means": [3.0, 4.0], "stderr": None},
    "race on after a failed heat 2": {"means": [4.0, 3.5, 4.0], "stderr": 0.1},
    "means not a list": {"means": "4.0", "stderr": None},
    "missing stderr": {"means": [1.0]},
    "unknown field": {"means": [1.0], "stderr": None, "passed": True},
}
BAD_KEYS = ["ab", "", "0123456789ABCDEF0123456789ABCDEF", KEY + "0"]


@pytest.mark.parametrize("name", POSSIBLE)
def test_what_a_race_leaves_loads(name):
    record = ProofRecord()
    record.load_state_dict({"proofs": {KEY: POSSIBLE[name]}}, threshold=THRESHOLD)
    entry = POSSIBLE[name]
    assert record.proofs == {
        KEY: Proof(
            tuple(float(m) for m in entry["means"]),
            None if entry["stderr"] is None else float(entry["stderr"]),
        )
    }


@pytest.mark.parametrize("name", IMPOSSIBLE)
def test_every_impossible_proof_is_one_checkpoint_error(name):
    record = ProofRecord()
    record.proofs = {"f" * 32: Proof((4.0,))}
    with pytest.raises(CheckpointError) as e:
        record.load_state_dict({"proofs": {KEY: IMPOSSIBLE[name]}}, threshold=THRESHOLD)
    assert "\n" not in str(e.value) and KEY in str(e.value)
    assert record.proofs == {"f" * 32: Proof((4.0,))}  # unchanged


@pytest.mark.parametrize("key", BAD_KEYS)
def test_a_key_that_is_no_network_hash_is_refused(key):
    with pytest.raises(CheckpointError, match="network hash"):
        ProofRecord().load_state_dict({"proofs": {key: {"means": [1.0], "stderr": None}}})


@pytest.mark.parametrize("state", [None, [], {}, {"proofs": [1]}, {"proofs": {}, "more": 1}])
def test_a_record_of_the_wrong_shape_is_refused(state):
    with pytest.raises(CheckpointError, match="proof record"):
        ProofRecord().load_state_dict(state)


@pytest.fixture(scope="module")
def xor_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("proofs") / "run"
    assert (
        main(
            [
                "run",
                str(CONFIGS / "xor_ga.toml"),
                "--generations",
                "2",
                "--out",
                str(out),
                "--device",
                "cpu",
                "--checkpoint-every",
                "1",
                "--quiet",
            ]
        )
        == 0
    )
    newest = list_checkpoints(out)[-1]
    return out, newest, newest.read_bytes()


@pytest.mark.parametrize(
    "name", ["mean 'nan'", "four heats", "negative stderr", "race on after a failed heat 1"]
)
def test_resume_refuses_an_impossible_record_naming_the_file(xor_run, name):
    out, newest, raw = xor_run
    document, tensors = read_document(newest)
    document["loop"]["proofs"] = {"proofs": {KEY: IMPOSSIBLE[name]}}
    newest.write_bytes(document_bytes(document, tensors))
    try:
        with pytest.raises(CheckpointError) as e:
            load_resume_point(out, generations=1)
    finally:
        newest.write_bytes(raw)
    assert str(e.value).startswith(str(newest)) and "\n" not in str(e.value)


def test_resume_takes_a_possible_record(xor_run):
    out, newest, raw = xor_run
    document, tensors = read_document(newest)
    document["loop"]["proofs"] = {"proofs": {KEY: POSSIBLE["failed replication"]}}
    newest.write_bytes(document_bytes(document, tensors))
    try:
        point = load_resume_point(out, generations=1)
    finally:
        newest.write_bytes(raw)
    assert point.setup.proofs.proofs == {KEY: Proof((3.95, 3.9, 3.92), 0.01)}
