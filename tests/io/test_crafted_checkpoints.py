"""Crafted checkpoints: a valid SHA-256 over content the writer never wrote.

Real checkpoints of short runs (NEAT on both engines, GA, PSO, SA and Adam on XOR) are read
back to their JSON document and tensor block (:func:`read_document`), one place is changed --
a value of the wrong type at every path, a key removed or added, a list emptied or grown, a
tensor, tuple, dict or float marker of the wrong form, a tensor of the wrong dtype or shape --
and the file is written again with a valid checksum by the writer's own
:func:`document_bytes`. Loading it and applying it (the strategy's ``load_state_dict``, or
the whole resume path: loop state, history, experiment, task state) must raise
:class:`CheckpointError` on one line (naming the file, on the resume path), or succeed;
nothing else may come out (the issue: ``TypeError``, ``ValueError``, ``AttributeError``
from inside the loaders).
"""

from __future__ import annotations

import copy
import shutil
from pathlib import Path

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from neuroevo.errors import CheckpointError
from neuroevo.io.checkpoint import decode_document, document_bytes, read_document
from neuroevo.loop import evolve
from neuroevo.reporting.checkpointer import list_checkpoints
from neuroevo.run.build import build, checkpointer
from neuroevo.run.experiment_file import load_experiment
from neuroevo.run.resume import load_resume_point

CONFIGS = Path(__file__).resolve().parents[2] / "configs"
STRATEGY_TABLES = {
    "neat": 'name = "neat"\nconfig = "xor.ini"\npop_size = 8\n',
    "neat-tensor": 'name = "neat"\nconfig = "xor.ini"\nengine = "tensor"\npop_size = 8\n',
    "ga": 'name = "ga"\nhidden = [2]\npop_size = 4\n',
    "pso": 'name = "pso"\nhidden = [2]\npop_size = 4\n',
    "sa": 'name = "sa"\nhidden = [2]\npop_size = 4\n',
    "adam": 'name = "adam"\nhidden = [2]\nrestarts = 2\n',
}
#: values of the wrong type or form, put at every place of a document
WRONG = [
    None,
    True,
    0,
    -1,
    2**70,
    -(2**70),
    1.5,
    "x",
    [],
    {},
    [1, 2],
    {"a": 1},
    {"__tensor__": "no-such"},
    {"__tensor__": 5},
    {"__tensor__": []},
    {"__tensor__": "t0"},
    {"__tuple__": 3},
    {"__tuple__": []},
    {"__tuple__": {"a": 1}},
    {"__items__": 5},
    {"__items__": [[[], 1]]},
    {"__items__": [1]},
    {"__float__": 5},
    {"__float__": "nan"},
    {"__float__": "-inf"},
    {"__dtype__": "x"},
    {"__dtype__": []},
]


def _retyped(t: torch.Tensor) -> list[tuple[str, torch.Tensor]]:
    """Wrong dtypes and shapes for the tensor ``t``."""
    return [
        ("int64", t.to(torch.int64)),
        ("bool", t.to(torch.bool)),
        ("uint8", t.to(torch.uint8)),
        ("float64", t.double()),
        ("empty", t.reshape(-1)[:0]),
        ("extra dim", t.unsqueeze(0)),
        ("scalar", torch.tensor(1.5)),
        ("complex", t.to(torch.complex64)),
    ]


class Run:
    """A run folder with checkpoints, its newest checkpoint's document, and a strategy of the
    run restored from it (to apply crafted states to)."""

    def __init__(self, root: Path, name: str) -> None:
        self.name = name
        shutil.copy(CONFIGS / "xor.ini", root / "xor.ini")
        exp = root / f"{name}.toml"
        exp.write_text(
            "[experiment]\ngenerations = 2\nseed = 3\nstop_on_solve = false\n"
            f'[task]\nname = "xor"\n[strategy]\n{STRATEGY_TABLES[name]}'
        )
        setup = build(load_experiment(exp), seed=3, device="cpu")
        setup.prepare()
        self.dir = root / "run"
        evolve(
            setup.strategy,
            setup.task,
            generations=2,
            setup=False,
            reporters=[checkpointer(self.dir, setup, every=1)],
            **setup.evolve_kwargs(),
        )
        self.file = list_checkpoints(self.dir)[-1]
        self.raw = self.file.read_bytes()
        self.document, self.tensors = read_document(self.file)
        self.strategy = load_resume_point(self.dir).setup.strategy


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """``runs(name)``: the :class:`Run` of a strategy, made once per module."""
    made: dict[str, Run] = {}

    def get(name: str) -> Run:
        if name not in made:
            made[name] = Run(tmp_path_factory.mktemp(name), name)
        made[name].file.write_bytes(made[name].raw)
        return made[name]

    return get


@pytest.fixture(scope="module", params=list(STRATEGY_TABLES))
def run(request, runs):
    return runs(request.param)


def _places(doc, prefix=()):
    """Every place of a JSON document: dict keys, and list items -- every index of a short
    list of scalars (a record: ``[in, out, type, number]``), the first of other lists (their
    items are alike: genomes, species, history rows)."""
    if isinstance(doc, dict):
        items = list(doc.items())
    elif isinstance(doc, list):
        record = len(doc) <= 4 and not any(isinstance(v, (dict, list)) for v in doc[:1])
        items = list(enumerate(doc)) if record else [(0, doc[0])] if doc else []
    else:
        return
    for k, v in items:
        yield (*prefix, k)
        yield from _places(v, (*prefix, k))


def _changed(doc, place, how):
    doc = copy.deepcopy(doc)
    parent = doc
    for k in place[:-1]:
        parent = parent[k]
    key = place[-1]
    if how == "delete":
        del parent[key]
    elif how == "extra key":
        parent[key]["zz_extra"] = 1
    elif how == "grow":
        parent[key].append(copy.deepcopy(parent[key][0]) if parent[key] else 1)
    else:
        parent[key] = how[1]
    return doc


def _cases(run):
    """``(label, document, tensors)`` of every crafted variant: at each place a few wrong
    values (taken in turn from WRONG, so every value meets places of every kind), the
    structural changes, and every tensor of the wrong dtype and shape."""
    n = 0
    for place in _places(run.document):
        if place == ("created",):
            continue
        parent = run.document
        for k in place[:-1]:
            parent = parent[k]
        value = parent[place[-1]]
        hows = [("value", WRONG[(3 * n + j) % len(WRONG)]) for j in range(3)]
        n += 1
        hows += ["delete"] if isinstance(parent, dict) else []
        hows += ["extra key"] if isinstance(value, dict) else []
        hows += [("value", []), "grow"] if isinstance(value, list) else []
        for how in hows:
            change = how if isinstance(how, str) else repr(how[1])
            label = f"{'.'.join(map(str, place))} <- {change}"
            yield place, label, _changed(run.document, place, how), run.tensors
    for name, t in run.tensors.items():
        for kind, bad in _retyped(t):
            tensors = {**run.tensors, name: bad}
            yield ("strategy",), f"tensor {name} <- {kind}", run.document, tensors


def _apply(run, document, tensors, *, whole: bool):
    """Load a crafted document: written to the checkpoint file and resumed from (the whole
    resume path), or decoded and given to the strategy's load_state_dict (the file's
    reading is the same for every case, and slow). Returns the error message, or None."""
    try:
        if whole:
            run.file.write_bytes(document_bytes(document, tensors))
            load_resume_point(run.dir, checkpoint=run.file, generations=1)
        else:
            ckpt = decode_document(document, tensors, path=run.file)
            run.strategy.load_state_dict(ckpt.strategy_state)
    except CheckpointError as e:
        return str(e)
    return None


#: the strategies whose checkpoints are crafted outside the strategy's own state: the loop
#: state is the same for every strategy, the experiment too but for NEAT's INI file
OUTSIDE_THE_STRATEGY = {"loop": ("ga",), "experiment": ("ga", "neat")}


def test_crafted_checkpoints_raise_only_checkpoint_error(run):
    failures = []
    for i, (place, label, document, tensors) in enumerate(_cases(run)):
        if place[0] != "strategy" and run.name not in OUTSIDE_THE_STRATEGY[place[0]]:
            continue
        # the strategy's own state through load_state_dict, one case in 8 and everything
        # else (loop state, history, experiment) through the whole resume path
        whole = place[0] != "strategy" or i % 8 == 0
        try:
            message = _apply(run, document, tensors, whole=whole)
        except Exception as e:  # the test's purpose: list every escape
            failures.append(f"{label}: {type(e).__name__}: {e}")
            continue
        if message is not None and ("\n" in message or (whole and str(run.file) not in message)):
            failures.append(f"{label}: message not one line naming the file: {message!r}")
    assert not failures, f"{len(failures)} crafted checkpoints escaped:\n" + "\n".join(
        failures[:30]
    )


def test_the_unchanged_document_still_loads(run):
    assert _apply(run, run.document, run.tensors, whole=True) is None


FUZZ = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=6)
    | st.sampled_from([{"__tensor__": "t1"}, {"__float__": "inf"}, {"__tuple__": [1, "a"]}]),
    lambda c: st.lists(c, max_size=4) | st.dictionaries(st.text(max_size=6), c, max_size=4),
    max_leaves=12,
)


@FUZZ
@given(data=st.data())
def test_random_json_anywhere_in_the_strategy_state(run, data):
    places = [p for p in _places(run.document) if p[0] == "strategy"]
    place = data.draw(st.sampled_from(places))
    document = _changed(run.document, place, ("value", data.draw(JSON)))
    message = _apply(run, document, run.tensors, whole=False)
    assert message is None or "\n" not in message


def _set(document, place, value):
    return _changed(document, place, ("value", value))


# The issue's examples, each with the message it now gets: (strategy, place, value, words).
EXAMPLES = [
    ("ga", ("strategy", "candidates"), {"__tensor__": 5}, "strategy.candidates: tensor 5"),
    ("ga", ("strategy", "candidates"), {"__tuple__": 3}, "strategy.candidates: __tuple__ holds 3"),
    (
        "pso",
        ("strategy", "state", "velocity"),
        [[0.5]],
        "strategy.state.velocity: expected a floating-point tensor of shape (4, 9), got [[0.5]]",
    ),
    (
        "sa",
        ("strategy", "state", "step"),
        {"__tensor__": "t0"},
        "strategy.state.step: expected a int64 tensor of shape (4,), got a float32 tensor",
    ),
    (
        "adam",
        ("strategy", "optimizer", "param_groups", 0, "betas"),
        {"__tuple__": [0.9, 1.5]},
        "Invalid beta parameter at index 1: 1.5",
    ),
    (
        "neat",
        ("strategy", "population", "species", 0, "representative"),
        None,
        "species[0].representative: expected {'ref': key} or {'genome': ...}, got None",
    ),
    (
        "neat",
        ("strategy", "population", "innovation_tracker", "generation_innovations"),
        [[[], 1, "add_connection", 1]],
        "generation_innovations: bad entry [[], 1, 'add_connection', 1]",
    ),
    (
        "neat",
        ("strategy", "population", "node_indexer"),
        0,
        "node_indexer: the next id 0 is not beyond the largest in use",
    ),
    ("ga", ("loop", "seed"), "x", "loop.seed: expected an integer"),
    ("ga", ("loop", "history", 0, "extra"), [], "loop.history[0].extra: expected an object"),
]


@pytest.mark.parametrize(
    "name, place, value, words", EXAMPLES, ids=[".".join(map(str, e[1][-2:])) for e in EXAMPLES]
)
def test_the_issues_examples_name_the_file_and_the_field(runs, name, place, value, words):
    run = runs(name)
    message = _apply(run, _set(run.document, place, value), run.tensors, whole=True)
    assert message is not None and words in message, message
    assert message.startswith(str(run.file)) and "\n" not in message


def test_a_species_without_members_or_a_genome_in_none_is_refused(runs):
    """neat-python's speciate leaves species that partition the population; a state that
    does not would fail inside neat-python's stagnation at the next generation."""
    run = runs("neat")
    species = ("strategy", "population", "species")
    no_members = _set(run.document, (*species, 0, "members"), [])
    assert "has no members" in _apply(run, no_members, run.tensors, whole=False)
    first_only = _set(run.document, species, run.document["strategy"]["population"]["species"][:1])
    if len(run.document["strategy"]["population"]["species"]) > 1:
        assert "in no species" in _apply(run, first_only, run.tensors, whole=False)
