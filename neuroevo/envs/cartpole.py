"""CartPole-v1, vectorized: gymnasium 1.4's ``CartPoleEnv`` as torch tensors.

Constants, Euler integration, termination, rewards and the initial state distribution
are those of ``gymnasium/envs/classic_control/cartpole.py`` (gymnasium 1.4), itself the
cart-pole of Barto, Sutton & Anderson (1983), "Neuronlike adaptive elements that can
solve difficult learning control problems", IEEE SMC 13(5). The time limit (500) and
reward threshold (475) are those of gymnasium's registration.

State (= observation): ``[x, x_dot, theta, theta_dot]``. Actions: integers, 0 pushes
the cart left, 1 right.

Example::

    env = CartPole(1024, seed=0)
    obs, _ = env.reset()
    obs, reward, terminated, truncated, info = env.step((obs[:, 2] > 0).long())
"""

from __future__ import annotations

import math
from typing import Any

import torch

from neuroevo.envs.base import VectorEnv


class CartPole(VectorEnv):
    """``num_envs`` cart-poles. ``sutton_barto_reward=True``: reward 0 per step, -1 on failure."""

    name = "CartPole-v1"
    observation_size = 4
    state_size = 4
    state_labels = ("x", "x_dot", "theta", "theta_dot")
    observation_labels = ("x", "x_dot", "theta", "theta_dot")  # the observation is the state
    action_labels = ("push left", "push right")  # gymnasium: 0 pushes left, 1 pushes right
    discrete = True
    num_actions = 2
    default_max_episode_steps = 500
    reward_threshold = 475.0
    # x and theta within the termination limits (gymnasium's space is twice as wide); the
    # velocities, unbounded in gymnasium, within typical ranges
    observation_bounds = ((-2.4, -3.0, -0.2095, -3.5), (2.4, 3.0, 0.2095, 3.5))

    gravity = 9.8
    masscart = 1.0
    masspole = 0.1
    total_mass = masspole + masscart
    length = 0.5  # half the pole's length
    polemass_length = masspole * length
    force_mag = 10.0
    tau = 0.02  # seconds between state updates
    theta_threshold_radians = 12 * 2 * math.pi / 360
    x_threshold = 2.4

    def __init__(self, num_envs: int, *, sutton_barto_reward: bool = False, **kwargs: Any) -> None:
        self.sutton_barto_reward = bool(sutton_barto_reward)
        super().__init__(num_envs, **kwargs)

    def _sample_initial_state(self, n: int, generator: torch.Generator) -> torch.Tensor:
        return self._uniform(n, 4, -0.05, 0.05, generator)

    def _dynamics(self, state: torch.Tensor, action: torch.Tensor) -> torch.Tensor:
        # gymnasium's state is float64 whatever the observations' float32 (see envs/base.py)
        state = self._wide(state)
        x, x_dot, theta, theta_dot = state.unbind(-1)
        force = torch.where(action == 1, self.force_mag, -self.force_mag).to(state.dtype)
        costheta, sintheta = torch.cos(theta), torch.sin(theta)
        temp = (force + self.polemass_length * theta_dot.square() * sintheta) / self.total_mass
        thetaacc = (self.gravity * sintheta - costheta * temp) / (
            self.length * (4.0 / 3.0 - self.masspole * costheta.square() / self.total_mass)
        )
        xacc = temp - self.polemass_length * thetaacc * costheta / self.total_mass
        # gymnasium's default kinematics_integrator "euler"
        return torch.stack(
            (
                x + self.tau * x_dot,
                x_dot + self.tau * xacc,
                theta + self.tau * theta_dot,
                theta_dot + self.tau * thetaacc,
            ),
            dim=-1,
        )

    def _terminated(self, state: torch.Tensor) -> torch.Tensor:
        x, theta = state[:, 0], state[:, 2]
        return (
            (x < -self.x_threshold)
            | (x > self.x_threshold)
            | (theta < -self.theta_threshold_radians)
            | (theta > self.theta_threshold_radians)
        )

    def _reward(
        self,
        state: torch.Tensor,
        action: torch.Tensor,
        new_state: torch.Tensor,
        terminated: torch.Tensor,
    ) -> torch.Tensor:
        if self.sutton_barto_reward:
            return -terminated.to(self.dtype)
        return torch.ones(state.shape[0], dtype=self.dtype, device=state.device)
