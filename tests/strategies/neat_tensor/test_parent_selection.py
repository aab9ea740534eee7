"""Parent choice, statistically: ``DefaultReproduction.reproduce`` picks each parent with
``random.choice`` among the first ``max(2, ceil(survival_threshold * size))`` members of its
species (by descending fitness, then genome id), so uniformly among the survivors, the two
parents independently. The tensor engine's ``plan`` must pick with the same distribution.

Same parents, same species (of 35, 13, 7, 3 and 2 members), several reproductions on each
side (``pop_size`` children each): how often each species' member of each rank is the first
parent, the second, and each pair, compared by chi-square with p > ``P_MIN`` (as in
``test_statistics.py``). The thresholds give pools at the minimum of two, at the ceiling of a
fraction (0.2 * 13, 0.45 * 35 ...) and whole species.
(``test_reproduction_exact.py`` checks what is deterministic: spawn counts, elites, pools.)
"""

from __future__ import annotations

import random
from collections import Counter

import pytest
import torch

from neuroevo.strategies.neat.tensor.reproduction import plan
from neuroevo.strategies.neat.tensor.speciation import SpeciesTable, speciate

from .helpers import make_config, neat_reproduce, parents, spec_of
from .test_statistics import P_MIN, chi2_same

pytestmark = pytest.mark.slow  # ~10 s on one busy core

RUNS, POP = 4, 1500  # 6,000 children a side: detects parents drawn as u ** 1.1 (not 1.05)


def _ranks(genomes, fitness, species_of):
    """genome id -> (species key, place among its species by descending (fitness, id))."""
    groups = {}
    for g, f in zip(genomes, fitness):
        groups.setdefault(species_of[g.key], []).append((f, g.key))
    return {
        gid: (key, place)
        for key, members in groups.items()
        for place, (_, gid) in enumerate(sorted(members, reverse=True))
    }


def _tally(pairs, rank):
    first, second, both = Counter(), Counter(), Counter()
    for a, b in pairs:
        (key, ra), (key_b, rb) = rank[a], rank[b]
        assert key == key_b  # both parents from one species
        first[key, ra] += 1
        second[key, rb] += 1
        both[key, ra, rb] += 1
    return first, second, both


@pytest.mark.parametrize("threshold", [0.2, 0.45, 1.0])
def test_parents_are_uniform_among_the_survivors_as_in_neat_python(tmp_path, threshold):
    config = make_config(tmp_path, hidden=1)
    config.pop_size = POP
    config.species_set_config.compatibility_threshold = 3.8
    config.reproduction_config.survival_threshold = threshold
    genomes, pop = parents(config, 60, seed=5, max_mutations=20)
    rng = random.Random(5)
    fitness = [float(rng.randint(-3, 6)) / 2 for _ in genomes]  # ties on purpose
    f = torch.tensor(fitness, dtype=torch.float64)
    gid = pop.gid.tolist()

    ref = []
    for seed in range(RUNS):
        _, repro, new, owner = neat_reproduce(config, genomes, fitness, seed)
        ref += [repro.ancestors[k] for k in new if k not in owner]
    got = []
    for seed in range(RUNS):
        table, member = speciate(SpeciesTable(), pop, spec_of(config), 3.8, 0)
        p = plan(config, table, member, f, pop.gid, 0, torch.Generator().manual_seed(seed))
        species_of = {gid[r]: table.key[s] for r, s in enumerate(member.tolist())}
        got += [(gid[a], gid[b]) for a, b in zip(p.parent_a.tolist(), p.parent_b.tolist())]
    assert species_of == owner  # the same species as neat-python's

    rank = _ranks(genomes, fitness, owner)
    sizes = Counter(owner.values())
    assert sorted(sizes.values()) == [2, 3, 7, 13, 35]
    a, b = _tally(ref, rank), _tally(got, rank)
    assert len(got) == len(ref) > 4000
    pool = Counter()  # parent pool sizes seen in neat-python's run
    for key, place in a[0]:
        pool[key] = max(pool[key], place + 1)
    assert max(pool.values()) > 2  # pools past the minimum of two
    for what, x, y in zip(("first parent", "second parent", "pair"), a, b):
        assert chi2_same(x, y) > P_MIN, (what, x, y)
