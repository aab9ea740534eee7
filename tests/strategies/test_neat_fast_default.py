"""NEAT's default fast plug-ins change speed only: the run equals neat-python's own types."""

import neat
import torch

import neuroevo as ne
from neuroevo.strategies.neat.genome import FastGenome
from neuroevo.strategies.neat.speciation import FastSpeciesSet


def test_fast_plugins_give_the_same_run_as_neat_python_types():
    runs = {}
    for fast in (True, False):
        s = ne.NEAT(ne.load_config("configs/xor.ini"), fast=fast)
        r = ne.evolve(s, ne.tasks.XOR(), generations=8, seed=5, device="cpu", dtype=torch.float64)
        runs[fast] = (r, s)
    (rf, sf), (rs, ss) = runs[True], runs[False]
    assert sf.config.species_set_type is FastSpeciesSet and sf.config.genome_type is FastGenome
    assert ss.config.species_set_type is neat.DefaultSpeciesSet
    assert [h.best_fitness for h in rf.history] == [h.best_fitness for h in rs.history]
    assert [h.extra["species"] for h in rf.history] == [h.extra["species"] for h in rs.history]
    assert sorted(sf.population.population) == sorted(ss.population.population)


def test_fast_reproduction_is_opt_in_and_evolves():
    from neuroevo.strategies.neat.reproduction import FastReproduction

    assert (
        ne.NEAT(ne.load_config("configs/xor.ini")).config.reproduction_type
        is neat.DefaultReproduction
    )
    s = ne.NEAT(ne.load_config("configs/xor.ini"), fast_reproduction=True)
    assert s.config.reproduction_type is FastReproduction
    r = ne.evolve(s, ne.tasks.XOR(), generations=15, seed=1, device="cpu")
    assert r.history[-1].best_fitness_so_far > r.history[0].best_fitness
    assert all(h.evaluations == 150 * (i + 1) for i, h in enumerate(r.history))
