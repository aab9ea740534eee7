"""Extreme genomes against neat-python's own networks: NaN from finite inputs, node keys far
apart, values beyond int64 / float64, and the common mistakes in the arguments (issue 10)."""

from __future__ import annotations

import math

import neat
import numpy as np
import pytest
import torch

import neuroevo as ne
from neuroevo.errors import CompileError
from tests.neat_ini import ACTIVATIONS, neat_config


@pytest.fixture(scope="module")
def config(tmp_path_factory):
    return neat_config(
        tmp_path_factory.mktemp("extreme"),
        {"DefaultGenome": {"num_inputs": 2, "num_outputs": 1, "num_hidden": 0}},
    )


def make_genome(key, nodes, conns):
    """``nodes``: {key: (activation, aggregation, bias)}; ``conns``: [(in, out, weight)]."""
    g = neat.DefaultGenome(key)
    for k, (act, agg, bias) in nodes.items():
        n = neat.DefaultNodeGene(k)
        n.activation, n.aggregation, n.bias, n.response = act, agg, bias, 1.0
        n.time_constant = 1.0
        g.nodes[k] = n
    for innovation, (i, o, w) in enumerate(conns, start=1):
        c = neat.DefaultConnectionGene((i, o), innovation=innovation)
        c.weight, c.enabled = w, True
        g.connections[(i, o)] = c
    return g


def neat_ff(genomes, config, xs):
    return np.array(
        [
            [neat.nn.FeedForwardNetwork.create(g, config).activate(list(x)) for x in xs]
            for g in genomes
        ]
    )


def neat_rnn(genomes, config, xs):
    out = []
    for g in genomes:
        net = neat.nn.RecurrentNetwork.create(g, config)
        out.append([net.activate(list(x)) for x in xs])
    return np.array(out)


def assert_same(got, ref):
    got = np.asarray(got, dtype=np.float64)
    ok = (np.isnan(got) & np.isnan(ref)) | np.isclose(got, ref, rtol=1e-12, atol=0) | (got == ref)
    assert ok.all(), (got[~ok], ref[~ok])


# input 1e10 times weight 1e300 overflows to inf; inf * (input 0 * weight 1) is NaN in the
# product node, which then reaches every activation, and NaN-aware aggregations downstream
# (no huge finite sums: neat-python's square and cube raise OverflowError on those)
X_NAN = [[1e10, 0.0], [1e-300, 1.0], [1e10, 1.0], [-1e10, 0.0], [2e-300, -2.0], [0.0, 0.0]]


def nan_genomes():
    out = [
        make_genome(i, {0: (act, "product", 0.1)}, [(-1, 0, 1e300), (-2, 0, 1.0)])
        for i, act in enumerate(ACTIVATIONS)
    ]
    for agg in ("max", "min", "maxabs", "median", "mean", "sum"):
        for first_nan in (True, False):
            nan_src = [(1, 0, 1.0)]
            finite = [(-2, 0, 0.7), (2, 0, -1.3)]
            conns = (nan_src + finite) if first_nan else (finite + nan_src)
            out.append(
                make_genome(
                    len(out),
                    {
                        0: ("identity", agg, 0.0),
                        1: ("identity", "product", 0.0),
                        2: ("identity", "sum", 0.25),
                    },
                    [(-1, 1, 1e300), (-2, 1, 1.0), (-1, 2, 0.5)] + conns,
                )
            )
    return out


def test_nan_from_finite_inputs_matches_neat_python(config):
    genomes = nan_genomes()
    ref = neat_ff(genomes, config, X_NAN)
    assert np.isnan(ref).any() and not np.isnan(ref[: len(ACTIVATIONS)]).all()
    x = torch.tensor(X_NAN, dtype=torch.float64)
    net = ne.compile_population(genomes, config.genome_config, device="cpu", dtype=torch.float64)
    assert_same(net(x).numpy(), ref)
    for g, r in zip(genomes, ref):
        module = ne.compile_genome(g, config.genome_config, device="cpu", dtype=torch.float64)
        assert_same(module(x).detach().numpy(), r)
    rnn = ne.compile_population(
        genomes, config.genome_config, device="cpu", dtype=torch.float64, recurrent=True
    )
    ref_rnn = neat_rnn(genomes, config, X_NAN)
    assert_same(np.stack([rnn(x[i : i + 1])[:, 0] for i in range(len(X_NAN))], 1), ref_rnn)


def test_sigmoid_of_nan_product_is_one(config):
    g = make_genome(0, {0: ("sigmoid", "product", 0.0)}, [(-1, 0, 1e300), (-2, 0, 1.0)])
    net = ne.compile_population([g], config.genome_config, device="cpu", dtype=torch.float64)
    out = net(torch.tensor([[1e10, 0.0]], dtype=torch.float64))
    assert out.item() == neat_ff([g], config, [[1e10, 0.0]]).item() == 1.0


# node keys near 2**62 next to inputs -1, -2: key - min_key * genomes overflowed int64
BIG_KEYS = [2**62, 2**62 + 1, 2**63 - 1, 2**61 + 12345]


def far_key_genomes():
    out = []
    for i, h in enumerate(BIG_KEYS):
        h2 = BIG_KEYS[(i + 1) % len(BIG_KEYS)]
        out.append(
            make_genome(
                i,
                {
                    0: ("tanh", "sum", 0.1 * i),
                    h: ("sigmoid", "sum", -0.2),
                    h2: ("relu", "sum", 0.3),
                },
                [
                    (-1, h, 1.5),
                    (-2, h, -0.5 - i),
                    (h, h2, 0.8),
                    (h2, 0, 1.1),
                    (h, 0, -0.7 + i),
                    (-2, 0, 0.25),
                ],
            )
        )
    out.append(make_genome(len(out), {0: ("sigmoid", "sum", 0.0)}, [(-1, 0, 2.0)]))
    return out


def test_node_keys_near_2_pow_63_match_neat_python(config):
    genomes = far_key_genomes() * 3  # several genomes: the genome index multiplied the keys
    xs = np.random.default_rng(0).uniform(-2, 2, size=(7, 2))
    ref = neat_ff(genomes, config, xs)
    x = torch.tensor(xs)
    net = ne.compile_population(genomes, config.genome_config, device="cpu", dtype=torch.float64)
    np.testing.assert_allclose(net(x).numpy(), ref, rtol=1e-12, atol=1e-12)
    rnn = ne.compile_population(
        genomes, config.genome_config, device="cpu", dtype=torch.float64, recurrent=True
    )
    got = np.stack([rnn(x[i : i + 1])[:, 0] for i in range(len(xs))], 1)
    np.testing.assert_allclose(got, neat_rnn(genomes, config, xs), rtol=1e-12, atol=1e-12)
    module = ne.compile_genome(genomes[2], config.genome_config, device="cpu", dtype=torch.float64)
    np.testing.assert_allclose(module(x).detach().numpy(), ref[2], rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("where", ["node", "connection", "bias", "weight"])
def test_values_beyond_int64_and_float64_raise_compile_error(config, where):
    big = 10**400 if where in ("bias", "weight") else 2**63
    g = make_genome(
        7, {0: ("sigmoid", "sum", 0.0), 5: ("sigmoid", "sum", 0.0)}, [(-1, 5, 1.0), (5, 0, 1.0)]
    )
    if where == "node":
        g.nodes[big] = g.nodes[5]
    elif where == "connection":
        g.nodes[big] = g.nodes[5]
        c = neat.DefaultConnectionGene((big, 0), innovation=9)
        c.weight, c.enabled = 1.0, True
        g.connections[(big, 0)] = c
    elif where == "bias":
        g.nodes[5].bias = big
    else:
        g.connections[(5, 0)].weight = big
    good = make_genome(0, {0: ("sigmoid", "sum", 0.0)}, [(-1, 0, 1.0)])
    with pytest.raises(CompileError, match=r"genome 7 \(position 1\).*(not an integer|float64)"):
        ne.compile_population([good, g], config.genome_config, device="cpu")


# --- the common mistakes in the arguments --------------------------------------------------


def test_whole_neat_config_is_refused_naming_the_fix(config):
    g = make_genome(0, {0: ("sigmoid", "sum", 0.0)}, [(-1, 0, 1.0)])
    calls = [
        lambda: ne.compile_population([g], config),
        lambda: ne.compile_population([g], config, recurrent=True),
        lambda: ne.compile_genome(g, config),
        lambda: ne.compile_genome(g, config, recurrent=True),
        lambda: ne.compile_recurrent([g], config),
    ]
    for call in calls:
        with pytest.raises(CompileError, match="pass config.genome_config"):
            call()
    with pytest.raises(CompileError, match="expected a neat-python genome config"):
        ne.compile_population([g], {"num_inputs": 2})


def test_neat_python_id_genome_pairs_are_accepted(config):
    """neat-python hands ``eval_genomes`` a list of (genome_id, genome): accepted as they are."""
    genomes = far_key_genomes()
    pairs = [(g.key, g) for g in genomes]
    xs = np.random.default_rng(1).uniform(-1, 1, size=(4, 2))
    ref = neat_ff(genomes, config, xs)
    net = ne.compile_population(pairs, config.genome_config, device="cpu", dtype=torch.float64)
    np.testing.assert_allclose(net(torch.tensor(xs)).numpy(), ref, rtol=1e-12)
    rnn = ne.compile_population(
        pairs, config.genome_config, device="cpu", dtype=torch.float64, recurrent=True
    )
    got = np.stack([rnn(torch.tensor(xs[i : i + 1]))[:, 0] for i in range(len(xs))], 1)
    np.testing.assert_allclose(got, neat_rnn(genomes, config, xs), rtol=1e-12)
    net = ne.compile_population(pairs, config.genome_config, device="cpu", trainable=True)
    net.write_back(pairs, config.genome_config)  # the pairs again: no error


def test_wrong_genome_containers_name_the_fix(config):
    g = make_genome(0, {0: ("sigmoid", "sum", 0.0)}, [(-1, 0, 1.0)])
    with pytest.raises(CompileError, match=r"list\(population.population.values\(\)\)"):
        ne.compile_population({0: g}, config.genome_config)
    with pytest.raises(CompileError, match=r"pass a list of genomes \(\[genome\]\)"):
        ne.compile_population(g, config.genome_config)
    with pytest.raises(CompileError, match="item 1 is a str"):
        ne.compile_population([g, "genome"], config.genome_config)
    with pytest.raises(CompileError, match=r"pass the genome itself \(pair\[1\]\)"):
        ne.compile_genome((0, g), config.genome_config)
    assert not math.isnan(
        ne.compile_genome(g, config.genome_config, device="cpu")(torch.zeros(1, 2)).item()
    )
