"""NEAT with feed_forward = False evolves through the recurrent compiler."""

import neat
import pytest
import torch

import neuroevo as ne
from neuroevo.compile.recurrent import RecurrentPopulationNetwork
from neuroevo.errors import ConfigError


def recurrent_config(tmp_path):
    text = (
        open("configs/xor.ini")
        .read()
        .replace("feed_forward            = True", "feed_forward = False")
    )
    text = text.replace("feed_forward = True", "feed_forward = False")
    assert "feed_forward = False" in text
    path = tmp_path / "xor-recurrent.ini"
    path.write_text(text)
    return ne.load_config(path)


def test_recurrent_neat_evolves_and_scores_like_neat_python(tmp_path):
    cfg = recurrent_config(tmp_path)
    strategy = ne.NEAT(cfg)
    task = ne.tasks.XOR()
    result = ne.evolve(strategy, task, generations=5, seed=2, device="cpu", dtype=torch.float64)
    assert isinstance(strategy.ask(), RecurrentPopulationNetwork)
    # the reported fitness is that of one RecurrentNetwork.activate per case from a fresh net
    ref = 4.0
    for x, y in zip(task.inputs.tolist(), task.targets[:, 0].tolist()):
        net = neat.nn.RecurrentNetwork.create(result.best, strategy.config)
        ref -= (net.activate(x)[0] - y) ** 2
    assert result.best_fitness == pytest.approx(ref, rel=1e-9)
    assert result.history[-1].best_fitness_so_far >= result.history[0].best_fitness


def test_refinement_of_recurrent_genomes_is_refused(tmp_path):
    cfg = recurrent_config(tmp_path)
    with pytest.raises(ConfigError, match="feed_forward"):
        ne.NEAT(cfg, refine=ne.GradientRefinement(ne.tasks.XOR()))
