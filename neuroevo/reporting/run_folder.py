"""Write everything about a run into one folder.

::

    <out_dir>/
      stats.csv, stats.json     one row per generation (GenerationStats, extras as columns)
      species.json              NEAT: [{"generation": g, "sizes": {species_id: size}}] -- the
                                species of the population evaluated in generation g
      best_genome.json          NEAT: the best genome so far (neuroevo.load_genome reads it)
      best_genome.svg           its drawing (graphviz; .gv source when `dot` is missing)
      fitness.png               best / mean +/- std / best so far per generation
      fitness_evaluations.png   the same against fitness evaluations
      species.png               species sizes, stacked
      episode.png               control tasks: one episode of the best genome (state traces)
      episode_frames.png        CartPole: its cart-pole poses
      summary.md                what ran, the outcome, the files
      experiment/               copies of the experiment and INI files given

Files are rewritten atomically, so a crash or an interruption never leaves a broken one;
the statistics are written every ``write_every`` generations and at the end, the
drawing, the plots and the summary at the end (:meth:`on_end` also runs on interruption).

Example::

    from neuroevo.reporting.run_folder import RunFolderReporter
    rf = RunFolderReporter("runs/xor", files=["configs/xor.toml", "configs/xor.ini"],
                           node_names={-1: "a", -2: "b", 0: "a xor b"})
    ne.evolve(strategy, task, generations=300, reporters=[rf])
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import shutil
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch

from neuroevo.errors import ConfigError
from neuroevo.io.atomic import atomic_write_text
from neuroevo.loop import GenerationStats, Reporter

BASE_COLUMNS = ["generation", "best_fitness", "mean_fitness", "std_fitness",
                "best_fitness_so_far", "evaluations", "seconds", "evaluations_per_second"]


def species_sizes(strategy: Any) -> dict[str, int] | None:
    """``{species_id: size}`` of a strategy holding a ``neat.Population`` (else ``None``)."""
    pop = getattr(strategy, "population", None)
    species = getattr(getattr(pop, "species", None), "species", None)
    if not isinstance(species, dict):
        return None
    return {str(sid): len(s.members) for sid, s in species.items()}


def _json_number(x: Any) -> Any:
    if isinstance(x, float) and not math.isfinite(x):
        return None
    return x


def read_run_history(run_dir: str | os.PathLike[str]) -> tuple[list[dict], list[dict]]:
    """``(stats rows, species rows)`` from a run folder (empty lists where files are missing)."""
    from neuroevo.io.genome_json import read_json_file

    folder = Path(run_dir)
    stats = read_json_file(folder / "stats.json", "stats file") if (folder / "stats.json").is_file() else []
    species = (read_json_file(folder / "species.json", "species file")
               if (folder / "species.json").is_file() else [])
    return list(stats), list(species)


#: names of the state variables, in the layout of each gymnasium environment's ``state``
_STATE_LABELS = {
    "CartPole-v1": ["x", "x_dot", "theta", "theta_dot"],
    "Acrobot-v1": ["theta1", "theta2", "theta1_dot", "theta2_dot"],
    "MountainCar-v0": ["position", "velocity"],
    "MountainCarContinuous-v0": ["position", "velocity"],
    "Pendulum-v1": ["theta", "theta_dot"],
}


class RunFolderReporter(Reporter):
    """Write statistics, the best genome, its drawing, plots and a summary (see module doc).

    ``files``: experiment/INI files to copy into ``experiment/``. ``node_names``: labels
    for the drawing (``{-1: "x", 0: "y"}``). ``history``/``species_history``: rows of
    earlier generations (to continue a resumed run's files).
    """

    def __init__(
        self,
        out_dir: str | os.PathLike[str],
        *,
        files: Sequence[str | os.PathLike[str]] = (),
        node_names: dict[int, str] | None = None,
        draw: bool = True,
        plots: bool = True,
        write_every: int = 1,
        history: Sequence[dict[str, Any]] = (),
        species_history: Sequence[dict[str, Any]] = (),
    ) -> None:
        if not isinstance(write_every, int) or isinstance(write_every, bool) or write_every < 1:
            raise ValueError(f"RunFolderReporter: write_every must be an integer >= 1, got "
                             f"{write_every!r}")
        self.out_dir = Path(out_dir)
        self.files = [Path(f) for f in files]
        self.node_names = node_names
        self.draw = draw
        self.plots = plots
        self.write_every = write_every
        self.rows: list[dict[str, Any]] = [dict(r) for r in history]
        self.species: list[dict[str, Any]] = [dict(r) for r in species_history]
        self.notes: list[str] = []
        self._strategy: Any = None
        self._task: Any = None
        self._generations = 0
        self._best_saved = float("-inf")

    # --- hooks ---------------------------------------------------------------------------

    def on_start(self, strategy: Any, task: Any, generations: int) -> None:
        self.out_dir.mkdir(parents=True, exist_ok=True)
        self._strategy, self._task, self._generations = strategy, task, generations
        for f in self.files:
            if not f.is_file():
                raise ConfigError(f"RunFolderReporter(files=...): no such file to copy: {f}")
            (self.out_dir / "experiment").mkdir(exist_ok=True)
            shutil.copyfile(f, self.out_dir / "experiment" / f.name)
        sizes = species_sizes(strategy)
        if sizes is not None:
            gen = getattr(strategy, "generation", len(self.rows))
            self.species = [r for r in self.species if r["generation"] < gen]
            self.species.append({"generation": gen, "sizes": sizes})

    def on_generation(self, stats: GenerationStats, strategy: Any) -> None:
        self.rows = [r for r in self.rows if r["generation"] < stats.generation]
        self.rows.append(stats.to_dict())
        sizes = species_sizes(strategy)
        if sizes is not None:
            self.species.append({"generation": stats.generation + 1, "sizes": sizes})
        if strategy.best_fitness > self._best_saved:
            self._save_best(strategy)
        if (stats.generation + 1) % self.write_every == 0:
            self._write_stats()

    def on_end(self, result: Any) -> None:
        self.out_dir.mkdir(parents=True, exist_ok=True)
        strategy = result.strategy or self._strategy
        if strategy is not None and strategy.best_fitness > self._best_saved:
            self._save_best(strategy)
        self._write_stats()
        if self.draw:
            self._draw(strategy)
        if self.plots:
            self._plot()
        self._summary(result)

    # --- writers -------------------------------------------------------------------------

    def _genome_config(self, strategy: Any) -> Any:
        return getattr(getattr(strategy, "config", None), "genome_config", None)

    def _save_best(self, strategy: Any) -> None:
        best = strategy.best
        if best is None or not hasattr(best, "connections"):
            return
        from neuroevo.io.genome_json import save_genome

        save_genome(best, self.out_dir / "best_genome.json", self._genome_config(strategy))
        self._best_saved = strategy.best_fitness

    def _write_stats(self) -> None:
        extra = sorted({k for r in self.rows for k in r} - set(BASE_COLUMNS))
        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=BASE_COLUMNS + extra, lineterminator="\n")
        w.writeheader()
        for r in self.rows:
            w.writerow(r)
        atomic_write_text(self.out_dir / "stats.csv", buf.getvalue())
        rows = [{k: _json_number(v) for k, v in r.items()} for r in self.rows]
        atomic_write_text(self.out_dir / "stats.json", json.dumps(rows, indent=0) + "\n")
        if self.species:
            atomic_write_text(self.out_dir / "species.json", json.dumps(self.species) + "\n")

    def _draw(self, strategy: Any) -> None:
        best = getattr(strategy, "best", None)
        gc = self._genome_config(strategy)
        if best is None or gc is None or not hasattr(best, "connections"):
            return
        try:
            from neuroevo.viz.draw import DotMissingWarning, draw_genome
        except ImportError as e:  # graphviz (Python) not installed
            self.notes.append(f"no drawing: {e} (pip install 'neuroevo[viz]')")
            return
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", DotMissingWarning)
            draw_genome(best, gc, node_names=self.node_names,
                        filename=self.out_dir / "best_genome.svg")
        for w in caught:
            if issubclass(w.category, DotMissingWarning):
                self.notes.append(str(w.message))
            else:
                warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)

    def _plot(self) -> None:
        if not self.rows:
            return
        try:
            from neuroevo.viz.plots import plot_fitness, plot_species
        except ImportError as e:  # matplotlib not installed
            self.notes.append(f"no plots: {e} (pip install 'neuroevo[viz]')")
            return
        plot_fitness(self.rows, filename=self.out_dir / "fitness.png")
        plot_fitness(self.rows, x="evaluations", filename=self.out_dir / "fitness_evaluations.png")
        if self.species:
            plot_species(self.species, filename=self.out_dir / "species.png")
        self._plot_episode()

    def _plot_episode(self) -> None:
        """For control tasks: one episode of the best genome, as state traces (and frames)."""
        task, strategy = self._task, self._strategy
        best = getattr(strategy, "best", None)
        gc = self._genome_config(strategy)
        if not callable(getattr(task, "record_episode", None)) or gc is None \
                or not hasattr(best, "connections"):
            return
        from neuroevo.compile.population import compile_population
        from neuroevo.errors import NeuroevoError
        from neuroevo.viz.plots import plot_cartpole_frames, plot_episode

        try:
            net = compile_population([best], gc, device="cpu", dtype=torch.float64,
                                     recurrent=not gc.feed_forward)
            states, rewards = task.record_episode(net, seed=0)
        except NeuroevoError as e:
            self.notes.append(f"no episode plot: {e}")
            return
        labels = _STATE_LABELS.get(getattr(task, "env_name", ""))
        plot_episode(states, labels=labels, rewards=rewards,
                     title=f"best genome, one episode ({len(rewards)} steps)",
                     filename=self.out_dir / "episode.png")
        if getattr(task, "env_name", "") == "CartPole-v1":
            plot_cartpole_frames(states, every=max(1, len(rewards) // 25),
                                 filename=self.out_dir / "episode_frames.png")

    def _summary(self, result: Any) -> None:
        strategy = result.strategy or self._strategy
        name = getattr(strategy, "name", "?")
        task = getattr(self._task, "name", "?")
        last = self.rows[-1] if self.rows else {}
        planned = (self.rows[0]["generation"] if self.rows else 0) + self._generations
        if result.solved:
            outcome = f"**solved** in generation {last.get('generation', '?')}"
        elif self.rows and last["generation"] + 1 < planned:
            outcome = "**stopped early** (interrupted or failed) -- resume with `neuroevo resume`"
        else:
            outcome = "not solved within the generation limit"
        lines = [
            f"# {name} on {task}", "",
            f"- outcome: {outcome}",
            f"- best fitness: {result.best_fitness:.6g}"
            + (f" (threshold {self._task.fitness_threshold:g})"
               if getattr(self._task, "fitness_threshold", None) is not None else ""),
            f"- generations: {result.generations}",
            f"- fitness evaluations: {result.evaluations:,}",
            f"- wall time of this session: {result.seconds:.2f} s",
            f"- population: {getattr(strategy, 'population_size', '?')}", "",
            "## Files", "",
        ]
        for fname, what in (("best_genome.json", "best genome (`neuroevo.load_genome`)"),
                            ("best_genome.svg", "drawing of the best genome"),
                            ("best_genome.gv", "DOT source of the drawing (install graphviz)"),
                            ("fitness.png", "fitness per generation"),
                            ("fitness_evaluations.png", "fitness per evaluations"),
                            ("species.png", "species sizes"),
                            ("episode.png", "one episode of the best controller"),
                            ("episode_frames.png", "its cart-pole poses"),
                            ("stats.csv", "per-generation statistics"),
                            ("species.json", "species sizes per generation")):
            if (self.out_dir / fname).exists():
                lines.append(f"- [{fname}]({fname}): {what}")
        if (self.out_dir / "fitness.png").exists():
            lines += ["", "![fitness](fitness.png)"]
        if (self.out_dir / "best_genome.svg").exists():
            lines += ["", "![best genome](best_genome.svg)"]
        if self.rows:
            lines += ["", "## Last generations", "",
                      "| generation | best | mean | best so far | evaluations |",
                      "|---:|---:|---:|---:|---:|"]
            for r in self.rows[-5:]:
                lines.append(f"| {r['generation']} | {r['best_fitness']:.4g} | "
                             f"{r['mean_fitness']:.4g} | {r['best_fitness_so_far']:.4g} | "
                             f"{r['evaluations']:,} |")
        if self.notes:
            lines += ["", "## Notes", ""] + [f"- {n}" for n in self.notes]
        atomic_write_text(self.out_dir / "summary.md", "\n".join(lines) + "\n")


__all__ = ["RunFolderReporter", "species_sizes", "read_run_history"]
