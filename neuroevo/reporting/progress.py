"""A tqdm progress bar: generation, best fitness, species (when the strategy has them), evals/s.

The bar writes to ``stderr`` (tqdm's default) and disappears cleanly on interruption. It is
:attr:`ProgressBar.BAR_WIDTH` characters wide whatever the terminal: the figures after it
(a LunarLander run's fill most of a 110-column line) are cut at the terminal's edge rather
than squeezing the bar away, as tqdm's own layout does.

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
    so logs of batch jobs stay clean; pass ``disable=False`` to force it. ``ncols``: the
    line's width (default: the terminal's, followed as it is resized). ``start_generation``:
    the generation a resumed run goes on from; the bar counts the run's generations from 0
    (``13/300`` after generation 12), not the resumed part's.
    """

    #: characters of the bar itself, whatever the terminal's width
    BAR_WIDTH = 10

    def __init__(
        self,
        *,
        stream: IO[str] | None = None,
        leave: bool = True,
        disable: bool | None = None,
        mininterval: float = 0.2,
        ncols: int | None = None,
        start_generation: int = 0,
    ) -> None:
        self.stream = stream
        self.leave = leave
        self.disable = disable
        self.mininterval = mininterval
        self.ncols = ncols
        self.start_generation = start_generation
        self.bar: Any = None

    def on_start(self, strategy: Any, task: Any, generations: int) -> None:
        from tqdm.auto import tqdm

        start = self.start_generation
        names = f"{getattr(strategy, 'name', 'strategy')} on {getattr(task, 'name', 'task')}"
        self.bar = tqdm(
            total=start + generations,
            initial=start,
            unit="gen",
            file=self.stream,
            leave=self.leave,
            disable=self.disable,
            mininterval=self.mininterval,
            ncols=self.ncols,
            dynamic_ncols=self.ncols is None,
            desc=names,
            bar_format=f"{{desc}} |{{bar:{self.BAR_WIDTH}}}| {{n_fmt}}/{{total_fmt}} "
            "[{elapsed}<{remaining}{postfix}]",
        )

    def postfix(self, stats: GenerationStats) -> str:
        """The figures shown after the bar: ``best -102.3 mean -230.5 species 7 1,234 evals/s``
        (the generation is the bar's count)."""
        shown = [f"best {stats.best_fitness_so_far:.4g}", f"mean {stats.mean_fitness:.4g}"]
        if "species" in stats.extra:
            shown.append(f"species {stats.extra['species']:g}")
        shown.append(f"{stats.evaluations_per_second:,.0f} evals/s")
        return " ".join(shown)

    def on_generation(self, stats: GenerationStats, strategy: Any) -> None:
        if self.bar is None:
            return
        for line in stats.notes + ((compile_line(stats),) if "compile_s" in stats.extra else ()):
            self.bar.write(line, file=self.stream)
        self.bar.set_postfix_str(self.postfix(stats), refresh=False)
        self.bar.update(1)

    def on_solved(self, stats: GenerationStats, strategy: Any) -> None:
        if self.bar is not None:
            self.bar.set_description_str(f"solved in generation {stats.generation}")

    def on_end(self, result: Any) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


__all__ = ["ProgressBar"]
