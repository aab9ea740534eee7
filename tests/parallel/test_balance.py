"""Slices: equal counts, balanced by cost with the LPT rule, a partition of the population."""

from __future__ import annotations

import numpy as np

from neuroevo.parallel.balance import EpisodeCosts, split_balanced


def test_equal_costs_deal_positions_round_robin():
    slices = split_balanced(np.ones(7), 3)
    assert [s.tolist() for s in slices] == [[0, 3, 6], [1, 4], [2, 5]]


def test_costs_are_dealt_largest_first_to_the_lightest_slice():
    # by hand: order 9 (p1), 7 (p3), 6 (p4), 5 (p2), 1 (p0), 1 (p5); slices A, B of 3 each
    # 9 -> A (9); 7 -> B (7); 6 -> B (13); 5 -> A (14); 1 -> B (14, full);
    # 1 -> A (tie at 14: the lower slice) = 15
    costs = np.array([1.0, 9.0, 5.0, 7.0, 6.0, 1.0])
    slices = split_balanced(costs, 2)
    assert [s.tolist() for s in slices] == [[1, 2, 5], [0, 3, 4]]
    assert [costs[s].sum() for s in slices] == [15.0, 14.0]


def test_slices_partition_the_population_with_equal_counts():
    rng = np.random.default_rng(0)
    costs = rng.exponential(size=101)
    for n in (1, 2, 3, 8, 101, 200):
        slices = split_balanced(costs, n)
        assert sorted(np.concatenate(slices).tolist()) == list(range(101))
        sizes = [len(s) for s in slices]
        assert max(sizes) - min(sizes) <= 1 and len(slices) == min(n, 101)
    loads = [costs[s].sum() for s in split_balanced(costs, 4)]
    assert max(loads) - min(loads) < costs.max()  # LPT: within one job of each other


def test_episode_costs_remember_steps_per_candidate_by_key():
    memory = EpisodeCosts()
    sizes = np.array([1, 1, 1, 1])
    keys = np.array([10, 11, 12, 13])
    assert memory.costs(sizes, keys).tolist() == [1.0, 1.0, 1.0, 1.0]  # nothing known yet
    memory.record(keys, [np.array([0, 1]), np.array([2, 3])], [100, 20])
    # survivors keep their slice's steps per candidate; newcomers get the generation's mean
    got = memory.costs(np.array([2, 1, 1]), np.array([10, 13, 99]))
    assert got.tolist() == [2 * 50.0, 10.0, 30.0]
    memory.record(keys, [np.array([0, 1, 2, 3])], [None])  # a task that reports no steps
    assert memory.costs(sizes, keys).tolist() == [1.0, 1.0, 1.0, 1.0]
