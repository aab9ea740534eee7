"""FastGenome against neat-python's DefaultGenome: same offspring from the same seed."""

from __future__ import annotations

import pickle
import random
import warnings

import neat
import pytest
from neat.genes import DefaultNodeGene

from neuroevo.config import PluginConfig
from neuroevo.strategies.neat.genome import FastGenome
from neuroevo.strategies.neat.speciation import FastSpeciesSet
from tests.strategies.test_neat_speciation import BASE, xor_fitness

VARIANT = {  # every mutation path: string attributes, response, uniform init, single mutation
    "bias_init_stdev = 1.0": "bias_init_stdev = 1.0\nbias_init_type = uniform",
    "enabled_mutate_rate = 0.05": "enabled_mutate_rate = 0.05\nenabled_rate_to_true_add = 0.2"
    "\nsingle_structural_mutation = true",
    "response_replace_rate = 0.0": "response_replace_rate = 0.05",
}


def config_file(tmp_path, *, variant: bool, feed_forward: bool = True) -> str:
    text = BASE.format(pop=60, threshold=2.5, act_rate=0.1, agg_rate=0.1, resp_rate=0.2)
    if variant:
        for old, new in VARIANT.items():
            assert old in text
            text = text.replace(old, new)
    if not feed_forward:
        text = text.replace("feed_forward = True", "feed_forward = False")
    path = tmp_path / f"g-{variant}-{feed_forward}.ini"
    path.write_text(text)
    return str(path)


def snapshot(population):
    """Every gene of every genome, attribute by attribute, in dict order."""
    return {
        k: (
            [(nk, tuple(vars(n).items())) for nk, n in g.nodes.items()],
            [(ck, tuple(vars(c).items())) for ck, c in g.connections.items()],
            g.fitness,
        )
        for k, g in population.items()
    }


def run(path, genome_type, species_set, seed, generations=10):
    config = PluginConfig(
        genome_type, neat.DefaultReproduction, species_set, neat.DefaultStagnation, path
    )
    p = neat.Population(config, seed=seed)
    history = []

    def fitness(genomes, cfg):
        if config.genome_config.feed_forward:
            xor_fitness(genomes, cfg)
        else:
            for _, g in genomes:
                g.fitness = float(len(g.connections))
        history.append(
            (
                snapshot(p.population),
                sorted(
                    (sid, s.representative.key, list(s.members))
                    for sid, s in p.species.species.items()
                ),
            )
        )

    p.run(fitness, generations)
    return history, random.getstate()


@pytest.mark.parametrize(
    "variant,feed_forward,seed",
    [(False, True, 0), (False, True, 1), (True, True, 2), (True, False, 3)],
)
def test_same_genomes_species_and_random_state_as_neat_python(
    tmp_path, variant, feed_forward, seed
):
    path = config_file(tmp_path, variant=variant, feed_forward=feed_forward)
    ref, ref_state = run(path, neat.DefaultGenome, neat.DefaultSpeciesSet, seed)
    fast, fast_state = run(path, FastGenome, FastSpeciesSet, seed)
    for generation, (a, b) in enumerate(zip(ref, fast)):
        assert a == b, f"generation {generation} differs"
    assert ref_state == fast_state
    sizes = {len(g[1]) for g in ref[-1][0].values()}
    assert len(sizes) > 1  # structure did evolve


EDGES = [(-1, 1), (1, 2), (2, 1), (2, 0), (-2, 2)]


def _genome(genome_type, key, gc, conns, innovations=None):
    g = genome_type(key)
    for k in (0, 1, 2):
        n = gc.node_gene_type(k)
        n.init_attributes(gc)
        g.nodes[k] = n
    for i, (a, b) in enumerate(conns):
        inn = 100 + (EDGES.index((a, b)) if innovations is None else innovations[i])
        g.add_connection(gc, a, b, random.gauss(0, 1), True, innovation=inn)
    return g


@pytest.mark.parametrize("collide", [False, True])
def test_crossover_of_a_cyclic_parent_rejects_the_same_genes(tmp_path, collide):
    """A feed-forward config but a parent with a cycle: neat-python's cycle checks apply.

    With ``collide``, the parents also share an innovation number for different keys.
    """
    path = config_file(tmp_path, variant=False)
    children = []
    for genome_type in (neat.DefaultGenome, FastGenome):
        config = PluginConfig(
            genome_type,
            neat.DefaultReproduction,
            neat.DefaultSpeciesSet,
            neat.DefaultStagnation,
            path,
        )
        gc = config.genome_config
        random.seed(11)
        p1 = _genome(genome_type, 1, gc, [(-1, 1), (1, 2), (2, 1), (2, 0), (-2, 2)])
        p2 = _genome(genome_type, 2, gc, [(-1, 1), (2, 1), (2, 0)], [0, 1, 3] if collide else None)
        p1.fitness, p2.fitness = 2.0, 1.0
        child = genome_type(3)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            child.configure_crossover(p1, p2, gc)
        assert len(caught) == int(collide)
        children.append((snapshot({3: child}), random.random()))
    assert children[0] == children[1]
    assert len(children[0][0][3][1]) < 5  # some gene was rejected as a cycle


def test_falls_back_for_other_gene_classes(tmp_path):
    class OtherNode(DefaultNodeGene):
        pass

    path = config_file(tmp_path, variant=True)
    results = []
    for genome_type in (neat.DefaultGenome, FastGenome):
        config = PluginConfig(
            genome_type,
            neat.DefaultReproduction,
            neat.DefaultSpeciesSet,
            neat.DefaultStagnation,
            path,
        )
        gc = config.genome_config
        gc.node_gene_type = OtherNode
        gc.innovation_tracker = neat.InnovationTracker()
        random.seed(5)
        g = genome_type(1)
        g.configure_new(gc)
        g.fitness = 1.0
        child = genome_type(2)
        child.configure_crossover(g, g, gc)
        child.mutate(gc)
        results.append((snapshot({2: child}), type(child.nodes[0]).__name__))
    assert results[0] == results[1]
    assert results[1][1] == "OtherNode"


def test_reads_neat_pythons_section_and_pickles(tmp_path):
    config = PluginConfig(
        FastGenome,
        neat.DefaultReproduction,
        neat.DefaultSpeciesSet,
        neat.DefaultStagnation,
        config_file(tmp_path, variant=False),
    )
    assert config.genome_config.num_inputs == 2
    p = neat.Population(config, seed=0)
    genome = next(iter(p.population.values()))
    back = pickle.loads(pickle.dumps(genome))
    assert isinstance(back, FastGenome)
    assert snapshot({0: back}) == snapshot({0: genome})
