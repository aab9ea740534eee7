"""The network kernel against neat-python's node formula, built by hand block by block."""

import random

import neat
import numpy as np
import pytest
import torch

from neuroevo.compile.functions import activation, aggregation
from neuroevo.compile.graph import runs
from neuroevo.compile.kernel import evaluate_nodes

ACTS = neat.activations.ActivationFunctionSet()
AGGS = neat.aggregations.AggregationFunctionSet()


def _block(seed, batch=5, rows=7, max_in=4):
    """One node per (aggregation, activation) pair of neat-python, 0..max_in links each.

    Returns the kernel's arguments and, per node, what neat-python's FeedForwardNetwork
    computes: ``act(bias + response * agg([values[i] * w for i, w in links]))``.
    """
    rng = random.Random(seed)
    values = [[0.0] * batch] + [
        [rng.uniform(-1.5, 1.5) for _ in range(batch)] for _ in range(rows - 1)
    ]
    nodes = []
    for agg in sorted(AGGS.functions):
        for act in sorted(ACTS.functions):
            links = [
                (rng.randrange(1, rows), rng.uniform(-2, 2)) for _ in range(rng.randint(0, max_in))
            ]
            nodes.append((agg, act, links, rng.uniform(-1, 1), rng.uniform(0.2, 2)))
    k = max(len(n[2]) for n in nodes)
    d = len(nodes)
    src = np.zeros((d, k), np.int64)  # empty slots read row 0 (zeros)
    weight = np.zeros((d, k))
    mask = np.zeros((d, k), bool)
    for i, (_, _, links, _, _) in enumerate(nodes):
        for s, (r, w) in enumerate(links):
            src[i, s], weight[i, s], mask[i, s] = r, w, True
    agg_codes = np.array([sorted(AGGS.functions).index(n[0]) for n in nodes])
    act_codes = np.array([sorted(ACTS.functions).index(n[1]) for n in nodes])
    args = dict(
        values=torch.tensor(values, dtype=torch.float64),
        src=torch.from_numpy(src),
        weight=torch.from_numpy(weight),
        mask=torch.from_numpy(mask),
        bias=torch.tensor([n[3] for n in nodes], dtype=torch.float64),
        response=torch.tensor([n[4] for n in nodes], dtype=torch.float64),
        aggregations=[
            (aggregation(sorted(AGGS.functions)[c]), lo, hi) for c, lo, hi in runs(agg_codes)
        ],
        activations=[
            (activation(sorted(ACTS.functions)[c]), lo, hi) for c, lo, hi in runs(act_codes)
        ],
    )
    ref = [
        [
            ACTS.get(act)(bias + resp * AGGS.get(agg)([values[r][b] * w for r, w in links]))
            for b in range(batch)
        ]
        for agg, act, links, bias, resp in nodes
    ]
    return args, np.array(ref), nodes


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_every_aggregation_and_activation_matches_neat_python(seed):
    args, ref, nodes = _block(seed)
    assert any(not n[2] for n in nodes) and any(len(n[2]) >= 3 for n in nodes)
    got = evaluate_nodes(**args)
    assert got.shape == ref.shape
    np.testing.assert_allclose(got.numpy(), ref, rtol=1e-12, atol=1e-12)


def test_out_writes_the_given_rows_in_place():
    args, ref, _ = _block(3)
    buffer = torch.full((ref.shape[0] + 2, ref.shape[1]), -7.0, dtype=torch.float64)
    view = buffer[1:-1]
    returned = evaluate_nodes(**args, out=view)
    assert returned.data_ptr() == view.data_ptr()
    np.testing.assert_allclose(buffer[1:-1].numpy(), ref, rtol=1e-12, atol=1e-12)
    assert (buffer[0] == -7.0).all() and (buffer[-1] == -7.0).all()


def test_a_block_without_any_input_slots():
    # K = 0: every node is a "bias neuron", act(bias + response * agg([]))
    values = torch.zeros(1, 3, dtype=torch.float64)
    got = evaluate_nodes(
        values,
        torch.zeros(2, 0, dtype=torch.long),
        torch.zeros(2, 0, dtype=torch.float64),
        torch.zeros(2, 0, dtype=torch.bool),
        torch.tensor([0.5, 0.5], dtype=torch.float64),
        torch.tensor([2.0, 2.0], dtype=torch.float64),
        [(aggregation("sum"), 0, 1), (aggregation("product"), 1, 2)],
        [(activation("identity"), 0, 2)],
    )
    # neat-python: sum([]) = 0.0 and product([]) = 1.0
    expected = [[0.5] * 3, [0.5 + 2.0 * 1.0] * 3]
    assert got.tolist() == expected


def test_gradients_reach_weights_bias_and_response():
    args, _, nodes = _block(4)
    for name in ("weight", "bias", "response"):
        args[name] = args[name].clone().requires_grad_(True)
    evaluate_nodes(**args).sum().backward()
    mask = args["mask"]
    assert torch.isfinite(args["weight"].grad).all()
    assert (args["weight"].grad[mask] != 0).any()
    assert (args["bias"].grad != 0).sum() > len(nodes) // 2
    assert torch.isfinite(args["response"].grad).all()
