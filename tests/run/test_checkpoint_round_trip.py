"""Every strategy's checkpoint round-trips: the loop state and the strategy state written by
the Checkpointer are read back by resume as they were, and the resumed run continues exactly.

Reference: the same experiment and seed run without interruption (NEAT on both engines, GA,
PSO, SA and Adam on XOR). A run is interrupted after ``SPLIT`` of ``GENERATIONS``
generations; its newest checkpoint must hold the loop state of that moment (the
uninterrupted run's statistics of the first ``SPLIT`` generations, the generations left,
seed, device, dtype), a strategy state tagged with the strategy's name that a fresh strategy
takes and gives back unchanged, and resuming it must end with the uninterrupted run's
statistics and strategy state. A checkpoint of the vector strategies' earlier layout (their
name under ``"name"``) resumes just as exactly.
"""

from __future__ import annotations

import math
import shutil
from pathlib import Path
from typing import Any

import pytest
import torch

from neuroevo.io.checkpoint import document_bytes, load_checkpoint, read_document
from neuroevo.loop import Reporter, evolve
from neuroevo.loop.loop_state import LoopState
from neuroevo.reporting.checkpointer import list_checkpoints
from neuroevo.run.build import build, checkpointer
from neuroevo.run.experiment_file import load_experiment
from neuroevo.run.resume import load_resume_point, resume
from neuroevo.strategies.state_tag import TAG
from tests.io.test_resume_run import Interrupt

CONFIGS = Path(__file__).resolve().parents[2] / "configs"
GENERATIONS, SPLIT = 4, 2
STRATEGY_TABLES = {
    "neat": 'name = "neat"\nconfig = "xor.ini"\npop_size = 10\n',
    "neat-tensor": 'name = "neat"\nconfig = "xor.ini"\nengine = "tensor"\npop_size = 10\n',
    "ga": 'name = "ga"\nhidden = [2]\npop_size = 6\n',
    "pso": 'name = "pso"\nhidden = [2]\npop_size = 6\n',
    "sa": 'name = "sa"\nhidden = [2]\npop_size = 6\n',
    "adam": 'name = "adam"\nhidden = [2]\nrestarts = 2\n',
}
VECTOR = ("ga", "pso", "sa", "adam")
#: the loop state's fields as the Checkpointer wrote them before LoopState
OLD_LOOP_FIELDS = [
    "next_generation",
    "evaluations",
    "generations_left",
    "solved",
    "strategy",
    "task",
    "history",
    "seed",
    "device",
    "dtype",
    "stop_on_solve",
]


def _figures(history: Any) -> list[tuple[Any, ...]]:
    """What a generation's statistics say of the run (not the wall time it took)."""
    return [
        (
            s.generation,
            s.best_fitness,
            s.mean_fitness,
            s.std_fitness,
            s.best_fitness_so_far,
            s.evaluations,
            s.extra,
        )
        for s in history
    ]


def _same(a: Any, b: Any, where: str = "state") -> None:
    """``a`` and ``b`` hold the same data: tensors equal in dtype, shape and values (NaN at the
    same places), numbers equal (NaN equals NaN), containers equal element by element."""
    if isinstance(a, torch.Tensor):
        assert isinstance(b, torch.Tensor) and a.dtype == b.dtype, where
        assert torch.equal(a.cpu(), b.cpu()) or torch.allclose(a, b, rtol=0, atol=0, equal_nan=True)
    elif isinstance(a, dict):
        assert isinstance(b, dict) and list(a) == list(b), f"{where}: {list(a)} != {list(b)}"
        for k in a:
            _same(a[k], b[k], f"{where}.{k}")
    elif isinstance(a, (list, tuple)):
        assert isinstance(b, (list, tuple)) and len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            _same(x, y, f"{where}[{i}]")
    elif isinstance(a, float) and math.isnan(a):
        assert isinstance(b, float) and math.isnan(b), where
    else:
        assert a == b, f"{where}: {a!r} != {b!r}"


def _setup(root: Path, name: str):
    shutil.copy(CONFIGS / "xor.ini", root / "xor.ini")
    exp = root / f"{name}.toml"
    exp.write_text(
        f"[experiment]\ngenerations = {GENERATIONS}\nseed = 3\nstop_on_solve = false\n"
        f'[task]\nname = "xor"\n[strategy]\n{STRATEGY_TABLES[name]}'
    )
    setup = build(load_experiment(exp), seed=3, device="cpu")
    setup.prepare()
    return setup


def _evolve(setup, reporters):
    return evolve(
        setup.strategy,
        setup.task,
        generations=GENERATIONS,
        setup=False,
        reporters=reporters,
        **setup.evolve_kwargs(),
    )


class Nothing(Reporter):
    """A reporter that keeps resume from adding its default Checkpointer."""


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """``runs(name)``: (the uninterrupted run's result, the interrupted run's folder), once
    per strategy and module."""
    made: dict[str, tuple[Any, Path]] = {}

    def get(name: str) -> tuple[Any, Path]:
        if name not in made:
            root = tmp_path_factory.mktemp(name)
            whole = _evolve(_setup(root, name), [])
            setup, run_dir = _setup(root, name), root / "run"
            with pytest.raises(KeyboardInterrupt):
                _evolve(setup, [checkpointer(run_dir, setup, every=1), Interrupt(at=SPLIT - 1)])
            made[name] = (whole, run_dir)
        return made[name]

    return get


@pytest.mark.parametrize("name", sorted(STRATEGY_TABLES))
def test_the_loop_state_written_is_the_one_resume_reads(runs, name):
    whole, run_dir = runs(name)
    ckpt = load_checkpoint(list_checkpoints(run_dir)[-1])
    assert list(ckpt.loop_state) == OLD_LOOP_FIELDS  # the layout of before
    loop = LoopState.read(ckpt)
    assert loop.to_dict() == ckpt.loop_state
    assert (loop.next_generation, loop.generations_left) == (SPLIT, GENERATIONS - SPLIT)
    assert loop.evaluations == whole.history[SPLIT - 1].evaluations
    assert (loop.seed, loop.device, loop.dtype, loop.stop_on_solve) == (3, "cpu", "float32", False)
    assert (loop.strategy, loop.task, loop.solved) == (whole.strategy.name, "xor", False)
    assert _figures(loop.history) == _figures(whole.history[:SPLIT])


@pytest.mark.parametrize("name", sorted(STRATEGY_TABLES))
def test_the_strategy_state_is_tagged_and_taken_back_unchanged(runs, name):
    whole, run_dir = runs(name)
    ckpt = load_checkpoint(list_checkpoints(run_dir)[-1])
    assert ckpt.strategy_state[TAG] == whole.strategy.name
    assert "name" not in ckpt.strategy_state  # one tag key, for every strategy
    restored = load_resume_point(run_dir).setup.strategy
    _same(restored.state_dict(), ckpt.strategy_state)


@pytest.mark.parametrize("name", sorted(STRATEGY_TABLES))
def test_the_resumed_run_ends_as_the_uninterrupted_one(runs, name, tmp_path):
    whole, run_dir = runs(name)
    copy = tmp_path / "run"
    shutil.copytree(run_dir, copy)
    result = resume(copy, reporters=[Nothing()])
    assert result.generations == GENERATIONS
    assert _figures(result.history) == _figures(whole.history)
    _same(result.strategy.state_dict(), whole.strategy.state_dict())


@pytest.mark.parametrize("name", VECTOR)
def test_a_checkpoint_with_the_old_tag_key_resumes_exactly(runs, name, tmp_path):
    """Vector strategies tagged their state ``{"name": ...}`` before the one tag key."""
    whole, run_dir = runs(name)
    copy = tmp_path / "run"
    shutil.copytree(run_dir, copy)
    newest = list_checkpoints(copy)[-1]
    document, tensors = read_document(newest)
    document["strategy"] = {("name" if k == TAG else k): v for k, v in document["strategy"].items()}
    newest.write_bytes(document_bytes(document, tensors))
    assert "name" in load_checkpoint(newest).strategy_state
    result = resume(copy, reporters=[Nothing()])
    assert _figures(result.history) == _figures(whole.history)
    _same(result.strategy.state_dict(), whole.strategy.state_dict())
