"""MountainCar-v0 and MountainCarContinuous-v0, vectorized: gymnasium 1.4 as torch tensors.

An under-powered car in a valley must build momentum to reach the hill top on the
right (Moore 1990, "Efficient memory-based learning for robot control", PhD thesis,
University of Cambridge). Constants, the update (velocity, then position, both clipped;
the car stops at the left wall), goal tests, rewards and initial states (position
uniform in [-0.6, -0.4], velocity 0) follow ``gymnasium/envs/classic_control/
mountain_car.py`` and ``continuous_mountain_car.py`` (gymnasium 1.4); time limits (200,
999) and reward thresholds (-110, 90) their registrations.

State (= observation): ``[position, velocity]``.

* ``MountainCar``: integer actions 0, 1, 2 = push left, none, right; reward -1 per step;
  goal position 0.5.
* ``MountainCarContinuous``: actions ``[N, 1]``, the force clipped to [-1, 1]; reward
  ``100`` on reaching the goal (position 0.45) minus ``0.1 * action**2`` of the
  *unclipped* action, as gymnasium. gymnasium stores this environment's state as float32
  after every step; so does this one (termination is tested before the rounding, as there).

Precision, as gymnasium (see ``envs/base.py``): MountainCar-v0 computes in float64 and
rounds. MountainCarContinuous-v0 with ``dtype=torch.float32`` repeats the float32
arithmetic gymnasium does on its float32 state and float32 action under NumPy's promotion
rules (``3 * position`` in float32, ``math.cos`` in float64, ``force * power - t`` in float32
unless the force was clipped to Python's ``+-1.0``, the sum with the velocity in float32;
:meth:`MountainCarContinuous._float32_velocity`); with ``torch.float64`` it computes in
float64 (gymnasium's first step after a reset, whose state is still float64) and rounds.

Example::

    env = MountainCar(256, seed=0)
    obs, _ = env.reset()
    obs, reward, terminated, truncated, info = env.step(2 * (obs[:, 1] > 0).long())
"""

from __future__ import annotations

from typing import Any

import torch

from neuroevo.envs.base import VectorEnv


class _MountainCarBase(VectorEnv):
    """Shared physics; subclasses give the force of an action."""

    observation_size = 2
    state_size = 2
    state_labels = ("position", "velocity")
    observation_labels = ("position", "velocity")  # the observation is the state
    observation_bounds = ((-1.2, -0.07), (0.6, 0.07))
    min_position = -1.2
    max_position = 0.6
    max_speed = 0.07
    goal_position = 0.5
    gravity = 0.0025

    def __init__(self, num_envs: int, *, goal_velocity: float = 0.0, **kwargs: Any) -> None:
        self.goal_velocity = float(goal_velocity)
        super().__init__(num_envs, **kwargs)

    def _sample_initial_state(self, n: int, generator: torch.Generator) -> torch.Tensor:
        position = self._uniform(n, 1, -0.6, -0.4, generator)
        return torch.cat((position, torch.zeros_like(position)), dim=-1)

    def _force(self, action: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
        raise NotImplementedError

    def _velocity(
        self, position: torch.Tensor, velocity: torch.Tensor, action: torch.Tensor
    ) -> torch.Tensor:
        """The velocity before its clip, from the state's position and velocity."""
        accel = self._force(action, position.dtype) - self.gravity * torch.cos(3 * position)
        return velocity + accel

    def _dynamics(self, state: torch.Tensor, action: torch.Tensor) -> torch.Tensor:
        position, velocity = self._wide(state).unbind(-1)
        velocity = self._velocity(position, velocity, action)
        velocity = velocity.clamp(-self.max_speed, self.max_speed)
        position = (position + velocity).clamp(self.min_position, self.max_position)
        stopped = (position <= self.min_position) & (velocity < 0)  # hit the left wall
        velocity = torch.where(stopped, torch.zeros_like(velocity), velocity)
        return torch.stack((position, velocity), dim=-1)

    def _terminated(self, state: torch.Tensor) -> torch.Tensor:
        return (state[:, 0] >= self.goal_position) & (state[:, 1] >= self.goal_velocity)


class MountainCar(_MountainCarBase):
    """``num_envs`` discrete mountain cars (force 0.001 per unit of ``action - 1``)."""

    name = "MountainCar-v0"
    discrete = True
    num_actions = 3
    action_labels = ("push left", "no push", "push right")  # force 0.001 * (action - 1)
    default_max_episode_steps = 200
    reward_threshold = -110.0
    force = 0.001

    def _force(self, action: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
        return (action - 1).to(dtype) * self.force

    def _reward(
        self,
        state: torch.Tensor,
        action: torch.Tensor,
        new_state: torch.Tensor,
        terminated: torch.Tensor,
    ) -> torch.Tensor:
        return torch.full((state.shape[0],), -1.0, dtype=self.dtype, device=state.device)


class MountainCarContinuous(_MountainCarBase):
    """``num_envs`` continuous mountain cars (force = clip(action, -1, 1) * 0.0015)."""

    name = "MountainCarContinuous-v0"
    discrete = False
    action_size = 1
    action_bounds = (-1.0, 1.0)
    action_labels = ("force",)
    default_max_episode_steps = 999
    reward_threshold = 90.0
    goal_position = 0.45  # 0.5 in MountainCar-v0
    power = 0.0015

    def _force(self, action: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
        low, high = self.action_bounds
        return action[:, 0].clamp(low, high) * self.power

    def _dynamics(self, state: torch.Tensor, action: torch.Tensor) -> torch.Tensor:
        if state.dtype != torch.float32:
            return super()._dynamics(state, action)  # float64 throughout, rounded by _store
        position, velocity = state.unbind(-1)  # gymnasium's float32 state
        velocity = self._float32_velocity(position, velocity, action[:, 0])
        velocity = velocity.clamp(-self.max_speed, self.max_speed)  # float32 bounds, as NumPy
        position = (position + velocity).clamp(self.min_position, self.max_position)
        stopped = (position <= self.min_position) & (velocity < 0)
        velocity = torch.where(stopped, torch.zeros_like(velocity), velocity)
        return torch.stack((position, velocity), dim=-1)

    def _float32_velocity(
        self, position: torch.Tensor, velocity: torch.Tensor, action: torch.Tensor
    ) -> torch.Tensor:
        """gymnasium's ``velocity += force * self.power - 0.0025 * math.cos(3 * position)``
        on a float32 state and action, operation by operation.

        ``force = min(max(action, -1.0), 1.0)`` is the float32 action, or Python's float
        ``+-1.0`` where it clips; a float32 operand turns the Python float of the other side
        into float32 (NumPy 2's promotion), a Python float on both sides stays float64.
        """
        t = self.gravity * torch.cos(self._wide(3 * position))  # 3 * position in float32
        clipped = (action > 1.0) | (action < -1.0)
        inside = action * self.power - t.to(torch.float32)  # float32 throughout
        outside = torch.where(action > 0, 1.0, -1.0).to(t.dtype) * self.power - t  # float64
        return velocity + torch.where(clipped, outside.to(torch.float32), inside)

    def _store(self, new_state: torch.Tensor) -> torch.Tensor:
        return new_state.to(torch.float32).to(self.dtype)  # gymnasium keeps float32

    def _observation(self, state: torch.Tensor) -> torch.Tensor:
        return state.to(torch.float32).to(self.dtype)  # gymnasium returns its float32 state

    def _reward(
        self,
        state: torch.Tensor,
        action: torch.Tensor,
        new_state: torch.Tensor,
        terminated: torch.Tensor,
    ) -> torch.Tensor:
        # 100.0 - math.pow(action, 2) * 0.1: float64, from the float32 action
        a = self._wide(action[:, 0])
        return 100.0 * terminated.to(a.dtype) - a.square() * 0.1
