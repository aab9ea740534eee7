"""Particle swarm optimisation over flat parameter vectors.

Kennedy & Eberhart (1995), "Particle swarm optimization", Proc. IEEE ICNN; inertia weight
from Shi & Eberhart (1998), "A modified particle swarm optimizer", IEEE ICEC. Each particle
``i`` moves by::

    v <- w v + c1 r1 (pbest_i - x) + c2 r2 (nbest_i - x),    r1, r2 ~ U(0, 1) per coordinate
    x <- x + v

where ``nbest_i`` is the best personal best of the whole swarm ("global", gbest) or of the
ring neighbours ``i-k .. i+k`` ("ring", lbest; Kennedy & Mendes 2002, "Population structure
and particle swarm performance", CEC). The defaults ``w = 0.7298, c1 = c2 = 1.49618`` are the
constriction coefficients of Clerc & Kennedy (2002), "The particle swarm -- explosion,
stability, and convergence in a multidimensional complex space", IEEE TEC 6(1), written as
an inertia weight (chi = 0.7298, chi * 2.05 = 1.49618; Eberhart & Shi 2000). Velocities may
be clamped to ``[-velocity_clamp, velocity_clamp]``; positions are clamped to the bounds.
Initial velocities are ``(u - x0) / 2`` with ``u`` a second draw of the initial
distribution (the SPSO 2007 rule; Bratton & Kennedy 2007, "Defining a standard for particle
swarm optimization", IEEE SIS).

Example::

    import neuroevo as ne
    pso = ne.PSO(ne.MLP(2, [8], 1), pop_size=256, topology="ring")
    result = ne.evolve(pso, ne.tasks.XOR(), generations=200, seed=1)
"""

from __future__ import annotations

import dataclasses

import torch

from neuroevo.strategies.hyperparams import hyperparameter, validate
from neuroevo.strategies.vector_base import VectorStrategy


@dataclasses.dataclass(frozen=True)
class PSOParams:
    """Hyperparameters of :class:`PSO`."""

    w: float = hyperparameter(0.7298)
    """Inertia weight (Clerc & Kennedy 2002 constriction factor chi)."""
    c1: float = hyperparameter(1.49618, ge=0)
    """Cognitive acceleration, pull towards the particle's own best (chi * 2.05)."""
    c2: float = hyperparameter(1.49618, ge=0)
    """Social acceleration, pull towards the neighbourhood best (chi * 2.05)."""
    topology: str = hyperparameter("global", choices=("global", "ring"))
    """"global" (gbest, every particle sees the swarm's best) or "ring" (lbest)."""
    neighbors: int = hyperparameter(1, integer=True, ge=1)
    """Ring radius k: particle i sees i-k .. i+k (k = 1 in Kennedy & Mendes 2002)."""
    velocity_clamp: float | None = hyperparameter(None, gt=0, none="no clamping")
    """Largest |velocity| per coordinate; ``None`` = no clamping (constriction needs none)."""

    def __post_init__(self) -> None:
        validate(self)


@dataclasses.dataclass(frozen=True)
class PSOState:
    """The swarm."""

    position: torch.Tensor
    """Where each particle is, ``[P, n]`` (the candidates last asked for)."""
    velocity: torch.Tensor
    """Its velocity ``[P, n]``."""
    pbest: torch.Tensor
    """Its personal best position ``[P, n]``."""
    pbest_fitness: torch.Tensor
    """The fitness there ``[P]`` (``-inf`` before the first evaluation)."""


class PSO(VectorStrategy[PSOState]):
    """Particle swarm with global-best or ring topology; see the module docstring."""

    name = "pso"
    Params = PSOParams
    params: PSOParams
    default_pop_size = 50  # swarm size of Bratton & Kennedy (2007)

    def _init(self, x0: torch.Tensor) -> PSOState:
        v0 = self._clamp_v((self.sample_initial(self._pop_size) - x0) / 2)
        inf = torch.full((self._pop_size,), float("-inf"), device=self.device, dtype=self.dtype)
        return PSOState(position=x0, velocity=v0, pbest=x0.clone(), pbest_fitness=inf)

    def _tell(self, state: PSOState, x: torch.Tensor, fitness: torch.Tensor) -> PSOState:
        improved = fitness > state.pbest_fitness
        return dataclasses.replace(
            state,
            pbest=torch.where(improved[:, None], x, state.pbest),
            pbest_fitness=torch.where(improved, fitness, state.pbest_fitness),
        )

    def _ask(self, state: PSOState) -> tuple[torch.Tensor, PSOState]:
        p, x = self.params, state.position
        nbest = self._neighbourhood_best(state.pbest, state.pbest_fitness)
        r1, r2 = self.rand(*x.shape), self.rand(*x.shape)
        v = p.w * state.velocity + p.c1 * r1 * (state.pbest - x) + p.c2 * r2 * (nbest - x)
        v = self._clamp_v(v)
        x = self.clip(x + v)
        return x, dataclasses.replace(state, position=x, velocity=v)

    def _clamp_v(self, v: torch.Tensor) -> torch.Tensor:
        c = self.params.velocity_clamp
        return v if c is None else v.clamp(-c, c)

    def _neighbourhood_best(self, pbest: torch.Tensor, pf: torch.Tensor) -> torch.Tensor:
        """Best personal best each particle sees, ``[P, n]``."""
        if self.params.topology == "global":
            return pbest[int(torch.argmax(pf))].expand_as(pbest)
        k = min(self.params.neighbors, (self._pop_size - 1) // 2) or 1
        idx = torch.arange(self._pop_size, device=self.device)
        ring = torch.stack(
            [(idx + s) % self._pop_size for s in range(-k, k + 1)], dim=1
        )  # [P, 2k+1]
        best = ring.gather(1, pf[ring].argmax(dim=1, keepdim=True)).squeeze(1)
        return pbest[best]

    def info(self) -> dict[str, float]:
        if self.state is None:
            return {}
        return {"mean_speed": float(self.state.velocity.norm(dim=1).mean())}
