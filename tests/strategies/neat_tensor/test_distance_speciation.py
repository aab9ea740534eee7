"""Compatibility distance and speciation against neat-python's ``DefaultGenome.distance`` and
``DefaultSpeciesSet.speciate`` on the same genomes: equal (distances to 1e-12, species
exactly: the same species ids, representatives and members)."""

from __future__ import annotations

import neat
import pytest
import torch

from neuroevo.strategies.neat.tensor.convert import from_neat
from neuroevo.strategies.neat.tensor.distance import distance_pairs, distance_to_one, pack
from neuroevo.strategies.neat.tensor.speciation import SpeciesTable, speciate

from .helpers import make_config, parents, random_genomes, spec_of


@pytest.mark.parametrize("seed", range(2))
def test_distances_equal_neat_python(tmp_path, seed):
    config = make_config(tmp_path, hidden=seed + 1)
    genomes, pop = parents(config, 40, seed=seed, max_mutations=25)
    spec, gc = spec_of(config), config.genome_config
    for shift in (0, 1, 7):
        other = torch.arange(40).roll(shift)
        got = distance_pairs(pop, pop.take(other), spec)
        ref = torch.tensor([genomes[i].distance(genomes[j], gc) for i, j in
                            enumerate(other.tolist())], dtype=torch.float64)
        torch.testing.assert_close(got, ref, rtol=0, atol=1e-12)
    for i in (0, 13):
        got = distance_to_one(pop.take(torch.tensor([i])), pack(pop, spec), spec)
        ref = torch.tensor([genomes[i].distance(g, gc) for g in genomes], dtype=torch.float64)
        torch.testing.assert_close(got, ref, rtol=0, atol=1e-12)


def _neat_species(species_set):
    return [(sid, s.representative.key, sorted(s.members))
            for sid, s in sorted(species_set.species.items())]


def _ours(table: SpeciesTable, member: torch.Tensor, pop):
    gid = pop.gid.tolist()
    return [(key, int(table.reps.gid[s]), sorted(g for g, m in zip(gid, member.tolist()) if m == s))
            for s, key in enumerate(table.key)]


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
