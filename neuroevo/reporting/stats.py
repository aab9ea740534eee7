"""Per-generation statistics and species sizes of a run, as files.

::

    <out_dir>/
      stats.csv, stats.json     one row per generation (GenerationStats, extras as columns)
      species.json              NEAT: [{"generation": g, "sizes": {species_id: size}}] -- the
                                species of the population evaluated in generation g

Files are rewritten atomically every ``write_every`` generations and at the end (also on
interruption), so a crash never leaves a broken one. :func:`read_run_history` reads them
back (``neuroevo plot``, ``neuroevo resume``).

Example::

    from neuroevo.reporting.stats import StatsWriter
    ne.evolve(strategy, task, generations=300, reporters=[StatsWriter("runs/xor")])
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

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


class StatsWriter(Reporter):
    """Write ``stats.csv``, ``stats.json`` and (NEAT) ``species.json``; see the module doc.

    ``history``/``species_history``: rows of earlier generations (to continue a resumed
    run's files). :attr:`rows` and :attr:`species` hold everything written so far; the plots
    and the summary of a run folder read them.
    """

    def __init__(self, out_dir: str | os.PathLike[str], *, write_every: int = 1,
                 history: Sequence[dict[str, Any]] = (),
                 species_history: Sequence[dict[str, Any]] = ()) -> None:
        if not isinstance(write_every, int) or isinstance(write_every, bool) or write_every < 1:
            raise ValueError(f"StatsWriter (RunFolderReporter): write_every must be an integer "
                             f">= 1, got {write_every!r}")
        self.out_dir = Path(out_dir)
        self.write_every = write_every
        self.rows: list[dict[str, Any]] = [dict(r) for r in history]
        self.species: list[dict[str, Any]] = [dict(r) for r in species_history]

    def on_start(self, strategy: Any, task: Any, generations: int) -> None:
        self.out_dir.mkdir(parents=True, exist_ok=True)
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
        if (stats.generation + 1) % self.write_every == 0:
            self.write()

    def on_end(self, result: Any) -> None:
        self.out_dir.mkdir(parents=True, exist_ok=True)
        self.write()

    def write(self) -> None:
        """Rewrite the files from :attr:`rows` and :attr:`species`."""
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


__all__ = ["StatsWriter", "species_sizes", "read_run_history", "BASE_COLUMNS"]
