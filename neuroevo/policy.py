"""The contract between tasks and strategies: a batched policy over P candidates.

A strategy's ``ask()`` returns one; a task's ``evaluate`` calls it. Neither side knows the
other: NEAT's compiled populations, the flat-parameter policies of GA/PSO/SA/gradient and any
user-written policy all subclass :class:`BatchedPolicy`.
"""

from __future__ import annotations

import abc
import itertools

import torch


class BatchedPolicy(torch.nn.Module, abc.ABC):
    """P candidate networks evaluated together.

    ``forward(x)`` takes ``x`` of shape ``[B, num_inputs]`` (the same inputs for every
    candidate) or ``[P, B, num_inputs]`` (one batch per candidate) and returns
    ``[P, B, num_outputs]``. Recurrent policies keep a state per (candidate, batch row)
    that :meth:`reset` clears; feed-forward ones ignore :meth:`reset`.
    """

    num_candidates: int
    num_inputs: int
    num_outputs: int
    recurrent: bool = False

    def reset(self) -> None:  # noqa: B027 - no-op by default (feed-forward)
        """Clear recurrent state (no-op for feed-forward policies)."""


def policy_device_dtype(policy: BatchedPolicy) -> tuple[torch.device, torch.dtype]:
    """Where a policy computes: its ``device``/``dtype`` attributes, else its tensors', else CPU."""
    device = getattr(policy, "device", None)
    dtype = getattr(policy, "dtype", None)
    for t in itertools.chain(policy.parameters(), policy.buffers()):
        device = device if device is not None else t.device
        if dtype is None and t.is_floating_point():
            dtype = t.dtype
        if device is not None and dtype is not None:
            break
    return torch.device(device or "cpu"), dtype if isinstance(dtype, torch.dtype) else torch.float32
