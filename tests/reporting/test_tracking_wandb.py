"""W&B reporter: the offline run's transaction log (.wandb), read record by record with
W&B's own protobuf classes, holds the run's statistics (stats.jsonl) as history, the
settings as config, and the fitness histograms.

wandb >= 0.2x has no Python reader of .wandb files any more (``wandb.sdk.internal.datastore``
is gone; wandb-core reads them); the file is LevelDB's log format -- 32 KiB blocks of
records, each a 7-byte header (checksum, length, kind) and a chunk -- after W&B's 7-byte
header, and each whole record is a ``wandb_internal_pb2.Record``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import neuroevo as ne
from neuroevo.reporting.stats import StatsWriter, read_run_history

pytest.importorskip("wandb")
from wandb.proto import wandb_internal_pb2  # noqa: E402

from neuroevo.reporting.tracking import WandbReporter  # noqa: E402

CONFIGS = Path(__file__).resolve().parents[2] / "configs"
BLOCK, HEADER = 32768, 7
FULL, FIRST, MIDDLE, LAST = 1, 2, 3, 4


def records(path):
    """The ``Record`` messages of a .wandb file, in order."""
    data = Path(path).read_bytes()
    assert data[:4] == b":W&B"
    pos, chunks = HEADER, []
    while pos + HEADER <= len(data):
        left = BLOCK - pos % BLOCK
        if left < HEADER:  # a block's zero-filled tail
            pos += left
            continue
        length, kind = int.from_bytes(data[pos + 4 : pos + 6], "little"), data[pos + 6]
        chunks.append(data[pos + HEADER : pos + HEADER + length])
        pos += HEADER + length
        if kind in (FULL, LAST):
            yield wandb_internal_pb2.Record.FromString(b"".join(chunks))
            chunks = []


def written():
    """Let W&B's service finish writing: ``run.finish()`` returns before the offline file
    is complete; the service writes it all by the time it shuts down."""
    import wandb

    wandb.teardown()


def history_and_config(log):
    """``(history rows, config)`` of one .wandb file; nested keys (a histogram's
    ``fitness/bins``) as nested dicts, the step as ``_step_``."""
    history, config = [], {}
    for r in records(log):
        kind = r.WhichOneof("record_type")
        if kind == "history":
            row = {"_step_": r.history.step.num}
            for item in r.history.item:
                *outer, last = list(item.nested_key) or [item.key]
                place = row
                for key in outer:
                    place = place.setdefault(key, {})
                place[last] = json.loads(item.value_json)
            history.append(row)
        elif kind in ("run", "config"):
            update = r.run.config.update if kind == "run" else r.config.update
            config |= {
                item.key or "/".join(item.nested_key): json.loads(item.value_json)
                for item in update
            }
    return history, config


def test_offline_run_history_config_and_histograms(tmp_path):
    class Keep(ne.Reporter):
        def __init__(self):
            self.fitness = {}

        def on_generation(self, stats, strategy):
            self.fitness[stats.generation] = stats.fitness.clone()

    class KeepWeights(ne.Reporter):  # the enabled connections of the population bred
        def __init__(self):
            self.count = {}

        def on_generation(self, stats, strategy):
            self.count[stats.generation] = sum(
                c.enabled for g in strategy.genomes for c in g.connections.values()
            )

    cfg = ne.load_config(CONFIGS / "xor.ini")
    keep, weights = Keep(), KeepWeights()
    wb = WandbReporter(
        project="xor-test",
        mode="offline",
        dir=tmp_path,
        run_id_file=tmp_path / "wandb_run_id",
        hparams={"seed": 3},
    )
    ne.evolve(
        ne.NEAT(cfg, pop_size=30),
        ne.tasks.XOR(),
        generations=4,
        seed=3,
        device="cpu",
        stop_on_solve=False,
        reporters=[StatsWriter(tmp_path), keep, weights, wb],
    )
    written()
    rows, _ = read_run_history(tmp_path)
    (log,) = sorted(tmp_path.glob("wandb/offline-run-*/run-*.wandb"))
    history, config = history_and_config(log)
    history = [h for h in history if "generation" in h]
    assert [h["generation"] for h in history] == [r["generation"] for r in rows] == [0, 1, 2, 3]
    assert [h["_step_"] for h in history] == [0, 1, 2, 3]
    for h, r in zip(history, rows):
        for key, want in r.items():
            if want is None or (isinstance(h[key], str) and h[key].lower() == "nan"):
                assert want is None and str(h[key]).lower() == "nan", key
            else:
                assert h[key] == pytest.approx(want, rel=1e-12), key
        hist = h["fitness"]
        assert hist["_type"] == "histogram"
        assert sum(hist["values"]) == keep.fitness[h["generation"]].numel() == 30
        assert hist["bins"][0] == pytest.approx(float(keep.fitness[h["generation"]].min()))
        assert hist["bins"][-1] == pytest.approx(float(keep.fitness[h["generation"]].max()))
        assert h["weights"]["_type"] == "histogram"
        assert sum(h["weights"]["values"]) == weights.count[h["generation"]] > 0
    values = {
        k: (v["value"] if isinstance(v, dict) and "value" in v else v) for k, v in config.items()
    }
    assert values["strategy"] == "PythonNEAT" and values["task"] == "xor" and values["seed"] == 3
    assert values["neat.pop_size"] == 30
    run_id = (tmp_path / "wandb_run_id").read_text().strip()
    assert run_id and log.name == f"run-{run_id}.wandb"


def test_a_second_session_keeps_the_run_id(tmp_path):
    ids = tmp_path / "wandb_run_id"
    strategy = ne.GA(ne.MLP(2, [4], 1), pop_size=10)
    ne.evolve(
        strategy,
        ne.tasks.XOR(),
        generations=2,
        seed=1,
        device="cpu",
        reporters=[WandbReporter(mode="offline", dir=tmp_path, run_id_file=ids)],
    )
    first = ids.read_text().strip()
    ne.evolve(
        strategy,
        ne.tasks.XOR(),
        generations=2,
        seed=1,
        device="cpu",
        setup=False,
        start_generation=2,
        reporters=[WandbReporter(mode="offline", dir=tmp_path, run_id_file=ids)],
    )
    written()
    runs = sorted(p.name for p in tmp_path.glob("wandb/offline-run-*"))
    # one folder per session, both under the run's id ("-1" added when in the same second)
    assert len(runs) == 2 and all(f"-{first}" in name for name in runs)
    gens = [
        h["generation"]
        for log in sorted(tmp_path.glob("wandb/offline-run-*/run-*.wandb"))
        for h in history_and_config(log)[0]
        if "generation" in h
    ]
    assert sorted(gens) == [0, 1, 2, 3]


def test_bad_mode_and_missing_wandb_are_one_line(monkeypatch):
    import sys

    with pytest.raises(ne.ConfigError, match="mode must be one of online, offline, disabled"):
        WandbReporter(mode="ofline")
    monkeypatch.setitem(sys.modules, "wandb", None)
    with pytest.raises(ne.ConfigError, match=r"pip install 'neuroevo\[wandb\]'"):
        WandbReporter(mode="offline")
