"""Standard benchmark functions, batched: ``X`` of shape ``[P, n]`` -> ``[P]``, to be minimised.

Definitions as in Jamil & Yang (2013), "A literature survey of benchmark functions for
global optimization problems", Int. J. Math. Model. Numer. Optim. 4(2). All have global
minimum 0: sphere and Rastrigin at the origin, Rosenbrock at ``(1, ..., 1)``. Strategies
maximise fitness, so pass ``-f``.

Example::

    from neuroevo.testfunctions import rastrigin
    rastrigin(torch.zeros(3, 5))                 # tensor([0., 0., 0.])
"""

from __future__ import annotations

import math

import torch


def sphere(x: torch.Tensor) -> torch.Tensor:
    """``sum x_i^2``; usual domain ``[-5.12, 5.12]^n``."""
    return (x * x).sum(dim=-1)


def rastrigin(x: torch.Tensor) -> torch.Tensor:
    """``10 n + sum (x_i^2 - 10 cos(2 pi x_i))`` (Rastrigin 1974); domain ``[-5.12, 5.12]^n``."""
    return 10.0 * x.shape[-1] + (x * x - 10.0 * torch.cos(2.0 * math.pi * x)).sum(dim=-1)


def rosenbrock(x: torch.Tensor) -> torch.Tensor:
    """``sum 100 (x_{i+1} - x_i^2)^2 + (1 - x_i)^2`` (Rosenbrock 1960); domain ``[-5, 10]^n``."""
    a, b = x[..., :-1], x[..., 1:]
    return (100.0 * (b - a * a) ** 2 + (1.0 - a) ** 2).sum(dim=-1)


#: name -> (function, (low, high) domain), for benchmarks and tests
FUNCTIONS = {
    "sphere": (sphere, (-5.12, 5.12)),
    "rastrigin": (rastrigin, (-5.12, 5.12)),
    "rosenbrock": (rosenbrock, (-5.0, 10.0)),
}
