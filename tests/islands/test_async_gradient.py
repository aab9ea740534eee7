"""Local SGD (periodic model averaging) against the synchronous gradient baseline."""

from __future__ import annotations

import pytest
import torch

import neuroevo as ne
from neuroevo.errors import ConfigError
from neuroevo.islands.async_gradient import local_sgd, minibatch_sgd

SINE = ne.tasks.Regression("sine")  # 64 points of sin(x); the mean predictor's loss is 0.5


def test_averaging_after_every_step_is_full_batch_gradient_descent():
    # w - lr * sum_k (n_k / n) g_k = w - lr * g: the two runs are the same algorithm
    xor = ne.tasks.XOR()
    ours = local_sgd(
        ne.MLP(2, [8], 1),
        xor.inputs,
        xor.targets,
        workers=2,
        steps=30,
        sync_every=1,
        optimizer="sgd",
        lr=0.2,
        seed=3,
    )
    base = minibatch_sgd(
        ne.MLP(2, [8], 1), xor.inputs, xor.targets, steps=30, optimizer="sgd", lr=0.2, seed=3
    )
    assert base.loss < base.history[0][1]  # it learns (and stays finite)
    assert torch.allclose(ours.weights, base.weights, atol=1e-5)
    assert ours.loss == pytest.approx(base.loss, rel=1e-4)
    assert ours.rounds == 30 and ours.samples == base.samples == 30 * 4


def test_local_sgd_learns_the_regression_as_well_as_the_synchronous_baseline():
    kw = dict(steps=100, optimizer="adam", lr=0.03, seed=0)
    ours = local_sgd(ne.MLP(1, [16], 1), SINE.inputs, SINE.targets, workers=2, sync_every=5, **kw)
    base = minibatch_sgd(ne.MLP(1, [16], 1), SINE.inputs, SINE.targets, **kw)
    assert ours.rounds == 20 and base.rounds == 100  # five times fewer communications
    assert ours.samples == base.samples  # the same budget of steps x samples
    first = ours.history[0][1]
    assert ours.loss < 0.05 < first and base.loss < 0.05
    assert abs(ours.loss - base.loss) < 0.01
    again = local_sgd(ne.MLP(1, [16], 1), SINE.inputs, SINE.targets, workers=2, sync_every=5, **kw)
    assert torch.equal(again.weights, ours.weights)  # synchronous rounds: reproducible


def test_asynchronous_averaging_on_ray_learns_as_well(ray_session):
    kw = dict(steps=200, optimizer="adam", lr=0.03, seed=0)
    ours = local_sgd(
        ne.MLP(1, [16], 1),
        SINE.inputs,
        SINE.targets,
        workers=2,
        sync_every=5,
        asynchronous=True,
        backend="ray",
        **kw,
    )
    base = minibatch_sgd(ne.MLP(1, [16], 1), SINE.inputs, SINE.targets, **kw)
    assert ours.asynchronous and ours.rounds == 2 * 40  # every worker pushed 40 times
    assert [s for s, _ in ours.history].count(200) == 2  # both finished their 200 steps
    assert ours.loss < 0.03 < ours.history[0][1] and abs(ours.loss - base.loss) < 0.02


def test_bad_arguments_say_what_to_do():
    with pytest.raises(ConfigError, match="backend='ray'"):
        local_sgd(ne.MLP(1, [4], 1), SINE.inputs, SINE.targets, asynchronous=True)
    with pytest.raises(ConfigError, match="more workers"):
        local_sgd(ne.MLP(2, [4], 1), torch.zeros(2, 2), torch.zeros(2, 1), workers=3)
    with pytest.raises(ConfigError, match="sync_every"):
        local_sgd(ne.MLP(1, [4], 1), SINE.inputs, SINE.targets, sync_every=0)
    with pytest.raises(ConfigError, match="loss"):
        local_sgd(ne.MLP(1, [4], 1), SINE.inputs, SINE.targets, loss="hinge")
