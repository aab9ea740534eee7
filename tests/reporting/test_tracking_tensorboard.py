"""TensorBoard reporter: what TensorBoard's own reader (EventAccumulator) loads back equals
the run's statistics (stats.jsonl), the fitness the loop told the strategy and the weights
the strategy holds."""

from __future__ import annotations

import io
import math
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch

import neuroevo as ne
from neuroevo.reporting.stats import StatsWriter, read_run_history

event_accumulator = pytest.importorskip("tensorboard.backend.event_processing.event_accumulator")
from neuroevo.reporting.tracking import TensorBoardReporter  # noqa: E402

CONFIGS = Path(__file__).resolve().parents[2] / "configs"


class KeepFitness(ne.Reporter):
    """The fitness tensors the loop hands to reporters, by generation."""

    def __init__(self):
        self.fitness = {}

    def on_generation(self, stats, strategy):
        self.fitness[stats.generation] = stats.fitness.clone()


def load(log_dir):
    ea = event_accumulator.EventAccumulator(
        str(log_dir),
        size_guidance={
            event_accumulator.SCALARS: 0,
            event_accumulator.HISTOGRAMS: 0,
            event_accumulator.IMAGES: 0,
            event_accumulator.TENSORS: 0,
        },
    )
    ea.Reload()
    return ea


def run(strategy, task, out, generations, **kwargs):
    keep = KeepFitness()
    tb = TensorBoardReporter(out / "tb", **kwargs)
    result = ne.evolve(
        strategy,
        task,
        generations=generations,
        seed=3,
        device="cpu",
        stop_on_solve=False,
        reporters=[StatsWriter(out), keep, tb],
    )
    return result, keep.fitness, tb, load(out / "tb")


def check_scalars(ea, out):
    rows, _ = read_run_history(out)
    assert rows
    for key in rows[0]:
        if key == "generation":
            continue
        events = ea.Scalars(key)
        assert [e.step for e in events] == [r["generation"] for r in rows], key
        for e, r in zip(events, rows):
            want = r[key]
            if want is None:  # NaN in stats.jsonl is null
                assert math.isnan(e.value), key
            else:
                assert e.value == pytest.approx(np.float32(want), rel=1e-6), key


def check_fitness_histograms(ea, fitness):
    hists = ea.Histograms("fitness")
    assert [h.step for h in hists] == sorted(fitness)
    for h in hists:
        f = fitness[h.step]
        v = h.histogram_value
        assert v.num == f.numel()
        assert v.min == pytest.approx(float(f.min()))
        assert v.max == pytest.approx(float(f.max()))
        assert v.sum == pytest.approx(float(f.sum()), rel=1e-6)


def test_ga_run_scalars_histograms_hparams(tmp_path):
    strategy = ne.GA(ne.MLP(2, [4], 1), pop_size=30)
    result, fitness, _, ea = run(
        strategy, ne.tasks.XOR(), tmp_path, 5, histogram_every=1, image_every=0, hparams={"seed": 3}
    )
    check_scalars(ea, tmp_path)
    check_fitness_histograms(ea, fitness)
    # the weights of the last generation: the rows the strategy holds now
    last = ea.Histograms("weights")[-1]
    rows = strategy.candidates.float()
    assert last.step == 4
    assert last.histogram_value.num == rows.numel() == 30 * strategy.num_params
    assert last.histogram_value.min == pytest.approx(float(rows.min()))
    assert last.histogram_value.max == pytest.approx(float(rows.max()))
    # hyper-parameters: the text table and the HParams plugin's session
    from tensorboard.plugins.hparams import plugin_data_pb2
    from tensorboard.util import tensor_util

    text = tensor_util.make_ndarray(ea.Tensors("hyperparameters/text_summary")[0].tensor_proto)
    table = text.item().decode()
    assert f"| strategy.elite | {strategy.params.elite} |" in table
    assert "| seed | 3 |" in table and "| task | xor |" in table
    content = ea.PluginTagToContent("hparams")["_hparams_/session_start_info"]
    session = plugin_data_pb2.HParamsPluginData.FromString(content).session_start_info
    assert session.hparams["pop_size"].number_value == 30
    assert session.hparams["strategy"].string_value == "GA"


@pytest.mark.parametrize("engine", ["neat-python", "tensor"])
def test_neat_run_species_and_weights(tmp_path, engine):
    cfg = ne.load_config(CONFIGS / "xor.ini")
    strategy = ne.NEAT(cfg, pop_size=40, engine=engine)
    result, fitness, _, ea = run(strategy, ne.tasks.XOR(), tmp_path, 4, image_every=0)
    check_scalars(ea, tmp_path)
    assert "species" in ea.Tags()["scalars"]
    check_fitness_histograms(ea, fitness)
    genomes = strategy.genomes if engine == "neat-python" else strategy.genomes()
    enabled = [c.weight for g in genomes for c in g.connections.values() if c.enabled]
    last = ea.Histograms("weights")[-1].histogram_value
    assert last.num == len(enabled)
    assert last.min == pytest.approx(min(enabled), rel=1e-6)
    assert last.max == pytest.approx(max(enabled), rel=1e-6)
    assert last.sum == pytest.approx(math.fsum(enabled), rel=1e-5, abs=1e-4)


@pytest.mark.skipif(shutil.which("dot") is None, reason="the graphviz dot program is missing")
def test_best_genome_images_every_n_generations(tmp_path):
    cfg = ne.load_config(CONFIGS / "xor.ini")
    _, _, tb, ea = run(ne.NEAT(cfg, pop_size=30), ne.tasks.XOR(), tmp_path, 5, image_every=2)
    images = ea.Images("best_genome")
    assert [i.step for i in images] == [1, 3, 4]  # every 2 generations, and the last
    from PIL import Image

    assert Image.open(io.BytesIO(images[0].encoded_image_string)).size[0] > 10
    assert tb.notes == []


def test_without_dot_one_note_and_no_images(tmp_path, monkeypatch):
    import graphviz

    def no_dot(*args, **kwargs):
        raise graphviz.ExecutableNotFound(["dot"])

    monkeypatch.setattr(graphviz.Digraph, "pipe", no_dot)
    cfg = ne.load_config(CONFIGS / "xor.ini")
    _, _, tb, ea = run(ne.NEAT(cfg, pop_size=30), ne.tasks.XOR(), tmp_path, 4, image_every=1)
    assert "best_genome" not in ea.Tags()["images"]
    assert len(tb.notes) == 1 and "'dot' program is missing" in tb.notes[0]


def test_images_decode_to_the_drawing(tmp_path, monkeypatch):
    """The image TensorBoard loads is the drawing's PNG (a stand-in PNG where dot is missing)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig = plt.figure(figsize=(1, 0.5), dpi=40)
    fig.savefig(buf, format="png")
    plt.close(fig)
    monkeypatch.setattr(TensorBoardReporter, "_drawing", lambda self, strategy: buf.getvalue())
    strategy = ne.GA(ne.MLP(2, [4], 1), pop_size=10)
    _, _, _, ea = run(strategy, ne.tasks.XOR(), tmp_path, 3, image_every=2)
    images = ea.Images("best_genome")
    assert [i.step for i in images] == [1, 2]
    assert (images[0].width, images[0].height) == (40, 20)


def test_resume_purges_generations_run_again(tmp_path):
    strategy = ne.GA(ne.MLP(2, [4], 1), pop_size=10)
    task = ne.tasks.XOR()
    ne.evolve(
        strategy,
        task,
        generations=4,
        seed=3,
        device="cpu",
        reporters=[TensorBoardReporter(tmp_path, image_every=0)],
    )
    state = strategy.state_dict()
    first = load(tmp_path).Scalars("best_fitness")
    # a second session from generation 2 (as a resume from a checkpoint there would)
    again = ne.GA(ne.MLP(2, [4], 1), pop_size=10)
    again.setup(num_inputs=2, num_outputs=1, seed=3, device="cpu", dtype=torch.float32)
    again.load_state_dict(state)
    again.generation = 2
    ne.evolve(
        again,
        task,
        generations=3,
        seed=3,
        device="cpu",
        setup=False,
        start_generation=2,
        reporters=[TensorBoardReporter(tmp_path, image_every=0)],
    )
    steps = [e.step for e in load(tmp_path).Scalars("best_fitness")]
    assert steps == [0, 1, 2, 3, 4]
    assert [e.step for e in first] == [0, 1, 2, 3]


def test_missing_tensorboard_is_one_line(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "torch.utils.tensorboard", None)
    with pytest.raises(ne.ConfigError, match=r"pip install 'neuroevo\[tensorboard\]'"):
        TensorBoardReporter("unused")
