"""Gradient refinement of a whole NEAT population, checked against neat-python's networks."""

import copy

import neat
import numpy as np
import pytest
import torch

import neuroevo as ne
from neuroevo.errors import ConfigError
from neuroevo.strategies.neat.refine import GradientRefinement
from tests.compile.random_genomes import make_config, random_genomes

SMOOTH = ["sigmoid", "tanh", "identity", "gauss", "softplus", "sin"]


def neat_out(genome, config, xs):
    net = neat.nn.FeedForwardNetwork.create(genome, config)
    return np.array([net.activate(list(x)) for x in xs])


def test_population_gradient_equals_finite_differences_of_neat_python(tmp_path):
    config = make_config(tmp_path, n_in=2, n_out=1, acts=SMOOTH, aggs=["sum", "mean", "product"])
    genomes = random_genomes(config, 12, seed=7, max_mutations=12)
    xs = np.random.default_rng(0).uniform(-1, 1, size=(6, 2))
    net = ne.compile_population(
        genomes, config.genome_config, device="cpu", dtype=torch.float64, trainable=True
    )
    net(torch.tensor(xs)).sum().backward()
    checked = 0
    for block, (r, s, eid) in zip(net.blocks, net._slots):
        flat = net._flat
        for rr, ss, e in list(zip(r, s, eid))[:3]:
            g = int(flat.edge_genome[e])
            src = int(flat.edge_src[e])
            i = flat.input_keys[-1 - src] if src < 0 else int(flat.node_key[src])
            o = int(flat.node_key[flat.edge_dst[e]])
            conn = genomes[g].connections[(i, o)]
            eps = 1e-6
            w0 = conn.weight
            conn.weight = w0 + eps
            up = neat_out(genomes[g], config, xs).sum()
            conn.weight = w0 - eps
            down = neat_out(genomes[g], config, xs).sum()
            conn.weight = w0
            fd = (up - down) / (2 * eps)
            got = block.weight.grad[rr, ss].item()
            assert got == pytest.approx(fd, rel=1e-4, abs=1e-6), (g, (i, o))
            checked += 1
    assert checked >= 10


def test_lamarckian_refinement_improves_and_writes_back(tmp_path):
    config = make_config(
        tmp_path,
        n_in=1,
        n_out=1,
        acts=SMOOTH,
        aggs=["sum"],
        initial_connection="full_direct",
        hidden=2,
    )
    genomes = random_genomes(config, 40, seed=1, max_mutations=6)
    task = ne.tasks.Regression("sine", points=16)
    before = task.evaluate(
        ne.compile_population(genomes, config.genome_config, device="cpu", dtype=torch.float64)
    )
    refine = GradientRefinement(task, steps=20, lr=0.02)
    net = refine.refine(
        genomes, config.genome_config, device=torch.device("cpu"), dtype=torch.float64
    )
    after = task.evaluate(net)
    assert (after >= before - 1e-9).float().mean() >= 0.9
    assert after.mean() > before.mean()
    # the genes now hold the trained values: neat-python's own networks agree with `net`
    xs = task.inputs.numpy()
    got = net(task.inputs).detach().numpy()
    for p, g in enumerate(genomes):
        np.testing.assert_allclose(got[p], neat_out(g, config, xs), rtol=1e-6, atol=1e-9)
    gc = config.genome_config
    for g in genomes:
        for c in g.connections.values():
            assert gc.weight_min_value <= c.weight <= gc.weight_max_value


def test_baldwinian_refinement_leaves_genes_alone(tmp_path):
    config = make_config(
        tmp_path,
        n_in=1,
        n_out=1,
        acts=SMOOTH,
        aggs=["sum"],
        initial_connection="full_direct",
        hidden=1,
    )
    genomes = random_genomes(config, 10, seed=2, max_mutations=4)
    saved = copy.deepcopy(genomes)
    task = ne.tasks.Regression("sine", points=8)
    net = GradientRefinement(task, steps=10, mode="baldwinian").refine(
        genomes, config.genome_config, device=torch.device("cpu"), dtype=torch.float64
    )
    for a, b in zip(genomes, saved):
        assert {k: c.weight for k, c in a.connections.items()} == {
            k: c.weight for k, c in b.connections.items()
        }
        assert {k: (n.bias, n.response) for k, n in a.nodes.items()} == {
            k: (n.bias, n.response) for k, n in b.nodes.items()
        }
    plain = ne.compile_population(genomes, config.genome_config, device="cpu", dtype=torch.float64)
    assert task.evaluate(net).mean() > task.evaluate(plain).mean()


def test_bad_refinement_settings():
    task = ne.tasks.XOR()
    with pytest.raises(ConfigError, match="mode"):
        GradientRefinement(task, mode="darwinian")
    with pytest.raises(ConfigError, match="supervised"):
        GradientRefinement(object())
    with pytest.raises(ConfigError, match="steps"):
        GradientRefinement(task, steps=-1)


def test_lamarckian_neat_best_fitness_reproduces_in_neat_python():
    task = ne.tasks.XOR()
    cfg = ne.load_config("configs/xor.ini")
    strategy = ne.NEAT(cfg, refine=GradientRefinement(task, steps=5, lr=0.1))
    result = ne.evolve(strategy, task, generations=4, seed=3, device="cpu", dtype=torch.float64)
    net = neat.nn.FeedForwardNetwork.create(result.best, strategy.config)
    xs, ys = task.inputs.tolist(), task.targets[:, 0].tolist()
    ref = 4.0 - sum((net.activate(x)[0] - y) ** 2 for x, y in zip(xs, ys))
    assert result.best_fitness == pytest.approx(ref, rel=1e-9)


def test_refine_from_experiment_table(tmp_path):
    from neuroevo.strategies.neat.engines import NEAT

    task = ne.tasks.XOR()
    s = NEAT.from_experiment(
        {"config": "xor.ini", "refine": {"steps": 2, "mode": "baldwinian"}},
        task=task,
        base_dir=__import__("pathlib").Path("configs"),
    )
    assert s.refine.steps == 2 and s.refine.mode == "baldwinian"
    with pytest.raises(ConfigError, match="refine"):
        NEAT.from_experiment(
            {"config": "xor.ini", "refine": {"stepz": 2}},
            task=task,
            base_dir=__import__("pathlib").Path("configs"),
        )
