"""The best controller's episode: recorded like a rollout, rendered into the run folder."""

import torch

import neuroevo as ne
from neuroevo.run.cli import run_experiment


def test_recorded_episode_matches_the_rollout_score(tmp_path):
    cfg = ne.load_config("configs/cartpole.ini")
    strategy = ne.NEAT(cfg)
    task = ne.tasks.Control("CartPole-v1", episodes=1)
    result = ne.evolve(strategy, task, generations=2, seed=0, device="cpu", dtype=torch.float64)
    net = ne.compile_population([result.best], cfg.genome_config, device="cpu", dtype=torch.float64)
    g = torch.Generator().manual_seed(5)
    score = task.episode_scores(net, generator=g)[0, 0]
    seed = task.last_seed
    states, rewards = task.record_episode(net, seed=seed)
    assert states.shape == (len(rewards) + 1, 4)
    assert float(rewards.sum()) == float(score)
    # the episode ends where CartPole-v1 says: pole past 12 degrees, cart past 2.4, or 500 steps
    last = states[-1]
    assert len(rewards) == 500 or abs(float(last[0])) > 2.4 or abs(float(last[2])) > 0.2094


def test_run_folder_renders_the_best_controllers_episode(tmp_path):
    run_experiment("configs/cartpole.toml", seed=1, generations=2, out=tmp_path, quiet=True)
    for name in ("episode.png", "episode_frames.png"):
        data = (tmp_path / name).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5000


def _recorded_plot(monkeypatch, out, env_name, ini, max_steps):
    """Run EpisodePlot after one NEAT generation; return (figure, kwargs of plot_episode)."""
    import neuroevo.viz.plots as plots

    seen = {}
    real = plots.plot_episode

    def spy(states, **kwargs):
        seen["states"], seen["kwargs"] = states, kwargs
        seen["fig"] = real(states, **kwargs)
        return seen["fig"]

    monkeypatch.setattr(plots, "plot_episode", spy)
    cfg = ne.load_config(f"configs/{ini}")
    from neuroevo.reporting.episode import EpisodePlot

    ne.evolve(
        ne.NEAT(cfg, pop_size=10),
        ne.tasks.Control(env_name, max_steps=max_steps),
        generations=1,
        seed=0,
        device="cpu",
        dtype=torch.float64,
        reporters=[EpisodePlot(out)],
    )
    assert (out / "episode.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    return seen


def _replay(env_name, actions, max_steps):
    """The states a fresh environment goes through under ``actions`` (same seed as the plot)."""
    env = ne.envs.make(
        env_name,
        1,
        device="cpu",
        dtype=torch.float64,
        max_episode_steps=max_steps,
        autoreset_mode="Disabled",
    )
    env.reset(seed=0)
    states = [env.state[0].clone()]
    for a in actions:
        env.step(a.reshape(1, -1) if a.dtype.is_floating_point else a.reshape(1))
        states.append(env.state[0].clone())
    return torch.stack(states)


def test_double_pole_episode_names_its_states_and_draws_the_force(monkeypatch, tmp_path):
    seen = _recorded_plot(monkeypatch, tmp_path, "DoublePole-v0", "double_pole.ini", 40)
    ylabels = [ax.get_ylabel() for ax in seen["fig"].axes]
    assert ylabels == [
        "x",
        "x_dot",
        "theta1",
        "theta1_dot",
        "theta2",
        "theta2_dot",
        "action: force",
        "reward",
    ]
    actions = seen["kwargs"]["actions"]
    assert actions.shape == (len(seen["kwargs"]["rewards"]), 1)
    assert float(actions.abs().max()) <= 1.0  # NEAT's force, in units of 10 N
    # the drawn actions are the ones that moved the carts: replaying them gives the states
    assert torch.equal(_replay("DoublePole-v0", actions, 40), seen["states"])


def test_cartpole_episode_draws_named_discrete_actions(monkeypatch, tmp_path):
    seen = _recorded_plot(monkeypatch, tmp_path, "CartPole-v1", "cartpole.ini", 60)
    action_ax = seen["fig"].axes[4]
    assert action_ax.get_ylabel() == "action"
    assert [t.get_text() for t in action_ax.get_yticklabels()] == ["push left", "push right"]
    actions = seen["kwargs"]["actions"]
    assert not actions.dtype.is_floating_point and set(actions.tolist()) <= {0, 1}
    assert torch.equal(_replay("CartPole-v1", actions, 60), seen["states"])
