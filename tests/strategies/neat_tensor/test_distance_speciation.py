"""Compatibility distance and speciation against neat-python's ``DefaultGenome.distance`` and
``DefaultSpeciesSet.speciate`` on the same genomes: equal (distances to 1e-12, species
exactly: the same species ids, representatives and members)."""

from __future__ import annotations

import copy
import random

import neat
import pytest
import torch

from neuroevo.strategies.neat.tensor import distance, speciation
from neuroevo.strategies.neat.tensor.convert import from_neat
from neuroevo.strategies.neat.tensor.distance import distance_pairs, distance_to_many, pack
from neuroevo.strategies.neat.tensor.speciation import (
    SpeciesTable,
    founders,
    representatives,
    speciate,
)

from .helpers import make_config, parents, random_genomes, spec_of


@pytest.mark.parametrize("seed", range(2))
def test_distances_equal_neat_python(tmp_path, seed, monkeypatch):
    config = make_config(tmp_path, hidden=seed + 1)
    genomes, pop = parents(config, 40, seed=seed, max_mutations=25)
    spec, gc = spec_of(config), config.genome_config
    for shift in (0, 1, 7):
        other = torch.arange(40).roll(shift)
        got = distance_pairs(pop, pop.take(other), spec)
        ref = torch.tensor(
            [genomes[i].distance(genomes[j], gc) for i, j in enumerate(other.tolist())],
            dtype=torch.float64,
        )
        torch.testing.assert_close(got, ref, rtol=0, atol=1e-12)
    rows = [0, 13, 39, 13]
    ref = torch.tensor(
        [[genomes[i].distance(g, gc) for g in genomes] for i in rows], dtype=torch.float64
    )
    got = distance_to_many(pop.take(torch.tensor(rows)), pack(pop, spec), spec)
    torch.testing.assert_close(got, ref, rtol=0, atol=1e-12)
    for setting, value in (
        ("SEARCH_BELOW", 0),
        ("SEARCH_BELOW", 1 << 40),  # both alignments
        ("BATCH_ELEMENTS", 1),
    ):  # one per pass
        monkeypatch.setattr(distance, setting, value)
        assert torch.equal(
            distance_to_many(pop.take(torch.tensor(rows)), pack(pop, spec), spec), got
        )


def _neat_species(species_set):
    return [
        (sid, s.representative.key, sorted(s.members))
        for sid, s in sorted(species_set.species.items())
    ]


def _ours(table: SpeciesTable, member: torch.Tensor, pop):
    gid = pop.gid.tolist()
    return [
        (key, int(table.reps.gid[s]), sorted(g for g, m in zip(gid, member.tolist()) if m == s))
        for s, key in enumerate(table.key)
    ]


@pytest.mark.parametrize("threshold", [3.0, 3.8])
def test_speciation_equals_neat_python_over_two_generations(tmp_path, threshold):
    config = make_config(tmp_path, hidden=1)
    config.species_set_config.compatibility_threshold = threshold
    spec = spec_of(config)
    first, pop = parents(config, 120, seed=4, max_mutations=20)
    neat_set = neat.DefaultSpeciesSet(config.species_set_config, neat.reporting.ReporterSet())
    neat_set.speciate(config, {g.key: g for g in first}, 0)
    table, member = speciate(SpeciesTable(), pop, spec, threshold, 0)
    assert _ours(table, member, pop) == _neat_species(neat_set)
    assert 3 <= len(table) < 120

    # the next generation: other genomes, ids listed out of order, old representatives
    second = random_genomes(config, 150, seed=5, max_mutations=20)
    for k, g in enumerate(second):
        g.key = 1000 + (k * 37) % 150
    neat_set.speciate(config, {g.key: g for g in second}, 1)
    pop2 = from_neat(second, config, dtype=torch.float64)
    table2, member2 = speciate(table, pop2, spec, threshold, 1)
    assert _ours(table2, member2, pop2) == _neat_species(neat_set)
    assert table2.created == [neat_set.species[k].created for k in table2.key]


#: (FOUNDER_CHUNK, FEW_FREE): founders decided one by one, a few, all at once, and with
#: every unassigned genome compared with the whole population
FOUNDER_ROUNDS = [(1, 0), (5, 4), (256, 0), (256, 10_000)]


@pytest.mark.parametrize("chunk, few", FOUNDER_ROUNDS)
def test_many_species_and_exact_ties_equal_neat_python(tmp_path, chunk, few, monkeypatch):
    """Dozens of existing and new species, duplicated genomes (exact ties for a new
    representative and for the closest species), ids out of order, over three generations."""
    monkeypatch.setattr(speciation, "FOUNDER_CHUNK", chunk)
    monkeypatch.setattr(speciation, "FEW_FREE", few)
    config = make_config(tmp_path, hidden=1)
    threshold = 2.5
    config.species_set_config.compatibility_threshold = threshold
    spec = spec_of(config)
    neat_set = neat.DefaultSpeciesSet(config.species_set_config, neat.reporting.ReporterSet())
    table = SpeciesTable()
    rng = random.Random(1)
    counts = []
    for generation, n in enumerate((90, 110, 110)):
        genomes = random_genomes(config, n, seed=20 + generation, max_mutations=15)
        genomes += [copy.deepcopy(rng.choice(genomes)) for _ in range(n // 3)]
        ids = rng.sample(range(1000 * generation + 1, 1000 * generation + 1000), len(genomes))
        for g, key in zip(genomes, ids):
            g.key = key
        neat_set.speciate(config, {g.key: g for g in genomes}, generation)
        pop = from_neat(genomes, config, dtype=torch.float64)
        before = len(table)
        table, member = speciate(table, pop, spec, threshold, generation)
        assert _ours(table, member, pop) == _neat_species(neat_set)
        counts.append((before, len(table) - before))
    assert all(old >= 20 for old, _ in counts[1:]), counts  # many existing species
    assert all(new >= 5 for _, new in counts), counts  # many founded in one call


def test_representatives_clash_and_founders_greedy():
    """Step 1's greedy on a table where several species want the same genome, against a
    plain loop; founders against the definition."""
    gen = torch.Generator().manual_seed(0)
    for _ in range(50):
        s, p = int(torch.randint(1, 8, (1,), generator=gen)), 9
        d = torch.randint(0, 4, (s, p), generator=gen).double()  # many equal distances
        rank = torch.randperm(p, generator=gen)
        taken, want = set(), []
        for row in d.tolist():
            best = min((v, int(rank[j]), j) for j, v in enumerate(row) if j not in taken)
            want.append(best[2])
            taken.add(best[2])
        assert representatives(d, rank).tolist() == want
    close = [
        [False, True, False, True],
        [False, False, True, True],
        [False, False, False, True],
        [False, False, False, False],
    ]
    assert founders(close) == [0, 2]  # 1 joins 0; 2 is far from 0; 3 joins 0


@pytest.mark.parametrize("chunk, few", FOUNDER_ROUNDS)
def test_equal_distances_go_to_the_species_met_first(tmp_path, chunk, few, monkeypatch):
    """Hand-made genomes whose distances are whole numbers: genome 12 is as close to the
    existing species as to the new species of genome 11, genome 14 as close to two new
    species; neat-python puts each in the species it meets first."""
    monkeypatch.setattr(speciation, "FOUNDER_CHUNK", chunk)
    monkeypatch.setattr(speciation, "FEW_FREE", few)
    config = make_config(tmp_path, n_in=12, n_out=1, hidden=0, initial_connection="unconnected")
    config.species_set_config.compatibility_threshold = 1.5
    gc, spec = config.genome_config, spec_of(config)
    base = random_genomes(config, 1, seed=0, max_mutations=0)[0]

    def genome(key: int, inputs: list[int]):
        g = copy.deepcopy(base)
        g.key = key
        for i in inputs:
            c = gc.connection_gene_type((-i, 0), innovation=i)
            c.weight, c.enabled = 1.0, True
            g.connections[c.key] = c
        return g

    a, b, g = [1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12]  # 2 apart from each other
    generations = [
        [genome(1, a)],
        [
            genome(10, a),
            genome(11, b),
            genome(12, [1, 2, 5, 6]),
            genome(13, g),
            genome(14, [5, 6, 9, 10]),
            genome(15, a),
            genome(16, b),
        ],
    ]
    neat_set = neat.DefaultSpeciesSet(config.species_set_config, neat.reporting.ReporterSet())
    table = SpeciesTable()
    for generation, genomes in enumerate(generations):
        neat_set.speciate(config, {x.key: x for x in genomes}, generation)
        pop = from_neat(genomes, config, dtype=torch.float64)
        table, member = speciate(table, pop, spec, 1.5, generation)
        assert _ours(table, member, pop) == _neat_species(neat_set)
    assert _ours(table, member, pop) == [
        (1, 10, [10, 12, 15]),
        (2, 11, [11, 14, 16]),
        (3, 13, [13]),
    ]
