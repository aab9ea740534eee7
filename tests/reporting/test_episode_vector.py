"""episode.png for the evolution strategies over flat parameter vectors (GA, PSO, SA).

The reference is the plain ``nn.Module`` with the best parameters (``best_module()``)
playing CartPole by argmax in a fresh environment: its actions and states are the ones
drawn.
"""

from __future__ import annotations

import pytest
import torch

import neuroevo as ne
from neuroevo.reporting.episode import EpisodePlot

STEPS = 60


def _played_by_the_module(module):
    """Actions and states of ``module`` on CartPole-v1, seed 0, argmax of its outputs."""
    env = ne.envs.make(
        "CartPole-v1",
        1,
        device="cpu",
        dtype=torch.float64,
        max_episode_steps=STEPS,
        autoreset_mode="Disabled",
    )
    obs, _ = env.reset(seed=0)
    states, actions = [env.state[0].clone()], []
    with torch.no_grad():
        for _ in range(STEPS):
            action = module(obs).argmax(-1)
            obs, _, terminated, truncated, _ = env.step(action)
            states.append(env.state[0].clone())
            actions.append(action[0])
            if bool(terminated[0] | truncated[0]):
                break
    return torch.stack(actions), torch.stack(states)


@pytest.mark.parametrize(
    "make",
    [
        lambda net: ne.PSO(net, pop_size=10, reset_module=True),
        lambda net: ne.GA(net, pop_size=10, reset_module=True),
        lambda net: ne.SimulatedAnnealing(net, pop_size=10, reset_module=True),
    ],
    ids=["pso", "ga", "sa"],
)
def test_episode_png_plays_the_best_parameters(make, monkeypatch, tmp_path):
    import neuroevo.viz.plots as plots

    seen = {}
    real = plots.plot_episode

    def spy(states, **kwargs):
        seen["states"], seen["kwargs"] = states, kwargs
        return real(states, **kwargs)

    monkeypatch.setattr(plots, "plot_episode", spy)
    strategy = make(ne.MLP(4, [8], 2))
    task = ne.tasks.Control("CartPole-v1", max_steps=STEPS, action="argmax")
    ne.evolve(
        strategy,
        task,
        generations=2,
        seed=0,
        device="cpu",
        dtype=torch.float64,
        reporters=[EpisodePlot(tmp_path)],
    )
    assert (tmp_path / "episode.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (tmp_path / "episode_frames.png").is_file()
    assert "best parameters" in seen["kwargs"]["title"]

    actions, states = _played_by_the_module(strategy.best_module().double())
    assert torch.equal(seen["kwargs"]["actions"], actions)
    assert torch.equal(seen["states"], states)
    assert len(seen["kwargs"]["rewards"]) == len(actions)
