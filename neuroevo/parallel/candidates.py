"""A generation's candidates as data a worker can rebuild its slice of the population from.

Two kinds of population travel, each in two parts:

* **NEAT** (neat-python genomes, :class:`~neuroevo.NEAT`): once per run the genome config
  (a copy without neat-python's node counter) and whether genomes are recurrent; every
  generation the genomes packed as arrays (:mod:`neuroevo.parallel.genomes`). The worker
  rebuilds its slice's genomes and compiles them with :func:`neuroevo.compile_population`,
  exactly as :meth:`NEAT.ask` compiles the whole population.
* **flat parameters** (:class:`~neuroevo.ParameterPolicy`: GA, PSO, SA, gradient): once per
  run the module template and the policy's sizes; every generation the parameter rows
  ``[P_slice, n_params]`` of the slice.

The driver side is :func:`describe` (what to send once, what to send each generation, and
each candidate's size and identity for balancing); the worker side is :func:`build_policy`.
Any other policy (a user's own ``BatchedPolicy``, :class:`~neuroevo.strategies.neat.tensor.
TensorNEAT`'s networks) cannot be cut into slices: :func:`describe` says so.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
from typing import Any

import numpy as np
import torch

from neuroevo.compile.params import ParameterPolicy
from neuroevo.errors import ConfigError
from neuroevo.parallel.genomes import PackedGenomes, pack_genomes, unpack_genomes
from neuroevo.policy import BatchedPolicy
from neuroevo.strategies.base import Strategy


@dataclasses.dataclass(frozen=True)
class NeatShared:
    """What every slice of a NEAT population needs: sent once per run."""

    genome_config: Any
    recurrent: bool


@dataclasses.dataclass(frozen=True)
class ParamsShared:
    """What every slice of a flat-parameter population needs: sent once per run."""

    module: torch.nn.Module
    num_inputs: int
    num_outputs: int
    chunk_size: int | None


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
        return self.array.nbytes

    def digest(self, position: int) -> str:
        """A hash of row ``position``'s values (its dtype included)."""
        h = hashlib.blake2b(self.dtype.encode(), digest_size=16)
        h.update(np.ascontiguousarray(self.array[position]).tobytes())
        return h.hexdigest()


@dataclasses.dataclass
class Candidates:
    """One generation, described for the workers (driver side)."""

    #: sent once per run (NeatShared / ParamsShared); ``shared_key`` tells when it changed
    shared: Any
    shared_key: Any
    #: the whole population as arrays; ``rows.select(positions)`` is a slice's payload
    rows: PackedGenomes | TensorRows
    #: [P] network size of each candidate (enabled connections + 1; 1 for parameter rows)
    sizes: np.ndarray
    #: [P] identities that survive generations (NEAT genome keys), or None
    keys: np.ndarray | None
    num_candidates: int


def _genome_config_copy(genome_config: Any) -> Any:
    """A copy without neat-python's node counter: pickling the counter advances it
    (``DefaultGenomeConfig.__getstate__`` calls ``next``), and the workers never need it."""
    gc = object.__new__(type(genome_config))
    gc.__dict__.update(genome_config.__dict__)
    if hasattr(gc, "node_indexer"):
        gc.node_indexer = None
    return gc


def describe(strategy: Strategy, policy: BatchedPolicy, *, backend: str) -> Candidates:
    """The candidates of ``policy`` (just returned by ``strategy.ask()``) as data.

    ``backend`` names the backend in errors.
    """
    if isinstance(policy, ParameterPolicy):
        return Candidates(
            shared=ParamsShared(
                policy.module, policy.num_inputs, policy.num_outputs, policy.chunk_size
            ),
            shared_key=("params", id(policy.module)),
            rows=TensorRows.of(policy.params),
            sizes=np.ones(policy.num_candidates, dtype=np.int64),
            keys=None,
            num_candidates=policy.num_candidates,
        )
    genomes = getattr(strategy, "genomes", None)
    config = getattr(strategy, "config", None)
    if (
        isinstance(genomes, (list, tuple))
        and hasattr(config, "genome_config")
        and len(genomes) == policy.num_candidates
        and all(hasattr(g, "connections") for g in genomes[:1])
    ):
        if getattr(strategy, "refine", None) is not None:
            raise _refine_refused(backend)
        packed = pack_genomes(genomes)
        gc = config.genome_config
        return Candidates(
            shared=NeatShared(_genome_config_copy(gc), not gc.feed_forward),
            shared_key=("neat", id(gc)),
            rows=packed,
            sizes=packed.enabled_connections().astype(np.int64) + 1,
            keys=packed.key.astype(np.int64),
            num_candidates=packed.num_genomes,
        )
    raise _unsliceable(backend, f"{type(strategy).__name__}'s {type(policy).__name__}")


def _refine_refused(backend: str) -> ConfigError:
    return ConfigError(
        f"backend {backend!r}: NEAT with gradient refinement trains the genomes "
        "in the driver; run it in one process (workers=None) or drop refine"
    )


def _unsliceable(backend: str, what: str) -> ConfigError:
    return ConfigError(
        f"backend {backend!r} sends slices of NEAT genomes (neuroevo.NEAT) or of flat "
        f"parameter rows (GA, PSO, SA, gradient: a ParameterPolicy); {what} cannot be cut "
        "into slices: run it in one process (workers=None, backend=None)"
    )


def check_sliceable(strategy: Strategy, *, backend: str) -> None:
    """Refuse, before any worker starts, the strategies whose candidates :func:`describe`
    cannot send: NEAT's tensor engine (its networks are tensors of the whole population) and
    NEAT with gradient refinement (it trains the genomes in the driver). Another strategy is
    described at its first generation."""
    from neuroevo.strategies.neat.tensor.strategy import TensorNEAT

    if isinstance(strategy, TensorNEAT):
        raise _unsliceable(backend, f"NEAT's tensor engine ({type(strategy).__name__})")
    if getattr(strategy, "refine", None) is not None and hasattr(strategy, "genomes"):
        raise _refine_refused(backend)


def build_policy(
    shared: Any, rows: Any, *, device: torch.device, dtype: torch.dtype
) -> BatchedPolicy:
    """The batched policy of a slice, in a worker: as the strategy's ``ask`` builds it."""
    if isinstance(shared, NeatShared):
        from neuroevo.compile.population import compile_population

        return compile_population(
            unpack_genomes(rows),
            shared.genome_config,
            device=device,
            dtype=dtype,
            recurrent=shared.recurrent,
        )
    params = rows.tensor().to(device=device)
    return ParameterPolicy(
        shared.module,
        params,
        num_inputs=shared.num_inputs,
        num_outputs=shared.num_outputs,
        chunk_size=shared.chunk_size,
    )


def shared_for_transport(shared: Any) -> Any:
    """``shared`` as it travels: the module template on the CPU (workers move it)."""
    if isinstance(shared, ParamsShared):
        return dataclasses.replace(shared, module=copy.deepcopy(shared.module).cpu())
    return shared


def place_shared(shared: Any, device: torch.device) -> Any:
    """In a worker: the module template moved to the run's device (once per run)."""
    if isinstance(shared, ParamsShared) and any(
        p.device != device for p in shared.module.parameters()
    ):
        return dataclasses.replace(shared, module=shared.module.to(device))
    return shared


__all__ = [
    "Candidates",
    "NeatShared",
    "ParamsShared",
    "TensorRows",
    "build_policy",
    "check_sliceable",
    "describe",
]
