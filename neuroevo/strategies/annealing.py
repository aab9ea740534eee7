"""Simulated annealing: ``pop_size`` independent Metropolis chains run in parallel.

Kirkpatrick, Gelatt & Vecchi (1983), "Optimization by simulated annealing", Science 220;
acceptance rule of Metropolis et al. (1953), J. Chem. Phys. 21. Each chain proposes
``y = x + N(0, sigma^2)`` (clamped to the bounds) and, maximising fitness ``f``, moves to
``y`` with probability ``min(1, exp((f(y) - f(x)) / T_k))``. The temperature of a chain after
``k`` steps follows one of three schedules (compared in Nourani & Andresen 1998, "A
comparison of simulated annealing cooling strategies", J. Phys. A 31):

* ``exponential``: ``T_k = t0 * alpha^k`` (the geometric cooling of Kirkpatrick et al. 1983);
* ``linear``: ``T_k = t0 * (1 - k / linear_steps)``;
* ``logarithmic``: ``T_k = t0 * ln 2 / ln(k + 2)`` (Geman & Geman 1984, IEEE PAMI 6; Hajek
  1988, "Cooling schedules for optimal annealing", Math. Oper. Res. 13);

never below ``t_min``. Each chain's proposal width adapts every ``adapt_every`` steps to keep
its acceptance ratio near 0.4-0.6 (Corana, Marchesi, Martini & Ridella 1987, "Minimizing
multimodal functions of continuous variables with the simulated annealing algorithm", ACM
TOMS 13; isotropic here rather than per coordinate). A chain whose own best has not improved for ``restart_after``
steps restarts (its temperature too) from the best point found by any chain, or from a
fresh draw of the initial distribution (Ingber 1989, "Very fast simulated re-annealing").
A chain that starts or restarts at an unevaluated point evaluates it unperturbed first.

Example::

    import neuroevo as ne
    sa = ne.SimulatedAnnealing(ne.MLP(2, [8], 1), pop_size=64, sigma=0.2, restart_after=50)
    result = ne.evolve(sa, ne.tasks.XOR(), generations=500, seed=1)
"""

from __future__ import annotations

import dataclasses
import math

import torch

from neuroevo.strategies.hyperparams import hyperparameter, validate
from neuroevo.strategies.vector_base import VectorStrategy


@dataclasses.dataclass(frozen=True)
class SAParams:
    """Hyperparameters of :class:`SimulatedAnnealing`."""

    sigma: float = hyperparameter(0.1, gt=0)
    """Standard deviation of the Gaussian proposal, per coordinate."""
    t0: float = hyperparameter(1.0, gt=0)
    """Initial temperature, in units of fitness (scale it to typical fitness differences)."""
    schedule: str = hyperparameter("exponential", choices=("exponential", "linear", "logarithmic"))
    """"exponential", "linear" or "logarithmic"."""
    alpha: float = hyperparameter(0.99, gt=0, lt=1)
    """Exponential cooling factor per step. Kirkpatrick et al. (1983) used 0.9 per temperature
    level of many moves; with one move per level a slower factor is the usual choice."""
    linear_steps: int = hyperparameter(1000, integer=True, ge=1)
    """Steps in which the linear schedule reaches zero (then ``t_min``)."""
    t_min: float = hyperparameter(1e-8, gt=0)
    """Floor of the temperature (keeps the acceptance rule finite)."""
    restart_after: int | None = hyperparameter(None, integer=True, ge=1, none="never")
    """Restart a chain after this many steps without improving its own best; ``None`` = never."""
    restart_from: str = hyperparameter("best", choices=("best", "random"))
    """"best" (the best point of all chains) or "random" (a fresh initial draw)."""
    adapt_every: int | None = hyperparameter(20, integer=True, ge=1, none="fixed sigma")
    """Every this many steps, scale each chain's ``sigma`` towards an acceptance ratio of
    0.4-0.6 (Corana et al. 1987, N_s = 20); ``None`` keeps ``sigma`` fixed."""
    adapt_c: float = hyperparameter(2.0, gt=0)
    """Step-adjustment strength c of Corana et al. (1987)."""

    def __post_init__(self) -> None:
        validate(self)


@dataclasses.dataclass(frozen=True)
class SAState:
    """The ``P`` chains."""

    x: torch.Tensor
    """Each chain's current point ``[P, n]``."""
    fitness: torch.Tensor
    """Its fitness ``[P]`` (``-inf``: not evaluated yet)."""
    chain_best: torch.Tensor
    """The best fitness the chain has reached since it (re)started ``[P]``."""
    step: torch.Tensor
    """Steps since the chain (re)started ``[P]`` (long); sets its temperature."""
    stall: torch.Tensor
    """Steps since ``chain_best`` last improved ``[P]`` (long)."""
    accepts: torch.Tensor
    """Accepted moves since ``sigma`` was last adapted ``[P]`` (long)."""
    sigma: torch.Tensor
    """Each chain's proposal width ``[P]``."""
    accepted: torch.Tensor
    """Whether the last proposal was accepted ``[P]`` (bool)."""


def temperature(params: SAParams, step: torch.Tensor) -> torch.Tensor:
    """Temperature of chains that have taken ``step`` steps (a tensor of ints)."""
    k = step.double()
    if params.schedule == "exponential":
        t = params.t0 * params.alpha**k
    elif params.schedule == "linear":
        t = params.t0 * (1.0 - k / params.linear_steps)
    else:
        t = params.t0 * math.log(2.0) / torch.log(k + 2.0)
    return t.clamp_min(params.t_min)


class SimulatedAnnealing(VectorStrategy[SAState]):
    """Parallel-chain simulated annealing; see the module docstring."""

    name = "sa"
    Params = SAParams
    params: SAParams
    default_pop_size = 32

    def _init(self, x0: torch.Tensor) -> SAState:
        P = self._pop_size
        zeros = torch.zeros(P, dtype=torch.long, device=self.device)
        inf = torch.full((P,), float("-inf"), device=self.device, dtype=self.dtype)
        return SAState(
            x=x0,
            fitness=inf,
            chain_best=inf.clone(),
            step=zeros,
            stall=zeros.clone(),
            accepts=zeros.clone(),
            sigma=torch.full((P,), self.params.sigma, device=self.device, dtype=self.dtype),
            accepted=torch.zeros(P, dtype=torch.bool, device=self.device),
        )

    def _ask(self, state: SAState) -> tuple[torch.Tensor, SAState]:
        x, f = state.x, state.fitness
        y = self.clip(x + state.sigma[:, None] * self.randn(*x.shape))
        return torch.where(
            torch.isfinite(f)[:, None], y, x
        ), state  # unevaluated chains: evaluate x

    def _tell(self, s: SAState, y: torch.Tensor, fy: torch.Tensor) -> SAState:
        p = self.params
        t = temperature(p, s.step).to(self.dtype)
        evaluated = torch.isfinite(s.fitness)  # -inf: chain's point not yet evaluated
        log_accept = ((fy - s.fitness) / t).clamp(max=0.0)  # unevaluated: always accept
        accept = self.rand(fy.shape[0]) < torch.exp(log_accept)
        s = dataclasses.replace(
            s,
            x=torch.where(accept[:, None], y, s.x),
            fitness=torch.where(accept, fy, s.fitness),
            accepted=accept,
            step=s.step + 1,
            accepts=s.accepts + (accept & evaluated).long(),
        )
        if p.adapt_every is not None and self.generation % p.adapt_every == p.adapt_every - 1:
            s = self._adapt_sigma(s)
        improved = fy > s.chain_best
        s = dataclasses.replace(
            s,
            chain_best=torch.where(improved, fy, s.chain_best),
            stall=torch.where(improved, 0, s.stall + 1),
        )
        if p.restart_after is not None:
            s = self._restart(s, s.stall >= p.restart_after)
        return s

    def _adapt_sigma(self, s: SAState) -> SAState:
        """Corana et al. (1987), eq. for v_m: widen above 60 % acceptance, narrow below 40 %."""
        c = self.params.adapt_c
        assert self.params.adapt_every is not None  # called only when it is set
        a = s.accepts.to(self.dtype) / self.params.adapt_every
        wider = 1.0 + c * (a - 0.6) / 0.4
        narrower = 1.0 / (1.0 + c * (0.4 - a) / 0.4)
        sigma = s.sigma * torch.where(a > 0.6, wider, torch.where(a < 0.4, narrower, 1.0))
        return dataclasses.replace(s, sigma=sigma, accepts=torch.zeros_like(s.accepts))

    def _restart(self, s: SAState, mask: torch.Tensor) -> SAState:
        if not bool(mask.any()):
            return s
        if self.params.restart_from == "best":
            x_new = self.best.expand_as(s.x)
            f_new = torch.full_like(s.fitness, self.best_fitness)
        else:  # a fresh point, evaluated unperturbed by the next ask
            x_new = self.sample_initial(self._pop_size)
            f_new = torch.full_like(s.fitness, float("-inf"))
        return dataclasses.replace(
            s,
            x=torch.where(mask[:, None], x_new, s.x),
            fitness=torch.where(mask, f_new, s.fitness),
            chain_best=torch.where(mask, f_new, s.chain_best),
            step=torch.where(mask, 0, s.step),
            stall=torch.where(mask, 0, s.stall),
        )

    def info(self) -> dict[str, float]:
        if self.state is None:
            return {}
        t = temperature(self.params, self.state.step)
        return {
            "temperature": float(t.mean()),
            "acceptance": float(self.state.accepted.double().mean()),
        }
