"""The contract between tasks and strategies: a batched policy over P candidates.

A strategy's ``ask()`` returns one; a task's ``evaluate`` calls it. Neither side knows the
other: NEAT's compiled populations, the flat-parameter policies of GA/PSO/SA/gradient and any
user-written policy all subclass :class:`BatchedPolicy`.

A policy may also give its *rollout program* (:meth:`BatchedPolicy.program`): the same
networks as data plus one pure function of that data (:class:`PolicyProgram`), the form in
which control rollouts step it, eagerly or compiled into one function with the environment
(:mod:`neuroevo.tasks.compiled`).
"""

from __future__ import annotations

import abc
import itertools
from collections.abc import Hashable, Sequence

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

    def program(self, episodes: int) -> PolicyProgram | None:
        """This policy's rollout program for ``episodes`` batch rows per candidate, or
        ``None`` (the default) when it has none: rollouts then call ``forward``. A policy
        with a program is stepped through it, not through ``forward``: a subclass that
        changes ``forward`` changes ``program`` too (or returns ``None``)."""
        return None


class PolicyProgram(abc.ABC):
    """P candidate networks as tensors plus one pure function of them, for rollouts.

    :meth:`apply` maps feature-major inputs ``x [num_inputs, N]`` to outputs
    ``[num_outputs, N]``, where ``N = P * episodes`` rows are candidate-major (row
    ``p * episodes + e`` is episode ``e`` of candidate ``p``). It reads nothing but its
    arguments and makes no host decisions on tensor values, so it runs eagerly or inside
    ``torch.compile`` with the same arithmetic. Everything that changes the traced code is in
    :attr:`key`; sizes that change between generations or as a rollout narrows are listed in
    :attr:`dynamic`, so that a compiled rollout marks them dynamic instead of recompiling.
    """

    #: the structure: programs of one class with equal keys run the same code
    key: Hashable
    #: the data, the ``tensors`` argument of :meth:`apply`
    tensors: tuple[torch.Tensor, ...]
    #: per tensor, the dimensions whose size varies (row counts, node and connection counts)
    dynamic: tuple[tuple[int, ...], ...]
    num_inputs: int
    num_outputs: int
    episodes: int

    @staticmethod
    @abc.abstractmethod
    def apply(key: Hashable, tensors: Sequence[torch.Tensor], x: torch.Tensor) -> torch.Tensor:
        """Outputs ``[num_outputs, N]`` of the networks ``tensors`` for ``x [num_inputs, N]``."""

    @abc.abstractmethod
    def select(self, positions: torch.Tensor) -> PolicyProgram:
        """The program of the candidates at ``positions`` (ascending), with the same key;
        rollouts use it to stop computing candidates whose episodes have all ended."""

    def for_compile(self) -> PolicyProgram:
        """The program a compiled rollout runs: the same outputs, possibly padded so that
        more programs share a key (default: this one)."""
        return self

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        return self.apply(self.key, self.tensors, x)


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
