"""Population state: a saved and resumed neat.Population continues exactly as an uninterrupted one."""

from __future__ import annotations

import json
import random

import neat
import pytest
from iohelpers import make_config, xor_fitness

from neuroevo.errors import CheckpointError
from neuroevo.io.genome_json import genome_to_dict
from neuroevo.strategies.neat.state import population_from_dict, population_to_dict


def _snapshot(pop):
    return {
        "generation": pop.generation,
        "genomes": [genome_to_dict(g) for g in pop.population.values()],
        "best": genome_to_dict(pop.best_genome),
        "species": {
            sid: (sorted(s.members), s.created, s.last_improved, s.fitness_history)
            for sid, s in pop.species.species.items()
        },
    }


@pytest.mark.parametrize(("k", "m"), [(3, 4), (1, 6)])
def test_resume_equals_uninterrupted_run(tmp_path, k, m):
    kw = dict(pop_size=40, compat=1.5, max_stag=3)
    full = neat.Population(make_config(tmp_path, name="a.ini", **kw), seed=11)
    full.run(xor_fitness, k + m)
    expected = _snapshot(full)
    assert len(expected["species"]) > 1  # speciation actually happened

    first = neat.Population(make_config(tmp_path, name="b.ini", **kw), seed=11)
    first.run(xor_fitness, k)
    text = json.dumps(population_to_dict(first), allow_nan=False)

    random.seed(12345)  # whatever happens in between must not matter
    resumed = population_from_dict(json.loads(text), make_config(tmp_path, name="c.ini", **kw))
    assert resumed.generation == k
    resumed.run(xor_fitness, m)
    got = _snapshot(resumed)
    assert got == expected
    assert resumed.best_genome.fitness == full.best_genome.fitness


def test_references_keep_object_identity(tmp_path):
    cfg = make_config(tmp_path, pop_size=20)
    pop = neat.Population(cfg, seed=2)
    pop.run(xor_fitness, 2)
    back = population_from_dict(
        population_to_dict(pop), make_config(tmp_path, name="x.ini", pop_size=20)
    )
    for s in back.species.species.values():
        assert s.representative is back.population[s.representative.key]
        for gid, g in s.members.items():
            assert g is back.population[gid]


def test_random_state_restored(tmp_path):
    pop = neat.Population(make_config(tmp_path, pop_size=10), seed=5)
    state = population_to_dict(pop)
    expected = random.random()
    random.seed(0)
    population_from_dict(state, make_config(tmp_path, name="y.ini", pop_size=10))
    assert random.random() == expected


@pytest.mark.parametrize(
    ("mutate", "needle"),
    [
        (lambda d: d.update(format="x"), "format"),
        (lambda d: d.pop("genomes"), "genomes"),
        (lambda d: d.update(genomes=[]), "empty"),
        (lambda d: d["species"][0].update(representative={"ref": 10**6}), "not in the population"),
        (lambda d: d["species"][0].update(created="0"), "created"),
        (lambda d: d.update(random_state=[3, [1, 2], None]), "random_state"),
        (lambda d: d.update(genome_to_species=[[1]]), "genome_to_species"),
    ],
)
def test_corrupted_state_raises_checkpoint_error(tmp_path, mutate, needle):
    pop = neat.Population(make_config(tmp_path, pop_size=10), seed=5)
    d = population_to_dict(pop)
    mutate(d)
    with pytest.raises(CheckpointError, match=needle):
        population_from_dict(d, make_config(tmp_path, name="z.ini", pop_size=10))
