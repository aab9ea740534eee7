"""Real-valued genetic algorithm over flat parameter vectors.

Holland (1975), *Adaptation in Natural and Artificial Systems*; for network weights,
Montana & Davis (1989), "Training feedforward neural networks using genetic algorithms",
IJCAI, and Such et al. (2017), "Deep Neuroevolution", arXiv:1712.06567.

One generation (``_tell`` records the fitness, ``_ask`` breeds): keep the ``elite`` best
unchanged (De Jong 1975, the elitist model); fill the rest with children of two parents
picked by tournament (Goldberg & Deb 1991) or truncation selection (Muhlenbein &
Schlierkamp-Voosen 1993, the breeder GA), recombined by uniform (Syswerda 1989) or one-point
crossover (Holland 1975) with probability ``crossover_rate``, then each gene mutated with
probability ``mutation_rate`` by adding ``N(0, mutation_sigma^2)``. Everything is batched
over the population.

Example::

    import neuroevo as ne
    ga = ne.GA(ne.MLP(2, [8], 1), pop_size=150, mutation_sigma=0.3)
    result = ne.evolve(ga, ne.tasks.XOR(), generations=300, seed=1)
"""

from __future__ import annotations

import dataclasses

import torch

from neuroevo.errors import StrategyError
from neuroevo.strategies.hyperparams import hyperparameter, validate
from neuroevo.strategies.vector_base import VectorStrategy


@dataclasses.dataclass(frozen=True)
class GAParams:
    """Hyperparameters of :class:`GA`."""

    selection: str = hyperparameter("tournament", choices=("tournament", "truncation"))
    """"tournament" or "truncation"."""
    tournament_size: int = hyperparameter(3, integer=True, ge=1)
    """Contestants per tournament; 2-3 is the usual choice (Goldberg & Deb 1991)."""
    truncation_fraction: float = hyperparameter(0.2, gt=0, le=1)
    """Share of the population eligible as parents under truncation selection; the breeder GA
    uses 10-50 % (Muhlenbein & Schlierkamp-Voosen 1993)."""
    crossover: str = hyperparameter("uniform", choices=("uniform", "one_point", "none"))
    """"uniform", "one_point" or "none"."""
    crossover_rate: float = hyperparameter(0.9, ge=0, le=1)
    """Probability that a child is recombined rather than copied from its first parent
    (0.6-0.9 in Grefenstette 1986 / De Jong 1975)."""
    mutation_rate: float | None = hyperparameter(None, ge=0, le=1, none="1/num_params")
    """Per-gene mutation probability; ``None`` means ``1 / num_params`` (Muhlenbein 1992;
    Back 1993, "Optimal mutation rates in genetic search")."""
    mutation_sigma: float = hyperparameter(0.1, ge=0)
    """Standard deviation of the Gaussian added to a mutated gene."""
    elite: int = hyperparameter(1, integer=True, ge=0)
    """Best candidates copied unchanged into the next generation (De Jong 1975)."""

    def __post_init__(self) -> None:
        validate(self)


@dataclasses.dataclass(frozen=True)
class GAState:
    """The generation last evaluated, from which :meth:`GA._ask` breeds the next."""

    population: torch.Tensor
    """Candidates ``[P, n]``."""
    fitness: torch.Tensor
    """Their fitness ``[P]`` (``-inf`` before the first evaluation)."""


class GA(VectorStrategy[GAState]):
    """Generational GA with elitism; see the module docstring for the operators."""

    name = "ga"
    Params = GAParams
    params: GAParams
    default_pop_size = 100

    def _init(self, x0: torch.Tensor) -> GAState:
        if self.params.elite >= self._pop_size:
            raise StrategyError(
                f"GA elite={self.params.elite} must be smaller than pop_size={self._pop_size}"
            )
        return GAState(
            x0, torch.full((self._pop_size,), float("-inf"), device=self.device, dtype=self.dtype)
        )

    def _tell(self, state: GAState, x: torch.Tensor, fitness: torch.Tensor) -> GAState:
        return GAState(x, fitness)

    def _ask(self, state: GAState) -> tuple[torch.Tensor, GAState]:
        p, x, fitness = self.params, state.population, state.fitness
        n_children = self._pop_size - p.elite
        elite = x[torch.argsort(fitness, descending=True)[: p.elite]]
        mothers = x[self._select(fitness, n_children)]
        fathers = x[self._select(fitness, n_children)]
        children = self._crossover(mothers, fathers)
        rate = p.mutation_rate if p.mutation_rate is not None else 1.0 / self.num_params
        mutate = self.rand(*children.shape) < rate
        children = children + mutate * (p.mutation_sigma * self.randn(*children.shape))
        return torch.cat([elite, self.clip(children)], dim=0), state

    def _select(self, fitness: torch.Tensor, k: int) -> torch.Tensor:
        """Indices ``[k]`` of selected parents."""
        p = self.params
        n = fitness.shape[0]
        if p.selection == "tournament":
            contestants = torch.randint(
                n, (k, p.tournament_size), generator=self.generator, device=self.device
            )
            winner = fitness[contestants].argmax(dim=1)
            return contestants.gather(1, winner[:, None]).squeeze(1)
        top = max(1, int(round(p.truncation_fraction * n)))
        ranked = torch.argsort(fitness, descending=True)[:top]
        return ranked[torch.randint(top, (k,), generator=self.generator, device=self.device)]

    def _crossover(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        p = self.params
        k, n = a.shape
        if p.crossover == "none" or n == 1:
            return a
        if p.crossover == "uniform":
            take_b = self.rand(k, n) < 0.5
        else:  # one point: genes after a random cut (1..n-1) come from b
            cut = torch.randint(1, n, (k, 1), generator=self.generator, device=self.device)
            take_b = torch.arange(n, device=self.device)[None, :] >= cut
        recombine = (self.rand(k, 1) < p.crossover_rate) & take_b
        return torch.where(recombine, b, a)
