"""The best genome so far, as ``<out_dir>/best_genome.json`` (NEAT strategies only).

Rewritten atomically whenever the strategy's best fitness improves, and at the end;
:func:`neuroevo.load_genome` reads it back.

Example::

    from neuroevo.reporting.best_genome import BestGenomeWriter
    ne.evolve(strategy, task, generations=300, reporters=[BestGenomeWriter("runs/xor")])
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from neuroevo.loop import GenerationStats, Reporter


def genome_config(strategy: Any) -> Any:
    """The neat-python genome config of a NEAT strategy (``None`` for other strategies)."""
    return getattr(getattr(strategy, "config", None), "genome_config", None)


class BestGenomeReporter(Reporter):
    """Base of the reporters that use the best candidate when the run ends (a NEAT genome,
    or the parameter vector of GA, PSO, SA or a gradient baseline): keeps the strategy and
    task from ``on_start``, an ``out_dir`` and a list of ``notes`` (a line for each thing
    that could not be done, shared with the run folder's summary)."""

    def __init__(self, out_dir: str | os.PathLike[str], *, notes: list[str] | None = None) -> None:
        self.out_dir = Path(out_dir)
        self.notes = notes if notes is not None else []
        self._strategy: Any = None
        self._task: Any = None

    def on_start(self, strategy: Any, task: Any, generations: int) -> None:
        self._strategy, self._task = strategy, task

    def best_network(self, result: Any) -> tuple[Any, str] | None:
        """``(the best candidate's network alone, in float64 on the CPU, what it is)`` from
        the strategy (:meth:`~neuroevo.strategies.base.Strategy.network_of`), or ``None``
        when the strategy has no best candidate or gives no network."""
        from neuroevo.errors import StrategyError

        strategy = result.strategy or self._strategy
        if strategy is None or getattr(strategy, "best", None) is None:
            return None
        try:
            policy = strategy.network_of()
        except StrategyError:
            return None
        return policy, f"best {getattr(strategy, 'candidate_noun', 'candidate')}"

    def best_genome(self, result: Any) -> tuple[Any, Any] | None:
        """``(best genome, genome config)`` of a NEAT run, else ``None``."""
        strategy = result.strategy or self._strategy
        best = getattr(strategy, "best", None)
        gc = genome_config(strategy)
        if best is None or gc is None or not hasattr(best, "connections"):
            return None
        return best, gc

    def best_parameters(self, result: Any) -> tuple[Any, Any] | None:
        """``(module, best parameter vector [n_params])`` of a strategy over flat parameter
        vectors (its ``module`` and ``best``: GA, PSO, SA, gradient), else ``None``."""
        import torch
        from torch import nn

        strategy = result.strategy or self._strategy
        module, best = getattr(strategy, "module", None), getattr(strategy, "best", None)
        if not isinstance(module, nn.Module) or not isinstance(best, torch.Tensor):
            return None
        return module, best.detach().reshape(-1)


class BestGenomeWriter(Reporter):
    """Write ``best_genome.json`` whenever the best fitness improves (see the module doc)."""

    def __init__(self, out_dir: str | os.PathLike[str]) -> None:
        self.out_dir = Path(out_dir)
        self._strategy: Any = None
        self._best_saved = float("-inf")

    def on_start(self, strategy: Any, task: Any, generations: int) -> None:
        self._strategy = strategy

    def on_generation(self, stats: GenerationStats, strategy: Any) -> None:
        if strategy.best_fitness > self._best_saved:
            self._save(strategy)

    def on_end(self, result: Any) -> None:
        strategy = result.strategy or self._strategy
        if strategy is not None and strategy.best_fitness > self._best_saved:
            self.out_dir.mkdir(parents=True, exist_ok=True)
            self._save(strategy)

    def _save(self, strategy: Any) -> None:
        best = strategy.best
        if best is None or not hasattr(best, "connections"):
            return
        from neuroevo.io.genome_json import save_genome

        save_genome(best, self.out_dir / "best_genome.json", genome_config(strategy))
        self._best_saved = strategy.best_fitness


__all__ = ["BestGenomeReporter", "BestGenomeWriter", "genome_config"]
