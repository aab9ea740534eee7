"""Migration between islands: who leaves, how migrants enter, and the pool that holds them.

The island model of parallel evolutionary algorithms (Cantu-Paz 1998, "A survey of
parallel genetic algorithms", Calculateurs Paralleles 10(2); Whitley, Rana & Heckendorn
1999, "The island model genetic algorithm: on separability, population size and
convergence", J. Computing and Information Technology 7(1)): every ``interval``
generations an island sends copies of its ``size`` best candidates and puts the migrants
it receives in place of its worst ones (the "best-replace-worst" policy).

* **Who leaves** (:func:`emigrants`): the best of the generation just evaluated, as data --
  a NEAT genome as :func:`~neuroevo.io.genome_json.genome_to_dict` JSON, a flat-vector
  candidate (GA, PSO, SA) as its parameter row -- with its fitness, island and generation.
* **How they enter** (:func:`immigrate`): between the island's evaluation and its ``tell``.
  The migrants are scored again on the receiving island's task with the generation's
  episode seed (a fitness from another island's episodes is not comparable on stochastic
  tasks; on deterministic ones it is the same number), then replace the worst candidates,
  fitness and all, so selection sees them at once. A NEAT migrant is renumbered into the
  receiving run (:mod:`neuroevo.parallel.neat_migration`); a vector migrant replaces a row
  of the candidates ``tell`` reads (for PSO it becomes that particle's personal best when it
  beats it; for GA it joins the parents' pool; for SA it is the chain's proposal).
* **The pool** (:class:`MigrantPool`): the latest emigrants of every island. ``push``
  replaces an island's entry, ``pull`` returns what the island's sources (``"ring"``: the
  previous island; ``"all"``: every other island, best first) have pushed since it last
  pulled -- possibly nothing. Nothing in the pool ever waits for an island, so a slow island
  never stalls a fast one; it only sends less often. It also holds the run's stop flag and
  each island's progress.

Example::

    pool = MigrantPool(islands=3, size=2)
    pool.push(0, generation=4, migrants=emigrants(strategy0, fitness0, 2, island=0, generation=4))
    received = pool.pull(1)              # island 1's source in a ring is island 0
"""

from __future__ import annotations

import math
import pathlib
from collections.abc import Callable
from typing import Any

import torch

from neuroevo.errors import CheckpointError, ConfigError, StrategyError
from neuroevo.io.checkpoint import load_checkpoint, save_checkpoint
from neuroevo.io.json_values import short
from neuroevo.io.state_checks import check_float, check_int, describe, expect_dict, field
from neuroevo.parallel import neat_migration

TOPOLOGIES = ("ring", "all")
POOL_FILE = "pool.ckpt"


def migrant_kind(strategy: Any) -> str:
    """``"neat"`` or ``"vector"``: how ``strategy``'s candidates travel (else StrategyError)."""
    from neuroevo.strategies.gradient import GradientDescent
    from neuroevo.strategies.neat.strategy import PythonNEAT
    from neuroevo.strategies.vector_base import VectorStrategy

    if isinstance(strategy, PythonNEAT):
        return "neat"
    if isinstance(strategy, VectorStrategy) and not isinstance(strategy, GradientDescent):
        return "vector"
    raise StrategyError(
        f"islands exchange NEAT genomes or GA/PSO/SA parameter rows; {type(strategy).__name__} "
        "has neither (for gradient baselines use neuroevo.parallel.async_gradient.local_sgd)"
    )


def emigrants(
    strategy: Any, fitness: torch.Tensor, size: int, *, island: int, generation: int
) -> list[dict[str, Any]]:
    """Copies of the ``size`` best candidates of the generation just evaluated, as data."""
    order = torch.argsort(fitness.detach().cpu().double(), descending=True, stable=True)
    best = order[:size].tolist()
    if migrant_kind(strategy) == "neat":
        payloads = [{"genome": g} for g in neat_migration.genome_payloads(strategy, best)]
    else:
        rows = strategy.ask_params()[best].detach().cpu().clone()
        payloads = [{"params": row} for row in rows]
    for p, i in zip(payloads, best):
        p.update(fitness=float(fitness[i]), island=int(island), generation=int(generation))
    return payloads


def immigrate(
    strategy: Any,
    task: Any,
    fitness: torch.Tensor,
    migrants: list[dict[str, Any]],
    *,
    generator: torch.Generator,
    device: torch.device,
    dtype: torch.dtype,
) -> torch.Tensor:
    """Score ``migrants`` on ``task`` (``generator`` seeded as for the generation) and put them
    in place of the worst candidates of the evaluated generation; returns the new fitness. A
    task with ``candidate_scores`` (a fitness that depends on the population) gets its
    ``population_fitness`` over the whole population the migrants join."""
    if not migrants:
        return fitness
    size = len(fitness)
    migrants = migrants[: max(size - 1, 0)]  # never replace a whole population
    worst = torch.argsort(fitness.detach().cpu().double(), stable=True)[: len(migrants)].tolist()
    if migrant_kind(strategy) == "neat":
        genomes = neat_migration.adopt_genomes([m["genome"] for m in migrants], strategy)
        policy = _genome_policy(strategy, genomes, device, dtype)
    else:
        from neuroevo.compile.params import ParameterPolicy

        rows = torch.stack([m["params"] for m in migrants]).to(device=device, dtype=dtype)
        policy = ParameterPolicy(
            strategy.module, rows, num_inputs=task.num_inputs, num_outputs=task.num_outputs
        )
    fitness = fitness.clone()
    if callable(getattr(task, "candidate_scores", None)):
        # a fitness that depends on the whole population (Supervised's floor for non-finite
        # outputs) is computed over the population the migrants join, not their batch alone
        own = task.candidate_scores(policy, generator=generator).detach()
        fitness[worst] = own.to(fitness.device, fitness.dtype)
        fitness = task.population_fitness(fitness)
        scores = fitness[worst]
    else:
        scores = (
            task.evaluate(policy, generator=generator).detach().to(fitness.device, fitness.dtype)
        )
        fitness[worst] = scores
    if migrant_kind(strategy) == "neat":
        for g, f in zip(genomes, scores.tolist()):
            g.fitness = float(f)
        neat_migration.replace_worst(strategy, worst, genomes)
    else:
        x = strategy.ask_params().clone()
        x[worst] = rows
        strategy.candidates = x  # the rows tell() reads (VectorStrategy keeps them here)
    return fitness


def _genome_policy(
    strategy: Any, genomes: list[Any], device: torch.device, dtype: torch.dtype
) -> Any:
    """The migrants compiled as the strategy's ``ask`` compiles its genomes."""
    gc = strategy.config.genome_config
    if strategy.refine is not None:
        return strategy.refine.refine(genomes, gc, device=device, dtype=dtype)
    from neuroevo.compile.population import compile_population

    return compile_population(
        genomes, gc, device=device, dtype=dtype, recurrent=not gc.feed_forward
    )


class MigrantPool:
    """The latest emigrants of each of ``islands`` islands; see the module docstring.

    A plain object: the driver uses it directly in synchronous runs, and a Ray actor holds
    one for asynchronous runs (every method is quick and never waits for an island).
    """

    def __init__(self, islands: int, *, topology: str = "ring", size: int = 1) -> None:
        if isinstance(islands, bool) or not isinstance(islands, int) or islands < 1:
            raise ConfigError(f"islands: expected a positive integer, got {islands!r}")
        if topology not in TOPOLOGIES:
            raise ConfigError(f"migration topology {topology!r}: use one of {list(TOPOLOGIES)}")
        self.islands, self.topology, self.size = islands, topology, int(size)
        self.latest: dict[int, dict[str, Any]] = {}  # island -> {"generation", "migrants"}
        self.delivered: dict[tuple[int, int], int] = {}  # (receiver, source) -> generation
        self.progress: dict[int, int] = {}  # island -> generations done
        self.best: dict[int, float] = {}  # island -> best fitness so far
        self.stopped = False

    def sources(self, island: int) -> list[int]:
        if self.islands == 1:
            return []
        if self.topology == "ring":
            return [(island - 1) % self.islands]
        return [s for s in range(self.islands) if s != island]

    def push(self, island: int, generation: int, migrants: list[dict[str, Any]]) -> None:
        """``island``'s emigrants of ``generation`` replace its earlier ones."""
        self.latest[island] = {"generation": int(generation), "migrants": list(migrants)}

    def pull(self, island: int) -> list[dict[str, Any]]:
        """The emigrants ``island``'s sources pushed since its last pull (best first, at most
        ``size``), possibly none."""
        found = []
        for source in self.sources(island):
            entry = self.latest.get(source)
            if entry is None or entry["generation"] <= self.delivered.get((island, source), -1):
                continue
            self.delivered[(island, source)] = entry["generation"]
            found.extend(entry["migrants"])
        found.sort(key=lambda m: (-m["fitness"], m["island"]))
        return found[: self.size]

    def exchange(
        self, island: int, generation: int, migrants: list[dict[str, Any]]
    ) -> list[dict[str, Any]]:
        """:meth:`push`, then :meth:`pull` -- one round trip for an asynchronous island."""
        self.push(island, generation, migrants)
        return self.pull(island)

    def poll(self, island: int, generations_done: int, best_fitness: float) -> bool:
        """Record an island's progress; True when the run has been asked to stop."""
        self.progress[island] = int(generations_done)
        self.best[island] = float(best_fitness)
        return self.stopped

    def request_stop(self) -> None:
        """Every island stops at its next generation boundary."""
        self.stopped = True

    def status(self) -> dict[str, Any]:
        return {
            "generations": dict(self.progress),
            "best": dict(self.best),
            "stopped": self.stopped,
        }

    def save(self, directory: str | None) -> None:
        """Write ``<directory>/pool.ckpt`` (nothing when ``directory`` is None)."""
        if directory is not None:
            save_checkpoint(
                pathlib.Path(directory) / POOL_FILE,
                strategy_state=self.state_dict(),
                loop_state={"format": "neuroevo.migrant_pool"},
                experiment=None,
            )

    def load(
        self,
        directory: str | pathlib.Path,
        check: Callable[[dict[str, Any], str, int], None] | None = None,
    ) -> bool:
        """Read ``<directory>/pool.ckpt`` if there is one; whether there was. ``check``: as
        for :meth:`load_state_dict`; a CheckpointError names the file."""
        path = pathlib.Path(directory) / POOL_FILE
        if not path.exists():
            return False
        state = load_checkpoint(path).strategy_state
        try:
            self.load_state_dict(state, check)
        except CheckpointError as e:
            raise CheckpointError(f"{path}: {e}") from None
        return True

    def state_dict(self) -> dict[str, Any]:
        """JSON data and tensors for a checkpoint."""
        return {
            "islands": self.islands,
            "topology": self.topology,
            "size": self.size,
            "latest": {int(k): v for k, v in self.latest.items()},
            "delivered": [[r, s, g] for (r, s), g in self.delivered.items()],
        }

    def load_state_dict(
        self, state: Any, check: Callable[[dict[str, Any], str, int], None] | None = None
    ) -> None:
        """Restore :meth:`state_dict`'s output, every value checked first (CheckpointError
        naming the field; nothing changes). ``check(migrant, where, source)`` checks a
        migrant's payload against the islands that may receive it (see
        :func:`neuroevo.parallel.island_checks.check_migrant`)."""
        where = "pool"
        settings = (
            check_int(field(state, "islands", where), f"{where}.islands"),
            field(state, "topology", where),
            check_int(field(state, "size", where), f"{where}.size"),
        )
        if settings != (self.islands, self.topology, self.size) or not isinstance(settings[1], str):
            raise CheckpointError(
                f"{where}: saved for {short(settings[0])} islands, topology "
                f"{short(settings[1])}, {short(settings[2])} migrants; this run has "
                f"{self.islands}, {self.topology!r}, {self.size}: resume with the same island "
                "settings"
            )
        latest = {}
        for k, entry in expect_dict(field(state, "latest", where), f"{where}.latest").items():
            w = f"{where}.latest[{short(k)}]"
            source = self._island(k, w)
            entry = expect_dict(entry, w)
            if set(entry) != {"generation", "migrants"}:
                raise CheckpointError(
                    f"{w}: expected the fields ['generation', 'migrants'], "
                    f"got {sorted(map(str, entry))}"
                )
            migrants = entry["migrants"]
            if not isinstance(migrants, list) or len(migrants) > self.size:
                raise CheckpointError(
                    f"{w}.migrants: expected a list of at most {self.size} "
                    f"migrants, got {describe(migrants)}"
                )
            for j, m in enumerate(migrants):
                self._migrant(m, f"{w}.migrants[{j}]", source, check)
            latest[source] = {
                "generation": check_int(entry["generation"], f"{w}.generation", ge=0),
                "migrants": migrants,
            }
        delivered: dict[tuple[int, int], int] = {}
        rows = field(state, "delivered", where)
        if not isinstance(rows, list):
            raise CheckpointError(f"{where}.delivered: expected a list, got {describe(rows)}")
        for i, row in enumerate(rows):
            w = f"{where}.delivered[{i}]"
            if not isinstance(row, (list, tuple)) or len(row) != 3:
                raise CheckpointError(
                    f"{w}: expected [receiver, source, generation], got {describe(row)}"
                )
            pair = (self._island(row[0], f"{w}[0]"), self._island(row[1], f"{w}[1]"))
            if pair in delivered:
                raise CheckpointError(f"{w}: receiver {pair[0]} and source {pair[1]} twice")
            delivered[pair] = check_int(row[2], f"{w}[2]", ge=0)
        self.latest, self.delivered = latest, delivered

    def _island(self, v: Any, where: str) -> int:
        v = check_int(v, where, ge=0)
        if v >= self.islands:
            raise CheckpointError(f"{where}: expected an island 0 .. {self.islands - 1}, got {v}")
        return v

    def _migrant(
        self,
        m: Any,
        where: str,
        source: int,
        check: Callable[[dict[str, Any], str, int], None] | None,
    ) -> None:
        """A migrant's envelope (``fitness``, the island that sent it, its generation, one
        payload), then its payload by ``check``."""
        m = expect_dict(m, where)
        if (
            len(m) != 4
            or not {"fitness", "island", "generation"} < set(m)
            or not set(m) & {"genome", "params"}
        ):
            raise CheckpointError(
                f"{where}: expected the fields fitness, island, generation "
                f"and genome or params, got {sorted(map(str, m))}"
            )
        if not math.isfinite(check_float(m["fitness"], f"{where}.fitness")):
            raise CheckpointError(
                f"{where}.fitness: expected a finite number (islands score "
                f"their emigrants so), got {m['fitness']}"
            )
        if self._island(m["island"], f"{where}.island") != source:
            raise CheckpointError(
                f"{where}.island: {m['island']}, but it is in island {source}'s entry"
            )
        check_int(m["generation"], f"{where}.generation", ge=0)
        if check is not None:
            check(m, where, source)


__all__ = ["TOPOLOGIES", "MigrantPool", "emigrants", "immigrate", "migrant_kind"]
