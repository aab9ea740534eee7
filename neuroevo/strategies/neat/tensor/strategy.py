"""NEAT with the whole population held and bred as tensors on one device.

The algorithm is neat-python 2.0's ``Population.run`` loop body with ``DefaultGenome``,
``DefaultReproduction``, ``DefaultSpeciesSet`` and ``DefaultStagnation`` (Stanley &
Miikkulainen 2002), from the same INI file; each step is batched over the population:

1. ``ask()``: the population compiled from its tensors (:mod:`.compile`) as one policy;
2. ``tell(fitness)``: the best genome so far is kept (as a neat-python genome); then
   reproduction (:mod:`.reproduction`: stagnation, spawn counts, elites, parent picks,
   :mod:`.crossover`, :mod:`.structure`) with the innovation tracker reset for the new
   generation; on complete extinction a new population (``reset_on_extinction = True``) or
   :class:`~neuroevo.errors.StrategyError`; then speciation (:mod:`.speciation`).

Runs are reproducible from the seed (one ``torch.Generator`` on the engine's device) and
statistically, not bit for bit, equal to neat-python's (tests/strategies/neat_tensor).

Example::

    import neuroevo as ne
    from neuroevo.strategies.neat.tensor import TensorNEAT
    result = ne.evolve(TensorNEAT("configs/xor.ini"), ne.tasks.XOR(), generations=300, seed=1)
    result.best                      # a neat-python genome
"""

from __future__ import annotations

import copy
import math
import pathlib
from typing import Any

import neat
import torch

from neuroevo.errors import CheckpointError, ConfigError, StrategyError
from neuroevo.policy import BatchedPolicy
from neuroevo.strategies.base import Strategy
from neuroevo.strategies.candidates import Candidates
from neuroevo.strategies.neat.candidates import genome_network
from neuroevo.strategies.neat.tensor import state as st
from neuroevo.strategies.neat.tensor.compile import compile_genomes
from neuroevo.strategies.neat.tensor.convert import to_neat
from neuroevo.strategies.neat.tensor.crossover import crossover
from neuroevo.strategies.neat.tensor.genes import Genomes
from neuroevo.strategies.neat.tensor.initial import create_new
from neuroevo.strategies.neat.tensor.innovation import InnovationTracker
from neuroevo.strategies.neat.tensor.reproduction import assemble, plan
from neuroevo.strategies.neat.tensor.spec import GenomeSpec
from neuroevo.strategies.neat.tensor.speciation import SpeciesTable, speciate
from neuroevo.strategies.neat.tensor.structure import Mutator
from neuroevo.strategies.state_tag import TAG, checked_tag

Tensor = torch.Tensor


#: the fields of :meth:`TensorNEAT.state_dict`
STATE_FIELDS = (
    TAG,
    "generation",
    "next_gid",
    "population",
    "member_species",
    "species",
    "tracker",
    "generator",
    "best",
    "best_fitness",
)


class TensorNEAT(Strategy):
    """NEAT on tensors: the same INI file and algorithm as :class:`~neuroevo.NEAT`.

    ``config``: a ``neat.Config`` or an INI path. ``pop_size`` overrides ``[NEAT] pop_size``.
    ``device``: where the genomes live and breed (default: the device ``setup`` is given,
    i.e. the one ``neuroevo.evolve`` evaluates on). ``dtype``: of the gene values.
    ``seed``: used when ``setup`` gets none. ``same_split_same_node``: the same connection
    split twice in one generation gives one new node, as in the NEAT paper, instead of
    neat-python's two (see :mod:`.innovation`).
    """

    name = "neat-tensor"

    def __init__(
        self,
        config: neat.Config | str | pathlib.Path,
        *,
        pop_size: int | None = None,
        device: str | torch.device | None = None,
        dtype: torch.dtype = torch.float32,
        seed: int | None = None,
        same_split_same_node: bool = False,
    ) -> None:
        if isinstance(config, (str, pathlib.Path)):
            from neuroevo.config import load_config

            config = load_config(config)
        if not isinstance(config, neat.Config):
            raise ConfigError(
                f"TensorNEAT(config=...): expected a neat.Config or an INI path, "
                f"got {type(config).__name__}; load one with neuroevo.load_config"
            )
        if pop_size is not None:
            if not isinstance(pop_size, int) or isinstance(pop_size, bool) or pop_size < 2:
                raise ConfigError(f"TensorNEAT: pop_size must be an integer >= 2, got {pop_size!r}")
            config = copy.copy(config)
            config.pop_size = pop_size
        if dtype not in (torch.float32, torch.float64):
            raise ConfigError(
                f"TensorNEAT: dtype must be torch.float32 or torch.float64, got {dtype}"
            )
        self.config = config
        self.spec = GenomeSpec.read(config)
        self.gene_dtype = dtype
        self.seed = seed
        self.same_split_same_node = same_split_same_node
        self._device = None if device is None else torch.device(device)
        self.device = self._device or torch.device("cpu")
        self.policy_device, self.policy_dtype = self.device, torch.float32
        self.population: Genomes | None = None
        self.species = SpeciesTable()
        self.member_species: Tensor | None = None
        self.generation = 0
        self.best, self.best_fitness = None, float("-inf")
        self._best_row: Genomes | None = None

    # --- set-up ----------------------------------------------------------------------------

    def setup(
        self,
        *,
        num_inputs: int,
        num_outputs: int,
        seed: int | None,
        device: torch.device,
        dtype: torch.dtype,
    ) -> None:
        """Check sizes against the INI file; create and speciate the first population."""
        for what, want, have in (
            ("num_inputs", num_inputs, self.spec.num_inputs),
            ("num_outputs", num_outputs, self.spec.num_outputs),
        ):
            if want != have:
                raise ConfigError(
                    f"the task has {want} {what[4:]} but the neat-python config has "
                    f"[DefaultGenome] {what} = {have}; set {what} = {want} in the "
                    "INI file"
                )
        self.policy_device, self.policy_dtype = torch.device(device), dtype
        self.device = self._device or torch.device(device)
        seed = seed if seed is not None else self.seed
        self.generator = torch.Generator(device=self.device)
        self.generator.manual_seed(seed if seed is not None else int(torch.seed() % 2**62))
        self.tracker = InnovationTracker(
            next_node_key=self.spec.num_outputs,
            device=self.device,
            same_split_same_node=self.same_split_same_node,
        )
        self.next_gid = 1
        self.generation = 0
        self.best, self.best_fitness, self._best_row = None, float("-inf"), None
        self.species = SpeciesTable()
        self._new_population()

    def initialize(
        self,
        *,
        seed: int | None = None,
        device: str | torch.device | None = None,
        dtype: torch.dtype = torch.float32,
    ) -> None:
        """:meth:`setup` with the config's own sizes (to drive ``ask``/``tell`` without a task)."""
        from neuroevo.devices import resolve_device

        self.setup(
            num_inputs=self.spec.num_inputs,
            num_outputs=self.spec.num_outputs,
            seed=seed,
            device=resolve_device(device),
            dtype=dtype,
        )

    def _new_population(self) -> None:
        n = self.config.pop_size
        pop = create_new(
            self.spec,
            n,
            first_gid=self.next_gid,
            tracker=self.tracker,
            gen=self.generator,
            dtype=self.gene_dtype,
        )
        self.next_gid += n
        self._speciate(pop)

    def _speciate(self, pop: Genomes) -> None:
        threshold = self.config.species_set_config.compatibility_threshold
        self.species, self.member_species = speciate(
            self.species, pop, self.spec, threshold, self.generation
        )
        self.population = pop

    def _pop(self) -> Genomes:
        if self.population is None:
            raise StrategyError(
                "TensorNEAT: call setup(...) (or neuroevo.evolve) before ask()/tell()"
            )
        return self.population

    # --- ask / tell ------------------------------------------------------------------------

    def ask(self) -> BatchedPolicy:
        """Every genome of the current generation (row order) as one compiled policy."""
        return compile_genomes(
            self._pop(), self.spec, self.config, device=self.policy_device, dtype=self.policy_dtype
        )

    def tell(self, fitness: Tensor) -> None:
        """Keep the best, then breed and speciate the next generation.

        Runs under ``torch.inference_mode`` (no autograd bookkeeping: about 8% of a small
        population's generation), so the new population's tensors are inference tensors:
        read them freely, ``clone()`` one before changing it in place."""
        pop = self._pop()
        f = torch.as_tensor(fitness).detach().to(self.device, torch.float64).reshape(-1)
        if f.shape[0] != len(pop):
            raise StrategyError(
                f"TensorNEAT.tell got {f.shape[0]} fitness values for {len(pop)} "
                "genomes; pass one value per candidate of the last ask()"
            )
        if not bool(torch.isfinite(f).all()):
            raise StrategyError(
                "TensorNEAT.tell got NaN or infinite fitness; clamp or penalise "
                "such values in the fitness function (e.g. torch.nan_to_num)"
            )
        with torch.inference_mode():
            self._breed(pop, f)

    def _breed(self, pop: Genomes, f: Tensor) -> None:
        i = int(torch.argmax(f))  # first of equals, as neat-python
        if float(f[i]) > self.best_fitness:
            self.best_fitness = float(f[i])
            self._best_row = pop.take(torch.tensor([i], device=self.device))
            self.best = to_neat(self._best_row, [0], self.config, spec=self.spec)[0]
            self.best.fitness = self.best_fitness
        self.tracker.reset_generation()
        assert self.member_species is not None  # set with every population (_speciate)
        p = plan(
            self.config,
            self.species,
            self.member_species,
            f,
            pop.gid,
            self.generation,
            self.generator,
        )
        if p is None:
            self._extinct()
        else:
            kids = crossover(pop, f, p.parent_a, p.parent_b, self.spec, self.generator)
            kids = Mutator(self.spec, self.tracker, self.generator, self.gene_dtype).mutate(kids)
            new = assemble(pop, p, kids, self.next_gid)
            self.next_gid += len(kids)
            self.species = self.species.keep(sorted(p.remaining))
            self._speciate(new)
        self.generation += 1

    def _extinct(self) -> None:
        if not self.config.reset_on_extinction:
            raise StrategyError(
                f"NEAT: every species went extinct in generation {self.generation} (all were "
                "stagnant). Set reset_on_extinction = True in [NEAT] to start a new population "
                "instead, or raise species_elitism / max_stagnation in [DefaultStagnation]"
            )
        self.species = self.species.keep([])
        self._new_population()

    # --- views -----------------------------------------------------------------------------

    @property
    def population_size(self) -> int:
        return len(self.population) if self.population is not None else self.config.pop_size

    def genomes(self, rows: Any = None) -> list[Any]:
        """neat-python genomes of the given rows (all by default), converted on demand."""
        pop = self._pop()
        rows = torch.arange(len(pop)) if rows is None else rows
        return to_neat(pop, rows, self.config, spec=self.spec)

    # --- the candidates' path to a network (Strategy's interface) --------------------------
    candidate_noun = "genome"

    def check_candidates(self, *, purpose: str) -> None:
        """Refused: the networks are tensors of the whole population (the proof of a
        solution narrows the policy instead, :meth:`TensorPolicy.select`)."""
        raise ConfigError(
            f"{purpose} sends the candidates as data; NEAT's tensor engine (TensorNEAT) "
            "cannot be cut into slices (its networks are tensors of the whole population): "
            "run it in one process (workers=None, backend=None)"
        )

    def candidate_data(self, policy: BatchedPolicy, *, purpose: str) -> Candidates:
        self.check_candidates(purpose=purpose)
        raise AssertionError("unreachable")  # pragma: no cover

    def network_of(self, candidate: Any = None) -> BatchedPolicy:
        """A neat-python genome (default: the best, kept as one) compiled alone, in float64
        on the CPU."""
        genome = self.best if candidate is None else candidate
        if genome is None:
            raise StrategyError("NEAT has no best genome before its first generation")
        return genome_network(genome, self.config.genome_config)

    def info(self) -> dict[str, float]:
        return {"species": float(len(self.species))}

    def to(
        self, device: str | torch.device | None = None, dtype: torch.dtype | None = None
    ) -> TensorNEAT:
        """Compile policies on ``device`` with ``dtype`` from the next :meth:`ask` on."""
        from neuroevo.devices import resolve_device

        self.policy_device = resolve_device(device)
        if dtype is not None:
            self.policy_dtype = dtype
        return self

    # --- checkpoints -----------------------------------------------------------------------

    def state_dict(self) -> dict[str, Any]:
        """Tensors and numbers: population, species, tracker, random state, best
        (:data:`STATE_FIELDS`)."""
        return {
            TAG: self.name,
            "generation": self.generation,
            "next_gid": self.next_gid,
            "population": st.genomes_state(self._pop()),
            "member_species": self.member_species,
            "species": st.species_state(self.species),
            "tracker": self.tracker.state(),
            "generator": self.generator.get_state(),
            "best": None if self._best_row is None else st.genomes_state(self._best_row),
            "best_fitness": self.best_fitness,
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore :meth:`state_dict`'s output; the run continues exactly as it would have.

        Every value is checked first (:mod:`.state`); a state that does not fit this config
        raises :class:`~neuroevo.errors.CheckpointError` and changes nothing.
        """
        from neuroevo.io.state_checks import field, get_float, restored_generator

        where = "strategy"
        state = checked_tag(state, self.name, where)
        st.only_fields(state, STATE_FIELDS, where)
        dev, dt = self.device, self.gene_dtype
        generation = st.bounded_int(
            field(state, "generation", where), f"{where}.generation", 0, st.COUNTER_LIMIT
        )
        pop = st.genomes_from_state(
            field(state, "population", where), f"{where}.population", self.spec, dt, dev
        )
        species = st.species_from_state(
            field(state, "species", where), f"{where}.species", self.spec, dt, dev, generation
        )
        member = st.member_species_from_state(
            field(state, "member_species", where),
            f"{where}.member_species",
            len(pop),
            len(species),
            dev,
        )
        tracker = st.tracker_from_state(field(state, "tracker", where), f"{where}.tracker", dev)
        generator = restored_generator(
            field(state, "generator", where), f"{where}.generator", like=torch.Generator(device=dev)
        )
        best_fitness = get_float(state, "best_fitness", where)
        best = field(state, "best", where)
        best_row = (
            None
            if best is None
            else st.genomes_from_state(best, f"{where}.best", self.spec, dt, dev)
        )
        if best_row is not None and len(best_row) != 1:
            raise CheckpointError(f"{where}.best: expected one genome, got {len(best_row)}")
        # every genome the state holds was numbered by its counters
        held = [g for g in (pop, species.reps, best_row) if g is not None]
        st.check_counters(tracker, held, f"{where}.tracker")
        next_gid = st.bounded_int(
            field(state, "next_gid", where),
            f"{where}.next_gid",
            max(int(g.gid.max()) for g in held) + 1,
            st.COUNTER_LIMIT,
        )
        # tell() refuses non-finite fitness, so the best so far is -inf only before any
        if (
            math.isnan(best_fitness)
            or best_fitness == float("inf")
            or (best_row is None) != (best_fitness == float("-inf"))
        ):
            raise CheckpointError(
                f"{where}.best_fitness: expected a finite number with a best "
                f"genome, or -inf without one, got {best_fitness} with "
                f"{'no' if best_row is None else 'a'} best genome"
            )
        # all checked: now change the strategy
        self.population, self.species, self.member_species = pop, species, member.to(dev)
        self.tracker, self.generator = tracker, generator
        self.generation, self.next_gid = generation, next_gid
        self._best_row, self.best_fitness = best_row, best_fitness
        self.best = (
            None if best_row is None else to_neat(best_row, [0], self.config, spec=self.spec)[0]
        )
        if self.best is not None:
            self.best.fitness = self.best_fitness


__all__ = ["TensorNEAT"]
