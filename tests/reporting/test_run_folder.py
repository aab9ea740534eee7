"""Run folder, progress bar: the files of a short NEAT run on XOR hold what the run did."""

from __future__ import annotations

import csv
import io
import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import neat
import pytest

import neuroevo as ne
from neuroevo.io.genome_json import load_genome
from neuroevo.reporting.progress import ProgressBar
from neuroevo.reporting.run_folder import RunFolderReporter

CONFIGS = Path(__file__).resolve().parents[2] / "configs"
XOR = [((0.0, 0.0), 0.0), ((0.0, 1.0), 1.0), ((1.0, 0.0), 1.0), ((1.0, 1.0), 0.0)]


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    out = tmp_path_factory.mktemp("run")
    cfg = ne.load_config(CONFIGS / "xor.ini")
    strategy = ne.NEAT(cfg, pop_size=50)
    bar_stream = io.StringIO()
    rf = RunFolderReporter(
        out,
        files=[CONFIGS / "xor.toml", CONFIGS / "xor.ini"],
        node_names={-1: "a", -2: "b", 0: "a_xor_b"},
    )
    result = ne.evolve(
        strategy,
        ne.tasks.XOR(),
        generations=6,
        seed=2,
        device="cpu",
        reporters=[rf, ProgressBar(stream=bar_stream, disable=False)],
        stop_on_solve=False,
    )
    return out, result, cfg, bar_stream.getvalue()


def test_stats_files_match_history(run):
    out, result, _, _ = run
    with open(out / "stats.csv") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == len(result.history) == 6
    for r, s in zip(rows, result.history):
        assert int(r["generation"]) == s.generation
        assert float(r["best_fitness"]) == s.best_fitness
        assert float(r["species"]) == s.extra["species"]
    js = [json.loads(line) for line in (out / "stats.jsonl").read_text().splitlines()]
    assert [j["mean_fitness"] for j in js] == [s.mean_fitness for s in result.history]


def test_species_sizes_sum_to_population(run):
    out, result, _, _ = run
    species = [json.loads(line) for line in (out / "species.jsonl").read_text().splitlines()]
    assert [r["generation"] for r in species] == list(range(7))
    for r in species:
        assert sum(r["sizes"].values()) == 50
    assert len(species[1]["sizes"]) == result.history[1].extra["species"]


def test_best_genome_file_is_the_best(run):
    out, result, cfg, _ = run
    genome = load_genome(out / "best_genome.json", cfg.genome_config)
    net = neat.nn.FeedForwardNetwork.create(genome, cfg)  # neat-python's reference network
    fitness = 4.0 - sum((net.activate(x)[0] - y) ** 2 for x, y in XOR)
    assert fitness == pytest.approx(result.best_fitness, abs=1e-5)


@pytest.mark.skipif(shutil.which("dot") is None, reason="graphviz 'dot' not installed")
def test_drawing_and_plots(run):
    out, _, _, _ = run
    svg = ET.parse(out / "best_genome.svg").getroot()
    texts = " ".join(t.text or "" for t in svg.iter("{http://www.w3.org/2000/svg}text"))
    assert "a_xor_b" in texts and "a" in texts.split()
    for name in ("fitness.png", "fitness_evaluations.png", "species.png"):
        assert (out / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (out / "experiment" / "xor.ini").read_text() == (CONFIGS / "xor.ini").read_text()


def test_summary(run):
    out, result, _, _ = run
    text = (out / "summary.md").read_text()
    assert f"{result.best_fitness:.6g}" in text
    assert "[stats.csv](stats.csv)" in text and "generations: 6" in text


def test_progress_bar_shows_figures(run):
    _, result, _, bar = run
    assert "6/6" in bar and "species " in bar
    assert f"best {result.history[-1].best_fitness_so_far:.4g}" in bar
