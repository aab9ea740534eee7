"""Double pole balancing, with (Markovian) and without (non-Markovian) velocities, batched.

The benchmark of the NEAT paper (Stanley & Miikkulainen 2002, "Evolving Neural Networks
through Augmenting Topologies", Evolutionary Computation 10(2), sec. 4.2): a cart on a
4.8 m track carries two poles hinged side by side; a force of at most 10 N pushes the
cart; the poles must stay within 36 degrees of vertical and the cart on the track.

Equations of motion (Wieland 1991, "Evolving neural network controllers for unstable
systems", IJCNN; as written by Gruau, Whitley & Pyeatt 1996, "A comparison between
cellular encoding and direct encoding for genetic neural networks", and by Gomez &
Miikkulainen), for poles ``i = 1, 2`` with half-lengths ``l_i`` and masses ``m_i``::

    x''      = (F - mu_c sgn(x') + sum_i F~_i) / (M + sum_i m~_i)
    theta_i''= -3/(4 l_i) (x'' cos theta_i + g sin theta_i + mu_p theta_i' / (m_i l_i))
    F~_i     = m_i l_i theta_i'^2 sin theta_i
               + 3/4 m_i cos theta_i (mu_p theta_i' / (m_i l_i) + g sin theta_i)
    m~_i     = m_i (1 - 3/4 cos^2 theta_i)

Constants, as in the reference implementation NEAT's figures were obtained with
(Stanley's NEAT C++ ``CartPole`` class, itself from the pole code of Sutton, Anderson and
Gomez):

========================  ===========================  =====================================
g                         -9.8 m/s^2                   sign convention of the equations
cart mass M               1.0 kg
pole masses m_1, m_2      0.1 kg, 0.01 kg
pole half-lengths l_i     0.5 m, 0.05 m                poles of 1 m and 0.1 m
hinge friction mu_p       0.000002
cart friction mu_c        0.0 (default)                the C++ code defines 0.0005 but never
                                                       uses it; ``cart_friction=0.0005``
                                                       adds Wieland's term
force F                   (a) * 10 N, a in [-1, 1]     NEAT maps a sigmoid output o in [0, 1]
                                                       to F = (o - 0.5) * 2 * 10 N
time step                 0.01 s RK4, 2 per action     one action every 0.02 s
failure                   |x| > 2.4 m or any           36 degrees = 0.6283 rad
                          |theta_i| > 36 degrees
initial state             theta_1 = 0.07 rad, rest 0   the C++ comment says "one degree"
                                                       but the value is 0.07 rad (about 4
                                                       degrees); Gomez et al. use 4.5 degrees
========================  ===========================  =====================================

Observations follow NEAT's scaling: ``x / 4.8, x' / 2, theta_i / 0.52, theta_i' / 2``
(Markovian, 6 values) or ``x / 4.8, theta_1 / 0.52, theta_2 / 0.52`` (without velocities).
NEAT also fed a constant 0.5 bias input; neat-python nodes have their own bias instead.

Reward: 1 for every step that ends with the system within bounds (0 on the failing step),
so an episode's return is the number of steps balanced. ``DoublePole`` ("DoublePole-v0")
runs up to 100,000 steps (the Markovian task is solved by balancing all of them);
``DoublePoleNV`` ("DoublePoleNV-v0") runs 1,000 steps and scores an episode with Gruau's
anti-wiggle fitness (:class:`AntiWiggleFitness`); its solutions must then balance 100,000
steps and pass the generalization test on the 625 start states of
:func:`generalization_states` (at least 200 balanced for 1,000 steps).

Example::

    env = DoublePole(1024, dtype=torch.float64, seed=0)
    obs, _ = env.reset()
    obs, reward, terminated, truncated, _ = env.step(torch.zeros(1024, 1, dtype=torch.float64))
"""

from __future__ import annotations

import copy
import itertools
import math
from typing import Any, ClassVar, NamedTuple

import torch

from neuroevo.envs.base import VectorEnv
from neuroevo.errors import TaskError

GRAVITY = -9.8
CART_MASS = 1.0
POLE_MASSES = (0.1, 0.01)
POLE_HALF_LENGTHS = (0.5, 0.05)
POLE_FRICTION = 0.000002
CART_FRICTION_WIELAND = 0.0005
FORCE_MAG = 10.0
TAU = 0.01
SUBSTEPS = 2
TRACK_LIMIT = 2.4
FAIL_ANGLE = math.radians(36.0)
INITIAL_ANGLE = 0.07

#: NEAT's input scaling of (x, x', theta_1, theta_1', theta_2, theta_2')
OBS_SCALE = (4.8, 2.0, 0.52, 2.0, 0.52, 2.0)


class PoleCoefficients(NamedTuple):
    """Per-pole constant tensors ``[2]`` of Wieland's equations, computed once."""

    mass: torch.Tensor  # m_i
    ml: torch.Tensor  # m_i l_i
    friction: torch.Tensor  # mu_p / (m_i l_i)
    force: torch.Tensor  # 3/4 m_i
    mass_cos2: torch.Tensor  # -3/4 m_i
    accel: torch.Tensor  # -3 / (4 l_i)


def pole_coefficients(
    pole_mass: torch.Tensor, half_length: torch.Tensor, pole_friction: float = POLE_FRICTION
) -> PoleCoefficients:
    """The constants :func:`derivatives` needs, for poles of these masses and half-lengths."""
    ml = pole_mass * half_length
    return PoleCoefficients(
        pole_mass, ml, pole_friction / ml, 0.75 * pole_mass, -0.75 * pole_mass, -0.75 / half_length
    )


def derivatives(
    state: torch.Tensor,
    force: torch.Tensor,
    *,
    pole_mass: torch.Tensor | None = None,
    half_length: torch.Tensor | None = None,
    cart_mass: float = CART_MASS,
    gravity: float = GRAVITY,
    pole_friction: float = POLE_FRICTION,
    cart_friction: float = 0.0,
    coefficients: PoleCoefficients | None = None,
) -> torch.Tensor:
    """Time derivative ``[N, 6]`` of states ``[N, 6]`` under ``force [N]`` (Wieland 1991).

    ``pole_mass`` and ``half_length`` are tensors ``[2]`` (one value per pole; default the
    NEAT constants), or ``coefficients`` gives them precomputed (:func:`pole_coefficients`).

    Example::

        m = torch.tensor([0.1, 0.01]); l = torch.tensor([0.5, 0.05])
        d = derivatives(torch.zeros(1, 6), torch.ones(1), pole_mass=m, half_length=l)
    """
    c = coefficients
    if c is None:
        like: dict[str, Any] = dict(device=state.device, dtype=state.dtype)
        m = torch.tensor(POLE_MASSES, **like) if pole_mass is None else pole_mass
        l = torch.tensor(POLE_HALF_LENGTHS, **like) if half_length is None else half_length
        c = pole_coefficients(m, l, pole_friction)
    s = state.reshape(-1, 3, 2)  # rows (x, x'), (theta_1, theta_1'), (theta_2, theta_2')
    vel = s[:, :, 1]
    theta = s[:, 1:, 0]
    theta_dot = vel[:, 1:]
    cos, sin = torch.cos(theta), torch.sin(theta)
    g_sin = sin * gravity
    friction = theta_dot * c.friction  # mu_p theta' / (m l)
    # F~_i = m l theta'^2 sin + 3/4 m cos (friction + g sin);  m~_i = m - 3/4 m cos^2
    eff_force = torch.addcmul(c.ml * theta_dot.square() * sin, c.force * cos, friction + g_sin)
    eff_mass = torch.addcmul(c.mass, c.mass_cos2, cos.square())
    numerator = force + eff_force.sum(1)
    if cart_friction:
        numerator = numerator - cart_friction * torch.sign(vel[:, 0])
    x_acc = numerator / (eff_mass.sum(1) + cart_mass)
    theta_acc = torch.addcmul(g_sin + friction, x_acc[:, None], cos) * c.accel
    acc = torch.cat((x_acc[:, None], theta_acc), 1)
    return torch.stack((vel, acc), 2).reshape(-1, 6)


def rk4(state: torch.Tensor, force: torch.Tensor, tau: float, **params: Any) -> torch.Tensor:
    """One classical Runge-Kutta step of length ``tau`` (force held constant).

    ``params`` go to :func:`derivatives`.
    """
    k1 = derivatives(state, force, **params)
    k2 = derivatives(torch.add(state, k1, alpha=tau / 2), force, **params)
    k3 = derivatives(torch.add(state, k2, alpha=tau / 2), force, **params)
    k4 = derivatives(torch.add(state, k3, alpha=tau), force, **params)
    return state + (k1 + 2.0 * (k2 + k3) + k4) * (tau / 6.0)


def generalization_states(
    *, device: torch.device | str | None = None, dtype: torch.dtype = torch.float64
) -> torch.Tensor:
    """The 625 start states ``[625, 6]`` of Gruau et al.'s (1996) generalization test.

    Each of ``x, x', theta_1, theta_1'`` takes the values at 0.05, 0.25, 0.5, 0.75 and 0.95
    of its range (``x`` in +-2.16 m, ``x'`` in +-1.35 m/s, ``theta_1`` in +-3.6 degrees,
    ``theta_1'`` in +-8.6 degrees/s); the short pole starts upright at rest. A
    non-Markovian solution must balance at least 200 of them for 1,000 steps.

    Example::

        states = generalization_states()            # [625, 6], float64
    """
    fractions = (0.05, 0.25, 0.5, 0.75, 0.95)
    half_ranges = (2.16, 1.35, math.radians(3.6), math.radians(8.6))
    rows = [
        [(2.0 * f - 1.0) * r for f, r in zip(combo, half_ranges)] + [0.0, 0.0]
        for combo in itertools.product(fractions, repeat=4)
    ]
    return torch.tensor(rows, device=device, dtype=dtype)


class AntiWiggleFitness:
    """Gruau et al.'s (1996) fitness for double pole balancing without velocities.

    ``f = 0.1 f1 + 0.9 f2`` with ``f1 = t / horizon`` (``t`` steps balanced, ``horizon``
    1,000) and ``f2 = 0.75 / sum_{last 100 steps} (|x| + |x'| + |theta_1| + |theta_1'|)``,
    or ``f2 = 0`` when ``t < 100``; the sum runs over the states after the last 100
    balanced steps (as NEAT's C++ code does). Rewards controllers that balance without
    swinging the cart, which a network can otherwise do without estimating velocities.

    A tracker of ``N`` episodes run in lockstep: call :meth:`update` after every step with
    the new physical states and whether each episode is still balanced; :meth:`result`
    gives ``[N]``.

    Example::

        tracker = AntiWiggleFitness(8, device="cpu", dtype=torch.float64)
    """

    def __init__(
        self,
        num_envs: int,
        *,
        horizon: int = 1000,
        window: int = 100,
        device: torch.device | str | None = None,
        dtype: torch.dtype = torch.float64,
    ) -> None:
        self.horizon = horizon
        self.window = window
        self.steps = torch.zeros(num_envs, dtype=torch.long, device=device)
        self._recent = torch.zeros(num_envs, window, dtype=dtype, device=device)
        self._t = 0

    def update(self, *, state: torch.Tensor, alive: torch.Tensor, **_: Any) -> None:
        """Record one lockstep step: ``state [N, 6]`` after it, ``alive [N]`` still balanced.

        Other keywords of the episode-tracker protocol of
        :class:`~neuroevo.tasks.control.Control` (``reward``, ``counted``) are ignored.
        """
        self.steps += alive
        wiggle = state[:, :4].abs().sum(1).to(self._recent.dtype)
        col = self._t % self.window
        self._recent[:, col] = torch.where(alive, wiggle, self._recent[:, col])
        self._t += 1

    def select(self, rows: torch.Tensor) -> AntiWiggleFitness:
        """The tracker of the episodes ``rows`` only (for compacted rollouts)."""
        sub = copy.copy(self)
        sub.steps = self.steps[rows]
        sub._recent = self._recent[rows]
        return sub

    def result(self) -> torch.Tensor:
        """Fitness ``[N]`` of the episodes so far."""
        t = self.steps.to(self._recent.dtype)
        f1 = t / self.horizon
        total = self._recent.sum(1)
        f2 = torch.where(self.steps >= self.window, 0.75 / total.clamp_min(1e-12), 0.0)
        return 0.1 * f1 + 0.9 * f2


class DoublePole(VectorEnv):
    """Double pole balancing with velocities ("DoublePole-v0"); see the module docstring.

    Args (besides :class:`~neuroevo.envs.base.VectorEnv`'s):
        initial_states: start states ``[k, 6]``; sub-environment ``i`` starts from row
            ``i % k``. Default: long pole at 0.07 rad, everything else 0 (NEAT).
        cart_friction: Wieland's cart-track friction (default 0, as NEAT's code).
        substeps: RK4 steps of 0.01 s per action (default 2, i.e. 0.02 s per action).

    Example::

        env = DoublePole(4, seed=0)
        obs, _ = env.reset()                         # [4, 6]
    """

    name: ClassVar[str] = "DoublePole-v0"
    observation_size: ClassVar[int] = 6
    state_size: ClassVar[int] = 6
    #: the state layout of :func:`derivatives`: cart, long pole (1 m), short pole (0.1 m)
    state_labels: ClassVar[tuple[str, ...] | None] = (
        "x",
        "x_dot",
        "theta1",
        "theta1_dot",
        "theta2",
        "theta2_dot",
    )
    #: the observed state columns, scaled as in NEAT (:data:`OBS_SCALE`)
    observation_labels: ClassVar[tuple[str, ...] | None] = (
        "x",
        "x_dot",
        "theta1",
        "theta1_dot",
        "theta2",
        "theta2_dot",
    )
    #: the force on the cart, in units of 10 N
    action_labels: ClassVar[tuple[str, ...] | None] = ("force",)
    discrete: ClassVar[bool] = False
    action_size: ClassVar[int | None] = 1
    action_bounds: ClassVar[tuple[float, float] | None] = (-1.0, 1.0)
    default_max_episode_steps: ClassVar[int | None] = 100_000
    #: the observations are already scaled as in NEAT's code
    observation_bounds: ClassVar[tuple[tuple[float, ...], tuple[float, ...]] | None] = (
        (-1.0,) * 6,
        (1.0,) * 6,
    )
    #: solved = balanced for the whole horizon (every step scores 1)
    solved_at_horizon: ClassVar[bool] = True
    _observed: ClassVar[tuple[int, ...]] = (0, 1, 2, 3, 4, 5)

    def __init__(
        self,
        num_envs: int,
        *,
        initial_states: Any = None,
        cart_friction: float = 0.0,
        substeps: int = SUBSTEPS,
        **kwargs: Any,
    ) -> None:
        if initial_states is None:
            initial_states = [[0.0, 0.0, INITIAL_ANGLE, 0.0, 0.0, 0.0]]
        starts = torch.as_tensor(initial_states, dtype=torch.float64)
        if starts.dim() != 2 or starts.shape[1] != 6 or starts.shape[0] < 1:
            raise TaskError(
                f"{self.name} initial_states: expected shape [k, 6] (x, x', theta_1, "
                f"theta_1', theta_2, theta_2'), got {list(starts.shape)}"
            )
        if isinstance(substeps, bool) or not isinstance(substeps, int) or substeps < 1:
            raise TaskError(f"{self.name} substeps: expected a positive integer, got {substeps!r}")
        if not isinstance(cart_friction, (int, float)) or cart_friction < 0:
            raise TaskError(
                f"{self.name} cart_friction: expected a non-negative number, got {cart_friction!r}"
            )
        self._starts = starts
        self.cart_friction = float(cart_friction)
        self.substeps = substeps
        super().__init__(num_envs, **kwargs)
        self._starts = starts.to(device=self.device, dtype=self.dtype)
        self._params = dict(
            coefficients=pole_coefficients(
                torch.tensor(POLE_MASSES, device=self.device, dtype=self.dtype),
                torch.tensor(POLE_HALF_LENGTHS, device=self.device, dtype=self.dtype),
            ),
            cart_friction=self.cart_friction,
        )
        scale = torch.tensor(OBS_SCALE, device=self.device, dtype=self.dtype)
        self._obs_index = torch.tensor(self._observed, device=self.device)
        self._obs_scale = scale[self._obs_index]

    def _sample_initial_state(self, n: int, generator: torch.Generator) -> torch.Tensor:
        starts = self._starts.to(device=self.device, dtype=self.dtype)
        index = torch.arange(n, device=self.device) % starts.shape[0]
        return starts[index]

    def _dynamics(self, state: torch.Tensor, action: torch.Tensor) -> torch.Tensor:
        force = action[:, 0].clamp(-1.0, 1.0) * FORCE_MAG  # actions are clipped to [-1, 1]
        for _ in range(self.substeps):
            state = rk4(state, force, TAU, **self._params)
        return state

    def _observation(self, state: torch.Tensor) -> torch.Tensor:
        return state.index_select(1, self._obs_index) / self._obs_scale

    def _terminated(self, state: torch.Tensor) -> torch.Tensor:
        angles = state[:, 2::2].abs().amax(1)
        return (state[:, 0].abs() > TRACK_LIMIT) | (angles > FAIL_ANGLE)

    def _reward(
        self,
        state: torch.Tensor,
        action: torch.Tensor,
        new_state: torch.Tensor,
        terminated: torch.Tensor,
    ) -> torch.Tensor:
        return (~terminated).to(self.dtype)


class DoublePoleNV(DoublePole):
    """Double pole balancing without velocities ("DoublePoleNV-v0"): observes x, theta_1,
    theta_2 only; 1,000-step episodes scored by :class:`AntiWiggleFitness`.

    Example::

        env = DoublePoleNV(625, initial_states=generalization_states())
    """

    name: ClassVar[str] = "DoublePoleNV-v0"
    observation_size: ClassVar[int] = 3
    observation_labels: ClassVar[tuple[str, ...] | None] = ("x", "theta1", "theta2")
    observation_bounds: ClassVar[tuple[tuple[float, ...], tuple[float, ...]] | None] = (
        (-1.0,) * 3,
        (1.0,) * 3,
    )
    default_max_episode_steps: ClassVar[int | None] = 1000
    solved_at_horizon: ClassVar[bool] = False
    _observed: ClassVar[tuple[int, ...]] = (0, 2, 4)

    def make_fitness_tracker(self) -> AntiWiggleFitness:
        """The episode fitness :class:`~neuroevo.tasks.control.Control` uses by default."""
        horizon = self.max_episode_steps or 1000
        return AntiWiggleFitness(
            self.num_envs, horizon=horizon, device=self.device, dtype=self.dtype
        )


__all__ = [
    "DoublePole",
    "DoublePoleNV",
    "AntiWiggleFitness",
    "PoleCoefficients",
    "derivatives",
    "pole_coefficients",
    "rk4",
    "generalization_states",
]
