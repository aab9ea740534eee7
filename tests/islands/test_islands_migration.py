"""Migrants between islands, without Ray: NEAT genomes renumbered into another run (checked
against neat-python's own networks), parameter rows, and the migrant pool."""

from __future__ import annotations

import neat
import pytest
import torch

import neuroevo as ne
from neuroevo.compile.params import ParameterPolicy
from neuroevo.islands.migration import MigrantPool, emigrants, immigrate
from neuroevo.strategies.neat.migration import adopt_genomes
from neuroevo.strategies.neat.state import peek_count

XOR_IN = [(0.0, 0.0), (0.0, 1.0), (1.0, 0.0), (1.0, 1.0)]


def neat_run(seed: int, generations: int, node_add: float = 0.6) -> ne.NEAT:
    cfg = ne.load_config("configs/xor.ini")
    cfg.genome_config.node_add_prob = node_add  # hidden nodes early, so ids can clash
    strategy = ne.NEAT(cfg, pop_size=24)
    ne.evolve(strategy, ne.tasks.XOR(), generations=generations, seed=seed, stop_on_solve=False)
    return strategy


def evaluated(strategy, task, seed=0):
    policy = strategy.ask()
    return task.evaluate(policy, generator=torch.Generator().manual_seed(seed))


def test_neat_migrants_keep_their_network_and_get_the_receivers_numbers():
    task = ne.tasks.XOR()
    a, b = neat_run(1, 6), neat_run(2, 6)
    sent = emigrants(a, evaluated(a, task), 3, island=0, generation=6)
    originals = [
        a.genomes[i]
        for i in torch.argsort(evaluated(a, task), descending=True, stable=True)[:3].tolist()
    ]
    pop_b = b.population
    keys_before = set(pop_b.population)
    next_node = peek_count(b.config.genome_config.node_indexer)
    known = {
        k: g.innovation for gen in pop_b.population.values() for k, g in gen.connections.items()
    }
    adopted = adopt_genomes([m["genome"] for m in sent], b)
    gc = b.config.genome_config
    for orig, new in zip(originals, adopted):
        assert new.key not in keys_before and new.key > max(keys_before)
        hidden_orig = [k for k in orig.nodes if k >= gc.num_outputs]
        hidden_new = sorted(k for k in new.nodes if k >= gc.num_outputs)
        assert len(hidden_new) == len(hidden_orig)
        assert all(k >= next_node for k in hidden_new)  # fresh ids of the receiving run
        for key, gene in new.connections.items():
            if key[0] < gc.num_outputs and key[1] < gc.num_outputs and key in known:
                assert gene.innovation == known[key]  # homologous: the receiver's number
        # the same network, by neat-python's own evaluation
        net_o = neat.nn.FeedForwardNetwork.create(orig, a.config)
        net_n = neat.nn.FeedForwardNetwork.create(new, b.config)
        for x in XOR_IN:
            assert net_n.activate(x) == pytest.approx(net_o.activate(x), abs=1e-12)
    assert any(k >= gc.num_outputs for g in adopted for k in g.nodes)  # hidden nodes renumbered
    later = peek_count(gc.node_indexer)
    assert later > max(k for g in adopted for k in g.nodes)  # no later add-node can reuse one


def test_neat_migrants_replace_the_worst_and_evolution_goes_on():
    task = ne.tasks.XOR()
    a, b = neat_run(3, 4), neat_run(4, 4)
    sent = emigrants(a, evaluated(a, task), 2, island=0, generation=4)
    fitness = evaluated(b, task, seed=1)
    worst = torch.argsort(fitness, stable=True)[:2].tolist()
    new = immigrate(
        b,
        task,
        fitness,
        sent,
        generator=torch.Generator().manual_seed(1),
        device=torch.device("cpu"),
        dtype=torch.float32,
    )
    genomes = [b.genomes[i] for i in worst]
    for i, g in zip(worst, genomes):
        assert g.key in b.population.population and b.population.population[g.key] is g
        sid = b.population.species.genome_to_species[g.key]
        assert b.population.species.species[sid].members[g.key] is g
        net = neat.nn.FeedForwardNetwork.create(g, b.config)  # fitness re-scored on XOR
        sse = sum((net.activate(x)[0] - y) ** 2 for x, y in zip(XOR_IN, [0, 1, 1, 0]))
        assert float(new[i]) == pytest.approx(4 - sse, abs=1e-5)
    assert len(b.population.population) == 24
    b.tell(new)
    ne.evolve(b, task, generations=8, setup=False, start_generation=5, stop_on_solve=False)
    state = b.state_dict()  # the run, migrants' numbers included, still checkpoints
    c = ne.NEAT(ne.load_config("configs/xor.ini"), pop_size=24)
    c.load_state_dict(state)
    assert list(c.population.population) == list(b.population.population)


def test_vector_migrants_replace_the_worst_rows_and_become_personal_bests():
    task = ne.tasks.XOR()
    a = ne.PSO(ne.MLP(2, [4], 1), pop_size=10, reset_module=True)
    b = ne.PSO(ne.MLP(2, [4], 1), pop_size=10, reset_module=True)
    for s, seed in ((a, 1), (b, 2)):
        ne.evolve(s, task, generations=5, seed=seed, stop_on_solve=False)
    sent = emigrants(a, evaluated(a, task), 3, island=0, generation=5)
    rows = torch.stack([m["params"] for m in sent])
    fitness = evaluated(b, task)
    worst = torch.argsort(fitness, stable=True)[:3]
    new = immigrate(
        b,
        task,
        fitness,
        sent,
        generator=torch.Generator().manual_seed(0),
        device=torch.device("cpu"),
        dtype=torch.float32,
    )
    expected = task.evaluate(ParameterPolicy(b.module, rows, num_inputs=2, num_outputs=1))
    assert torch.equal(b.ask_params()[worst], rows)
    assert torch.equal(new[worst], expected)
    keep = torch.ones(10, dtype=torch.bool)
    keep[worst] = False
    assert torch.equal(new[keep], fitness[keep])
    pbest_before = b.state.pbest_fitness.clone()
    b.tell(new)
    better = expected > pbest_before[worst]
    assert torch.equal(b.state.pbest[worst][better], rows[better])


def test_a_migrant_with_non_finite_outputs_gets_the_floor_of_the_population_it_joins():
    # XOR's fitness floors non-finite outputs at the lowest finite fitness of the population;
    # a migrant scored with its batch alone got -4 (none finite) instead
    task = ne.tasks.XOR()
    b = ne.PSO(ne.MLP(2, [4], 1), pop_size=10, reset_module=True)
    ne.evolve(b, task, generations=3, seed=2, stop_on_solve=False)
    fitness = evaluated(b, task)
    bad = torch.full_like(b.ask_params()[0], float("nan"))
    sent = [{"params": bad, "fitness": 0.0, "island": 0, "generation": 3}]
    new = immigrate(
        b,
        task,
        fitness,
        sent,
        generator=torch.Generator().manual_seed(0),
        device=torch.device("cpu"),
        dtype=torch.float32,
    )
    # the reference: the task's own evaluation of the whole population as it now stands
    whole = task.evaluate(ParameterPolicy(b.module, b.ask_params(), num_inputs=2, num_outputs=1))
    worst = int(torch.argsort(fitness, stable=True)[0])
    assert torch.equal(new[worst], whole[worst])
    assert float(new[worst]) == float(new[torch.arange(10) != worst].min())


def _m(island, fitness):
    return {"params": torch.zeros(2), "fitness": fitness, "island": island, "generation": 0}


def test_pool_delivers_each_push_once_and_never_waits(tmp_path):
    pool = MigrantPool(3, size=2)
    assert pool.pull(1) == []  # nothing pushed: nothing received, no waiting
    pool.push(0, 4, [_m(0, 1.0), _m(0, 0.5)])
    assert [m["fitness"] for m in pool.pull(1)] == [1.0, 0.5]  # ring: 0 -> 1
    assert pool.pull(1) == [] and pool.pull(2) == []  # delivered once; 2's source is 1
    pool.push(0, 9, [_m(0, 2.0)])
    pool.save(str(tmp_path))
    restored = MigrantPool(3, size=2)
    assert restored.load(str(tmp_path))
    assert [m["fitness"] for m in restored.pull(1)] == [2.0]
    assert restored.pull(1) == []
    every = MigrantPool(3, topology="all", size=2)
    every.push(0, 1, [_m(0, 1.0)])
    every.push(1, 1, [_m(1, 3.0), _m(1, 0.1)])
    assert [(m["island"], m["fitness"]) for m in every.pull(2)] == [(1, 3.0), (0, 1.0)]
    assert not every.poll(2, 5, 3.0)
    every.request_stop()
    assert every.poll(0, 5, 3.0) and every.status()["generations"] == {2: 5, 0: 5}
