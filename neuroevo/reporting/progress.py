"""A tqdm progress bar: generation, best fitness, species (when the strategy has them), evals/s.

The bar writes to ``stderr`` (tqdm's default) and disappears cleanly on interruption.

Example::

    import neuroevo as ne
    from neuroevo.reporting.progress import ProgressBar
    ne.evolve(strategy, task, generations=300, reporters=[ProgressBar()])
"""

from __future__ import annotations

from typing import IO, Any

from neuroevo.loop import GenerationStats, Reporter
from neuroevo.reporting.stdout import compile_line


class ProgressBar(Reporter):
    """tqdm bar over the generations of one :func:`neuroevo.evolve` call.

    ``disable=None`` turns the bar off when the stream is not a terminal (tqdm's rule),
    so logs of batch jobs stay clean; pass ``disable=False`` to force it.
    """

    def __init__(self, *, stream: IO[str] | None = None, leave: bool = True,
                 disable: bool | None = None, mininterval: float = 0.2) -> None:
        self.stream = stream
        self.leave = leave
        self.disable = disable
        self.mininterval = mininterval
        self.bar: Any = None

    def on_start(self, strategy: Any, task: Any, generations: int) -> None:
        from tqdm.auto import tqdm

        self.bar = tqdm(total=generations, unit="gen", file=self.stream, leave=self.leave,
                        disable=self.disable, mininterval=self.mininterval, dynamic_ncols=True,
                        desc=f"{getattr(strategy, 'name', 'strategy')} on {getattr(task, 'name', 'task')}")

    def postfix(self, stats: GenerationStats) -> dict[str, str]:
        """The figures shown after the bar."""
        shown = {"gen": str(stats.generation), "best": f"{stats.best_fitness_so_far:.4g}",
                 "mean": f"{stats.mean_fitness:.4g}"}
        if "species" in stats.extra:
            shown["species"] = f"{stats.extra['species']:g}"
        shown["evals/s"] = f"{stats.evaluations_per_second:,.0f}"
        return shown

    def on_generation(self, stats: GenerationStats, strategy: Any) -> None:
        if self.bar is None:
            return
        for line in stats.notes + ((compile_line(stats),) if "compile_s" in stats.extra else ()):
            self.bar.write(line, file=self.stream)
        self.bar.set_postfix(self.postfix(stats), refresh=False)
        self.bar.update(1)

    def on_solved(self, stats: GenerationStats, strategy: Any) -> None:
        if self.bar is not None:
            self.bar.set_description_str(f"solved in generation {stats.generation}")

    def on_end(self, result: Any) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


__all__ = ["ProgressBar"]
