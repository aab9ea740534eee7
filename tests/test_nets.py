"""MLP against hand-computed outputs and plain torch layers."""

from __future__ import annotations

import math

import pytest
import torch

import neuroevo as ne
from neuroevo.errors import ConfigError


def test_mlp_hand_computed():
    net = ne.MLP(2, [2], 1, activation="tanh", output_activation="sigmoid")
    with torch.no_grad():
        net.layers[0].weight.copy_(torch.tensor([[1.0, -1.0], [0.5, 2.0]]))
        net.layers[0].bias.copy_(torch.tensor([0.0, -1.0]))
        net.layers[1].weight.copy_(torch.tensor([[2.0, 3.0]]))
        net.layers[1].bias.copy_(torch.tensor([0.5]))
    x = torch.tensor([[1.0, 2.0]])
    h1, h2 = math.tanh(1 - 2), math.tanh(0.5 + 4 - 1)
    want = 1 / (1 + math.exp(-(2 * h1 + 3 * h2 + 0.5)))
    assert float(net(x).detach()) == pytest.approx(want, rel=1e-6)


def test_mlp_equals_sequential_and_batches_any_leading_dims():
    net = ne.MLP(3, [5, 4], 2, activation="relu")
    seq = torch.nn.Sequential(
        net.layers[0], torch.nn.ReLU(), net.layers[1], torch.nn.ReLU(), net.layers[2]
    )
    x = torch.randn(7, 6, 3)
    torch.testing.assert_close(net(x), seq(x))
    assert (net.num_inputs, net.num_outputs) == (3, 2)
    assert sum(p.numel() for p in net.parameters()) == 3 * 5 + 5 + 5 * 4 + 4 + 4 * 2 + 2


def test_dropout_only_in_training_mode():
    net = ne.MLP(4, [256], 1, dropout=0.5)
    x = torch.randn(8, 4)
    net.eval()
    torch.testing.assert_close(net(x), net(x))
    net.train()
    assert not torch.equal(net(x), net(x))


@pytest.mark.parametrize(
    "args,match",
    [
        ((2, [0], 1), "positive integers"),
        ((2, [8], 1.5), "positive integers"),
        ((2, [8], 1, "swish"), "activation 'swish' is unknown"),
    ],
)
def test_bad_mlp_raises(args, match):
    with pytest.raises(ConfigError, match=match):
        ne.MLP(*args)
    with pytest.raises(ConfigError, match="dropout"):
        ne.MLP(2, [3], 1, dropout=1.0)
