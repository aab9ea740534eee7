"""Supervised problems beyond XOR for comparing methods: two spirals, regression, classification.

Nothing is downloaded at run time: the spirals are generated, the regression targets are
computed, and the classification sets are the small ones that ship inside scikit-learn
(``iris``: 150 x 4, 3 classes; ``wine``: 178 x 13, 3 classes; ``digits``: 1797 x 64,
10 classes; ``breast_cancer``: 569 x 30, 2 classes).

Example::

    import neuroevo as ne
    ne.tasks.Spirals()                        # 194 points, 2 inputs, 1 output
    ne.tasks.Regression("sine")               # 64 points of sin(x) on [-pi, pi]
    ne.tasks.Classification("iris")           # train split; .accuracy(policy, split="test")
"""

from __future__ import annotations

import math

import torch

from neuroevo.errors import ConfigError, TaskError
from neuroevo.policy import BatchedPolicy, policy_device_dtype
from neuroevo.tasks.supervised import Supervised


class Spirals(Supervised):
    """The two-spirals problem (Lang & Witbrock 1988, "Learning to tell two spirals apart").

    97 points per spiral, point ``i`` at angle ``i * pi / 16`` and radius
    ``6.5 * (104 - i) / 104`` (the benchmark's published construction); the second spiral is
    the first rotated by 180 degrees. Inputs are scaled by ``1 / 6.5`` into ``[-1, 1]``;
    the target is 1 for the first spiral and 0 for the second. Fitness is ``-MSE``; the
    task counts as solved at ``-MSE >= -threshold_mse`` (default 0.02).

    ``points_per_spiral`` and ``turns`` generalise the construction (the classic is 97, 3).
    """

    def __init__(self, points_per_spiral: int = 97, *, threshold_mse: float = 0.02) -> None:
        if not isinstance(points_per_spiral, int) or points_per_spiral < 2:
            raise ConfigError(
                f"spirals: points_per_spiral must be an integer >= 2, got {points_per_spiral!r}"
            )
        n = points_per_spiral
        i = torch.arange(n, dtype=torch.float64)
        angle = i * math.pi / 16.0 * (96.0 / max(n - 1, 1))
        radius = 6.5 * (104.0 - i * 96.0 / max(n - 1, 1)) / 104.0
        x1 = torch.stack([radius * torch.sin(angle), radius * torch.cos(angle)], 1) / 6.5
        x = torch.cat([x1, -x1])
        y = torch.cat([torch.ones(n, 1), torch.zeros(n, 1)]).to(torch.float64)
        super().__init__(
            x,
            y,
            fitness="mse",
            threshold=-threshold_mse,
            name="spirals",
            input_names=("x", "y"),
            output_names=("first spiral",),
        )

    def accuracy(self, policy: BatchedPolicy) -> torch.Tensor:
        """Fraction of points on the right side of 0.5, per candidate ``[P]``."""
        out = self.outputs(policy)[..., 0]
        _, y = self._data(out.device, out.dtype)
        return ((out > 0.5) == (y[:, 0] > 0.5)).to(out.dtype).mean(1)


_FUNCTIONS = {
    # name: (function, low, high) -- the classic 1-D regression benchmarks
    "sine": (torch.sin, -math.pi, math.pi),
    "sinc": (lambda x: torch.where(x == 0, torch.ones_like(x), torch.sin(x) / x), -10.0, 10.0),
}


class Regression(Supervised):
    """Fit a 1-D function on evenly spaced points: ``sine`` (sin x on [-pi, pi]) or ``sinc``.

    Inputs are scaled into ``[-1, 1]``; fitness is ``-MSE``, solved at
    ``MSE <= threshold_mse`` (default 0.01).
    """

    def __init__(
        self, function: str = "sine", *, points: int = 64, threshold_mse: float = 0.01
    ) -> None:
        if function not in _FUNCTIONS:
            raise ConfigError(
                f"regression: function {function!r} is unknown; use one of {sorted(_FUNCTIONS)}"
            )
        if not isinstance(points, int) or points < 2:
            raise ConfigError(f"regression: points must be an integer >= 2, got {points!r}")
        fn, lo, hi = _FUNCTIONS[function]
        t = torch.linspace(lo, hi, points, dtype=torch.float64)
        x = (2 * (t - lo) / (hi - lo) - 1)[:, None]
        super().__init__(
            x,
            fn(t)[:, None],
            fitness="mse",
            threshold=-threshold_mse,
            name="regression",
            input_names=("x",),
            output_names=(f"{function}(x)",),
        )
        self.function = function


def _load(name: str) -> tuple[torch.Tensor, torch.Tensor, tuple[list[str], list[str]]]:
    try:
        from sklearn import datasets
    except ImportError as e:  # pragma: no cover - scikit-learn is in the dev extra
        raise TaskError("classification tasks need scikit-learn: pip install scikit-learn") from e
    loaders = {
        "iris": datasets.load_iris,
        "wine": datasets.load_wine,
        "digits": datasets.load_digits,
        "breast_cancer": datasets.load_breast_cancer,
    }
    if name not in loaders:
        raise ConfigError(
            f"classification: dataset {name!r} is unknown; use one of {sorted(loaders)}"
        )
    d = loaders[name]()
    names = ([str(s) for s in d.feature_names], [str(s) for s in d.target_names])
    x, labels = torch.tensor(d.data, dtype=torch.float64), torch.tensor(d.target, dtype=torch.long)
    return x, labels, names


class Classification(Supervised):
    """A small classification set from scikit-learn, one output per class.

    Features are standardised with the training split's mean and deviation. The split is a
    stratification-free random permutation from ``seed`` (``test_fraction`` held out).
    Fitness is ``"nll"`` (minus the mean cross-entropy of the softmax of the outputs, the
    default), ``"accuracy"``, or ``"mse"`` against one-hot targets. The task is solved when
    the fitness reaches ``threshold`` (default: none; use :meth:`accuracy` for success).
    """

    FITNESS = ("nll", "accuracy", "mse")

    def __init__(
        self,
        dataset: str = "iris",
        *,
        fitness: str = "nll",
        test_fraction: float = 0.3,
        seed: int = 0,
        threshold: float | None = None,
    ) -> None:
        if fitness not in self.FITNESS:
            raise ConfigError(
                f"classification: fitness {fitness!r} is unknown; use one of {self.FITNESS}"
            )
        if not 0.0 <= test_fraction < 1.0:
            raise ConfigError(
                f"classification: test_fraction must be in [0, 1), got {test_fraction!r}"
            )
        x, labels, (features, classes) = _load(dataset)
        g = torch.Generator().manual_seed(seed)
        perm = torch.randperm(len(x), generator=g)
        n_test = int(round(len(x) * test_fraction))
        test, train = perm[:n_test], perm[n_test:]
        mean, std = x[train].mean(0), x[train].std(0).clamp(min=1e-8)
        x = (x - mean) / std
        k = int(labels.max()) + 1
        onehot = torch.nn.functional.one_hot(labels, k).to(torch.float64)
        super().__init__(
            x[train],
            onehot[train],
            fitness="mse",
            threshold=threshold,
            name="classification",
            input_names=features,
            output_names=classes,
        )
        self.dataset = dataset
        self.class_fitness = fitness
        self.labels = labels[train]
        self.test_inputs, self.test_labels = x[test], labels[test]

    def raw_score(self, outputs: torch.Tensor) -> torch.Tensor:
        if self.class_fitness == "mse":
            return super().raw_score(outputs)
        labels = self.labels.to(outputs.device)
        if self.class_fitness == "accuracy":
            return (outputs.argmax(-1) == labels).to(outputs.dtype).mean(1)
        logp = torch.log_softmax(outputs, dim=-1)
        idx = labels.view(1, -1, 1).expand(outputs.shape[0], -1, 1)
        f = logp.gather(-1, idx).squeeze(-1).mean(1)
        return torch.nan_to_num(f, nan=-1e6, neginf=-1e6)

    def accuracy(self, policy: BatchedPolicy, *, split: str = "train") -> torch.Tensor:
        """Fraction classified right (argmax of the outputs), per candidate ``[P]``."""
        if split == "train":
            out, labels = self.outputs(policy), self.labels
        elif split == "test":
            device, dtype = policy_device_dtype(policy)
            out = policy(self.test_inputs.to(device, dtype))
            labels = self.test_labels
        else:
            raise ConfigError(f"accuracy: split must be 'train' or 'test', got {split!r}")
        return (out.argmax(-1) == labels.to(out.device)).to(out.dtype).mean(1)


__all__ = ["Spirals", "Regression", "Classification"]
