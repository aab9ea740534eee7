"""compile_genome: one genome as a trainable module, against neat-python's own networks."""

from __future__ import annotations

import copy
import random

import neat
import numpy as np
import pytest
import torch

from neuroevo.compile.module import GenomeModule, compile_genome
from neuroevo.errors import CompileError, TaskError

from .random_genomes import make_config as make_ff_config
from .random_genomes import random_genomes
from .recurrent_genomes import make_config as make_rec_config
from .recurrent_genomes import random_recurrent_genomes

F64 = torch.float64
XOR_X = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]
XOR_Y = [[0.0], [1.0], [1.0], [0.0]]


def _close(got: np.ndarray, ref: np.ndarray) -> np.ndarray:
    return (
        np.isclose(got, ref, rtol=1e-6, atol=1e-9)
        | (np.isinf(got) & (got == ref))
        | (np.isnan(got) & np.isnan(ref))
    )


@pytest.fixture(scope="module")
def ff_config(tmp_path_factory):
    return make_ff_config(tmp_path_factory.mktemp("ff"), n_in=3, n_out=2, hidden=2)


@pytest.fixture(scope="module")
def xor_config(tmp_path_factory):
    return make_ff_config(
        tmp_path_factory.mktemp("xor"),
        n_in=2,
        n_out=1,
        hidden=3,
        initial_connection="full_nodirect",
        acts=["sigmoid"],
        aggs=["sum"],
    )


def _xor_genome(config, seed=3):
    return random_genomes(config, 1, seed=seed, max_mutations=0)[0]


def test_feed_forward_outputs_equal_neat(ff_config):
    genomes = random_genomes(ff_config, 100, seed=7)
    xs = np.random.default_rng(7).uniform(-2, 2, size=(8, 3))
    for g in genomes:
        net = neat.nn.FeedForwardNetwork.create(g, ff_config)
        ref = np.array([net.activate(list(x)) for x in xs])
        module = compile_genome(g, ff_config.genome_config, device="cpu", dtype=F64)
        got = module(torch.tensor(xs)).detach().numpy()
        assert got.shape == (8, 2)
        assert _close(got, ref).all(), (g.key, got, ref)


def test_recurrent_outputs_equal_neat_step_by_step():
    config = make_rec_config(num_inputs=3, num_outputs=2)
    rng = random.Random(2)
    for g in random_recurrent_genomes(config, 40, seed=21):
        module = compile_genome(g, config.genome_config, device="cpu", dtype=F64, recurrent=True)
        nets = [neat.nn.RecurrentNetwork.create(g, config) for _ in range(2)]
        for _ in range(5):
            x = [[rng.uniform(-2, 2) for _ in range(3)] for _ in range(2)]
            try:
                ref = np.array([n.activate(r) for n, r in zip(nets, x)])
            except OverflowError:  # python's z**2 overflows where torch gives inf
                break
            got = module(torch.tensor(x, dtype=F64)).detach().numpy()
            assert _close(got, ref).all(), (g.key, got, ref)
        module.reset()
        ref = neat.nn.RecurrentNetwork.create(g, config).activate([0.5, -0.5, 1.0])
        got = module(torch.tensor([[0.5, -0.5, 1.0]], dtype=F64))[0].tolist()
        assert _close(np.array(got), np.array(ref)).all()


def test_parameters_are_the_genome_genes(xor_config):
    g = _xor_genome(xor_config)
    module = compile_genome(g, xor_config.genome_config, device="cpu", dtype=F64)
    names = {n: p.shape for n, p in module.named_parameters()}
    assert len(names) == 3
    assert module.weight.shape == (len(module.conn_keys),) == (9,)  # 2*3 + 3*1 connections
    assert module.bias.shape == module.response.shape == (len(module.node_keys),) == (4,)
    for k, w in zip(module.conn_keys, module.weight.tolist()):
        assert g.connections[k].weight == w
    for k, b, r in zip(module.node_keys, module.bias.tolist(), module.response.tolist()):
        assert (g.nodes[k].bias, g.nodes[k].response) == (b, r)


def test_gradients_match_finite_differences(xor_config):
    module = compile_genome(
        _xor_genome(xor_config), xor_config.genome_config, device="cpu", dtype=F64
    )
    x = torch.tensor(XOR_X, dtype=F64)
    params = dict(module.named_parameters())

    def f(w, b, r):
        return torch.func.functional_call(
            module, {"core.weight": w, "core.bias": b, "core.response": r}, (x,)
        )

    assert torch.autograd.gradcheck(
        f, tuple(p.detach().clone().requires_grad_() for p in params.values())
    )


def test_gradient_steps_reduce_xor_loss_and_write_back(xor_config):
    genome = _xor_genome(xor_config)
    module = compile_genome(genome, xor_config.genome_config, device="cpu", dtype=F64)
    x, y = torch.tensor(XOR_X, dtype=F64), torch.tensor(XOR_Y, dtype=F64)
    opt = torch.optim.Adam(module.parameters(), lr=0.1)
    before = ((module(x) - y) ** 2).mean().item()
    for _ in range(60):
        loss = ((module(x) - y) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    after = ((module(x) - y) ** 2).mean().item()
    assert after < 0.75 * before
    trained = copy.deepcopy(genome)
    assert module.update_genome(trained) is trained
    net = neat.nn.FeedForwardNetwork.create(trained, xor_config)
    ref = np.array([net.activate(r) for r in XOR_X])
    assert np.allclose(module(x).detach().numpy(), ref, rtol=1e-12, atol=1e-14)
    old = neat.nn.FeedForwardNetwork.create(genome, xor_config)  # the original is untouched
    assert np.mean((np.array([old.activate(r) for r in XOR_X]) - XOR_Y) ** 2) == pytest.approx(
        before, rel=1e-12
    )


def test_update_genome_for_random_feed_forward_and_recurrent_genomes(ff_config):
    for g in random_genomes(ff_config, 30, seed=9):
        module = compile_genome(g, ff_config.genome_config, device="cpu", dtype=F64)
        with torch.no_grad():
            for p in module.parameters():
                p.mul_(0.9).add_(0.05)
        module.update_genome(g)
        net = neat.nn.FeedForwardNetwork.create(g, ff_config)
        xs = [[0.3, -1.0, 0.7], [1.0, 0.2, -0.4]]
        ref = np.array([net.activate(r) for r in xs])
        assert _close(module(torch.tensor(xs, dtype=F64)).detach().numpy(), ref).all()
    config = make_rec_config(num_inputs=3, num_outputs=2)
    for g in random_recurrent_genomes(config, 20, seed=5):
        module = compile_genome(g, config.genome_config, device="cpu", dtype=F64, recurrent=True)
        with torch.no_grad():
            module.weight.mul_(0.5)
        module.update_genome(g)
        net = neat.nn.RecurrentNetwork.create(g, config)
        for x in ([0.3, -1.0, 0.7], [1.0, 0.2, -0.4]):
            ref = np.array(net.activate(x))
            got = module(torch.tensor([x], dtype=F64))[0].detach().numpy()
            assert _close(got, ref).all()


def test_recurrent_step_is_pure_and_matches_forward():
    config = make_rec_config(num_inputs=3, num_outputs=2)
    g = random_recurrent_genomes(config, 1, seed=8, mutations=10)[0]
    module = compile_genome(g, config.genome_config, device="cpu", dtype=F64, recurrent=True)
    xs = torch.randn(3, 4, 3, generator=torch.Generator().manual_seed(0), dtype=F64)
    state = module.initial_state(4)
    for x in xs:
        y_step, state = module.step(x, state)
        assert torch.equal(y_step, module(x))


def test_bad_inputs_raise(xor_config, ff_config):
    module = compile_genome(_xor_genome(xor_config), xor_config.genome_config, device="cpu")
    assert isinstance(module, GenomeModule)
    with pytest.raises(TaskError, match=r"\[B, 2\]"):
        module(torch.zeros(4, 3))
    other = random_genomes(ff_config, 1, seed=0, max_mutations=0)[0]
    with pytest.raises(CompileError, match="lacks genes"):
        module.update_genome(other)
    with pytest.raises(CompileError, match="recurrent=True"):
        module.step(torch.zeros(1, 2), torch.zeros(0, 1))


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_training_step(xor_config):
    module = compile_genome(_xor_genome(xor_config), xor_config.genome_config, device="cuda")
    x = torch.tensor(XOR_X, device="cuda")
    loss = ((module(x) - torch.tensor(XOR_Y, device="cuda")) ** 2).mean()
    loss.backward()
    assert module.weight.grad.device.type == "cuda" and torch.isfinite(module.weight.grad).all()
    cpu = compile_genome(_xor_genome(xor_config), xor_config.genome_config, device="cpu")
    assert torch.allclose(module(x).cpu(), cpu(x.cpu()), rtol=1e-5, atol=1e-6)
