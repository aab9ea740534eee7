"""Island runs in this process (synchronous mode, no Ray): reproducible, resumable, checked."""

from __future__ import annotations

import neat
import pytest
import torch

import neuroevo as ne
from neuroevo.errors import CheckpointError, ConfigError, StrategyError
from neuroevo.islands.islands import Islands


def pso_islands(n=3, **kw):
    strategies = [ne.PSO(ne.MLP(2, [4], 1), pop_size=12, reset_module=True) for _ in range(n)]
    kw = {
        "migration_interval": 3,
        "migrants": 2,
        "seed": 7,
        "asynchronous": False,
        "backend": "local",
        "stop_on_solve": False,
        **kw,
    }
    return Islands(strategies, ne.tasks.XOR(), **kw)


def neat_islands(**kw):
    strategies = [ne.NEAT(ne.load_config("configs/xor.ini"), pop_size=16) for _ in range(2)]
    kw = {
        "migration_interval": 2,
        "migrants": 2,
        "seed": 3,
        "asynchronous": False,
        "backend": "local",
        "stop_on_solve": False,
        **kw,
    }
    return Islands(strategies, ne.tasks.XOR(), **kw)


def figures(result):
    """Everything of a history but the wall times."""
    return [
        [
            (
                g.generation,
                g.best_fitness,
                g.mean_fitness,
                g.best_fitness_so_far,
                g.evaluations,
                g.immigrants,
            )
            for g in h
        ]
        for h in result.histories
    ]


def test_synchronous_islands_are_reproducible_and_exchange_every_interval():
    first, again = pso_islands().run(9), pso_islands().run(9)
    assert figures(first) == figures(again)
    assert torch.equal(first.best, again.best) and first.best_fitness == again.best_fitness
    assert figures(pso_islands(seed=8).run(9)) != figures(first)
    assert first.generations == [9, 9, 9]
    for h in first.histories:  # migrants arrive at generations 2, 5, 8 (every 3rd)
        assert [g.immigrants for g in h] == [0, 0, 2] * 3
    assert first.evaluations == 3 * (9 * 12 + 3 * 2)
    best = max(g.best_fitness_so_far for h in first.histories for g in h)
    assert first.best_fitness == best
    assert first.best_island in range(3) and not first.asynchronous


def test_neat_islands_exchange_genomes_and_give_the_best_genome():
    result = neat_islands().run(6)
    assert result.generations == [6, 6]
    assert sum(g.immigrants for h in result.histories for g in h) == 2 * 3 * 2
    assert isinstance(result.best, neat.DefaultGenome)
    net = neat.nn.FeedForwardNetwork.create(result.best, ne.load_config("configs/xor.ini"))
    sse = sum(
        (net.activate(x)[0] - y) ** 2
        for x, y in zip([(0, 0), (0, 1), (1, 0), (1, 1)], [0, 1, 1, 0])
    )
    assert result.best_fitness == pytest.approx(4 - sse, abs=1e-5)


@pytest.mark.parametrize("make", [pso_islands, neat_islands], ids=["pso", "neat"])
def test_a_resumed_synchronous_run_equals_the_uninterrupted_one(tmp_path, make):
    whole = make().run(8)
    part = make(checkpoint_dir=tmp_path, checkpoint_every=3).run(4)
    assert part.generations == [4] * len(part.generations)
    assert sorted(p.name for p in tmp_path.iterdir())[0] == "island-0.ckpt"
    resumed = make(checkpoint_dir=tmp_path).run(8, resume=True)
    assert figures(resumed) == figures(whole)
    assert resumed.best_fitness == whole.best_fitness


def test_a_solution_stops_every_island():
    result = pso_islands(stop_on_solve=True).run(200)
    assert result.solved and result.best_fitness >= 3.9
    assert max(result.generations) < 200


def test_bad_arguments_say_what_to_do(tmp_path):
    xor = ne.tasks.XOR()
    pso = ne.PSO(ne.MLP(2, [4], 1), pop_size=4)
    with pytest.raises(ConfigError, match="asynchronous=False"):
        Islands([pso], xor, backend="local")
    with pytest.raises(ConfigError, match="cannot exchange"):
        Islands(
            [pso, ne.NEAT(ne.load_config("configs/xor.ini"))],
            xor,
            asynchronous=False,
            backend="local",
        )
    with pytest.raises(ConfigError, match="smaller than every island"):
        Islands([pso], xor, migrants=4, asynchronous=False, backend="local")
    with pytest.raises(StrategyError, match="local_sgd"):
        Islands([ne.GradientDescent(ne.MLP(2, [4], 1), task=xor)], xor)
    with pytest.raises(ConfigError, match="checkpoint_dir"):
        Islands([pso], xor, checkpoint_every=2, asynchronous=False, backend="local")
    with pytest.raises(ConfigError, match="resume"):
        Islands([pso], xor, asynchronous=False, backend="local").run(3, resume=True)
    with pytest.raises(ConfigError, match="topology"):
        Islands([pso], xor, topology="star")
    with pytest.raises(ConfigError, match="migration_interval"):
        Islands([pso], xor, migration_interval=0)
    pso_islands(checkpoint_dir=tmp_path).run(2)
    with pytest.raises(CheckpointError, match="with the same island"):
        pso_islands(checkpoint_dir=tmp_path, migrants=1).run(4, resume=True)
