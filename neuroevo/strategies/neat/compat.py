"""Drop-in batched fitness function for existing neat-python code.

``neat.Population.run(fitness_function, n)`` calls ``fitness_function(genomes, config)``
with a list of ``(genome_id, genome)`` pairs and expects each ``genome.fitness`` to be set
to a Python float. :class:`BatchedEvaluator` is such a function: it compiles all genomes
into one torch module and scores them in one batched evaluation instead of one
``FeedForwardNetwork`` per genome.

Example::

    import neat, neuroevo as ne
    config = ne.load_config("configs/xor.ini")         # or neat.Config(...) as before
    pop = neat.Population(config)
    winner = pop.run(ne.BatchedEvaluator(ne.tasks.XOR()), 300)

    # your own fitness, from the outputs [P, B, n_out] on fixed inputs [B, n_in]:
    ev = ne.BatchedEvaluator(lambda out: -(out[..., 0] - y).pow(2).sum(1), inputs=x)
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

import torch

from neuroevo.errors import ConfigError, TaskError
from neuroevo.policy import BatchedPolicy
from neuroevo.tasks.base import Task


class BatchedEvaluator:
    """A neat-python fitness function ``(genomes, config)`` that evaluates all genomes at once.

    ``task_or_fn`` is a :class:`~neuroevo.tasks.base.Task`, or a callable returning fitness
    ``[P]``: called with the outputs ``[P, B, n_out]`` when ``inputs [B, n_in]`` are given,
    else with the compiled :class:`~neuroevo.strategies.base.BatchedPolicy` itself (for
    rollouts). ``device=None`` means CUDA when available. ``evaluations`` counts the genomes
    evaluated so far and ``seconds`` the time spent.
    """

    def __init__(
        self,
        task_or_fn: Task | Callable[[Any], torch.Tensor],
        *,
        inputs: torch.Tensor | Sequence[Sequence[float]] | None = None,
        device: str | torch.device | None = None,
        dtype: torch.dtype = torch.float32,
        recurrent: bool = False,
        seed: int | None = None,
    ) -> None:
        if not isinstance(task_or_fn, Task) and not callable(task_or_fn):
            raise ConfigError(
                f"BatchedEvaluator: expected a neuroevo Task or a callable, got {type(task_or_fn).__name__}"
            )
        if isinstance(task_or_fn, Task) and inputs is not None:
            raise ConfigError(
                "BatchedEvaluator: inputs= is for a fitness function; a Task has its own"
            )
        from neuroevo.devices import resolve_device

        self.target = task_or_fn
        self.device = resolve_device(device)
        self.dtype = dtype
        self.recurrent = recurrent
        self.inputs = (
            None if inputs is None else torch.as_tensor(inputs, dtype=dtype).to(self.device)
        )
        self.generator = torch.Generator(device="cpu")
        if seed is None:
            self.generator.seed()  # fresh entropy for this generator; torch's global one untouched
        else:
            self.generator.manual_seed(seed)
        self.evaluations = 0
        self.seconds = 0.0

    def compile(self, genomes: Sequence[Any], config: Any) -> BatchedPolicy:
        """The genomes (a list of genomes, not pairs) as one batched module."""
        from neuroevo.compile.population import compile_population

        return compile_population(
            list(genomes),
            config.genome_config,
            device=self.device,
            dtype=self.dtype,
            recurrent=self.recurrent,
        )

    def fitness(self, policy: BatchedPolicy) -> torch.Tensor:
        """Fitness ``[P]`` of a compiled population (shape- and finiteness-checked)."""
        if isinstance(self.target, Task):
            f = self.target.evaluate(policy, generator=self.generator)
        elif self.inputs is not None:
            f = self.target(policy(self.inputs))
        else:
            f = self.target(policy)
        p = policy.num_candidates
        f = torch.as_tensor(f)
        if f.shape != (p,):
            raise TaskError(
                f"BatchedEvaluator: the fitness has shape {tuple(f.shape)}; expected "
                f"({p},), one value per genome"
            )
        if not bool(torch.isfinite(f).all()):
            raise TaskError(
                "BatchedEvaluator: the fitness has NaN or inf values; neat-python needs "
                "finite fitness (clamp them, e.g. torch.nan_to_num)"
            )
        return f

    def __call__(self, genomes: Sequence[tuple[int, Any]], config: Any) -> None:
        """Set ``genome.fitness`` (a Python float) for every ``(genome_id, genome)`` pair."""
        t0 = time.perf_counter()
        genome_list = [g for _, g in genomes]
        if not genome_list:
            return
        values = self.fitness(self.compile(genome_list, config)).detach().double().cpu().tolist()
        for g, v in zip(genome_list, values):
            g.fitness = float(v)
        self.evaluations += len(genome_list)
        self.seconds += time.perf_counter() - t0


__all__ = ["BatchedEvaluator"]
