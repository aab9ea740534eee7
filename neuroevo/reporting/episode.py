"""For control tasks: one episode of the best genome, drawn at the end of a run.

``episode.png`` shows the environment's state over the episode (one trace per state
variable, named by the environment class's ``state_labels``) and the reward;
``episode_frames.png`` shows the cart-pole poses for CartPole. The episode is recorded by
the task's ``record_episode`` with the best genome compiled in float64 on the CPU.

Example::

    from neuroevo.reporting.episode import EpisodePlot
    ne.evolve(ne.NEAT(cfg), ne.tasks.Control("CartPole-v1"), generations=20,
              reporters=[EpisodePlot("runs/cartpole")])
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import torch

from neuroevo.errors import NeuroevoError
from neuroevo.loop import Reporter
from neuroevo.reporting.best_genome import genome_config


def _env_class(task: Any) -> Any:
    """The vectorized environment class of a control task (``None`` when there is none)."""
    from neuroevo.envs import env_class

    try:
        return env_class(getattr(task, "env_name", ""))
    except NeuroevoError:  # a gymnasium environment through the adapter, or no environment
        return None


class EpisodePlot(Reporter):
    """Record and draw one episode of the best genome at the end (NEAT on control tasks).

    ``notes``: a list that gets a line when the episode cannot be recorded.
    """

    def __init__(self, out_dir: str | os.PathLike[str], *, notes: list[str] | None = None) -> None:
        self.out_dir = Path(out_dir)
        self.notes = notes if notes is not None else []
        self._strategy: Any = None
        self._task: Any = None

    def on_start(self, strategy: Any, task: Any, generations: int) -> None:
        self._strategy, self._task = strategy, task

    def on_end(self, result: Any) -> None:
        task, strategy = self._task, self._strategy
        best = getattr(strategy, "best", None)
        gc = genome_config(strategy)
        if not callable(getattr(task, "record_episode", None)) or gc is None \
                or not hasattr(best, "connections"):
            return
        try:
            from neuroevo.viz.plots import plot_cartpole_frames, plot_episode
        except ImportError:  # matplotlib not installed; FitnessPlots notes it
            return
        from neuroevo.compile.population import compile_population
        from neuroevo.envs.cartpole import CartPole

        try:
            net = compile_population([best], gc, device="cpu", dtype=torch.float64,
                                     recurrent=not gc.feed_forward)
            states, rewards = task.record_episode(net, seed=0)
        except NeuroevoError as e:
            self.notes.append(f"no episode plot: {e}")
            return
        env = _env_class(task)
        labels = getattr(env, "state_labels", None)
        self.out_dir.mkdir(parents=True, exist_ok=True)
        plot_episode(states, labels=list(labels) if labels is not None else None, rewards=rewards,
                     title=f"best genome, one episode ({len(rewards)} steps)",
                     filename=self.out_dir / "episode.png")
        if env is not None and issubclass(env, CartPole):
            plot_cartpole_frames(states, every=max(1, len(rewards) // 25),
                                 filename=self.out_dir / "episode_frames.png")


__all__ = ["EpisodePlot"]
