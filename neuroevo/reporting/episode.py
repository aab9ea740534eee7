"""For control tasks: one episode of the best candidate, drawn at the end of a run.

``episode.png`` shows the environment's state over the episode (one trace per state
variable, named by the environment class's ``state_labels``), the action taken at each
step (named by its ``action_labels``) and the reward; ``episode_frames.png`` shows the
cart-pole poses for CartPole. The episode is recorded by the task's ``record_episode``
with the best candidate's network in float64 on the CPU, as the strategy gives it
(:meth:`~neuroevo.strategies.base.Strategy.network_of`: NEAT's best genome compiled, or the
module of GA, PSO, SA or a gradient baseline with its best parameter vector, as its rollouts
ran it). The network's
outputs are recorded on the way and turned into actions by the task's own
output-to-action mapping.

Only the episode's first :data:`RECORD_STEPS` steps are replayed and drawn (a double-pole
winner balances for 100,000 steps: replaying them took minutes, and the picture was solid
bands); the title says so. A replay of more than :data:`SAY_STEPS` steps takes seconds, so
it is announced on ``stream`` first (the run's stderr in ``neuroevo run``).

Example::

    from neuroevo.reporting.episode import EpisodePlot
    ne.evolve(ne.NEAT(cfg), ne.tasks.Control("CartPole-v1"), generations=20,
              reporters=[EpisodePlot("runs/cartpole")])
"""

from __future__ import annotations

import inspect
import os
from typing import IO, Any, cast

import torch

from neuroevo.errors import NeuroevoError
from neuroevo.policy import BatchedPolicy, policy_device_dtype
from neuroevo.reporting.best_genome import BestGenomeReporter

#: the most steps of an episode replayed and drawn (its first ones)
RECORD_STEPS = 2_000
#: a replay of more steps than this is announced before it starts
SAY_STEPS = 1_000


def env_class_of(task: Any) -> Any:
    """The vectorized environment class of a control task (``None`` when there is none)."""
    from neuroevo.envs import env_class

    name = getattr(task, "env_name", None)
    if not isinstance(name, str):
        return None
    try:
        return env_class(name)
    except NeuroevoError:  # a gymnasium environment through the adapter
        return None


class OutputRecorder(BatchedPolicy):
    """A policy that runs ``policy`` and keeps each call's outputs in :attr:`outputs`."""

    def __init__(self, policy: BatchedPolicy) -> None:
        super().__init__()
        self.policy = policy
        self.num_candidates = policy.num_candidates
        # a user's policy may not say (None): the recorder passes that on
        self.num_inputs = cast(int, getattr(policy, "num_inputs", None))
        self.num_outputs = cast(int, getattr(policy, "num_outputs", None))
        self.recurrent = getattr(policy, "recurrent", False)
        self.device, self.dtype = policy_device_dtype(policy)
        self.outputs: list[torch.Tensor] = []

    def reset(self) -> None:
        self.policy.reset()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.policy(x)
        self.outputs.append(out.detach().clone())
        return out


def _actions(task: Any, recorder: OutputRecorder, steps: int) -> torch.Tensor | None:
    """The actions of the recorded outputs, through the task's output-to-action mapping."""
    mapper = getattr(task, "_action_mapper", None)
    if not callable(mapper) or len(recorder.outputs) < steps or steps == 0:
        return None
    to_action = mapper(recorder.device, recorder.dtype)
    return torch.stack([to_action(out.reshape(1, -1))[0] for out in recorder.outputs[:steps]])


class EpisodePlot(BestGenomeReporter):
    """Record and draw one episode of the best candidate at the end (control tasks).

    ``notes``: a list that gets a line when the episode cannot be recorded. ``max_steps``:
    the most steps replayed and drawn. ``stream``: where a replay of more than
    :data:`SAY_STEPS` steps is announced (``None``: nowhere).
    """

    def __init__(
        self,
        out_dir: str | os.PathLike[str],
        *,
        notes: list[str] | None = None,
        max_steps: int = RECORD_STEPS,
        stream: IO[str] | None = None,
    ) -> None:
        super().__init__(out_dir, notes=notes)
        self.max_steps = max_steps
        self.stream = stream

    def best_policy(self, result: Any) -> tuple[BatchedPolicy, str] | None:
        """``(policy of the best candidate alone, in float64 on the CPU, what it is)``, as the
        strategy gives it (:meth:`~neuroevo.strategies.base.Strategy.network_of`); ``None``
        for a strategy without one."""
        return self.best_network(result)

    def on_end(self, result: Any) -> None:
        task = self._task
        if not callable(getattr(task, "record_episode", None)):
            return
        try:
            from neuroevo.viz import plots
        except ImportError:  # matplotlib not installed; FitnessPlots notes it
            return
        from neuroevo.envs.cartpole import CartPole

        try:
            found = self.best_policy(result)
        except NeuroevoError as e:
            self.notes.append(f"no episode plot: {e}")
            return
        if found is None:
            return
        policy, what = found
        limit = getattr(task, "max_steps", None)
        steps = self.max_steps if limit is None else min(self.max_steps, limit)
        if steps > SAY_STEPS and self.stream is not None:
            print(
                f"episode.png: replaying the {what} for up to {steps:,} steps ...",
                file=self.stream,
                flush=True,
            )
        try:
            net = OutputRecorder(policy)
            if _takes_steps(task.record_episode):
                states, rewards = task.record_episode(net, seed=0, steps=steps)
            else:  # a user's task written before steps= existed: its whole episode
                states, rewards = task.record_episode(net, seed=0)
        except NeuroevoError as e:
            self.notes.append(f"no episode plot: {e}")
            return
        total = f"{float(rewards.sum()):.6g}"
        if limit is not None and len(rewards) == steps < limit:  # the episode went on
            span = f"first {steps:,} of up to {limit:,} steps (return {total} over them)"
        else:
            span = f"one episode of {len(rewards):,} steps (return {total})"
        env = env_class_of(task)
        labels = getattr(env, "state_labels", None)
        action_labels = getattr(env, "action_labels", None)
        name = getattr(task, "name", "episode")
        self.out_dir.mkdir(parents=True, exist_ok=True)
        plots.plot_episode(
            states,
            labels=list(labels) if labels is not None else None,
            rewards=rewards,
            actions=_actions(task, net, len(rewards)),
            action_labels=list(action_labels) if action_labels is not None else None,
            title=f"{name}: {what}, {span}",
            filename=self.out_dir / "episode.png",
        )
        if env is not None and issubclass(env, CartPole):
            plots.plot_cartpole_frames(
                states,
                every=max(1, len(rewards) // 25),
                filename=self.out_dir / "episode_frames.png",
            )


def _takes_steps(record: Any) -> bool:
    """Whether a task's ``record_episode`` takes ``steps=`` (every built-in task does)."""
    try:
        params = inspect.signature(record).parameters.values()
    except (TypeError, ValueError):
        return False
    return any(p.name == "steps" or p.kind is p.VAR_KEYWORD for p in params)


__all__ = [
    "EpisodePlot",
    "OutputRecorder",
    "env_class_of",
    "RECORD_STEPS",
    "SAY_STEPS",
]
