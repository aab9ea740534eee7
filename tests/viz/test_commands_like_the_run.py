"""`neuroevo plot DIR` and `neuroevo draw DIR` draw what the run folder's own pictures show.

The run's reporters title the plots "<task> · <strategy>", draw the task's threshold, plot
species over exactly the generations of the statistics, and name a drawing's inputs and
outputs after the task. The references are the XOR task's own facts (name "xor", threshold
3.9 as in neat-python's example, inputs "a", "b", output "a xor b") and the generations in
the run's stats.jsonl.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

import neuroevo.viz.draw as draw_module
import neuroevo.viz.plots as plots_module
from neuroevo.run.cli import main
from neuroevo.run.commands import draw_command, plot_command

CONFIGS = Path(__file__).resolve().parents[2] / "configs"
GENERATIONS = 4


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("neat-run")
    shutil.copy(CONFIGS / "xor.ini", root / "xor.ini")
    exp = root / "xor_neat.toml"
    exp.write_text(
        f"[experiment]\ngenerations = {GENERATIONS}\nseed = 2\nstop_on_solve = false\n"
        '[task]\nname = "xor"\n[strategy]\nname = "neat"\nconfig = "xor.ini"\n'
        "pop_size = 30\n"
    )
    out = root / "run"
    assert (
        main(
            [
                "run",
                str(exp),
                "--out",
                str(out),
                "--quiet",
                "--device",
                "cpu",
                "--checkpoint-every",
                "0",
            ]
        )
        == 0
    )
    return out


def _recorded(monkeypatch, module, name):
    """Record the figures ``module.name`` returns while the command runs."""
    figures = []
    original = getattr(module, name)

    def recording(*args, **kwargs):
        figures.append(original(*args, **kwargs))
        return figures[-1]

    monkeypatch.setattr(module, name, recording)
    return figures


def _threshold_lines(ax):
    return [
        line
        for line in ax.get_lines()
        if len(set(line.get_ydata())) == 1 and line.get_label().startswith("threshold")
    ]


def test_plot_command_titles_draws_the_threshold_and_the_runs_generations(run_dir, monkeypatch):
    fitness = _recorded(monkeypatch, plots_module, "plot_fitness")
    species = _recorded(monkeypatch, plots_module, "plot_species")
    plot_command(run_dir)
    generations = [
        json.loads(line)["generation"]
        for line in (run_dir / "stats.jsonl").read_text().splitlines()
    ]
    assert generations == list(range(GENERATIONS))
    assert len(fitness) == 2 and len(species) == 1
    for fig in fitness:
        ax = fig.axes[0]
        assert ax.get_title() == "xor · neat"
        (line,) = _threshold_lines(ax)
        assert list(line.get_ydata()) == [3.9, 3.9]
    ax = species[0].axes[0]
    assert ax.get_title() == "species: xor · neat"
    xs = [x for c in ax.collections for p in c.get_paths() for x, _ in p.vertices]
    assert ax.get_xlim() == (0.0, GENERATIONS - 1.0)
    assert min(xs) >= 0 and max(xs) <= GENERATIONS - 1


def test_plot_command_without_the_experiment_copy_reads_result_json(run_dir, tmp_path, monkeypatch):
    bare = tmp_path / "bare"
    shutil.copytree(run_dir, bare)
    shutil.rmtree(bare / "experiment")
    fitness = _recorded(monkeypatch, plots_module, "plot_fitness")
    plot_command(bare)
    ax = fitness[0].axes[0]
    assert ax.get_title() == "xor · neat"  # the names result.json records
    assert list(_threshold_lines(ax)[0].get_ydata()) == [3.9, 3.9]


def _labels(source: str) -> dict[int, str]:
    """Node key -> the first line of its label, from a DOT source."""
    found = re.findall(r'^\s*(-?\d+) \[label=(?:"([^"]*)"|([^\s\]]+))', source, re.M)
    return {int(key): (quoted or bare).split("\n")[0] for key, quoted, bare in found}


def test_draw_command_names_inputs_and_outputs_after_the_task(run_dir, tmp_path, monkeypatch):
    drawings = _recorded(monkeypatch, draw_module, "draw_genome")
    draw_command(run_dir, out=tmp_path / "best.svg")
    labels = _labels(drawings[0].source)
    assert labels[-1] == "a" and labels[-2] == "b" and labels[0] == "a xor b"


def test_draw_command_on_a_genome_file_without_a_run_uses_keys(run_dir, tmp_path, monkeypatch):
    genome = tmp_path / "g.json"
    shutil.copy(run_dir / "best_genome.json", genome)
    drawings = _recorded(monkeypatch, draw_module, "draw_genome")
    draw_command(genome, config=CONFIGS / "xor.ini", out=tmp_path / "g.svg")
    labels = _labels(drawings[0].source)
    assert labels[-1] == "-1" and labels[-2] == "-2" and labels[0] == "0"
