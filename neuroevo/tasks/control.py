"""Control tasks: every candidate drives its own copies of an environment, all in lockstep.

``Control(env_name, episodes=E)`` builds one vectorized environment of ``P * E``
sub-environments (``neuroevo.envs.make``, autoreset disabled), starts every episode from
one seed drawn from the loop's generator and the candidate's position (see
:meth:`Control.episode_scores`: a slice of a population scores as in the whole), and
steps them together (:func:`neuroevo.tasks.rollout.rollout`): observations ``[P*E, obs]``
are viewed as ``[P, E, obs]``, the batched policy returns ``[P, E, n_out]``, the outputs
become actions. An episode that terminates or hits the time limit stops counting (its
row is masked; through the gymnasium adapter it is not stepped again), so nothing after
its end reaches the fitness. The rollout stops when every episode is over (or after
``max_steps``). Fitness is the mean over the ``E`` episodes of the episode score: the
return (sum of rewards) by default, or the environment's own score where it defines one
(Gruau's anti-wiggle fitness for ``"DoublePoleNV-v0"``).

A few episodes make a noisy estimate: among 150 candidates, some average above the
threshold over 3 episodes by luck. ``solve_episodes=K`` asks for proof: a candidate that
reaches ``fitness_threshold`` is measured again on fresh episodes (:meth:`Control.confirm`,
called by the loop: heats of ``K/5``, ``K`` and ``2K`` episodes, each while it is at the
threshold, once per candidate where the policy gives its network a hash and
``normalize_observations`` is off; see :mod:`neuroevo.loop.confirm`) and the last mean
replaces its fitness (held just below the threshold until proved), so the task is solved
only by a mean over ``K`` fresh episodes at the threshold, replicated over ``2K`` more
three standard errors above it. ``solve_episodes=100`` is
the usual definition of "solved" for gymnasium's tasks (LunarLander-v3: a mean return of 200 over
100 consecutive episodes). Confirmation episodes run to the environment's own time limit
(``solve_max_steps``), whatever ``max_steps`` is: a shorter ``max_steps`` only cuts the
training episodes (a LunarLander genome that hovers costs 1,000 steps an episode).

``same_starts=True`` gives every candidate of a generation the same ``E`` start states
(fresh ones each generation): common random numbers, so that a difference in fitness comes
from the policies rather than from one candidate drawing easier episodes than another; the
variance of a comparison drops by twice the covariance of the paired scores (Law &
Kelton, *Simulation Modeling and Analysis*, on common random numbers).

Outputs to actions (``action=``):

* ``"argmax"`` (discrete): one output per action, the largest wins (ties: the first).
* ``"sign"``: one output; discrete environments with 2 actions take action 1 when the
  output is above the middle of ``output_range``, else 0; continuous ones take the upper
  or lower action bound (bang-bang control).
* ``"scale"`` (continuous): outputs are mapped linearly from ``output_range`` (default
  ``(0, 1)``, neat-python's sigmoid) onto the action bounds, then clipped; with a tanh
  output use ``output_range=(-1, 1)``. For the double pole this is NEAT's own mapping,
  force = (o - 0.5) * 2 * 10 N.
* ``"raw"`` (continuous): outputs are the actions (the environment clips them).
* ``"auto"`` (default): ``argmax`` for discrete and ``scale`` for continuous environments.

``obs_norm="auto"`` maps observations from the environment class's ``observation_bounds``
(:class:`~neuroevo.envs.base.VectorEnv`: gymnasium's observation-space bounds; typical ranges
where gymnasium says infinite) to ``[-1, 1]``; ``(low, high)`` sequences give the ranges yourself. For unbounded
observations, ``normalize_observations=True`` feeds ``(obs - mean) / std`` with the running
statistics of all observations seen so far (:mod:`neuroevo.tasks.normalize`): frozen during
an evaluation, updated after it, and part of :meth:`Control.state_dict` (so a checkpoint
that stores the task's state resumes exactly).

Example::

    import neuroevo as ne
    task = ne.tasks.Control("CartPole-v1", episodes=5)
    result = ne.evolve(ne.NEAT(ne.load_config("configs/cartpole.ini")), task, generations=50)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch

from neuroevo.envs.base import VectorEnv
from neuroevo.errors import TaskError
from neuroevo.policy import BatchedPolicy, policy_device_dtype
from neuroevo.tasks.actions import ActionMap
from neuroevo.tasks.base import Task
from neuroevo.tasks.compiled import COMPILE_CHOICES, RolloutCompiler
from neuroevo.tasks.normalize import (
    CandidateMoments,
    ObservationMap,
    Observer,
    RunningNorm,
)
from neuroevo.tasks.rollout import EpisodeReturn, policy_outputs, rollout, rollout_program

ACTIONS = ("auto", "argmax", "sign", "scale", "raw")


class Control(Task):
    """Episodic control on a vectorized environment; see the module docstring.

    Args:
        env_name: an id of ``neuroevo.envs.make`` ("CartPole-v1", "DoublePole-v0",
            "gym:LunarLander-v3" ...), or the task name of a torch environment
            ("cartpole", "mountaincar-continuous": ``neuroevo.envs.ALIASES``).
        episodes: episodes per candidate (``E``); fitness is the mean episode score.
        max_steps: time limit of an episode; default the environment's own.
        action: how outputs become actions: "auto", "argmax", "sign", "scale", "raw".
        output_range: the range of the policy's outputs for "scale" and "sign".
        obs_norm: None, "auto" or ``(low, high)`` sequences; maps observations to [-1, 1].
        normalize_observations: feed running-mean/variance normalised observations
            (:attr:`observation_stats`, updated after every evaluation); not with ``obs_norm``.
        env_kwargs: keyword arguments for the environment (``make(name, ..., **env_kwargs)``).
        fitness: None (the environment's own episode score if it has one, else the
            return), "return", or a callable ``(env) -> tracker`` (see
            :class:`EpisodeReturn`).
        fitness_threshold: a candidate with this fitness solves the task; default
            the environment's (gymnasium's ``reward_threshold``; for the double pole with
            velocities, balancing for all ``max_steps``).
        solve_episodes: confirm a candidate at the threshold over this many fresh
            episodes before the task counts as solved (default: no confirmation).
        solve_max_steps: time limit of those episodes; default the environment's own
            (``max_steps`` where it has none, or where balancing to the end is the goal).
        same_starts: every candidate plays the same ``E`` start states in a generation
            (common random numbers), fresh ones each generation; default: its own.
        compile: run each rollout as one compiled loop (:mod:`neuroevo.tasks.compiled`:
            the same scores, bit for bit). ``"auto"`` (default): once eager rollouts of this
            task have taken 20 s (short runs never wait for a compiler); ``True``: from the
            first rollout, wherever it can; ``False``: never. Torch environments on the CPU;
            what was not compiled, and why, is in :meth:`info` notes.
        device, dtype: where the environment runs; default the policy's.

    Example::

        task = Control("Pendulum-v1", episodes=3, obs_norm="auto")
        fitness = task.evaluate(policy, generator=torch.Generator().manual_seed(0))  # [P]
    """

    def __init__(
        self,
        env_name: str,
        *,
        episodes: int = 1,
        max_steps: int | None = None,
        action: str = "auto",
        output_range: Sequence[float] = (0.0, 1.0),
        obs_norm: str | Sequence[Sequence[float]] | None = None,
        normalize_observations: bool = False,
        env_kwargs: dict[str, Any] | None = None,
        fitness: str | Callable[[Any], Any] | None = None,
        fitness_threshold: float | None | str = "default",
        solve_episodes: int | None = None,
        solve_max_steps: int | None = None,
        same_starts: bool = False,
        compile: bool | str = "auto",
        device: str | torch.device | None = None,
        dtype: torch.dtype | None = None,
    ) -> None:
        from neuroevo.envs import canonical_name, make

        env_name = canonical_name(env_name)  # the tasks' short names ("cartpole") too
        for key, value, low in (
            ("episodes", episodes, 1),
            ("max_steps", max_steps, 1),
            ("solve_episodes", solve_episodes, 1),
            ("solve_max_steps", solve_max_steps, 1),
        ):
            if value is None and key != "episodes":
                continue
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                raise TaskError(f"Control {key}: expected a positive integer, got {value!r}")
        if action not in ACTIONS:
            raise TaskError(f"Control action: unknown {action!r}; use one of {list(ACTIONS)}")
        if env_kwargs is not None and not isinstance(env_kwargs, dict):
            raise TaskError(f"Control env_kwargs: expected a dict, got {env_kwargs!r}")
        if not (fitness is None or fitness == "return" or callable(fitness)):
            raise TaskError(
                f"Control fitness: expected None, 'return' or a callable (env) -> tracker, got {fitness!r}"
            )
        self.env_name = env_name
        self.name = env_name
        self.episodes = episodes
        self.solve_episodes = solve_episodes
        if not isinstance(same_starts, bool):
            raise TaskError(f"Control same_starts: expected true or false, got {same_starts!r}")
        self.same_starts = same_starts
        if not any(compile is c for c in COMPILE_CHOICES):
            raise TaskError(f"Control compile: expected 'auto', true or false, got {compile!r}")
        #: compiled rollout loops and what compiling cost (see :meth:`info`)
        self.compiler = RolloutCompiler(compile)
        self.env_kwargs = dict(env_kwargs or {})
        for reserved in ("max_episode_steps", "autoreset_mode", "num_envs", "seed"):
            if reserved in self.env_kwargs:
                raise TaskError(
                    f"Control env_kwargs: {reserved!r} is set by the task; "
                    + ("use max_steps=" if reserved == "max_episode_steps" else "remove it")
                )
        self.fitness = fitness
        self.device = None if device is None else torch.device(device)
        self.dtype = dtype
        probe = make(env_name, 1, device="cpu", **self.env_kwargs)
        self.discrete = bool(probe.discrete)
        # both run with autoreset disabled: torch envs keep integrating finished rows (they are
        # masked), the gymnasium adapter steps only the running episodes
        self._gym = not isinstance(probe, VectorEnv)
        # gymnasium environments are costly to build: a pool of them is cut to each evaluation's size
        self._env_rebuild_on_resize = not self._gym
        self.num_inputs = int(probe.observation_size)
        horizon = max_steps if max_steps is not None else probe.max_episode_steps
        if horizon is None:
            raise TaskError(
                f"Control({env_name!r}): the environment has no time limit; pass max_steps="
            )
        self.max_steps = int(horizon)
        if solve_max_steps is None:  # the environment's own limit, as in gymnasium's "solved"
            at_horizon = getattr(probe, "solved_at_horizon", False)
            own = probe.max_episode_steps
            solve_max_steps = self.max_steps if own is None or at_horizon else own
        self.solve_max_steps = int(solve_max_steps)
        self._setup_actions(probe, action, output_range)
        #: observations -> policy inputs (identity, fixed ranges or running statistics)
        self.observations = ObservationMap(
            env_name, self.num_inputs, obs_norm=obs_norm, running=normalize_observations
        )
        if fitness_threshold == "default":
            if getattr(probe, "solved_at_horizon", False) and fitness is None:
                fitness_threshold = float(self.max_steps)
            else:
                fitness_threshold = getattr(probe, "reward_threshold", None)
        elif fitness_threshold is not None and not isinstance(fitness_threshold, (int, float)):
            raise TaskError(
                f"Control fitness_threshold: expected a number or None, got {fitness_threshold!r}"
            )
        self.fitness_threshold = None if fitness_threshold is None else float(fitness_threshold)
        self._env: Any = None
        self._solve_env: Any = None
        #: the last evaluate(): the seed its environment was reset with, the env steps that
        #: counted (episodes still running) and the lockstep steps taken
        self.last_seed: int | None = None
        self.last_env_steps = 0
        self.last_lockstep_steps = 0

    # ------------------------------------------------------------------ set-up
    def _setup_actions(self, probe: Any, action: str, output_range: Sequence[float]) -> None:
        try:
            lo, hi = (float(v) for v in output_range)
        except (TypeError, ValueError):
            raise TaskError(
                f"Control output_range: expected (low, high), got {output_range!r}"
            ) from None
        if not hi > lo:
            raise TaskError(f"Control output_range: high must exceed low, got {output_range!r}")
        self.output_range = (lo, hi)
        if action == "auto":
            action = "argmax" if self.discrete else "scale"
        if self.discrete:
            if action in ("scale", "raw"):
                raise TaskError(
                    f"Control action={action!r} is for continuous actions; {self.env_name} is "
                    "discrete: use 'argmax' (one output per action) or 'sign' (2 actions)"
                )
            if action == "sign" and probe.num_actions != 2:
                raise TaskError(
                    f"Control action='sign' needs 2 actions; {self.env_name} has "
                    f"{probe.num_actions}: use 'argmax'"
                )
            self.num_outputs = 1 if action == "sign" else int(probe.num_actions)
        else:
            if action == "argmax":
                raise TaskError(
                    f"Control action='argmax' is for discrete actions; {self.env_name} is "
                    "continuous: use 'scale', 'sign' or 'raw'"
                )
            self.num_outputs = int(probe.action_size)
            self._action_low = probe.action_low.double()
            self._action_high = probe.action_high.double()
        self.action = action

    # ------------------------------------------------------------------ evaluation
    def evaluations_per_candidate(self) -> int:
        return self.episodes

    def evaluate(
        self,
        policy: BatchedPolicy,
        *,
        generator: torch.Generator | None = None,
        candidates: Sequence[int] | torch.Tensor | None = None,
        population_size: int | None = None,
    ) -> torch.Tensor:
        """Fitness ``[P]``: the mean episode score of each candidate over ``episodes``.

        ``candidates``/``population_size``: see :meth:`episode_scores`.
        """
        return self.episode_scores(
            policy, generator=generator, candidates=candidates, population_size=population_size
        ).mean(1)

    @torch.no_grad()
    def episode_scores(
        self,
        policy: BatchedPolicy,
        *,
        generator: torch.Generator | None = None,
        candidates: Sequence[int] | torch.Tensor | None = None,
        population_size: int | None = None,
    ) -> torch.Tensor:
        """Episode scores ``[P, E]`` of every candidate (all episodes run in lockstep).

        Episode ``j`` of the candidate at position ``c`` of a population of ``N`` starts from
        a seed drawn from ``generator`` (:attr:`last_seed`), ``c`` and ``j`` only: the
        gymnasium adapter resets its environment with seed ``last_seed + c * E + j``; torch
        environments draw ``N * E`` initial states from ``last_seed`` and take row
        ``c * E + j``. So a slice of a population (``policy`` holds the candidates at
        positions ``candidates`` of a population of ``population_size``, which torch
        environments need) scores as in the whole population's evaluation, for a generator
        in the same state. With ``same_starts``, ``c * E`` is left out: every candidate plays
        episodes ``0..E-1`` of the draw.
        """
        return self._scores(
            policy, self.episodes, generator, candidates, population_size, learn=True
        )

    @torch.no_grad()
    def confirm(
        self,
        policy: BatchedPolicy,
        *,
        generator: torch.Generator | None = None,
        episodes: int | None = None,
    ) -> torch.Tensor:
        """Scores ``[P, E]`` of each candidate of ``policy`` in ``E = episodes`` (default
        ``solve_episodes``) fresh episodes, started from seeds drawn from ``generator`` as in
        :meth:`episode_scores`, each to ``solve_max_steps``; running observation statistics
        are used, not updated.

        The loop calls it for the candidates that reach ``fitness_threshold`` when
        ``solve_episodes`` is set (:func:`neuroevo.loop.confirm.confirm_solutions`).
        """
        episodes = episodes or self.solve_episodes or self.episodes
        return self._scores(
            policy, episodes, generator, None, None, learn=False, horizon=self.solve_max_steps
        )

    def _scores(
        self,
        policy: BatchedPolicy,
        e: int,
        generator: torch.Generator | None,
        candidates: Any,
        population_size: Any,
        *,
        learn: bool,
        horizon: int | None = None,
    ) -> torch.Tensor:
        horizon = self.max_steps if horizon is None else horizon
        p = int(policy.num_candidates)
        ids = self._candidate_ids(p, candidates, population_size)
        pol_device, pol_dtype = policy_device_dtype(policy)
        device = self.device or pol_device
        dtype = self.dtype or pol_dtype
        seed = int(torch.randint(0, 2**31 - 1, (1,), generator=generator))
        if learn:
            self.last_seed = seed
        if self.same_starts:  # every candidate plays episodes 0..E-1 of the draw
            rows = torch.arange(e).repeat(p)
        else:  # the population's episode rows
            rows = (ids[:, None] * e + torch.arange(e)).flatten()
        if self._gym:
            env = self._make_env(p * e, device, dtype, horizon)
            obs, _ = env.reset(seed=(seed + rows).tolist())
        else:
            n = e if self.same_starts else e * (p if candidates is None else population_size)
            env = self._make_env(n, device, dtype, horizon)
            obs, _ = env.reset(seed=seed)
            if candidates is not None or self.same_starts:
                env, obs = env.select(rows.to(device)), obs[rows.to(device)]
        if callable(self.fitness):
            tracker = self.fitness(env)
        elif self.fitness is None and hasattr(env, "make_fitness_tracker"):
            tracker = env.make_fitness_tracker()
        else:
            tracker = EpisodeReturn(p * e, device=device, dtype=dtype)
        moments = self.observations.collector(p, e, device) if learn else None
        result = rollout(
            env,
            policy,
            tracker,
            obs,
            episodes=e,
            max_steps=horizon,
            observe=self._normalizer(device, dtype),
            act=self._action_mapper(device, dtype),
            num_outputs=self.num_outputs,
            name=self.env_name,
            on_observation=None if moments is None else moments.add,
            compiler=self.compiler,
        )
        if moments is not None:
            self.observations.update(moments)
        if learn:
            self.last_env_steps = result.env_steps
            self.last_lockstep_steps = result.lockstep_steps
        return result.scores

    def _candidate_ids(self, p: int, candidates: Any, population_size: Any) -> torch.Tensor:
        """Positions ``[P]`` of the policy's candidates in the population (default ``0..P-1``)."""
        if candidates is None:
            return torch.arange(p)
        ids = (
            torch.as_tensor(candidates).cpu().reshape(-1)
            if isinstance(candidates, (torch.Tensor, Sequence, range))
            else torch.zeros(0)
        )
        if (
            len(ids) != p
            or ids.dtype.is_floating_point
            or ids.dtype == torch.bool
            or (p and int(ids.min()) < 0)
            or len(ids.unique()) != p
        ):
            raise TaskError(
                f"Control candidates: expected {p} distinct non-negative integer "
                f"positions (one per candidate of the policy), got {candidates!r}"
            )
        if (population_size is not None or not self._gym) and (
            isinstance(population_size, bool)
            or not isinstance(population_size, int)
            or population_size <= int(ids.max())
        ):
            raise TaskError(
                f"Control population_size: expected an integer above every candidate position "
                f"(> {int(ids.max())}), got {population_size!r}; torch environments need it with "
                "candidates= (they draw the initial states of the whole population)"
            )
        return ids.long()

    @torch.no_grad()
    def record_episode(
        self,
        policy: BatchedPolicy,
        *,
        seed: int = 0,
        steps: int | None = None,
        watch: Callable[[Any], None] | None = None,
        env_kwargs: dict[str, Any] | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Run a one-candidate ``policy`` for one episode: states ``[T + 1, k]``, rewards ``[T]``.

        The states are the environment's ``state`` rows (gymnasium's layout), from the first
        one to the last; for plots such as :func:`neuroevo.viz.plot_episode`. ``steps``: stop
        after that many steps if the episode has not ended (its first steps, the same as the
        whole episode's; default ``max_steps``).

        ``watch(env)`` is called after the reset and after every step (``neuroevo replay``
        renders frames there); ``env_kwargs`` are added to the task's for this episode's
        environment (``render_mode="rgb_array"`` for a gymnasium one). A gymnasium
        environment through the adapter has no state: it is played only with ``watch``,
        and its states are ``[T + 1, 0]``. Example::

            net = ne.compile_population([result.best], cfg.genome_config)
            states, rewards = task.record_episode(net, seed=0)
        """
        from neuroevo.envs import make

        if policy.num_candidates != 1:
            raise TaskError(
                f"record_episode: expected a policy of one candidate, got "
                f"{policy.num_candidates}; compile only the genome to show"
            )
        if steps is not None and (
            isinstance(steps, bool) or not isinstance(steps, int) or steps < 1
        ):
            raise TaskError(
                f"record_episode: steps must be an integer >= 1 (or None for "
                f"max_steps), got {steps!r}"
            )
        device, dtype = policy_device_dtype(policy)
        env = make(
            self.env_name,
            1,
            device=device,
            dtype=dtype,
            max_episode_steps=self.max_steps,
            autoreset_mode="Disabled",
            **self.env_kwargs,
            **(env_kwargs or {}),
        )
        stateful = isinstance(env, VectorEnv)
        if not stateful and watch is None:
            raise TaskError(f"record_episode: {self.env_name!r} exposes no state to record")

        def seen() -> torch.Tensor:  # the state now, after watch has seen the environment
            if watch is not None:
                watch(env)
            return env.state[0].clone() if stateful else torch.zeros(0, dtype=dtype)

        norm, act_map = self._normalizer(device, dtype), self._action_mapper(device, dtype)
        obs, _ = env.reset(seed=seed)
        policy.reset()
        program = rollout_program(policy, 1)  # the arithmetic the rollouts that scored it ran
        states, rewards = [seen()], []
        for _ in range(self.max_steps if steps is None else min(steps, self.max_steps)):
            out = policy_outputs(policy, program, norm(obs).to(dtype).view(1, 1, -1))
            obs, reward, terminated, truncated, _ = env.step(act_map(out.reshape(1, -1)))
            states.append(seen())
            rewards.append(reward[0])
            if bool(terminated[0] | truncated[0]):
                break
        return torch.stack(states), torch.stack(rewards)

    def _make_env(
        self, n: int, device: torch.device, dtype: torch.dtype, horizon: int | None = None
    ) -> Any:
        """An environment of ``n`` rows with time limit ``horizon`` (default ``max_steps``),
        built once and reused (a larger one is cut to ``n``); one pool per time limit."""
        horizon = self.max_steps if horizon is None else horizon
        slot = "_env" if horizon == self.max_steps else "_solve_env"
        env = getattr(self, slot, None)
        if (
            env is None
            or env.num_envs < n
            or env.device != device
            or env.dtype != dtype
            or (self._env_rebuild_on_resize and env.num_envs != n)
        ):
            from neuroevo.envs import make

            env = make(
                self.env_name,
                n,
                device=device,
                dtype=dtype,
                max_episode_steps=horizon,
                autoreset_mode="Disabled",
                **self.env_kwargs,
            )
            if hasattr(env, "check_actions") and self.action != "raw":
                env.check_actions = False  # actions come from argmax/threshold: in range
            setattr(self, slot, env)
        return env if env.num_envs == n else env.select(torch.arange(n, device=device))

    @property
    def observation_stats(self) -> RunningNorm | None:
        """Running observation statistics (``normalize_observations=True``), else ``None``."""
        return self.observations.stats

    @property
    def last_observation_moments(self) -> CandidateMoments | None:
        """Per-candidate sums of the last evaluation's observations (already merged). A backend
        that evaluates slices elsewhere merges theirs, ``CandidateMoments.cat`` in candidate
        order, into the driver's task with ``task.observations.update(moments)``."""
        return self.observations.last_moments

    def state_dict(self) -> dict[str, Any]:
        """The task's state for checkpoints: the observation statistics, if any."""
        return self.observations.state_dict()

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore :meth:`state_dict`'s output."""
        self.observations.load_state_dict(state)

    def _normalizer(self, device: torch.device, dtype: torch.dtype) -> Observer:
        return self.observations.observer(device, dtype)

    def _action_mapper(self, device: torch.device, dtype: torch.dtype) -> ActionMap:
        return ActionMap.build(
            self.action,
            self.discrete,
            self.output_range,
            getattr(self, "_action_low", None),
            getattr(self, "_action_high", None),
            device,
            dtype,
        )

    def info(self) -> dict[str, Any]:
        """Per-generation facts for reporters: ``compile_s``, the seconds spent compiling
        rollouts since the last call (only when there were some), and ``notes``, one-line
        messages such as a fallback to eager rollouts and its reason."""
        out: dict[str, Any] = {}
        seconds, cpu = self.compiler.take_compile_seconds()
        if seconds > 0:
            out["compile_s"] = seconds
            out["compile_cpu_s"] = cpu
        notes = self.compiler.take_notes()
        if notes:
            out["notes"] = notes
        return out

    def __repr__(self) -> str:
        return (
            f"Control({self.env_name!r}, episodes={self.episodes}, max_steps={self.max_steps}, "
            f"action={self.action!r}"
            + (f", solve_episodes={self.solve_episodes})" if self.solve_episodes else ")")
        )


__all__ = ["Control", "EpisodeReturn"]
