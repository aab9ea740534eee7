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


def gif_frames(path: Path, fps: float) -> list[np.ndarray]:
    """The frames a viewer of the GIF shows, one per period of ``fps`` frames a second (a
    frame GIF merged with identical followers shows for several periods)."""
    period = round(1000 / fps)
    with Image.open(path) as im:
        shown = [
            (np.asarray(f.convert("RGB")), f.info["duration"]) for f in ImageSequence.Iterator(im)
        ]
    assert all(d % period == 0 for _, d in shown), [d for _, d in shown]
    return [f for f, d in shown for _ in range(d // period)]


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
    env = ne.envs.make(
        "CartPole-v1",
        1,
        device="cpu",
        dtype=torch.float64,
        max_episode_steps=task.max_steps,
        autoreset_mode="Disabled",
    )
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
    run_experiment(
        CONFIGS / "cartpole.toml", generations=2, out=out, quiet=True, checkpoint_every=0
    )
    return out


def test_cartpole_neat_gif_is_gymnasiums_render_of_each_state(neat_run, tmp_path):
    import neat

    target, n = replay_command(neat_run, out=tmp_path / "cp.gif", steps=STEPS)
    cfg = ne.load_config(neat_run / "experiment" / "cartpole.ini")
    net = neat.nn.FeedForwardNetwork.create(
        ne.load_genome(neat_run / "best_genome.json", cfg.genome_config), cfg
    )
    task = ne.tasks.Control("CartPole-v1", episodes=25, obs_norm="auto", action="argmax")
    states = play_cartpole(task, lambda x: int(np.argmax(net.activate(x.tolist()))))
    reference = gymnasium_renders("CartPole-v1", states)
    frames = gif_frames(target, 50)  # gymnasium's render_fps for CartPole: real time
    assert n == len(reference) == len(frames)
    for i, (got, want) in enumerate(zip(frames, reference)):
        assert np.array_equal(got, want), f"frame {i} differs from gymnasium's render"


def test_every_keeps_one_state_in_k(neat_run, tmp_path):
    target, n = replay_command(neat_run, out=tmp_path / "every.gif", steps=STEPS, every=3)
    full = gif_frames(replay_command(neat_run, out=tmp_path / "all.gif", steps=STEPS)[0], 50)
    frames = gif_frames(target, 50 / 3)  # real time: 60 ms a frame
    assert n == len(frames) == math.ceil(len(full) / 3)
    for got, want in zip(frames, full[::3]):
        assert np.array_equal(got, want)


@pytest.mark.slow
@pytest.mark.parametrize("strategy", ["pso", "ga"])
def test_vector_strategy_run_gif_plays_the_saved_parameters(tmp_path, strategy):
    from neuroevo.compile.params import load_flat_parameters

    out = tmp_path / strategy
    run_experiment(
        CONFIGS / f"cartpole_{strategy}.toml",
        generations=1,
        out=out,
        quiet=True,
        checkpoint_every=0,
    )
    target, n = replay_command(out, steps=STEPS)
    assert target == out / "replay.gif"
    params = torch.tensor(
        json.loads((out / "best_params.json").read_text())["params"], dtype=torch.float64
    )
    module = load_flat_parameters(
        ne.MLP(4, [8], 2, activation="tanh", output_activation="identity").double(), params
    )
    task = ne.tasks.Control("CartPole-v1", episodes=5, obs_norm="auto", action="argmax")
    with torch.no_grad():
        states = play_cartpole(task, lambda x: int(module(x).argmax()))
    reference = gymnasium_renders("CartPole-v1", states)
    frames = gif_frames(target, 50)
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

    ini = (
        (CONFIGS / "lunarlander.ini")
        .read_text()
        .replace("pop_size              = 150", "pop_size              = 8")
    )
    assert "pop_size              = 8" in ini
    (tmp_path / "lander.ini").write_text(ini)
    (tmp_path / "lander.toml").write_text(LANDER_TOML)
    out = tmp_path / "run"
    run_experiment(tmp_path / "lander.toml", out=out, quiet=True, checkpoint_every=0)
    target, n = replay_command(out, steps=20)

    cfg = ne.load_config(out / "experiment" / "lander.ini")
    net = neat.nn.FeedForwardNetwork.create(
        ne.load_genome(out / "best_genome.json", cfg.genome_config), cfg
    )
    env = gymnasium.make("LunarLander-v3", render_mode="rgb_array", max_episode_steps=30)
    obs, _ = env.reset(seed=0)
    reference = [env.render().copy()]
    for _ in range(20):
        obs, _, terminated, truncated, _ = env.step(int(np.argmax(net.activate(obs.tolist()))))
        reference.append(env.render().copy())
        if terminated or truncated:
            break
    env.close()
    frames = gif_frames(target, 50)  # LunarLander's render_fps
    assert n == len(reference) == len(frames)
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
    ne.evolve(
        strategy,
        task,
        generations=1,
        seed=0,
        device="cpu",
        dtype=torch.float64,
        reporters=[ReplayGif(tmp_path, steps=STEPS)],
    )
    with torch.no_grad():
        module = strategy.best_module().double()
        states = play_cartpole(task, lambda x: int(module(x).argmax()))
    frames = gif_frames(tmp_path / "replay.gif", 50)
    reference = gymnasium_renders("CartPole-v1", states)
    assert len(frames) == len(reference)
    assert all(np.array_equal(a, b) for a, b in zip(frames, reference))


# --- the command line: one line on stderr, exit status 2, for what cannot be replayed


def _one_line(capsys) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    return err


def test_cli_writes_the_gif_and_says_where(neat_run, tmp_path, capsys):
    from neuroevo.run.cli import main

    target = tmp_path / "cli.gif"
    assert (
        main(["replay", str(neat_run), "--out", str(target), "--steps", "10", "--fps", "20"]) == 0
    )
    assert str(target) in capsys.readouterr().out
    assert len(gif_frames(target, 20)) == 11


def test_cli_without_a_run_folder(tmp_path, capsys):
    from neuroevo.run.cli import main

    assert main(["replay", str(tmp_path / "nope")]) == 2
    assert "no such run folder" in _one_line(capsys)


def test_cli_without_a_best_candidate(neat_run, tmp_path, capsys):
    from neuroevo.run.cli import main

    folder = tmp_path / "copy"
    shutil.copytree(neat_run, folder)
    (folder / "best_genome.json").unlink()
    assert main(["replay", str(folder)]) == 2
    assert "no best_genome.json nor best_params.json" in _one_line(capsys)
    assert not (folder / "replay.gif").exists()


def test_cli_without_pygame(neat_run, tmp_path, capsys, monkeypatch):
    import sys

    from neuroevo.run.cli import main

    monkeypatch.setitem(sys.modules, "pygame", None)  # import pygame raises ImportError
    assert main(["replay", str(neat_run), "--out", str(tmp_path / "x.gif")]) == 2
    assert "pip install pygame" in _one_line(capsys)
    assert not (tmp_path / "x.gif").exists()


def test_cli_refuses_an_out_file_that_is_not_a_gif(neat_run, tmp_path, capsys):
    from neuroevo.run.cli import main

    assert main(["replay", str(neat_run), "--out", str(tmp_path / "x.mp4")]) == 2
    assert "name a .gif file" in _one_line(capsys)


@pytest.mark.parametrize(
    "env_id", ["Acrobot-v1", "MountainCar-v0", "MountainCarContinuous-v0", "Pendulum-v1"]
)
def test_every_torch_environment_is_drawn_by_its_gymnasium_twin(env_id):
    from neuroevo.reporting.replay import episode_frames
    from neuroevo.strategies.parameter_rows import parameter_network

    task = ne.tasks.Control(env_id, max_steps=8)
    module = ne.MLP(task.num_inputs, [4], task.num_outputs)
    n = sum(p.numel() for p in module.parameters())
    params = torch.randn(n, generator=torch.Generator().manual_seed(3), dtype=torch.float64)
    policy = parameter_network(
        module, params, num_inputs=task.num_inputs, num_outputs=task.num_outputs
    )
    frames = episode_frames(task, policy, seed=2, steps=8)
    states, _ = task.record_episode(policy, seed=2, steps=8)
    reference = gymnasium_renders(env_id, [s.numpy() for s in states])
    assert len(frames) == len(reference) == 9
    assert len({f.tobytes() for f in frames}) > 1  # the episode moves
    for got, want in zip(frames, reference):
        assert np.array_equal(got, want)


def test_the_help_states_the_default_number_of_steps():
    import argparse

    from neuroevo.reporting.replay import REPLAY_STEPS
    from neuroevo.run.replay import configure_replay

    parser = argparse.ArgumentParser()
    configure_replay(parser)
    assert f"default {REPLAY_STEPS:,}:" in parser.format_help().replace("\n", " ")
