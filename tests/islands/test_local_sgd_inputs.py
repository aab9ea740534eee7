"""local_sgd and minibatch_sgd check their data and options up front (issue 21, item 10):
targets longer or shorter than the inputs, 1-D data, non-finite values, GradientDescent
arguments local_sgd sets itself (``restarts``) gave raw torch or Python errors, some after
the replicas were built. Each fails now in one line naming the argument and the fix."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import neuroevo as ne
from neuroevo.errors import ConfigError, StrategyError
from neuroevo.islands.async_gradient import local_sgd, minibatch_sgd

X = torch.linspace(-1, 1, 40).reshape(20, 2)
Y = X.sum(1, keepdim=True)

#: (case, module inputs, targets, extra arguments, error, words the message holds)
CASES = [
    ("targets longer", X, torch.zeros(25, 1), {}, ConfigError, ["20 input cases", "25 targets"]),
    ("targets shorter", X, torch.zeros(15, 1), {}, ConfigError, ["20 input cases", "15 targets"]),
    ("1-D inputs", X[:, 0], Y, {}, ConfigError, ["inputs", "shape (20,)", "reshape(-1, 1)"]),
    ("1-D targets", X, Y[:, 0], {}, ConfigError, ["targets", "shape (20,)", "reshape(-1, 1)"]),
    ("3-D inputs", X[None], Y, {}, ConfigError, ["inputs", "(1, 20, 2)"]),
    ("scalar targets", X, torch.tensor(1.0), {}, ConfigError, ["targets", "shape ()"]),
    ("ragged lists", [[1.0, 2.0], [3.0]], Y[:2], {}, ConfigError, ["inputs", "nested lists"]),
    ("boolean inputs", X > 0, Y, {}, ConfigError, ["inputs", "torch.bool", "real"]),
    ("complex targets", X, Y.to(torch.complex64), {}, ConfigError, ["targets", "complex64"]),
    (
        "NaN inputs",
        X.masked_fill(X > 0.5, float("nan")),
        Y,
        {},
        ConfigError,
        ["inputs", "NaN or infinite"],
    ),
    (
        "infinite targets",
        X,
        Y.masked_fill(Y > 1, float("inf")),
        {},
        ConfigError,
        ["targets", "NaN or infinite"],
    ),
    ("restarts=4", X, Y, {"restarts": 4}, ConfigError, ["restarts=4", "workers="]),
    ("task=", X, Y, {"task": ne.tasks.XOR()}, ConfigError, ["task=", "inputs and targets"]),
    ("seed 1.5", X, Y, {"seed": 1.5}, ConfigError, ["seed=1.5", "integer"]),
    ("seed -1", X, Y, {"seed": -1}, ConfigError, ["seed=-1", "integer"]),
    ("threads 0", X, Y, {"threads": 0}, ConfigError, ["threads", ">= 1"]),
    (
        "reset_module 'no'",
        X,
        Y,
        {"reset_module": "no"},
        ConfigError,
        ["reset_module='no'", "True or False"],
    ),
    ("loss a list", X, Y, {"loss": ["mse"]}, ConfigError, ["loss", "mse"]),
    ("not a module", X, Y, {"module": "mlp"}, ConfigError, ["module", "torch.nn.Module"]),
    (
        "module of 3 inputs",
        X,
        Y,
        {"module": ne.MLP(3, [4], 1)},
        StrategyError,
        ["num_inputs=3", "needs 2"],
    ),
    (
        "module of 2 outputs",
        X,
        Y,
        {"module": ne.MLP(2, [4], 2)},
        StrategyError,
        ["num_outputs=2", "needs 1"],
    ),
    ("an unknown option", X, Y, {"bogus": 1}, StrategyError, ["bogus", "valid ones"]),
]


@pytest.mark.parametrize(
    "inputs, targets, extra, error, words", [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_local_sgd_checks_its_inputs_up_front(inputs, targets, extra, error, words):
    extra = dict(extra)
    module = extra.pop("module", ne.MLP(2, [4], 1))
    with pytest.raises(error) as e:
        local_sgd(module, inputs, targets, workers=2, steps=2, sync_every=1, **extra)
    message = str(e.value)
    assert "\n" not in message and type(e.value) is error
    for word in words:
        assert word in message, message


@pytest.mark.parametrize(
    "targets", [torch.zeros(25, 1), torch.zeros(15, 1)], ids=["longer", "shorter"]
)
def test_minibatch_sgd_checks_them_too(targets):
    with pytest.raises(ConfigError, match="minibatch_sgd: 20 input cases"):
        minibatch_sgd(ne.MLP(2, [4], 1), X, targets, steps=2)


def test_good_data_trains_and_leaves_the_module_as_it_was():
    module = ne.MLP(2, [4], 1)
    before = [p.detach().clone() for p in module.parameters()]
    out = local_sgd(
        module,
        X.tolist(),
        Y.tolist(),
        workers=2,
        steps=3,
        sync_every=1,
        reset_module=False,
        lr=0.05,
    )
    assert out.rounds == 3 and torch.isfinite(out.weights).all()
    again = local_sgd(
        module,
        X,
        Y,
        workers=2,
        steps=3,
        sync_every=1,
        seed=np.int64(0),
        reset_module=False,
        lr=0.05,
    )
    assert torch.equal(again.weights, out.weights)  # a numpy seed is the same seed
    assert all(torch.equal(a, b) for a, b in zip(before, module.parameters()))
