"""Stagnation, spawn counts, elites and parent pools against neat-python's own
``DefaultStagnation.update`` and ``DefaultReproduction.reproduce`` on the same species and
fitness: equal where neat-python's computation is deterministic given the fitness (which
species survive, how many children each gets, which genomes are elites, the order of the new
population), and the parents of every child inside neat-python's parent pool."""

from __future__ import annotations

import math
import random

import neat
import pytest
import torch

from neuroevo.errors import StrategyError
from neuroevo.strategies.neat.tensor.reproduction import plan
from neuroevo.strategies.neat.tensor.speciation import SpeciesTable, speciate
from neuroevo.strategies.neat.tensor.stagnation import species_fitness, update

from .helpers import make_config, neat_reproduce, parents, spec_of


@pytest.mark.parametrize("func", ["max", "min", "mean", "median", "median2"])
def test_species_fitness_functions(func):
    rng = random.Random(0)
    groups = [[float(rng.randint(-5, 5)) / 4 for _ in range(n)] for n in (1, 2, 3, 4, 7, 10)]
    fitness = torch.tensor([f for g in groups for f in g], dtype=torch.float64)
    species = torch.tensor([i for i, g in enumerate(groups) for _ in g])
    perm = torch.randperm(len(fitness), generator=torch.Generator().manual_seed(1))
    got = species_fitness(fitness[perm], species[perm], len(groups), func).tolist()
    assert got == [neat.math_util.stat_functions[func](g) for g in groups]


def test_stagnation_update_equals_neat_python(tmp_path):
    config = make_config(tmp_path)
    sc = config.stagnation_config
    sc.max_stagnation, sc.species_elitism = 3, 2
    stagnation = neat.DefaultStagnation(sc, neat.reporting.ReporterSet())
    species_set = neat.DefaultSpeciesSet(config.species_set_config, None)
    table = SpeciesTable()
    rng = random.Random(2)
    for sid in range(1, 8):
        species_set.species[sid] = neat.species.Species(sid, 0)
        table.key.append(sid)
        for lst, v in (
            (table.created, 0),
            (table.last_improved, 0),
            (table.best, None),
            (table.fitness, None),
            (table.adjusted_fitness, None),
        ):
            lst.append(v)
    for generation in range(8):
        stats = []
        for k, (sid, s) in enumerate(sorted(species_set.species.items())):
            members = {}
            for m in range(3):
                g = neat.DefaultGenome(100 * sid + m)
                g.fitness = float(rng.randint(0, 6 + generation // (k + 1)))
                members[g.key] = g
            s.members = members
            stats.append(max(g.fitness for g in members.values()))
        ref = [(sid, stagnant) for sid, _, stagnant in stagnation.update(species_set, generation)]
        got = [
            (table.key[i], stagnant)
            for i, stagnant in update(
                table, stats, generation, sc.max_stagnation, sc.species_elitism
            )
        ]
        assert got == ref
        assert table.last_improved == [species_set.species[k].last_improved for k in table.key]
    assert any(stagnant for _, stagnant in ref)  # the test did reach stagnation


def _neat_reproduce(config, genomes, fitness, stale, seed):
    species_set, repro, new, owner = neat_reproduce(config, genomes, fitness, seed, stale)
    pop = {g.key for g in genomes}
    kinds = [
        (owner[gid], "elite", gid)
        if gid in pop
        else (owner[repro.ancestors[gid][0]], "child", None)
        for gid in new
    ]
    parents_of = {owner[p]: set() for p in owner}
    for gid in new:
        if gid not in pop:
            for p in repro.ancestors[gid]:
                parents_of[owner[p]].add(p)
    return sorted(species_set.species), kinds, parents_of


def _pools(genomes, fitness, member, table, config):
    pools = {}
    rc = config.reproduction_config
    for s, key in enumerate(table.key):
        ranked = sorted(
            ((f, g.key) for g, f, m in zip(genomes, fitness, member) if m == s), reverse=True
        )
        cut = max(2, math.ceil(rc.survival_threshold * len(ranked)))
        pools[key] = {gid for _, gid in ranked[:cut]}
    return pools


@pytest.mark.parametrize("seed", range(3))
def test_reproduction_plan_equals_neat_python(tmp_path, seed):
    config = make_config(tmp_path, hidden=1)
    config.pop_size = 120
    config.species_set_config.compatibility_threshold = 3.8
    config.stagnation_config.max_stagnation = 5
    config.stagnation_config.species_elitism = 1
    config.reproduction_config.elitism = 1 + seed % 2
    genomes, pop = parents(config, 120, seed=seed, max_mutations=20)
    rng = random.Random(seed)
    fitness = [float(rng.randint(-3, 6)) / 2 for _ in genomes]  # ties on purpose
    table, member = speciate(SpeciesTable(), pop, spec_of(config), 3.8, 0)
    assert len(table) >= 4
    stale = table.key[1:3]
    for s in (1, 2):
        table.best[s], table.last_improved[s] = 1e9, -5
    kept, kinds, neat_parents = _neat_reproduce(config, genomes, fitness, stale, seed)

    f = torch.tensor(fitness, dtype=torch.float64)
    p = plan(config, table, member, f, pop.gid, 0, torch.Generator().manual_seed(seed))
    assert sorted(table.key[i] for i in p.remaining) == kept
    gids, sp = pop.gid.tolist(), member.tolist()
    ours = [(table.key[sp[r]], "elite", gids[r]) for r in p.elites.tolist()] + [
        (table.key[s], "child", None) for s in p.child_species.tolist()
    ]
    assert [ours[i] for i in p.order.tolist()] == kinds
    assert len(kinds) == config.pop_size
    pools = _pools(genomes, fitness, sp, table, config)
    for key, chosen in neat_parents.items():
        assert chosen <= pools[key]
    for r, s in zip(
        torch.cat([p.parent_a, p.parent_b]).tolist(),
        torch.cat([p.child_species, p.child_species]).tolist(),
    ):
        assert sp[r] == s and gids[r] in pools[table.key[s]]


def test_too_many_species_for_the_population_is_a_strategy_error(tmp_path):
    config = make_config(tmp_path)
    config.pop_size = 10
    genomes, pop = parents(config, 10, seed=0)
    table, member = speciate(SpeciesTable(), pop, spec_of(config), 0.01, 0)  # 10 species
    with pytest.raises(StrategyError, match="raise pop_size"):
        plan(
            config,
            table,
            member,
            torch.zeros(10, dtype=torch.float64),
            pop.gid,
            0,
            torch.Generator(),
        )
