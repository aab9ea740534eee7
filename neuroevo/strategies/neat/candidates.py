"""NEAT genomes as candidates that travel, and one genome's network.

Once per run the genome config travels (a copy without neat-python's node counter) with
whether genomes are recurrent (:class:`GenomeConfigRepresentation`); every generation the
genomes packed as arrays (:class:`~neuroevo.strategies.neat.packed.PackedGenomes`). A worker
rebuilds its slice's genomes and compiles them with :func:`neuroevo.compile_population`,
exactly as ``NEAT.ask`` compiles the whole population, so every worker's networks are the
driver's.

Example::

    cands = neat_candidates(strategy.genomes, config.genome_config)
    policy = cands.shared.build(cands.rows.select(np.array([0, 3])), device="cpu",
                                dtype=torch.float32)
    one = genome_network(strategy.best, config.genome_config)   # float64, on the CPU
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from neuroevo.errors import CheckpointError, ConfigError, StrategyError
from neuroevo.io.genome_json import genome_from_dict
from neuroevo.policy import BatchedPolicy
from neuroevo.strategies.base import Adoption, MigrantLayout, Strategy
from neuroevo.strategies.candidates import Candidates, Representation
from neuroevo.strategies.neat import migration
from neuroevo.strategies.neat.packed import pack_genomes, unpack_genomes


def genome_config_copy(genome_config: Any) -> Any:
    """A copy without neat-python's node counter: pickling the counter advances it
    (``DefaultGenomeConfig.__getstate__`` calls ``next``), and the workers never need it."""
    gc = object.__new__(type(genome_config))
    gc.__dict__.update(genome_config.__dict__)
    if hasattr(gc, "node_indexer"):
        gc.node_indexer = None
    return gc


@dataclasses.dataclass(frozen=True)
class GenomeConfigRepresentation(Representation):
    """What every slice of a NEAT population needs: sent once per run."""

    genome_config: Any
    recurrent: bool

    def build(self, rows: Any, *, device: torch.device | str, dtype: torch.dtype) -> BatchedPolicy:
        from neuroevo.compile.population import compile_population

        return compile_population(
            unpack_genomes(rows),
            self.genome_config,
            device=device,
            dtype=dtype,
            recurrent=self.recurrent,
        )


def neat_candidates(genomes: Sequence[Any], genome_config: Any) -> Candidates:
    """``genomes`` (neat-python genomes of one config) as data."""
    packed = pack_genomes(genomes)
    return Candidates(
        shared=GenomeConfigRepresentation(
            genome_config_copy(genome_config), not genome_config.feed_forward
        ),
        shared_key=("neat", id(genome_config)),
        rows=packed,
        sizes=packed.enabled_connections().astype(np.int64) + 1,
        keys=packed.key.astype(np.int64),
        num_candidates=packed.num_genomes,
    )


def genome_network(genome: Any, genome_config: Any) -> BatchedPolicy:
    """The policy of one NEAT genome alone, compiled in float64 on the CPU (feed-forward or
    recurrent as its config says)."""
    from neuroevo.compile.population import compile_population

    return compile_population(
        [genome],
        genome_config,
        device="cpu",
        dtype=torch.float64,
        recurrent=not genome_config.feed_forward,
    )


class GenomeCandidates:
    """The :class:`~neuroevo.strategies.base.Strategy` interface of a candidate's path to a
    network for the neat-python engine (:class:`~neuroevo.strategies.neat.strategy.NEAT`):
    its genomes as data for workers and the proof of a solution, a genome's network alone,
    and genomes as migrants (:mod:`neuroevo.strategies.neat.migration`). Mixed into the
    strategy, which holds ``config``, ``genomes`` (the last ``ask``), ``best`` and
    ``refine``."""

    config: Any
    genomes: list[Any]
    best: Any
    refine: Any

    candidate_noun = "genome"

    def _refine_refused(self, purpose: str) -> ConfigError:
        return ConfigError(
            f"{purpose}: NEAT with gradient refinement trains the genomes in the driver; "
            "run it in one process (workers=None) or drop refine"
        )

    def check_candidates(self, *, purpose: str) -> None:
        if self.refine is not None:
            raise self._refine_refused(purpose)

    def candidate_data(self, policy: BatchedPolicy, *, purpose: str) -> Candidates:
        """The genomes of the last :meth:`ask`, packed (:mod:`.candidates`)."""
        if self.refine is not None:
            raise self._refine_refused(purpose)
        if len(self.genomes) != policy.num_candidates:
            return Strategy.candidate_data(self, policy, purpose=purpose)  # type: ignore[arg-type]
        return neat_candidates(self.genomes, self.config.genome_config)

    def network_of(self, candidate: Any = None) -> BatchedPolicy:
        """A genome (default: the best) compiled alone, in float64 on the CPU."""
        genome = self.best if candidate is None else candidate
        if genome is None:
            raise StrategyError("NEAT has no best genome before its first generation")
        return genome_network(genome, self.config.genome_config)

    def emigrants(self, positions: list[int]) -> list[dict[str, Any]]:
        """The genomes at ``positions`` as JSON data (``{"genome": ...}``)."""
        return [{"genome": g} for g in migration.genome_payloads(self, positions)]

    def adopt(
        self, migrants: list[dict[str, Any]], *, device: torch.device, dtype: torch.dtype
    ) -> Adoption:
        """Migrant genomes renumbered into this run (:mod:`.migration`), compiled as
        :meth:`ask` compiles, put in place of genomes with their scores as fitness."""
        genomes = migration.adopt_genomes([m["genome"] for m in migrants], self)
        gc = self.config.genome_config
        if self.refine is not None:
            policy = self.refine.refine(genomes, gc, device=device, dtype=dtype)
        else:
            from neuroevo.compile.population import compile_population

            policy = compile_population(
                genomes, gc, device=device, dtype=dtype, recurrent=not gc.feed_forward
            )

        def place(positions: list[int], scores: torch.Tensor) -> None:
            for g, f in zip(genomes, scores.tolist()):
                g.fitness = float(f)
            migration.replace_worst(self, positions, genomes)

        return Adoption(policy, place)

    def migrant_layout(self) -> MigrantLayout:
        """Inputs, outputs and gene types: what a genome of another island must share."""
        gc = self.config.genome_config
        n_in, n_out = int(gc.num_inputs), int(gc.num_outputs)
        node, conn = gc.node_gene_type.__name__, gc.connection_gene_type.__name__
        return MigrantLayout(
            (n_in, n_out, node, conn),
            f"NEAT config has {n_in} inputs, {n_out} outputs, genes {node}/{conn}",
            "migrants are genomes, so give every island a config of the same sizes and gene types",
        )

    def check_migrant(self, migrant: dict[str, Any], where: str) -> None:
        """Genome JSON this run's config reads."""
        if "genome" not in migrant:
            raise CheckpointError(
                f"{where}: missing field 'genome' (these islands exchange genomes)"
            )
        genome_from_dict(
            migrant["genome"],
            self.config.genome_config,
            genome_type=self.config.genome_type,
            source=f"{where}.genome",
        )


__all__ = [
    "GenomeCandidates",
    "GenomeConfigRepresentation",
    "genome_config_copy",
    "genome_network",
    "neat_candidates",
]
