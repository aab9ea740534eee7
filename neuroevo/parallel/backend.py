"""Evaluation backends: where a generation's candidates are scored.

A backend takes the policy that ``strategy.ask()`` returned and gives the fitness ``[P]``,
bit-identical to ``task.evaluate(policy, generator=generator)`` in one process, whatever
the number of workers and however the population is split (each candidate's episodes are
seeded from the generator and the candidate's position, never its place in a slice: the
:class:`~neuroevo.tasks.base.Task` contract).

* :class:`SerialBackend` (the default): ``task.evaluate`` in this process.
* :class:`~neuroevo.parallel.processes.ProcessBackend`: N worker processes on this machine,
  no Ray needed.
* :class:`~neuroevo.parallel.ray_backend.RayBackend`: N Ray actors, on this machine
  (``address=None``) or a cluster (``"auto"``, ``"ray://host:10001"``).

:func:`neuroevo.parallel.make.make_backend` turns ``evolve``'s keywords (``workers``,
``backend``, ``address``) into one. A backend checks the strategy (:meth:`Backend.check`),
may be started early (:meth:`Backend.start`: the command does, before it writes anything), is
opened for a run (:meth:`Backend.open`, which sends the task once), evaluates every
generation, and is closed at the end; one backend object may serve several runs in turn, its
workers started once and kept.

Example::

    with ProcessBackend(workers=2) as backend:
        backend.open(task)
        fitness = backend.evaluate(strategy, strategy.ask(), generator)
"""

from __future__ import annotations

import abc
from typing import Any

import torch

from neuroevo.errors import NeuroevoError
from neuroevo.parallel.registry import backend_names, install_line
from neuroevo.policy import BatchedPolicy
from neuroevo.strategies.base import Strategy

#: evaluation backend names, as evolve(backend=...), --backend and [parallel] backend take
#: them (from :mod:`neuroevo.parallel.registry`)
BACKENDS = backend_names("evaluation")
RAY_INSTALL = install_line("ray")


class BackendError(NeuroevoError, RuntimeError):
    """Workers cannot evaluate a slice (a slice lost its worker too many times ...)."""


class Backend(abc.ABC):
    """Scores a generation's candidates; see the module docstring."""

    #: the backend's name (one of :data:`BACKENDS`)
    name: str = "backend"
    #: how many workers evaluate slices (1 for the serial backend)
    workers: int = 1

    def check(self, strategy: Strategy) -> None:  # noqa: B027 - one process takes any
        """Refuse, before any worker starts, a ``strategy`` this backend cannot evaluate (one
        line naming the fix); called by :func:`neuroevo.evolve` once the strategy is set up."""

    def start(self) -> None:  # noqa: B027 - nothing to start in one process
        """Start the workers now (else :meth:`open` does), so that a backend that cannot
        start -- no Ray cluster at the address, too few CPUs, no more processes -- fails
        before a run writes anything."""

    def open(self, task: Any) -> None:  # noqa: B027 - nothing to do in one process
        """Start a run on ``task`` (sent to the workers once)."""

    @abc.abstractmethod
    def evaluate(
        self, strategy: Strategy, policy: BatchedPolicy, generator: torch.Generator | None
    ) -> torch.Tensor:
        """Fitness ``[P]`` of ``policy``'s candidates (``strategy.ask()``'s last answer)."""

    def close(self) -> None:  # noqa: B027 - nothing to release in one process
        """Stop the workers (the backend cannot be used afterwards)."""

    def __enter__(self) -> Backend:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


class SerialBackend(Backend):
    """``task.evaluate`` in this process: the reference every other backend equals."""

    name = "serial"

    def __init__(self) -> None:
        self._task: Any = None

    def open(self, task: Any) -> None:
        self._task = task

    def evaluate(
        self, strategy: Strategy, policy: BatchedPolicy, generator: torch.Generator | None
    ) -> torch.Tensor:
        return self._task.evaluate(policy, generator=generator)


__all__ = ["BACKENDS", "Backend", "BackendError", "RAY_INSTALL", "SerialBackend"]
