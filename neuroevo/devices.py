"""Where tensors go: ``device=None`` means CUDA when available, else CPU (DESIGN.md)."""

from __future__ import annotations

import torch


def resolve_device(device: str | torch.device | None) -> torch.device:
    """``None`` -> CUDA when available, else CPU; anything else -> ``torch.device(device)``.

    Example::

        resolve_device(None)     # device(type='cuda') on a GPU machine, else cpu
        resolve_device("cpu")    # device(type='cpu')
    """
    if device is None:
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(device)
