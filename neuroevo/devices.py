"""Where tensors go: ``device=None`` means CUDA when available, else CPU; and
what is wrong with a device this process cannot use (:func:`device_problem`)."""

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


def device_problem(spec: str | torch.device, *, cpu: str = "cpu") -> str | None:
    """What makes ``spec`` a device this process cannot use, with the fix, or ``None``:
    a name torch does not know (``tpu``), CUDA on a CPU-only build or machine, a CUDA index
    beyond the devices, MPS where there is none. ``cpu`` is how the caller's user asks for
    the CPU (``--device cpu``, ``device='cpu'``). The caller raises its own error with it.

    Example::

        device_problem("cpu")       # None
        device_problem("tpu")       # "not a torch device; use cpu, cuda, cuda:N or mps"
    """
    try:
        dev = torch.device(spec)
    except (RuntimeError, TypeError, ValueError):
        return "not a torch device; use cpu, cuda, cuda:N or mps"
    if dev.type == "cpu":
        return None
    if dev.type == "cuda":
        if not torch.cuda.is_available():
            why = (
                "this torch is a CPU-only build"
                if torch.version.cuda is None
                else "no CUDA GPU is visible"
            )
            return f"{why}; use {cpu} (or install a CUDA build of torch on a machine with a GPU)"
        count = torch.cuda.device_count()
        if dev.index is not None and dev.index >= count:
            return f"there are {count} CUDA device(s); use cuda:0 ... cuda:{count - 1}"
        return None
    if dev.type == "mps":
        mps = getattr(torch.backends, "mps", None)
        return (
            None
            if mps is not None and mps.is_available()
            else f"MPS is not available here; use {cpu}"
        )
    return "neuroevo runs on cpu, cuda or mps; use one of those"
