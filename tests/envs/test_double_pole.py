"""Double pole balancing: batched RK4 against a scalar transcription of Wieland's equations.

The reference below is written from the equations as printed in the papers (Wieland 1991;
Gruau, Whitley & Pyeatt 1996), with plain Python floats, independently of the module.
"""

from __future__ import annotations

import math
import random

import pytest
import torch

from neuroevo.envs import make
from neuroevo.envs.double_pole import (
    AntiWiggleFitness,
    DoublePole,
    DoublePoleNV,
    derivatives,
    generalization_states,
    rk4,
)
from neuroevo.errors import TaskError

F64 = torch.float64
MASSES = torch.tensor([0.1, 0.01], dtype=F64)
HALF_LENGTHS = torch.tensor([0.5, 0.05], dtype=F64)


# ----------------------------------------------------------------------------- reference
def ref_derivatives(s, force, mu_c=0.0, mu_p=0.000002):
    """dx/dt of (x, x', th1, th1', th2, th2') from the paper's equations, scalar floats."""
    g, big_m = -9.8, 1.0
    x, xd, th1, th1d, th2, th2d = s
    poles = [(th1, th1d, 0.1, 0.5), (th2, th2d, 0.01, 0.05)]
    eff_f = 0.0
    eff_m = 0.0
    for th, thd, m, l in poles:
        eff_f += m * l * thd**2 * math.sin(th) + 0.75 * m * math.cos(th) * (
            mu_p * thd / (m * l) + g * math.sin(th)
        )
        eff_m += m * (1.0 - 0.75 * math.cos(th) ** 2)
    sgn = (xd > 0) - (xd < 0)
    xdd = (force - mu_c * sgn + eff_f) / (big_m + eff_m)
    acc = [
        -0.75 / l * (xdd * math.cos(th) + g * math.sin(th) + mu_p * thd / (m * l))
        for th, thd, m, l in poles
    ]
    return [xd, xdd, th1d, acc[0], th2d, acc[1]]


def ref_rk4(s, force, h, mu_c=0.0):
    def add(a, b, k):
        return [ai + k * bi for ai, bi in zip(a, b)]

    k1 = ref_derivatives(s, force, mu_c)
    k2 = ref_derivatives(add(s, k1, h / 2), force, mu_c)
    k3 = ref_derivatives(add(s, k2, h / 2), force, mu_c)
    k4 = ref_derivatives(add(s, k3, h), force, mu_c)
    return [si + h / 6 * (a + 2 * b + 2 * c + d) for si, a, b, c, d in zip(s, k1, k2, k3, k4)]


def random_states(n, rng):
    return [
        [
            rng.uniform(-2.3, 2.3),
            rng.uniform(-2, 2),
            rng.uniform(-0.6, 0.6),
            rng.uniform(-2, 2),
            rng.uniform(-0.6, 0.6),
            rng.uniform(-3, 3),
        ]
        for _ in range(n)
    ]


# ----------------------------------------------------------------------------- dynamics
@pytest.mark.parametrize("mu_c", [0.0, 0.0005])
def test_derivatives_match_scalar_reference(mu_c):
    rng = random.Random(0)
    states = random_states(64, rng)
    forces = [rng.uniform(-10, 10) for _ in states]
    got = derivatives(
        torch.tensor(states, dtype=F64),
        torch.tensor(forces, dtype=F64),
        pole_mass=MASSES,
        half_length=HALF_LENGTHS,
        cart_friction=mu_c,
    )
    want = torch.tensor([ref_derivatives(s, f, mu_c) for s, f in zip(states, forces)], dtype=F64)
    torch.testing.assert_close(got, want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("mu_c", [0.0, 0.0005])
def test_env_step_matches_two_scalar_rk4_steps(mu_c):
    rng = random.Random(1)
    states = random_states(32, rng)
    actions = [rng.uniform(-1.5, 1.5) for _ in states]  # beyond +-1: clipped
    env = DoublePole(32, dtype=F64, seed=0, cart_friction=mu_c, autoreset_mode="Disabled")
    env.reset()
    env.state = torch.tensor(states, dtype=F64)
    env.step(torch.tensor(actions, dtype=F64)[:, None])
    want = []
    for s, a in zip(states, actions):
        for _ in range(2):  # two RK4 steps of 0.01 s per action, force = a * 10 N
            s = ref_rk4(s, 10.0 * max(-1.0, min(1.0, a)), 0.01, mu_c)
        want.append(s)
    torch.testing.assert_close(env.state, torch.tensor(want, dtype=F64), rtol=1e-11, atol=1e-12)


def test_float32_close_to_float64():
    rng = random.Random(2)
    states = random_states(16, rng)
    s64 = torch.tensor(states, dtype=F64)
    f = torch.linspace(-10, 10, 16, dtype=F64)
    a = rk4(s64, f, 0.01, pole_mass=MASSES, half_length=HALF_LENGTHS)
    b = rk4(
        s64.float(), f.float(), 0.01, pole_mass=MASSES.float(), half_length=HALF_LENGTHS.float()
    )
    torch.testing.assert_close(b.double(), a, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("mu_c", [0.0, 0.0005])
def test_mirror_symmetry(mu_c):
    rng = random.Random(3)
    s = torch.tensor(random_states(50, rng), dtype=F64)
    f = torch.tensor([rng.uniform(-10, 10) for _ in range(50)], dtype=F64)
    kw = dict(pole_mass=MASSES, half_length=HALF_LENGTHS, cart_friction=mu_c)
    torch.testing.assert_close(derivatives(-s, -f, **kw), -derivatives(s, f, **kw))
    torch.testing.assert_close(rk4(-s, -f, 0.01, **kw), -rk4(s, f, 0.01, **kw))


def _energy_and_momentum(s):
    """Mechanical energy and horizontal momentum of cart + two uniform rods (g = 9.8 up)."""
    x, xd, th1, th1d, th2, th2d = s.unbind(1)
    energy = 0.5 * 1.0 * xd**2
    momentum = 1.0 * xd
    for th, thd, m, l in ((th1, th1d, 0.1, 0.5), (th2, th2d, 0.01, 0.05)):
        vx = xd + l * thd * torch.cos(th)
        vy = l * thd * torch.sin(th)
        energy = energy + 0.5 * m * (vx**2 + vy**2) + 0.5 * m * l**2 / 3 * thd**2
        energy = energy + m * 9.8 * l * torch.cos(th)
        momentum = momentum + m * vx
    return energy, momentum


def test_frictionless_unforced_system_conserves_energy_and_momentum():
    rng = random.Random(4)
    s = torch.tensor(random_states(8, rng), dtype=F64)
    s[:, 2::2] *= 0.3
    e0, p0 = _energy_and_momentum(s)
    zero = torch.zeros(8, dtype=F64)
    for _ in range(200):
        s = rk4(s, zero, 0.001, pole_mass=MASSES, half_length=HALF_LENGTHS, pole_friction=0.0)
    e1, p1 = _energy_and_momentum(s)
    torch.testing.assert_close(e1, e0, rtol=0, atol=1e-9)
    torch.testing.assert_close(p1, p0, rtol=0, atol=1e-9)
    # the poles moved, so the check is not vacuous
    assert float((s[:, 3::2]).abs().max()) > 0.1


# ----------------------------------------------------------------------------- env API
def test_make_registry_and_initial_state():
    env = make("DoublePole-v0", 3, dtype=F64, seed=0, device="cpu")
    obs, _ = env.reset()
    assert isinstance(env, DoublePole) and env.max_episode_steps == 100_000
    torch.testing.assert_close(env.state, torch.tensor([[0, 0, 0.07, 0, 0, 0]] * 3, dtype=F64))
    # NEAT's input scaling: x/4.8, x'/2, theta/0.52, theta'/2
    torch.testing.assert_close(obs[0], torch.tensor([0, 0, 0.07 / 0.52, 0, 0, 0], dtype=F64))
    nv = make("DoublePoleNV-v0", 2, dtype=F64, seed=0, device="cpu")
    assert isinstance(nv, DoublePoleNV) and nv.max_episode_steps == 1000
    nv.reset()
    nv.state = torch.tensor([[1.2, 5.0, 0.26, 7.0, -0.13, 9.0]] * 2, dtype=F64)
    obs, *_ = nv.step(torch.zeros(2, 1, dtype=F64))
    s = nv.state  # SameStep autoreset did not trigger: still in bounds
    torch.testing.assert_close(obs, torch.stack([s[:, 0] / 4.8, s[:, 2] / 0.52, s[:, 4] / 0.52], 1))


@pytest.mark.parametrize(
    "state, failed",
    [
        ([2.39, 0, 0, 0, 0, 0], False),
        ([2.45, 0, 0, 0, 0, 0], True),
        ([-2.45, 0, 0, 0, 0, 0], True),
        ([0, 0, math.radians(35.5), 0, 0, 0], False),
        ([0, 0, math.radians(36.5), 0, 0, 0], True),
        ([0, 0, 0, 0, -math.radians(36.5), 0], True),
        ([0, 0, 0, 0, math.radians(-34.0), 0], False),
    ],
)
def test_termination_and_reward(state, failed):
    env = DoublePole(1, dtype=F64, seed=0, autoreset_mode="Disabled")
    env.reset()
    env.state = torch.tensor([state], dtype=F64)
    # a near-zero force and an almost static state: one step barely moves it
    _, reward, terminated, truncated, _ = env.step(torch.zeros(1, 1, dtype=F64))
    assert bool(terminated[0]) is failed
    assert float(reward[0]) == (0.0 if failed else 1.0)
    assert not bool(truncated[0])


def test_unbalanced_pole_falls_and_time_limit():
    env = DoublePole(2, dtype=F64, seed=0, max_episode_steps=50, autoreset_mode="Disabled")
    env.reset()
    push = torch.tensor([[1.0], [0.0]], dtype=F64)
    steps = torch.zeros(2, dtype=torch.long)
    done = torch.zeros(2, dtype=torch.bool)
    for _ in range(60):
        _, r, term, trunc, _ = env.step(push)
        steps += (~done).long()
        done |= term | trunc
    # full push: the poles fall backwards well within 50 steps; no push: the 0.07 rad pole
    # falls forwards too, both end by termination/truncation
    assert bool(done.all())
    assert int(steps[0]) < 50


def test_initial_states_and_bad_arguments():
    starts = generalization_states()
    env = DoublePoleNV(1250, dtype=F64, initial_states=starts, seed=0)
    env.reset()
    torch.testing.assert_close(env.state[:625], starts)
    torch.testing.assert_close(env.state[625:], starts)
    with pytest.raises(TaskError, match="initial_states"):
        DoublePole(2, initial_states=[[0.0, 1.0]])
    with pytest.raises(TaskError, match="substeps"):
        DoublePole(2, substeps=0)
    with pytest.raises(TaskError, match="action"):
        DoublePole(2).step(torch.zeros(2))


def test_generalization_states_grid():
    s = generalization_states()
    assert s.shape == (625, 6) and len({tuple(r) for r in s.tolist()}) == 625
    assert s[:, 4:].abs().max() == 0
    # 0.05 and 0.95 of the ranges +-2.16 m, +-1.35 m/s, +-3.6 deg, +-8.6 deg/s
    expected_max = [0.9 * 2.16, 0.9 * 1.35, 0.9 * math.radians(3.6), 0.9 * math.radians(8.6)]
    torch.testing.assert_close(s[:, :4].amax(0), torch.tensor(expected_max, dtype=F64))
    torch.testing.assert_close(s[:, :4].amin(0), -torch.tensor(expected_max, dtype=F64))
    assert sorted(set(s[:, 0].tolist())) == pytest.approx([-1.944, -1.08, 0.0, 1.08, 1.944])


# ----------------------------------------------------------------------------- fitness
def ref_anti_wiggle(wiggles, t):
    """Gruau's f = 0.1 t/1000 + 0.9 * 0.75 / sum(last 100 wiggles), f2 = 0 if t < 100."""
    f2 = 0.0 if t < 100 else 0.75 / sum(wiggles[t - 100 : t])
    return 0.1 * t / 1000 + 0.9 * f2


def test_anti_wiggle_fitness_matches_hand_computation():
    rng = random.Random(5)
    lengths = [0, 50, 99, 100, 101, 250, 400]
    n, horizon = len(lengths), 400
    states = [[[rng.uniform(-1, 1) for _ in range(6)] for _ in range(horizon)] for _ in range(n)]
    tracker = AntiWiggleFitness(n, horizon=1000, dtype=F64)
    for k in range(horizon):
        state = torch.tensor([states[i][k] for i in range(n)], dtype=F64)
        alive = torch.tensor([k < t for t in lengths])
        tracker.update(state=state, alive=alive)
    want = [
        ref_anti_wiggle([sum(abs(v) for v in states[i][k][:4]) for k in range(horizon)], t)
        for i, t in enumerate(lengths)
    ]
    torch.testing.assert_close(tracker.result(), torch.tensor(want, dtype=F64))
