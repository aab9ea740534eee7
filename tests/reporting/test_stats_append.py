"""Statistics files grow by one row a generation: the cost of a generation does not grow with the run."""

from __future__ import annotations

import builtins
import csv
import json

import pytest

import neuroevo.reporting.stats as stats_module
from neuroevo.errors import CheckpointError
from neuroevo.loop import GenerationStats
from neuroevo.reporting.stats import StatsWriter, read_run_history


def _stats(g: int) -> GenerationStats:
    return GenerationStats(
        generation=g,
        best_fitness=float(g),
        mean_fitness=g / 2,
        std_fitness=0.25,
        best_fitness_so_far=float(g),
        evaluations=100 * (g + 1),
        seconds=0.01,
        evaluations_per_second=1e4,
        extra={"species": 3.0},
    )


class Counting:
    """Counts the bytes the stats module writes, whichever way it writes them."""

    def __init__(self, monkeypatch):
        self.bytes = 0
        real_open, real_atomic = builtins.open, stats_module.atomic_write_text
        counter = self

        class File:
            def __init__(self, f):
                self.f = f

            def write(self, text):
                counter.bytes += len(text.encode())
                return self.f.write(text)

            def __enter__(self):
                return self

            def __exit__(self, *exc):
                self.f.close()

        def counting_open(file, mode="r", *args, **kwargs):
            f = real_open(file, mode, *args, **kwargs)
            return File(f) if any(m in mode for m in "wax") else f

        def counting_atomic(path, text, *args, **kwargs):
            counter.bytes += len(text.encode())
            return real_atomic(path, text, *args, **kwargs)

        monkeypatch.setattr(stats_module, "open", counting_open, raising=False)
        monkeypatch.setattr(stats_module, "atomic_write_text", counting_atomic)


def test_bytes_written_per_generation_do_not_grow_with_the_run(tmp_path, monkeypatch):
    count = Counting(monkeypatch)
    writer = StatsWriter(tmp_path)
    writer.on_start(object(), object(), 400)
    per_generation = []
    for g in range(400):
        before = count.bytes
        writer.on_generation(_stats(g), object())
        per_generation.append(count.bytes - before)
    writer.on_end(None)
    early, late = per_generation[10], per_generation[390]
    assert 0 < early and late <= early * 1.2, (early, late)  # rewriting would give late ~ 39x
    assert sum(per_generation) < 400 * early * 1.2
    # and the files hold every generation
    rows, _ = read_run_history(tmp_path)
    assert [r["generation"] for r in rows] == list(range(400))
    with open(tmp_path / "stats.csv") as f:
        table = list(csv.DictReader(f))
    assert [int(r["generation"]) for r in table] == list(range(400))
    assert float(table[7]["species"]) == 3.0 and float(table[7]["mean_fitness"]) == 3.5


def test_a_half_written_last_line_is_skipped(tmp_path):
    lines = [json.dumps(_stats(g).to_dict()) for g in range(3)]
    (tmp_path / "stats.jsonl").write_text("\n".join(lines) + '\n{"generation": 3, "be')
    rows, species = read_run_history(tmp_path)
    assert [r["generation"] for r in rows] == [0, 1, 2] and species == []
    (tmp_path / "stats.jsonl").write_text(lines[0] + "\nnot json\n" + lines[1] + "\n")
    with pytest.raises(CheckpointError, match="line 2"):
        read_run_history(tmp_path)


def test_non_finite_values_are_strict_json(tmp_path):
    writer = StatsWriter(tmp_path)
    writer.on_start(object(), object(), 1)
    row = _stats(0)
    writer.on_generation(GenerationStats(**{**row.__dict__, "std_fitness": float("nan")}), object())
    writer.on_end(None)

    def refuse(name):
        raise AssertionError(f"{name} is not strict JSON")

    line = (tmp_path / "stats.jsonl").read_text().splitlines()[0]
    assert json.loads(line, parse_constant=refuse)["std_fitness"] is None


def test_a_resumed_writer_drops_the_rows_that_run_again(tmp_path):
    first = StatsWriter(tmp_path)
    first.on_start(object(), object(), 5)
    for g in range(5):
        first.on_generation(_stats(g), object())
    first.on_end(None)
    # resumed from the checkpoint after generation 2: generations 3 and 4 run again
    history = [_stats(g).to_dict() for g in range(3)]
    again = StatsWriter(tmp_path, history=history)
    again.on_start(object(), object(), 2)
    for g in (3, 4):
        again.on_generation(_stats(g), object())
    again.on_end(None)
    rows, _ = read_run_history(tmp_path)
    assert [r["generation"] for r in rows] == [0, 1, 2, 3, 4]
    assert len((tmp_path / "stats.csv").read_text().splitlines()) == 6


def test_earlier_versions_stats_json_is_still_read(tmp_path):
    rows = [_stats(g).to_dict() for g in range(2)]
    (tmp_path / "stats.json").write_text(json.dumps(rows))
    (tmp_path / "species.json").write_text(json.dumps([{"generation": 0, "sizes": {"1": 5}}]))
    got, species = read_run_history(tmp_path)
    assert got == rows and species == [{"generation": 0, "sizes": {"1": 5}}]
