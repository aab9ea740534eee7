"""The ask/tell protocol every strategy follows, and the batched policy it hands to tasks.

One generation (see ``neuroevo.loop.evolve``)::

    policy = strategy.ask()              # a BatchedPolicy over P candidates
    fitness = task.evaluate(policy)      # tensor [P], larger is better
    strategy.tell(fitness)               # selection, variation, bookkeeping

A strategy knows nothing of tasks; a task sees only a :class:`BatchedPolicy`.
"""

from __future__ import annotations

import abc
from typing import Any

import torch

from neuroevo.policy import BatchedPolicy


class Strategy(abc.ABC):
    """Base class of NEAT, GA, PSO, simulated annealing and gradient baselines.

    Subclasses implement :meth:`setup`, :meth:`ask` and :meth:`tell`, and keep
    :attr:`best` / :attr:`best_fitness` up to date (the best candidate seen so far, in
    whatever form the strategy's candidates take: a neat-python genome, a flat parameter
    tensor ...). ``info()`` adds strategy-specific numbers (species count ...) that
    reporters show. :attr:`done` lets a strategy end the run early.
    """

    #: short name used in experiment files and reports ("neat", "ga", "pso", "sa", "adam")
    name: str = "strategy"

    best: Any = None
    best_fitness: float = float("-inf")

    #: True once the strategy has nothing left to do (every gradient restart early-stopped,
    #: say); ``neuroevo.evolve`` checks it before each generation and ends the run when it is
    #: true. False by default; a subclass sets it or overrides it with a property.
    done: bool = False

    @abc.abstractmethod
    def setup(
        self,
        *,
        num_inputs: int,
        num_outputs: int,
        seed: int | None,
        device: torch.device,
        dtype: torch.dtype,
    ) -> None:
        """Create the initial population for a task with these input/output sizes."""

    @abc.abstractmethod
    def ask(self) -> BatchedPolicy:
        """Return the current population as one batched policy."""

    @abc.abstractmethod
    def tell(self, fitness: torch.Tensor) -> None:
        """Take the fitness ``[P]`` of the policy last returned by :meth:`ask`."""

    @property
    def population_size(self) -> int:
        """Number of candidates :meth:`ask` returns."""
        raise NotImplementedError

    def info(self) -> dict[str, float]:
        """Extra per-generation figures for reporters (e.g. ``{"species": 7}``)."""
        return {}

    def state_dict(self) -> dict[str, Any]:
        """JSON-able state (plus tensors) to checkpoint and resume the strategy; neuroevo's
        strategies put their name under :data:`neuroevo.strategies.state_tag.TAG`."""
        raise NotImplementedError(f"{type(self).__name__} does not support checkpoints yet")

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore what :meth:`state_dict` returned."""
        raise NotImplementedError(f"{type(self).__name__} does not support checkpoints yet")
