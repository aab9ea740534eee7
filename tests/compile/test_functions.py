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
    {
        0.0,
        -0.0,
        1e-9,
        -1e-9,
        1e-7,
        0.5,
        -0.5,
        1.0,
        -1.0,
        3.4,
        -3.4,
        12.0,
        -12.0,
        12.5,
        -12.5,
        24.0,
        -24.0,
        59.0,
        61.0,
        -61.0,
        100.0,
        -100.0,
        1e5,
        -1e5,
    }
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


# NaN, infinities and values near the float64 limits: neat-python's functions are Python
# floats with max()/min() clamps, so NaN becomes a bound and NaN inputs are skipped or
# kept by position (issue 10, "NaN behaves as in neat-python's functions")
SPECIAL = [
    math.nan,
    math.inf,
    -math.inf,
    1e300,
    -1e300,
    1e200,
    -1e200,
    1.7e308,
    -1.7e308,
    5e-324,
    -5e-324,
    1e-300,
    0.0,
    -0.0,
    1.0,
]


def _same(got: float, ref: float) -> bool:
    if math.isnan(ref):
        return math.isnan(got)
    return got == pytest.approx(ref, rel=1e-12, abs=1e-300)


@pytest.mark.parametrize("name", sorted(NEAT_ACTS))
def test_activation_matches_neat_on_nan_inf_and_huge_values(name):
    got = ACTIVATIONS[name](torch.tensor(SPECIAL, dtype=torch.float64)).tolist()
    for z, g in zip(SPECIAL, got):
        try:
            ref = NEAT_ACTS[name](z)
        except OverflowError:  # only square/cube of huge finite values: Python raises
            assert (
                name in ("square", "cube")
                and math.isinf(g)
                and (g > 0) == (z > 0 or name == "square")
            )
            continue
        assert _same(g, ref), (name, z, g, ref)


def test_clamped_activations_turn_nan_into_their_bound():
    nan = torch.tensor([math.nan], dtype=torch.float64)
    assert ACTIVATIONS["sigmoid"](nan).item() == NEAT_ACTS["sigmoid"](math.nan) == 1.0
    assert ACTIVATIONS["hat"](nan).item() == NEAT_ACTS["hat"](math.nan) == 0.0
    for name in ("tanh", "sin", "gauss", "softplus", "clamped", "log", "exp"):
        assert ACTIVATIONS[name](nan).item() == NEAT_ACTS[name](math.nan), name


def _aggregate(name: str, rows: list[list[float]]) -> list[float]:
    k = max(len(r) for r in rows)
    v = torch.zeros(len(rows), k, 1, dtype=torch.float64)
    mask = torch.zeros(len(rows), k, dtype=torch.bool)
    for i, r in enumerate(rows):
        v[i, : len(r), 0] = torch.tensor(r, dtype=torch.float64)
        mask[i, : len(r)] = True
    return AGGREGATIONS[name](v, mask)[:, 0].tolist()


@pytest.mark.parametrize("name", sorted(NEAT_AGGS))
def test_aggregation_matches_neat_with_nan_and_infinities(name):
    rng = random.Random(3)
    pool = [math.nan, math.inf, -math.inf, 1e300, -1e300, 2.0, -2.0, 0.5, -0.5, 0.0, 3.0]
    rows = [
        [math.nan, 1.0, 2.0],
        [1.0, math.nan, 2.0],
        [2.0, 1.0, math.nan],
        [math.nan, 5.0],
        [5.0, math.nan],
        [-3.0, math.nan, 2.0],
        [math.nan, -3.0, 2.0],
        [math.inf, -math.inf],
        [1e300, 1e300],
        [math.inf, 0.0],
        [math.nan] * 3,
    ]
    if name in ("sum", "mean"):  # no +-1e300 mixed with small values: torch may add in
        pool = pool[:3] + pool[5:]  # another order than Python's sum, and then cancel
    rows += [[rng.choice(pool) for _ in range(n)] for n in range(1, 9) for _ in range(60)]
    got = _aggregate(name, rows)
    for r, g in zip(rows, got):
        assert _same(g, NEAT_AGGS[name](list(r))), (name, r, g)


def test_median_orders_nan_as_python_sort_does():
    """list.sort with NaN (all comparisons false) gives orders no other sort gives."""
    rng = random.Random(4)
    rows = []
    for n in range(3, 12):
        for _ in range(40):
            r = [rng.choice([math.nan, rng.uniform(-5, 5)]) for _ in range(n)]
            rows.append(r)
    got = _aggregate("median", rows)
    mismatched = [(r, g) for r, g in zip(rows, got) if not _same(g, NEAT_AGGS["median"](r))]
    assert not mismatched, mismatched[:3]
    with_nan = [r for r in rows if any(math.isnan(x) for x in r)]
    assert sum(not math.isnan(NEAT_AGGS["median"](r)) for r in with_nan) > 50
