"""Supervised tasks against hand-computed fitness and neat-python's own XOR evaluation."""

from __future__ import annotations

import pathlib

import neat
import pytest
import torch

from neuroevo.compile.population import compile_population
from neuroevo.config import load_config
from neuroevo.errors import ConfigError, TaskError
from neuroevo.policy import BatchedPolicy
from neuroevo.run import registry
from neuroevo.tasks.supervised import XOR, Parity, Supervised

CONFIGS = pathlib.Path(__file__).resolve().parents[2] / "configs"


class ConstantPolicy(BatchedPolicy):
    """Candidate i outputs values[i] for every case (a hand-checkable policy)."""

    def __init__(self, values, num_inputs=2, num_outputs=1):
        super().__init__()
        self.values = torch.as_tensor(values, dtype=torch.float32)
        self.num_candidates = len(values)
        self.num_inputs, self.num_outputs = num_inputs, num_outputs

    def forward(self, x):
        b = x.shape[-2]
        return self.values.view(-1, 1, 1).expand(self.num_candidates, b, self.num_outputs)


def test_xor_hand_computed():
    # targets 0,1,1,0: output c everywhere gives 4 - (2c^2 + 2(1-c)^2)
    task = XOR()
    f = task.evaluate(ConstantPolicy([0.0, 0.5, 1.0, 0.25]))
    assert f.tolist() == pytest.approx([2.0, 3.0, 2.0, 4 - (2 * 0.0625 + 2 * 0.5625)])
    assert (task.num_inputs, task.num_outputs, task.fitness_threshold) == (2, 1, 3.9)


class TablePolicy(BatchedPolicy):
    """One candidate whose outputs are given per case."""

    def __init__(self, outputs, num_inputs):
        super().__init__()
        self.out = torch.as_tensor(outputs, dtype=torch.float64).view(1, -1, 1)
        self.num_candidates, self.num_inputs, self.num_outputs = 1, num_inputs, 1

    def forward(self, x):
        return self.out.to(x.dtype)


def test_parity_cases_and_fitness():
    task = Parity(3)
    assert task.inputs.shape == (8, 3) and task.fitness_threshold == pytest.approx(7.8)
    for row, target in zip(task.inputs.tolist(), task.targets.flatten().tolist()):
        assert target == sum(row) % 2  # odd number of ones -> 1
    assert len({tuple(r) for r in task.inputs.tolist()}) == 8
    perfect = TablePolicy(task.targets.flatten(), 3)
    assert task.evaluate(perfect).item() == pytest.approx(8.0)
    # one case completely wrong: 8 - 1
    wrong = task.targets.flatten().clone()
    wrong[5] = 1 - wrong[5]
    assert task.evaluate(TablePolicy(wrong, 3)).item() == pytest.approx(7.0)


def test_parity2_is_xor():
    assert torch.equal(Parity(2).inputs, XOR().inputs)
    assert torch.equal(Parity(2).targets, XOR().targets)
    assert Parity(2).fitness_threshold == pytest.approx(3.9)


def test_fitness_shapes_sse_mse():
    x = torch.zeros(4, 2)
    y = torch.tensor([[0.0, 1.0]] * 4)
    pol = ConstantPolicy([0.5], num_outputs=2)
    sse = 4 * (0.25 + 0.25)
    assert Supervised(x, y, fitness="sse").evaluate(pol).item() == pytest.approx(-sse)
    assert Supervised(x, y, fitness="mse").evaluate(pol).item() == pytest.approx(-sse / 8)
    assert Supervised(x, y, fitness="neat_xor").evaluate(pol).item() == pytest.approx(4 - sse)


def _neat_xor_fitness(genome, config):
    """neat-python's XOR example fitness, computed with its own FeedForwardNetwork."""
    net = neat.nn.FeedForwardNetwork.create(genome, config)
    fitness = 4.0
    for xi, xo in zip([(0.0, 0.0), (0.0, 1.0), (1.0, 0.0), (1.0, 1.0)], [0.0, 1.0, 1.0, 0.0]):
        fitness -= (net.activate(xi)[0] - xo) ** 2
    return fitness


def test_xor_matches_neat_python_on_evolved_genomes():
    config = load_config(CONFIGS / "xor.ini")
    pop = neat.Population(config, seed=3)
    pop.run(
        lambda genomes, cfg: [setattr(g, "fitness", _neat_xor_fitness(g, cfg)) for _, g in genomes],
        5,
    )  # grow some hidden nodes
    genomes = list(pop.population.values())
    policy = compile_population(genomes, config.genome_config, device="cpu", dtype=torch.float64)
    ours = XOR().evaluate(policy)
    ref = torch.tensor([_neat_xor_fitness(g, config) for g in genomes], dtype=torch.float64)
    assert ours.shape == (len(genomes),)
    torch.testing.assert_close(ours, ref, rtol=0, atol=1e-9)


def test_wrong_output_shape_is_task_error():
    with pytest.raises(TaskError, match=r"\(1, 4, 2\)"):
        XOR().evaluate(ConstantPolicy([0.5], num_outputs=2))


def test_bad_tables():
    with pytest.raises(TaskError, match="same number of cases"):
        Supervised(torch.zeros(3, 2), torch.zeros(4, 1))
    with pytest.raises(ConfigError, match="fitness"):
        Supervised(torch.zeros(3, 2), torch.zeros(3, 1), fitness="accuracy")
    with pytest.raises(ConfigError, match="n_bits"):
        Parity(0)


def test_non_finite_outputs_get_the_lowest_finite_fitness():
    f = XOR().evaluate(ConstantPolicy([0.5, float("nan"), 0.0, float("inf")]))
    assert f.tolist() == pytest.approx([3.0, 2.0, 2.0, 2.0])


def test_registry_make_and_errors():
    assert isinstance(registry.make_task("xor"), XOR)
    assert registry.make_task("parity", n_bits=4).num_inputs == 4
    with pytest.raises(ConfigError, match="unknown task 'xro'.*xor"):
        registry.make_task("xro")
    with pytest.raises(ConfigError, match="task 'parity'.*bits.*n_bits"):
        registry.make_task("parity", bits=3)
    with pytest.raises(ConfigError, match="n_bits"):
        registry.make_task("parity", n_bits="3")


def test_registry_register_and_positional_args():
    registry.register_task("parity5-test", "neuroevo.tasks.supervised:Parity", 5)
    try:
        assert registry.make_task("parity5-test").num_inputs == 5
    finally:
        registry.TASKS.entries.pop("parity5-test")
    with pytest.raises(ConfigError, match="module:Class"):
        registry.register_task("x", "no_colon")
    registry.register_task("missing-module-test", "neuroevo.does_not_exist:Task")
    try:
        with pytest.raises(ConfigError, match="neuroevo.does_not_exist"):
            registry.make_task("missing-module-test")
    finally:
        registry.TASKS.entries.pop("missing-module-test")
