"""Dataset tasks against hand-computed values and scikit-learn's metrics."""

import math

import numpy as np
import pytest
import torch
from sklearn.metrics import accuracy_score, log_loss

import neuroevo as ne
from neuroevo.errors import ConfigError
from neuroevo.policy import BatchedPolicy


class Table(BatchedPolicy):
    """A policy that returns fixed outputs [P, B, n_out] (for scoring tests)."""

    def __init__(self, outputs, n_in):
        super().__init__()
        self.out = torch.as_tensor(outputs, dtype=torch.float64)
        self.num_candidates, _, self.num_outputs = self.out.shape
        self.num_inputs = n_in
        self.dtype = torch.float64

    def forward(self, x):
        assert x.shape[-1] == self.num_inputs
        return self.out[:, : x.shape[-2]]


def test_spirals_points_are_the_classic_construction():
    t = ne.tasks.Spirals()
    assert t.inputs.shape == (194, 2) and t.num_outputs == 1
    # point 0: angle 0, radius 6.5 -> (0, 6.5) / 6.5; point 96: angle 6 pi, radius 0.5
    np.testing.assert_allclose(t.inputs[0], [0.0, 1.0], atol=1e-12)
    np.testing.assert_allclose(t.inputs[96], [0.0, 0.5 / 6.5], atol=1e-12)
    np.testing.assert_allclose(t.inputs[97], [-0.0, -1.0], atol=1e-12)
    assert t.targets[:97].eq(1).all() and t.targets[97:].eq(0).all()
    perfect = Table(t.targets[None], 2)
    wrong = Table(1 - t.targets[None], 2)
    assert t.evaluate(perfect).item() == 0.0 and t.accuracy(perfect).item() == 1.0
    assert t.evaluate(wrong).item() == -1.0 and t.accuracy(wrong).item() == 0.0


def test_regression_targets_and_fitness():
    t = ne.tasks.Regression("sine", points=5)
    np.testing.assert_allclose(t.inputs[:, 0], [-1, -0.5, 0, 0.5, 1])
    np.testing.assert_allclose(t.targets[:, 0], np.sin(np.linspace(-math.pi, math.pi, 5)))
    zero = Table(torch.zeros(1, 5, 1), 1)
    assert t.evaluate(zero).item() == pytest.approx(
        -np.mean(np.sin(np.linspace(-np.pi, np.pi, 5)) ** 2)
    )
    s = ne.tasks.Regression("sinc", points=3)
    np.testing.assert_allclose(s.targets[:, 0], [np.sin(-10) / -10, 1.0, np.sin(10) / 10])


@pytest.mark.parametrize("dataset", ["iris", "wine"])
def test_classification_scores_match_sklearn(dataset):
    t = ne.tasks.Classification(dataset, seed=3)
    n, k = t.inputs.shape[0], t.num_outputs
    logits = torch.randn(3, n, k, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    policy = Table(logits, t.num_inputs)
    probs = torch.softmax(logits, -1).numpy()
    y = t.labels.numpy()
    ref_nll = [-log_loss(y, probs[p], labels=list(range(k))) for p in range(3)]
    np.testing.assert_allclose(t.evaluate(policy).numpy(), ref_nll, rtol=1e-10)
    ref_acc = [accuracy_score(y, probs[p].argmax(-1)) for p in range(3)]
    np.testing.assert_allclose(t.accuracy(policy).numpy(), ref_acc)
    acc = ne.tasks.Classification(dataset, seed=3, fitness="accuracy")
    np.testing.assert_allclose(acc.evaluate(policy).numpy(), ref_acc)
    # standardised with the training split's statistics
    np.testing.assert_allclose(t.inputs.mean(0), 0, atol=1e-10)
    assert len(t.test_labels) == round(0.3 * (n + len(t.test_labels)))


def test_bad_arguments_name_the_fix():
    with pytest.raises(ConfigError, match="iris"):
        ne.tasks.Classification("mnist")
    with pytest.raises(ConfigError, match="sine"):
        ne.tasks.Regression("cosh")
    with pytest.raises(ConfigError, match="points_per_spiral"):
        ne.tasks.Spirals(1)
