"""A long episode is replayed only for its first steps, said first, and drawn with a bounded
number of points that keep its extremes.

The references are a fresh environment stepped with the drawn actions, and the recorded
states' own minima and maxima.
"""

import io

import pytest
import torch

import neuroevo as ne
from neuroevo.reporting.episode import RECORD_STEPS, EpisodePlot
from neuroevo.viz.figure import MAX_POINTS

pytest.importorskip("matplotlib")


def _plot(monkeypatch, out, env_name, ini, max_steps, **task):
    """EpisodePlot after one NEAT generation: (what it printed, plot_episode's arguments and
    figure)."""
    import neuroevo.viz.plots as plots

    seen, real = {}, plots.plot_episode

    def spy(states, **kwargs):
        seen.update(states=states, kwargs=kwargs, fig=real(states, **kwargs))
        return seen["fig"]

    monkeypatch.setattr(plots, "plot_episode", spy)
    said = io.StringIO()
    ne.evolve(
        ne.NEAT(ne.load_config(f"configs/{ini}"), pop_size=4),
        ne.tasks.Control(env_name, max_steps=max_steps, **task),
        generations=1,
        seed=0,
        device="cpu",
        dtype=torch.float64,
        reporters=[EpisodePlot(out, stream=said)],
    )
    return said.getvalue(), seen


def test_a_long_episode_is_cut_said_and_thinned(monkeypatch, tmp_path):
    limit = RECORD_STEPS + 500  # Pendulum never ends early: the cut is what stops it
    said, seen = _plot(monkeypatch, tmp_path, "Pendulum-v1", "pendulum.ini", limit, action="scale")
    assert said == f"episode.png: replaying the best genome for up to {RECORD_STEPS:,} steps ...\n"
    states, actions = seen["states"], seen["kwargs"]["actions"]
    assert states.shape[0] == RECORD_STEPS + 1 and len(actions) == RECORD_STEPS
    assert f"first {RECORD_STEPS:,} of up to {limit:,} steps" in seen["kwargs"]["title"]
    env = ne.envs.make(
        "Pendulum-v1",
        1,
        device="cpu",
        dtype=torch.float64,
        max_episode_steps=limit,
        autoreset_mode="Disabled",
    )
    env.reset(seed=0)
    replayed = [env.state[0].clone()]
    for a in actions:
        env.step(a.reshape(1, -1))
        replayed.append(env.state[0].clone())
    assert torch.equal(torch.stack(replayed), states)  # the winner's own first steps
    for ax in seen["fig"].axes:
        assert all(len(line.get_xdata()) <= MAX_POINTS + 1 for line in ax.get_lines())
    first = [line.get_ydata() for line in seen["fig"].axes[0].get_lines()]
    assert all(len(y) <= MAX_POINTS for y in first)
    assert min(min(y) for y in first) == float(states[:, 0].min())
    assert max(max(y) for y in first) == float(states[:, 0].max())


def test_a_short_episode_is_drawn_whole_and_quietly(monkeypatch, tmp_path):
    said, seen = _plot(monkeypatch, tmp_path, "CartPole-v1", "cartpole.ini", 60)
    assert said == ""
    assert "one episode of" in seen["kwargs"]["title"]
    states = seen["states"]
    assert [len(line.get_xdata()) for line in seen["fig"].axes[0].get_lines()] == [len(states)]


class OldControl(ne.tasks.Control):
    """A user's task whose record_episode was written before it took ``steps=``."""

    def record_episode(self, policy, seed=0):
        return super().record_episode(policy, seed=seed)


def test_a_task_whose_record_episode_takes_no_steps_is_drawn_whole(tmp_path):
    task = OldControl("CartPole-v1", max_steps=60)
    plot = EpisodePlot(tmp_path)
    ne.evolve(
        ne.NEAT(ne.load_config("configs/cartpole.ini"), pop_size=4),
        task,
        generations=1,
        seed=0,
        device="cpu",
        dtype=torch.float64,
        reporters=[plot],
    )
    assert (tmp_path / "episode.png").exists() and not plot.notes
