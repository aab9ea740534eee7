"""The ask/tell protocol every strategy follows, and the batched policy it hands to tasks.

One generation (see ``neuroevo.loop.evolve``)::

    policy = strategy.ask()              # a BatchedPolicy over P candidates
    fitness = task.evaluate(policy)      # tensor [P], larger is better
    strategy.tell(fitness)               # selection, variation, bookkeeping

A strategy knows nothing of tasks; a task sees only a :class:`BatchedPolicy`. A strategy
also owns its candidates' path to a network, so that nothing else needs to know what a
candidate is: :meth:`Strategy.candidate_data` (the population as data, for workers, Ray actors
and the proof of a solution), :meth:`Strategy.network_of` (one candidate alone, for episode
pictures and replays) and :meth:`Strategy.emigrants` / :meth:`Strategy.adopt` (migration
between islands).
"""

from __future__ import annotations

import abc
import dataclasses
from collections.abc import Callable
from typing import Any

import torch

from neuroevo.errors import ConfigError, StrategyError
from neuroevo.policy import BatchedPolicy
from neuroevo.strategies.candidates import Candidates


@dataclasses.dataclass
class Adoption:
    """Migrants made a strategy's own (:meth:`Strategy.adopt`): ``policy`` is theirs, to be
    scored on the receiving island's task; ``place(positions, scores)`` puts them, with those
    scores, in place of the candidates at ``positions`` of the generation just evaluated."""

    policy: BatchedPolicy
    place: Callable[[list[int], torch.Tensor], None]


@dataclasses.dataclass(frozen=True)
class MigrantLayout:
    """What a strategy's migrants are (:meth:`Strategy.migrant_layout`): islands whose
    ``layout`` values differ cannot read each other's migrants. ``words`` says what the
    layout is ("module has 13 parameters (shapes ...)"), ``fix`` how to make them agree."""

    layout: Any
    words: str
    fix: str


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
    #: what one candidate is called in reports ("the best genome", "the best parameters")
    candidate_noun: str = "candidate"

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

    # --- the candidates' path to a network (see the module docstring) ----------------------
    def candidate_data(self, policy: BatchedPolicy, *, purpose: str) -> Candidates:
        """The candidates of ``policy`` (just returned by :meth:`ask`) as data
        (:class:`~neuroevo.strategies.candidates.Candidates`). ``purpose`` names who asks
        (``"backend 'process'"``, ``"solve_episodes"``) in the error of a strategy whose
        candidates cannot travel: this default, a :class:`~neuroevo.errors.ConfigError`."""
        raise ConfigError(
            f"{purpose}: {type(self).__name__} does not give its candidates as data "
            "(Strategy.candidate_data), so they cannot be cut into slices: run it in one process "
            "(workers=None, backend=None)"
        )

    def check_candidates(self, *, purpose: str) -> None:
        """Refuse, before any worker starts, a strategy whose :meth:`candidate_data` will fail
        (a :class:`~neuroevo.errors.ConfigError` naming ``purpose``); by default nothing is
        refused here and :meth:`candidate_data` is tried at the first generation."""
        return None

    def network_of(self, candidate: Any = None) -> BatchedPolicy:
        """The network of one candidate (default: :attr:`best`) alone, in float64 on the
        CPU, as the strategy's rollouts ran it: what episode pictures and replays play."""
        raise StrategyError(
            f"{type(self).__name__} does not give a candidate's network (Strategy.network_of)"
        )

    def emigrants(self, positions: list[int]) -> list[dict[str, Any]]:
        """Copies of the candidates at ``positions`` of the last :meth:`ask`, as data that
        :meth:`adopt` of a strategy of the same kind takes (one dict per candidate, JSON
        values and tensors only)."""
        raise StrategyError(
            f"islands exchange candidates as data; {type(self).__name__} does not give them "
            "(Strategy.emigrants; for gradient baselines use neuroevo.local_sgd)"
        )

    def adopt(
        self, migrants: list[dict[str, Any]], *, device: torch.device, dtype: torch.dtype
    ) -> Adoption:
        """Migrants (:meth:`emigrants` of another island) made this strategy's own."""
        raise StrategyError(
            f"islands exchange candidates as data; {type(self).__name__} does not take them "
            "(Strategy.adopt)"
        )

    def migrant_layout(self) -> MigrantLayout:
        """What this strategy's migrants are, to compare islands before a run."""
        self.emigrants([])  # the refusal of a strategy without migrants
        raise NotImplementedError(f"{type(self).__name__}.migrant_layout")

    def check_migrant(self, migrant: dict[str, Any], where: str) -> None:
        """Refuse (a one-line :class:`~neuroevo.errors.CheckpointError` naming ``where``) a
        migrant read from a checkpoint that :meth:`adopt` could not take."""
        self.emigrants([])
        raise NotImplementedError(f"{type(self).__name__}.check_migrant")

    def info(self) -> dict[str, float]:
        """Extra per-generation figures for reporters (e.g. ``{"species": 7}``)."""
        return {}

    def state_dict(self) -> dict[str, Any]:
        """JSON-able state (plus tensors) to checkpoint and resume the strategy; neuroevo's
        strategies put their name under :data:`neuroevo.strategies.state_tag.TAG`."""
        raise StrategyError(
            f"{type(self).__name__} does not save checkpoints: give it state_dict() and "
            "load_state_dict(), or run it without a checkpointer"
        )

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore what :meth:`state_dict` returned."""
        raise StrategyError(
            f"{type(self).__name__} does not save checkpoints: give it state_dict() and "
            "load_state_dict(), or run it without a checkpointer"
        )
