"""Rollout programs of NEAT populations (levels of segment sums) against neat-python's networks."""

import neat
import numpy as np
import pytest
import torch

import neuroevo as ne
from neuroevo.compile.program import DEPTHS, NetworkProgram

from .random_genomes import make_config, random_genomes
from .test_population import assert_close, neat_outputs


def program_outputs(program, xs_per_candidate: torch.Tensor) -> np.ndarray:
    """``[P, E, n_in]`` inputs through ``program`` (features first) -> ``[P, E, n_out]``."""
    p, e, n_in = xs_per_candidate.shape
    out = program(xs_per_candidate.reshape(p * e, n_in).t())
    return out.t().reshape(p, e, -1).numpy()


def test_sums_in_connection_order_equal_neat_python_bit_for_bit(tmp_path):
    # identity activations leave only neat-python's arithmetic: sum(values[i] * w) in link
    # order, then bias + response * s. The program does exactly that, so no tolerance.
    config = make_config(tmp_path, n_in=3, n_out=2, hidden=2, acts=["identity"], aggs=["sum"])
    genomes = random_genomes(config, 200, seed=1)
    xs = np.random.default_rng(0).uniform(-2, 2, size=(5, 3))
    net = ne.compile_population(genomes, config.genome_config, device="cpu", dtype=torch.float64)
    program = net.program(5)
    got = program_outputs(program, torch.tensor(xs).expand(len(genomes), -1, -1))
    assert np.array_equal(got, neat_outputs(genomes, config, xs))


@pytest.mark.parametrize("seed", range(3))
def test_every_activation_matches_neat_python(tmp_path, seed):
    config = make_config(tmp_path, n_in=4, n_out=2, hidden=seed, aggs=["sum"])
    genomes = random_genomes(config, 150, seed=seed)
    rng = np.random.default_rng(seed)
    xs = rng.uniform(-2, 2, size=(len(genomes), 3, 4))  # per candidate, 3 episodes
    ref = np.stack([neat_outputs([g], config, xs[i])[0] for i, g in enumerate(genomes)])
    net = ne.compile_population(genomes, config.genome_config, device="cpu", dtype=torch.float64)
    program = net.program(3)
    assert isinstance(program, NetworkProgram)
    assert_close(torch.tensor(program_outputs(program, torch.tensor(xs))), ref)
    # padded for compiled loops: dummy levels change nothing
    padded = program.for_compile()
    assert padded.key[3] in DEPTHS and padded.key[3] >= program.key[3]
    assert np.array_equal(
        program_outputs(padded, torch.tensor(xs)), program_outputs(program, torch.tensor(xs))
    )


def test_other_aggregations_have_no_program(tmp_path):
    config = make_config(tmp_path, aggs=["sum", "max"])
    genomes = random_genomes(config, 60, seed=2)
    assert any(n.aggregation == "max" for g in genomes for n in g.nodes.values())
    net = ne.compile_population(genomes, config.genome_config, device="cpu")
    assert net.program(1) is None


def test_selected_candidates_compute_as_in_the_whole_population(tmp_path):
    config = make_config(tmp_path, n_in=3, n_out=2, hidden=2, aggs=["sum"])
    genomes = random_genomes(config, 80, seed=4)
    net = ne.compile_population(genomes, config.genome_config, device="cpu", dtype=torch.float64)
    full = net.program(2)
    keep = [3, 17, 40]
    part = net.select(keep).program(2)
    xs = torch.tensor(np.random.default_rng(1).uniform(-1, 1, size=(len(genomes), 2, 3)))
    assert np.array_equal(program_outputs(part, xs[keep]), program_outputs(full, xs)[keep])
    # the program selects its own candidates too (what narrowing rollouts use), padded or not
    for program in (full, full.for_compile()):
        for rows in ([3, 17, 40], [0, 79], list(range(0, 80, 3))):
            sub = program.select(torch.tensor(rows))
            assert sub.key == program.key and sub.num_candidates == len(rows)
            assert np.array_equal(program_outputs(sub, xs[rows]), program_outputs(full, xs)[rows])
            again = sub.select(torch.tensor([0, len(rows) - 1]))
            assert np.array_equal(
                program_outputs(again, xs[[rows[0], rows[-1]]]),
                program_outputs(full, xs)[[rows[0], rows[-1]]],
            )


def test_sizes_below_two_are_padded(tmp_path):
    # one genome, one output, no hidden node: every level would have one node and few links
    config = make_config(
        tmp_path, n_in=1, n_out=1, hidden=0, aggs=["sum"], initial_connection="full_direct"
    )
    genome = random_genomes(config, 1, seed=0, max_mutations=0)[0]
    program = ne.compile_population([genome], config.genome_config, device="cpu").program(1)
    assert all(t.shape[0] >= 1 for t in program.tensors[:1])
    assert all(t.shape[0] >= 2 for t in program.tensors[1:])
    x = torch.tensor([[0.3]])
    net = neat.nn.FeedForwardNetwork.create(genome, config)
    assert program(x.t()).item() == pytest.approx(net.activate([0.3])[0], rel=1e-6)
