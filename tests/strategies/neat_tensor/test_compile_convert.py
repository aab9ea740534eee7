"""The tensor engine's genomes against neat-python: conversion both ways and the compiled
network against ``neat.nn.FeedForwardNetwork`` of the converted genomes."""

from __future__ import annotations

import neat
import numpy as np
import pytest
import torch

from neuroevo.errors import CompileError
from neuroevo.strategies.neat.tensor import TensorNEAT
from neuroevo.strategies.neat.tensor.compile import compile_genomes
from neuroevo.strategies.neat.tensor.convert import from_neat, to_neat

from .helpers import make_config, random_genomes, spec_of


def neat_outputs(genomes, config, xs):
    nets = [neat.nn.FeedForwardNetwork.create(g, config) for g in genomes]
    return np.asarray([[net.activate(list(x)) for x in xs] for net in nets])


def assert_close(got: torch.Tensor, ref: np.ndarray) -> None:
    got = got.detach().cpu().double().numpy()
    ok = np.isclose(got, ref, rtol=1e-6, atol=1e-9) | (np.isinf(got) & (got == ref))
    bad = np.argwhere(~ok)
    assert not len(bad), (
        f"{len(bad)} mismatches, first at {tuple(bad[0])}: "
        f"{got[tuple(bad[0])]!r} vs neat-python {ref[tuple(bad[0])]!r}"
    )


@pytest.mark.parametrize("seed", range(3))
def test_round_trip_keeps_every_gene(tmp_path, seed):
    config = make_config(tmp_path, hidden=seed)
    genomes = random_genomes(config, 60, seed=seed)
    back = to_neat(from_neat(genomes, config, dtype=torch.float64), range(60), config)
    for g, h in zip(genomes, back):
        assert h.key == g.key and type(h) is type(g)
        assert sorted(g.nodes) == list(h.nodes)
        assert sorted(g.connections) == list(h.connections)
        for k, ng in g.nodes.items():
            assert str(ng) == str(h.nodes[k])
        for k, cg in g.connections.items():
            assert str(cg) == str(h.connections[k])  # includes the innovation number


@pytest.mark.parametrize("seed", range(3))
def test_compiled_tensors_equal_neat_python_networks(tmp_path, seed):
    config = make_config(tmp_path, hidden=seed % 3)
    genomes = random_genomes(config, 100, seed=10 + seed)
    pop = from_neat(genomes, config, dtype=torch.float64)
    net = compile_genomes(
        pop, spec_of(config), config, device=torch.device("cpu"), dtype=torch.float64
    )
    xs = np.random.default_rng(seed).uniform(-2, 2, size=(9, 3))
    ref = neat_outputs(to_neat(pop, range(len(genomes)), config), config, xs)
    assert_close(net(torch.tensor(xs)), ref)
    per = torch.tensor(xs).expand(len(genomes), -1, -1).contiguous()
    assert_close(net(per), ref)


def test_evolved_population_compiles_as_neat_python(tmp_path):
    """Genomes grown by the engine's own mutations (deep, pruned, partly disabled)."""
    config = make_config(tmp_path, hidden=1)
    config.species_set_config.compatibility_threshold = 30.0  # a few species, not 80
    s = TensorNEAT(config, pop_size=80, dtype=torch.float64)
    s.initialize(seed=3, device="cpu")
    rng = torch.Generator().manual_seed(0)
    for _ in range(6):
        s.ask()
        s.tell(torch.rand(s.population_size, generator=rng))
    net = s.to("cpu", torch.float64).ask()
    xs = np.random.default_rng(1).uniform(-2, 2, size=(5, 3))
    genomes = s.genomes()
    assert max(len(g.nodes) for g in genomes) > 4  # structure did grow
    assert_close(net(torch.tensor(xs)), neat_outputs(genomes, config, xs))


def test_connection_to_a_missing_node_is_a_compile_error(tmp_path):
    config = make_config(tmp_path, hidden=0, initial_connection="full_direct")
    genomes = random_genomes(config, 2, seed=0, max_mutations=0)
    pop = from_neat(genomes, config)
    pop.nodes.key[0, 0] = 7  # output node 0 renamed: its connections dangle
    pop = pop.compact()
    with pytest.raises(CompileError, match="does not have"):
        compile_genomes(
            pop, spec_of(config), config, device=torch.device("cpu"), dtype=torch.float32
        )


def test_fixed_attributes_are_filled_in_and_checked(tmp_path):
    """xor.ini pins response (1.0), time_constant, activation and aggregation: the engine
    stores no tensor for them, yet converted genomes and networks carry their values."""
    import neuroevo as ne
    from neuroevo.errors import ConfigError

    config = ne.load_config("configs/xor.ini")
    s = TensorNEAT(config, pop_size=60)
    s.initialize(seed=0, device="cpu")
    for _ in range(5):
        s.tell(torch.rand(60, generator=torch.Generator().manual_seed(len(s.species))))
    assert set(s.population.nodes.cols) == {"bias"}
    genomes = s.genomes()
    assert {
        (n.response, n.activation, n.aggregation, n.time_constant)
        for g in genomes
        for n in g.nodes.values()
    } == {(1.0, "sigmoid", "sum", 1.0)}
    xs = np.random.default_rng(2).uniform(-2, 2, size=(6, 2))
    assert_close(s.ask()(torch.tensor(xs, dtype=torch.float32)), neat_outputs(genomes, config, xs))
    genomes[0].nodes[0].response = 2.0
    with pytest.raises(ConfigError, match="fixes response at 1.0"):
        from_neat(genomes, config)


def test_select_keeps_the_chosen_genomes(tmp_path):
    """Rollouts narrow a policy to the genomes still running (``policy.select``)."""
    config = make_config(tmp_path, hidden=1)
    genomes = random_genomes(config, 30, seed=7)
    pop = from_neat(genomes, config, dtype=torch.float64)
    net = compile_genomes(
        pop, spec_of(config), config, device=torch.device("cpu"), dtype=torch.float64
    )
    xs = torch.tensor(np.random.default_rng(3).uniform(-2, 2, size=(4, 3)))
    keep = [17, 2, 29]
    torch.testing.assert_close(net.select(keep)(xs), net(xs)[keep], rtol=0, atol=0)
    per = xs.expand(3, -1, -1).contiguous()
    torch.testing.assert_close(net.select(keep)(per), net(xs)[keep], rtol=0, atol=1e-12)
    with pytest.raises(ValueError, match="positions"):
        net.select([30])


def test_block_levels_are_evaluation_levels(tmp_path):
    """``block_levels``: one per block, ascending (a level's blocks together); a block's
    nodes read only inputs and nodes of lower levels, and a node of level L > 0 reads one of
    level L - 1 (Kahn's levels)."""
    config = make_config(tmp_path, hidden=2)
    genomes = random_genomes(config, 150, seed=4, max_mutations=40)
    pop = from_neat(genomes, config, dtype=torch.float64)
    net = compile_genomes(
        pop, spec_of(config), config, device=torch.device("cpu"), dtype=torch.float64
    )
    assert len(net.block_levels) == len(net.blocks) and max(net.block_levels) >= 3
    assert net.block_levels == sorted(net.block_levels)
    level_of_row = {0: -1}  # row 0: the zero row
    for (r0, shared, *_), level in zip(net.blocks, net.block_levels):
        level_of_row.update({r: level for r in range(r0, r0 + shared.shape[0])})
    for (r0, shared, _, _, mask, *_), level in zip(net.blocks, net.block_levels):
        for row, used in zip(shared.tolist(), mask.tolist()):
            read = [level_of_row.get(s, -1) for s, u in zip(row, used) if u]  # inputs: -1
            assert max(read, default=-1) == level - 1, (r0, level, read)
    # as deep as neat-python's feed_forward_layers (which puts input-free nodes first)
    gc = config.genome_config
    for g, out in zip(genomes[:40], net.out_rows.view(len(genomes), -1)[:40].tolist()):
        enabled = [k for k, c in g.connections.items() if c.enabled]
        layers, required = neat.graphs.feed_forward_layers(gc.input_keys, gc.output_keys, enabled)
        bias_layer = bool(required - {b for _, b in enabled})  # its own first layer there
        if all(r > 0 for r in out) and layers:
            assert len(layers) - 1 - bias_layer <= max(level_of_row[r] for r in out) < len(layers)


@pytest.mark.parametrize("seed", range(2))
def test_rollout_program_equals_neat_python_networks(tmp_path, seed):
    """The tensor engine's rollout program (levels of segment sums), and the program of any
    selection of its genomes, against neat-python's networks of the converted genomes."""
    config = make_config(tmp_path, hidden=seed + 1, aggs=["sum"])
    genomes = random_genomes(config, 80, seed=20 + seed)
    pop = from_neat(genomes, config, dtype=torch.float64)
    net = compile_genomes(
        pop, spec_of(config), config, device=torch.device("cpu"), dtype=torch.float64
    )
    rng = np.random.default_rng(seed)
    xs = rng.uniform(-2, 2, size=(len(genomes), 2, 3))  # each genome its own 2 rows
    converted = to_neat(pop, range(len(genomes)), config)
    ref = np.stack([neat_outputs([g], config, xs[i])[0] for i, g in enumerate(converted)])
    program = net.program(2)
    got = program(torch.tensor(xs).reshape(-1, 3).t()).t().reshape(len(genomes), 2, -1)
    assert_close(got, ref)
    rows = [0, 7, 41, 79]
    part = program.for_compile().select(torch.tensor(rows))
    got = part(torch.tensor(xs[rows]).reshape(-1, 3).t()).t().reshape(len(rows), 2, -1)
    assert_close(got, ref[rows])
