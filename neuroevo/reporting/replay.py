"""The best candidate's episode as an animated GIF, drawn by gymnasium's own renderer.

:func:`episode_frames` plays one episode of a one-candidate policy with the task's
``record_episode`` (the rollout arithmetic that scored it) and returns RGB frames:

* a torch environment with a gymnasium twin (CartPole, Acrobot, MountainCar,
  MountainCarContinuous, Pendulum: the same id, the same dynamics bit for bit) is played in
  torch, and each recorded state is set into gymnasium's environment
  (``env.unwrapped.state``) and rendered there with ``render_mode="rgb_array"``. Pendulum
  is drawn without gymnasium's torque arrow (the state holds no torque).
* a gymnasium environment (``gym:LunarLander-v3``) is played in gymnasium itself, built
  with ``render_mode="rgb_array"``, and rendered after the reset and after every step.

Frame ``i`` is the state after ``i * every`` steps (frame 0: the start). The double pole
has no gymnasium renderer, so it cannot be replayed. Rendering needs pygame
(``pip install pygame``, or the ``gym`` extra); without it the error says so in one line.

:class:`ReplayGif` is the reporter: ``replay.gif`` in the run folder when the run ends.

Example::

    frames = episode_frames(task, policy, seed=0, steps=500)
    write_gif(frames, "runs/cartpole/replay.gif", fps=50)
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import torch

from neuroevo.errors import NeuroevoError, TaskError
from neuroevo.reporting.best_genome import BestGenomeReporter

#: the most steps replayed (the episode's first ones): 1,000 frames of 600 x 400 are ~ 20 s
REPLAY_STEPS = 1_000
#: pygame is what gymnasium renders with
PYGAME_LINE = (
    "rendering the episode needs pygame, which cannot be imported; install it with: "
    "pip install pygame (or pip install 'neuroevo[gym]')"
)


def require_pygame() -> None:
    """Raise the one-line :class:`TaskError` naming ``pip install pygame`` when it is missing.
    Without a screen (no ``DISPLAY``/``WAYLAND_DISPLAY``) SDL is told to use its ``dummy``
    video driver, unless ``SDL_VIDEODRIVER`` is set already."""
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        # no screen: SDL's own probing only prints an error line; rgb_array needs no window
        os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    try:
        import pygame  # noqa: F401
    except ImportError:
        raise TaskError(PYGAME_LINE) from None


def _gym_id(task: Any) -> str | None:
    """The gymnasium id of a task's gymnasium environment (``gym:<id>``), else ``None``."""
    from neuroevo.envs.names import GYM_PREFIX

    name = getattr(task, "env_name", None)
    return (
        name[len(GYM_PREFIX) :] if isinstance(name, str) and name.startswith(GYM_PREFIX) else None
    )


def twin_renderer(env_name: str) -> Any:
    """gymnasium's environment of the torch environment ``env_name``, made with
    ``render_mode="rgb_array"`` and reset; a :class:`TaskError` when gymnasium has none."""
    import gymnasium

    if env_name not in gymnasium.registry:
        raise TaskError(
            f"{env_name} has no gymnasium renderer, so it cannot be replayed; "
            "see its episode in episode.png instead"
        )
    require_pygame()
    env = gymnasium.make(env_name, render_mode="rgb_array")
    env.reset(seed=0)
    return env


def render_state(renderer: Any, state: torch.Tensor) -> np.ndarray:
    """gymnasium's frame of ``state`` (a row of the torch environment's ``state``)."""
    inner = renderer.unwrapped
    inner.state = state.detach().to("cpu", torch.float64).numpy().copy()
    if hasattr(inner, "last_u"):  # Pendulum: no torque arrow
        inner.last_u = None
    return np.asarray(renderer.render())


def episode_frames(
    task: Any, policy: Any, *, seed: int = 0, steps: int = REPLAY_STEPS, every: int = 1
) -> list[np.ndarray]:
    """The frames of one episode of ``policy`` (one candidate) on control ``task``: every
    ``every``-th state of its first ``steps`` steps, the start included (see the module
    docstring). A task that is not a control task, or has no renderer, raises
    :class:`TaskError` in one line."""
    if not callable(getattr(task, "record_episode", None)) or not hasattr(task, "env_name"):
        raise TaskError(
            f"task {getattr(task, 'name', type(task).__name__)!r} is not a control "
            "task: it has no episode to replay"
        )
    for key, value in (("steps", steps), ("every", every)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise TaskError(f"replay {key}: expected an integer >= 1, got {value!r}")
    gym_id = _gym_id(task)
    if gym_id is None:
        renderer = twin_renderer(task.env_name)
        try:
            states, _ = task.record_episode(policy, seed=seed, steps=steps)
            return [render_state(renderer, s) for s in states[::every]]
        finally:
            renderer.close()
    require_pygame()
    frames: list[np.ndarray] = []
    seen = [0]  # states seen so far

    def watch(env: Any) -> None:  # after the reset and after every step
        if seen[0] % every == 0:
            frames.append(np.asarray(env.envs[0].render()))
        seen[0] += 1

    task.record_episode(
        policy, seed=seed, steps=steps, watch=watch, env_kwargs={"render_mode": "rgb_array"}
    )
    return frames


def render_fps(task: Any) -> float:
    """gymnasium's ``render_fps`` of the task's environment (real time); 30 where gymnasium
    does not know the environment."""
    import gymnasium
    from gymnasium.envs.registration import load_env_creator

    name = _gym_id(task) or getattr(task, "env_name", "")
    if name not in gymnasium.registry:
        return 30.0
    entry = gymnasium.registry[name].entry_point
    env_cls = load_env_creator(entry) if isinstance(entry, str) else entry
    return float(getattr(env_cls, "metadata", {}).get("render_fps") or 30)


class ReplayGif(BestGenomeReporter):
    """Write ``replay.gif`` (the best candidate's episode, see the module docstring) when
    the run ends; a line in ``notes`` when it cannot (no renderer, pygame missing).

    ``steps``: the most steps replayed; ``every``: one frame in ``every`` states. Example::

        ne.evolve(strategy, task, generations=50, reporters=[ReplayGif("runs/cartpole")])
    """

    def __init__(
        self,
        out_dir: str | os.PathLike[str],
        *,
        notes: list[str] | None = None,
        steps: int = REPLAY_STEPS,
        every: int = 1,
    ) -> None:
        super().__init__(out_dir, notes=notes)
        self.steps, self.every = steps, every

    def on_end(self, result: Any) -> None:
        from neuroevo.viz.gif import write_gif

        if not callable(getattr(self._task, "record_episode", None)):
            return
        try:
            found = self.best_network(result)
            if found is None:
                return
            policy = found[0]
            frames = episode_frames(self._task, policy, steps=self.steps, every=self.every)
        except NeuroevoError as e:
            self.notes.append(f"no replay.gif: {e}")
            return
        write_gif(frames, self.out_dir / "replay.gif", fps=render_fps(self._task) / self.every)


__all__ = [
    "PYGAME_LINE",
    "REPLAY_STEPS",
    "ReplayGif",
    "episode_frames",
    "render_fps",
    "render_state",
    "require_pygame",
    "twin_renderer",
]
