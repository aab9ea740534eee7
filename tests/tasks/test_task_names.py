"""Tasks name their inputs and outputs (for genome drawings), or leave them ``None``."""

from __future__ import annotations

import pytest
import torch

import neuroevo as ne
from neuroevo.errors import TaskError


def test_supervised_tasks_name_their_columns():
    xor = ne.tasks.XOR()
    assert xor.input_names == ("a", "b") and xor.output_names == ("a xor b",)
    parity = ne.tasks.Parity(3)
    assert parity.input_names == ("bit 1", "bit 2", "bit 3")
    assert len(parity.output_names) == parity.num_outputs == 1
    assert ne.tasks.Regression("sinc").input_names == ("x",)
    assert ne.tasks.Spirals().input_names == ("x", "y")


def test_classification_names_are_scikit_learns():
    datasets = pytest.importorskip("sklearn.datasets")
    task = ne.tasks.Classification("iris")
    iris = datasets.load_iris()
    assert list(task.input_names) == list(iris.feature_names)
    assert list(task.output_names) == list(iris.target_names)


def test_unnamed_by_default_and_checked_when_given():
    x, y = torch.zeros(2, 3), torch.zeros(2, 1)
    task = ne.tasks.Supervised(x, y)
    assert task.input_names is None and task.output_names is None
    assert ne.tasks.Supervised(x, y, input_names=["p", "q", "r"]).input_names == ("p", "q", "r")
    with pytest.raises(TaskError, match="input_names must be 3 strings"):
        ne.tasks.Supervised(x, y, input_names=["p", "q"])
    with pytest.raises(TaskError, match="output_names must be 1 strings"):
        ne.tasks.Supervised(x, y, output_names="y")
