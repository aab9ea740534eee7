"""The NEAT strategy against neat-python's own Population.run, on XOR."""

from __future__ import annotations

import json
import pathlib
import re

import neat
import pytest
import torch

import neuroevo as ne
from neuroevo.config import load_config
from neuroevo.errors import ConfigError, StrategyError
from neuroevo.loop import evolve
from neuroevo.run import registry
from neuroevo.strategies.neat.engines import NEAT
from neuroevo.strategies.neat.strategy import PythonNEAT
from neuroevo.tasks.supervised import XOR

CONFIGS = pathlib.Path(__file__).resolve().parents[2] / "configs"
CPU = torch.device("cpu")
XOR_CASES = [((0.0, 0.0), 0.0), ((0.0, 1.0), 1.0), ((1.0, 0.0), 1.0), ((1.0, 1.0), 0.0)]


def _neat_xor_fitness(genome, config):
    net = neat.nn.FeedForwardNetwork.create(genome, config)
    return 4.0 - sum((net.activate(x)[0] - y) ** 2 for x, y in XOR_CASES)


class Recorder(neat.reporting.BaseReporter):
    """Records neat-python reporter events with the genome keys they see."""

    def __init__(self):
        self.events = []

    def start_generation(self, generation):
        self.events.append(("start", generation))

    def post_evaluate(self, config, population, species, best_genome):
        self.events.append(("post_evaluate", sorted(population), best_genome.key))

    def end_generation(self, config, population, species_set):
        self.events.append(("end", sorted(population), sorted(species_set.species)))

    def complete_extinction(self):
        self.events.append(("extinction",))

    def found_solution(self, config, generation, best):
        self.events.append(("solution", generation, best.key))


def _config(tmp_path=None, **overrides) -> neat.Config:
    if not overrides:
        return load_config(CONFIGS / "xor.ini")
    text = (CONFIGS / "xor.ini").read_text()
    for k, v in overrides.items():
        text, n = re.subn(rf"^{k}\s*=.*$", f"{k} = {v}", text, flags=re.M)
        assert n == 1, k
    p = tmp_path / "c.ini"
    p.write_text(text)
    return load_config(p)


def test_generations_equal_neat_python_population_run():
    """Same seed, same fitness: the same genomes, species and reporter events as Population.run."""
    gens = 4

    def half_xor(genomes, config):  # never reaches the threshold, so run() does not stop early
        for _, g in genomes:
            g.fitness = _neat_xor_fitness(g, config) / 2

    ref_rec = Recorder()
    ref = neat.Population(_config(), seed=11)
    ref.add_reporter(ref_rec)
    ref.run(half_xor, gens)

    ours_rec = Recorder()
    s = NEAT(_config(), reporters=[ours_rec])
    s.setup(num_inputs=2, num_outputs=1, seed=11, device=CPU, dtype=torch.float64)
    task = XOR()
    for _ in range(gens):
        s.tell(task.evaluate(s.ask()) / 2)

    assert ours_rec.events == ref_rec.events
    assert list(s.population.population) == list(ref.population)
    for k, g in ref.population.items():
        mine = s.population.population[k]
        assert sorted(mine.connections) == sorted(g.connections)
        assert [c.weight for c in mine.connections.values()] == [
            c.weight for c in g.connections.values()
        ]
    assert s.population.generation == ref.generation == gens
    assert s.best_fitness == pytest.approx(ref.best_genome.fitness, abs=1e-12)
    assert s.info() == {"species": float(len(ref.species.species))}


def _solution_run(tmp_path, criterion: str, *, ours: bool) -> list:
    """Reporter events up to found_solution, fitness = genome key (it grows every generation)."""
    config = _config(tmp_path, fitness_criterion=criterion, fitness_threshold=400.0)
    rec = Recorder()
    if not ours:
        pop = neat.Population(config, seed=3)
        pop.add_reporter(rec)
        pop.run(lambda genomes, cfg: [setattr(g, "fitness", float(k)) for k, g in genomes], 10)
        return rec.events
    s = NEAT(config, reporters=[rec])
    s.setup(num_inputs=2, num_outputs=1, seed=3, device=CPU, dtype=torch.float32)
    while not any(e[0] == "solution" for e in rec.events) and s.generation < 10:
        s.ask()
        s.tell(torch.tensor([float(g.key) for g in s.genomes], dtype=torch.float64))
    return rec.events[: [e[0] for e in rec.events].index("solution") + 1]


@pytest.mark.parametrize("criterion", ["max", "min", "mean"])
def test_fitness_criterion_is_neat_pythons_termination_statistic(tmp_path, criterion):
    """neat-python 2.0 (population.py) compares criterion(fitness) with fitness_threshold and
    maximises fitness whatever the criterion: NEAT reports the solution in the same
    generation, with the same genomes, best genome and species, as Population.run."""
    ref = _solution_run(tmp_path, criterion, ours=False)
    assert ref[-1][0] == "solution"
    assert _solution_run(tmp_path, criterion, ours=True) == ref


def test_fitness_criterion_min_waits_for_every_genome_and_still_maximises(tmp_path):
    events = {c: _solution_run(tmp_path, c, ours=True) for c in ("max", "min")}
    for criterion, ev in events.items():
        keys = [e[1] for e in ev if e[0] == "post_evaluate"]  # fitness = key, per generation
        stat = {"max": max, "min": min}[criterion]
        assert stat(keys[-1]) >= 400 and all(stat(k) < 400 for k in keys[:-1])
        assert ev[-1][2] == max(keys[-1])  # the best genome is the fittest, under min too
    assert events["min"][-1][1] > events["max"][-1][1]  # min fires in a later generation


def test_ask_compiles_every_genome_like_feed_forward_network():
    s = NEAT(_config())
    s.setup(num_inputs=2, num_outputs=1, seed=0, device=CPU, dtype=torch.float64)
    for _ in range(3):
        s.tell(XOR().evaluate(s.ask()))
    policy = s.ask()
    assert policy.num_candidates == len(s.genomes) == s.population_size == 150
    x = torch.tensor([c[0] for c in XOR_CASES], dtype=torch.float64)
    out = policy(x)
    ref = torch.tensor(
        [
            [neat.nn.FeedForwardNetwork.create(g, s.config).activate(xi) for xi in x.tolist()]
            for g in s.genomes
        ],
        dtype=torch.float64,
    )
    torch.testing.assert_close(out, ref, rtol=0, atol=1e-12)


def test_tell_sets_fitness_and_keeps_a_copy_of_the_best():
    s = NEAT(_config())
    s.setup(num_inputs=2, num_outputs=1, seed=1, device=CPU, dtype=torch.float32)
    s.ask()
    evaluated = list(s.genomes)
    fitness = torch.linspace(0.0, 1.0, len(evaluated))
    s.tell(fitness)
    assert [g.fitness for g in evaluated] == pytest.approx(fitness.tolist())
    assert s.best_fitness == pytest.approx(1.0)
    assert s.best.key == evaluated[-1].key and s.best is not evaluated[-1]
    with pytest.raises(StrategyError, match="3 fitness values for 150 genomes"):
        s.ask()
        s.tell(torch.zeros(3))


def test_improves_on_xor_and_is_reproducible():
    runs = [
        evolve(NEAT(_config()), XOR(), generations=12, seed=s, device="cpu", stop_on_solve=False)
        for s in (5, 5, 6)
    ]
    a, b, c = ([h.best_fitness for h in r.history] for r in runs)
    assert a == b  # same seed, same run
    assert a != c
    h = runs[0].history  # better than the initial population, at the top and on average
    assert runs[0].best_fitness > a[0]
    assert h[-1].mean_fitness > h[0].mean_fitness + 0.1
    assert runs[0].evaluations == 12 * 150


def test_solves_xor_and_best_genome_is_a_solution_for_neat_python():
    config = _config()
    r = evolve(NEAT(config), XOR(), generations=300, seed=2, device="cpu")
    assert r.solved
    assert _neat_xor_fitness(r.best, config) == pytest.approx(r.best_fitness, abs=1e-5)
    assert _neat_xor_fitness(r.best, config) >= 3.9 - 1e-5


def test_size_mismatch_names_both_numbers_and_key():
    s = NEAT(_config())
    with pytest.raises(ConfigError, match=r"3 inputs.*\[DefaultGenome\] num_inputs = 2"):
        s.setup(num_inputs=3, num_outputs=1, seed=0, device=CPU, dtype=torch.float32)
    with pytest.raises(ConfigError, match=r"2 outputs.*num_outputs = 1"):
        s.setup(num_inputs=2, num_outputs=2, seed=0, device=CPU, dtype=torch.float32)


def test_extinction_raises_or_resets_like_neat_python(tmp_path):
    stagnant = dict(species_elitism=0, max_stagnation=1)

    def constant(genomes, config):
        for _, g in genomes:
            g.fitness = 1.0

    ref = neat.Population(_config(tmp_path, **stagnant), seed=0)
    with pytest.raises(neat.population.CompleteExtinctionException):
        ref.run(constant, 10)
    extinct_at = ref.generation

    s = NEAT(_config(tmp_path, **stagnant))
    s.setup(num_inputs=2, num_outputs=1, seed=0, device=CPU, dtype=torch.float32)
    with pytest.raises(StrategyError, match="reset_on_extinction = True") as info:
        for _ in range(10):
            s.ask()
            s.tell(torch.ones(s.population_size))
    assert f"generation {extinct_at}" in str(info.value)

    rec = Recorder()
    s = NEAT(_config(tmp_path, reset_on_extinction="True", **stagnant), reporters=[rec])
    s.setup(num_inputs=2, num_outputs=1, seed=0, device=CPU, dtype=torch.float32)
    for _ in range(extinct_at + 2):
        s.ask()
        s.tell(torch.ones(s.population_size))
    assert ("extinction",) in rec.events
    assert s.population_size == 150 and s.info()["species"] >= 1


def test_state_dict_round_trip_continues_identically():
    task = XOR()
    s = NEAT(_config())
    s.setup(num_inputs=2, num_outputs=1, seed=4, device=CPU, dtype=torch.float64)
    for _ in range(3):
        s.tell(task.evaluate(s.ask()))
    state = json.loads(json.dumps(s.state_dict()))  # plain JSON data
    cont = []
    for _ in range(3):
        f = task.evaluate(s.ask())
        cont.append(f.tolist())
        s.tell(f)
    r = NEAT(_config()).to(CPU, torch.float64)
    r.load_state_dict(state)
    resumed = []
    for _ in range(3):
        f = task.evaluate(r.ask())
        resumed.append(f.tolist())
        r.tell(f)
    assert resumed == cont
    assert r.best_fitness == s.best_fitness


def test_from_experiment_and_registry(tmp_path):
    s = registry.make_strategy(
        "neat", {"config": "xor.ini", "pop_size": 40}, task=XOR(), base_dir=CONFIGS
    )
    assert isinstance(s, PythonNEAT) and s.config.pop_size == 40
    assert load_config(CONFIGS / "xor.ini").pop_size == 150
    with pytest.raises(ConfigError, match="pop_sise"):
        registry.make_strategy(
            "neat", {"config": "xor.ini", "pop_sise": 40}, task=XOR(), base_dir=CONFIGS
        )
    with pytest.raises(ConfigError, match="config"):
        registry.make_strategy("neat", {}, task=XOR(), base_dir=CONFIGS)
    with pytest.raises(ConfigError, match="no such neat-python config file"):
        registry.make_strategy("neat", {"config": "nope.ini"}, task=XOR(), base_dir=CONFIGS)
    with pytest.raises(ConfigError, match="unknown strategy 'neet'.*neat"):
        registry.make_strategy("neet", {}, task=XOR(), base_dir=CONFIGS)
    with pytest.raises(ConfigError, match="pop_size"):
        NEAT(_config(), pop_size=1)


def test_public_name():
    assert ne.NEAT is NEAT and ne.PythonNEAT is PythonNEAT
