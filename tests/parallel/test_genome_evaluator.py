"""A neat-python user's unchanged ``eval_genome(genome, config)`` on worker processes and Ray
gives neat-python's own serial run: every genome's fitness in every generation and the best
genome, against ``neat.Population.run`` with the serial loop and with
``neat.ParallelEvaluator(2, eval_genome)``."""

from __future__ import annotations

import contextlib
import copy
import os
import pickle
import random
import subprocess
import sys
import types

import neat
import pytest

import neuroevo as ne
from neuroevo.errors import ConfigError
from neuroevo.parallel.backend import SerialBackend
from neuroevo.parallel.genome_evaluator import EvalGenomeError, chunks

XOR = [((0.0, 0.0), 0.0), ((0.0, 1.0), 1.0), ((1.0, 0.0), 1.0), ((1.0, 1.0), 0.0)]


def eval_genome(genome, config):
    """neat-python's XOR example, per genome (as neat.ParallelEvaluator takes it)."""
    net = neat.nn.FeedForwardNetwork.create(genome, config)
    return 4.0 - sum((net.activate(x)[0] - y) ** 2 for x, y in XOR)


def eval_cartpole(genome, config):
    """One gymnasium CartPole episode from a fixed start; the return is the fitness."""
    import gymnasium

    net = neat.nn.FeedForwardNetwork.create(genome, config)
    env = gymnasium.make("CartPole-v1")
    observation, _ = env.reset(seed=0)
    total, done = 0.0, False
    while not done:
        out = net.activate(observation)
        observation, reward, terminated, truncated, _ = env.step(int(out[1] > out[0]))
        total += float(reward)
        done = terminated or truncated
    env.close()
    return total


def eval_noisy(genome, config):
    """XOR plus noise from ``random``: reproducible only with a per-genome seed."""
    return eval_genome(genome, config) + random.random()


def eval_fails_on_genome_7(genome, config):
    if genome.key == 7:
        raise ValueError("bad weights")
    return eval_genome(genome, config)


def eval_returns_none(genome, config):
    genome.fitness = eval_genome(genome, config)  # eval_genomes' habit: no return value


def eval_kills_its_worker_once(genome, config):
    """Ends its worker process at the first genome of a worker that removes the marker."""
    if os.getpid() != config.driver_pid:
        try:
            os.remove(config.kill_marker)
        except FileNotFoundError:
            pass
        else:
            os._exit(7)
    return eval_genome(genome, config)


def xor_config(pop_size: int = 30) -> neat.Config:
    config = ne.load_config("configs/xor.ini")
    config.pop_size = pop_size
    return config


def cartpole_config(pop_size: int = 20) -> neat.Config:
    config = ne.load_config("configs/cartpole.ini")
    config.pop_size = pop_size
    return config


class Record(neat.reporting.BaseReporter):
    """Every genome's fitness after every evaluation."""

    def __init__(self) -> None:
        self.generations: list[dict[int, float]] = []

    def post_evaluate(self, config, population, species, best_genome):
        self.generations.append({gid: g.fitness for gid, g in population.items()})


def neat_run(fitness_function, config, generations: int = 4, seed: int = 5):
    """neat.Population(config).run(fitness_function): (each generation's fitness, winner)."""
    random.seed(seed)
    population = neat.Population(config)
    record = Record()
    population.add_reporter(record)
    winner = population.run(fitness_function, generations)
    return record.generations, winner


def serial(eval_one):
    """neat-python's serial loop around a per-genome function."""

    def eval_genomes(genomes, config):
        for _, genome in genomes:
            genome.fitness = eval_one(genome, config)

    return eval_genomes


def genome_form(genome) -> tuple:
    """A genome as plain values: key, fitness, nodes and connections with all attributes."""
    nodes = {k: (n.bias, n.response, n.activation, n.aggregation) for k, n in genome.nodes.items()}
    conns = {k: (c.weight, c.enabled) for k, c in genome.connections.items()}
    return genome.key, genome.fitness, nodes, conns


def same_run(reference, other) -> None:
    (ref_gens, ref_best), (gens, best) = reference, other
    assert len(gens) == len(ref_gens) >= 2
    for ref, got in zip(ref_gens, gens):
        assert got == ref  # every genome id, every fitness, bit for bit
    assert genome_form(best) == genome_form(ref_best)


@pytest.fixture(scope="module")
def process_evaluator():
    evaluator = ne.GenomeEvaluator(eval_genome, workers=2)
    yield evaluator
    evaluator.close()


def test_xor_on_two_processes_equals_serial_neat_python(process_evaluator):
    same_run(neat_run(serial(eval_genome), xor_config()), neat_run(process_evaluator, xor_config()))


def evolved_genomes(generations: int = 4) -> list[tuple[int, object]]:
    """The population after a few serial generations: genomes of different shapes."""
    random.seed(5)
    population = neat.Population(xor_config())
    population.run(serial(eval_genome), generations)
    return list(population.population.items())


def fitness_of(evaluate, genomes, config) -> dict[int, float]:
    """What ``evaluate(genomes, config)`` sets, on copies of the genomes."""
    copies = [(gid, copy.deepcopy(g)) for gid, g in genomes]
    for _, g in copies:
        g.fitness = None
    evaluate(copies, config)
    return {gid: g.fitness for gid, g in copies}


def test_every_genome_scores_as_with_neat_parallel_evaluator(process_evaluator):
    genomes, config = evolved_genomes(), xor_config()
    assert len({len(g.nodes) for _, g in genomes}) > 1  # hidden nodes added
    with neat.ParallelEvaluator(2, eval_genome) as theirs:
        expected = fitness_of(theirs.evaluate, genomes, config)
    assert fitness_of(process_evaluator, genomes, config) == expected


def serial_pickling(eval_one):
    """neat-python's serial loop, pickling the genome and config as neat.ParallelEvaluator
    sends them to its pool (once per genome)."""

    def eval_genomes(genomes, config):
        for _, genome in genomes:
            pickle.dumps((genome, config))
            genome.fitness = eval_one(genome, config)

    return eval_genomes


def test_neat_parallel_evaluators_runs_differ_from_serial_by_its_pickles_only():
    """Pickling the config takes a new-node id from the driver's counter
    (``DefaultGenomeConfig.__getstate__``), so neat.ParallelEvaluator's runs leave neat-python's
    serial run once a node is added; GenomeEvaluator gives the counter back (the tests above)."""
    with neat.ParallelEvaluator(2, eval_genome) as theirs:
        parallel = neat_run(theirs.evaluate, xor_config())
    same_run(neat_run(serial_pickling(eval_genome), xor_config()), parallel)
    assert parallel[0] != neat_run(serial(eval_genome), xor_config())[0]


@pytest.fixture(scope="module")
def ray_evaluator(ray_session):
    """Two Ray actors for every Ray test (starting actors costs seconds); a test that gives
    it another function sets ``eval_genome`` and puts it back."""
    evaluator = ne.GenomeEvaluator(eval_genome, workers=2, backend="ray")
    yield evaluator
    evaluator.close()
    assert ray_session.is_initialized()  # the session's Ray is not the evaluator's to stop


@contextlib.contextmanager
def evaluating(evaluator, function):
    """``evaluator`` with ``function`` as its eval_genome for the block."""
    evaluator.eval_genome = function
    try:
        yield evaluator
    finally:
        evaluator.eval_genome = eval_genome


def test_xor_on_ray_equals_serial_neat_python(ray_evaluator):
    same_run(neat_run(serial(eval_genome), xor_config()), neat_run(ray_evaluator, xor_config()))


def test_cartpole_on_processes_and_ray_equals_serial_neat_python(process_evaluator, ray_evaluator):
    reference = neat_run(serial(eval_cartpole), cartpole_config(), generations=3)
    with evaluating(process_evaluator, eval_cartpole):
        same_run(reference, neat_run(process_evaluator, cartpole_config(), generations=3))
    with evaluating(ray_evaluator, eval_cartpole):
        same_run(reference, neat_run(ray_evaluator, cartpole_config(), generations=3))
    assert len(set(reference[0][-1].values())) > 1  # episodes of different lengths


def test_a_function_of_the_main_script_runs_on_ray(ray_evaluator):
    """neat-python's examples define eval_genome in the script they run; a Ray actor's
    ``__main__`` is Ray's, so the function goes by value."""
    main = {"__name__": "__main__", "XOR": XOR}
    exec(
        "import neat\n"
        "def eval_in_main(genome, config):\n"
        "    net = neat.nn.FeedForwardNetwork.create(genome, config)\n"
        "    return 4.0 - sum((net.activate(x)[0] - y) ** 2 for x, y in XOR)\n",
        main,
    )
    function = main["eval_in_main"]
    assert function.__module__ == "__main__" and not hasattr(
        sys.modules["__main__"], "eval_in_main"
    )
    with evaluating(ray_evaluator, function):
        ours = neat_run(ray_evaluator, xor_config())
    same_run(neat_run(serial(eval_genome), xor_config()), ours)


def test_the_serial_backend_is_neat_pythons_serial_loop():
    same_run(
        neat_run(serial(eval_genome), xor_config()),
        neat_run(ne.GenomeEvaluator(eval_genome), xor_config()),
    )


def test_a_seed_gives_neat_parallel_evaluators_fitness_for_a_random_fitness():
    genomes, config = evolved_genomes(), xor_config()
    with neat.ParallelEvaluator(2, eval_noisy, seed=11) as theirs:
        expected = fitness_of(theirs.evaluate, genomes, config)
    with ne.GenomeEvaluator(eval_noisy, workers=2, seed=11) as evaluator:
        assert fitness_of(evaluator, genomes, config) == expected
    state = random.getstate()
    assert fitness_of(ne.GenomeEvaluator(eval_noisy, seed=11), genomes, config) == expected
    assert random.getstate() == state  # in this process too, the run's random is untouched


def test_a_seed_leaves_the_serial_run_as_it_was():
    same_run(
        neat_run(serial(eval_genome), xor_config()),
        neat_run(ne.GenomeEvaluator(eval_genome, seed=11), xor_config()),
    )


def test_genomes_go_in_slices_about_four_per_worker_in_order():
    assert [list(r) for r in chunks(10, 2)] == [[0, 1], [2, 3], [4, 5], [6, 7], [8, 9]]
    assert sum(len(r) for r in chunks(150, 2)) == 150 and len(chunks(150, 2)) == 8
    assert [list(r) for r in chunks(1, 4)] == [[0]]


def test_an_error_in_eval_genome_is_one_line_naming_the_genome(process_evaluator):
    with (
        evaluating(process_evaluator, eval_fails_on_genome_7),
        pytest.raises(EvalGenomeError) as info,
    ):
        neat_run(process_evaluator, xor_config(), generations=1)
    assert str(info.value) == (
        "eval_genome raised ValueError on genome 7: bad weights; fix eval_genome, or call it "
        "on that genome alone to debug it"
    )
    assert info.value.genome_id == 7
    notes = "\n".join(info.value.__notes__)
    assert "raised in a worker" in notes and 'raise ValueError("bad weights")' in notes


def test_an_error_in_eval_genome_in_this_process_names_the_genome():
    with pytest.raises(EvalGenomeError, match="ValueError on genome 7: bad weights") as info:
        neat_run(ne.GenomeEvaluator(eval_fails_on_genome_7), xor_config(), generations=1)
    assert isinstance(info.value.__cause__, ValueError) and info.value.genome_id == 7


def test_an_error_in_eval_genome_on_ray_names_the_genome(ray_evaluator):
    with (
        evaluating(ray_evaluator, eval_fails_on_genome_7),
        pytest.raises(EvalGenomeError, match="genome 7: bad weights") as info,
    ):
        neat_run(ray_evaluator, xor_config(), generations=1)
    assert 'raise ValueError("bad weights")' in "\n".join(info.value.__notes__)
    # and the actors go on with the next run, the failed generation's slices dropped
    same_run(neat_run(serial(eval_genome), xor_config()), neat_run(ray_evaluator, xor_config()))


def test_no_return_value_is_one_line_naming_the_genome(process_evaluator):
    with evaluating(process_evaluator, eval_returns_none), pytest.raises(EvalGenomeError) as info:
        neat_run(process_evaluator, xor_config(), generations=1)
    assert str(info.value) == (
        "eval_genome returned NoneType None for genome 1; it must return the genome's fitness "
        "as a number (neat.ParallelEvaluator's contract), not set genome.fitness"
    )


def test_a_killed_worker_is_replaced_and_the_run_is_unchanged(process_evaluator, tmp_path):
    marker = tmp_path / "kill"
    config = xor_config()
    config.driver_pid, config.kill_marker = os.getpid(), str(marker)
    reference = neat_run(serial(eval_genome), xor_config())
    marker.touch()
    with evaluating(process_evaluator, eval_kills_its_worker_once):
        ours = neat_run(process_evaluator, config)
    assert not marker.exists()  # a worker did end its process
    same_run(reference, ours)


def test_a_function_that_does_not_pickle_is_one_line(process_evaluator):
    with (
        evaluating(process_evaluator, lambda genome, config: 1.0),
        pytest.raises(ConfigError, match="define eval_genome with def at module level"),
    ):
        process_evaluator([], xor_config())


def test_a_function_the_workers_cannot_import_is_one_line(process_evaluator):
    """As a function typed at the prompt or in a notebook: its module is the driver's own."""
    module = types.ModuleType("made_in_the_driver")
    exec("def eval_genome(genome, config):\n    return 1.0\n", module.__dict__)
    sys.modules[module.__name__] = module
    try:
        with (
            evaluating(process_evaluator, module.eval_genome),
            pytest.raises(
                EvalGenomeError,
                match="the workers cannot load eval_genome "
                r"or the config \(ModuleNotFoundError: No module named "
                "'made_in_the_driver'\\); define eval_genome at module level",
            ),
        ):
            neat_run(process_evaluator, xor_config(), generations=1)
    finally:
        del sys.modules[module.__name__]
    # the workers take the next set-up as before
    same_run(
        neat_run(serial(eval_genome), xor_config(), generations=2),
        neat_run(process_evaluator, xor_config(), generations=2),
    )


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(eval_genome=3), "eval_genome must be a function"),
        (dict(eval_genome=eval_genome, seed="1"), "seed must be an integer"),
        (dict(eval_genome=eval_genome, workers=0), "workers: expected a positive integer"),
        (dict(eval_genome=eval_genome, backend="threads"), "backend: unknown 'threads'"),
        (
            dict(eval_genome=eval_genome, backend=SerialBackend()),
            r"backend must be one of \['serial', 'process', 'ray'\], got SerialBackend",
        ),
        (dict(eval_genome=eval_genome, workers=2, address="auto"), "is for backend 'ray'"),
    ],
)
def test_bad_arguments_are_one_line(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        ne.GenomeEvaluator(**kwargs)


SCRIPT = """\
import random, sys
import neat
import neuroevo as ne

XOR = [((0.0, 0.0), 0.0), ((0.0, 1.0), 1.0), ((1.0, 0.0), 1.0), ((1.0, 1.0), 0.0)]

def eval_genome(genome, config):
    net = neat.nn.FeedForwardNetwork.create(genome, config)
    return 4.0 - sum((net.activate(x)[0] - y) ** 2 for x, y in XOR)

def run(fitness_function):
    config = ne.load_config(sys.argv[1])
    config.pop_size = 20
    random.seed(3)
    winner = neat.Population(config).run(fitness_function, 3)
    return winner.key, winner.fitness

{main}
"""


def run_script(tmp_path, main: str) -> subprocess.CompletedProcess:
    script = tmp_path / "user_script.py"
    script.write_text(SCRIPT.format(main=main))
    config = os.path.abspath("configs/xor.ini")
    return subprocess.run(
        [sys.executable, str(script), config],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )


@pytest.mark.slow
def test_a_users_script_with_its_own_eval_genome_equals_its_serial_run(tmp_path):
    """``eval_genome`` defined in the user's main script, as neat-python's examples do."""
    proc = run_script(
        tmp_path,
        """\
if __name__ == "__main__":
    def eval_genomes(genomes, config):
        for _, genome in genomes:
            genome.fitness = eval_genome(genome, config)
    with ne.GenomeEvaluator(eval_genome, workers=2) as evaluator:
        print(run(evaluator) == run(eval_genomes), run(eval_genomes))
""",
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("True (")


@pytest.mark.slow
def test_a_script_without_a_main_guard_is_told_so_in_one_line(tmp_path):
    proc = run_script(tmp_path, "print(run(ne.GenomeEvaluator(eval_genome, workers=2)))\n")
    lines = proc.stderr.splitlines()
    assert proc.returncode == 1 and not proc.stdout
    assert lines[-1].startswith(
        "neuroevo.parallel.backend.BackendError: worker processes "
        f"import {tmp_path / 'user_script.py'} again"
    )
    assert 'GenomeEvaluator under `if __name__ == "__main__":`' in lines[-1]
    assert proc.stderr.count("Traceback") == 1
