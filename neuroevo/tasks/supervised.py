"""Supervised tasks: a fixed table of inputs and targets, scored in one batched forward.

``policy(inputs[B, n_in]) -> [P, B, n_out]`` evaluates every candidate on every case at
once; the fitness of all P candidates is a reduction over that tensor.

Fitness shapes (larger is better):

* ``"neat_xor"`` -- ``B - SSE``: the number of cases minus the sum of squared errors, as in
  neat-python's XOR example (``examples/xor/evolve-feedforward.py``: start at 4.0 and
  subtract ``(output[0] - target) ** 2`` per case). A perfect network scores ``B``.
* ``"sse"`` -- ``-SSE``; ``"mse"`` -- minus the mean squared error over cases and outputs.

Example::

    import neuroevo as ne
    task = ne.tasks.XOR()                 # fitness 4 - SSE, solved at 3.9
    fitness = task.evaluate(policy)       # tensor [P]
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import torch

from neuroevo.errors import ConfigError, TaskError
from neuroevo.policy import BatchedPolicy, policy_device_dtype
from neuroevo.tasks.base import Task

FITNESS_SHAPES = ("neat_xor", "sse", "mse")


def _names(task: str, what: str, names: Sequence[str] | None, n: int) -> tuple[str, ...] | None:
    """``names`` as a tuple of ``n`` strings (``None`` stays ``None``)."""
    if names is None:
        return None
    if isinstance(names, str) or len(names) != n or not all(isinstance(s, str) for s in names):
        raise TaskError(f"{task}: {what} must be {n} strings (one per column), got {names!r}")
    return tuple(names)


class Supervised(Task):
    """Score candidates on fixed ``inputs [B, n_in]`` against ``targets [B, n_out]``.

    ``fitness`` is one of ``"neat_xor"`` (``B - SSE``), ``"sse"`` (``-SSE``) or ``"mse"``
    (``-MSE``); ``threshold`` is the fitness at which a candidate counts as a solution
    (``None``: never). ``input_names``/``output_names`` name the columns of ``inputs`` and
    ``targets`` (for genome drawings; default unnamed). Non-finite outputs (an ``exp`` node
    overflowing, say) get the lowest finite fitness of the population, so that neat-python's
    fitness sharing stays finite: :meth:`candidate_scores` are each candidate's own scores
    (:meth:`raw_score` of its outputs, non-finite kept), :meth:`population_fitness` puts the
    floor in, over the whole population (also when workers score it in slices: the
    :class:`~neuroevo.tasks.base.Task` contract).

    Example::

        x = torch.tensor([[0.], [1.]]); y = torch.tensor([[1.], [0.]])
        task = Supervised(x, y, fitness="neat_xor", threshold=1.95, name="not")
    """

    def __init__(
        self,
        inputs: torch.Tensor,
        targets: torch.Tensor,
        *,
        fitness: str = "mse",
        threshold: float | None = None,
        name: str = "supervised",
        input_names: Sequence[str] | None = None,
        output_names: Sequence[str] | None = None,
    ) -> None:
        inputs = torch.as_tensor(inputs)
        targets = torch.as_tensor(targets)
        if inputs.dim() != 2 or targets.dim() != 2 or inputs.shape[0] != targets.shape[0]:
            raise TaskError(
                f"{name}: inputs {tuple(inputs.shape)} and targets {tuple(targets.shape)} must be "
                "[B, num_inputs] and [B, num_outputs] with the same number of cases B"
            )
        if inputs.shape[0] == 0:
            raise TaskError(f"{name}: no cases; give at least one row of inputs and targets")
        if fitness not in FITNESS_SHAPES:
            raise ConfigError(
                f"{name}: fitness {fitness!r} is unknown; use one of {FITNESS_SHAPES}"
            )
        self.name = name
        self.inputs = inputs.to(torch.float64)
        self.targets = targets.to(torch.float64)
        self.num_inputs = int(inputs.shape[1])
        self.num_outputs = int(targets.shape[1])
        self.fitness = fitness
        self.fitness_threshold = None if threshold is None else float(threshold)
        self.input_names = _names(name, "input_names", input_names, self.num_inputs)
        self.output_names = _names(name, "output_names", output_names, self.num_outputs)
        self._cache: dict[tuple[torch.device, torch.dtype], tuple[torch.Tensor, torch.Tensor]] = {}

    def _data(self, device: torch.device, dtype: torch.dtype) -> tuple[torch.Tensor, torch.Tensor]:
        key = (device, dtype)
        if key not in self._cache:
            self._cache[key] = (self.inputs.to(device, dtype), self.targets.to(device, dtype))
        return self._cache[key]

    def outputs(self, policy: BatchedPolicy) -> torch.Tensor:
        """Every candidate's outputs on every case, ``[P, B, n_out]`` (shape-checked)."""
        x, _ = self._data(*policy_device_dtype(policy))
        policy.reset()  # recurrent policies: every case is one step from the zero state
        out = policy(x)
        expected = (policy.num_candidates, x.shape[0], self.num_outputs)
        if not isinstance(out, torch.Tensor) or tuple(out.shape) != expected:
            got = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
            raise TaskError(
                f"task {self.name!r}: the policy returned outputs of shape {got}; expected "
                f"{expected} = [candidates, cases, num_outputs]. Does the network have "
                f"{self.num_inputs} inputs and {self.num_outputs} outputs?"
            )
        return out

    def raw_score(self, outputs: torch.Tensor) -> torch.Tensor:
        """Each candidate's own score ``[P]`` from outputs ``[P, B, n_out]`` (non-finite
        where its outputs are)."""
        _, y = self._data(outputs.device, outputs.dtype)
        sse = (outputs - y).pow(2).sum(dim=(1, 2))
        if self.fitness == "neat_xor":
            return y.shape[0] - sse
        if self.fitness == "sse":
            return -sse
        return -sse / (y.shape[0] * y.shape[1])

    def population_fitness(self, scores: torch.Tensor) -> torch.Tensor:
        """The population's fitness ``[P]``: non-finite scores get the lowest finite score of
        the whole population (``-B * n_out`` when none is finite)."""
        bad = ~torch.isfinite(scores)
        if not bool(bad.any()):
            return scores
        good = scores[~bad]
        floor = good.min() if good.numel() else scores.new_tensor(-float(self.targets.numel()))
        return torch.where(bad, floor, scores)

    def score(self, outputs: torch.Tensor) -> torch.Tensor:
        """Fitness ``[P]`` of a whole population from its outputs ``[P, B, n_out]``."""
        return self.population_fitness(self.raw_score(outputs))

    def candidate_scores(
        self, policy: BatchedPolicy, *, generator: torch.Generator | None = None
    ) -> torch.Tensor:
        """Each candidate's own score ``[P]`` (one forward over all cases); a slice of a
        population scores as in the whole."""
        return self.raw_score(self.outputs(policy))

    def evaluate(  # type: ignore[override]  # whole populations only: slices use candidate_scores
        self, policy: BatchedPolicy, *, generator: torch.Generator | None = None
    ) -> torch.Tensor:
        """Fitness ``[P]`` of every candidate (one forward over all cases)."""
        return self.population_fitness(self.candidate_scores(policy))


class XOR(Supervised):
    """Two-input XOR with neat-python's fitness: ``4 - SSE`` over the four cases, solved at 3.9.

    Inputs and targets are those of neat-python's ``examples/xor`` (0.0/1.0). The threshold
    3.9 is that example's ``fitness_threshold``.

    Example::

        task = neuroevo.tasks.XOR()
        task.num_inputs, task.num_outputs, task.fitness_threshold   # (2, 1, 3.9)
    """

    def __init__(self, *, threshold: float = 3.9) -> None:
        x = torch.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
        y = torch.tensor([[0.0], [1.0], [1.0], [0.0]])
        super().__init__(
            x,
            y,
            fitness="neat_xor",
            threshold=threshold,
            name="xor",
            input_names=("a", "b"),
            output_names=("a xor b",),
        )


class Parity(Supervised):
    """n-bit parity: all ``2**n`` bit patterns, target 1 when an odd number of bits are set.

    Fitness ``2**n - SSE`` (the XOR fitness generalised). The default threshold
    ``2**n * 0.975`` allows the same mean squared error per case as XOR's 3.9 of 4
    (``0.025``), so ``Parity(2)`` is exactly :class:`XOR`; ``Parity(3)`` is solved at 7.8.

    Example::

        task = neuroevo.tasks.Parity(3)     # 8 cases, 3 inputs, solved at 7.8
    """

    def __init__(self, n_bits: int = 3, *, threshold: float | None = None) -> None:
        if not isinstance(n_bits, int) or isinstance(n_bits, bool) or not 1 <= n_bits <= 20:
            raise ConfigError(f"parity: n_bits must be an integer in [1, 20], got {n_bits!r}")
        cases = list(itertools.product((0.0, 1.0), repeat=n_bits))
        x = torch.tensor(cases)
        y = x.sum(dim=1, keepdim=True) % 2
        n = len(cases)
        super().__init__(
            x,
            y,
            fitness="neat_xor",
            threshold=n * 0.975 if threshold is None else threshold,
            name="parity",
            input_names=[f"bit {i + 1}" for i in range(n_bits)],
            output_names=("parity",),
        )
        self.n_bits = n_bits


__all__ = ["Supervised", "XOR", "Parity", "FITNESS_SHAPES"]
