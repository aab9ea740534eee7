"""What every run plot shares: saving a figure atomically, whole-number generation ticks.

Example::

    from neuroevo.viz.figure import save_figure
    save_figure(fig, "fitness.png")
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from neuroevo.io.atomic import atomic_write_bytes

#: longer histories are thinned to about this many points per line
MAX_POINTS = 2000


def save_figure(fig: Figure, filename: str | os.PathLike[str], dpi: int = 110) -> Path:
    """Save ``fig`` atomically (format from the suffix, PNG by default); returns the path."""
    path = Path(filename)
    fmt = path.suffix.lstrip(".") or "png"
    buf = io.BytesIO()
    fig.savefig(buf, format=fmt, dpi=dpi, bbox_inches="tight")
    return atomic_write_bytes(path, buf.getvalue())


def integer_axis(ax: Any, first: float | None, last: float | None) -> None:
    """Integer ticks on x from ``first`` to ``last``; a single point gets one tick."""
    if first is None or last is None:
        return
    if first == last:
        ax.set_xticks([first])
        pad = 1.0 if abs(first) < 10 else 0.1 * abs(first)
        ax.set_xlim(first - pad, first + pad)
    else:
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlim(first, last)


__all__ = ["MAX_POINTS", "save_figure", "integer_axis"]
