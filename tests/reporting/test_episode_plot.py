"""The best controller's episode: recorded like a rollout, rendered into the run folder."""

import torch

import neuroevo as ne
from neuroevo.run.cli import run_experiment


def test_recorded_episode_matches_the_rollout_score(tmp_path):
    cfg = ne.load_config("configs/cartpole.ini")
    strategy = ne.NEAT(cfg)
    task = ne.tasks.Control("CartPole-v1", episodes=1)
    result = ne.evolve(strategy, task, generations=2, seed=0, device="cpu", dtype=torch.float64)
    net = ne.compile_population([result.best], cfg.genome_config, device="cpu",
                                dtype=torch.float64)
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
