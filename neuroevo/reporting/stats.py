"""Per-generation statistics and species sizes of a run, as files that only grow.

::

    <out_dir>/
      stats.jsonl     one JSON object per generation (GenerationStats, extras as keys;
                      NaN and infinities as null: strict JSON)
      stats.csv       the same rows as a table (header from the first rows)
      species.jsonl   NEAT: {"generation": g, "sizes": {species_id: size}} -- the species of
                      the population evaluated in generation g

A generation's rows are *appended* (every ``write_every`` generations and at the end, also
on interruption), so writing one costs the same in generation 10 and in generation 10,000;
rewriting the whole file every generation made long runs quadratic. The files are written
from scratch once, at :meth:`StatsWriter.on_start`, from the earlier rows it is given (none
for a new run; after a resume, those of the generations before the checkpoint, so rows of
generations that will run again are dropped). A crash during an append can leave a
half-written last line; :func:`read_run_history` skips it, and the next resume rewrites the
files. (A CSV row with a column the header lacks, which strategies whose ``info()`` keys
change would give, rewrites ``stats.csv`` once with the wider header.)

:func:`read_run_history` reads them back (``neuroevo plot``, ``neuroevo resume``), and
also the ``stats.json``/``species.json`` of run folders written by earlier versions.

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

from neuroevo.errors import CheckpointError
from neuroevo.io.atomic import atomic_write_text
from neuroevo.loop import GenerationStats, Reporter

BASE_COLUMNS = [
    "generation",
    "best_fitness",
    "mean_fitness",
    "std_fitness",
    "best_fitness_so_far",
    "evaluations",
    "seconds",
    "evaluations_per_second",
]
STATS_FILE, CSV_FILE, SPECIES_FILE = "stats.jsonl", "stats.csv", "species.jsonl"


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


def _json_line(row: dict[str, Any]) -> str:
    return json.dumps({k: _json_number(v) for k, v in row.items()}, allow_nan=False) + "\n"


def _read_jsonl(path: Path, what: str) -> list[dict[str, Any]]:
    """Rows of a JSON Lines file; a half-written last line (a crash mid-append) is skipped."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as e:
        raise CheckpointError(f"{path}: cannot read the {what}: {e}") from None
    rows = []
    for i, line in enumerate(lines):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError:
            if i == len(lines) - 1:
                break
            raise CheckpointError(
                f"{path} line {i + 1}: not JSON; the {what} is damaged "
                "(delete the line or the file)"
            ) from None
        if not isinstance(row, dict):
            raise CheckpointError(f"{path} line {i + 1}: expected a JSON object")
        rows.append(row)
    return rows


def read_run_history(run_dir: str | os.PathLike[str]) -> tuple[list[dict], list[dict]]:
    """``(stats rows, species rows)`` from a run folder (empty lists where files are missing).

    Reads ``stats.jsonl``/``species.jsonl``, or the ``stats.json``/``species.json`` that
    earlier versions wrote.
    """
    from neuroevo.io.genome_json import read_json_file

    folder = Path(run_dir)
    out = []
    for new, old, what in (
        (STATS_FILE, "stats.json", "stats file"),
        (SPECIES_FILE, "species.json", "species file"),
    ):
        if (folder / new).is_file():
            out.append(_read_jsonl(folder / new, what))
        elif (folder / old).is_file():
            out.append(list(read_json_file(folder / old, what)))
        else:
            out.append([])
    return out[0], out[1]


class StatsWriter(Reporter):
    """Write ``stats.jsonl``, ``stats.csv`` and (NEAT) ``species.jsonl``; see the module doc.

    ``history``/``species_history``: rows of earlier generations (to continue a resumed
    run's files). :attr:`rows` and :attr:`species` hold everything written so far; the plots
    and the summary of a run folder read them.
    """

    def __init__(
        self,
        out_dir: str | os.PathLike[str],
        *,
        write_every: int = 1,
        history: Sequence[dict[str, Any]] = (),
        species_history: Sequence[dict[str, Any]] = (),
    ) -> None:
        if not isinstance(write_every, int) or isinstance(write_every, bool) or write_every < 1:
            raise ValueError(
                f"StatsWriter (RunFolderReporter): write_every must be an integer "
                f">= 1, got {write_every!r}"
            )
        self.out_dir = Path(out_dir)
        self.write_every = write_every
        self.rows: list[dict[str, Any]] = [dict(r) for r in history]
        self.species: list[dict[str, Any]] = [dict(r) for r in species_history]
        self._columns: list[str] = []
        self._rows_written = 0  # rows of self.rows already in the files
        self._species_written = 0

    def on_start(self, strategy: Any, task: Any, generations: int) -> None:
        sizes = species_sizes(strategy)
        if sizes is not None:
            gen = getattr(strategy, "generation", len(self.rows))
            self.species = [r for r in self.species if r["generation"] < gen]
            self.species.append({"generation": gen, "sizes": sizes})
        self.rewrite()

    def on_generation(self, stats: GenerationStats, strategy: Any) -> None:
        if self.rows and self.rows[-1]["generation"] >= stats.generation:  # generations rerun
            self.rows = [r for r in self.rows if r["generation"] < stats.generation]
            self.rewrite()
        self.rows.append(stats.to_dict())
        sizes = species_sizes(strategy)
        if sizes is not None:
            self.species.append({"generation": stats.generation + 1, "sizes": sizes})
        if (stats.generation + 1) % self.write_every == 0:
            self.write()

    def on_end(self, result: Any) -> None:
        self.write()

    def rewrite(self) -> None:
        """Write the files from scratch from :attr:`rows` and :attr:`species` (once per
        session; generations then only append)."""
        self.out_dir.mkdir(parents=True, exist_ok=True)
        extra = sorted({k for r in self.rows for k in r} - set(BASE_COLUMNS))
        self._columns = BASE_COLUMNS + extra
        atomic_write_text(self.out_dir / CSV_FILE, self._csv(self.rows, header=True))
        atomic_write_text(self.out_dir / STATS_FILE, "".join(_json_line(r) for r in self.rows))
        if self.species:
            atomic_write_text(
                self.out_dir / SPECIES_FILE, "".join(json.dumps(r) + "\n" for r in self.species)
            )
        self._rows_written, self._species_written = len(self.rows), len(self.species)

    def write(self) -> None:
        """Append the rows not yet in the files."""
        new_rows = self.rows[self._rows_written :]
        new_species = self.species[self._species_written :]
        if not new_rows and not new_species:
            return
        self.out_dir.mkdir(parents=True, exist_ok=True)
        if any(k not in self._columns for r in new_rows for k in r):
            self.rewrite()  # a new column: the table needs a new header
            return
        if new_rows:
            self._append(CSV_FILE, self._csv(new_rows, header=False))
            self._append(STATS_FILE, "".join(_json_line(r) for r in new_rows))
        if new_species:
            self._append(SPECIES_FILE, "".join(json.dumps(r) + "\n" for r in new_species))
        self._rows_written, self._species_written = len(self.rows), len(self.species)

    def _csv(self, rows: Sequence[dict[str, Any]], *, header: bool) -> str:
        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=self._columns, lineterminator="\n")
        if header:
            w.writeheader()
        for r in rows:
            w.writerow(r)
        return buf.getvalue()

    def _append(self, name: str, text: str) -> None:
        with open(self.out_dir / name, "a", encoding="utf-8") as f:
            f.write(text)


__all__ = [
    "StatsWriter",
    "species_sizes",
    "read_run_history",
    "BASE_COLUMNS",
    "STATS_FILE",
    "CSV_FILE",
    "SPECIES_FILE",
]
