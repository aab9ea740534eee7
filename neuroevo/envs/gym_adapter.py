"""Any gymnasium environment behind the :class:`~neuroevo.envs.base.VectorEnv` API.

:class:`GymVectorEnv` runs ``num_envs`` copies of a gymnasium environment (each built
with ``gymnasium.make``, stepped one after the other in this process) and converts
actions from and observations/rewards to torch tensors, so a task written for the
vectorized torch environments also evaluates LunarLander, BipedalWalker (with
``pip install "neuroevo[box2d]"``) or any registered environment. It is as fast as
gymnasium, not faster: the torch environments of this package are the fast path.

Autoreset modes:

* ``"SameStep"`` (default, as the torch environments) and ``"NextStep"``: the copies run
  in gymnasium's own ``gymnasium.vector.SyncVectorEnv``, so autoreset, the
  ``final_obs``/``_final_obs`` info keys and the other info entries (gymnasium's numpy
  arrays, unconverted) are gymnasium's own.
* ``"Disabled"`` (what rollouts use): only the copies whose episode is still running are
  stepped. A copy whose episode ended is not stepped again (gymnasium's ``SyncVectorEnv``
  refuses to step it too); its row repeats the last observation and the final
  ``terminated``/``truncated`` flags, with reward 0, until ``reset`` starts a new episode
  there (``options={"reset_mask": m}`` resets only the rows of ``m``, and no other copy
  is touched). ``info`` is empty. :meth:`select` keeps a subset of the copies. A rollout
  therefore costs one gymnasium ``step`` per step of a running episode and one ``reset``
  per episode, as a plain gymnasium loop does.

``reset(seed=s)`` seeds copy ``i`` with ``s + i``; ``seed=[s_0, ..., s_{n-1}]`` gives each
copy its own seed (gymnasium's vector convention), so an episode's start depends only on
its seed, not on the other copies.

Differences from the torch environments: there is no ``state`` attribute (gymnasium
environments have no common state layout; reading it raises ``TaskError``), the
observation space must be a ``Box`` (flattened to ``[N, observation_size]``) and the
action space a ``Discrete`` (actions: integers ``[N]`` in ``[0, n)``, gymnasium's
``start`` offset added for you) or a ``Box`` (actions: floats ``[N, action_size]``,
reshaped to the space's shape; clipping is the environment's own business, as in
gymnasium).

Example::

    env = GymVectorEnv("CartPole-v1", 8, seed=0)          # or neuroevo.envs.make("gym:CartPole-v1", 8)
    obs, info = env.reset()
    obs, reward, terminated, truncated, info = env.step(torch.ones(8, dtype=torch.long))
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import torch

from neuroevo.devices import resolve_device
from neuroevo.envs.base import AutoresetMode, prepare_action
from neuroevo.errors import TaskError


def _module_import_error(env_id: str, exc: ImportError) -> str:
    """The one line for gymnasium's ``"module:Env-v0"`` form when the module does not import."""
    module = env_id.partition(":")[0]
    missing = getattr(exc, "name", None) or module
    if missing == module or module.startswith(f"{missing}."):
        return (
            f"gymnasium environment {env_id!r}: cannot import module {module!r}, which "
            "registers it; make it importable (pip install its package, or add its "
            "folder to PYTHONPATH)"
        )
    return (
        f"gymnasium environment {env_id!r}: module {module!r} imports {missing!r}, which "
        f"is not installed ({' '.join(str(exc).split())}); install it"
    )


class GymVectorEnv:
    """``num_envs`` copies of gymnasium environment ``env_id`` returning torch tensors.

    Args:
        env_id: a registered gymnasium id ("LunarLander-v3", "CartPole-v1" ...), or
            gymnasium's ``"module:Env-v0"`` form: the module, which registers the
            environment when it is imported, is imported first.
        num_envs: number of sub-environments.
        device, dtype: where and in which floating dtype observations and rewards go.
        seed: seeds sub-environment ``i`` with ``seed + i`` on the first ``reset``.
        autoreset_mode: ``"SameStep"`` (default, as the torch environments; gymnasium's
            own default is ``"NextStep"``), ``"NextStep"`` or ``"Disabled"``; see the
            module docstring.
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
        self.gym_env: Any = None  # gymnasium's SyncVectorEnv (autoreset modes only)
        try:
            if self.autoreset_mode is AutoresetMode.DISABLED:
                self.envs = [gymnasium.make(env_id, **gym_kwargs) for _ in range(num_envs)]
            else:
                self.gym_env = gymnasium.make_vec(
                    env_id,
                    num_envs=num_envs,
                    vectorization_mode="sync",
                    vector_kwargs={
                        "autoreset_mode": gymnasium.vector.AutoresetMode(self.autoreset_mode.value)
                    },
                    **gym_kwargs,
                )
                self.envs = self.gym_env.envs
        except gymnasium.error.DependencyNotInstalled as exc:
            raise TaskError(
                f"gymnasium environment {env_id!r} needs a missing dependency: {exc}"
            ) from exc
        except gymnasium.error.Error as exc:
            custom = (
                ""
                if ":" in env_id
                else (
                    "; an environment registered by a module of yours is named with the module, "
                    f"gym:<module>:{env_id} (gymnasium imports it first)"
                )
            )
            raise TaskError(
                f"gymnasium cannot make {env_id!r}: {' '.join(str(exc).split())}{custom}. "
                "Registered ids: gymnasium.pprint_registry()"
            ) from exc
        except ImportError as exc:
            if ":" not in env_id:  # an environment's own missing package: the caller says
                raise  # which extra installs it
            raise TaskError(_module_import_error(env_id, exc)) from None
        self.name = env_id
        self.num_envs = num_envs
        self.device = resolve_device(device)
        self.dtype = dtype
        self.check_actions = bool(check_actions)
        self._seed = seed
        self._setup_spaces(gymnasium.spaces)
        spec = self.envs[0].spec  # the made one's (gymnasium.spec cannot read "module:id")
        self.max_episode_steps: int | None = gym_kwargs.get(
            "max_episode_steps", getattr(spec, "max_episode_steps", None)
        )
        self.reward_threshold: float | None = getattr(spec, "reward_threshold", None)
        self._elapsed = np.zeros(num_envs, dtype=np.int64)
        self._needs_reset = np.zeros(num_envs, dtype=bool)  # NextStep: restarts on the next step
        # Disabled mode: the last observation, flags and whether each copy's episode runs
        self._obs = np.zeros((num_envs, *self._obs_shape), dtype=self._obs_dtype)
        self._terminated = np.zeros(num_envs, dtype=bool)
        self._truncated = np.zeros(num_envs, dtype=bool)
        self._live = np.zeros(num_envs, dtype=bool)
        self._running: list[int] = []
        self._started = False

    def _setup_spaces(self, spaces: Any) -> None:
        obs_space = self.envs[0].observation_space
        act_space = self.envs[0].action_space
        if not isinstance(obs_space, spaces.Box):
            raise TaskError(
                f"{self.name}: observation space {obs_space} is not a Box; wrap the environment "
                "(e.g. gymnasium.wrappers.FlattenObservation) before using it here"
            )
        self.observation_size = int(np.prod(obs_space.shape))
        self._obs_shape, self._obs_dtype = obs_space.shape, obs_space.dtype
        self.discrete = isinstance(act_space, spaces.Discrete)
        if self.discrete:
            assert isinstance(act_space, spaces.Discrete)
            self.num_actions: int | None = int(act_space.n)
            self._action_start = int(act_space.start)
            self.action_size: int | None = None
            self.action_low = self.action_high = None
        elif isinstance(act_space, spaces.Box):
            self.num_actions = None
            self._action_shape = act_space.shape
            self._action_dtype = act_space.dtype
            self.action_size = int(np.prod(act_space.shape))
            self.action_low = torch.as_tensor(
                act_space.low.reshape(-1), device=self.device, dtype=self.dtype
            )
            self.action_high = torch.as_tensor(
                act_space.high.reshape(-1), device=self.device, dtype=self.dtype
            )
        else:
            raise TaskError(f"{self.name}: action space {act_space} is neither Discrete nor Box")

    @property
    def state(self) -> torch.Tensor:
        raise TaskError(
            f"{self.name} through the gymnasium adapter has no batched `state`; read the "
            "sub-environments through env.envs[i].unwrapped"
        )

    @property
    def elapsed_steps(self) -> torch.Tensor:
        """Steps of each copy's current episode, ``[N]`` (long)."""
        return torch.as_tensor(self._elapsed.copy(), device=self.device)

    def _tensor(self, array: np.ndarray) -> torch.Tensor:
        """A torch copy of ``array`` in this env's dtype and device."""
        return torch.tensor(array, dtype=self.dtype, device=self.device)

    def _seeds(self, seed: Any) -> list[int | None]:
        if seed is None:
            seed, self._seed = self._seed, None
        if seed is None or (isinstance(seed, int) and not isinstance(seed, bool)):
            return [None if seed is None else seed + i for i in range(self.num_envs)]
        seeds = list(seed) if isinstance(seed, (list, tuple)) else None
        if (
            seeds is None
            or len(seeds) != self.num_envs
            or not all(s is None or (isinstance(s, int) and not isinstance(s, bool)) for s in seeds)
        ):
            raise TaskError(
                f"reset seed: expected None, an integer or a list of {self.num_envs} integers "
                f"(one per sub-environment), got {seed!r}"
            )
        return seeds

    def reset(
        self, *, seed: int | list[int | None] | None = None, options: dict[str, Any] | None = None
    ) -> tuple[torch.Tensor, dict[str, Any]]:
        """Start new episodes; ``seed`` (or the constructor's, first call): see the module docstring.

        ``options={"reset_mask": m}`` (bool ``[N]``) resets only the copies where ``m`` is True.
        """
        seeds = self._seeds(seed)
        options = dict(options or {})
        if "reset_mask" in options:
            mask = np.asarray(torch.as_tensor(options.pop("reset_mask")).cpu().numpy())
            if mask.dtype != bool or mask.shape != (self.num_envs,):
                raise TaskError(
                    f"reset_mask: expected a bool array of shape [{self.num_envs}], "
                    f"got {mask.dtype} {list(mask.shape)}"
                )
        else:
            mask = np.ones(self.num_envs, dtype=bool)
        self._elapsed[mask] = 0
        self._needs_reset[mask] = False
        if self.gym_env is not None:
            if not mask.all():
                options["reset_mask"] = mask
            obs, info = self.gym_env.reset(seed=seeds, options=options or None)
            return self._tensor(np.asarray(obs).reshape(self.num_envs, -1)), info
        for i in np.flatnonzero(mask).tolist():
            obs, _ = self.envs[i].reset(seed=seeds[i], options=options or None)
            self._obs[i] = obs
        self._terminated[mask] = self._truncated[mask] = False
        self._started = True
        self._live |= mask
        self._running = np.flatnonzero(self._live).tolist()
        return self._tensor(self._obs.reshape(self.num_envs, -1)), {}

    def _actions(self, action: Any) -> Any:
        """Actions as gymnasium takes them: Python ints (discrete) or arrays of the space's shape."""
        action = prepare_action(self, action).cpu().numpy()
        if self.discrete:
            return action + self._action_start
        return action.astype(self._action_dtype).reshape(self.num_envs, *self._action_shape)

    def step(
        self, action: Any
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor, dict[str, Any]]:
        """Step the copies; same shapes and autoreset rules as :meth:`VectorEnv.step`.

        In ``"Disabled"`` mode only the copies whose episode is running are stepped.
        """
        actions = self._actions(action)
        if self.gym_env is None:
            return self._step_running(actions)
        obs, reward, terminated, truncated, info = self.gym_env.step(actions)
        obs = self._tensor(np.asarray(obs).reshape(self.num_envs, -1))
        done = np.asarray(terminated, dtype=bool) | np.asarray(truncated, dtype=bool)
        if self.autoreset_mode is AutoresetMode.NEXT_STEP:
            self._elapsed = np.where(self._needs_reset, 0, self._elapsed + 1)
            self._needs_reset = done
        else:  # SameStep
            self._elapsed = np.where(done, 0, self._elapsed + 1)
            finished = np.asarray(info.get("_final_obs", np.zeros(self.num_envs, bool)), dtype=bool)
            final = obs.clone()
            for i in np.flatnonzero(finished):  # only the few finished envs
                final[i] = torch.as_tensor(np.asarray(info["final_obs"][i]).reshape(-1)).to(final)
            info = {
                **info,
                "final_obs": final,
                "_final_obs": torch.as_tensor(finished, device=self.device),
            }
        terminated, truncated = (
            torch.as_tensor(np.asarray(flag, dtype=bool), device=self.device)
            for flag in (terminated, truncated)
        )
        return obs, self._tensor(np.asarray(reward)), terminated, truncated, info

    def _step_running(
        self, actions: Any
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor, dict[str, Any]]:
        """Disabled mode: one gymnasium ``step`` per running copy, nothing for the others."""
        if not self._started:
            raise TaskError(f"{self.name}: call reset() before step() (autoreset_mode='Disabled')")
        if self.discrete:
            actions = actions.tolist()
        envs, obs, terminated, truncated = self.envs, self._obs, self._terminated, self._truncated
        reward = np.zeros(self.num_envs, dtype=np.float64)
        ended = False
        for i in self._running:
            o, r, term, trunc, _ = envs[i].step(actions[i])
            obs[i] = o
            reward[i] = r
            if term or trunc:
                terminated[i], truncated[i], ended = term, trunc, True
        self._elapsed[self._running] += 1
        if ended:
            self._live &= ~(terminated | truncated)
            self._running = np.flatnonzero(self._live).tolist()
        obs_t, reward_t = self._tensor(obs.reshape(self.num_envs, -1)), self._tensor(reward)
        return (
            obs_t,
            reward_t,
            torch.tensor(terminated, device=self.device),
            torch.tensor(truncated, device=self.device),
            {},
        )

    def select(self, rows: Any) -> GymVectorEnv:
        """A view of only the copies ``rows`` (indices), in ``"Disabled"`` mode.

        The view shares the gymnasium environments and carries over their last
        observations, flags and step counts; rollouts use it to drop finished episodes.
        """
        if self.gym_env is not None:
            raise TaskError(
                f"{self.name}: select needs autoreset_mode='Disabled' (gymnasium's SyncVectorEnv "
                f"cannot be split); this adapter runs in {self.autoreset_mode.value!r}"
            )
        idx = torch.as_tensor(rows).reshape(-1).cpu().numpy().astype(np.int64)
        sub = copy.copy(self)
        sub.envs = [self.envs[i] for i in idx.tolist()]
        sub.num_envs = len(idx)
        for name in ("_obs", "_terminated", "_truncated", "_live", "_elapsed", "_needs_reset"):
            setattr(sub, name, getattr(self, name)[idx])
        sub._running = np.flatnonzero(sub._live).tolist()
        return sub

    def close(self) -> None:
        """Close gymnasium's environments."""
        if self.gym_env is not None:
            self.gym_env.close()
        else:
            for env in self.envs:
                env.close()

    def __repr__(self) -> str:
        return (
            f"GymVectorEnv({self.name!r}, num_envs={self.num_envs}, device={self.device}, "
            f"dtype={self.dtype}, autoreset_mode={self.autoreset_mode.value!r})"
        )
