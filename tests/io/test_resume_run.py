"""An interrupted NEAT run on XOR, resumed from its checkpoint, ends as the uninterrupted run."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import neuroevo as ne
from neuroevo.errors import CheckpointError
from neuroevo.io.genome_json import genome_to_dict
from neuroevo.loop import Reporter
from neuroevo.reporting.checkpointer import Checkpointer, list_checkpoints
from neuroevo.run.experiment_file import experiment_snapshot
from neuroevo.run.resume import resume

CONFIGS = Path(__file__).resolve().parents[2] / "configs"
GENS = 7


def _experiment(tmp_path: Path) -> Path:
    shutil.copy(CONFIGS / "xor.ini", tmp_path / "xor.ini")
    path = tmp_path / "exp.toml"
    path.write_text(
        f"[experiment]\ngenerations = {GENS}\nseed = 4\nstop_on_solve = false\n"
        '[task]\nname = "xor"\n[strategy]\nname = "neat"\nconfig = "xor.ini"\n'
        "pop_size = 40\n"
    )
    return path


def _run(exp_path, reporters, task_wrapper=None):
    exp = ne.load_experiment(exp_path)
    task = ne.tasks.make("xor")
    if task_wrapper is not None:
        task = task_wrapper(task)
    strategy = ne.NEAT(ne.load_config(exp.base_dir / "xor.ini"), pop_size=40)
    result = ne.evolve(
        strategy,
        task,
        generations=GENS,
        seed=4,
        device="cpu",
        reporters=reporters,
        stop_on_solve=False,
    )
    return result


def _fingerprint(result):
    pop = result.strategy.population
    return (
        [genome_to_dict(g) for g in pop.population.values()],
        result.best_fitness,
        [(s.generation, s.best_fitness, s.mean_fitness, s.evaluations) for s in result.history],
    )


class Interrupt(Reporter):
    def __init__(self, at):
        self.at = at

    def on_generation(self, stats, strategy):
        if stats.generation == self.at:
            raise KeyboardInterrupt


class InterruptingTask:
    """Raises KeyboardInterrupt inside the evaluation of generation ``at``."""

    def __init__(self, task, at):
        self.task, self.at, self.calls = task, at, 0

    def __getattr__(self, name):
        return getattr(self.task, name)

    def evaluate(self, policy, *, generator=None):
        if self.calls == self.at:
            raise KeyboardInterrupt
        self.calls += 1
        return self.task.evaluate(policy, generator=generator)


@pytest.mark.parametrize("mode", ["between_generations", "inside_evaluation"])
def test_resume_equals_uninterrupted(tmp_path, mode):
    exp_path = _experiment(tmp_path)
    expected = _fingerprint(_run(exp_path, []))

    run_dir = tmp_path / "run"
    ckpt = Checkpointer(
        run_dir,
        every=2,
        experiment=experiment_snapshot(exp_path),
        seed=4,
        device="cpu",
        stop_on_solve=False,
        snapshot_overhead=float("inf"),
    )
    with pytest.raises(KeyboardInterrupt):
        if mode == "between_generations":
            _run(exp_path, [ckpt, Interrupt(at=3)])
        else:
            _run(exp_path, [ckpt], task_wrapper=lambda t: InterruptingTask(t, at=5))
    names = [p.name for p in list_checkpoints(run_dir)]
    assert names[-1] == ("gen-000004.ckpt" if mode == "between_generations" else "gen-000005.ckpt")

    result = resume(run_dir)
    assert result.generations == GENS
    got = _fingerprint(result)
    assert got[1] == expected[1]
    assert got[2] == expected[2]
    assert got[0] == expected[0]
    assert (run_dir / "experiment" / "xor.ini").is_file()
    assert list_checkpoints(run_dir)[-1].name == f"gen-{GENS:06d}.ckpt"


def test_resume_without_checkpoints(tmp_path):
    with pytest.raises(CheckpointError, match="no checkpoints"):
        resume(tmp_path)


def test_adaptive_snapshots_still_resume_exactly(tmp_path):
    """With the default overhead cap the snapshot may be older; the resumed run is still exact."""
    exp_path = _experiment(tmp_path)
    expected = _fingerprint(_run(exp_path, []))
    run_dir = tmp_path / "run"
    ckpt = Checkpointer(
        run_dir,
        every=100,
        experiment=experiment_snapshot(exp_path),
        seed=4,
        device="cpu",
        stop_on_solve=False,
        snapshot_overhead=1e-9,
    )  # first snapshot only
    with pytest.raises(KeyboardInterrupt):
        _run(exp_path, [ckpt, Interrupt(at=4)])
    assert [p.name for p in list_checkpoints(run_dir)] == ["gen-000001.ckpt"]
    assert _fingerprint(resume(run_dir)) == expected
