"""A strategy whose candidates no code of neuroevo knows (tests/strategies/matrix_strategy.py:
linear policies stored as matrices) runs everywhere a built-in strategy runs -- serially,
on worker processes, on Ray, on islands, with a proof of its solution on CartPole and with
episode pictures -- through the Strategy interface alone (issue 18: "adding a strategy with a
new representation means writing one class").

The reference for the parallel runs is the serial run: the same seed gives the same fitness,
generation by generation. The reference for the network of one candidate is the candidate's
own row of the population's policy.
"""

from __future__ import annotations

import pytest
import torch

import neuroevo as ne
from neuroevo.reporting.episode import EpisodePlot
from neuroevo.run import registry
from tests.strategies.matrix_strategy import MatrixES, MatrixPolicy


def _task(**kw):
    return ne.tasks.Control("CartPole-v1", episodes=2, **kw)


def _history(result):
    return [(s.best_fitness, s.mean_fitness) for s in result.history]


def _run(**kw):
    return ne.evolve(MatrixES(pop_size=16), _task(), generations=3, seed=5, **kw)


def test_serial_run_improves_and_the_best_network_is_the_candidates_row():
    result = ne.evolve(MatrixES(pop_size=32), _task(), generations=6, seed=1)
    first, last = result.history[0], result.history[-1]
    assert last.best_fitness_so_far > first.mean_fitness  # the search is not idle
    strategy = result.strategy
    one = strategy.network_of()
    x = torch.randn(5, 4, dtype=torch.float64)
    want = x @ result.best[:, :-1].T + result.best[:, -1]
    torch.testing.assert_close(one(x)[0], want, rtol=0, atol=1e-12)


def test_worker_processes_give_the_serial_run(process_backend):
    assert _history(_run(backend=process_backend)) == _history(_run())


def test_ray_actors_give_the_serial_run(ray_session):
    assert _history(_run(workers=2, backend="ray")) == _history(_run())


def test_a_solution_on_cartpole_is_proved_with_fresh_episodes():
    task = _task(fitness_threshold=500.0, solve_episodes=10)
    result = ne.evolve(MatrixES(pop_size=32), task, generations=30, seed=2)
    assert result.solved
    # the proof played fresh episodes: more evaluations than the generations' own
    assert result.evaluations > 32 * 2 * result.generations
    # and the proved candidate holds the pole on 20 other fresh episodes
    best = result.strategy.network_of()
    scores = ne.tasks.Control("CartPole-v1", episodes=20).evaluate(
        best, generator=torch.Generator().manual_seed(123)
    )
    assert float(scores[0]) >= 475.0


def test_islands_exchange_matrices():
    islands = ne.Islands(
        [MatrixES(pop_size=16), MatrixES(pop_size=16)],
        _task(),
        migration_interval=2,
        migrants=2,
        seed=3,
        asynchronous=False,
        backend="local",
    )
    result = islands.run(4)
    assert result.generations == [4, 4]
    # generations 2 and 4 received two migrants each, scored again on the receiving island
    received = [[g.immigrants for g in h] for h in result.histories]
    assert received == [[0, 2, 0, 2], [0, 2, 0, 2]]


def test_episode_pictures_of_the_best_matrix(tmp_path):
    pytest.importorskip("matplotlib")
    notes: list[str] = []
    ne.evolve(
        MatrixES(pop_size=16),
        _task(),
        generations=2,
        seed=4,
        reporters=[EpisodePlot(tmp_path, notes=notes)],
    )
    assert notes == []
    assert (tmp_path / "episode.png").stat().st_size > 1000
    assert (tmp_path / "episode_frames.png").is_file()


def test_registered_by_name_for_experiment_files():
    registry.register_strategy("matrix-es-test", MatrixES)
    try:
        task = _task()
        strategy = registry.make_strategy(
            "matrix-es-test", {"pop_size": 8}, task=task, base_dir="."
        )
        assert isinstance(strategy, MatrixES) and strategy.population_size == 8
        strategy.setup(
            num_inputs=4, num_outputs=2, seed=0, device=torch.device("cpu"), dtype=torch.float32
        )
        assert isinstance(strategy.ask(), MatrixPolicy)
    finally:
        registry.STRATEGIES.entries.pop("matrix-es-test", None)


def test_the_command_line_runs_it_on_worker_processes_as_in_one(tmp_path):
    """`neuroevo run` with --workers 2 --backend process, the strategy named in the
    experiment file: the same generations as the serial command, checkpoints included."""
    import json

    from neuroevo.run.cli import main

    registry.register_strategy("matrix-es-cli", MatrixES)
    try:
        exp = tmp_path / "matrix.toml"
        exp.write_text(
            '[experiment]\ngenerations = 2\nseed = 1\ndevice = "cpu"\n'
            '[task]\nname = "cartpole"\nepisodes = 2\n'
            '[strategy]\nname = "matrix-es-cli"\npop_size = 8\n'
        )
        runs = {}
        for name, extra in (
            ("serial", []),
            ("workers", ["--workers", "2", "--backend", "process"]),
        ):
            out = tmp_path / name
            assert main(["run", str(exp), "--out", str(out), "--quiet", *extra]) == 0
            lines = (out / "stats.jsonl").read_text().splitlines()
            runs[name] = [(r["best_fitness"], r["mean_fitness"]) for r in map(json.loads, lines)]
            assert any((out / "checkpoints").iterdir())
        assert len(runs["serial"]) == 2 and runs["workers"] == runs["serial"]
    finally:
        registry.STRATEGIES.entries.pop("matrix-es-cli", None)
