"""A generation's candidates as data, and how data becomes networks again: the strategy's part.

Whatever runs candidates away from the strategy -- worker processes and Ray actors, the proof
of a solution, another island -- gets them from the strategy as :class:`Candidates`:

* a :class:`Representation`, sent once per run: how rows of candidate data become a
  :class:`~neuroevo.policy.BatchedPolicy` (:meth:`Representation.build`), e.g. NEAT's genome
  config, or a module template for flat parameter vectors;
* the rows (:class:`CandidateRows`): the whole population as arrays, of which
  ``rows.select(positions)`` is a worker's slice and ``rows.digest(position)`` a stable hash
  of one candidate's network (the key of the proof record);
* each candidate's size (to balance slices) and identity (NEAT genome keys), if any.

A strategy returns them from :meth:`~neuroevo.strategies.base.Strategy.candidate_data`; nothing
outside the strategy knows what a row holds. Adding a representation means writing a
:class:`Representation` and the rows it reads, next to the strategy.

Example::

    cands = strategy.candidate_data(strategy.ask(), purpose="example")
    part = cands.rows.select(np.array([0, 5, 7]))                    # what a worker gets
    policy = cands.shared.build(part, device=device, dtype=dtype)   # its three networks
"""

from __future__ import annotations

import abc
import dataclasses
import hashlib
from collections.abc import Hashable
from typing import Any, Protocol

import numpy as np
import torch

from neuroevo.policy import BatchedPolicy


class CandidateRows(Protocol):
    """Rows of candidate data: a population, or a slice of one."""

    def select(self, positions: np.ndarray) -> CandidateRows:
        """The rows at ``positions`` (ascending), as rows of the same kind."""
        ...

    def nbytes(self) -> int:
        """Bytes of the arrays (what a trip to a worker costs)."""
        ...

    def digest(self, position: int) -> str:
        """A stable hash (32 hex digits) of the network of the row at ``position``: equal
        digests, equal networks; the same candidate has the same digest in every
        generation."""
        ...


class Representation(abc.ABC):
    """How rows of candidate data become networks; sent once per run to every worker."""

    @abc.abstractmethod
    def build(self, rows: Any, *, device: torch.device | str, dtype: torch.dtype) -> BatchedPolicy:
        """The batched policy of ``rows``, as the strategy's ``ask`` builds its own."""

    def for_transport(self) -> Representation:
        """This representation as it travels to a worker (e.g. tensors moved to the CPU)."""
        return self

    def placed(self, device: torch.device) -> Representation:
        """In a worker: this representation with its tensors on ``device`` (once per run)."""
        return self


@dataclasses.dataclass(frozen=True)
class TensorRows:
    """Rows of a tensor as a numpy array (bfloat16 travels as its int16 bits)."""

    array: np.ndarray
    dtype: str

    @classmethod
    def of(cls, t: torch.Tensor) -> TensorRows:
        t = t.detach().cpu().contiguous()
        if t.dtype == torch.bfloat16:
            return cls(t.view(torch.int16).numpy(), "bfloat16")
        return cls(t.numpy(), str(t.dtype).removeprefix("torch."))

    def tensor(self) -> torch.Tensor:
        t = torch.from_numpy(np.ascontiguousarray(self.array))
        return t.view(torch.bfloat16) if self.dtype == "bfloat16" else t

    def select(self, positions: np.ndarray) -> TensorRows:
        return TensorRows(self.array[positions], self.dtype)

    def nbytes(self) -> int:
        return int(self.array.nbytes)

    def digest(self, position: int) -> str:
        """A hash of row ``position``'s values (its dtype included)."""
        h = hashlib.blake2b(self.dtype.encode(), digest_size=16)
        h.update(np.ascontiguousarray(self.array[position]).tobytes())
        return h.hexdigest()


@dataclasses.dataclass
class Candidates:
    """One generation's candidates, described for whoever runs them away from the strategy."""

    #: how rows become networks: sent once per run; ``shared_key`` tells when it changed
    shared: Representation
    shared_key: Hashable
    #: the whole population as arrays; ``rows.select(positions)`` is a slice's payload
    rows: Any
    #: [P] network size of each candidate (to balance slices; 1 where all are alike)
    sizes: np.ndarray
    #: [P] identities that survive generations (NEAT genome keys), or None
    keys: np.ndarray | None
    num_candidates: int


__all__ = ["CandidateRows", "Candidates", "Representation", "TensorRows"]
