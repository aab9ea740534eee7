"""Acrobot-v1, vectorized: gymnasium 1.4's ``AcrobotEnv`` as torch tensors.

Two links swing from a fixed joint; torque acts on the joint between them; the goal is
to lift the tip above one link's length over the base. Constants, the equations of
motion (``_dsdt``), one fourth-order Runge-Kutta step of ``dt = 0.2`` s, angle wrapping,
velocity bounds, termination, reward (-1 per step, 0 on the terminal step) and the
initial state (uniform in [-0.1, 0.1], rounded to float32) follow
``gymnasium/envs/classic_control/acrobot.py`` (gymnasium 1.4); the time limit (500) and
reward threshold (-100) its registration. Dynamics: Sutton & Barto (1998),
"Reinforcement Learning: An Introduction" ("book", gymnasium's default) or Sutton
(1996), NIPS 8 ("nips"). gymnasium's torque noise is 0 and is not reproduced.

State: ``[theta1, theta2, dtheta1, dtheta2]``. Observation:
``[cos theta1, sin theta1, cos theta2, sin theta2, dtheta1, dtheta2]``. Actions:
integers 0, 1, 2 = torque -1, 0, +1.

Example::

    env = Acrobot(512, seed=0)
    obs, _ = env.reset()
    obs, reward, terminated, truncated, info = env.step(torch.full((512,), 2))
"""

from __future__ import annotations

import math
from typing import Any

import torch

from neuroevo.envs.base import VectorEnv
from neuroevo.errors import TaskError

PI = math.pi


def _wrap(x: torch.Tensor, low: float, high: float) -> torch.Tensor:
    """gymnasium's ``wrap``: shift by whole periods ``high - low`` into ``[low, high]``.

    gymnasium subtracts one period at a time (``while x > high: x = x - diff``); so do the
    first two shifts here, bit for bit; any further periods (beyond every state tested) are
    removed at once.
    """
    diff = high - low
    for _ in range(2):
        x = torch.where(x > high, x - diff, x)
    x = x - diff * torch.clamp(torch.ceil((x - high) / diff), min=0)
    for _ in range(2):
        x = torch.where(x < low, x + diff, x)
    return x + diff * torch.clamp(torch.ceil((low - x) / diff), min=0)


class Acrobot(VectorEnv):
    """``num_envs`` acrobots; ``book_or_nips`` picks the dynamics (default ``"book"``)."""

    name = "Acrobot-v1"
    observation_size = 6
    state_size = 4
    state_labels = ("theta1", "theta2", "theta1_dot", "theta2_dot")
    observation_labels = (
        "cos theta1",
        "sin theta1",
        "cos theta2",
        "sin theta2",
        "theta1_dot",
        "theta2_dot",
    )
    action_labels = ("torque -1", "torque 0", "torque +1")  # gymnasium: action - 1 N m
    discrete = True
    num_actions = 3
    default_max_episode_steps = 500
    reward_threshold = -100.0
    observation_bounds = (
        (-1, -1, -1, -1, -4 * math.pi, -9 * math.pi),
        (1, 1, 1, 1, 4 * math.pi, 9 * math.pi),
    )

    dt = 0.2
    LINK_LENGTH_1 = 1.0
    LINK_MASS_1 = 1.0
    LINK_MASS_2 = 1.0
    LINK_COM_POS_1 = 0.5
    LINK_COM_POS_2 = 0.5
    LINK_MOI = 1.0
    MAX_VEL_1 = 4 * PI
    MAX_VEL_2 = 9 * PI
    AVAIL_TORQUE = (-1.0, 0.0, 1.0)
    g = 9.8

    def __init__(self, num_envs: int, *, book_or_nips: str = "book", **kwargs: Any) -> None:
        if book_or_nips not in ("book", "nips"):
            raise TaskError(
                f"Acrobot book_or_nips: expected 'book' or 'nips', got {book_or_nips!r}"
            )
        self.book_or_nips = book_or_nips
        super().__init__(num_envs, **kwargs)

    def _sample_initial_state(self, n: int, generator: torch.Generator) -> torch.Tensor:
        state = self._uniform(n, 4, -0.1, 0.1, generator)
        return state.to(torch.float32).to(self.dtype)  # gymnasium stores it as float32

    def _dsdt(self, s: torch.Tensor, a: torch.Tensor) -> torch.Tensor:
        m1, m2, l1 = self.LINK_MASS_1, self.LINK_MASS_2, self.LINK_LENGTH_1
        lc1, lc2, I1, I2, g = (
            self.LINK_COM_POS_1,
            self.LINK_COM_POS_2,
            self.LINK_MOI,
            self.LINK_MOI,
            self.g,
        )
        theta1, theta2, dtheta1, dtheta2 = s.unbind(-1)
        # each cosine and sine once, the three cosines in one call (gymnasium evaluates
        # cos(theta2) twice and sin(theta2) three times: the same values; elementwise, so
        # one call gives what three give, and a compiled rollout makes one call of it)
        cos2, cos12, cos1 = torch.cos(
            torch.stack((theta2, theta1 + theta2 - PI / 2.0, theta1 - PI / 2))
        ).unbind(0)
        sin2 = torch.sin(theta2)
        d1 = m1 * lc1**2 + m2 * (l1**2 + lc2**2 + 2 * l1 * lc2 * cos2) + I1 + I2
        d2 = m2 * (lc2**2 + l1 * lc2 * cos2) + I2
        phi2 = m2 * lc2 * g * cos12
        phi1 = (
            -m2 * l1 * lc2 * dtheta2**2 * sin2
            - 2 * m2 * l1 * lc2 * dtheta2 * dtheta1 * sin2
            + (m1 * lc1 + m2 * l1) * g * cos1
            + phi2
        )
        if self.book_or_nips == "nips":
            ddtheta2 = (a + d2 / d1 * phi1 - phi2) / (m2 * lc2**2 + I2 - d2**2 / d1)
        else:
            ddtheta2 = (a + d2 / d1 * phi1 - m2 * l1 * lc2 * dtheta1**2 * sin2 - phi2) / (
                m2 * lc2**2 + I2 - d2**2 / d1
            )
        ddtheta1 = -(d2 * ddtheta2 + phi1) / d1
        return torch.stack((dtheta1, dtheta2, ddtheta1, ddtheta2), dim=-1)

    def _dynamics(self, state: torch.Tensor, action: torch.Tensor) -> torch.Tensor:
        state = self._wide(state)  # gymnasium appends the torque: a float64 state from here on
        torque = torch.tensor(self.AVAIL_TORQUE, dtype=state.dtype, device=state.device)[action]
        dt, dt2 = self.dt, self.dt / 2.0
        k1 = self._dsdt(state, torque)
        k2 = self._dsdt(state + dt2 * k1, torque)
        k3 = self._dsdt(state + dt2 * k2, torque)
        k4 = self._dsdt(state + dt * k3, torque)
        ns = state + dt / 6.0 * (k1 + 2 * k2 + 2 * k3 + k4)
        return torch.stack(
            (
                _wrap(ns[:, 0], -PI, PI),
                _wrap(ns[:, 1], -PI, PI),
                ns[:, 2].clamp(-self.MAX_VEL_1, self.MAX_VEL_1),
                ns[:, 3].clamp(-self.MAX_VEL_2, self.MAX_VEL_2),
            ),
            dim=-1,
        )

    def _observation(self, state: torch.Tensor) -> torch.Tensor:
        t1, t2, d1, d2 = state.unbind(-1)
        angles = torch.stack((t1, t2))
        (c1, c2), (s1, s2) = angles.cos(), angles.sin()
        return torch.stack((c1, s1, c2, s2, d1, d2), dim=-1)

    def _terminated(self, state: torch.Tensor) -> torch.Tensor:
        t1, t2 = state[:, 0], state[:, 1]
        c1, c12 = torch.cos(torch.stack((t1, t2 + t1)))
        return -c1 - c12 > 1.0

    def _reward(
        self,
        state: torch.Tensor,
        action: torch.Tensor,
        new_state: torch.Tensor,
        terminated: torch.Tensor,
    ) -> torch.Tensor:
        return torch.where(terminated, 0.0, -1.0).to(self.dtype)
