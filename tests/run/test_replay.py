"""``neuroevo replay``: the best candidate's episode as a GIF drawn by gymnasium's renderer.

References: the episode is played again here by an independent policy (neat-python's own
``FeedForwardNetwork`` for NEAT, the plain ``nn.Module`` with the saved parameters for PSO)
and each of its states is drawn by gymnasium's own renderer (a torch environment's state
set into gymnasium's ``env.unwrapped.state``); LunarLander is played in gymnasium itself.
Frame ``i`` of the GIF must be that picture (GIF merges identical consecutive frames into a
longer one, so frames are counted by their durations).
"""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch

pytest.importorskip("gymnasium")
pytest.importorskip("pygame")
PIL = pytest.importorskip("PIL")

from PIL import Image, ImageSequence  # noqa: E402

import neuroevo as ne  # noqa: E402
from neuroevo.run.cli import run_experiment  # noqa: E402
from neuroevo.run.replay import replay_command  # noqa: E402
from neuroevo.viz.gif import gif_frame  # noqa: E402

CONFIGS = Path(__file__).resolve().parents[2] / "configs"
STEPS = 40


def gif_frames(path: Path) -> tuple[list[np.ndarray], float]:
    """The frames a viewer shows, one per frame period (merged frames repeated), and fps."""
    with Image.open(path) as im:
        shown = [(np.asarray(f.convert("RGB")), f.info["duration"])
                 for f in ImageSequence.Iterator(im)]
    period = min(d for _, d in shown)
    frames = [f for f, d in shown for _ in range(round(d / period))]
    return frames, 1000 / period


def gymnasium_renders(env_id: str, states: list[np.ndarray]) -> list[np.ndarray]:
    """gymnasium's own pictures of ``states`` (its ``env.unwrapped.state`` set to each)."""
    import gymnasium

    env = gymnasium.make(env_id, render_mode="rgb_array")
    env.reset(seed=0)
    out = []
    for s in states:
        env.unwrapped.state = np.asarray(s, dtype=np.float64).copy()
        out.append(env.render().copy())
    env.close()
    return out


def play_cartpole(task, act) -> list[np.ndarray]:
    """States of one CartPole-v1 episode (seed 0, at most STEPS steps), action ``act(inputs)``
    on the task's normalised observations."""
    env = ne.envs.make("CartPole-v1", 1, device="cpu", dtype=torch.float64,
                       max_episode_steps=task.max_steps, autoreset_mode="Disabled")
    norm = task._normalizer(torch.device("cpu"), torch.float64)
    obs, _ = env.reset(seed=0)
    states = [env.state[0].numpy().copy()]
    for _ in range(STEPS):
        action = act(norm(obs)[0])
        obs, _, terminated, truncated, _ = env.step(torch.tensor([action]))
        states.append(env.state[0].numpy().copy())
        if bool(terminated[0] | truncated[0]):
            break
    return states


@pytest.fixture(scope="module")
def neat_run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("replay") / "cartpole"
    run_experiment(CONFIGS / "cartpole.toml", generations=2, out=out, quiet=True,
                   checkpoint_every=0)
    return out


def test_cartpole_neat_gif_is_gymnasiums_render_of_each_state(neat_run, tmp_path):
    import neat

    target, n = replay_command(neat_run, out=tmp_path / "cp.gif", steps=STEPS)
    cfg = ne.load_config(neat_run / "experiment" / "cartpole.ini")
    net = neat.nn.FeedForwardNetwork.create(
        ne.load_genome(neat_run / "best_genome.json", cfg.genome_config), cfg)
    task = ne.tasks.Control("CartPole-v1", episodes=25, obs_norm="auto", action="argmax")
    states = play_cartpole(task, lambda x: int(np.argmax(net.activate(x.tolist()))))
    reference = gymnasium_renders("CartPole-v1", states)
    frames, fps = gif_frames(target)
    assert n == len(reference) == len(frames)
    assert fps == 50  # gymnasium's render_fps for CartPole: real time
    for i, (got, want) in enumerate(zip(frames, reference)):
        assert np.array_equal(got, want), f"frame {i} differs from gymnasium's render"


def test_every_keeps_one_state_in_k(neat_run, tmp_path):
    target, n = replay_command(neat_run, out=tmp_path / "every.gif", steps=STEPS, every=3)
    full, _ = gif_frames(replay_command(neat_run, out=tmp_path / "all.gif", steps=STEPS)[0])
    frames, fps = gif_frames(target)
    assert n == len(frames) == math.ceil(len(full) / 3)
    assert fps == pytest.approx(50 / 3, rel=0.05)  # real time: 60 ms a frame
    for got, want in zip(frames, full[::3]):
        assert np.array_equal(got, want)


@pytest.mark.slow
def test_pso_run_gif_plays_the_saved_parameters(tmp_path):
    from neuroevo.compile.params import load_flat_parameters

    out = tmp_path / "pso"
    run_experiment(CONFIGS / "cartpole_pso.toml", generations=1, out=out, quiet=True,
                   checkpoint_every=0)
    target, n = replay_command(out, steps=STEPS)
    assert target == out / "replay.gif"
    params = torch.tensor(json.loads((out / "best_params.json").read_text())["params"],
                          dtype=torch.float64)
    module = load_flat_parameters(
        ne.MLP(4, [8], 2, activation="tanh", output_activation="identity").double(), params)
    task = ne.tasks.Control("CartPole-v1", episodes=5, obs_norm="auto", action="argmax")
    with torch.no_grad():
        states = play_cartpole(task, lambda x: int(module(x).argmax()))
    reference = gymnasium_renders("CartPole-v1", states)
    frames, _ = gif_frames(target)
    assert n == len(reference) == len(frames)
    for i, (got, want) in enumerate(zip(frames, reference)):
        assert np.array_equal(got, want), f"frame {i} differs from gymnasium's render"


LANDER_TOML = """
[experiment]
generations = 1
seed = 1
device = "cpu"

[task]
name = "gym:LunarLander-v3"
episodes = 1
max_steps = 30
action = "argmax"

[strategy]
name = "neat"
config = "lander.ini"
"""


@pytest.mark.slow
def test_lunarlander_gif_is_gymnasiums_own_episode(tmp_path):
    pytest.importorskip("Box2D")
    import gymnasium
    import neat

    ini = (CONFIGS / "lunarlander.ini").read_text().replace("pop_size              = 150",
                                                            "pop_size              = 8")
    assert "pop_size              = 8" in ini
    (tmp_path / "lander.ini").write_text(ini)
    (tmp_path / "lander.toml").write_text(LANDER_TOML)
    out = tmp_path / "run"
    run_experiment(tmp_path / "lander.toml", out=out, quiet=True, checkpoint_every=0)
    target, n = replay_command(out, steps=20)

    cfg = ne.load_config(out / "experiment" / "lander.ini")
    net = neat.nn.FeedForwardNetwork.create(
        ne.load_genome(out / "best_genome.json", cfg.genome_config), cfg)
    env = gymnasium.make("LunarLander-v3", render_mode="rgb_array", max_episode_steps=30)
    obs, _ = env.reset(seed=0)
    reference = [env.render().copy()]
    for _ in range(20):
        obs, _, terminated, truncated, _ = env.step(int(np.argmax(net.activate(obs.tolist()))))
        reference.append(env.render().copy())
        if terminated or truncated:
            break
    env.close()
    frames, fps = gif_frames(target)
    assert n == len(reference) == len(frames)
    assert fps == 50
    # more than 256 colours (anti-aliased edges): the GIF holds Pillow's 256-colour frame
    for i, (got, want) in enumerate(zip(frames, reference)):
        quantized = np.asarray(gif_frame(want).convert("RGB"))
        assert np.array_equal(got, quantized), f"frame {i} differs from gymnasium's render"
        assert np.abs(got.astype(int) - want).mean() < 1.0


def test_without_a_best_candidate_the_error_says_so(neat_run, tmp_path):
    from neuroevo.errors import CheckpointError

    folder = tmp_path / "copy"
    shutil.copytree(neat_run, folder)
    (folder / "best_genome.json").unlink()
    with pytest.raises(CheckpointError, match="no best_genome.json nor best_params.json"):
        replay_command(folder)


def test_double_pole_and_supervised_tasks_cannot_be_replayed():
    from neuroevo.errors import TaskError
    from neuroevo.reporting.replay import episode_frames, twin_renderer
    from neuroevo.run.registry import make_task

    with pytest.raises(TaskError, match="DoublePole-v0 has no gymnasium renderer"):
        twin_renderer("DoublePole-v0")
    with pytest.raises(TaskError, match="not a control task"):
        episode_frames(make_task("xor"), None)


def test_replay_gif_reporter_writes_the_best_candidates_episode(tmp_path):
    from neuroevo.reporting.replay import ReplayGif

    task = ne.tasks.Control("CartPole-v1", max_steps=STEPS, action="argmax")
    strategy = ne.PSO(ne.MLP(4, [8], 2), pop_size=10)
    ne.evolve(strategy, task, generations=1, seed=0, device="cpu", dtype=torch.float64,
              reporters=[ReplayGif(tmp_path, steps=STEPS)])
    with torch.no_grad():
        module = strategy.best_module().double()
        states = play_cartpole(task, lambda x: int(module(x).argmax()))
    frames, _ = gif_frames(tmp_path / "replay.gif")
    reference = gymnasium_renders("CartPole-v1", states)
    assert len(frames) == len(reference)
    assert all(np.array_equal(a, b) for a, b in zip(frames, reference))
