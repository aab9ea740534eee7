"""FastReproduction against neat-python's DefaultReproduction.

Exact: stagnation, adjusted fitness, spawn counts per species, elites, parent pools,
fallback paths. Statistical (different random draws): attribute mutation and crossover
distributions (two-sample KS tests and binomial bounds against neat-python's own
reproduce on copies of the same population), structural mutation frequencies, XOR solving.
"""

from __future__ import annotations

import copy
import json
import math
import random

import neat
import numpy as np
import pytest
from scipy.stats import ks_2samp

from neuroevo.config import PluginConfig
from neuroevo.strategies.neat.genome import FastGenome
from neuroevo.strategies.neat.reproduction import FastReproduction
from neuroevo.strategies.neat.speciation import FastSpeciesSet
from neuroevo.strategies.neat.state import population_from_dict, population_to_dict
from tests.strategies.test_neat_speciation import BASE, xor_fitness

P_MIN = 1e-3  # KS p-value below which two samples count as differently distributed


def config(
    tmp_path,
    *,
    repro=FastReproduction,
    genome=neat.DefaultGenome,
    species=neat.DefaultSpeciesSet,
    pop=150,
    threshold=3.0,
    edits=(),
) -> neat.Config:
    text = BASE.format(pop=pop, threshold=threshold, act_rate=0.1, agg_rate=0.1, resp_rate=0.2)
    for old, new in edits:
        assert old in text
        text = text.replace(old, new)
    path = tmp_path / f"r{abs(hash((pop, threshold, edits)))}.ini"
    path.write_text(text)
    return PluginConfig(genome, repro, species, neat.DefaultStagnation, str(path))


def evolved(cfg: neat.Config, seed: int, generations: int) -> neat.Population:
    """A neat-python population after some generations, evaluated, ready to reproduce."""
    p = neat.Population(cfg, seed=seed)
    p.run(xor_fitness, generations)
    xor_fitness(list(p.population.items()), cfg)
    return p


def reproduce_both(p: neat.Population, seed: int = 0) -> tuple:
    """(neat-python's, FastReproduction's) next generation and state, from copies of ``p``."""
    out = []
    for cls in (neat.DefaultReproduction, FastReproduction):
        species, repro = copy.deepcopy((p.species, p.reproduction))
        repro.__class__ = cls
        random.seed(seed)
        pop = repro.reproduce(p.config, species, p.config.pop_size, p.generation)
        out.append((pop, species, repro))
    return out


def test_reads_neat_pythons_section(tmp_path):
    cfg = config(tmp_path, edits=(("elitism = 2", "elitism = 3"),))
    assert FastReproduction.__name__ == "FastReproduction"  # its own name, honestly
    assert cfg.reproduction_config.elitism == 3
    assert isinstance(neat.Population(cfg, seed=0).reproduction, neat.DefaultReproduction)


@pytest.mark.parametrize("stagnation", [20, 1])
def test_same_spawn_counts_elites_and_parent_pools(tmp_path, stagnation):
    cfg = config(
        tmp_path,
        repro=neat.DefaultReproduction,
        threshold=1.5,
        edits=(("max_stagnation = 20", f"max_stagnation = {stagnation}"),),
    )
    p = evolved(cfg, seed=3, generations=4)
    old = {sid: dict(s.members) for sid, s in p.species.species.items()}
    assert len(old) > 1
    species_of = {gid: sid for sid, members in old.items() for gid in members}
    results = reproduce_both(p)
    summaries = []
    for pop, species, repro in results:
        children: dict = {}
        for gid in pop:
            if gid in species_of:
                continue
            a, b = repro.ancestors[gid]
            sid = species_of[a]
            assert species_of[b] == sid
            children.setdefault(sid, []).append((a, b))
        pools = {}
        for sid, members in old.items():
            ranked = sorted(members.items(), reverse=True, key=lambda kv: (kv[1].fitness, kv[0]))
            cutoff = max(math.ceil(cfg.reproduction_config.survival_threshold * len(ranked)), 2)
            pools[sid] = {k for k, _ in ranked[:cutoff]}
        for sid, pairs in children.items():
            assert {g for pair in pairs for g in pair} <= pools[sid]
        summaries.append(
            {
                "keys": sorted(pop),
                "elites": sorted(g for g in pop if g in species_of),
                "children per species": {sid: len(v) for sid, v in children.items()},
                "species": sorted(species.species),
                "adjusted": {sid: s.adjusted_fitness for sid, s in species.species.items()},
                "next id": next(copy.deepcopy(repro.genome_indexer)),
            }
        )
    assert summaries[0] == summaries[1]
    assert len(summaries[0]["keys"]) == cfg.pop_size


def clones(tmp_path, pop, edits, seed=5):
    """A population of copies of one genome (3 hidden nodes), so a child's genes equal the
    parent's before mutation; different fitness values, one species."""
    cfg = config(
        tmp_path,
        repro=neat.DefaultReproduction,
        pop=pop,
        threshold=100.0,
        edits=(
            ("num_hidden = 0", "num_hidden = 3"),
            ("initial_connection = full", "initial_connection = full_direct"),
        )
        + edits,
    )
    p = neat.Population(cfg, seed=seed)
    first = next(iter(p.population.values()))
    for i, g in enumerate(p.population.values()):
        g.nodes, g.connections = copy.deepcopy((first.nodes, first.connections))
        g.fitness = float(i % 7)
    p.species.speciate(cfg, p.population, 0)
    return p, first


NO_STRUCTURE = (
    ("conn_add_prob = 0.5", "conn_add_prob = 0.0"),
    ("conn_delete_prob = 0.3", "conn_delete_prob = 0.0"),
    ("node_add_prob = 0.3", "node_add_prob = 0.0"),
    ("node_delete_prob = 0.1", "node_delete_prob = 0.0"),
    ("enabled_mutate_rate = 0.05", "enabled_mutate_rate = 0.2"),
    ("response_replace_rate = 0.0", "response_replace_rate = 0.1"),
)


def test_attribute_mutation_matches_neat_python_in_distribution(tmp_path):
    p, parent = clones(tmp_path, 1500, NO_STRUCTURE)
    runs = [
        [g for g in pop.values() if g.key not in p.population] for pop, _, _ in reproduce_both(p)
    ]
    gc = p.config.genome_config
    n_conn, n_node = len(parent.connections), len(parent.nodes)
    for name, genes, attr in (
        ("weight", "connections", "weight"),
        ("bias", "nodes", "bias"),
        ("response", "nodes", "response"),
    ):
        ref, got = (
            [
                getattr(getattr(c, genes)[k], attr) - getattr(getattr(parent, genes)[k], attr)
                for c in children
                for k in getattr(parent, genes)
            ]
            for children in runs
        )
        ref, got = np.array(ref), np.array(got)
        assert ks_2samp(ref, got).pvalue > P_MIN, name
        unchanged = [np.mean(x == 0.0) for x in (ref, got)]
        rate = getattr(gc, f"{name}_mutate_rate") + getattr(gc, f"{name}_replace_rate")
        if name == "response":  # init_stdev 0: a replacement draws the parent's 1.0 again
            rate = gc.response_mutate_rate
        n = len(ref)
        for frac in unchanged:  # each within 5 binomial sigmas of 1 - mutate - replace
            assert abs(frac - (1 - rate)) < 5 * math.sqrt(rate * (1 - rate) / n) + 1e-12, name
    for attr, genes, n_genes in (
        ("enabled", "connections", n_conn),
        ("activation", "nodes", n_node),
        ("aggregation", "nodes", n_node),
    ):
        before = getattr(parent, genes)
        changed = [
            np.mean(
                [
                    getattr(getattr(c, genes)[k], attr) != getattr(before[k], attr)
                    for c in children
                    for k in before
                ]
            )
            for children in runs
        ]
        n = len(runs[0]) * n_genes
        q = (changed[0] + changed[1]) / 2
        assert q > 0, attr
        assert abs(changed[0] - changed[1]) < 5 * math.sqrt(2 * q * (1 - q) / n), (attr, changed)
    # values stay Python floats / bools / str, as neat-python's genes hold them
    g = runs[1][0]
    assert {type(c.weight) for c in g.connections.values()} == {float}
    assert {type(c.enabled) for c in g.connections.values()} == {bool}


def test_crossover_mixes_parents_as_neat_python(tmp_path):
    """Two kinds of parents (all weights +1 or all -1, one disabled gene in the -1 kind):
    children inherit each matching attribute with probability 1/2, disabled 3/4."""
    p, parent = clones(
        tmp_path,
        1200,
        NO_STRUCTURE
        + (
            ("weight_mutate_rate = 0.8", "weight_mutate_rate = 0.0"),
            ("weight_replace_rate = 0.1", "weight_replace_rate = 0.0"),
            ("enabled_mutate_rate = 0.2", "enabled_mutate_rate = 0.0"),
        ),
    )
    first_key = next(iter(parent.connections))
    for i, g in enumerate(p.population.values()):
        for k, c in g.connections.items():
            c.weight = 1.0 if i % 2 else -1.0
            c.enabled = bool(i % 2) or k != first_key
    fractions = []
    for pop, _, repro in reproduce_both(p):
        from_less_fit, disabled = [], []
        for g in pop.values():
            if g.key in p.population:
                continue
            x, y = (p.population[k] for k in repro.ancestors[g.key])
            fitter, other = (x, y) if x.fitness > y.fitness else (y, x)
            if (fitter.key - other.key) % 2 == 0:
                continue  # same kind: nothing to tell apart
            sign = next(iter(other.connections.values())).weight
            from_less_fit += [c.weight == sign for c in g.connections.values()]
            disabled.append(not g.connections[first_key].enabled)
        fractions.append((np.mean(from_less_fit), np.mean(disabled), len(disabled)))
    (w_ref, dis_ref, n_ref), (w_got, dis_got, n_got) = fractions
    assert abs(w_ref - 0.5) < 0.05 and abs(w_got - 0.5) < 0.05, fractions
    for frac, n in ((dis_ref, n_ref), (dis_got, n_got)):  # one parent disabled: 1/2 + 1/2 3/4
        assert abs(frac - 0.875) < 5 * math.sqrt(0.875 * 0.125 / n), fractions


def test_structural_mutation_frequencies_match(tmp_path):
    p, parent = clones(tmp_path, 2000, ())
    counts = []
    for pop, _, _ in reproduce_both(p):
        children = [g for g in pop.values() if g.key not in p.population]
        dn = np.array([len(g.nodes) - len(parent.nodes) for g in children])
        dc = np.array([len(g.connections) - len(parent.connections) for g in children])
        disabled = np.array([sum(not c.enabled for c in g.connections.values()) for g in children])
        counts.append(
            [np.mean(dn == v) for v in (-1, 0, 1)]
            + [np.mean(dc == v) for v in (-4, -3, -2, -1, 0, 1, 2)]
            + [np.mean(disabled > 0)]
        )
    n = 2000 - 2
    for a, b in zip(*counts):
        q = (a + b) / 2
        assert abs(a - b) <= 5 * math.sqrt(2 * q * (1 - q) / n) + 1e-9, counts


@pytest.mark.parametrize(
    "genome, species", [(neat.DefaultGenome, neat.DefaultSpeciesSet), (FastGenome, FastSpeciesSet)]
)
def test_runs_with_neat_plugins_and_is_reproducible(tmp_path, genome, species):
    def run():
        cfg = config(tmp_path, genome=genome, species=species, pop=80)
        p = neat.Population(cfg, seed=9)
        p.run(xor_fitness, 6)
        return [
            (
                k,
                sorted((n, vars(g.nodes[n])) for n in g.nodes),
                sorted((c, vars(g.connections[c])) for c in g.connections),
            )
            for k, g in p.population.items()
        ]

    first = run()
    assert first == run()
    assert len(first) == 80
    for _, _nodes, conns in first:  # feed-forward: every genome stays acyclic
        keys = [k for k, _ in conns]
        assert not any(neat.graphs.creates_cycle(keys[:i], k) for i, k in enumerate(keys))


def test_other_genome_classes_fall_back_to_neat_python(tmp_path):
    class MyGenome(neat.DefaultGenome):
        config_section = "DefaultGenome"

    def run(repro):
        p = neat.Population(config(tmp_path, repro=repro, genome=MyGenome, pop=50), seed=4)
        p.run(xor_fitness, 4)
        return [
            (k, sorted(vars(n).items() for n in g.nodes.values())) for k, g in p.population.items()
        ]

    assert run(FastReproduction) == run(neat.DefaultReproduction)


def test_checkpoint_resume_gives_the_same_continuation(tmp_path):
    def snap(p):
        return [
            (
                k,
                sorted((n, vars(v)) for n, v in g.nodes.items()),
                sorted((c, vars(v)) for c, v in g.connections.items()),
            )
            for k, g in p.population.items()
        ]

    full = neat.Population(config(tmp_path, pop=60), seed=21)
    full.run(xor_fitness, 5)
    first = neat.Population(config(tmp_path, pop=60), seed=21)
    first.run(xor_fitness, 2)
    text = json.dumps(population_to_dict(first))
    random.seed(999)
    resumed = population_from_dict(json.loads(text), config(tmp_path, pop=60))
    assert type(resumed.reproduction) is FastReproduction
    resumed.run(xor_fitness, 3)
    assert snap(resumed) == snap(full)


@pytest.mark.slow
def test_xor_solve_rate_comparable_to_neat_python():
    """neat-python's XOR example settings (benchmarks/generation_time.py), 8 seeds each."""
    import importlib.util
    import pathlib
    import tempfile

    root = pathlib.Path(__file__).resolve().parents[2]
    spec = importlib.util.spec_from_file_location("gt", root / "benchmarks" / "generation_time.py")
    gt = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gt)
    with tempfile.TemporaryDirectory() as d:
        path = pathlib.Path(d) / "xor.ini"
        path.write_text(gt.XOR_INI)
        solved = {}
        for repro in (neat.DefaultReproduction, FastReproduction):
            wins = 0
            for seed in range(8):
                cfg = PluginConfig(
                    FastGenome, repro, FastSpeciesSet, neat.DefaultStagnation, str(path)
                )
                p = neat.Population(cfg, seed=seed)
                best = p.run(xor_fitness, 120)
                wins += best.fitness >= cfg.fitness_threshold
            solved[repro] = wins
    assert solved[FastReproduction] >= 6, solved
    assert solved[FastReproduction] >= solved[neat.DefaultReproduction] - 2, solved
