"""Plain-text progress on a stream: one line per generation and a summary at the end.

Example::

    import neuroevo as ne
    ne.evolve(strategy, task, generations=100, reporters=[ne.StdOutReporter(every=10)])

prints lines such as::

    gen    12  best   3.9312  mean   2.4120  species  4  evals/s  41,233
    solved in generation 12: best fitness 3.9312, 1,950 evaluations, 0.31 s
"""

from __future__ import annotations

import sys
from typing import IO, TYPE_CHECKING

from neuroevo.loop import GenerationStats, Reporter

if TYPE_CHECKING:
    from neuroevo.loop import Result
    from neuroevo.strategies.base import Strategy
    from neuroevo.tasks.base import Task


class StdOutReporter(Reporter):
    """Print every ``every``-th generation (and the last one) and a final summary line.

    ``start_generation``: the generation a resumed run goes on from; the first line then
    says how many more generations it runs, up to which one.
    """

    def __init__(
        self, every: int = 1, stream: IO[str] | None = None, *, start_generation: int = 0
    ) -> None:
        if not isinstance(every, int) or every < 1:
            raise ValueError(f"StdOutReporter(every={every!r}): expected an integer >= 1")
        self.every = every
        self.stream = stream
        self.start_generation = start_generation
        self._last_printed: int | None = None

    def _print(self, text: str) -> None:
        out = self.stream if self.stream is not None else sys.stdout
        print(text, file=out, flush=True)

    def on_start(self, strategy: Strategy, task: Task, generations: int) -> None:
        self._last_printed = None
        start = self.start_generation
        plural = "" if generations == 1 else "s"
        span = (
            f"up to {generations} generation{plural}"
            if start == 0
            else f"resumed at generation {start}, {generations} more generation{plural}"
            + (f" (up to generation {start + generations - 1})" if generations else "")
        )
        self._print(
            f"{strategy.name} on {task.name}: {span}, population {strategy.population_size}"
        )

    def line(self, stats: GenerationStats) -> str:
        """The line printed for one generation."""
        parts = [
            f"gen {stats.generation:5d}",
            f"best {stats.best_fitness:10.4f}",
            f"mean {stats.mean_fitness:10.4f}",
        ]
        for key, value in stats.extra.items():
            if key not in ("compile_s", "compile_cpu_s"):
                parts.append(f"{key} {value:g}")
        parts.append(f"evals/s {stats.evaluations_per_second:,.0f}")
        return "  ".join(parts)

    def on_generation(self, stats: GenerationStats, strategy: Strategy) -> None:
        for note in stats.notes:
            self._print(note)
        if "compile_s" in stats.extra:
            self._print(compile_line(stats))
        if stats.generation % self.every == 0:
            self._print(self.line(stats))
            self._last_printed = stats.generation

    def on_end(self, result: Result) -> None:
        if result.history and self._last_printed != result.history[-1].generation:
            self._print(self.line(result.history[-1]))
        if result.solved:
            head = f"solved in generation {result.history[-1].generation}"
        else:
            head = f"not solved after {result.generations} generations"
        self._print(
            f"{head}: best fitness {result.best_fitness:.4f}, "
            f"{result.evaluations:,} evaluations, {result.seconds:.2f} s"
        )


def compile_line(stats: GenerationStats) -> str:
    """The line that reports a generation's rollout compilation."""
    return (
        f"compiled rollouts in generation {stats.generation}: "
        f"{stats.extra['compile_s']:.1f} s (kept in inductor's cache for later runs)"
    )


__all__ = ["StdOutReporter", "compile_line"]
