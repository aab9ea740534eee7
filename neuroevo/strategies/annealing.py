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

from neuroevo.errors import StrategyError
from neuroevo.strategies.vector_base import VectorStrategy


@dataclasses.dataclass(frozen=True)
class SAParams:
    """Hyperparameters of :class:`SimulatedAnnealing`."""

    sigma: float = 0.1
    """Standard deviation of the Gaussian proposal, per coordinate."""
    t0: float = 1.0
    """Initial temperature, in units of fitness (scale it to typical fitness differences)."""
    schedule: str = "exponential"
    """"exponential", "linear" or "logarithmic"."""
    alpha: float = 0.99
    """Exponential cooling factor per step. Kirkpatrick et al. (1983) used 0.9 per temperature
    level of many moves; with one move per level a slower factor is the usual choice."""
    linear_steps: int = 1000
    """Steps in which the linear schedule reaches zero (then ``t_min``)."""
    t_min: float = 1e-8
    """Floor of the temperature (keeps the acceptance rule finite)."""
    restart_after: int | None = None
    """Restart a chain after this many steps without improving its own best; ``None`` = never."""
    restart_from: str = "best"
    """"best" (the best point of all chains) or "random" (a fresh initial draw)."""
    adapt_every: int | None = 20
    """Every this many steps, scale each chain's ``sigma`` towards an acceptance ratio of
    0.4-0.6 (Corana et al. 1987, N_s = 20); ``None`` keeps ``sigma`` fixed."""
    adapt_c: float = 2.0
    """Step-adjustment strength c of Corana et al. (1987)."""

    def __post_init__(self) -> None:
        checks = [
            (self.sigma > 0, "sigma", "> 0"),
            (self.t0 > 0, "t0", "> 0"),
            (self.schedule in ("exponential", "linear", "logarithmic"), "schedule",
             "'exponential', 'linear' or 'logarithmic'"),
            (0 < self.alpha < 1, "alpha", "in (0, 1)"),
            (isinstance(self.linear_steps, int) and self.linear_steps >= 1, "linear_steps",
             "an integer >= 1"),
            (self.t_min > 0, "t_min", "> 0"),
            (self.restart_after is None or (isinstance(self.restart_after, int)
                                            and self.restart_after >= 1),
             "restart_after", "an integer >= 1 or None"),
            (self.restart_from in ("best", "random"), "restart_from", "'best' or 'random'"),
            (self.adapt_every is None or (isinstance(self.adapt_every, int) and self.adapt_every >= 1),
             "adapt_every", "an integer >= 1 or None"),
            (self.adapt_c > 0, "adapt_c", "> 0"),
        ]
        for ok, key, want in checks:
            if not ok:
                raise StrategyError(f"SAParams.{key} must be {want}, got {getattr(self, key)!r}")


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


class SimulatedAnnealing(VectorStrategy):
    """Parallel-chain simulated annealing; see the module docstring."""

    name = "sa"
    Params = SAParams
    default_pop_size = 32

    def _init(self, x0: torch.Tensor) -> torch.Tensor:
        P = self._pop_size
        zeros = torch.zeros(P, dtype=torch.long, device=self.device)
        inf = torch.full((P,), float("-inf"), device=self.device, dtype=self.dtype)
        self.state = {"x": x0, "fitness": inf, "chain_best": inf.clone(), "step": zeros,
                      "stall": zeros.clone(), "accepts": zeros.clone(),
                      "sigma": torch.full((P,), self.params.sigma, device=self.device, dtype=self.dtype),
                      "accepted": torch.zeros(P, dtype=torch.bool, device=self.device)}
        return x0

    def _propose(self) -> torch.Tensor:
        x, f = self.state["x"], self.state["fitness"]
        y = self.clip(x + self.state["sigma"][:, None] * self.randn(*x.shape))
        return torch.where(torch.isfinite(f)[:, None], y, x)  # unevaluated chains: evaluate x

    def _tell(self, y: torch.Tensor, fy: torch.Tensor) -> torch.Tensor:
        s, p = self.state, self.params
        t = temperature(p, s["step"]).to(self.dtype)
        evaluated = torch.isfinite(s["fitness"])  # -inf: chain's point not yet evaluated
        log_accept = ((fy - s["fitness"]) / t).clamp(max=0.0)  # unevaluated: always accept
        accept = self.rand(fy.shape[0]) < torch.exp(log_accept)
        s["x"] = torch.where(accept[:, None], y, s["x"])
        s["fitness"] = torch.where(accept, fy, s["fitness"])
        s["accepted"] = accept
        s["step"] = s["step"] + 1
        s["accepts"] = s["accepts"] + (accept & evaluated).long()
        if p.adapt_every is not None and self.generation % p.adapt_every == p.adapt_every - 1:
            self._adapt_sigma()
        improved = fy > s["chain_best"]
        s["chain_best"] = torch.where(improved, fy, s["chain_best"])
        s["stall"] = torch.where(improved, 0, s["stall"] + 1)
        if p.restart_after is not None:
            self._restart(s["stall"] >= p.restart_after)
        return self._propose()

    def _adapt_sigma(self) -> None:
        """Corana et al. (1987), eq. for v_m: widen above 60 % acceptance, narrow below 40 %."""
        s, c = self.state, self.params.adapt_c
        a = s["accepts"].to(self.dtype) / self.params.adapt_every
        wider = 1.0 + c * (a - 0.6) / 0.4
        narrower = 1.0 / (1.0 + c * (0.4 - a) / 0.4)
        s["sigma"] = s["sigma"] * torch.where(a > 0.6, wider, torch.where(a < 0.4, narrower, 1.0))
        s["accepts"] = torch.zeros_like(s["accepts"])

    def _restart(self, mask: torch.Tensor) -> None:
        if not bool(mask.any()):
            return
        s = self.state
        if self.params.restart_from == "best":
            x_new = self.best.expand_as(s["x"])
            f_new = torch.full_like(s["fitness"], self.best_fitness)
        else:  # a fresh point, evaluated unperturbed by the next ask
            x_new = self.sample_initial(self._pop_size)
            f_new = torch.full_like(s["fitness"], float("-inf"))
        s["x"] = torch.where(mask[:, None], x_new, s["x"])
        s["fitness"] = torch.where(mask, f_new, s["fitness"])
        s["chain_best"] = torch.where(mask, f_new, s["chain_best"])
        s["step"] = torch.where(mask, 0, s["step"])
        s["stall"] = torch.where(mask, 0, s["stall"])

    def info(self) -> dict[str, float]:
        if "step" not in self.state:
            return {}
        t = temperature(self.params, self.state["step"])
        return {"temperature": float(t.mean()),
                "acceptance": float(self.state["accepted"].double().mean())}
