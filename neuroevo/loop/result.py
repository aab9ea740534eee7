"""What one generation and one run produce: GenerationStats, RunStatus and Result."""

from __future__ import annotations

import dataclasses
import enum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from neuroevo.strategies.base import Strategy


@dataclasses.dataclass(frozen=True)
class GenerationStats:
    """Figures of one generation, as reporters and ``Result.history`` see them."""

    generation: int
    best_fitness: float  # best of this generation
    mean_fitness: float
    std_fitness: float
    best_fitness_so_far: float
    evaluations: int  # cumulative fitness evaluations at the end of this generation
    seconds: float  # wall time of this generation
    evaluations_per_second: float
    extra: dict[str, float] = dataclasses.field(default_factory=dict)  # e.g. {"species": 5}
    #: one-line messages of this generation (the task's notes: "compile: ..."), not statistics
    notes: tuple[str, ...] = ()
    #: the fitness ``[P]`` this generation told the strategy (a CPU float64 tensor), in the
    #: statistics reporters get, for those that draw its distribution; ``None`` in
    #: ``Result.history`` and in what files and checkpoints give back (kept out of
    #: :meth:`to_dict`, like ``notes``)
    fitness: Any = dataclasses.field(default=None, repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        """The statistics as one flat row (extras as keys; notes and fitness left out)."""
        d = {
            f.name: getattr(self, f.name)
            for f in dataclasses.fields(self)
            if f.name not in ("extra", "notes", "fitness")
        }
        d.update(self.extra)
        return d


class RunStatus(str, enum.Enum):
    """How a run ended; reporters read it as ``result.status`` in ``on_end``.

    Only ``FINISHED`` and ``SOLVED`` runs ended after a complete generation: after
    ``INTERRUPTED`` or ``FAILED`` the strategy may be in the middle of one.
    """

    FINISHED = "finished"  # generation limit reached, or the strategy is done; not solved
    SOLVED = "solved"  # ended normally, a candidate reached the task's threshold
    INTERRUPTED = "interrupted"  # KeyboardInterrupt (Ctrl-C), propagated to the caller
    FAILED = "failed"  # any other exception, propagated to the caller

    @property
    def completed(self) -> bool:
        """Whether the loop ended on its own (not by an exception)."""
        return self in (RunStatus.FINISHED, RunStatus.SOLVED)


@dataclasses.dataclass
class Result:
    """What :func:`evolve` returns (and what reporters' ``on_end`` gets)."""

    best: Any  # best candidate seen (a neat-python genome, a parameter tensor ...)
    best_fitness: float
    solved: bool
    generations: int  # generations evaluated
    evaluations: int  # fitness evaluations in all
    history: list[GenerationStats]
    seconds: float
    strategy: Strategy | None = None  # the strategy, to continue or inspect
    status: RunStatus = RunStatus.FINISHED  # how the run ended

    def to_dict(self) -> dict[str, Any]:
        """JSON-able summary (without the best candidate itself)."""
        return {
            "solved": self.solved,
            "generations": self.generations,
            "evaluations": self.evaluations,
            "best_fitness": self.best_fitness,
            "seconds": self.seconds,
            "history": [s.to_dict() for s in self.history],
        }
