"""Dropping finished genomes from the rollout's forward pass changes no score."""

import torch

import neuroevo as ne
from neuroevo.policy import BatchedPolicy
from tests.compile.random_genomes import make_config, random_genomes


class Opaque(BatchedPolicy):
    """The same network (and rollout program) without ``select``: the rollout cannot narrow it."""

    def __init__(self, net):
        super().__init__()
        self.net = net
        self.num_candidates, self.num_inputs = net.num_candidates, net.num_inputs
        self.num_outputs, self.dtype = net.num_outputs, net.dtype

    def forward(self, x):
        return self.net(x)

    def program(self, episodes):
        return self.net.program(episodes)


def test_narrowed_rollouts_score_like_full_ones(tmp_path):
    config = make_config(
        tmp_path,
        n_in=4,
        n_out=2,
        hidden=1,
        acts=["tanh", "sigmoid", "relu"],
        aggs=["sum"],
        initial_connection="full_direct",
    )
    genomes = random_genomes(config, 96, seed=4, max_mutations=5)
    net = ne.compile_population(genomes, config.genome_config, device="cpu", dtype=torch.float64)
    task = ne.tasks.Control("CartPole-v1", episodes=3, device="cpu", dtype=torch.float64)
    calls = []
    program = net.program(3)
    select = program.select
    program.select = lambda idx: calls.append(len(idx)) or select(idx)
    net.program = lambda episodes: program
    narrowed = task.episode_scores(net, generator=torch.Generator().manual_seed(1))
    assert calls and calls[0] <= 48  # the network was narrowed at least once
    full = task.episode_scores(Opaque(net), generator=torch.Generator().manual_seed(1))
    torch.testing.assert_close(narrowed, full, rtol=0, atol=0)
    lengths = narrowed.flatten()
    assert lengths.min() < 50 < lengths.max()  # some genomes finish long before others


def test_compacted_double_pole_anti_wiggle_scores_equal_full_ones(tmp_path):
    config = make_config(
        tmp_path,
        n_in=3,
        n_out=1,
        hidden=1,
        acts=["tanh", "sigmoid"],
        aggs=["sum"],
        initial_connection="full_direct",
    )
    genomes = random_genomes(config, 64, seed=6, max_mutations=5)
    net = ne.compile_population(genomes, config.genome_config, device="cpu", dtype=torch.float64)
    task = ne.tasks.Control("DoublePoleNV-v0", episodes=2, device="cpu", dtype=torch.float64)
    calls = []
    program = net.program(2)
    select = program.select
    program.select = lambda idx: calls.append(len(idx)) or select(idx)
    net.program = lambda episodes: program
    compacted = task.episode_scores(net, generator=torch.Generator().manual_seed(2))
    full = task.episode_scores(Opaque(net), generator=torch.Generator().manual_seed(2))
    assert calls, "the rollout was never compacted"
    torch.testing.assert_close(compacted, full, rtol=0, atol=0)
