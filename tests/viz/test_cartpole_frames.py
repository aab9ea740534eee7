"""The cart-pole film strip: one panel per pose, none drawn over another.

The reference is the geometry of the states themselves: the cart centred at ``x``, the
pole from the cart's top to ``(x + L sin theta, top + L cos theta)``.
"""

from __future__ import annotations

import math

import pytest
import torch
from matplotlib.patches import Rectangle

from neuroevo.viz.cartpole_frames import POLE_COLOUR, plot_cartpole_frames


def test_every_pose_has_its_own_panel_at_its_place():
    t = torch.arange(53, dtype=torch.float64)
    states = torch.stack(
        [1.5 * torch.sin(t / 10), torch.zeros(53), 0.2 * torch.cos(t / 7), torch.zeros(53)], 1
    )
    fig = plot_cartpole_frames(states, every=10)
    drawn = [0, 10, 20, 30, 40, 50, 52]  # every 10 steps, and the last state
    assert len(fig.axes) == len(drawn)
    for ax, step in zip(fig.axes, drawn):
        x, theta = float(states[step, 0]), float(states[step, 2])
        carts = [p for p in ax.patches if isinstance(p, Rectangle)]
        assert len(carts) == 1  # one pose per panel, not stacked
        assert carts[0].get_x() + carts[0].get_width() / 2 == pytest.approx(x)
        (pole,) = [line for line in ax.get_lines() if line.get_color() == POLE_COLOUR]
        (x0, x1), (y0, y1) = pole.get_xdata(), pole.get_ydata()
        assert (x0, x1 - x0) == pytest.approx((x, math.sin(theta)))
        assert y1 - y0 == pytest.approx(math.cos(theta))
        assert ax.get_title().startswith(f"step {step}:")
        assert ax.get_xlim() == pytest.approx((-2.7, 2.7))  # the whole track in every panel
