"""FastSpeciesSet against neat-python's own DefaultSpeciesSet and DefaultGenome.distance.

Populations come from real neat-python evolution (DefaultGenome, DefaultReproduction,
DefaultSpeciesSet, fitness from neat-python's FeedForwardNetwork on XOR).
"""

from __future__ import annotations

import itertools
import random

import neat
import numpy as np
import pytest
from neat.species import DefaultSpeciesSet, Species

from neuroevo.config import PluginConfig
from neuroevo.strategies.neat import speciation as neat_speciation
from neuroevo.strategies.neat.speciation import FastSpeciesSet, GeneColumns
from tests.neat_ini import ini_text


def xor_overrides(pop, threshold, act_rate, agg_rate, resp_rate) -> dict:
    """The XOR setup of these tests as overrides of tests/neat_ini.py's BASE."""
    return {
        "NEAT": {"fitness_threshold": 100.0, "pop_size": pop, "no_fitness_termination": True},
        "DefaultGenome": {
            "activation_default": "sigmoid",
            "activation_mutate_rate": act_rate,
            "activation_options": "sigmoid tanh relu",
            "aggregation_default": "sum",
            "aggregation_mutate_rate": agg_rate,
            "aggregation_options": "sum max",
            "bias_max_value": 30.0,
            "bias_min_value": -30.0,
            "bias_mutate_power": 0.5,
            "bias_mutate_rate": 0.7,
            "conn_add_prob": 0.5,
            "enabled_mutate_rate": 0.05,
            "initial_connection": "full",
            "node_add_prob": 0.3,
            "node_delete_prob": 0.1,
            "num_hidden": 0,
            "num_inputs": 2,
            "num_outputs": 1,
            "response_init_stdev": 0.0,
            "response_max_value": 30.0,
            "response_min_value": -30.0,
            "response_mutate_power": 0.1,
            "response_mutate_rate": resp_rate,
            "response_replace_rate": 0.0,
            "weight_max_value": 30,
            "weight_min_value": -30,
            "weight_mutate_power": 0.5,
        },
        "DefaultSpeciesSet": {"compatibility_threshold": threshold},
    }


XOR_DROP = {
    "DefaultGenome": [
        "bias_init_type",
        "response_init_type",
        "weight_init_type",
        "enabled_rate_to_true_add",
        "enabled_rate_to_false_add",
    ],
    "DefaultReproduction": ["min_species_size"],
}
# A str.format template of the same INI, for test_neat_genome and test_neat_reproduction.
BASE = ini_text(
    xor_overrides(
        pop="{pop}",
        threshold="{threshold}",
        act_rate="{act_rate}",
        agg_rate="{agg_rate}",
        resp_rate="{resp_rate}",
    ),
    XOR_DROP,
)

XOR = [((0.0, 0.0), 0.0), ((0.0, 1.0), 1.0), ((1.0, 0.0), 1.0), ((1.0, 1.0), 0.0)]


def xor_fitness(genomes, config):
    for _, g in genomes:
        net = neat.nn.FeedForwardNetwork.create(g, config)
        g.fitness = 4.0 - sum((net.activate(x)[0] - y) ** 2 for x, y in XOR)


def make_config(
    tmp_path,
    species_set=DefaultSpeciesSet,
    genome=neat.DefaultGenome,
    *,
    pop=120,
    threshold=3.0,
    varied=True,
):
    path = tmp_path / f"cfg-{pop}-{threshold}-{varied}.ini"
    path.write_text(
        ini_text(
            xor_overrides(
                pop,
                threshold,
                act_rate=0.1 if varied else 0.0,
                agg_rate=0.1 if varied else 0.0,
                resp_rate=0.2 if varied else 0.0,
            ),
            XOR_DROP,
        )
    )
    return PluginConfig(
        genome, neat.DefaultReproduction, species_set, neat.DefaultStagnation, str(path)
    )


class _Messages(neat.reporting.BaseReporter):
    def __init__(self):
        self.lines = []

    def info(self, msg):
        self.lines.append(msg)


def _copy_species_set(src, cls, next_id):
    """A species set of class ``cls`` with the same prior species as ``src``."""
    reporters = neat.reporting.ReporterSet()
    messages = _Messages()
    reporters.add(messages)
    dst = cls(src.species_set_config, reporters)
    for sid, s in src.species.items():
        c = Species(sid, s.created)
        c.representative = s.representative
        c.members = dict(s.members)
        dst.species[sid] = c
    dst.indexer = itertools.count(next_id)
    return dst, messages


def assert_same_speciation(prior, config, population, generation):
    """Run both species sets from the same prior state; compare everything they produce."""
    next_id = max([0, *prior.species]) + 1000
    ref, ref_msgs = _copy_species_set(prior, DefaultSpeciesSet, next_id)
    fast, fast_msgs = _copy_species_set(prior, FastSpeciesSet, next_id)
    ref.speciate(config, population, generation)
    fast.speciate(config, population, generation)
    assert sorted(fast.species) == sorted(ref.species)
    for sid, s in ref.species.items():
        f = fast.species[sid]
        assert f.representative is s.representative, f"species {sid}: representative"
        assert list(f.members) == list(s.members), f"species {sid}: members or their order"
        assert f.created == s.created
    assert fast.genome_to_species == ref.genome_to_species
    assert fast_msgs.lines == ref_msgs.lines  # "Mean genetic distance ..." line
    assert len(ref_msgs.lines) == 1
    return ref


def evolve(config, generations, seed):
    """Populations (and species sets) of a real neat-python run, one per generation."""
    p = neat.Population(config, seed=seed)
    snapshots = []

    def fitness(genomes, cfg):
        xor_fitness(genomes, cfg)
        snapshots.append((dict(p.population), p.species))

    p.run(fitness, generations)
    return p, snapshots


@pytest.fixture(scope="module")
def evolved(tmp_path_factory):
    config = make_config(tmp_path_factory.mktemp("cfg"), threshold=2.0)
    p, _ = evolve(config, 12, seed=3)
    return config, list(p.population.values())


def test_distance_equals_genome_distance_bit_for_bit(evolved):
    config, genomes = evolved
    gc = config.genome_config
    table = GeneColumns(genomes, gc)
    rng = random.Random(0)
    pairs = [(rng.randrange(len(genomes)), rng.randrange(len(genomes))) for _ in range(400)]
    rows = {}
    for i, j in pairs:
        d = rows.setdefault(i, table.distances_from(i))[j]
        ref = genomes[i].distance(genomes[j], gc)
        assert d == ref, (i, j, d, ref)
    # the population has structure worth comparing: disjoint genes and differing functions
    assert len({len(g.connections) for g in genomes}) > 2
    assert len({n.activation for g in genomes for n in g.nodes.values()}) > 1


def test_distance_handles_genomes_without_connections(evolved):
    config, genomes = evolved
    gc = config.genome_config
    bare = neat.DefaultGenome(10**6)
    bare.nodes = {k: v for k, v in genomes[0].nodes.items() if k == 0}
    pool = [bare, *genomes[:20]]
    table = GeneColumns(pool, gc)
    for i in (0, 1, 5):
        assert table.distances_from(i).tolist() == [pool[i].distance(g, gc) for g in pool]


@pytest.mark.parametrize("seed,threshold", [(0, 3.0), (1, 2.5), (2, 2.0)])
def test_same_species_as_neat_python_during_evolution(tmp_path, seed, threshold):
    """At every generation of a real run, both species sets give identical results."""
    config = make_config(tmp_path, pop=100, threshold=threshold)
    checked = 0

    class Checking(DefaultSpeciesSet):
        def speciate(self, cfg, population, generation):
            nonlocal checked
            if self.species:  # compare from the prior state neat-python itself uses
                ref = assert_same_speciation(self, cfg, population, generation)
                checked += len(ref.species)
            super().speciate(cfg, population, generation)

    Checking.__name__ = "DefaultSpeciesSet"
    config.species_set_type = Checking
    evolve(config, 10, seed)
    assert checked >= 10


def test_same_species_when_old_representatives_are_in_the_population(evolved):
    """Representatives drawn from the population: exercises neat-python's cache hits."""
    config, genomes = evolved
    population = {g.key: g for g in genomes}
    rng = random.Random(1)
    for trial in range(6):
        prior = DefaultSpeciesSet(config.species_set_config, neat.reporting.ReporterSet())
        reps = rng.sample(genomes, 12)
        # a few foreign representatives too (old genomes no longer in the population)
        for k, g in enumerate(rng.sample(genomes, 3)):
            foreign = neat.DefaultGenome(-1 - k - 10 * trial)
            foreign.nodes, foreign.connections = g.nodes, g.connections
            reps.append(foreign)
        for sid, rep in enumerate(reps, start=1):
            s = Species(sid, 0)
            s.representative = rep
            prior.species[sid] = s
        config.species_set_config.compatibility_threshold = [0.5, 1.0, 2.0][trial % 3]
        try:
            assert_same_speciation(prior, config, population, 5)
        finally:
            config.species_set_config.compatibility_threshold = 2.0


def test_distance_ties_resolve_like_neat_python(evolved):
    """Clones tie on distance; the first in neat-python's order must win."""
    config, genomes = evolved
    population = {}
    for k, g in enumerate(genomes[:30]):
        for copy_no in range(3):  # three identical genomes per original
            c = neat.DefaultGenome(1000 + 3 * k + copy_no)
            c.nodes, c.connections = g.nodes, g.connections
            population[c.key] = c
    prior = DefaultSpeciesSet(config.species_set_config, neat.reporting.ReporterSet())
    for sid, key in enumerate([1000, 1004, 1050], start=1):
        s = Species(sid, 0)
        s.representative = population[key]
        prior.species[sid] = s
    assert_same_speciation(prior, config, population, 1)


def test_falls_back_to_neat_python_for_a_custom_distance(tmp_path, monkeypatch):
    class OtherGenome(neat.DefaultGenome):
        config_section = "DefaultGenome"

        def distance(self, other, config):
            return abs(len(self.connections) - len(other.connections)) * 1.0

    config = make_config(tmp_path, genome=OtherGenome, threshold=0.5)
    p, snapshots = evolve(config, 4, seed=0)

    def boom(*args, **kwargs):
        raise AssertionError("the fast path must not run for a custom distance")

    monkeypatch.setattr(neat_speciation, "GeneColumns", boom)
    population, species = snapshots[-1]
    ref = assert_same_speciation(species, config, population, 4)
    assert len(ref.species) > 1


def test_reads_and_writes_neat_pythons_section(tmp_path):
    config = make_config(tmp_path, species_set=FastSpeciesSet, threshold=2.5)
    assert config.species_set_config.compatibility_threshold == 2.5
    saved = tmp_path / "saved.ini"
    config.save(str(saved))
    assert "[DefaultSpeciesSet]" in saved.read_text()
    plain = neat.Config(
        neat.DefaultGenome,
        neat.DefaultReproduction,
        DefaultSpeciesSet,
        neat.DefaultStagnation,
        str(saved),
    )
    assert plain.species_set_config.compatibility_threshold == 2.5


def test_whole_run_equals_neat_python(tmp_path):
    """Same seed: same species and fitness at every generation, with or without the plug-in."""
    histories = []
    for cls in (DefaultSpeciesSet, FastSpeciesSet):
        config = make_config(tmp_path, species_set=cls, pop=80, threshold=2.0)
        p = neat.Population(config, seed=7)
        history = []

        def fitness(genomes, cfg, p=p, history=history):
            xor_fitness(genomes, cfg)
            history.append(
                (
                    sorted((sid, sorted(s.members)) for sid, s in p.species.species.items()),
                    [g.fitness for _, g in genomes],
                )
            )

        p.run(fitness, 8)
        histories.append(history)
    assert histories[0] == histories[1]
    assert len(histories[0][-1][0]) > 1
    assert np.isfinite([f for _, fs in histories[0] for f in fs]).all()
