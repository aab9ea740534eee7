"""Crafted island checkpoints (issue 21, item 9): an island's file or the migrant pool's,
with a valid SHA-256 over values no run writes, fail when the run resumes with one
CheckpointError line naming the file and the field -- not a TypeError, ValueError, KeyError
or AttributeError from inside the loader, nor a pool that loads and breaks at the first
migration. The untouched files still resume to the uninterrupted run.

Each case takes the checkpoints of a short synchronous run (three PSO islands on XOR, or two
NEAT islands), changes one value, and writes the file again with the writer's own
:func:`checkpoint_bytes`.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import torch

import neuroevo as ne
from neuroevo.errors import CheckpointError
from neuroevo.io.checkpoint import checkpoint_bytes, document_bytes, load_checkpoint, read_document
from neuroevo.islands.islands import Islands

SYNC = {
    "migration_interval": 2,
    "migrants": 1,
    "seed": 4,
    "asynchronous": False,
    "backend": "local",
    "stop_on_solve": False,
}


def _pso_islands(folder: Path) -> Islands:
    return Islands(
        [ne.PSO(ne.MLP(2, [3], 1), pop_size=8, reset_module=True) for _ in range(3)],
        ne.tasks.XOR(),
        checkpoint_dir=folder,
        **SYNC,
    )


def _neat_islands(folder: Path) -> Islands:
    return Islands(
        [ne.NEAT(ne.load_config("configs/xor.ini"), pop_size=10) for _ in range(2)],
        ne.tasks.XOR(),
        checkpoint_dir=folder,
        **SYNC,
    )


def _control_islands(folder: Path) -> Islands:
    """PSO islands on a control task with running observation statistics (a task state)."""
    task = ne.tasks.Control("pendulum", episodes=1, normalize_observations=True, max_steps=20)
    return Islands(
        [ne.PSO(ne.MLP(3, [3], 1), pop_size=6, reset_module=True) for _ in range(2)],
        task,
        checkpoint_dir=folder,
        **SYNC,
    )


MAKE = {"pso": _pso_islands, "neat": _neat_islands, "control": _control_islands}


def _figures(result):
    return [
        [
            (
                g.generation,
                g.best_fitness,
                g.mean_fitness,
                g.best_fitness_so_far,
                g.evaluations,
                g.immigrants,
            )
            for g in h
        ]
        for h in result.histories
    ]


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """``saved(kind)``: the folder of a 4-generation checkpointed run of ``kind`` islands."""
    made: dict[str, Path] = {}

    def get(kind: str) -> Path:
        if kind not in made:
            made[kind] = tmp_path_factory.mktemp(kind) / "islands"
            MAKE[kind](made[kind]).run(4)
        return made[kind]

    return get


def _set(*path, value) -> Callable[[dict], None]:
    def edit(state: dict) -> None:
        d = state
        for k in path[:-1]:
            d = d[k]
        d[path[-1]] = value

    return edit


def _drop(*path) -> Callable[[dict], None]:
    def edit(state: dict) -> None:
        d = state
        for k in path[:-1]:
            d = d[k]
        del d[path[-1]]

    return edit


def _history(edit_row: Callable[[dict], None]) -> Callable[[dict], None]:
    return lambda state: edit_row(state["loop"]["history"][0])


#: (case, islands, file, edit of {"strategy": ..., "loop": ...}, field the message names)
CASES = [
    # an island's own part: counters, flags, history
    (
        "generation as text",
        "pso",
        "island-1.ckpt",
        _set("loop", "generation", value="4"),
        "loop.generation",
    ),
    (
        "negative generation",
        "pso",
        "island-1.ckpt",
        _set("loop", "generation", value=-1),
        "loop.generation",
    ),
    (
        "generation beyond int64",
        "pso",
        "island-1.ckpt",
        _set("loop", "generation", value=2**70),
        "loop.generation",
    ),
    (
        "evaluations null",
        "pso",
        "island-1.ckpt",
        _set("loop", "evaluations", value=None),
        "loop.evaluations",
    ),
    ("solved as 1", "pso", "island-1.ckpt", _set("loop", "solved", value=1), "loop.solved"),
    ("island as true", "pso", "island-1.ckpt", _set("loop", "island", value=True), "loop"),
    (
        "settings as a list",
        "pso",
        "island-1.ckpt",
        _set("loop", "settings", value=[1, 2]),
        "loop.settings",
    ),
    (
        "a setting as a tensor",
        "pso",
        "island-1.ckpt",
        _set("loop", "settings", "seed", value=torch.tensor([4, 4])),
        "loop.settings",
    ),
    ("loop state a list", "pso", "island-1.ckpt", _set("loop", value=[1]), "loop"),
    ("history missing", "pso", "island-1.ckpt", _drop("loop", "history"), "'history'"),
    (
        "history an object",
        "pso",
        "island-1.ckpt",
        _set("loop", "history", value={"a": 1}),
        "loop.history",
    ),
    (
        "history shorter than the generations",
        "pso",
        "island-1.ckpt",
        lambda s: s["loop"]["history"].pop(),
        "loop.history",
    ),
    (
        "history row a number",
        "pso",
        "island-1.ckpt",
        _set("loop", "history", 0, value=5),
        "loop.history[0]",
    ),
    (
        "history row without seconds",
        "pso",
        "island-1.ckpt",
        _history(lambda r: r.pop("seconds")),
        "loop.history[0]",
    ),
    (
        "history row with an extra field",
        "pso",
        "island-1.ckpt",
        _history(lambda r: r.update(extra=1)),
        "loop.history[0]",
    ),
    (
        "history row of another generation",
        "pso",
        "island-1.ckpt",
        _history(lambda r: r.update(generation=7)),
        "loop.history[0].generation",
    ),
    (
        "history row of another island",
        "pso",
        "island-1.ckpt",
        _history(lambda r: r.update(island=0)),
        "loop.history[0].island",
    ),
    (
        "history fitness as text",
        "pso",
        "island-1.ckpt",
        _history(lambda r: r.update(best_fitness="x")),
        "loop.history[0].best_fitness",
    ),
    (
        "history negative seconds",
        "pso",
        "island-1.ckpt",
        _history(lambda r: r.update(seconds=-1.0)),
        "loop.history[0].seconds",
    ),
    (
        "history immigrants as a float",
        "pso",
        "island-1.ckpt",
        _history(lambda r: r.update(immigrants=1.5)),
        "loop.history[0].immigrants",
    ),
    (
        "a task state for a task without one",
        "pso",
        "island-1.ckpt",
        _set("loop", "task", value={"mean": 1}),
        "loop.task",
    ),
    ("an unknown field", "pso", "island-1.ckpt", _set("loop", "zz", value=1), "loop"),
    (
        "the strategy's state a number",
        "pso",
        "island-1.ckpt",
        _set("strategy", value=5),
        "strategy",
    ),
    (
        "the NEAT best fitness as text",
        "neat",
        "island-0.ckpt",
        _set("strategy", "best_fitness", value="3"),
        "best_fitness",
    ),
    (
        "the NEAT population missing",
        "neat",
        "island-0.ckpt",
        _drop("strategy", "population"),
        "population",
    ),
    # the task's state: running observation statistics
    (
        "observation mean nan",
        "control",
        "island-1.ckpt",
        _set(
            "loop",
            "task",
            "observation_stats",
            "mean",
            value=torch.full((3,), float("nan"), dtype=torch.float64),
        ),
        "task.observation_stats.mean",
    ),
    (
        "observation mean of 2 values",
        "control",
        "island-1.ckpt",
        _set("loop", "task", "observation_stats", "mean", value=torch.zeros(2)),
        "task.observation_stats.mean",
    ),
    (
        "observation count negative",
        "control",
        "island-1.ckpt",
        _set("loop", "task", "observation_stats", "count", value=torch.tensor(-5.0)),
        "task.observation_stats.count",
    ),
    (
        "observation m2 infinite",
        "control",
        "island-1.ckpt",
        _set("loop", "task", "observation_stats", "m2", value=torch.full((3,), float("inf"))),
        "task.observation_stats.m2",
    ),
    (
        "observation min_var as text",
        "control",
        "island-1.ckpt",
        _set("loop", "task", "observation_stats", "min_var", value="x"),
        "task.observation_stats.min_var",
    ),
    (
        "observation min_var 0",
        "control",
        "island-1.ckpt",
        _set("loop", "task", "observation_stats", "min_var", value=0.0),
        "task.observation_stats.min_var",
    ),
    (
        "observation statistics a list",
        "control",
        "island-1.ckpt",
        _set("loop", "task", "observation_stats", value=[1]),
        "task.observation_stats",
    ),
    (
        "observation statistics with an extra field",
        "control",
        "island-1.ckpt",
        _set("loop", "task", "observation_stats", "zz", value=1),
        "unknown fields",
    ),
    (
        "a task state without statistics",
        "control",
        "island-1.ckpt",
        _set("loop", "task", value={}),
        "task state",
    ),
    # the migrant pool
    (
        "pool islands as text",
        "pso",
        "pool.ckpt",
        _set("strategy", "islands", value="3"),
        "pool.islands",
    ),
    ("pool of another size", "pso", "pool.ckpt", _set("strategy", "size", value=2), "pool"),
    ("pool without latest", "pso", "pool.ckpt", _drop("strategy", "latest"), "'latest'"),
    (
        "pool latest a list",
        "pso",
        "pool.ckpt",
        _set("strategy", "latest", value=[1]),
        "pool.latest",
    ),
    (
        "pool entry of island 7",
        "pso",
        "pool.ckpt",
        lambda s: s["strategy"]["latest"].update({7: s["strategy"]["latest"][0]}),
        "pool.latest[7]",
    ),
    (
        "pool entry without migrants",
        "pso",
        "pool.ckpt",
        _drop("strategy", "latest", 0, "migrants"),
        "pool.latest[0]",
    ),
    (
        "pool migrants a number",
        "pso",
        "pool.ckpt",
        _set("strategy", "latest", 0, "migrants", value=3),
        "pool.latest[0].migrants",
    ),
    (
        "pool with more migrants than the size",
        "pso",
        "pool.ckpt",
        lambda s: s["strategy"]["latest"][0]["migrants"].append(
            dict(s["strategy"]["latest"][0]["migrants"][0])
        ),
        "pool.latest[0].migrants",
    ),
    (
        "pool generation negative",
        "pso",
        "pool.ckpt",
        _set("strategy", "latest", 0, "generation", value=-3),
        "pool.latest[0].generation",
    ),
    (
        "migrant a list",
        "pso",
        "pool.ckpt",
        _set("strategy", "latest", 0, "migrants", 0, value=[]),
        "pool.latest[0].migrants[0]",
    ),
    (
        "migrant without fitness",
        "pso",
        "pool.ckpt",
        _drop("strategy", "latest", 0, "migrants", 0, "fitness"),
        "pool.latest[0].migrants[0]",
    ),
    (
        "migrant fitness as text",
        "pso",
        "pool.ckpt",
        _set("strategy", "latest", 0, "migrants", 0, "fitness", value="high"),
        "pool.latest[0].migrants[0].fitness",
    ),
    (
        "migrant fitness nan",
        "pso",
        "pool.ckpt",
        _set("strategy", "latest", 0, "migrants", 0, "fitness", value=float("nan")),
        "pool.latest[0].migrants[0].fitness",
    ),
    (
        "migrant from another island",
        "pso",
        "pool.ckpt",
        _set("strategy", "latest", 0, "migrants", 0, "island", value=2),
        "pool.latest[0].migrants[0].island",
    ),
    (
        "migrant row too short",
        "pso",
        "pool.ckpt",
        _set("strategy", "latest", 0, "migrants", 0, "params", value=torch.zeros(5)),
        "pool.latest[0].migrants[0].params",
    ),
    (
        "migrant row infinite",
        "pso",
        "pool.ckpt",
        _set(
            "strategy", "latest", 0, "migrants", 0, "params", value=torch.full((13,), float("inf"))
        ),
        "pool.latest[0].migrants[0].params",
    ),
    (
        "migrant row of integers",
        "pso",
        "pool.ckpt",
        _set("strategy", "latest", 0, "migrants", 0, "params", value=torch.zeros(13, dtype=int)),
        "pool.latest[0].migrants[0].params",
    ),
    (
        "migrant genome among parameter rows",
        "pso",
        "pool.ckpt",
        lambda s: s["strategy"]["latest"][0]["migrants"][0].update(
            genome=s["strategy"]["latest"][0]["migrants"][0].pop("params")
        ),
        "pool.latest[0].migrants[0]",
    ),
    (
        "delivered an object",
        "pso",
        "pool.ckpt",
        _set("strategy", "delivered", value={}),
        "pool.delivered",
    ),
    (
        "delivered to island 9",
        "pso",
        "pool.ckpt",
        _set("strategy", "delivered", 0, value=[9, 2, 3]),
        "pool.delivered[0][0]",
    ),
    (
        "delivered row of two",
        "pso",
        "pool.ckpt",
        _set("strategy", "delivered", 0, value=[0, 2]),
        "pool.delivered[0]",
    ),
    (
        "delivered generation as a float",
        "pso",
        "pool.ckpt",
        _set("strategy", "delivered", 0, value=[0, 2, 1.5]),
        "pool.delivered[0][2]",
    ),
    (
        "delivered twice",
        "pso",
        "pool.ckpt",
        lambda s: s["strategy"]["delivered"].append(list(s["strategy"]["delivered"][0])),
        "pool.delivered[3]",
    ),
    (
        "migrant genome of another format",
        "neat",
        "pool.ckpt",
        _set("strategy", "latest", 0, "migrants", 0, "genome", "format", value="x"),
        "pool.latest[0].migrants[0].genome",
    ),
    (
        "migrant genome with a connection from nowhere",
        "neat",
        "pool.ckpt",
        lambda s: s["strategy"]["latest"][0]["migrants"][0]["genome"]["connections"].append(
            {**s["strategy"]["latest"][0]["migrants"][0]["genome"]["connections"][0], "in": 99}
        ),
        "pool.latest[0].migrants[0].genome",
    ),
    (
        "migrant row among genomes",
        "neat",
        "pool.ckpt",
        lambda s: s["strategy"]["latest"][0]["migrants"][0].update(
            params=s["strategy"]["latest"][0]["migrants"][0].pop("genome")
        ),
        "pool.latest[0].migrants[0]",
    ),
]


@pytest.mark.parametrize(
    "kind, name, edit, field", [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_a_crafted_island_checkpoint_fails_at_resume_naming_file_and_field(
    saved, tmp_path, kind, name, edit, field
):
    folder = tmp_path / "islands"
    shutil.copytree(saved(kind), folder)
    file = folder / name
    ckpt = load_checkpoint(file)
    state = {"strategy": ckpt.strategy_state, "loop": ckpt.loop_state}
    edit(state)
    file.write_bytes(
        checkpoint_bytes(
            strategy_state=state["strategy"], loop_state=state["loop"], experiment=ckpt.experiment
        )
    )
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    with pytest.raises(CheckpointError) as e:
        MAKE[kind](folder).run(6, resume=True)
    message = str(e.value)
    assert "\n" not in message
    assert str(file) in message and field in message, message
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before  # nothing written


@pytest.mark.parametrize("asynchronous", [True, False], ids=["asynchronous", "synchronous"])
def test_ray_islands_refuse_a_crafted_checkpoint_the_same_way(
    saved, tmp_path, ray_session, asynchronous
):
    """On Ray an island loads its checkpoint in its actor, where a bad one was only an
    ActorDiedError; the driver checks every island's file first."""
    folder = tmp_path / "islands"
    shutil.copytree(saved("pso"), folder)
    file = folder / "island-2.ckpt"
    ckpt = load_checkpoint(file)
    ckpt.loop_state["generation"] = "4"
    file.write_bytes(
        checkpoint_bytes(
            strategy_state=ckpt.strategy_state, loop_state=ckpt.loop_state, experiment=None
        )
    )
    islands = Islands(
        [ne.PSO(ne.MLP(2, [3], 1), pop_size=8, reset_module=True) for _ in range(3)],
        ne.tasks.XOR(),
        checkpoint_dir=folder,
        **{**SYNC, "asynchronous": asynchronous, "backend": "ray"},
    )
    with pytest.raises(CheckpointError) as e:
        islands.run(6, resume=True)
    assert "\n" not in str(e.value) and str(file) in str(e.value)
    assert "loop.generation" in str(e.value)


@pytest.mark.parametrize("kind", list(MAKE))
def test_the_untouched_checkpoints_resume_to_the_uninterrupted_run(saved, tmp_path, kind):
    folder = tmp_path / "islands"
    shutil.copytree(saved(kind), folder)
    resumed = MAKE[kind](folder).run(6, resume=True)
    whole = MAKE[kind](tmp_path / "whole").run(6)
    assert _figures(resumed) == _figures(whole)


@pytest.mark.parametrize(
    "kind, name",
    [
        ("pso", "island-1.ckpt"),
        ("pso", "pool.ckpt"),
        ("neat", "island-0.ckpt"),
        ("neat", "pool.ckpt"),
        ("control", "island-1.ckpt"),
    ],
)
def test_every_place_of_an_island_file_crafted_is_a_checkpoint_error_or_loads(
    saved, tmp_path, kind, name
):
    """The sweep of tests/io/test_crafted_checkpoints.py over an island's files: at every place
    of the document (the strategy's own state aside, swept there) three wrong values, a key
    removed or added, a list emptied or grown; a resume raises one CheckpointError line naming
    the file, or runs."""
    from tests.io.test_crafted_checkpoints import WRONG, _changed, _places

    base = saved(kind)
    document, tensors = read_document(base / name)
    failures, n = [], 0
    for place in _places(document):
        strategy_state = place[0] == "strategy" and name != "pool.ckpt"
        if place[0] in ("created", "experiment") or strategy_state:
            continue
        parent = document
        for k in place[:-1]:
            parent = parent[k]
        hows = [("value", WRONG[(3 * n + j) % len(WRONG)]) for j in range(3)]
        hows += ["delete"] if isinstance(parent, dict) else []
        hows += ["extra key"] if isinstance(parent[place[-1]], dict) else []
        hows += [("value", []), "grow"] if isinstance(parent[place[-1]], list) else []
        for how in hows:
            n += 1
            folder = tmp_path / f"case-{n}"
            shutil.copytree(base, folder)
            (folder / name).write_bytes(document_bytes(_changed(document, place, how), tensors))
            label = f"{'.'.join(map(str, place))} <- {how if isinstance(how, str) else how[1]!r}"
            try:
                MAKE[kind](folder).run(5, resume=True)
            except CheckpointError as e:
                if "\n" in str(e) or str(folder / name) not in str(e):
                    failures.append(f"{label}: {e!s:.200}")
            except Exception as e:  # the test's purpose: list every escape
                failures.append(f"{label}: {type(e).__name__}: {e!s:.200}")
            shutil.rmtree(folder)
    assert n > 20 and not failures, f"{len(failures)} of {n} escaped:\n" + "\n".join(failures[:30])
