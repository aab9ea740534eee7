"""How a run ended (RunStatus), handed to reporters; no global random state touched."""

from __future__ import annotations

import random

import pytest
import torch

import neuroevo as ne
from neuroevo.loop import Reporter, RunStatus
from tests.loop.stubs import Climb, Score


class Seen(Reporter):
    def on_end(self, result):
        self.status = result.status


@pytest.mark.parametrize(
    "task,status,raises",
    [
        (Score(), RunStatus.FINISHED, None),
        (Score(threshold=2.0), RunStatus.SOLVED, None),
        (Score(fail_at=2), RunStatus.INTERRUPTED, KeyboardInterrupt),
        (Score(fail_at=2, error=RuntimeError), RunStatus.FAILED, RuntimeError),
    ],
)
def test_reporters_see_how_the_run_ended(task, status, raises):
    seen = Seen()
    if raises is None:
        result = ne.evolve(Climb(), task, generations=4, seed=1, device="cpu", reporters=[seen])
        assert result.status is status
        assert result.solved == (status is RunStatus.SOLVED)
    else:
        with pytest.raises(raises):
            ne.evolve(Climb(), task, generations=4, seed=1, device="cpu", reporters=[seen])
    assert seen.status is status
    assert seen.status.completed == (raises is None)


def test_solved_run_with_stop_on_solve_false_still_reports_solved():
    # the threshold 2.0 is reached in generation 1 (outputs 1, 1.5, 2); the run goes on to 4
    result = ne.evolve(
        Climb(), Score(threshold=2.0), generations=4, seed=1, device="cpu", stop_on_solve=False
    )
    assert (result.status, result.generations) == (RunStatus.SOLVED, 4)


def test_seed_none_leaves_global_generators_alone():
    torch.manual_seed(123)
    random.seed(5)
    torch_state, py_state = torch.random.get_rng_state(), random.getstate()
    a, b = Score(), Score()
    ne.evolve(Climb(), a, generations=2, seed=None, device="cpu")
    ne.evolve(Climb(), b, generations=2, seed=None, device="cpu")
    assert torch.equal(torch.random.get_rng_state(), torch_state)
    assert random.getstate() == py_state
    # fresh entropy each run: the task's generator streams differ between the two runs
    assert a.seeds != b.seeds and len(set(a.seeds)) == 2


def test_same_seed_same_task_stream():
    a, b = Score(), Score()
    ne.evolve(Climb(), a, generations=3, seed=7, device="cpu")
    ne.evolve(Climb(), b, generations=3, seed=7, device="cpu")
    assert a.seeds == b.seeds
