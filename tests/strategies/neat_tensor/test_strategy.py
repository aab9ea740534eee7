"""TensorNEAT as a strategy: the ask/tell loop, checkpoints that resume exactly, extinction,
errors, and the best genome as a neat-python genome (network, JSON)."""

from __future__ import annotations

import neat
import pytest
import torch

import neuroevo as ne
from neuroevo.errors import CheckpointError, ConfigError, StrategyError
from neuroevo.io.checkpoint import load_checkpoint, save_checkpoint
from neuroevo.io.genome_json import genome_from_dict, genome_to_dict
from neuroevo.strategies.neat.tensor import TensorNEAT

from .helpers import neat_config

XOR_INI = "configs/xor.ini"


def same_population(a: TensorNEAT, b: TensorNEAT) -> None:
    assert torch.equal(a.population.gid, b.population.gid)
    for ta, tb in (
        (a.population.nodes, b.population.nodes),
        (a.population.conns, b.population.conns),
    ):
        assert torch.equal(ta.key, tb.key)
        assert ta.cols.keys() == tb.cols.keys()
        for name in ta.cols:
            assert torch.equal(ta.cols[name], tb.cols[name]), name
    assert torch.equal(a.member_species, b.member_species)
    assert a.species.key == b.species.key


def run(s: TensorNEAT, generations: int) -> None:
    task = ne.tasks.XOR()
    for _ in range(generations):
        s.tell(task.evaluate(s.ask()))


def test_evolve_xor_and_the_best_genome_is_a_neat_python_genome():
    cfg = ne.load_config(XOR_INI)
    s = TensorNEAT(cfg, pop_size=150)
    result = ne.evolve(s, ne.tasks.XOR(), generations=40, seed=2, device="cpu")
    assert result.best_fitness > 3.0  # XOR's 4 - SSE; 3.0 is a constant 0.5
    best = result.best
    assert isinstance(best, neat.DefaultGenome) and best.fitness == result.best_fitness
    net = neat.nn.FeedForwardNetwork.create(best, cfg)
    cases = [((0.0, 0.0), 0.0), ((0.0, 1.0), 1.0), ((1.0, 0.0), 1.0), ((1.0, 1.0), 0.0)]
    fitness = 4.0 - sum((net.activate(x)[0] - y) ** 2 for x, y in cases)
    assert fitness == pytest.approx(result.best_fitness, abs=1e-5)  # float32 evaluation
    again = genome_from_dict(genome_to_dict(best), cfg.genome_config)
    assert {k: str(v) for k, v in again.connections.items()} == {
        k: str(v) for k, v in best.connections.items()
    }
    assert s.info()["species"] >= 1
    assert s.generation == result.generations


def test_same_seed_same_run_and_checkpoint_resumes_exactly(tmp_path):
    a = TensorNEAT(XOR_INI, pop_size=120)
    a.initialize(seed=7, device="cpu")
    run(a, 4)
    path = save_checkpoint(
        tmp_path / "c.ckpt", strategy_state=a.state_dict(), loop_state={}, experiment=None
    )
    run(a, 5)

    b = TensorNEAT(XOR_INI, pop_size=120)
    b.load_state_dict(load_checkpoint(path).strategy_state)
    run(b, 5)
    same_population(a, b)
    assert (a.best_fitness, a.next_gid, a.tracker.global_counter) == (
        b.best_fitness,
        b.next_gid,
        b.tracker.global_counter,
    )

    c = TensorNEAT(XOR_INI, pop_size=120)
    c.initialize(seed=7, device="cpu")
    run(c, 9)
    same_population(a, c)


def test_extinction_raises_or_resets(tmp_path):
    overrides = {
        "DefaultStagnation": {"max_stagnation": 1, "species_elitism": 0},
        "NEAT": {"pop_size": 20},
        "DefaultSpeciesSet": {"compatibility_threshold": 1e3},
    }
    s = TensorNEAT(neat_config(tmp_path, overrides), dtype=torch.float64)
    s.initialize(seed=0, device="cpu")
    s.tell(torch.zeros(20))
    with pytest.raises(StrategyError, match="reset_on_extinction"):
        s.tell(torch.zeros(20))

    overrides["NEAT"]["reset_on_extinction"] = True
    s = TensorNEAT(neat_config(tmp_path, overrides), dtype=torch.float64)
    s.initialize(seed=0, device="cpu")
    s.tell(torch.zeros(20))
    first_ids = s.population.gid.clone()
    s.tell(torch.zeros(20))  # all stagnant: a fresh population
    assert len(s.population) == 20
    assert int(s.population.gid.min()) > int(first_ids.max())
    assert s.species.key[0] > 1  # species ids go on counting


def test_errors_name_the_fix(tmp_path):
    s = TensorNEAT(XOR_INI)
    with pytest.raises(StrategyError, match="setup"):
        s.ask()
    with pytest.raises(ConfigError, match="num_inputs = 3"):
        s.setup(
            num_inputs=3, num_outputs=1, seed=0, device=torch.device("cpu"), dtype=torch.float32
        )
    s.initialize(seed=0, device="cpu")
    with pytest.raises(StrategyError, match="one value per candidate"):
        s.tell(torch.zeros(3))
    with pytest.raises(StrategyError, match="NaN"):
        s.tell(torch.full((s.population_size,), float("nan")))
    with pytest.raises(ConfigError, match="pop_size"):
        TensorNEAT(XOR_INI, pop_size=1)
    with pytest.raises(CheckpointError, match="neat-tensor"):
        s.load_state_dict({"strategy": "neat"})
    cfg = neat_config(tmp_path)
    cfg.genome_type = type("MyGenome", (), {})
    with pytest.raises(ConfigError, match="default engine"):
        TensorNEAT(cfg)


def test_best_genome_draws_and_exports_as_neat_python_computes_it(tmp_path):
    from neuroevo.viz.draw import draw_genome

    cfg = ne.load_config(XOR_INI)
    s = TensorNEAT(cfg, pop_size=100)
    result = ne.evolve(s, ne.tasks.XOR(), generations=15, seed=4, device="cpu")
    best = result.best
    dot = draw_genome(best, cfg)
    for key, cg in best.connections.items():
        if cg.enabled:
            assert f"{key[0]} -> {key[1]}" in dot.source
    info = ne.export_genome(best, cfg.genome_config, tmp_path / "best.pt")
    module = torch.jit.load(str(info.path))
    xs = torch.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    net = neat.nn.FeedForwardNetwork.create(best, cfg)
    want = torch.tensor([net.activate(x.tolist()) for x in xs])
    torch.testing.assert_close(module(xs).double(), want.double(), atol=1e-6, rtol=1e-6)


def test_recurrent_configs_run(tmp_path):
    cfg = neat_config(
        tmp_path,
        {
            "DefaultGenome": {"feed_forward": False},
            "DefaultSpeciesSet": {"compatibility_threshold": 1e3},
            "NEAT": {"pop_size": 30},
        },
    )
    s = TensorNEAT(cfg, dtype=torch.float64)
    s.initialize(seed=0, device="cpu")
    for _ in range(3):
        policy = s.ask()
        assert policy.recurrent
        out = policy(torch.zeros(5, cfg.genome_config.num_inputs))
        assert out.shape == (30, 5, cfg.genome_config.num_outputs)
        s.tell(out.sum(dim=(1, 2)).nan_to_num())
    assert any((i, o) == (o, i) for g in s.genomes() for (i, o) in g.connections)  # self loops


def test_crafted_states_are_checkpoint_errors_and_change_nothing():
    s = TensorNEAT(XOR_INI, pop_size=40)
    s.initialize(seed=3, device="cpu")
    run(s, 2)
    good = s.state_dict()

    def broken(edit):
        state = {
            **good,
            "population": {
                **good["population"],
                "nodes": dict(good["population"]["nodes"]),
                "conns": dict(good["population"]["conns"]),
            },
            "tracker": dict(good["tracker"]),
        }
        edit(state)
        return state

    cases = {
        "population.nodes.key": lambda st: st["population"]["nodes"].update(
            key=st["population"]["nodes"]["key"].flip(1)
        ),
        "columns": lambda st: st["population"]["conns"].pop("col.weight"),
        "population.gid": lambda st: st["population"].update(gid=st["population"]["gid"][:3]),
        "member_species": lambda st: st.update(member_species=st["member_species"] + 99),
        "tracker": lambda st: st["tracker"].update(global_counter=0),
        "generator": lambda st: st.update(generator=torch.zeros(3)),
        "strategy.generation": lambda st: st.update(generation=-1),
        "missing field": lambda st: st.pop("species"),
    }
    other = TensorNEAT(XOR_INI, pop_size=40)
    other.initialize(seed=9, device="cpu")
    before = other.state_dict()
    for name, edit in cases.items():
        with pytest.raises(CheckpointError):
            other.load_state_dict(broken(edit))
        assert torch.equal(other.population.gid, before["population"]["gid"]), name
    other.load_state_dict(good)
    same_population(other, s)
