"""A film strip of cart-pole poses: one small panel per pose, read left to right, top down.

Each panel shows the whole track (gymnasium's ``x_threshold`` of 2.4 marked at both ends),
the cart at its position and the pole at its angle, titled with the step and the angle in
degrees; no pose is drawn over another. ``states`` rows are ``[x, x_dot, theta,
theta_dot]`` (gymnasium's CartPole layout); ``pole_length`` is the full length (gymnasium:
2 x half-length 0.5), drawn to the track's scale.

Example::

    from neuroevo.viz.cartpole_frames import plot_cartpole_frames
    plot_cartpole_frames(states, every=20, filename="cartpole.png")
"""

from __future__ import annotations

import math
import os
from typing import Any

from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from neuroevo.viz.figure import save_figure

#: gymnasium CartPole's ``x_threshold``: the episode ends when the cart passes it
X_THRESHOLD = 2.4
#: panels per row of the strip
COLUMNS = 5
CART_WIDTH, CART_HEIGHT = 0.5, 0.15
CART_COLOUR, POLE_COLOUR = "#1f77b4", "#ff7f0e"


def frame_steps(n_states: int, every: int) -> list[int]:
    """The steps drawn: ``0, every, 2 * every, ...`` and the last state's."""
    steps = list(range(0, n_states, max(1, every)))
    if n_states and steps[-1] != n_states - 1:
        steps.append(n_states - 1)
    return steps


def plot_cartpole_frames(
    states: Any,
    *,
    every: int = 10,
    pole_length: float = 1.0,
    filename: str | os.PathLike[str] | None = None,
) -> Figure:
    """Cart-pole poses every ``every`` steps and the last one, one panel each.

    Example::

        plot_cartpole_frames(states, every=20, filename="cartpole.png")
    """
    if hasattr(states, "detach"):
        states = states.detach().cpu().double().tolist()
    rows = [list(map(float, s)) for s in states]
    steps = frame_steps(len(rows), every)
    n_rows = max(1, math.ceil(len(steps) / COLUMNS))
    fig = Figure(figsize=(2.4 * COLUMNS, 1.05 * n_rows + 0.5), layout="constrained")
    axes = fig.subplots(n_rows, COLUMNS, squeeze=False).reshape(-1)
    for ax, step in zip(axes, steps):
        x, theta = rows[step][0], rows[step][2]
        ax.axhline(-CART_HEIGHT / 2, color="grey", linewidth=0.8)
        for end in (-X_THRESHOLD, X_THRESHOLD):
            ax.axvline(end, color="#d62728", linewidth=0.8, linestyle=":")
        ax.add_patch(
            Rectangle(
                (x - CART_WIDTH / 2, -CART_HEIGHT / 2), CART_WIDTH, CART_HEIGHT, color=CART_COLOUR
            )
        )
        top = CART_HEIGHT / 2
        ax.plot(
            [x, x + pole_length * math.sin(theta)],
            [top, top + pole_length * math.cos(theta)],
            color=POLE_COLOUR,
            linewidth=2.5,
            solid_capstyle="round",
        )
        ax.set_xlim(-X_THRESHOLD - 0.3, X_THRESHOLD + 0.3)
        ax.set_ylim(-0.3, pole_length + 0.3)
        ax.set_aspect("equal")
        ax.set_yticks([])
        ax.set_xticks([-X_THRESHOLD, 0.0, X_THRESHOLD])
        ax.tick_params(labelsize=7)
        ax.set_title(f"step {step}: x={x:.2f}, θ={math.degrees(theta):.1f}°", fontsize=8)
    for ax in axes[len(steps) :]:
        ax.remove()
    fig.suptitle(
        f"cart-pole every {every} steps and the last (track ±{X_THRESHOLD} dotted)", fontsize=10
    )
    if filename is not None:
        save_figure(fig, filename)
    return fig


__all__ = ["plot_cartpole_frames", "frame_steps", "X_THRESHOLD", "CART_COLOUR", "POLE_COLOUR"]
