"""GA: selection probabilities against their closed forms, operators, and search against random search."""

from __future__ import annotations

import statistics

import pytest
import torch

import neuroevo as ne
from neuroevo.errors import ConfigError, StrategyError
from neuroevo.testfunctions import FUNCTIONS

DIM, POP, GENS = 10, 50, 60


def _random_search(f, low, high, budget, seed):
    g = torch.Generator().manual_seed(seed)
    x = low + (high - low) * torch.rand(budget, DIM, generator=g, dtype=torch.float64)
    return float(f(x).min())


@pytest.mark.parametrize("fname", sorted(FUNCTIONS))
def test_ga_beats_random_search_at_equal_budget(fname):
    f, (low, high) = FUNCTIONS[fname]
    ours, rnd = [], []
    for seed in range(5):
        ga = ne.GA(
            num_params=DIM,
            pop_size=POP,
            bounds=(low, high),
            mutation_sigma=0.05 * (high - low),
            mutation_rate=0.2,
        )
        _, best = ga.optimize(lambda x: -f(x), generations=GENS, seed=seed, dtype=torch.float64)
        ours.append(-best)
        rnd.append(_random_search(f, low, high, POP * GENS, seed))
    assert statistics.median(ours) < statistics.median(rnd) / 2, (ours, rnd)


def test_ga_converges_on_sphere():
    f, (low, high) = FUNCTIONS["sphere"]
    ga = ne.GA(
        num_params=5, pop_size=60, bounds=(low, high), mutation_sigma=0.05, mutation_rate=0.3
    )
    _, best = ga.optimize(lambda x: -f(x), generations=200, seed=0, dtype=torch.float64)
    assert -best < 1e-2


def test_tournament_selection_matches_closed_form():
    """Tournament of k (with replacement) among n ranked: P(winner rank <= r) = ((r+1)/n)^k."""
    n, k, draws = 10, 3, 40000
    ga = ne.GA(num_params=1, pop_size=n, tournament_size=k)
    ga.initialize(seed=0)
    picks = ga._select(torch.arange(n, dtype=torch.float32), draws)
    freq = torch.bincount(picks, minlength=n).double() / draws
    r = torch.arange(n, dtype=torch.float64)
    expected = ((r + 1) / n) ** k - (r / n) ** k
    torch.testing.assert_close(freq, expected, atol=0.01, rtol=0)


def test_truncation_selection_only_picks_the_top_fraction_uniformly():
    ga = ne.GA(num_params=1, pop_size=20, selection="truncation", truncation_fraction=0.25)
    ga.initialize(seed=0)
    fitness = torch.randperm(20, generator=torch.Generator().manual_seed(1)).float()
    picks = ga._select(fitness, 20000)
    top = set(torch.argsort(fitness, descending=True)[:5].tolist())
    assert set(picks.tolist()) == top
    freq = torch.bincount(picks, minlength=20)[sorted(top)].double() / 20000
    torch.testing.assert_close(freq, torch.full((5,), 0.2, dtype=torch.float64), atol=0.02, rtol=0)


def test_one_point_crossover_children_are_prefix_plus_suffix():
    ga = ne.GA(num_params=8, pop_size=4, crossover="one_point", crossover_rate=1.0)
    ga.initialize(seed=2)
    a, b = torch.zeros(500, 8), torch.ones(500, 8)
    child = ga._crossover(a, b)
    cut = (child == 0).sum(1)  # genes before the cut come from a
    assert torch.equal(child, (torch.arange(8)[None, :] >= cut[:, None]).float())
    assert cut.min() >= 1 and cut.max() <= 7 and len(set(cut.tolist())) == 7


def test_uniform_crossover_mixes_half_and_rate_zero_copies():
    ga = ne.GA(num_params=50, pop_size=4, crossover="uniform", crossover_rate=1.0)
    ga.initialize(seed=2)
    child = ga._crossover(torch.zeros(200, 50), torch.ones(200, 50))
    assert abs(float(child.mean()) - 0.5) < 0.02
    ga0 = ne.GA(num_params=50, pop_size=4, crossover_rate=0.0)
    ga0.initialize(seed=2)
    assert torch.equal(ga0._crossover(torch.zeros(10, 50), torch.ones(10, 50)), torch.zeros(10, 50))


def test_mutation_rate_and_elitism():
    ga = ne.GA(
        num_params=100,
        pop_size=200,
        crossover="none",
        mutation_rate=0.1,
        mutation_sigma=1.0,
        elite=2,
        selection="truncation",
        truncation_fraction=1.0,
    )
    ga.initialize(seed=0)
    x = ga.ask_params().clone()
    fitness = torch.randn(200, generator=torch.Generator().manual_seed(0))
    ga.tell(fitness)
    nxt = ga.ask_params()
    top2 = torch.argsort(fitness, descending=True)[:2]
    assert torch.equal(nxt[:2], x[top2])  # elites copied unchanged
    # each child is a copy of some parent with ~10 % of genes changed
    changed = (nxt[2:, None, :] != x[None, :, :]).sum(-1).min(dim=1).values.double() / 100
    assert abs(float(changed.mean()) - 0.1) < 0.01


def test_best_so_far_is_kept_and_matches_fitness():
    f, _ = FUNCTIONS["sphere"]
    ga = ne.GA(num_params=3, pop_size=10)
    ga.initialize(seed=0)
    for _ in range(5):
        x = ga.ask_params()
        ga.tell(-f(x))
    assert ga.best_fitness == pytest.approx(float(-f(ga.best[None])[0]))


def test_bad_settings_raise():
    with pytest.raises(StrategyError, match="selection"):
        ne.GA(num_params=3, selection="roulette")
    with pytest.raises(StrategyError, match="elite=5"):
        ne.GA(num_params=3, pop_size=5, elite=5).initialize(seed=0)
    with pytest.raises(StrategyError, match="exactly one of a module"):
        ne.GA()
    with pytest.raises(StrategyError, match="pop_size"):
        ne.GA(num_params=3, pop_size=1)
    with pytest.raises(StrategyError, match="shape"):
        ga = ne.GA(num_params=3, pop_size=4)
        ga.initialize(seed=0)
        ga.tell(torch.zeros(5))
    with pytest.raises(ConfigError, match="unknown keys.*'mutation_power'"):
        ne.GA.from_experiment({"mutation_power": 0.5}, task=ne.tasks.XOR(), base_dir=".")
