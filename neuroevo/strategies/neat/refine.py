"""Gradient refinement of NEAT genomes before their fitness is taken (Lamarckian or Baldwinian).

Each generation, every genome's weights, biases and responses get a few gradient steps on
a supervised task, all genomes at once: the population is compiled with trainable
parameters and one backward pass of the summed loss gives every genome its own gradient
(genomes share no parameters, and Adam's update is elementwise, so this equals training
each genome alone). Then

* ``mode="lamarckian"``: the trained values are written back into the genes (clamped to the
  config's bounds), so offspring inherit them (Lamarck; see Whitley, Gordon & Mathias 1994,
  "Lamarckian evolution, the Baldwin effect and function optimization", PPSN III);
* ``mode="baldwinian"``: the genes keep their values; only the fitness reflects what the
  genome can learn (Hinton & Nowlan 1987, "How learning can guide evolution").

Example::

    import neuroevo as ne
    task = ne.tasks.Regression("sine")
    neat = ne.NEAT(ne.load_config("configs/regression.ini"),
                   refine=ne.GradientRefinement(task, steps=10, lr=0.05))
    ne.evolve(neat, task, generations=50, seed=0)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch

from neuroevo.errors import ConfigError
from neuroevo.policy import BatchedPolicy

MODES = ("lamarckian", "baldwinian")


class GradientRefinement:
    """``steps`` Adam (or SGD) steps on ``task``'s loss for every genome of a generation.

    ``task`` must be supervised: it has ``inputs`` ``[B, n_in]`` and a differentiable
    ``score(outputs[P, B, n_out]) -> [P]`` (larger is better), as every task in
    :mod:`neuroevo.tasks.supervised` and :mod:`neuroevo.tasks.datasets` does.
    Each step costs one forward and one backward pass over the task's data per genome.
    """

    def __init__(
        self,
        task: Any,
        *,
        steps: int = 5,
        lr: float = 0.05,
        optimizer: str = "adam",
        mode: str = "lamarckian",
    ) -> None:
        if not (hasattr(task, "inputs") and callable(getattr(task, "score", None))):
            raise ConfigError(
                f"GradientRefinement needs a supervised task with .inputs and .score(outputs); "
                f"got {type(task).__name__} (control tasks have no gradient to follow)"
            )
        if not isinstance(steps, int) or steps < 0:
            raise ConfigError(f"GradientRefinement: steps must be an integer >= 0, got {steps!r}")
        if not lr > 0:
            raise ConfigError(f"GradientRefinement: lr must be > 0, got {lr!r}")
        if optimizer not in ("adam", "sgd"):
            raise ConfigError(
                f"GradientRefinement: optimizer must be 'adam' or 'sgd', got {optimizer!r}"
            )
        if mode not in MODES:
            raise ConfigError(f"GradientRefinement: mode must be one of {MODES}, got {mode!r}")
        self.task, self.steps, self.lr = task, steps, float(lr)
        self.optimizer, self.mode = optimizer, mode

    def refine(
        self,
        genomes: Sequence[Any],
        genome_config: Any,
        *,
        device: torch.device,
        dtype: torch.dtype,
    ) -> BatchedPolicy:
        """Train all ``genomes`` together and return the population network to evaluate.

        Lamarckian mode writes the trained values into ``genomes`` (in place).
        """
        from neuroevo.compile.population import PopulationNetwork, compile_population

        net = compile_population(genomes, genome_config, device=device, dtype=dtype, trainable=True)
        assert isinstance(net, PopulationNetwork)  # feed-forward: not recurrent
        gc = genome_config
        bounds = {
            "weight": (gc.weight_min_value, gc.weight_max_value),
            "bias": (gc.bias_min_value, gc.bias_max_value),
            "response": (gc.response_min_value, gc.response_max_value),
        }
        params = list(net.parameters())
        if self.steps and params:
            opt_cls = torch.optim.Adam if self.optimizer == "adam" else torch.optim.SGD
            opt = opt_cls(params, lr=self.lr)
            x = self.task.inputs.to(device, dtype)
            for _ in range(self.steps):
                opt.zero_grad(set_to_none=True)
                loss = -self.task.score(net(x)).sum()
                loss.backward()
                for p in params:  # an overflowing node must not poison its genome
                    if p.grad is not None:
                        torch.nan_to_num_(p.grad, nan=0.0, posinf=0.0, neginf=0.0)
                opt.step()
                with torch.no_grad():
                    for block in net.blocks:
                        for name, (lo, hi) in bounds.items():
                            getattr(block, name).clamp_(lo, hi)
        net.requires_grad_(False)
        if self.mode == "lamarckian":
            net.write_back(genomes, genome_config)
        return net


__all__ = ["GradientRefinement", "MODES"]
