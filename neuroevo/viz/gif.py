"""RGB frames -> an animated GIF, with Pillow (installed with matplotlib).

A GIF frame holds at most 256 colours. A frame with at most 256 colours (gymnasium's
CartPole, Acrobot) is written exactly: its own palette, every pixel its colour. A frame
with more (anti-aliased edges: LunarLander, Pendulum, MountainCar) goes through Pillow's
median-cut quantizer to 256 colours, so those pixels are the nearest of them. Frames are
shown ``1 / fps`` seconds each (GIF counts in hundredths of a second, so 50 fps is the
fastest most viewers play) and the animation loops.

Example::

    write_gif([env.render() for _ in range(10)], "episode.gif", fps=25)
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from PIL import Image


def gif_frame(rgb: np.ndarray) -> Image.Image:
    """One ``[H, W, 3]`` uint8 frame as a Pillow palette image (exact for <= 256 colours)."""
    from PIL import Image

    if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
        raise ValueError(f"expected an [H, W, 3] uint8 frame, got {rgb.shape} {rgb.dtype}")
    codes = (
        (rgb[..., 0].astype(np.uint32) << 16) | (rgb[..., 1].astype(np.uint32) << 8) | rgb[..., 2]
    )
    colours, index = np.unique(codes.reshape(-1), return_inverse=True)
    if len(colours) > 256:
        return Image.fromarray(rgb, "RGB").quantize(
            256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE
        )
    image = Image.fromarray(index.reshape(rgb.shape[:2]).astype(np.uint8), "P")
    palette = np.stack([colours >> 16, (colours >> 8) & 255, colours & 255], axis=1)
    image.putpalette(palette.astype(np.uint8).reshape(-1).tolist())
    return image


def write_gif(
    frames: Sequence[np.ndarray], path: str | os.PathLike[str], *, fps: float = 25.0
) -> Path:
    """Write ``frames`` (``[H, W, 3]`` uint8 arrays) to the GIF ``path``; returns it."""
    if not frames:
        raise ValueError("write_gif: no frames to write")
    if not fps > 0:
        raise ValueError(f"write_gif: fps must be > 0, got {fps!r}")
    images = [gif_frame(np.asarray(f)) for f in frames]
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    images[0].save(
        target,
        format="GIF",
        save_all=True,
        append_images=images[1:],
        duration=max(10, round(1000 / fps)),
        loop=0,
        optimize=False,
        disposal=1,
    )
    return target


__all__ = ["gif_frame", "write_gif"]
