"""Plots of a run with matplotlib.

Figures are built with ``matplotlib.figure.Figure`` directly, not ``pyplot``: no window,
no display needed, and the user's pyplot backend is left alone (files are rendered by
the Agg canvas).

* :func:`plot_fitness` -- best, mean and mean +/- std of the fitness per generation, or
  against the cumulative number of fitness evaluations (``x="evaluations"``), with the
  best-so-far curve and the task's threshold;
* :func:`plot_species` -- species sizes per generation, stacked
  (:mod:`neuroevo.viz.species_plot`, imported here too);
* :func:`plot_episode` -- state traces, actions and rewards of one control episode;
* :func:`plot_cartpole_frames` -- a film strip of cart-pole poses, one panel each
  (:mod:`neuroevo.viz.cartpole_frames`, imported here too).

The fitness plot reads at a glance from 1 to 10,000 generations: the x ticks are integers;
a run of one generation shows markers and an error bar; a history longer than
``max_points`` is thinned to about that many points per line (the best fitness of each
stretch of generations, its mean of means and of deviations, the best so far at its end).

``history`` is a list of :class:`neuroevo.GenerationStats` or of their ``to_dict()``.

Example::

    from neuroevo.viz.plots import plot_fitness
    plot_fitness(result.history, threshold=3.9, title="xor · neat", filename="fitness.png")
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from neuroevo.viz.cartpole_frames import plot_cartpole_frames
from neuroevo.viz.figure import MAX_POINTS, integer_axis, save_figure
from neuroevo.viz.species_plot import plot_species, species_colours

#: a history of at most this many points gets markers on the best-fitness line
MARKERS_UP_TO = 60


def _rows(history: Sequence[Any]) -> list[Mapping[str, Any]]:
    return [h.to_dict() if hasattr(h, "to_dict") else h for h in history]


def _num(v: Any) -> float:
    """A plotted value: ``None`` (a non-finite number in ``stats.json``) becomes NaN."""
    return math.nan if v is None else float(v)


def _nanmax(values: Iterable[float]) -> float:
    """The largest value that is not NaN (NaN when all are)."""
    return max((v for v in values if not math.isnan(v)), default=math.nan)


def _bins(n: int, max_points: int) -> list[range]:
    """``n`` rows cut into consecutive stretches, at most about ``max_points`` of them."""
    step = max(1, math.ceil(n / max(1, max_points)))
    return [range(i, min(i + step, n)) for i in range(0, n, step)]


def plot_fitness(
    history: Sequence[Any],
    *,
    x: str = "generation",
    title: str | None = None,
    threshold: float | None = None,
    max_points: int = MAX_POINTS,
    filename: str | os.PathLike[str] | None = None,
) -> Figure:
    """Best / mean +/- std / best-so-far fitness against generations or evaluations.

    ``threshold``: the task's fitness threshold, drawn as a horizontal line (``None``: none).
    "best" (this generation's best, red, on top, with markers for short runs) is drawn over
    "best so far" (a wide pale step line), so both stay visible where they coincide. The
    legend stands right of the axes, off the data.

    Example::

        plot_fitness(result.history, x="evaluations", threshold=475.0,
                     title="CartPole-v1 · neat", filename="fitness_evals.png")
    """
    if x not in ("generation", "evaluations"):
        raise ValueError(f"plot_fitness: x must be 'generation' or 'evaluations', got {x!r}")
    rows = _rows(history)
    fig = Figure(figsize=(7.6, 4.0))
    ax = fig.subplots()
    xs: list[float] = []
    if rows:
        bins = _bins(len(rows), max_points)
        xs = [int(rows[b[-1]][x]) for b in bins]
        best = [_nanmax(_num(rows[i]["best_fitness"]) for i in b) for b in bins]
        so_far = [_num(rows[b[-1]]["best_fitness_so_far"]) for b in bins]
        mean = [sum(_num(rows[i]["mean_fitness"]) for i in b) / len(b) for b in bins]
        std = [sum(_num(rows[i]["std_fitness"]) for i in b) / len(b) for b in bins]
        thin = len(xs) > 500
        marker = "o" if len(xs) <= MARKERS_UP_TO else None
        if len(xs) > 1:
            ax.fill_between(
                xs,
                [m - s for m, s in zip(mean, std)],
                [m + s for m, s in zip(mean, std)],
                color="#1f77b4",
                alpha=0.2,
                linewidth=0,
                label="mean ± std",
                zorder=1,
            )
        else:  # one generation: the deviation as an error bar
            ax.errorbar(
                xs,
                mean,
                yerr=std,
                color="#1f77b4",
                alpha=0.5,
                capsize=6,
                linestyle="none",
                label="mean ± std",
                zorder=1,
            )
        ax.plot(
            xs,
            mean,
            color="#1f77b4",
            linewidth=0.8 if thin else 1.3,
            marker=marker,
            markersize=3,
            label="mean",
            zorder=2,
        )
        ax.plot(
            xs,
            so_far,
            color="black",
            alpha=0.35,
            linewidth=4.0,
            drawstyle="steps-post",
            solid_capstyle="butt",
            marker="s" if len(xs) == 1 else None,
            markersize=10,
            label="best so far",
            zorder=3,
        )
        ax.plot(
            xs,
            best,
            color="#d62728",
            linewidth=0.8 if thin else 1.3,
            marker=marker,
            markersize=4,
            label="best",
            zorder=4,
        )
    if threshold is not None and math.isfinite(threshold):
        ax.axhline(
            threshold,
            color="#2ca02c",
            linestyle="--",
            linewidth=1.2,
            zorder=5,
            label=f"threshold ({threshold:g})",
        )
    if ax.get_lines() or ax.collections:  # beside the axes: it never covers the data
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    integer_axis(ax, rows[0][x] if rows else None, rows[-1][x] if rows else None)
    ax.set_xlabel("generation" if x == "generation" else "fitness evaluations")
    ax.set_ylabel("fitness")
    ax.grid(alpha=0.3)
    ax.set_title(title or "fitness")
    if filename is not None:
        save_figure(fig, filename)
    return fig


def _as_rows(states: Any) -> list[list[float]]:
    if hasattr(states, "detach"):
        states = states.detach().cpu().double().tolist()
    return [list(map(float, s)) for s in states]


def _trace(
    ax: Any,
    xs: Sequence[float],
    values: Sequence[float],
    bins: list[range],
    *,
    steps: bool = False,
    **style: Any,
) -> None:
    """``values`` over the steps, one point per stretch of ``bins``: a line where each
    stretch is one step, else the band from each stretch's smallest to its largest value,
    edges drawn (an oscillation faster than the points stays a band of its true range,
    never a slow wave that sampling would make of it). ``steps``: hold each value until the
    next point, with one more ``x`` at the end."""
    lo = [min(values[i] for i in b) for b in bins]
    hi = [max(values[i] for i in b) for b in bins]
    if steps:  # the last value holds to the end
        lo, hi = lo + lo[-1:], hi + hi[-1:]
    draw = "steps-post" if steps else "default"
    (line,) = ax.plot(xs, lo, drawstyle=draw, **style)
    if lo != hi:
        colour = line.get_color()
        ax.plot(
            xs,
            hi,
            drawstyle=draw,
            **({k: v for k, v in style.items() if k != "label"} | {"color": colour}),
        )
        ax.fill_between(
            xs, lo, hi, step="post" if steps else None, color=colour, alpha=0.3, linewidth=0
        )


def _stretches(n: int, step: int) -> list[range]:
    """``n`` steps cut into consecutive stretches of ``step`` (the last may be shorter)."""
    return [range(i, min(i + step, n)) for i in range(0, n, step)]


def _action_panel(
    ax: Any, t: Sequence[float], actions: Any, action_labels: Sequence[str] | None, step: int
) -> None:
    """Actions as steps: action ``i`` holds from step ``i`` to step ``i + 1``."""
    discrete = (
        (not actions.dtype.is_floating_point)
        if hasattr(actions, "dtype")
        else all(isinstance(a, int) for a in actions)
    )
    rows = _as_rows(
        actions.reshape(len(actions), -1)
        if hasattr(actions, "reshape")
        else [a if isinstance(a, (list, tuple)) else [a] for a in actions]
    )
    bins = _stretches(len(rows), step)
    # t has a time for every step and the one after the last
    xs = [t[b[0]] for b in bins] + [t[len(rows)]]
    names = list(action_labels) if action_labels is not None else []
    for j in range(len(rows[0]) if rows else 0):
        _trace(
            ax,
            xs,
            [r[j] for r in rows],
            bins,
            steps=True,
            color="#9467bd",
            linewidth=1,
            label=names[j] if not discrete and j < len(names) else None,
        )
    if discrete:
        count = max(len(names), int(max((r[0] for r in rows), default=0)) + 1)
        ax.set_yticks(range(count))
        ax.set_yticklabels(
            [names[i] if i < len(names) else str(i) for i in range(count)], fontsize=7
        )
        ax.set_ylim(-0.5, count - 0.5)
        ax.set_ylabel("action")
    elif rows and len(rows[0]) == 1:
        ax.set_ylabel(f"action: {names[0]}" if names else "action")
    else:
        ax.set_ylabel("action")
        if names:
            ax.legend(fontsize=7, loc="upper right")
    ax.grid(alpha=0.3)


def plot_episode(
    states: Any,
    *,
    labels: Sequence[str] | None = None,
    dt: float | None = None,
    rewards: Any = None,
    actions: Any = None,
    action_labels: Sequence[str] | None = None,
    title: str | None = None,
    max_points: int = MAX_POINTS,
    filename: str | os.PathLike[str] | None = None,
) -> Figure:
    """One subplot per state variable over time, then the actions and the rewards.

    ``states``: ``[T + 1, k]`` (or ``[T, k]``) tensor or list, named by ``labels`` (default
    ``s0``, ``s1`` ...). ``actions``: ``[T]`` integers (discrete; the y ticks are named by
    ``action_labels``) or ``[T]``/``[T, a]`` floats (continuous; a trace per column named by
    ``action_labels``), drawn as steps: action ``i`` holds from step ``i`` to ``i + 1``.
    ``rewards``: ``[T]``. An episode longer than ``max_points`` steps is drawn with at most
    that many points per trace (the actions' steps one more, where the last one ends): each
    stands for a stretch of steps, and a band spans the values taken in it (the x label
    says how many steps a point holds).

    Example::

        plot_episode(states, labels=["x", "x_dot", "theta", "theta_dot"], dt=0.02,
                     actions=actions, action_labels=["push left", "push right"],
                     filename="episode.png")
    """
    rows = _as_rows(states)
    k = len(rows[0]) if rows else 0
    labels = list(labels) if labels is not None else [f"s{i}" for i in range(k)]
    has_actions = actions is not None and len(actions) > 0
    n = k + int(has_actions) + int(rewards is not None)
    fig = Figure(figsize=(6.4, 1.3 * max(n, 1) + 0.6), layout="constrained")
    axes = fig.subplots(max(n, 1), 1, sharex=True, squeeze=False)[:, 0]
    steps = max(len(rows), len(actions) + 1 if has_actions else 0)
    t = [i * dt for i in range(steps)] if dt else list(range(steps))
    step = max(1, math.ceil(steps / max(1, max_points)))  # steps a point stands for
    bins = _stretches(len(rows), step)
    for i in range(k):
        _trace(axes[i], [t[b[0]] for b in bins], [r[i] for r in rows], bins, linewidth=1)
        axes[i].set_ylabel(labels[i] if i < len(labels) else f"s{i}")
        axes[i].grid(alpha=0.3)
    if has_actions:
        _action_panel(axes[k], t, actions, action_labels, step)
    if rewards is not None:
        rw = rewards.detach().cpu().double().tolist() if hasattr(rewards, "detach") else rewards
        reward_bins = _stretches(len(rw), step)
        _trace(
            axes[-1], [t[b[0]] for b in reward_bins], rw, reward_bins, color="#2ca02c", linewidth=1
        )
        axes[-1].set_ylabel("reward")
        axes[-1].grid(alpha=0.3)
    if not dt:
        axes[-1].xaxis.set_major_locator(MaxNLocator(integer=True))
    axes[-1].set_xlabel(
        ("time [s]" if dt else "step") + (f" ({step} steps a point)" if step > 1 else "")
    )
    fig.align_ylabels(list(axes))
    fig.suptitle(title or f"episode ({len(rows)} steps)")
    if filename is not None:
        save_figure(fig, filename)
    return fig


__all__ = [
    "plot_fitness",
    "plot_species",
    "plot_episode",
    "plot_cartpole_frames",
    "save_figure",
    "species_colours",
    "MAX_POINTS",
    "MARKERS_UP_TO",
]
