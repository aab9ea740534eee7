"""NEAT genomes packed as arrays: rebuilt genomes compile to neat-python's own networks."""

from __future__ import annotations

import pickle

import neat
import numpy as np
import pytest
import torch

import neuroevo as ne
from neuroevo.strategies.neat.packed import pack_genomes, unpack_genomes
from tests.compile.random_genomes import make_config, random_genomes


@pytest.mark.parametrize("feed_forward", [True, False])
def test_rebuilt_genomes_compute_neat_pythons_networks(tmp_path, feed_forward):
    config = make_config(tmp_path, n_in=3, n_out=2, hidden=2, feed_forward=feed_forward)
    genomes = random_genomes(config, 25, seed=11, max_mutations=25)
    rebuilt = unpack_genomes(pack_genomes(genomes))
    x = torch.rand(5, 3, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    net = ne.compile_population(
        rebuilt, config.genome_config, device="cpu", dtype=torch.float64, recurrent=not feed_forward
    )
    kind = neat.nn.FeedForwardNetwork if feed_forward else neat.nn.RecurrentNetwork
    for step in range(2 if not feed_forward else 1):
        y = net(x)
        for i, g in enumerate(genomes):
            if step == 0:
                g._ref = kind.create(g, config)
            want = [g._ref.activate(row) for row in x.tolist()] if feed_forward else None
            if feed_forward:
                np.testing.assert_allclose(y[i].numpy(), np.array(want), rtol=1e-12, atol=1e-12)
    # the rebuilt genomes carry every gene, disabled ones and their order included
    for g, r in zip(genomes, rebuilt):
        assert list(g.nodes) == list(r.nodes) and list(g.connections) == list(r.connections)
        for k, c in g.connections.items():
            assert (r.connections[k].weight, r.connections[k].enabled) == (c.weight, c.enabled)
        for k, n in g.nodes.items():
            rn = r.nodes[k]
            assert (rn.bias, rn.response, rn.activation, rn.aggregation) == (
                n.bias,
                n.response,
                n.activation,
                n.aggregation,
            )
    assert any(not c.enabled for g in genomes for c in g.connections.values())


def test_recurrent_rebuilt_genomes_step_like_neat_python(tmp_path):
    config = make_config(tmp_path, n_in=2, n_out=2, hidden=2, feed_forward=False)
    genomes = random_genomes(config, 12, seed=3, max_mutations=20)
    net = ne.compile_population(
        unpack_genomes(pack_genomes(genomes)),
        config.genome_config,
        device="cpu",
        dtype=torch.float64,
        recurrent=True,
    )
    refs = [neat.nn.RecurrentNetwork.create(g, config) for g in genomes]
    net.reset()
    for x in ([0.5, -1.0], [0.1, 0.2], [1.0, 1.0]):
        y = net(torch.tensor([x], dtype=torch.float64))
        want = np.array([[r.activate(x)] for r in refs])
        np.testing.assert_allclose(y.numpy(), want, rtol=1e-12, atol=1e-12)


def test_a_selection_holds_exactly_those_genomes(tmp_path):
    config = make_config(tmp_path, n_in=3, n_out=2)
    genomes = random_genomes(config, 30, seed=5, max_mutations=15)
    packed = pack_genomes(genomes)
    idx = np.array([29, 3, 0, 17])
    part = unpack_genomes(packed.select(idx))
    assert [g.key for g in part] == [genomes[i].key for i in idx]
    for g, i in zip(part, idx):
        assert list(g.connections) == list(genomes[i].connections)
        assert [n.bias for n in g.nodes.values()] == [n.bias for n in genomes[i].nodes.values()]
    enabled = packed.enabled_connections()
    assert enabled.tolist() == [sum(c.enabled for c in g.connections.values()) for g in genomes]
    assert unpack_genomes(packed.select(np.zeros(0, dtype=np.int64))) == []


def test_packed_genomes_are_far_smaller_than_pickled_ones(tmp_path):
    config = make_config(
        tmp_path,
        n_in=8,
        n_out=4,
        hidden=0,
        initial_connection="full_direct",
        acts=["sigmoid"],
        aggs=["sum"],
    )
    genomes = random_genomes(config, 200, seed=1, max_mutations=0)
    packed = pickle.dumps(pack_genomes(genomes), protocol=5)
    assert len(packed) * 3 < len(pickle.dumps(genomes, protocol=5))


#: which genomes of a population of 6 have no connection gene at all
EMPTY = [[5], [0], [2, 3], [4, 5], [0, 5], [0, 1, 2, 3, 4, 5], []]


@pytest.mark.parametrize("empty", EMPTY, ids=[str(e) for e in EMPTY])
def test_enabled_connections_count_genomes_without_connections(tmp_path, empty):
    """neat-python's delete_connection can leave a genome with no connection, at any place of
    the population (the last one crashed the count). Reference: the genes, counted by hand."""
    config = make_config(tmp_path, n_in=2, n_out=1)
    genomes = random_genomes(config, 6, seed=2, max_mutations=10)
    for i in empty:
        genomes[i].connections.clear()
    want = [sum(c.enabled for c in g.connections.values()) for g in genomes]
    packed = pack_genomes(genomes)
    assert packed.enabled_connections().tolist() == want
    assert sum(want) > 0 or len(empty) == 6
    for idx in ([5], [4, 5], [5, 0], list(range(6))):  # slices end with an empty genome too
        assert packed.select(np.array(idx)).enabled_connections().tolist() == [want[i] for i in idx]


def test_a_population_whose_last_genome_has_no_connection_runs_on_workers(
    tmp_path, process_backend
):
    """`neuroevo run configs/xor.toml --seed 6 --workers 2` crashed at generation 2: the
    workers' balance counts each genome's connections. Reference: one process."""
    config = ne.load_config("configs/xor.ini")
    strategy = ne.NEAT(config, pop_size=8)
    strategy.setup(
        num_inputs=2, num_outputs=1, seed=1, device=torch.device("cpu"), dtype=torch.float32
    )
    strategy.genomes[-1].connections.clear()
    policy = strategy.ask()
    task = ne.tasks.XOR()
    want = task.evaluate(policy)
    process_backend.open(task)
    assert torch.equal(process_backend.evaluate(strategy, policy, None), want)
