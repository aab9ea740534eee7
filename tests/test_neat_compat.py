"""BatchedEvaluator inside neat-python's own Population.run, against its FeedForwardNetwork."""

from __future__ import annotations

import pathlib

import neat
import pytest
import torch

import neuroevo as ne
from neuroevo.config import load_config
from neuroevo.errors import ConfigError, TaskError
from neuroevo.strategies.neat.compat import BatchedEvaluator
from neuroevo.tasks.supervised import XOR

CONFIGS = pathlib.Path(__file__).resolve().parents[1] / "configs"
XOR_CASES = [((0.0, 0.0), 0.0), ((0.0, 1.0), 1.0), ((1.0, 0.0), 1.0), ((1.0, 1.0), 0.0)]


def neat_xor_fitness(genome, config):
    """neat-python's examples/xor fitness with its own FeedForwardNetwork."""
    net = neat.nn.FeedForwardNetwork.create(genome, config)
    return 4.0 - sum((net.activate(x)[0] - y) ** 2 for x, y in XOR_CASES)


@pytest.mark.parametrize("dtype,atol", [(torch.float64, 1e-12), (torch.float32, 1e-5)])
def test_population_run_fitness_equals_neat_python(dtype, atol):
    config = load_config(CONFIGS / "xor.ini")
    evaluator = BatchedEvaluator(XOR(), device="cpu", dtype=dtype)
    checked = []

    def checking(genomes, cfg):
        evaluator(genomes, cfg)
        for _, g in genomes:
            assert isinstance(g.fitness, float)
            assert g.fitness == pytest.approx(neat_xor_fitness(g, cfg), abs=atol)
        checked.append(len(genomes))

    pop = neat.Population(config, seed=7)
    winner = pop.run(checking, 8)
    assert sum(checked) == evaluator.evaluations == 150 * len(checked)
    assert winner.fitness == pytest.approx(neat_xor_fitness(winner, config), abs=atol)


def test_same_run_as_neat_python_in_float64():
    config = load_config(CONFIGS / "xor.ini")

    def reference(genomes, cfg):
        for _, g in genomes:
            g.fitness = neat_xor_fitness(g, cfg)

    ref = neat.Population(config, seed=3)
    ref_winner = ref.run(reference, 6)
    ours = neat.Population(load_config(CONFIGS / "xor.ini"), seed=3)
    winner = ours.run(BatchedEvaluator(XOR(), device="cpu", dtype=torch.float64), 6)
    assert winner.key == ref_winner.key and ours.generation == ref.generation
    assert list(ours.population) == list(ref.population)


def test_user_function_on_outputs():
    config = load_config(CONFIGS / "xor.ini")
    x = torch.tensor([c[0] for c in XOR_CASES])
    y = torch.tensor([c[1] for c in XOR_CASES])
    ev = BatchedEvaluator(lambda out: 4.0 - (out[..., 0] - y).pow(2).sum(1), inputs=x, device="cpu")
    pop = neat.Population(config, seed=1)
    ev(list(pop.population.items()), config)
    for g in pop.population.values():
        assert g.fitness == pytest.approx(neat_xor_fitness(g, config), abs=1e-5)


def test_user_function_on_policy():
    config = load_config(CONFIGS / "xor.ini")
    pop = neat.Population(config, seed=1)
    genomes = list(pop.population.items())
    ev = BatchedEvaluator(lambda policy: policy(torch.ones(3, 2))[:, :, 0].sum(1), device="cpu")
    ev(genomes, config)
    for _, g in genomes:
        net = neat.nn.FeedForwardNetwork.create(g, config)
        assert g.fitness == pytest.approx(3 * net.activate((1.0, 1.0))[0], abs=1e-5)


def test_bad_fitness_and_arguments():
    config = load_config(CONFIGS / "xor.ini")
    genomes = list(neat.Population(config, seed=0).population.items())
    with pytest.raises(TaskError, match=r"shape \(150, 4\)"):
        BatchedEvaluator(lambda out: out[..., 0], inputs=torch.zeros(4, 2), device="cpu")(
            genomes, config
        )
    with pytest.raises(TaskError, match="NaN or inf"):
        BatchedEvaluator(lambda out: out[:, 0, 0] / 0.0, inputs=torch.zeros(4, 2), device="cpu")(
            genomes, config
        )
    with pytest.raises(ConfigError):
        BatchedEvaluator(42)
    with pytest.raises(ConfigError):
        BatchedEvaluator(XOR(), inputs=torch.zeros(4, 2))


def test_unseeded_evaluator_leaves_torchs_global_generator_alone():
    """seed=None draws fresh entropy for the evaluator's own generator (torch.seed() reseeded
    the global one); a seed gives the evaluator the stream manual_seed(seed) gives."""
    torch.manual_seed(0)
    before = torch.get_rng_state()
    a, b = BatchedEvaluator(XOR(), device="cpu"), BatchedEvaluator(XOR(), device="cpu")
    assert torch.equal(torch.get_rng_state(), before)
    assert a.generator.initial_seed() != b.generator.initial_seed()
    seeded = BatchedEvaluator(XOR(), device="cpu", seed=5)
    assert torch.equal(seeded.generator.get_state(), torch.Generator().manual_seed(5).get_state())


def test_public_name():
    assert ne.BatchedEvaluator is BatchedEvaluator
