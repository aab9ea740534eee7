"""Plots of a run with matplotlib.

Figures are built with ``matplotlib.figure.Figure`` directly, not ``pyplot``: no window,
no display needed, and the user's pyplot backend is left alone (files are rendered by
the Agg canvas).

* :func:`plot_fitness` -- best, mean and mean +/- std of the fitness per generation, or
  against the cumulative number of fitness evaluations (``x="evaluations"``), with the
  best-so-far curve;
* :func:`plot_species` -- species sizes per generation as a stack plot (the data
  :class:`neuroevo.reporting.run_folder.RunFolderReporter` records in ``species.json``);
* :func:`plot_episode` -- state traces of one control episode;
* :func:`plot_cartpole_frames` -- a film strip of cart-pole poses (gymnasium's state layout
  ``[x, x_dot, theta, theta_dot]``, pole half-length 0.5 as in gymnasium's CartPole).

``history`` is a list of :class:`neuroevo.GenerationStats` or of their ``to_dict()``.

Example::

    from neuroevo.viz.plots import plot_fitness
    plot_fitness(result.history, filename="fitness.png")
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import matplotlib
import matplotlib.patches
from matplotlib.figure import Figure

from neuroevo.io.atomic import atomic_write_bytes


def _rows(history: Sequence[Any]) -> list[Mapping[str, Any]]:
    rows = []
    for h in history:
        rows.append(h.to_dict() if hasattr(h, "to_dict") else h)
    return rows


def save_figure(fig: Figure, filename: str | os.PathLike[str], dpi: int = 110) -> Path:
    """Save ``fig`` atomically (format from the suffix, PNG by default) and close it."""
    import io

    path = Path(filename)
    fmt = path.suffix.lstrip(".") or "png"
    buf = io.BytesIO()
    fig.savefig(buf, format=fmt, dpi=dpi, bbox_inches="tight")
    return atomic_write_bytes(path, buf.getvalue())


def plot_fitness(history: Sequence[Any], *, x: str = "generation", title: str | None = None,
                 filename: str | os.PathLike[str] | None = None) -> Figure:
    """Best / mean +/- std / best-so-far fitness against generations or evaluations.

    Example::

        plot_fitness(result.history, x="evaluations", filename="fitness_evals.png")
    """
    if x not in ("generation", "evaluations"):
        raise ValueError(f"plot_fitness: x must be 'generation' or 'evaluations', got {x!r}")
    rows = _rows(history)
    fig = Figure(figsize=(6.4, 4.0))
    ax = fig.subplots()
    if rows:
        xs = [r[x] for r in rows]
        mean = [r["mean_fitness"] for r in rows]
        std = [r["std_fitness"] for r in rows]
        ax.fill_between(xs, [m - s for m, s in zip(mean, std)], [m + s for m, s in zip(mean, std)],
                        color="#1f77b4", alpha=0.2, linewidth=0, label="mean ± std")
        ax.plot(xs, mean, color="#1f77b4", label="mean")
        ax.plot(xs, [r["best_fitness"] for r in rows], color="#d62728", label="best")
        ax.plot(xs, [r["best_fitness_so_far"] for r in rows], color="black", linestyle="--",
                linewidth=1, label="best so far")
        ax.legend(loc="lower right", fontsize=8)
    ax.set_xlabel("generation" if x == "generation" else "fitness evaluations")
    ax.set_ylabel("fitness")
    ax.grid(alpha=0.3)
    ax.set_title(title or "fitness")
    if filename is not None:
        save_figure(fig, filename)
    return fig


def plot_species(species_history: Sequence[Mapping[str, Any]], *, title: str | None = None,
                 filename: str | os.PathLike[str] | None = None) -> Figure:
    """Stack plot of species sizes: ``[{"generation": g, "sizes": {species_id: n}}, ...]``.

    Example::

        plot_species(json.load(open("run/species.json")), filename="species.png")
    """
    gens = [int(r["generation"]) for r in species_history]
    ids = sorted({int(k) for r in species_history for k in r["sizes"]})
    curves = [[int(dict(r["sizes"]).get(str(s), dict(r["sizes"]).get(s, 0)))
               for r in species_history] for s in ids]
    fig = Figure(figsize=(6.4, 4.0))
    ax = fig.subplots()
    if gens and ids:
        ax.stackplot(gens, curves, linewidth=0.3, edgecolor="white")
    ax.set_xlabel("generation")
    ax.set_ylabel("genomes per species")
    ax.set_title(title or f"species ({len(ids)} in all)")
    ax.grid(alpha=0.3)
    if filename is not None:
        save_figure(fig, filename)
    return fig


def _as_rows(states: Any) -> list[list[float]]:
    if hasattr(states, "detach"):
        states = states.detach().cpu().double().tolist()
    return [list(map(float, s)) for s in states]


def plot_episode(states: Any, *, labels: Sequence[str] | None = None, dt: float | None = None,
                 rewards: Any = None, title: str | None = None,
                 filename: str | os.PathLike[str] | None = None) -> Figure:
    """One subplot per state variable over time (``states``: ``[T, k]`` tensor or list).

    Example::

        plot_episode(states, labels=["x", "x_dot", "theta", "theta_dot"], dt=0.02,
                     filename="episode.png")
    """
    rows = _as_rows(states)
    k = len(rows[0]) if rows else 0
    labels = list(labels) if labels is not None else [f"s{i}" for i in range(k)]
    n = k + (1 if rewards is not None else 0)
    fig = Figure(figsize=(6.4, 1.4 * max(n, 1) + 0.6))
    axes = fig.subplots(max(n, 1), 1, sharex=True, squeeze=False)
    t = [i * dt for i in range(len(rows))] if dt else list(range(len(rows)))
    for i in range(k):
        axes[i, 0].plot(t, [r[i] for r in rows], linewidth=1)
        axes[i, 0].set_ylabel(labels[i] if i < len(labels) else f"s{i}")
        axes[i, 0].grid(alpha=0.3)
    if rewards is not None:
        rw = rewards.detach().cpu().double().tolist() if hasattr(rewards, "detach") else rewards
        axes[k, 0].plot(t[:len(rw)], rw, color="#2ca02c", linewidth=1)
        axes[k, 0].set_ylabel("reward")
    axes[-1, 0].set_xlabel("time [s]" if dt else "step")
    fig.suptitle(title or f"episode ({len(rows)} steps)")
    if filename is not None:
        save_figure(fig, filename)
    return fig


def plot_cartpole_frames(states: Any, *, every: int = 10, pole_length: float = 1.0,
                         filename: str | os.PathLike[str] | None = None) -> Figure:
    """Cart-pole poses every ``every`` steps, overlaid with fading colours.

    ``states`` rows are ``[x, x_dot, theta, theta_dot]`` (gymnasium's CartPole layout);
    ``pole_length`` is the full length (gymnasium: 2 x half-length 0.5).

    Example::

        plot_cartpole_frames(states, every=20, filename="cartpole.png")
    """
    import math

    rows = _as_rows(states)[::max(1, every)]
    fig = Figure(figsize=(7.0, 2.6))
    ax = fig.subplots()
    cmap = matplotlib.colormaps["viridis"]
    for j, r in enumerate(rows):
        x, theta = r[0], r[2]
        c = cmap(j / max(1, len(rows) - 1))
        ax.add_patch(matplotlib.patches.Rectangle((x - 0.25, -0.075), 0.5, 0.15, color=c,
                                                  alpha=0.6))
        ax.plot([x, x + pole_length * math.sin(theta)], [0.075, 0.075 + pole_length *
                                                          math.cos(theta)], color=c, linewidth=2)
    ax.axhline(-0.075, color="grey", linewidth=0.8)
    ax.set_xlim(-2.4 - 0.3, 2.4 + 0.3)  # gymnasium's x_threshold = 2.4
    ax.set_ylim(-0.3, pole_length + 0.3)
    ax.set_aspect("equal")
    ax.set_xlabel("cart position x")
    ax.set_yticks([])
    ax.set_title(f"cart-pole, every {every} steps (dark = early, yellow = late)")
    if filename is not None:
        save_figure(fig, filename)
    return fig


__all__ = ["plot_fitness", "plot_species", "plot_episode", "plot_cartpole_frames", "save_figure"]
