"""Pendulum-v1, vectorized: gymnasium 1.4's ``PendulumEnv`` as torch tensors.

Swing a frictionless pendulum up and hold it upright with a bounded torque. Constants,
the semi-implicit Euler update, the cost ``angle_normalize(th)**2 + 0.1 * thdot**2 +
0.001 * u**2`` (reward = -cost, computed on the state before the step), the clipping of
the torque to [-2, 2] and of the speed to [-8, 8], and the initial state (angle uniform
in [-pi, pi], speed in [-1, 1]) follow ``gymnasium/envs/classic_control/pendulum.py``
(gymnasium 1.4); the time limit (200) its registration. Never terminates.

State: ``[theta, theta_dot]`` (theta = 0 is upright). Observation:
``[cos theta, sin theta, theta_dot]``. Actions: torque ``[N, 1]``.

Example::

    env = Pendulum(256, seed=0)
    obs, _ = env.reset()
    obs, reward, terminated, truncated, info = env.step(-2.0 * obs[:, 1:2])
"""

from __future__ import annotations

import math
from typing import Any

import torch

from neuroevo.envs.base import VectorEnv


def angle_normalize(x: torch.Tensor) -> torch.Tensor:
    """Angle mapped into [-pi, pi), as gymnasium's ``angle_normalize``."""
    return torch.remainder(x + math.pi, 2 * math.pi) - math.pi


class Pendulum(VectorEnv):
    """``num_envs`` pendulums; ``g`` is gravity (gymnasium's default 10.0)."""

    name = "Pendulum-v1"
    observation_size = 3
    state_size = 2
    state_labels = ("theta", "theta_dot")
    observation_labels = ("cos theta", "sin theta", "theta_dot")
    action_labels = ("torque",)
    discrete = False
    action_size = 1
    action_bounds = (-2.0, 2.0)
    default_max_episode_steps = 200
    observation_bounds = ((-1.0, -1.0, -8.0), (1.0, 1.0, 8.0))

    max_speed = 8.0
    max_torque = 2.0
    dt = 0.05
    m = 1.0
    l = 1.0  # noqa: E741  (gymnasium's name)

    def __init__(self, num_envs: int, *, g: float = 10.0, **kwargs: Any) -> None:
        self.g = float(g)
        super().__init__(num_envs, **kwargs)

    def _sample_initial_state(self, n: int, generator: torch.Generator) -> torch.Tensor:
        u = self._uniform(n, 2, -1.0, 1.0, generator)
        return u * torch.tensor([math.pi, 1.0], dtype=self.dtype, device=self.device)

    def _dynamics(self, state: torch.Tensor, action: torch.Tensor) -> torch.Tensor:
        # gymnasium: a float64 state; the torque stays in the action's dtype (float32 from its
        # float32 action space), so ``3.0 * u`` is a float32 product, promoted when added
        th, thdot = self._wide(state).unbind(-1)
        u = action[:, 0].clamp(-self.max_torque, self.max_torque)
        g, m, l, dt = self.g, self.m, self.l, self.dt
        newthdot = thdot + (3 * g / (2 * l) * torch.sin(th) + 3.0 / (m * l**2) * u) * dt
        newthdot = newthdot.clamp(-self.max_speed, self.max_speed)
        return torch.stack((th + newthdot * dt, newthdot), dim=-1)

    def _observation(self, state: torch.Tensor) -> torch.Tensor:
        th, thdot = state.unbind(-1)
        return torch.stack((th.cos(), th.sin(), thdot), dim=-1)

    def _reward(
        self,
        state: torch.Tensor,
        action: torch.Tensor,
        new_state: torch.Tensor,
        terminated: torch.Tensor,
    ) -> torch.Tensor:
        th, thdot = self._wide(state).unbind(-1)
        u = action[:, 0].clamp(-self.max_torque, self.max_torque)
        return -(angle_normalize(th) ** 2 + 0.1 * thdot**2 + 0.001 * u**2)  # u**2: float32
