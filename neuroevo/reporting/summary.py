"""``<out_dir>/summary.md``: what ran, how it ended, the files of the run folder.

Written at the end of the run (also on interruption or failure; the outcome line says
which, from ``result.status``), after the other run-folder reporters, so that it lists the
files they wrote and the notes they left.

Example::

    stats = StatsWriter("runs/xor")
    ne.evolve(strategy, task, generations=300, reporters=[stats, Summary("runs/xor", stats)])
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from neuroevo.io.atomic import atomic_write_text
from neuroevo.loop import Reporter, RunStatus
from neuroevo.reporting.stats import StatsWriter

#: files a run folder may hold, in the order the summary lists them
FILES = (
    ("result.json", "what ran and how it ended, with the history"),
    ("best_genome.json", "best genome (`neuroevo.load_genome`)"),
    ("best_params.json", "best parameter vector"),
    ("best_genome.svg", "drawing of the best genome"),
    ("best_genome.gv", "DOT source of the drawing (install graphviz)"),
    ("best_params.svg", "drawing of the network with the best parameters"),
    ("best_params.gv", "DOT source of the drawing (install graphviz)"),
    ("fitness.png", "fitness per generation"),
    ("fitness_evaluations.png", "fitness per evaluations"),
    ("species.png", "species sizes"),
    ("episode.png", "one episode of the best controller"),
    ("episode_frames.png", "its cart-pole poses"),
    ("stats.csv", "per-generation statistics"),
    ("stats.jsonl", "the same, one JSON object per generation"),
    ("species.jsonl", "species sizes per generation"),
    ("checkpoints", "checkpoints for `neuroevo resume`"),
)


class Summary(Reporter):
    """Write ``summary.md`` at the end (see the module doc).

    ``stats``: the writer whose rows give the last generations. ``notes``: lines other
    reporters left (a missing ``dot`` program ...), listed under "Notes".
    """

    def __init__(
        self, out_dir: str | os.PathLike[str], stats: StatsWriter, *, notes: list[str] | None = None
    ) -> None:
        self.out_dir = Path(out_dir)
        self.stats = stats
        self.notes = notes if notes is not None else []
        self._strategy: Any = None
        self._task: Any = None
        self._generations = 0
        self._first: int | None = None  # first generation of this session (after a resume: > 0)

    def on_start(self, strategy: Any, task: Any, generations: int) -> None:
        self._strategy, self._task, self._generations = strategy, task, generations
        self._first = None

    def on_generation(self, stats: Any, strategy: Any) -> None:
        if self._first is None:
            self._first = stats.generation

    def outcome(self, result: Any) -> str:
        """The outcome line: solved, stopped early (and why), or not solved."""
        rows = self.stats.rows
        last = rows[-1] if rows else {}
        planned = (self._first if self._first is not None else 0) + self._generations
        status = getattr(result, "status", RunStatus.FINISHED)
        if result.solved:
            return f"**solved** in generation {last.get('generation', '?')}"
        if not status.completed:
            return f"**stopped early** ({status.value}) -- resume with `neuroevo resume`"
        if rows and last["generation"] + 1 < planned:
            return "**stopped early** (the strategy reported it is done)"
        return "not solved within the generation limit"

    def on_end(self, result: Any) -> None:
        strategy = result.strategy or self._strategy
        rows = self.stats.rows
        threshold = getattr(self._task, "fitness_threshold", None)
        lines = [
            f"# {getattr(strategy, 'name', '?')} on {getattr(self._task, 'name', '?')}",
            "",
            f"- outcome: {self.outcome(result)}",
            f"- best fitness: {result.best_fitness:.6g}"
            + (f" (threshold {threshold:g})" if threshold is not None else ""),
            f"- generations: {result.generations}",
            f"- fitness evaluations: {result.evaluations:,}",
            f"- wall time of this session: {result.seconds:.2f} s",
            f"- population: {getattr(strategy, 'population_size', '?')}",
            "",
            "## Files",
            "",
        ]
        for fname, what in FILES:
            if (self.out_dir / fname).exists():
                lines.append(f"- [{fname}]({fname}): {what}")
        if (self.out_dir / "fitness.png").exists():
            lines += ["", "![fitness](fitness.png)"]
        if (self.out_dir / "best_genome.svg").exists():
            lines += ["", "![best genome](best_genome.svg)"]
        if rows:
            lines += [
                "",
                "## Last generations",
                "",
                "| generation | best | mean | best so far | evaluations |",
                "|---:|---:|---:|---:|---:|",
            ]
            for r in rows[-5:]:
                lines.append(
                    f"| {r['generation']} | {r['best_fitness']:.4g} | "
                    f"{r['mean_fitness']:.4g} | {r['best_fitness_so_far']:.4g} | "
                    f"{r['evaluations']:,} |"
                )
        if self.notes:
            lines += ["", "## Notes", ""] + [f"- {n}" for n in self.notes]
        self.out_dir.mkdir(parents=True, exist_ok=True)
        atomic_write_text(self.out_dir / "summary.md", "\n".join(lines) + "\n")


__all__ = ["Summary", "FILES"]
