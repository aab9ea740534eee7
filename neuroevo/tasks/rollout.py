"""Lockstep rollouts: P candidates x E episodes stepped together, finished work dropped.

:func:`rollout` runs the episodes of an environment that :class:`~neuroevo.tasks.control.Control`
has already reset (``P * E`` rows, candidate ``p``'s episodes in rows ``p*E .. p*E+E-1``).
At every step the observations ``[P*E, obs]`` are viewed as ``[P, E, obs]`` and go through
the batched policy in one forward; its outputs become actions; the environment steps.
An episode that terminates or hits the time limit stops counting: its row is masked (its
observations are zeros to the policy, its rewards do not reach the tracker), and the
rollout ends when every episode is over or after ``max_steps`` steps.

Finished episodes cost little:

* the gymnasium adapter (``autoreset_mode="Disabled"``) steps only the episodes still
  running, so a finished episode costs no further gymnasium ``step`` and no ``reset``
  (the torch environments keep integrating finished rows, a few tensor rows, until
  compaction drops them);
* once at most half of the candidates computed are still running (checked every 8
  steps), the policy is narrowed to them (``policy.select``; feed-forward population
  networks only: recurrent state cannot be narrowed) and, where the environment and the
  tracker can select rows, the environment batch and the tracker shrink too
  (``VectorEnv.select``, ``GymVectorEnv.select``).

Narrowing and compaction change no score (tests/tasks/test_control_narrowing.py compares
them with full-batch rollouts, exactly).

A policy with a rollout program (:meth:`~neuroevo.policy.BatchedPolicy.program`: NEAT's
networks, linear stacks over flat parameters) is stepped through it, features first. Given
a :class:`~neuroevo.tasks.compiled.RolloutCompiler` that accepts the rollout, the same
step runs as one compiled loop instead, with the same scores bit for bit.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch

from neuroevo.envs.base import VectorEnv
from neuroevo.errors import TaskError
from neuroevo.policy import BatchedPolicy, PolicyProgram, policy_device_dtype
from neuroevo.tasks.compaction import Compaction
from neuroevo.tasks.compiled import RolloutCompiler


class EpisodeReturn:
    """Episode tracker: the sum of the rewards of the steps that still count.

    Trackers (this one, :class:`neuroevo.envs.double_pole.AntiWiggleFitness`, or any
    object ``Control(fitness=...)`` builds) take
    ``update(state=, reward=, counted=, alive=)`` after every lockstep step (``counted``:
    the episode was running before the step; ``alive``: and is still running after it)
    and give the episode scores ``[N]`` from ``result()``.
    """

    def __init__(self, num_envs: int, *, device: torch.device, dtype: torch.dtype) -> None:
        self.total = torch.zeros(num_envs, device=device, dtype=dtype)

    def update(self, *, reward: torch.Tensor, counted: torch.Tensor, **_: Any) -> None:
        self.total += torch.where(counted, reward.to(self.total.dtype), 0.0)

    def select(self, rows: torch.Tensor) -> EpisodeReturn:
        """The tracker of the episodes ``rows`` only (for compacted rollouts)."""
        sub = EpisodeReturn.__new__(EpisodeReturn)
        sub.total = self.total[rows]
        return sub

    def result(self) -> torch.Tensor:
        return self.total


@dataclass(frozen=True)
class RolloutResult:
    """What one :func:`rollout` gives."""

    #: episode scores ``[P, E]`` (the tracker's results) in the policy's dtype
    scores: torch.Tensor
    #: env steps that counted (steps of episodes still running)
    env_steps: int
    #: lockstep steps taken (the longest episode's length)
    lockstep_steps: int


@torch.no_grad()
def rollout(
    env: Any,
    policy: BatchedPolicy,
    tracker: Any,
    obs: torch.Tensor,
    *,
    episodes: int,
    max_steps: int,
    observe: Callable[[torch.Tensor], torch.Tensor],
    act: Callable[[torch.Tensor], torch.Tensor],
    num_outputs: int,
    name: str,
    on_observation: Callable[[torch.Tensor, torch.Tensor, torch.Tensor | None], None] | None = None,
    compiler: RolloutCompiler | None = None,
) -> RolloutResult:
    """Run ``policy``'s ``P x episodes`` episodes on ``env`` (just reset, first ``obs``).

    ``observe`` maps observations to policy inputs (normalisation), ``act`` policy outputs
    ``[rows, num_outputs]`` to actions; ``tracker`` takes ``update(state=, reward=,
    counted=, alive=)`` after every step and gives the episode scores from ``result()``
    (see :class:`EpisodeReturn`). ``name`` goes into errors. ``on_observation(obs, active,
    rows)``, if given, sees every step's raw observations with the running episodes
    (``rows``: the full-batch row of each row once the batch is compacted, else ``None``);
    :class:`~neuroevo.tasks.normalize.CandidateMoments` collects statistics with it.
    ``compiler``: runs the rollout compiled when it accepts it (``observe`` and ``act`` are
    then an :class:`~neuroevo.tasks.normalize.Observer` and an
    :class:`~neuroevo.tasks.actions.ActionMap`).
    """
    e = episodes
    p = int(policy.num_candidates)
    pol_dtype = policy_device_dtype(policy)[1]
    program = rollout_program(policy, e)
    if program is not None and program.num_inputs != obs.shape[1]:
        raise TaskError(
            f"Control({name!r}): the policy takes {program.num_inputs} inputs; "
            f"the environment gives {obs.shape[1]} observations"
        )
    if program is not None and program.num_outputs != num_outputs:
        raise TaskError(
            f"Control({name!r}): the policy returned shape [{p}, {e}, {program.num_outputs}]; "
            f"expected [{p}, {e}, {num_outputs}] (candidates, episodes, outputs)"
        )
    if compiler is not None:
        why = compiler.why_not(
            env, policy, program, isinstance(tracker, EpisodeReturn), on_observation is not None
        )
        if why is None:
            assert program is not None  # why_not gives a reason without one
            done = compiler.rollout(
                env,
                policy,
                program,
                tracker.total,
                obs,
                episodes=e,
                max_steps=max_steps,
                observe=observe,
                act=act,
                dtype=pol_dtype,
            )
            if done is not None:
                scores, env_steps, lockstep = done
                return RolloutResult(scores.to(pol_dtype), env_steps, lockstep)
        elif compiler.mode is True and compiler.error is None:
            compiler.note(f"compile: not compiled ({why}); running eagerly")
        started = time.perf_counter()
        try:
            return _eager(
                env,
                policy,
                program,
                tracker,
                obs,
                e,
                max_steps,
                observe,
                act,
                num_outputs,
                name,
                on_observation,
            )
        finally:
            compiler.eager_seconds += time.perf_counter() - started
    return _eager(
        env,
        policy,
        program,
        tracker,
        obs,
        e,
        max_steps,
        observe,
        act,
        num_outputs,
        name,
        on_observation,
    )


def _eager(
    env: Any,
    policy: BatchedPolicy,
    program: PolicyProgram | None,
    tracker: Any,
    obs: torch.Tensor,
    e: int,
    max_steps: int,
    observe: Callable,
    act: Callable,
    num_outputs: int,
    name: str,
    on_observation: Callable | None,
) -> RolloutResult:
    """The lockstep loop, step by step from Python (see the module docstring)."""
    p = int(policy.num_candidates)
    n = p * e
    device = obs.device
    pol_dtype = policy_device_dtype(policy)[1]
    has_state = isinstance(env, VectorEnv)  # the gymnasium adapter has no batched state
    policy.reset()
    active = torch.ones(n, dtype=torch.bool, device=device)
    counted_steps = torch.zeros((), dtype=torch.long, device=device)
    check_every = 1 if device.type == "cpu" else 16  # host syncs are costly on GPUs
    # a policy that can select its candidates narrows (through its program, where it has one)
    narrowable = callable(getattr(policy, "select", None)) and not policy.recurrent
    compactable = narrowable and all(
        callable(getattr(obj, "select", None)) for obj in (env, tracker)
    )
    compaction = Compaction(n, e, device) if compactable else None
    live: torch.Tensor | None = None  # genomes computed (None: all)
    live_policy = policy
    live_program = program
    p_cur = p  # genomes whose rows the environment still steps
    zero = torch.zeros((), dtype=pol_dtype, device=device)
    steps = 0
    for steps in range(1, max_steps + 1):
        if on_observation is not None:
            on_observation(obs, active, None if compaction is None else compaction.rows)
        x = torch.where(active[:, None], observe(obs).to(pol_dtype), zero)
        if live is None or compactable:
            out = policy_outputs(live_policy, live_program, x.view(p_cur, e, -1))
        else:
            part = policy_outputs(live_policy, live_program, x.view(p, e, -1).index_select(0, live))
            out = part.new_zeros(p, e, part.shape[-1]).index_copy_(0, live, part)
        if steps == 1 and tuple(out.shape) != (p, e, num_outputs):
            raise TaskError(
                f"Control({name!r}): the policy returned shape {list(out.shape)}; "
                f"expected [{p}, {e}, {num_outputs}] (candidates, episodes, outputs)"
            )
        obs, reward, terminated, truncated, _ = env.step(act(out.reshape(-1, out.shape[-1])))
        alive = active & ~terminated
        tracker.update(
            state=env.state if has_state else None, reward=reward, counted=active, alive=alive
        )
        counted_steps += active.sum()
        active = alive & ~truncated
        if steps % check_every == 0 and not bool(active.any()):
            break
        if narrowable and steps % 8 == 0:
            running = active.view(p_cur, e).any(1).nonzero().flatten()
            computed = p_cur if compactable else (p if live is None else len(live))
            if 0 < len(running) <= computed // 2 and computed >= 16:
                if compaction is not None:
                    keep = compaction.drop(running, tracker.result())
                    env, tracker = env.select(keep), tracker.select(keep)
                    obs, active = obs[keep], active[keep]
                    live = compaction.live
                    assert live is not None  # set by drop
                    p_cur = len(live)
                else:
                    live = running
                if program is None:
                    live_policy = policy.select(live)  # type: ignore[operator]  # compactable policies have select
                else:
                    live_program = program.select(live)
    scores = tracker.result() if compaction is None else compaction.finish(tracker.result())
    return RolloutResult(scores.reshape(p, e).to(pol_dtype), int(counted_steps), steps)


def rollout_program(policy: Any, episodes: int) -> PolicyProgram | None:
    """The policy's rollout program for ``episodes`` rows per candidate, if it has one (a
    user's policy may only duck-type :class:`~neuroevo.policy.BatchedPolicy`)."""
    make = getattr(policy, "program", None)
    return make(episodes) if callable(make) and not policy.recurrent else None


def policy_outputs(
    policy: BatchedPolicy, program: PolicyProgram | None, x: torch.Tensor
) -> torch.Tensor:
    """``[P, E, n_in] -> [P, E, n_out]``: through the rollout program where there is one."""
    if program is None:
        return policy(x)
    p, e, n_in = x.shape
    # rows first again, contiguous: reductions over the outputs (argmax) are slow on a
    # transposed view
    return program(x.reshape(p * e, n_in).t()).t().contiguous().reshape(p, e, -1)


__all__ = ["EpisodeReturn", "RolloutResult", "policy_outputs", "rollout", "rollout_program"]
