"""NEAT (Stanley & Miikkulainen 2002, "Evolving Neural Networks through Augmenting
Topologies", Evolutionary Computation 10(2)) with neat-python doing the evolution.

neat-python's own reproduction, speciation and stagnation (whatever types the config
names) make each generation; neuroevo only replaces the evaluation: ``ask()`` compiles all
genomes of the generation into one batched torch module, and ``tell(fitness)`` runs the
rest of neat-python's ``Population.run`` loop body, with its reporter hooks, in the same
order:

1. ``start_generation`` (in :meth:`PythonNEAT.ask`), then the fitness is written to each genome;
2. ``post_evaluate``; the best genome so far is kept (a deep copy);
3. ``found_solution`` when neat's own ``fitness_criterion``/``fitness_threshold`` is met:
   ``max``/``min``/``mean`` of the generation's fitness >= ``fitness_threshold``, as
   ``Population.run`` tests it (the loop's stopping rule is the task's threshold; this is
   for neat-python reporters). Fitness is always maximised, whatever the criterion, as in
   neat-python 2.0 (see :mod:`neuroevo.config`);
4. ``reproduce``; on complete extinction, ``complete_extinction`` then a new population
   (``reset_on_extinction = True``) or :class:`~neuroevo.errors.StrategyError`;
5. ``speciate``, ``end_generation``, ``generation += 1``.

neat-python draws from the global ``random`` module; each strategy has its own stream
(:class:`~neuroevo.strategies.neat.runtime.NeatRuntime`), swapped in only while its
``setup``/``ask``/``tell``/state methods run, and its own copy of the genome config (which
holds neat-python's hidden-node counter), so two strategies in one process, or user code
that uses ``random``, do not disturb each other.

:class:`PythonNEAT` is this engine's class; :func:`neuroevo.NEAT` (:mod:`.engines`) is the
public spelling that builds it, or the tensor engine with ``engine="tensor"``.

Example::

    import neuroevo as ne
    strategy = ne.NEAT(ne.load_config("configs/xor.ini"))     # a PythonNEAT
    result = ne.evolve(strategy, ne.tasks.XOR(), generations=300, seed=1)
    strategy.population.species.species      # neat-python's species, as usual
"""

from __future__ import annotations

import copy
import pathlib
from typing import Any

import neat
import torch

from neuroevo.config import PluginConfig, config_section
from neuroevo.errors import ConfigError, StrategyError
from neuroevo.policy import BatchedPolicy
from neuroevo.strategies.base import Strategy
from neuroevo.strategies.neat.candidates import GenomeCandidates
from neuroevo.strategies.neat.reproduction import reproduce
from neuroevo.strategies.neat.runtime import NeatRuntime, quiet_collector

_PARAMS = {
    "config": "path of the neat-python INI file, relative to the experiment file",
    "pop_size": "integer >= 2 overriding [NEAT] pop_size",
    "refine": "table {steps, lr, optimizer, mode} for gradient refinement on the task",
    "fast": "true (default) to use neuroevo's identical, faster speciation and genome plug-ins",
    "fast_reproduction": "true to vectorise reproduction's gene mutations (same offspring "
    "counts, statistically equal gene values; fastest at large pop_size)",
    "engine": '"neat-python" (default) or "tensor" (the generation as tensor operations; '
    "built by neuroevo.NEAT.from_experiment)",
}


def _own_config(
    config: neat.Config, *, fast: bool = True, fast_reproduction: bool = False
) -> neat.Config:
    """The strategy's own copy of ``config``, with the fast plug-ins where it names neat's defaults.

    FastSpeciesSet / FastGenome give the same results as neat-python's classes for the same
    random state (tested in tests/strategies/test_neat_speciation.py and
    test_neat_genome.py); only where the config names exactly ``neat.DefaultSpeciesSet`` /
    ``neat.DefaultGenome`` (``neat.DefaultReproduction`` with ``fast_reproduction``) are they
    swapped. The genome config is copied too: neat-python keeps the run's hidden-node
    counter on it.
    """
    from neuroevo.strategies.neat.genome import FastGenome
    from neuroevo.strategies.neat.reproduction import FastReproduction
    from neuroevo.strategies.neat.speciation import FastSpeciesSet

    swaps = {}
    if fast and config.species_set_type is neat.DefaultSpeciesSet:
        swaps["species_set_type"] = FastSpeciesSet
    if fast and config.genome_type is neat.DefaultGenome:
        swaps["genome_type"] = FastGenome
    if fast_reproduction and config.reproduction_type is neat.DefaultReproduction:
        swaps["reproduction_type"] = FastReproduction
    config = PluginConfig.with_types(config, **swaps) if swaps else copy.copy(config)
    # a plain copy: DefaultGenomeConfig's __getstate__ would advance the caller's counter
    genome_config = object.__new__(type(config.genome_config))
    genome_config.__dict__.update(config.genome_config.__dict__)
    genome_config.node_indexer = None
    config.genome_config = genome_config
    return config


def experiment_config(params: dict[str, Any], base_dir: pathlib.Path) -> neat.Config:
    """The neat-python config a ``[strategy] name = "neat"`` table names, its keys checked
    first (unknown keys, a missing ``config``), for either engine."""
    for key in params:
        if key not in _PARAMS:
            raise ConfigError(
                f"[strategy] {key}: unknown key for 'neat'; known keys: "
                + "; ".join(f"{k} ({v})" for k, v in _PARAMS.items())
            )
    if "config" not in params or not isinstance(params["config"], str):
        raise ConfigError(
            f"[strategy] config: missing or not a string; expected {_PARAMS['config']}"
        )
    from neuroevo.config import load_config

    return load_config(pathlib.Path(base_dir) / params["config"])


class PythonNEAT(GenomeCandidates, Strategy):
    """neat-python's NEAT over a batched, compiled population (``engine="neat-python"``).

    Build it with :func:`neuroevo.NEAT` (``NEAT(config)`` returns one) or directly.

    ``config`` is a ``neat.Config`` (see :func:`neuroevo.load_config`) or a path to an INI
    file. ``pop_size`` overrides the config's. ``reporters`` are neat-python reporters
    (``neat.StdOutReporter``, ``neat.StatisticsReporter`` ...), called as
    ``Population.run`` calls them. ``refine`` (a :class:`~neuroevo.GradientRefinement`)
    trains every genome's weights for a few gradient steps before its fitness is taken.
    ``fast=True`` swaps neat's ``DefaultSpeciesSet``/``DefaultGenome`` for
    :class:`~neuroevo.FastSpeciesSet`/:class:`~neuroevo.FastGenome`, which give identical
    results faster; ``fast=False`` keeps the config's types as they are.
    ``fast_reproduction=True`` also swaps ``DefaultReproduction`` for
    :class:`~neuroevo.FastReproduction`: the same offspring counts, elites, parents pools and
    structural mutations, but gene attributes mutated in vectorised numpy from another random
    stream -- statistically, not bit-for-bit, equal to neat-python (about 3x faster
    reproduction at pop_size 10,000).

    Example::

        s = PythonNEAT("configs/xor.ini", pop_size=300)   # = ne.NEAT("configs/xor.ini", ...)
        s.setup(num_inputs=2, num_outputs=1, seed=0, device=torch.device("cpu"),
                dtype=torch.float32)
        policy = s.ask()                       # [4, 2] -> [300, 4, 1]
        s.tell(task.evaluate(policy))
    """

    name = "neat"

    def __init__(
        self,
        config: neat.Config | str | pathlib.Path,
        *,
        pop_size: int | None = None,
        reporters: list[Any] | tuple[Any, ...] = (),
        refine: Any = None,
        fast: bool = True,
        fast_reproduction: bool = False,
    ) -> None:
        if isinstance(config, (str, pathlib.Path)):
            from neuroevo.config import load_config

            config = load_config(config)
        if not isinstance(config, neat.Config):
            raise ConfigError(
                f"NEAT(config=...): expected a neat.Config or an INI path, got {type(config).__name__}; "
                "load one with neuroevo.load_config(path)"
            )
        if pop_size is not None and (
            not isinstance(pop_size, int) or isinstance(pop_size, bool) or pop_size < 2
        ):
            raise ConfigError(f"NEAT: pop_size must be an integer >= 2, got {pop_size!r}")
        config = _own_config(config, fast=fast, fast_reproduction=fast_reproduction)
        if pop_size is not None:
            config.pop_size = pop_size  # on the strategy's copy; the caller's stays as it is
        if refine is not None and not callable(getattr(refine, "refine", None)):
            raise ConfigError(
                f"NEAT(refine=...): expected a neuroevo.GradientRefinement, got {refine!r}"
            )
        if refine is not None and not config.genome_config.feed_forward:
            raise ConfigError(
                "NEAT(refine=...): gradient refinement works on feed-forward genomes only; set "
                "feed_forward = True in the INI file or drop refine"
            )
        self.refine = refine
        self.config = config
        self.neat_reporters = list(reporters)
        self.population: neat.Population | None = None
        self.genomes: list[Any] = []
        self.best = None
        self.best_fitness = float("-inf")
        self._device = torch.device("cpu")
        self._dtype = torch.float32
        self._asked = False
        self._runtime = NeatRuntime()

    # --- construction from an experiment file -------------------------------------------

    @classmethod
    def from_experiment(
        cls, params: dict[str, Any], *, task: Any, base_dir: pathlib.Path
    ) -> PythonNEAT:
        """Build from an experiment file's ``[strategy]`` table (``config = "xor.ini"`` ...)
        with ``engine = "neat-python"`` (or none); ``name = "neat"`` goes through
        :func:`neuroevo.NEAT.from_experiment <neuroevo.strategies.neat.engines.from_experiment>`,
        which picks the engine."""
        config = experiment_config(params, base_dir)
        refine = params.get("refine")
        if refine is not None:
            from neuroevo.strategies.neat.refine import GradientRefinement

            if not isinstance(refine, dict):
                raise ConfigError(
                    f"[strategy] refine: expected a table such as "
                    f"{{ steps = 5, lr = 0.05, mode = 'lamarckian' }}, got {refine!r}"
                )
            try:
                refine = GradientRefinement(task, **refine)
            except TypeError as e:
                raise ConfigError(
                    f"[strategy.refine] {e}; known keys: steps, lr, optimizer, mode"
                ) from None
        if params.get("engine", "neat-python") != "neat-python":
            raise ConfigError(
                f"[strategy] engine = {params['engine']!r}: {cls.__name__} is the neat-python "
                'engine; build other engines with name = "neat" (neuroevo.NEAT.from_experiment)'
            )
        flags = {}
        for key, default in (("fast", True), ("fast_reproduction", False)):
            flags[key] = params.get(key, default)
            if not isinstance(flags[key], bool):
                raise ConfigError(f"[strategy] {key}: expected true or false, got {flags[key]!r}")
        return cls(config, pop_size=params.get("pop_size"), refine=refine, **flags)

    # --- ask / tell ---------------------------------------------------------------------

    def setup(
        self,
        *,
        num_inputs: int,
        num_outputs: int,
        seed: int | None,
        device: torch.device,
        dtype: torch.dtype,
    ) -> None:
        """Check sizes against the INI file and create neat-python's initial population."""
        gc = self.config.genome_config
        for what, want, have in (
            ("num_inputs", num_inputs, gc.num_inputs),
            ("num_outputs", num_outputs, gc.num_outputs),
        ):
            if want != have:
                raise ConfigError(
                    f"the task has {want} {what[4:]} but the neat-python config has "
                    f"[{config_section(self.config.genome_type)}] {what} = {have}; set {what} = {want} "
                    "in the INI file"
                )
        # neat-python 2.0 keeps the hidden-node counter on the config; a fresh run starts it
        # afresh so that the same seed gives the same run even when a config is reused.
        gc.node_indexer = None
        self._device = torch.device(device)
        self._dtype = dtype
        self._runtime.seed(seed)
        with self._runtime.own_random():  # neat-python seeds and draws from `random`
            self.population = neat.Population(self.config, seed=seed)
        for r in self.neat_reporters:
            self.population.add_reporter(r)
        self.best = None
        self.best_fitness = float("-inf")
        self._asked = False
        self.genomes = list(self.population.population.values())

    def _pop(self) -> neat.Population:
        if self.population is None:
            raise StrategyError("NEAT: call setup(...) (or neuroevo.evolve) before ask()/tell()")
        return self.population

    def ask(self) -> BatchedPolicy:
        """All genomes of the current generation (dict order) as one compiled module."""
        pop = self._pop()
        with self._runtime.own_random():  # reporters and refinement see the run's stream
            return self._ask(pop)

    def _ask(self, pop: neat.Population) -> BatchedPolicy:
        from neuroevo.compile.population import compile_population

        if not self._asked:
            pop.reporters.start_generation(pop.generation)
            self._asked = True
        self.genomes = list(pop.population.values())
        if self.refine is not None:  # a few gradient steps first (Lamarckian: into the genes)
            refined: BatchedPolicy = self.refine.refine(
                self.genomes, self.config.genome_config, device=self._device, dtype=self._dtype
            )
            return refined
        # feed_forward = False genomes may have cycles: step them as neat.nn.RecurrentNetwork
        recurrent = not self.config.genome_config.feed_forward
        return compile_population(
            self.genomes,
            self.config.genome_config,
            device=self._device,
            dtype=self._dtype,
            recurrent=recurrent,
        )

    def tell(self, fitness: torch.Tensor) -> None:
        """Give each genome its fitness, then let neat-python make the next generation."""
        pop = self._pop()
        values = torch.as_tensor(fitness).detach().to("cpu", torch.float64).reshape(-1).tolist()
        if len(values) != len(self.genomes):
            raise StrategyError(
                f"NEAT.tell got {len(values)} fitness values for {len(self.genomes)} genomes; "
                "pass one value per candidate of the last ask()"
            )
        with self._runtime.own_random():  # neat-python draws from `random`: the run's own
            self._tell(pop, values)

    def _tell(self, pop: neat.Population, values: list[float]) -> None:
        for g, f in zip(self.genomes, values):
            g.fitness = float(f)
        best = max(self.genomes, key=lambda g: g.fitness)  # first of equals, as neat-python
        pop.reporters.post_evaluate(self.config, pop.population, pop.species, best)
        if pop.best_genome is None or best.fitness > pop.best_genome.fitness:
            pop.best_genome = best
        if best.fitness > self.best_fitness:
            self.best = copy.deepcopy(best)
            self.best_fitness = float(best.fitness)
        if not self.config.no_fitness_termination:
            fv = pop.fitness_criterion(g.fitness for g in self.genomes)
            if fv >= self.config.fitness_threshold:
                pop.reporters.found_solution(self.config, pop.generation, best)

        with quiet_collector():  # no effect on results, a large one on time at big pop_size
            self._next_generation(pop)
        self.genomes = list(pop.population.values())
        self._asked = False

    def _next_generation(self, pop: neat.Population) -> None:
        """neat-python's reproduce, extinction handling, speciate and end_generation."""
        pop.population = reproduce(pop, self.config)
        if not pop.species.species:
            pop.reporters.complete_extinction()
            if not self.config.reset_on_extinction:
                raise StrategyError(
                    f"NEAT: every species went extinct in generation {pop.generation} "
                    "(all were stagnant). Set reset_on_extinction = True in [NEAT] to start a "
                    "new population instead, or raise species_elitism / max_stagnation in "
                    f"[{config_section(self.config.stagnation_type)}]"
                )
            pop.population = pop.reproduction.create_new(
                self.config.genome_type, self.config.genome_config, self.config.pop_size
            )
        pop.species.speciate(self.config, pop.population, pop.generation)
        pop.reporters.end_generation(self.config, pop.population, pop.species)
        pop.generation += 1

    # --- bookkeeping ---------------------------------------------------------------------

    @property
    def population_size(self) -> int:
        return len(self.genomes) if self.population is not None else self.config.pop_size

    @property
    def generation(self) -> int:
        """neat-python's generation counter (generations told so far)."""
        return int(self._pop().generation)

    def to(
        self, device: str | torch.device | None = None, dtype: torch.dtype | None = None
    ) -> PythonNEAT:
        """Compile on ``device`` with ``dtype`` from the next :meth:`ask` on (after a resume)."""
        from neuroevo.devices import resolve_device

        self._device = resolve_device(device)
        if dtype is not None:
            self._dtype = dtype
        return self

    def add_reporter(self, reporter: Any) -> None:
        """Add a neat-python reporter (kept across :meth:`setup` and :meth:`load_state_dict`)."""
        self.neat_reporters.append(reporter)
        if self.population is not None:
            self.population.add_reporter(reporter)

    def info(self) -> dict[str, float]:
        """``{"species": n}``: species in the population about to be evaluated."""
        return {"species": float(len(self._pop().species.species))}

    def state_dict(self) -> dict[str, Any]:
        """JSON data: neat-python's whole population state (this run's ``random`` stream
        included) and the best."""
        from neuroevo.io.genome_json import encode_float, genome_to_dict
        from neuroevo.strategies.neat.state import population_to_dict

        with self._runtime.own_random():  # population_to_dict saves random.getstate()
            population = population_to_dict(self._pop())
        return {
            "strategy": self.name,
            "population": population,
            "best": None if self.best is None else genome_to_dict(self.best),
            "best_fitness": encode_float(self.best_fitness),
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore :meth:`state_dict`'s output; the run continues exactly as it would have.

        Device and dtype are not part of the state: set them with :meth:`to` (default CPU,
        float32). Example::

            s = PythonNEAT(load_config("configs/xor.ini")).to("cuda")
            s.load_state_dict(state)
        """
        from neuroevo.errors import CheckpointError
        from neuroevo.io.genome_json import decode_float, genome_from_dict
        from neuroevo.strategies.neat.state import population_from_dict

        if not isinstance(state, dict) or state.get("strategy") != self.name:
            raise CheckpointError("NEAT.load_state_dict: not a NEAT state (no 'strategy': 'neat')")
        with self._runtime.own_random():  # restores the saved stream as this run's own
            pop = population_from_dict(state.get("population"), self.config)
        for r in self.neat_reporters:
            pop.add_reporter(r)
        self.population = pop
        best = state.get("best")
        self.best = (
            None
            if best is None
            else genome_from_dict(
                best, self.config.genome_config, genome_type=self.config.genome_type
            )
        )
        bf = decode_float(state.get("best_fitness"), "NEAT state best_fitness")
        self.best_fitness = float("-inf") if bf is None else float(bf)
        self.genomes = list(pop.population.values())
        self._asked = False


__all__ = ["PythonNEAT", "experiment_config"]
