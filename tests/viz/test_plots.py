"""Plots render to valid PNG files of plausible size."""

from __future__ import annotations

import math
import struct

import pytest
import torch

from neuroevo.loop import GenerationStats
from neuroevo.viz.plots import plot_cartpole_frames, plot_episode, plot_fitness, plot_species


def _png_size(path):
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG file"
    assert data[12:16] == b"IHDR" and data.rstrip(b"\x00").endswith(b"IEND\xaeB`\x82")
    return struct.unpack(">II", data[16:24])


def _history(n=20):
    return [
        GenerationStats(
            generation=g,
            best_fitness=1 + math.log1p(g),
            mean_fitness=0.5 + 0.03 * g,
            std_fitness=0.2,
            best_fitness_so_far=1 + math.log1p(g),
            evaluations=150 * (g + 1),
            seconds=0.01,
            evaluations_per_second=15000.0,
            extra={"species": 3.0},
        )
        for g in range(n)
    ]


@pytest.mark.parametrize("x", ["generation", "evaluations"])
def test_fitness_plot(tmp_path, x):
    path = tmp_path / "f.png"
    fig = plot_fitness(_history(), x=x, filename=path)
    w, h = _png_size(path)
    assert 300 < w < 2000 and 200 < h < 1500
    ax = fig.axes[0]
    assert ax.get_xlabel() == ("generation" if x == "generation" else "fitness evaluations")
    best = [line for line in ax.get_lines() if line.get_label() == "best"][0]
    assert list(best.get_xdata())[-1] == (19 if x == "generation" else 3000)


def test_fitness_plot_from_dicts(tmp_path):
    plot_fitness([s.to_dict() for s in _history(3)], filename=tmp_path / "d.png")
    _png_size(tmp_path / "d.png")


def test_species_plot(tmp_path):
    hist = [
        {"generation": g, "sizes": {"1": 10 - g, "2": g, **({"3": 2} if g > 4 else {})}}
        for g in range(10)
    ]
    fig = plot_species(hist, filename=tmp_path / "s.png")
    _png_size(tmp_path / "s.png")
    bands = [path for c in fig.axes[0].collections for path in c.get_paths()]
    assert len(bands) == 3  # one band per species


def test_episode_and_cartpole(tmp_path):
    t = torch.linspace(0, 4, 200, dtype=torch.float64)
    states = torch.stack([0.5 * torch.sin(t), torch.cos(t), 0.1 * torch.sin(3 * t), t], 1)
    fig = plot_episode(
        states,
        labels=["x", "x_dot", "theta", "theta_dot"],
        dt=0.02,
        rewards=torch.ones(200),
        filename=tmp_path / "e.png",
    )
    assert len(fig.axes) == 5
    w, h = _png_size(tmp_path / "e.png")
    assert h > w * 0.8  # five stacked panels
    plot_cartpole_frames(states, every=25, filename=tmp_path / "c.png")
    _png_size(tmp_path / "c.png")


def test_bad_axis():
    with pytest.raises(ValueError, match="evaluations"):
        plot_fitness(_history(), x="time")
