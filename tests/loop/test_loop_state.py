"""The checkpoint's loop state: one schema (LoopState) that the Checkpointer writes and resume
reads, in the JSON layout checkpoints have always had.

Reference: the dict the Checkpointer wrote before LoopState existed, built here literally,
field by field, as its ``_encode`` built it.
"""

from __future__ import annotations

import dataclasses

import pytest
import torch

from neuroevo.errors import CheckpointError
from neuroevo.io.checkpoint import load_checkpoint, save_checkpoint
from neuroevo.loop import GenerationStats
from neuroevo.loop.loop_state import DTYPE_NAMES, LoopState
from neuroevo.run.build import DTYPES

STATS = [
    GenerationStats(0, 2.5, 1.25, 0.5, 2.5, 40, 0.125, 320.0, {"species": 3.0}),
    GenerationStats(1, float("-inf"), 1.0, 0.25, 2.5, 80, 0.25, 160.0, {}),
]


def _row(s: GenerationStats) -> dict:
    """A history row as the Checkpointer wrote it (``_stored``: every field but notes and
    fitness, in GenerationStats' order)."""
    return {
        "generation": s.generation,
        "best_fitness": s.best_fitness,
        "mean_fitness": s.mean_fitness,
        "std_fitness": s.std_fitness,
        "best_fitness_so_far": s.best_fitness_so_far,
        "evaluations": s.evaluations,
        "seconds": s.seconds,
        "evaluations_per_second": s.evaluations_per_second,
        "extra": dict(s.extra),
    }


def _old_layout(**more) -> dict:
    """The loop state as the Checkpointer wrote it before LoopState (its ``_encode``)."""
    return {
        "next_generation": 2,
        "evaluations": 80,
        "generations_left": 5,
        "solved": False,
        "strategy": "neat",
        "task": "xor",
        "history": [_row(s) for s in STATS],
        "seed": 4,
        "device": "cpu",
        "dtype": "float64",
        "stop_on_solve": False,
        **more,
    }


def test_the_layout_written_before_loads_and_is_written_again_unchanged():
    task_state = {"observation_stats": {"count": torch.ones(3), "min_var": 1e-8}}
    proofs = {"proofs": {"0" * 32: {"means": [200.0], "stderr": 1.5}}}
    for more in ({}, {"task_state": task_state, "proofs": proofs}):
        old = _old_layout(**more)
        state = LoopState.from_dict(old)
        assert (state.next_generation, state.evaluations, state.generations_left) == (2, 80, 5)
        assert (state.seed, state.device, state.dtype) == (4, "cpu", "float64")
        assert (state.solved, state.stop_on_solve) == (False, False)
        assert (state.strategy, state.task) == ("neat", "xor")
        assert state.history == tuple(STATS)
        assert state.has_task_state == bool(more)
        assert state.task_state is more.get("task_state")
        assert state.proofs is more.get("proofs")
        assert state.to_dict() == old and list(state.to_dict()) == list(old)


def test_fields_a_file_lacks_take_the_defaults_resume_always_gave():
    state = LoopState.from_dict({"next_generation": 3, "evaluations": 9})
    assert state == LoopState(next_generation=3, evaluations=9)
    assert (state.generations_left, state.solved, state.stop_on_solve) == (0, False, True)
    assert (state.dtype, state.history, state.has_task_state) == ("float32", (), False)


def test_a_loop_state_round_trips_through_a_checkpoint_file(tmp_path):
    state = LoopState(
        next_generation=2,
        evaluations=80,
        generations_left=1,
        solved=True,
        strategy="pso",
        task="cartpole",
        history=tuple(STATS),
        seed=None,
        device="cuda:1",
        dtype="float32",
        task_state={"observation_stats": {"count": torch.arange(3.0)}},
        proofs={"proofs": {}},
    )
    path = save_checkpoint(
        tmp_path / "c.ckpt", strategy_state={}, loop_state=state.to_dict(), experiment=None
    )
    back = LoopState.read(load_checkpoint(path))
    count = back.task_state["observation_stats"]["count"]
    assert torch.equal(count, torch.arange(3.0))  # a tensor compares by value, the rest as data
    assert back == dataclasses.replace(state, task_state=back.task_state)


def test_notes_and_fitness_stay_out_of_the_file():
    noted = GenerationStats(0, 1.0, 1.0, 0.0, 1.0, 4, 0.1, 40.0, {}, ("compile: 2 s",))
    noted = dataclasses.replace(noted, fitness=torch.ones(4))
    row = LoopState(1, 4, history=(noted,)).to_dict()["history"][0]
    assert "notes" not in row and "fitness" not in row
    # rows written with dataclasses.asdict held the notes: still read, and dropped
    old_row = {**row, "notes": ["compile: 2 s"]}
    back = LoopState.from_dict({"next_generation": 1, "evaluations": 4, "history": [old_row]})
    assert back.history[0].notes == () and back.history[0].best_fitness == 1.0


@pytest.mark.parametrize(
    "change, words",
    [
        ({"next_generation": -1}, "loop.next_generation: expected an integer >= 0, got -1"),
        ({"evaluations": "9"}, "loop.evaluations: expected an integer"),
        ({"seed": 1.5}, "loop.seed: expected an integer"),
        ({"device": "toaster"}, "loop.device: expected a device name such as 'cpu'"),
        ({"dtype": "float16"}, "loop.dtype: expected one of ['float32', 'float64']"),
        ({"solved": 1}, "loop.solved: expected true or false, got 1"),
        ({"strategy": 5}, "loop.strategy: expected a name, got 5"),
        ({"history": {}}, "loop.history: expected a list"),
        ({"task_state": None}, "loop.task_state: expected an object, got None"),
        ({"proofs": [1]}, "loop.proofs: expected an object"),
        ({"zz": 1}, "loop: unknown fields ['zz']"),
    ],
)
def test_a_bad_field_is_one_line_naming_it(change, words):
    with pytest.raises(CheckpointError) as e:
        LoopState.from_dict({**_old_layout(), **change})
    assert words in str(e.value) and "\n" not in str(e.value)


def test_a_bad_history_row_names_its_place():
    rows = [_row(STATS[0]), {**_row(STATS[1]), "extra": []}]
    with pytest.raises(CheckpointError, match=r"loop\.history\[1\]\.extra: expected an object"):
        LoopState.from_dict(_old_layout(history=rows))
    with pytest.raises(CheckpointError, match=r"loop\.history\[0\]: unknown fields \['fitness'\]"):
        LoopState.from_dict(_old_layout(history=[{**_row(STATS[0]), "fitness": [1.0]}]))


def test_the_dtypes_a_checkpoint_may_name_are_those_a_run_takes():
    assert set(DTYPE_NAMES) == set(DTYPES)
