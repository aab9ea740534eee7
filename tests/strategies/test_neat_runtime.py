"""A NEAT strategy's process-wide side effects stay inside its own calls.

neat-python draws from the global ``random`` module and reseeds it in
``neat.Population(config, seed=s)``; the collector handling pauses CPython's cyclic garbage
collector. Neither may leak out of ``setup``/``ask``/``tell`` into user code or into
another strategy.
"""

from __future__ import annotations

import gc
import json
import pathlib
import random
import weakref

import neat
import pytest
import torch

from neuroevo.config import load_config
from neuroevo.strategies.neat.engines import NEAT
from neuroevo.strategies.neat.runtime import NeatRuntime, quiet_collector
from neuroevo.strategies.neat.strategy import PythonNEAT
from neuroevo.tasks.supervised import XOR

CONFIGS = pathlib.Path(__file__).resolve().parents[2] / "configs"
CPU = torch.device("cpu")


def _snapshot(s: PythonNEAT) -> list:
    return [
        (
            k,
            sorted((n, sorted(vars(v).items())) for n, v in g.nodes.items()),
            sorted((c, sorted(vars(v).items())) for c, v in g.connections.items()),
        )
        for k, g in s.population.population.items()
    ]


def _started(config, seed: int) -> PythonNEAT:
    s = NEAT(config)
    s.setup(num_inputs=2, num_outputs=1, seed=seed, device=CPU, dtype=torch.float64)
    return s


def _step(s: PythonNEAT) -> None:
    s.tell(XOR().evaluate(s.ask()))


def test_the_callers_random_state_is_untouched():
    random.seed(123)
    before = random.getstate()
    s = _started(load_config(CONFIGS / "xor.ini"), seed=5)
    for _ in range(3):
        _step(s)
    json.dumps(s.state_dict())
    assert random.getstate() == before


def test_user_draws_between_generations_do_not_change_the_run():
    config = load_config(CONFIGS / "xor.ini")
    quiet, busy = _started(config, seed=8), _started(config, seed=8)
    for _ in range(4):
        _step(quiet)
        random.random()
        random.gauss(0.0, 1.0)
        _step(busy)
    assert _snapshot(busy) == _snapshot(quiet)


def test_same_seed_draws_what_neat_python_draws():
    """Inside its calls the strategy sees exactly the stream random.seed(seed) gives."""
    ref = neat.Population(load_config(CONFIGS / "xor.ini"), seed=21)
    s = _started(load_config(CONFIGS / "xor.ini"), seed=21)
    assert [vars(c) for g in s.population.population.values() for c in g.connections.values()] == [
        vars(c) for g in ref.population.values() for c in g.connections.values()
    ]


def test_two_strategies_from_one_config_do_not_disturb_each_other():
    """Interleaved ask/tell of two runs equals each run alone (random stream and node ids)."""
    config = load_config(CONFIGS / "xor.ini")
    alone = []
    for seed in (1, 2):
        s = _started(config, seed)
        for _ in range(6):
            _step(s)
        alone.append(_snapshot(s))
    a, b = _started(config, 1), _started(config, 2)
    for _ in range(6):
        _step(a)
        _step(b)
    assert [_snapshot(a), _snapshot(b)] == alone
    hidden = [k for g in a.population.population.values() for k in g.nodes if k > 0]
    assert hidden  # node ids were drawn along the way
    assert config.genome_config.node_indexer is None  # the caller's config was not used


def test_resume_is_exact_whatever_the_global_random_state():
    config = load_config(CONFIGS / "xor.ini")
    s = _started(config, seed=4)
    for _ in range(2):
        _step(s)
    state = json.loads(json.dumps(s.state_dict()))
    for _ in range(3):
        _step(s)
    random.seed(999)  # whatever happens in between
    r = NEAT(config).to(CPU, torch.float64)
    r.load_state_dict(state)
    random.random()
    for _ in range(3):
        _step(r)
    assert _snapshot(r) == _snapshot(s)


def test_runtime_nests_and_seeds_like_random_seed():
    rt = NeatRuntime()
    rt.seed(11)
    with rt.own_random():
        first = random.random()
        with rt.own_random():  # an inner block is part of the same call
            second = random.random()
    ref = random.Random(11)
    assert (first, second) == (ref.random(), ref.random())


@pytest.mark.parametrize("enabled", [True, False])
def test_collector_state_is_restored_and_nothing_stays_frozen(enabled):
    was = gc.isenabled()
    try:
        gc.enable() if enabled else gc.disable()
        s = _started(load_config(CONFIGS / "xor.ini"), seed=0)
        _step(s)
        assert gc.isenabled() is enabled
        assert gc.get_freeze_count() == 0
    finally:
        gc.enable() if was else gc.disable()


class _Node:
    pass


def test_cyclic_garbage_from_before_a_generation_is_still_collected():
    """A reference cycle dropped after a generation must stay collectable (gc.freeze() left
    the whole process frozen, so it never was)."""
    s = _started(load_config(CONFIGS / "xor.ini"), seed=0)
    a, b = _Node(), _Node()
    a.other, b.other = b, a
    alive = weakref.ref(a)
    _step(s)
    del a, b
    gc.collect()
    assert alive() is None


def test_objects_frozen_by_other_code_stay_frozen():
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        assert frozen > 0
        with quiet_collector():
            junk = [[i] for i in range(1000)]
        assert gc.get_freeze_count() >= frozen
        del junk
    finally:
        gc.unfreeze()
