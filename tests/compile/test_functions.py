"""The torch activations/aggregations against neat-python's own Python functions."""

import math
import random

import neat.activations
import neat.aggregations
import pytest
import torch

from neuroevo.compile.functions import ACTIVATIONS, AGGREGATIONS

NEAT_ACTS = neat.activations.ActivationFunctionSet().functions
NEAT_AGGS = neat.aggregations.AggregationFunctionSet().functions

# values around every clamp and kink of neat-python's functions
GRID = sorted(
    {0.0, -0.0, 1e-9, -1e-9, 1e-7, 0.5, -0.5, 1.0, -1.0, 3.4, -3.4, 12.0, -12.0, 12.5, -12.5,
     24.0, -24.0, 59.0, 61.0, -61.0, 100.0, -100.0, 1e5, -1e5}
    | {random.Random(0).uniform(-30, 30) for _ in range(200)}
)


def test_every_neat_function_has_a_torch_twin():
    assert set(NEAT_ACTS) == set(ACTIVATIONS)
    assert set(NEAT_AGGS) == set(AGGREGATIONS)
    assert len(ACTIVATIONS) == 18 and len(AGGREGATIONS) == 7


@pytest.mark.parametrize("name", sorted(NEAT_ACTS))
def test_activation_matches_neat(name):
    ref = []
    for z in GRID:
        try:
            ref.append(NEAT_ACTS[name](z))
        except OverflowError:  # python's z**2 / z**3 overflow; torch gives inf
            ref.append(math.inf)
    got = ACTIVATIONS[name](torch.tensor(GRID, dtype=torch.float64)).tolist()
    for z, r, g in zip(GRID, ref, got):
        assert g == pytest.approx(r, rel=1e-12, abs=1e-300), (name, z)


@pytest.mark.parametrize("name", sorted(NEAT_AGGS))
def test_aggregation_matches_neat_for_every_input_count(name):
    rng = random.Random(1)
    rows = [[rng.uniform(-3, 3) for _ in range(n)] for n in range(0, 8) for _ in range(5)]
    rows.append([2.0, -2.0, 1.0])  # maxabs tie: the first one wins
    rows.append([-2.0, 2.0])
    k = max(len(r) for r in rows)
    v = torch.zeros(len(rows), k, 1, dtype=torch.float64)
    mask = torch.zeros(len(rows), k, dtype=torch.bool)
    for i, r in enumerate(rows):
        v[i, : len(r), 0] = torch.tensor(r, dtype=torch.float64)
        mask[i, : len(r)] = True
    got = AGGREGATIONS[name](v, mask)[:, 0].tolist()
    for r, g in zip(rows, got):
        assert g == pytest.approx(NEAT_AGGS[name](list(r)), rel=1e-12, abs=1e-15), (name, r)
