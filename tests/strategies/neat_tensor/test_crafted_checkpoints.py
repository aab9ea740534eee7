"""Crafted tensor-engine checkpoints (issue 21, item 9): a valid SHA-256 over values the
engine never writes -- counters past what int64 connection codes hold, non-finite or
out-of-range gene values, generations, species and fitness figures no run reaches -- fail
at load, on the resume path, with one CheckpointError line naming the field and the file,
instead of loading and breaking the run generations later.

Each case takes the newest checkpoint of a short XOR run (``engine = "tensor"``), changes one
value of the strategy's state and writes the file again with the writer's own
:func:`checkpoint_bytes`; the untouched file still resumes.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import torch

from neuroevo.errors import CheckpointError, StrategyError
from neuroevo.io.checkpoint import checkpoint_bytes, load_checkpoint
from neuroevo.loop import evolve
from neuroevo.reporting.checkpointer import list_checkpoints
from neuroevo.run.build import build, checkpointer
from neuroevo.run.experiment_file import load_experiment
from neuroevo.run.resume import load_resume_point
from neuroevo.strategies.neat.tensor.genes import NODE_KEY_LIMIT, PAD
from neuroevo.strategies.neat.tensor.innovation import InnovationTracker

CONFIGS = Path(__file__).resolve().parents[3] / "configs"
INF, NAN = float("inf"), float("nan")


@pytest.fixture(scope="module")
def tensor_run(tmp_path_factory):
    """(run folder, its newest checkpoint, that file's bytes) of 3 generations on XOR."""
    root = tmp_path_factory.mktemp("tensor")
    shutil.copy(CONFIGS / "xor.ini", root / "xor.ini")
    exp = root / "xor_tensor.toml"
    exp.write_text(
        "[experiment]\ngenerations = 3\nseed = 3\nstop_on_solve = false\n"
        '[task]\nname = "xor"\n[strategy]\nname = "neat"\nconfig = "xor.ini"\n'
        'engine = "tensor"\npop_size = 30\n'
    )
    setup = build(load_experiment(exp), seed=3, device="cpu")
    setup.prepare()
    run_dir = root / "run"
    evolve(
        setup.strategy,
        setup.task,
        generations=3,
        setup=False,
        reporters=[checkpointer(run_dir, setup, every=1)],
        **setup.evolve_kwargs(),
    )
    file = list_checkpoints(run_dir)[-1]
    return run_dir, file, file.read_bytes()


def _tensor_col(name: str, fill: float) -> Callable[[dict], None]:
    """Every slot of a float column of the population's connection genes set to ``fill``."""

    def edit(s: dict) -> None:
        col = s["population"]["conns"][f"col.{name}"]
        s["population"]["conns"][f"col.{name}"] = torch.full_like(col, fill)

    return edit


def _first_gene(table: str, col: str, value: float) -> Callable[[dict], None]:
    """The first gene of genome 0 in ``table`` (nodes / conns) gets ``value`` in ``col``."""

    def edit(s: dict) -> None:
        c = s["population"][table][f"col.{col}"].clone()
        c[0, 0] = value
        s["population"][table][f"col.{col}"] = c

    return edit


def _hidden_node(key: int) -> Callable[[dict], None]:
    """Genome 0 gets a hidden node ``key`` (after its last one; other rows padded)."""

    def edit(s: dict) -> None:
        nodes = s["population"]["nodes"]
        rows = nodes["key"].shape[0]
        extra = torch.full((rows, 1), PAD, dtype=torch.int64)
        extra[0, 0] = key
        last = int((nodes["key"][0] != PAD).sum())
        k = torch.cat([nodes["key"], extra], 1)
        k[0, last], k[0, -1] = k[0, -1].item(), k[0, last].item()  # genes first, padding last
        nodes["key"] = k
        for name in [n for n in nodes if n != "key"]:
            nodes[name] = torch.cat([nodes[name], torch.zeros_like(nodes[name][:, :1])], 1)

    return edit


def _set(*path: str | int, value) -> Callable[[dict], None]:
    def edit(s: dict) -> None:
        d = s
        for k in path[:-1]:
            d = d[k]
        d[path[-1]] = value

    return edit


#: (case, edit of the strategy state, field the message must name)
CASES = [
    (
        "next node key 2**31",
        _set("tracker", "next_node_key", value=2**31),
        "strategy.tracker.next_node_key",
    ),
    (
        "next node key 2**40",
        _set("tracker", "next_node_key", value=2**40),
        "strategy.tracker.next_node_key",
    ),
    (
        "next node key past the limit",
        _set("tracker", "next_node_key", value=NODE_KEY_LIMIT + 1),
        "strategy.tracker.next_node_key",
    ),
    (
        "innovation counter at int64's top",
        _set("tracker", "global_counter", value=2**63 - 1),
        "strategy.tracker.global_counter",
    ),
    (
        "unknown tracker kind",
        _set("tracker", "generation", value={"bogus": [torch.tensor([1]), torch.tensor([1])]}),
        "strategy.tracker.generation",
    ),
    (
        "tracker numbers past the counter",
        _set(
            "tracker",
            "generation",
            value={"add_connection": [torch.tensor([5]), torch.tensor([2**40])]},
        ),
        "strategy.tracker.generation",
    ),
    ("hidden node id 2**40", _hidden_node(2**40), "strategy.population.nodes.key"),
    ("all weights inf", _tensor_col("weight", INF), "strategy.population.conns.weight"),
    ("all weights -inf", _tensor_col("weight", -INF), "strategy.population.conns.weight"),
    ("all weights nan", _tensor_col("weight", NAN), "strategy.population.conns.weight"),
    (
        "a weight beyond weight_max_value",
        _first_gene("conns", "weight", 1e30),
        "strategy.population.conns.weight",
    ),
    ("a bias of nan", _first_gene("nodes", "bias", NAN), "strategy.population.nodes.bias"),
    (
        "a negative innovation number",
        _first_gene("conns", "innovation", -5),
        "strategy.population.conns.innovation",
    ),
    (
        "a negative genome id",
        lambda s: s["population"].update(gid=s["population"]["gid"] - 10**6),
        "strategy.population.gid",
    ),
    ("next genome id at int64's top", _set("next_gid", value=2**63 - 1), "strategy.next_gid"),
    ("generation 2**62", _set("generation", value=2**62), "strategy.generation"),
    (
        "species created after the generation",
        _set("species", "created", 0, value=10**9),
        "strategy.species.created[0]",
    ),
    (
        "species improved before generation 0",
        _set("species", "last_improved", 0, value=-1),
        "strategy.species.last_improved[0]",
    ),
    (
        "species fitness nan",
        _set("species", "fitness", 0, value=NAN),
        "strategy.species.fitness[0]",
    ),
    ("species best inf", _set("species", "best", 0, value=INF), "strategy.species.best[0]"),
    (
        "species next key at int64's top",
        _set("species", "next_key", value=2**63 - 1),
        "strategy.species.next_key",
    ),
    (
        "representative weights inf",
        lambda s: s["species"]["reps"]["conns"].update(
            {"col.weight": torch.full_like(s["species"]["reps"]["conns"]["col.weight"], INF)}
        ),
        "strategy.species.reps.conns.weight",
    ),
    (
        "member species as floats",
        lambda s: s.update(member_species=s["member_species"].double()),
        "strategy.member_species",
    ),
    ("best fitness nan", _set("best_fitness", value=NAN), "strategy.best_fitness"),
    ("best fitness inf", _set("best_fitness", value=INF), "strategy.best_fitness"),
    ("a best fitness without a best genome", _set("best", value=None), "strategy.best_fitness"),
    (
        "best genome innovation past the counter",
        lambda s: s["best"]["conns"].update(
            {"col.innovation": s["best"]["conns"]["col.innovation"] + 2**40}
        ),
        "strategy.tracker",
    ),
    (
        "representative id past next_gid",
        lambda s: s["species"]["reps"].update(gid=s["species"]["reps"]["gid"] + 2**40),
        "strategy.next_gid",
    ),
    ("an unknown field", _set("zz", value=1), "strategy: unknown fields ['zz']"),
    (
        "an unknown population field",
        _set("population", "zz", value=1),
        "strategy.population: unknown fields",
    ),
    ("an unknown species field", _set("species", "zz", value=1), "strategy.species: unknown"),
    ("an unknown tracker field", _set("tracker", "zz", value=1), "strategy.tracker: unknown"),
    (
        "best genome weights inf",
        lambda s: s["best"]["conns"].update(
            {"col.weight": torch.full_like(s["best"]["conns"]["col.weight"], INF)}
        ),
        "strategy.best.conns.weight",
    ),
]


@pytest.mark.parametrize("edit, field", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_a_crafted_tensor_checkpoint_fails_at_load_naming_field_and_file(tensor_run, edit, field):
    run_dir, file, raw = tensor_run
    file.write_bytes(raw)
    ckpt = load_checkpoint(file)
    edit(ckpt.strategy_state)
    file.write_bytes(
        checkpoint_bytes(
            strategy_state=ckpt.strategy_state,
            loop_state=ckpt.loop_state,
            experiment=ckpt.experiment,
        )
    )
    try:
        with pytest.raises(CheckpointError) as e:
            load_resume_point(run_dir, checkpoint=file, generations=5)
    finally:
        file.write_bytes(raw)
    message = str(e.value)
    assert "\n" not in message
    assert str(file) in message and field in message, message


def test_the_untouched_checkpoint_resumes(tensor_run):
    run_dir, file, raw = tensor_run
    file.write_bytes(raw)
    point = load_resume_point(run_dir, checkpoint=file, generations=5)
    assert point.setup.strategy.generation == 3


@pytest.mark.parametrize("next_node_key, new", [(NODE_KEY_LIMIT - 1, 2), (NODE_KEY_LIMIT, 1)])
def test_the_node_counter_refuses_to_pass_its_limit(next_node_key, new):
    tracker = InnovationTracker(next_node_key=next_node_key)
    with pytest.raises(StrategyError, match="next_node_key"):
        tracker.fresh_nodes(new)
    assert tracker.next_node_key == next_node_key  # nothing handed out
    assert (
        tracker.fresh_nodes(NODE_KEY_LIMIT - next_node_key).numel()
        == NODE_KEY_LIMIT - next_node_key
    )  # up to the limit is fine
