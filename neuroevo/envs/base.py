"""Vectorized torch environments: the shared step/reset/autoreset machinery.

A :class:`VectorEnv` steps ``num_envs`` copies of one environment in lockstep, as
tensors on any device, with the shape of API of gymnasium's vector environments
(``reset() -> (obs, info)``, ``step(action) -> (obs, reward, terminated, truncated,
info)``). A subclass describes only the physics of one environment, batched:

* ``_sample_initial_state(n, generator) -> state [n, k]``
* ``_dynamics(state, action) -> new_state`` (in gymnasium's precision, see below)
* ``_observation(state) -> obs``
* ``_terminated(state) -> bool [n]``
* ``_reward(state, action, new_state, terminated) -> reward [n]``

and the class attributes ``observation_size``, ``state_size``, ``discrete`` with
``num_actions`` (discrete) or ``action_size``/``action_bounds`` (continuous), and
``default_max_episode_steps``; optionally ``observation_bounds``, the ranges
``Control(obs_norm="auto")`` maps onto ``[-1, 1]``.

Autoreset follows gymnasium 1.x ``AutoresetMode`` (gymnasium/vector/vector_env.py),
chosen with the ``autoreset_mode`` argument:

* ``"SameStep"`` (default): a sub-environment that terminates or is truncated is reset
  inside the same ``step``; the returned ``obs`` row is the new episode's first
  observation, ``info["final_obs"]`` (``[N, obs]``) holds the last observation of the
  finished episode in the rows where ``info["_final_obs"]`` (bool ``[N]``) is True (the
  other rows hold the returned observation).
* ``"NextStep"``: the ``step`` after an episode ended resets that sub-environment,
  ignoring its action, and returns its first observation with reward 0 and
  terminated = truncated = False (gymnasium's default for its own vector envs).
* ``"Disabled"``: nothing is reset automatically; finished sub-environments keep being
  integrated (their results mean nothing) until ``reset(options={"reset_mask": m})``.

Time limits follow gymnasium's ``TimeLimit`` wrapper: ``truncated`` is True on the step
where the episode's step count reaches ``max_episode_steps`` (both flags can be True).

Precision: gymnasium's classic-control environments keep float64 states (MountainCarContinuous
float32) and return float32 observations. ``_dynamics`` computes as gymnasium does, in float64
(:meth:`VectorEnv._wide`) whatever ``dtype`` is; termination, reward and observation are
taken from that result, then the state is rounded to ``dtype`` (:meth:`VectorEnv._store`).
So with ``dtype=torch.float32`` one step equals gymnasium's bit for bit from the same state
(tests/envs/test_float32_gymnasium.py), and with float64 to rounding error.

Randomness: each environment object owns one ``torch.Generator`` on its device, seeded
from ``seed`` (or from ``reset(seed=...)``); initial states of all sub-environments are
drawn from it, so the same seed and the same actions give the same trajectories.

Example::

    env = neuroevo.envs.make("CartPole-v1", num_envs=1024, seed=0)
    obs, info = env.reset()
    obs, reward, terminated, truncated, info = env.step(torch.zeros(1024, dtype=torch.long))
"""

from __future__ import annotations

import copy
from enum import Enum
from typing import Any, ClassVar

import torch

from neuroevo.devices import resolve_device
from neuroevo.errors import TaskError


class AutoresetMode(str, Enum):
    """Autoreset modes, named and valued as gymnasium's ``gymnasium.vector.AutoresetMode``."""

    NEXT_STEP = "NextStep"
    SAME_STEP = "SameStep"
    DISABLED = "Disabled"

    @classmethod
    def parse(cls, mode: Any) -> AutoresetMode:
        """Accept an ``AutoresetMode``, gymnasium's enum, its value or its name (any case)."""
        value = getattr(mode, "value", mode)
        if isinstance(value, str):
            key = value.replace("_", "").lower()
            for member in cls:
                if key in (member.value.lower(), member.name.replace("_", "").lower()):
                    return member
        raise TaskError(
            f"autoreset_mode: unknown mode {mode!r}; use one of "
            f"{[m.value for m in cls]} (gymnasium's AutoresetMode names)"
        )


class VectorEnv:
    """``num_envs`` copies of one environment stepped together as torch tensors.

    Args:
        num_envs: number of sub-environments ``N`` (>= 1).
        device: torch device; ``None`` = CUDA when available, else CPU.
        dtype: floating dtype of states, observations and rewards. A step is computed in
            gymnasium's precision and rounded to it: with ``torch.float32`` it equals
            gymnasium's step (fed float32 actions) bit for bit, with ``torch.float64`` to
            rounding error; float64 keeps a trajectory close to gymnasium's for longer.
        seed: seed of the environment's ``torch.Generator`` (``None``: fresh entropy).
        max_episode_steps: time limit (gymnasium's ``TimeLimit``); defaults to the value
            gymnasium registers for the environment; ``None`` or 0 disables it.
        autoreset_mode: ``"SameStep"`` (default), ``"NextStep"`` or ``"Disabled"``; see
            the module docstring.
        check_actions: check that discrete actions are in range (costs one device
            synchronisation per step; turn off for speed once a policy is known good).
    """

    #: gymnasium id of the environment this class reproduces
    name: ClassVar[str] = "env"
    observation_size: ClassVar[int]
    state_size: ClassVar[int]
    #: names of the ``state_size`` columns of :attr:`state`, in gymnasium's layout (``None``:
    #: unnamed; plots then say ``s0``, ``s1`` ...)
    state_labels: ClassVar[tuple[str, ...] | None] = None
    #: names of the ``observation_size`` observation columns, in gymnasium's order (``None``:
    #: unnamed); the task's input names, drawn on genome drawings
    observation_labels: ClassVar[tuple[str, ...] | None] = None
    #: discrete: a name per action ``0 .. num_actions - 1``; continuous: a name per action
    #: column (``action_size``); gymnasium's documented meanings. ``None``: unnamed
    action_labels: ClassVar[tuple[str, ...] | None] = None
    discrete: ClassVar[bool]
    #: discrete environments: actions are integers in ``[0, num_actions)``
    num_actions: ClassVar[int | None] = None
    #: continuous environments: actions are floats ``[N, action_size]`` within bounds
    action_size: ClassVar[int | None] = None
    action_bounds: ClassVar[tuple[float, float] | None] = None
    default_max_episode_steps: ClassVar[int | None] = None
    #: gymnasium's registered reward threshold (``None``: none registered)
    reward_threshold: ClassVar[float | None] = None
    #: ``(low, high)`` per observation column, what ``Control(obs_norm="auto")`` maps onto
    #: ``[-1, 1]``: gymnasium's observation-space bounds where finite, typical ranges where
    #: gymnasium says infinite (``None``: no known ranges)
    observation_bounds: ClassVar[tuple[tuple[float, ...], tuple[float, ...]] | None] = None

    def __init__(
        self,
        num_envs: int,
        *,
        device: torch.device | str | None = None,
        dtype: torch.dtype = torch.float32,
        seed: int | None = None,
        max_episode_steps: int | None | str = "default",
        autoreset_mode: Any = AutoresetMode.SAME_STEP,
        check_actions: bool = True,
    ) -> None:
        if isinstance(num_envs, bool) or not isinstance(num_envs, int) or num_envs < 1:
            raise TaskError(f"num_envs: expected a positive integer, got {num_envs!r}")
        if not isinstance(dtype, torch.dtype) or not dtype.is_floating_point:
            raise TaskError(f"dtype: expected a floating torch dtype, got {dtype!r}")
        if max_episode_steps == "default":
            max_episode_steps = self.default_max_episode_steps
        if max_episode_steps is not None and (
            isinstance(max_episode_steps, bool)
            or not isinstance(max_episode_steps, int)
            or max_episode_steps < 0
        ):
            raise TaskError(
                f"max_episode_steps: expected a non-negative integer or None, "
                f"got {max_episode_steps!r}"
            )
        self.num_envs = num_envs
        self.device = resolve_device(device)
        self.dtype = dtype
        self.max_episode_steps: int | None = max_episode_steps or None
        self.autoreset_mode = AutoresetMode.parse(autoreset_mode)
        self.check_actions = bool(check_actions)
        self.generator = torch.Generator(device=self.device)
        self._seed(seed)
        if self.discrete:
            self.action_low = self.action_high = None
        else:
            low, high = self.action_bounds  # type: ignore[misc]
            assert self.action_size is not None  # continuous environments set it
            self.action_low = torch.full((self.action_size,), low, device=self.device, dtype=dtype)
            self.action_high = torch.full(
                (self.action_size,), high, device=self.device, dtype=dtype
            )
        self._state = self._sample_initial_state(num_envs, self.generator)
        if (
            seed is not None
        ):  # the first reset() draws the same states: make(seed=s).reset() == reset(seed=s)
            self.generator.manual_seed(seed)
        self.elapsed_steps = torch.zeros(num_envs, dtype=torch.long, device=self.device)
        self._needs_reset = torch.zeros(num_envs, dtype=torch.bool, device=self.device)

    def select(self, rows: torch.Tensor) -> VectorEnv:
        """A copy holding only the sub-environments ``rows`` (long tensor of indices).

        Their state, step counts and pending resets are carried over; the copy shares the
        random generator. Rollouts use it to stop stepping episodes that have all ended.
        Subclasses with more per-environment tensors extend it.
        """
        sub = copy.copy(self)
        sub.num_envs = int(rows.numel())
        sub._state = self._state[rows]
        sub.elapsed_steps = self.elapsed_steps[rows]
        sub._needs_reset = self._needs_reset[rows]
        return sub

    # ------------------------------------------------------------------ physics (subclasses)
    def _sample_initial_state(self, n: int, generator: torch.Generator) -> torch.Tensor:
        """Initial states ``[n, state_size]`` drawn with ``generator``."""
        raise NotImplementedError

    def _dynamics(self, state: torch.Tensor, action: torch.Tensor) -> torch.Tensor:
        """Next states ``[N, state_size]`` after applying ``action`` (in ``dtype``, unclipped).

        May return a wider dtype than ``dtype`` (gymnasium's float64); :meth:`step` takes
        termination, reward and observation from it, then keeps :meth:`_store` of it.
        """
        raise NotImplementedError

    def _store(self, new_state: torch.Tensor) -> torch.Tensor:
        """The state kept after a step: ``new_state`` in ``dtype`` (gymnasium rounds
        MountainCarContinuous's state to float32, which overrides this)."""
        return new_state.to(self.dtype)

    def _wide(self, x: torch.Tensor) -> torch.Tensor:
        """``x`` in float64, gymnasium's precision (unchanged on devices without float64)."""
        return x if self.device.type == "mps" else x.to(torch.float64)

    def _observation(self, state: torch.Tensor) -> torch.Tensor:
        """Observations ``[N, observation_size]`` of ``state`` (default: the state itself)."""
        return state

    def _terminated(self, state: torch.Tensor) -> torch.Tensor:
        """Bool ``[N]``: ``state`` is terminal (default: never)."""
        return torch.zeros(state.shape[0], dtype=torch.bool, device=state.device)

    def _reward(
        self,
        state: torch.Tensor,
        action: torch.Tensor,
        new_state: torch.Tensor,
        terminated: torch.Tensor,
    ) -> torch.Tensor:
        """Reward ``[N]`` of the transition ``state --action--> new_state``."""
        raise NotImplementedError

    # ------------------------------------------------------------------ helpers
    def _uniform(
        self, n: int, k: int, low: float, high: float, generator: torch.Generator
    ) -> torch.Tensor:
        """``[n, k]`` uniform samples in ``[low, high)`` on this env's device and dtype."""
        u = torch.rand(n, k, generator=generator, device=self.device, dtype=self.dtype)
        return low + (high - low) * u

    def _seed(self, seed: int | None) -> None:
        if seed is None:
            self.generator.seed()
        elif isinstance(seed, bool) or not isinstance(seed, int):
            raise TaskError(f"seed: expected an integer or None, got {seed!r}")
        else:
            self.generator.manual_seed(seed)

    # ------------------------------------------------------------------ state
    @property
    def state(self) -> torch.Tensor:
        """Physical state ``[num_envs, state_size]``, same layout as gymnasium's ``env.state``."""
        return self._state

    @state.setter
    def state(self, value: Any) -> None:
        value = torch.as_tensor(value, device=self.device, dtype=self.dtype)
        expected = (self.num_envs, self.state_size)
        if tuple(value.shape) != expected:
            raise TaskError(
                f"{self.name} state: expected shape {list(expected)} "
                f"(num_envs, state_size), got {list(value.shape)}"
            )
        self._state = value.clone()

    # ------------------------------------------------------------------ API
    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[torch.Tensor, dict[str, Any]]:
        """Start new episodes; returns ``(obs [N, obs_size], info)``.

        ``seed`` reseeds the generator. ``options={"reset_mask": m}`` (bool ``[N]``) resets
        only the sub-environments where ``m`` is True, as in gymnasium.
        """
        if seed is not None:
            self._seed(seed)
        options = options or {}
        unknown = set(options) - {"reset_mask"}
        if unknown:
            raise TaskError(f"reset options: unknown keys {sorted(unknown)}; known: ['reset_mask']")
        mask = options.get("reset_mask")
        if mask is None:
            self._state = self._sample_initial_state(self.num_envs, self.generator)
            self.elapsed_steps.zero_()
            self._needs_reset.zero_()
        else:
            mask = torch.as_tensor(mask, device=self.device)
            if mask.dtype != torch.bool or tuple(mask.shape) != (self.num_envs,):
                raise TaskError(
                    f"reset_mask: expected a bool tensor of shape [{self.num_envs}], "
                    f"got {mask.dtype} {list(mask.shape)}"
                )
            self._reset_where(mask)
        return self._observation(self._state), {}

    def step(
        self, action: Any
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor, dict[str, Any]]:
        """Advance every sub-environment by one step.

        ``action``: discrete envs, an integer tensor ``[N]`` with values in
        ``[0, num_actions)``; continuous envs, a float tensor ``[N, action_size]``,
        clipped to ``[action_low, action_high]`` by the dynamics, as gymnasium does.
        Returns ``obs [N, obs_size]``, ``reward [N]`` (``dtype``), ``terminated [N]`` and
        ``truncated [N]`` (bool) and ``info`` (see the module docstring for autoreset).
        """
        action = self._prepare_action(action)
        new, new_obs, reward, terminated = self.transition(self._state, action)
        self.elapsed_steps += 1
        if self.max_episode_steps is not None:
            truncated = self.elapsed_steps >= self.max_episode_steps
        else:
            truncated = torch.zeros_like(terminated)
        info: dict[str, Any] = {}
        mode = self.autoreset_mode
        if mode is AutoresetMode.NEXT_STEP:
            restart = self._needs_reset
            keep = ~restart
            reward = torch.where(keep, reward, torch.zeros_like(reward))
            terminated = terminated & keep
            truncated = truncated & keep
            self._state = new
            self._reset_where(restart)
            self._needs_reset = terminated | truncated
            obs = torch.where(restart[:, None], self._observation(self._state), new_obs)
        elif mode is AutoresetMode.SAME_STEP:
            self._state = new
            done = terminated | truncated
            info["final_obs"] = new_obs
            info["_final_obs"] = done
            self._reset_where(done)
            obs = torch.where(done[:, None], self._observation(self._state), new_obs)
        else:
            self._state = new
            obs = new_obs
        return obs, reward, terminated, truncated, info

    def transition(
        self, state: torch.Tensor, action: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """One step of the physics, as a pure function: ``(new_state, obs, reward,
        terminated)`` of ``state [N, state_size]`` and a prepared ``action``.

        :meth:`step` is this plus time limits and autoreset; compiled rollouts
        (:mod:`neuroevo.tasks.compiled`) trace it. It reads only ``state``, ``action`` and
        the environment's constants, and takes no host decision on tensor values.
        """
        wide = self._dynamics(state, action)  # gymnasium's precision; termination etc. from it
        terminated = self._terminated(wide)
        reward = self._reward(state, action, wide, terminated).to(self.dtype)
        obs = self._observation(wide).to(self.dtype)
        return self._store(wide), obs, reward, terminated

    def physics_key(self) -> tuple:
        """What :meth:`transition` depends on besides its arguments: the class, device, dtype
        and the instance's plain settings (``sutton_barto_reward``, ``g`` ...). Compiled
        rollouts keep one compiled loop per key."""
        settings = tuple(
            sorted(
                (k, v)
                for k, v in vars(self).items()
                if isinstance(v, (bool, int, float, str))
                and k not in ("num_envs", "max_episode_steps", "check_actions")
            )
        )
        return (type(self), self.device, self.dtype, settings)

    def _reset_where(self, mask: torch.Tensor) -> None:
        """Reset the sub-environments where ``mask`` is True (no host sync)."""
        fresh = self._sample_initial_state(self.num_envs, self.generator)
        self._state = torch.where(mask[:, None], fresh, self._state)
        self.elapsed_steps = torch.where(
            mask, torch.zeros_like(self.elapsed_steps), self.elapsed_steps
        )
        self._needs_reset = self._needs_reset & ~mask

    def _prepare_action(self, action: Any) -> torch.Tensor:
        return prepare_action(self, action)

    def close(self) -> None:
        """Nothing to release (API parity with gymnasium and the gymnasium adapter)."""

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(num_envs={self.num_envs}, device={self.device}, "
            f"dtype={self.dtype}, max_episode_steps={self.max_episode_steps}, "
            f"autoreset_mode={self.autoreset_mode.value!r})"
        )


def prepare_action(env: Any, action: Any) -> torch.Tensor:
    """Check an action batch against ``env``'s action format; return it as a tensor.

    Discrete: an integer tensor ``[num_envs]`` in ``[0, num_actions)`` (the range is
    checked when ``env.check_actions``), returned as ``long``. Continuous: a real tensor
    ``[num_envs, action_size]``, returned in ``env.dtype`` (not clipped). Anything else
    raises :class:`TaskError` naming the expected shape.
    """
    try:
        action = torch.as_tensor(action, device=env.device)
    except (TypeError, ValueError, RuntimeError) as exc:
        raise TaskError(
            f"{env.name} action: cannot convert {type(action).__name__} to a tensor ({exc})"
        ) from exc
    n = env.num_envs
    if env.discrete:
        if (
            tuple(action.shape) != (n,)
            or action.dtype.is_floating_point
            or action.dtype
            in (
                torch.bool,
                torch.complex64,
                torch.complex128,
            )
        ):
            raise TaskError(
                f"{env.name} action: expected an integer tensor of shape [{n}] "
                f"(num_envs,) with values in [0, {env.num_actions}), got "
                f"{action.dtype} {list(action.shape)}; use policy outputs.argmax(-1)"
            )
        if env.check_actions:
            bad = (action < 0) | (action >= env.num_actions)
            if bool(bad.any()):
                raise TaskError(
                    f"{env.name} action: value {action[bad][0].item()} outside "
                    f"[0, {env.num_actions})"
                )
        return action.long()
    if (
        tuple(action.shape) != (n, env.action_size)
        or action.dtype == torch.bool
        or action.dtype.is_complex
    ):
        raise TaskError(
            f"{env.name} action: expected a float tensor of shape "
            f"[{n}, {env.action_size}] (num_envs, action_size), got "
            f"{action.dtype} {list(action.shape)}"
        )
    return action.to(env.dtype)
