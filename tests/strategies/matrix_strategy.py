"""A strategy with a representation no code of neuroevo knows: linear policies stored as
matrices ``[num_outputs, num_inputs + 1]`` (weights and bias), searched by a plain
truncation-selection evolution strategy (keep the best quarter, resample around their mean).

It exists to show that a new representation needs one file: everything that runs candidates
away from the strategy (worker processes, Ray actors, the proof of a solution, islands,
episode pictures) goes through the :class:`~neuroevo.strategies.base.Strategy` interface
this class implements (``candidate_data``, ``network_of``, ``emigrants``/``adopt``,
``migrant_layout``/``check_migrant``), and no other file mentions it.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import torch

from neuroevo.errors import CheckpointError
from neuroevo.policy import BatchedPolicy
from neuroevo.strategies.base import Adoption, MigrantLayout, Strategy
from neuroevo.strategies.candidates import Candidates, Representation, TensorRows


class MatrixPolicy(BatchedPolicy):
    """P linear maps ``y = W x + b`` from matrices ``[P, n_out, n_in + 1]``."""

    def __init__(self, matrices: torch.Tensor) -> None:
        super().__init__()
        self.register_buffer("m", matrices)
        self.num_candidates, self.num_outputs = matrices.shape[0], matrices.shape[1]
        self.num_inputs = matrices.shape[2] - 1

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        m = self.m
        if x.dim() == 2:
            x = x.expand(self.num_candidates, *x.shape)
        x = x.to(m.dtype)
        return torch.baddbmm(m[:, None, :, -1], x, m[:, :, :-1].transpose(1, 2))


@dataclasses.dataclass(frozen=True)
class MatrixRows(Representation):
    """Rows of flattened matrices -> a :class:`MatrixPolicy` (sent once per run)."""

    num_outputs: int
    num_inputs: int

    def build(self, rows: Any, *, device: torch.device | str, dtype: torch.dtype) -> MatrixPolicy:
        m = rows.tensor().to(device=device, dtype=dtype)
        return MatrixPolicy(m.reshape(-1, self.num_outputs, self.num_inputs + 1))


class MatrixES(Strategy):
    """Truncation-selection ES over linear policies (see the module docstring)."""

    name = "matrix-es"
    candidate_noun = "matrix"

    def __init__(self, pop_size: int = 32, sigma: float = 0.5) -> None:
        self.pop_size, self.sigma = pop_size, sigma
        self.best, self.best_fitness = None, float("-inf")
        self.population: torch.Tensor | None = None

    @classmethod
    def from_experiment(cls, params: dict[str, Any], *, task: Any, base_dir: Any) -> MatrixES:
        return cls(**params)

    @property
    def population_size(self) -> int:
        return self.pop_size

    def setup(self, *, num_inputs, num_outputs, seed, device, dtype) -> None:
        self.shape = (num_outputs, num_inputs + 1)
        self.gen = torch.Generator(device="cpu").manual_seed(0 if seed is None else seed)
        self.device, self.dtype = torch.device(device), dtype
        self.mean = torch.zeros(self.shape, dtype=torch.float64)
        self._sample()

    def _sample(self) -> None:
        noise = torch.randn((self.pop_size, *self.shape), generator=self.gen, dtype=torch.float64)
        self.population = self.mean + self.sigma * noise

    def ask(self) -> MatrixPolicy:
        return MatrixPolicy(self.population.to(self.device, self.dtype))

    def tell(self, fitness: torch.Tensor) -> None:
        f = fitness.detach().double().cpu()
        i = int(torch.argmax(f))
        if float(f[i]) > self.best_fitness:
            self.best_fitness, self.best = float(f[i]), self.population[i].clone()
        elite = torch.argsort(f, descending=True, stable=True)[: max(1, self.pop_size // 4)]
        self.mean = self.population[elite].mean(0)
        self._sample()

    # --- checkpoints (what `neuroevo run` writes every generation) --------------------------
    def state_dict(self) -> dict[str, Any]:
        return {
            "strategy": self.name,
            "mean": self.mean.clone(),
            "population": self.population.clone(),
            "best": None if self.best is None else self.best.clone(),
            "best_fitness": self.best_fitness,
            "generator": self.gen.get_state(),
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.mean, self.population = state["mean"].clone(), state["population"].clone()
        self.best, self.best_fitness = state["best"], float(state["best_fitness"])
        self.gen.set_state(state["generator"])

    # --- the path to a network ---------------------------------------------------------
    def candidate_data(self, policy: BatchedPolicy, *, purpose: str) -> Candidates:
        flat = policy.m.reshape(policy.num_candidates, -1)
        return Candidates(
            shared=MatrixRows(*self.shape[:1], self.shape[1] - 1),
            shared_key=("matrix", self.shape),
            rows=TensorRows.of(flat),
            sizes=np.ones(policy.num_candidates, dtype=np.int64),
            keys=None,
            num_candidates=policy.num_candidates,
        )

    def network_of(self, candidate: Any = None) -> MatrixPolicy:
        m = self.best if candidate is None else candidate
        return MatrixPolicy(m.to("cpu", torch.float64)[None])

    def emigrants(self, positions: list[int]) -> list[dict[str, Any]]:
        return [{"matrix": self.population[i].clone()} for i in positions]

    def adopt(self, migrants, *, device, dtype) -> Adoption:
        rows = torch.stack([m["matrix"] for m in migrants]).to(torch.float64)

        def place(positions: list[int], scores: torch.Tensor) -> None:
            self.population[positions] = rows

        return Adoption(MatrixPolicy(rows.to(device, dtype)), place)

    def migrant_layout(self) -> MigrantLayout:
        # the matrices' shape is the task's, known at setup; islands share one task
        return MigrantLayout("matrix", "migrants are matrices", "give every island a MatrixES")

    def check_migrant(self, migrant: dict[str, Any], where: str) -> None:
        m = migrant.get("matrix")
        if not isinstance(m, torch.Tensor) or tuple(m.shape) != self.shape:
            raise CheckpointError(f"{where}.matrix: expected a {self.shape} matrix")
