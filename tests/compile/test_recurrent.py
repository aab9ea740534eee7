"""RecurrentPopulationNetwork against neat-python's own RecurrentNetwork, step by step."""

from __future__ import annotations

import math
import random

import neat
import pytest
import torch

from neuroevo.compile.recurrent import compile_recurrent
from neuroevo.errors import CompileError, TaskError

from .recurrent_genomes import make_config, random_recurrent_genomes

F64 = torch.float64


def _close(ref: float, got: float) -> bool:
    if math.isnan(ref) or math.isnan(got):
        return math.isnan(ref) and math.isnan(got)
    return ref == got or abs(ref - got) <= 1e-6 * abs(ref) + 1e-9


def _run_and_compare(config, genomes, inputs, *, per_genome: bool, net=None) -> int:
    """Step the compiled net and one neat-python RecurrentNetwork per (genome, row).

    ``inputs[t][p][b]`` (per genome) or ``inputs[t][b]`` (shared). Returns the number of
    compared values; fails on the first mismatch.
    """
    net = net or compile_recurrent(genomes, config.genome_config, dtype=F64, device="cpu")
    rows = len(inputs[0][0]) if per_genome else len(inputs[0])
    refs = [[neat.nn.RecurrentNetwork.create(g, config) for _ in range(rows)] for g in genomes]
    alive = [[True] * rows for _ in genomes]  # False once neat-python overflowed
    compared = 0
    for t, x in enumerate(inputs):
        y = net(torch.tensor(x, dtype=F64)).tolist()
        for p, genome in enumerate(genomes):
            for b in range(rows):
                if not alive[p][b]:
                    continue
                try:
                    ref = refs[p][b].activate(x[p][b] if per_genome else x[b])
                except OverflowError:  # python's z**2 overflows where torch gives inf
                    alive[p][b] = False
                    continue
                for j, (r, g) in enumerate(zip(ref, y[p][b])):
                    assert _close(r, g), (t, genome.key, b, j, r, g, genome)
                    compared += 1
    return compared


@pytest.fixture(scope="module")
def config():
    return make_config(num_inputs=3, num_outputs=2)


@pytest.fixture(scope="module")
def genomes(config):
    return random_recurrent_genomes(config, 300, seed=11, mutations=14)


def test_random_genomes_cover_what_they_should(genomes):
    acts = {n.activation for g in genomes for n in g.nodes.values()}
    aggs = {n.aggregation for g in genomes for n in g.nodes.values()}
    assert acts == set(neat.activations.ActivationFunctionSet().functions)
    assert aggs == set(neat.aggregations.AggregationFunctionSet().functions)
    assert sum(any(a == b for a, b in g.connections) for g in genomes) > 50  # self-loops
    assert sum(any(not c.enabled for c in g.connections.values()) for g in genomes) > 50
    assert sum(len(g.nodes) > 4 for g in genomes) > 50  # hidden nodes from add-node


def test_matches_neat_step_by_step_with_shared_inputs(config, genomes):
    rng = random.Random(0)
    inputs = [[[rng.uniform(-2, 2) for _ in range(3)] for _ in range(3)] for _ in range(6)]
    assert _run_and_compare(config, genomes, inputs, per_genome=False) > 0.9 * 6 * 300 * 3 * 2


def test_matches_neat_step_by_step_with_per_genome_inputs(config, genomes):
    rng = random.Random(1)
    sub = genomes[:120]
    inputs = [
        [[[rng.uniform(-2, 2) for _ in range(3)] for _ in range(2)] for _ in sub] for _ in range(5)
    ]
    assert _run_and_compare(config, sub, inputs, per_genome=True) > 0.9 * 5 * 120 * 2 * 2


def test_outputs_without_incoming_connections_stay_zero():
    config = make_config(
        num_inputs=1, num_outputs=3, num_hidden=0, initial_connection="unconnected"
    )
    genomes = random_recurrent_genomes(config, 150, seed=5, mutations=6)
    # some outputs have no enabled incoming connection: they must read 0.0 at every step
    assert any(
        not any(cg.enabled and cg.key[1] == o for cg in g.connections.values())
        for g in genomes
        for o in config.genome_config.output_keys
    )
    rng = random.Random(2)
    inputs = [[[rng.uniform(-3, 3)] for _ in range(2)] for _ in range(5)]
    _run_and_compare(config, genomes, inputs, per_genome=False)


def test_reset_zeroes_the_state(config, genomes):
    sub = genomes[:60]
    net = compile_recurrent(sub, config.genome_config, dtype=F64, device="cpu")
    rng = random.Random(3)
    warm = [[[rng.uniform(-2, 2) for _ in range(3)] for _ in range(4)] for _ in range(3)]
    for x in warm:
        net(torch.tensor(x, dtype=F64))
    net.reset()  # a fresh neat-python network from here on must agree again
    inputs = [[[rng.uniform(-2, 2) for _ in range(3)] for _ in range(4)] for _ in range(4)]
    _run_and_compare(config, sub, inputs, per_genome=False, net=net)
    # and the batch size may change after a reset
    net.reset()
    assert net(torch.zeros(7, 3, dtype=F64)).shape == (60, 7, 2)


def test_hand_computed_self_loop():
    """out = tanh_neat(0.5 * out_prev + 2 * x): neat's tanh is tanh(2.5 z)."""
    config = make_config(
        num_inputs=1, num_outputs=1, num_hidden=0, initial_connection="unconnected"
    )
    g = config.genome_type(0)
    g.configure_new(config.genome_config)
    node = g.nodes[0]
    node.activation, node.aggregation, node.bias, node.response = "tanh", "sum", 0.0, 1.0
    g.add_connection(config.genome_config, -1, 0, 2.0, True)
    g.add_connection(config.genome_config, 0, 0, 0.5, True)
    net = compile_recurrent([g], config.genome_config, dtype=F64, device="cpu")
    prev = 0.0
    for x in (1.0, -0.3, 0.2):
        prev = math.tanh(2.5 * (0.5 * prev + 2.0 * x))
        assert net(torch.tensor([[x]], dtype=F64)).item() == pytest.approx(prev, rel=1e-12)


def test_float32_default_and_shapes(config, genomes):
    net = compile_recurrent(genomes[:10], config.genome_config, device="cpu")
    y = net(torch.zeros(5, 3))
    assert y.dtype == torch.float32 and y.shape == (10, 5, 2)
    assert net.recurrent and net.num_candidates == 10
    assert net.num_inputs == 3 and net.num_outputs == 2


def test_bad_inputs_raise_compile_error(config, genomes):
    net = compile_recurrent(genomes[:4], config.genome_config, device="cpu")
    with pytest.raises(TaskError, match=r"\[B, 3\]"):
        net(torch.zeros(5, 2))
    with pytest.raises(TaskError, match="4, B, 3"):
        net(torch.zeros(3, 5, 3))
    net(torch.zeros(5, 3))
    with pytest.raises(TaskError, match="reset"):
        net(torch.zeros(6, 3))
    with pytest.raises(CompileError, match="no genomes"):
        compile_recurrent([], config.genome_config)


def test_unknown_activation_names_the_fix(config):
    g = config.genome_type(0)
    g.configure_new(config.genome_config)
    g.connections.clear()
    g.nodes[0].activation = "my_act"
    g.add_connection(config.genome_config, -1, 0, 1.0, True)
    with pytest.raises(CompileError, match="register_activation"):
        compile_recurrent([g], config.genome_config)


def test_connection_into_an_input_is_rejected(config):
    g = config.genome_type(0)
    g.configure_new(config.genome_config)
    cg = config.genome_config.connection_gene_type((0, -1), innovation=10**6)
    cg.weight, cg.enabled = 1.0, True
    g.connections[(0, -1)] = cg
    with pytest.raises(KeyError):  # neat-python cannot build this network either
        neat.nn.RecurrentNetwork.create(g, config)
    with pytest.raises(CompileError, match="input"):
        compile_recurrent([g], config.genome_config)


def test_genomes_without_connections_give_zeros(config):
    genomes = random_recurrent_genomes(config, 3, seed=4, mutations=0, extras=False)
    for g in genomes:
        g.connections.clear()
    net = compile_recurrent(genomes, config.genome_config, dtype=F64, device="cpu")
    for _ in range(2):
        y = net(torch.ones(2, 3, dtype=F64))
        ref = neat.nn.RecurrentNetwork.create(genomes[0], config).activate([1.0, 1.0, 1.0])
        assert y.tolist() == [[ref, ref]] * 3 == [[[0.0, 0.0]] * 2] * 3


def test_connection_from_a_missing_node_is_rejected(config):
    g = random_recurrent_genomes(config, 1, seed=0, mutations=0, extras=False)[0]
    g.add_connection(config.genome_config, 999, 0, 1.0, True)
    with pytest.raises(CompileError, match="999"):
        compile_recurrent([g], config.genome_config)


def test_public_route_compile_population_recurrent(config, genomes):
    import neuroevo as ne

    net = ne.compile_population(
        genomes[:20], config.genome_config, device="cpu", dtype=F64, recurrent=True
    )
    assert net.recurrent
    rng = random.Random(9)
    inputs = [[[rng.uniform(-2, 2) for _ in range(3)] for _ in range(2)] for _ in range(3)]
    _run_and_compare(config, genomes[:20], inputs, per_genome=False, net=net)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_matches_cpu(config, genomes):
    cpu = compile_recurrent(genomes, config.genome_config, dtype=F64, device="cpu")
    gpu = compile_recurrent(genomes, config.genome_config, dtype=F64, device="cuda")
    gen = torch.Generator().manual_seed(0)
    for _ in range(4):
        x = torch.rand(300, 16, 3, generator=gen, dtype=F64) * 4 - 2
        a, b = cpu(x), gpu(x.cuda()).cpu()
        assert torch.allclose(a, b, rtol=1e-9, atol=1e-12, equal_nan=True)
    moved = compile_recurrent(genomes[:5], config.genome_config, dtype=F64, device="cpu").to("cuda")
    assert moved(torch.zeros(2, 3, dtype=F64, device="cuda")).device.type == "cuda"


SMOOTH = ["sigmoid", "tanh", "identity", "gauss", "softplus", "sin"]


def _neat_steps(genome, config, xs):
    """Sum of every output of neat-python's RecurrentNetwork over the steps ``xs``."""
    net = neat.nn.RecurrentNetwork.create(genome, config)
    return sum(sum(net.activate(x)) for x in xs)


def test_trainable_recurrent_population_gradients_equal_neat_finite_differences():
    # compile_population(recurrent=True, trainable=True) once dropped ``trainable``
    import neuroevo as ne

    config = make_config(
        num_inputs=2, num_outputs=1, activations=SMOOTH, aggregations=["sum", "mean", "product"]
    )
    genomes = random_recurrent_genomes(config, 12, seed=4, mutations=10)
    net = ne.compile_population(
        genomes, config.genome_config, device="cpu", dtype=F64, recurrent=True, trainable=True
    )
    assert net.trainable
    assert [p.requires_grad for p in net.parameters()] == [True, True, True]
    rng = random.Random(2)
    xs = [[rng.uniform(-1, 1) for _ in range(2)] for _ in range(3)]
    net.reset()
    sum(net(torch.tensor([x], dtype=F64)).sum() for x in xs).backward()
    eps, checked = 1e-6, 0
    for i in range(0, len(net.weight), 3):
        g, key = int(net.conn_genome[i]), tuple(int(k) for k in net.conn_key[i])
        conn = genomes[g].connections[key]
        w0 = conn.weight
        conn.weight = w0 + eps
        up = _neat_steps(genomes[g], config, xs)
        conn.weight = w0 - eps
        down = _neat_steps(genomes[g], config, xs)
        conn.weight = w0
        assert net.weight.grad[i].item() == pytest.approx(
            (up - down) / (2 * eps), rel=1e-4, abs=1e-6
        ), (g, key)
        checked += 1
    for j in range(0, len(net.bias), 3):
        node = genomes[int(net.node_genome[j])].nodes[int(net.node_key[j])]
        b0 = node.bias
        node.bias = b0 + eps
        up = _neat_steps(genomes[int(net.node_genome[j])], config, xs)
        node.bias = b0 - eps
        down = _neat_steps(genomes[int(net.node_genome[j])], config, xs)
        node.bias = b0
        assert net.bias.grad[j].item() == pytest.approx((up - down) / (2 * eps), rel=1e-4, abs=1e-6)
        checked += 1
    assert checked >= 10


def test_recurrent_write_back_makes_neat_python_reproduce_the_net(config):
    genomes = random_recurrent_genomes(config, 30, seed=6, mutations=10)
    net = compile_recurrent(genomes, config.genome_config, device="cpu", dtype=F64, trainable=True)
    gc = config.genome_config
    with torch.no_grad():  # "training": new values, one beyond the config's bound
        net.weight.add_(0.25)
        net.bias.sub_(0.1)
        net.response.mul_(1.1)
        net.weight[0] = 100.0
    net.write_back(genomes, gc)
    g0 = genomes[int(net.conn_genome[0])]
    assert g0.connections[tuple(int(k) for k in net.conn_key[0])].weight == gc.weight_max_value
    with torch.no_grad():  # the genes hold clamped values; so must the net compared below
        net.weight.clamp_(gc.weight_min_value, gc.weight_max_value)
        net.bias.clamp_(gc.bias_min_value, gc.bias_max_value)
        net.response.clamp_(gc.response_min_value, gc.response_max_value)
    rng = random.Random(5)
    inputs = [[[rng.uniform(-2, 2) for _ in range(3)] for _ in range(2)] for _ in range(4)]
    with torch.no_grad():
        assert _run_and_compare(config, genomes, inputs, per_genome=False, net=net) > 100
    with pytest.raises(CompileError, match="same list"):
        net.write_back(genomes[:3], gc)
