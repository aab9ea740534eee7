"""Any gymnasium environment behind the :class:`~neuroevo.envs.base.VectorEnv` API.

:class:`GymVectorEnv` runs ``num_envs`` copies of a gymnasium environment in a
``gymnasium.vector.SyncVectorEnv`` (one Python process, environments stepped one after
the other) and converts actions from and observations/rewards to torch tensors, so a
task written for the vectorized torch environments also evaluates LunarLander,
BipedalWalker (with ``pip install "gymnasium[box2d]"``) or any registered environment.
It is as fast as gymnasium, not faster: the torch environments of this package are
the fast path.

Differences from the torch environments: there is no ``state`` attribute (gymnasium
environments have no common state layout; reading it raises ``TaskError``), the
observation space must be a ``Box`` (flattened to ``[N, observation_size]``) and the
action space a ``Discrete`` (actions: integers ``[N]`` in ``[0, n)``, gymnasium's
``start`` offset added for you) or a ``Box`` (actions: floats ``[N, action_size]``,
reshaped to the space's shape; clipping is the environment's own business, as in
gymnasium). Autoreset modes and the ``final_obs``/``_final_obs`` info keys are
gymnasium's own; other info entries are gymnasium's numpy arrays, unconverted.

Example::

    env = GymVectorEnv("CartPole-v1", 8, seed=0)          # or neuroevo.envs.make("gym:CartPole-v1", 8)
    obs, info = env.reset()
    obs, reward, terminated, truncated, info = env.step(torch.ones(8, dtype=torch.long))
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from neuroevo.devices import resolve_device
from neuroevo.envs.base import AutoresetMode, prepare_action
from neuroevo.errors import TaskError


class GymVectorEnv:
    """``num_envs`` copies of gymnasium environment ``env_id`` returning torch tensors.

    Args:
        env_id: a registered gymnasium id ("LunarLander-v3", "CartPole-v1" ...).
        num_envs: number of sub-environments.
        device, dtype: where and in which floating dtype observations and rewards go.
        seed: seeds sub-environment ``i`` with ``seed + i`` on the first ``reset``.
        autoreset_mode: gymnasium's ``AutoresetMode`` (default ``"SameStep"``, as the torch
            environments; gymnasium's own default is ``"NextStep"``).
        check_actions: check discrete actions are in range.
        **gym_kwargs: passed to ``gymnasium.make`` for every copy (``max_episode_steps`` ...).
    """

    def __init__(
        self,
        env_id: str,
        num_envs: int,
        *,
        device: torch.device | str | None = None,
        dtype: torch.dtype = torch.float32,
        seed: int | None = None,
        autoreset_mode: Any = AutoresetMode.SAME_STEP,
        check_actions: bool = True,
        **gym_kwargs: Any,
    ) -> None:
        import gymnasium

        if isinstance(num_envs, bool) or not isinstance(num_envs, int) or num_envs < 1:
            raise TaskError(f"num_envs: expected a positive integer, got {num_envs!r}")
        if not isinstance(dtype, torch.dtype) or not dtype.is_floating_point:
            raise TaskError(f"dtype: expected a floating torch dtype, got {dtype!r}")
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise TaskError(f"seed: expected an integer or None, got {seed!r}")
        self.autoreset_mode = AutoresetMode.parse(autoreset_mode)
        try:
            self.gym_env = gymnasium.make_vec(
                env_id,
                num_envs=num_envs,
                vectorization_mode="sync",
                vector_kwargs={"autoreset_mode": gymnasium.vector.AutoresetMode(self.autoreset_mode.value)},
                **gym_kwargs,
            )
        except gymnasium.error.DependencyNotInstalled as exc:
            raise TaskError(f"gymnasium environment {env_id!r} needs a missing dependency: {exc}") from exc
        except gymnasium.error.Error as exc:
            raise TaskError(
                f"gymnasium cannot make {env_id!r}: {exc}. Registered ids: gymnasium.pprint_registry()"
            ) from exc
        self.name = env_id
        self.num_envs = num_envs
        self.device = resolve_device(device)
        self.dtype = dtype
        self.check_actions = bool(check_actions)
        self._seed = seed
        self._setup_spaces(gymnasium.spaces)
        spec = gymnasium.spec(env_id)
        self.max_episode_steps: int | None = gym_kwargs.get("max_episode_steps", spec.max_episode_steps)
        self.reward_threshold: float | None = spec.reward_threshold
        self.elapsed_steps = torch.zeros(num_envs, dtype=torch.long, device=self.device)
        self._needs_reset = torch.zeros(num_envs, dtype=torch.bool, device=self.device)

    def _setup_spaces(self, spaces: Any) -> None:
        obs_space = self.gym_env.single_observation_space
        act_space = self.gym_env.single_action_space
        if not isinstance(obs_space, spaces.Box):
            raise TaskError(
                f"{self.name}: observation space {obs_space} is not a Box; wrap the environment "
                "(e.g. gymnasium.wrappers.FlattenObservation) before using it here"
            )
        self.observation_size = int(np.prod(obs_space.shape))
        self.discrete = isinstance(act_space, spaces.Discrete)
        if self.discrete:
            self.num_actions: int | None = int(act_space.n)
            self._action_start = int(act_space.start)
            self.action_size: int | None = None
            self.action_low = self.action_high = None
        elif isinstance(act_space, spaces.Box):
            self.num_actions = None
            self._action_shape = act_space.shape
            self._action_dtype = act_space.dtype
            self.action_size = int(np.prod(act_space.shape))
            self.action_low = torch.as_tensor(act_space.low.reshape(-1), device=self.device, dtype=self.dtype)
            self.action_high = torch.as_tensor(act_space.high.reshape(-1), device=self.device, dtype=self.dtype)
        else:
            raise TaskError(f"{self.name}: action space {act_space} is neither Discrete nor Box")

    @property
    def state(self) -> torch.Tensor:
        raise TaskError(
            f"{self.name} through the gymnasium adapter has no batched `state`; read the "
            "sub-environments through env.gym_env.envs[i].unwrapped"
        )

    def _obs(self, obs: Any) -> torch.Tensor:
        obs = np.asarray(obs).reshape(self.num_envs, self.observation_size)
        return torch.as_tensor(obs, device=self.device).to(self.dtype)

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[torch.Tensor, dict[str, Any]]:
        """gymnasium's ``reset``; ``seed`` (or the constructor's, on the first call) seeds env i with seed + i."""
        if seed is None:
            seed, self._seed = self._seed, None
        if options and "reset_mask" in options:
            mask = torch.as_tensor(options["reset_mask"], device=self.device)
            options = {**options, "reset_mask": mask.cpu().numpy()}
        else:
            mask = torch.ones(self.num_envs, dtype=torch.bool, device=self.device)
        obs, info = self.gym_env.reset(seed=seed, options=options)
        self.elapsed_steps = torch.where(mask, 0, self.elapsed_steps)
        self._needs_reset = self._needs_reset & ~mask
        return self._obs(obs), info

    def step(
        self, action: Any
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor, dict[str, Any]]:
        """Step every copy; same shapes and autoreset rules as :meth:`VectorEnv.step`."""
        action = prepare_action(self, action).cpu()
        if self.discrete:
            np_action = action.numpy() + self._action_start
        else:
            np_action = action.numpy().astype(self._action_dtype).reshape(self.num_envs, *self._action_shape)
        obs, reward, terminated, truncated, info = self.gym_env.step(np_action)
        obs = self._obs(obs)
        reward = torch.as_tensor(np.asarray(reward), device=self.device).to(self.dtype)
        terminated = torch.as_tensor(np.asarray(terminated, dtype=bool), device=self.device)
        truncated = torch.as_tensor(np.asarray(truncated, dtype=bool), device=self.device)
        done = terminated | truncated
        if self.autoreset_mode is AutoresetMode.NEXT_STEP:
            restarted = self._needs_reset
            self.elapsed_steps = torch.where(restarted, 0, self.elapsed_steps + 1)
            self._needs_reset = done
        elif self.autoreset_mode is AutoresetMode.SAME_STEP:
            self.elapsed_steps = torch.where(done, 0, self.elapsed_steps + 1)
            finished = torch.as_tensor(info.get("_final_obs", np.zeros(self.num_envs, bool)), device=self.device)
            final = obs.clone()
            for i in np.flatnonzero(finished.cpu().numpy()):  # only the few finished envs
                final[i] = torch.as_tensor(np.asarray(info["final_obs"][i]).reshape(-1)).to(final)
            info = {**info, "final_obs": final, "_final_obs": finished}
        else:
            self.elapsed_steps = self.elapsed_steps + 1
        return obs, reward, terminated, truncated, info

    def close(self) -> None:
        """Close gymnasium's environments."""
        self.gym_env.close()

    def __repr__(self) -> str:
        return (
            f"GymVectorEnv({self.name!r}, num_envs={self.num_envs}, device={self.device}, "
            f"dtype={self.dtype}, autoreset_mode={self.autoreset_mode.value!r})"
        )
