"""compile_population against neat-python's own FeedForwardNetwork (differential tests)."""

import neat
import numpy as np
import pytest
import torch

import neuroevo as ne
from neuroevo.errors import CompileError, TaskError

from .random_genomes import make_config, random_genomes


def neat_outputs(genomes, config, xs):
    out = []
    for g in genomes:
        net = neat.nn.FeedForwardNetwork.create(g, config)
        out.append([net.activate(list(x)) for x in xs])
    return np.asarray(out, dtype=np.float64)  # [P, B, n_out]


def assert_close(got, ref):
    got = got.detach().cpu().numpy()
    ok = np.isclose(got, ref, rtol=1e-6, atol=1e-9) | (np.isinf(got) & (got == ref))
    if not ok.all():
        p, b, o = np.argwhere(~ok)[0]
        raise AssertionError(
            f"genome {p}, row {b}, output {o}: got {got[p, b, o]!r}, "
            f"neat-python {ref[p, b, o]!r} ({(~ok).sum()} mismatches)"
        )


@pytest.mark.parametrize("seed", range(4))
def test_random_genomes_match_neat_python(tmp_path, seed):
    config = make_config(tmp_path, n_in=3, n_out=2, hidden=seed % 3)
    genomes = random_genomes(config, 120, seed=seed)
    xs = np.random.default_rng(seed).uniform(-2, 2, size=(16, 3))
    ref = neat_outputs(genomes, config, xs)
    net = ne.compile_population(genomes, config.genome_config, device="cpu", dtype=torch.float64)
    assert_close(net(torch.tensor(xs)), ref)
    # the same through per-genome inputs [P, B, n_in]
    per = torch.tensor(xs).expand(len(genomes), -1, -1).contiguous()
    assert_close(net(per), ref)


def test_every_activation_and_aggregation_is_exercised(tmp_path):
    config = make_config(tmp_path)
    genomes = random_genomes(config, 120, seed=0)
    acts = {n.activation for g in genomes for n in g.nodes.values()}
    aggs = {n.aggregation for g in genomes for n in g.nodes.values()}
    assert acts == set(neat.activations.ActivationFunctionSet().functions)
    assert aggs == set(neat.aggregations.AggregationFunctionSet().functions)


def test_per_genome_inputs_differ(tmp_path):
    config = make_config(tmp_path, n_in=2, n_out=1, initial_connection="full_direct", hidden=0)
    genomes = random_genomes(config, 20, seed=5, max_mutations=10)
    rng = np.random.default_rng(0)
    xs = rng.uniform(-1, 1, size=(20, 7, 2))
    net = ne.compile_population(genomes, config.genome_config, device="cpu", dtype=torch.float64)
    got = net(torch.tensor(xs))
    ref = np.stack([neat_outputs([g], config, xs[p])[0] for p, g in enumerate(genomes)])
    assert_close(got, ref)


def test_single_aggregations_with_fixed_structures(tmp_path):
    """Each aggregation alone, on genomes whose nodes have many inputs (median, maxabs...)."""
    for agg in neat.aggregations.AggregationFunctionSet().functions:
        config = make_config(
            tmp_path, n_in=5, n_out=2, hidden=4, aggs=[agg], initial_connection="full_direct"
        )
        genomes = random_genomes(config, 30, seed=11, max_mutations=8)
        xs = np.random.default_rng(1).uniform(-3, 3, size=(9, 5))
        net = ne.compile_population(
            genomes, config.genome_config, device="cpu", dtype=torch.float64
        )
        assert_close(net(torch.tensor(xs)), neat_outputs(genomes, config, xs))


def test_unconnected_genomes_give_bias_outputs(tmp_path):
    # no connections: every output is a "bias neuron" = activation(bias + response * agg([]))
    config = make_config(tmp_path, n_in=2, n_out=3, hidden=0, initial_connection="unconnected")
    genomes = random_genomes(config, 40, seed=3, max_mutations=0)
    xs = np.array([[0.0, 1.0], [5.0, -5.0]])
    net = ne.compile_population(genomes, config.genome_config, device="cpu", dtype=torch.float64)
    assert_close(net(torch.tensor(xs)), neat_outputs(genomes, config, xs))


def test_float32_close_to_neat(tmp_path):
    config = make_config(
        tmp_path, acts=["sigmoid", "tanh", "relu", "identity", "gauss"], aggs=["sum", "max", "mean"]
    )
    genomes = random_genomes(config, 50, seed=9)
    xs = np.random.default_rng(2).uniform(-1, 1, size=(8, 3))
    net = ne.compile_population(genomes, config.genome_config, device="cpu")
    got = net(torch.tensor(xs, dtype=torch.float32)).double().numpy()
    np.testing.assert_allclose(got, neat_outputs(genomes, config, xs), rtol=1e-3, atol=1e-4)


def test_cycles_in_a_feed_forward_compile_match_neat(tmp_path):
    # recurrent genomes through the feed-forward compiler: nodes on cycles are not evaluated
    config = make_config(tmp_path, feed_forward=False, hidden=2)
    genomes = random_genomes(config, 80, seed=4)
    assert any(c.key[0] == c.key[1] for g in genomes for c in g.connections.values()), (
        "no self-loop generated; pick another seed"
    )
    xs = np.random.default_rng(4).uniform(-2, 2, size=(5, 3))
    net = ne.compile_population(genomes, config.genome_config, device="cpu", dtype=torch.float64)
    assert_close(net(torch.tensor(xs)), neat_outputs(genomes, config, xs))


def test_bad_inputs_name_the_expected_shape(tmp_path):
    config = make_config(tmp_path)
    net = ne.compile_population(
        random_genomes(config, 3, seed=0), config.genome_config, device="cpu"
    )
    with pytest.raises(TaskError, match=r"\[B, 3\]"):
        net(torch.zeros(4, 2))
    with pytest.raises(TaskError, match=r"\[3, B, 3\]"):
        net(torch.zeros(2, 4, 3))


def test_empty_population_and_mismatched_genome(tmp_path):
    config = make_config(tmp_path, n_in=3)
    with pytest.raises(CompileError, match="empty"):
        ne.compile_population([], config.genome_config)
    g = random_genomes(config, 1, seed=0)[0]
    other = make_config(tmp_path, n_in=2)
    g.add_connection(config.genome_config, -3, 0, 1.0, True)
    with pytest.raises(CompileError, match="num_inputs"):
        ne.compile_population([g], other.genome_config)


def test_dtype_and_order_of_genomes(tmp_path):
    config = make_config(tmp_path)
    genomes = random_genomes(config, 10, seed=2)
    x = torch.rand(4, 3, dtype=torch.float64)
    net = ne.compile_population(genomes, config.genome_config, device="cpu", dtype=torch.float64)
    rev = ne.compile_population(
        genomes[::-1], config.genome_config, device="cpu", dtype=torch.float64
    )
    assert net(x).dtype == torch.float64
    torch.testing.assert_close(net(x), rev(x).flip(0))


@pytest.mark.parametrize("batch", [5, 40, 260])
def test_every_batch_layout_matches_neat_python(tmp_path, batch):
    # small, medium and large batches use differently padded block layouts
    config = make_config(tmp_path, n_in=3, n_out=2, hidden=2)
    genomes = random_genomes(config, 60, seed=21)
    xs = np.random.default_rng(batch).uniform(-2, 2, size=(batch, 3))
    net = ne.compile_population(genomes, config.genome_config, device="cpu", dtype=torch.float64)
    assert_close(net(torch.tensor(xs)), neat_outputs(genomes, config, xs))
    assert len(net.layouts) == 1 + (batch < 256)


def test_select_keeps_the_chosen_genomes_outputs(tmp_path):
    config = make_config(tmp_path)
    genomes = random_genomes(config, 30, seed=8)
    net = ne.compile_population(genomes, config.genome_config, device="cpu", dtype=torch.float64)
    x = torch.rand(7, 3, dtype=torch.float64)
    pick = [29, 3, 17, 0, 4]
    sub = net.select(pick)
    assert sub.num_candidates == 5
    torch.testing.assert_close(sub(x), net(x)[pick])
    ref = neat_outputs([genomes[i] for i in pick], config, x.numpy())
    assert_close(sub(x), ref)
    with pytest.raises(ValueError, match="distinct"):
        net.select([1, 1])
