"""A run's plots name the task and the strategy, draw the task's threshold, and the species
plot covers exactly the generations the run evaluated (issue 10, "Pictures")."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

import neuroevo as ne
from neuroevo.reporting.run_folder import RunFolderReporter

pytest.importorskip("matplotlib")
CONFIGS = Path(__file__).resolve().parents[2] / "configs"


def test_run_folder_plots_have_title_threshold_and_the_runs_generations(tmp_path, monkeypatch):
    import neuroevo.viz.plots as plots

    figures = {}
    real_fitness, real_species = plots.plot_fitness, plots.plot_species

    def fitness(rows, **kw):
        figures[kw.get("x", "generation")] = fig = real_fitness(rows, **kw)
        return fig

    def species(rows, **kw):
        figures["species"] = fig = real_species(rows, **kw)
        return fig

    monkeypatch.setattr(plots, "plot_fitness", fitness)
    monkeypatch.setattr(plots, "plot_species", species)
    folder = RunFolderReporter(tmp_path, draw=False)
    ne.evolve(
        ne.NEAT(ne.load_config(CONFIGS / "xor.ini"), pop_size=30),
        ne.tasks.XOR(),
        generations=4,
        seed=2,
        device="cpu",
        stop_on_solve=False,
        reporters=[folder],
    )
    assert len(folder.rows) == 4 and len(folder.species) == 5  # StatsWriter keeps one more
    for key in ("generation", "evaluations"):
        ax = figures[key].axes[0]
        assert ax.get_title() == "xor · neat"
        threshold = [line for line in ax.get_lines() if line.get_label().startswith("threshold")]
        assert len(threshold) == 1 and set(threshold[0].get_ydata()) == {3.9}
    ax = figures["species"].axes[0]
    assert ax.get_xlim() == (0.0, 3.0)  # generations 0..3, not the unevaluated 4th population
    xs = [x for c in ax.collections for p in c.get_paths() for x, _ in p.vertices]
    assert max(xs) == 3.0
    assert "xor · neat" in ax.get_title()


def test_a_run_solved_in_generation_zero_still_shows_its_point(tmp_path, monkeypatch):
    import neuroevo.viz.plots as plots

    figures = []
    real = plots.plot_fitness
    monkeypatch.setattr(plots, "plot_fitness", lambda rows, **kw: figures.append(real(rows, **kw)))
    # every genome balances 5 steps: solved in generation 0
    task = ne.tasks.Control("CartPole-v1", episodes=1, max_steps=5, fitness_threshold=5.0)
    ne.evolve(
        ne.NEAT(ne.load_config(CONFIGS / "cartpole.ini"), pop_size=10),
        task,
        generations=5,
        seed=0,
        device="cpu",
        dtype=torch.float64,
        stop_on_solve=True,
        reporters=[RunFolderReporter(tmp_path, draw=False)],
    )
    ax = figures[0].axes[0]
    best = next(line for line in ax.get_lines() if line.get_label() == "best")
    assert list(best.get_xdata()) == [0] and best.get_marker() not in (None, "", "None")
    lo, hi = ax.get_xlim()
    assert [t for t in ax.get_xticks() if lo <= t <= hi] == [0]
