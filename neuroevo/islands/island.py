"""One island: a whole strategy evolving on its own task, exchanging migrants now and then.

An island runs the loop's own generation step
(:class:`~neuroevo.loop.generation.GenerationStep`, the one :func:`neuroevo.evolve` runs):
ask, evaluate, confirm -- a task's ``solve_episodes`` proof, seeded from the island seed and
the network hash, once per candidate -- then, every ``interval`` generations, migrants out
and in (:mod:`neuroevo.islands.migration`), then ``tell``. So the island's generations are
seeded, counted and proved as ``evolve``'s are on the island seed (numpy's ``SeedSequence``
over the run seed and the island index), and an island's run depends only on the run seed,
its index and the migrants it receives. An island is solved when its own generation is (a
proved candidate with ``solve_episodes``): immigrants are scored on the island's episodes,
not proved there, so an immigrant at the threshold is held just below it, as a candidate
without a proof is, until it is proved as the island's own in a later generation.

Two ways to drive it:

* asynchronously, :meth:`Island.run`: the island goes at its own pace; at a migration
  generation it pushes its emigrants to the pool and takes whatever is there, in one call
  that never waits for another island; every generation it tells the pool its progress and
  learns whether the run should stop;
* synchronously, :meth:`Island.advance` (and :meth:`Island.complete` at a migration
  generation): the driver runs every island one generation, routes the migrants in island
  order when they are due, and stops every island after the generation in which one is
  solved -- the same run for the same seed, every time.

Checkpoints: every ``checkpoint_every`` generations and at the end, the island writes
``<checkpoint_dir>/island-<i>.ckpt`` (:func:`neuroevo.io.checkpoint.save_checkpoint`:
JSON and tensors, never pickle) with its strategy's ``state_dict``, its task's state (the
observation statistics of a normalising control task), its counters and history, and the
proofs it played (when it played any). A resumed island continues from there; every value
read back is checked first, so a crafted or foreign file fails at load with one
:class:`~neuroevo.errors.CheckpointError` line naming the file and the field.
"""

from __future__ import annotations

import dataclasses
import math
import pathlib
import time
from typing import Any

import numpy as np
import torch

from neuroevo.errors import CheckpointError, TaskError
from neuroevo.io.checkpoint import load_checkpoint, save_checkpoint
from neuroevo.io.json_values import is_int, short
from neuroevo.io.state_checks import (
    check_float,
    check_int,
    describe,
    expect_dict,
    field,
    get_bool,
    get_int,
    is_scalar_data,
)
from neuroevo.islands.migration import emigrants, immigrate
from neuroevo.loop.confirm import ProofRecord
from neuroevo.loop.generation import Evaluated, GenerationStep
from neuroevo.parallel.backend import SerialBackend

FORMAT = "neuroevo.island"
#: the fields of an island's own part of its checkpoint (:meth:`Island.state_dict`)
LOOP_FIELDS = (
    "format",
    "island",
    "settings",
    "generation",
    "evaluations",
    "solved",
    "task",
    "history",
    "proofs",
)


@dataclasses.dataclass(frozen=True)
class IslandSettings:
    """What every island of a run shares (see :class:`~neuroevo.islands.islands.Islands`)."""

    islands: int
    interval: int
    migrants: int
    seed: int
    topology: str = "ring"
    asynchronous: bool = True
    stop_on_solve: bool = True
    checkpoint_dir: str | None = None
    checkpoint_every: int | None = None
    device: str = "cpu"
    dtype: str = "float32"

    def island_seed(self, index: int) -> int:
        """The seed of island ``index``: numpy's SeedSequence over (run seed, index)."""
        state = np.random.SeedSequence([self.seed, index]).generate_state(1, np.uint64)[0]
        return int(state) % 2**62

    def checkpoint_path(self, index: int) -> pathlib.Path | None:
        if self.checkpoint_dir is None:
            return None
        return pathlib.Path(self.checkpoint_dir) / f"island-{index}.ckpt"

    def shared(self) -> dict[str, Any]:
        """The settings a resumed island must agree with."""
        return {
            "islands": self.islands,
            "interval": self.interval,
            "migrants": self.migrants,
            "seed": self.seed,
            "topology": self.topology,
        }


@dataclasses.dataclass(frozen=True)
class IslandGeneration:
    """Figures of one island generation (``Result.history`` of an island)."""

    island: int
    generation: int
    best_fitness: float  # best of this generation (immigrants included)
    mean_fitness: float
    best_fitness_so_far: float
    evaluations: int  # cumulative, immigrants' re-evaluations included
    immigrants: int  # migrants received in this generation
    seconds: float  # wall time of this generation
    elapsed: float  # seconds since this island started running (in this session)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


class Island:
    """Island ``index`` of a run: ``strategy`` on ``task`` under ``settings``."""

    def __init__(self, index: int, strategy: Any, task: Any, settings: IslandSettings) -> None:
        self.index, self.strategy, self.task, self.settings = index, strategy, task, settings
        self.seed = settings.island_seed(index)
        self.device = torch.device(settings.device)
        self.dtype = getattr(torch, settings.dtype)
        self.generation = 0
        self.evaluations = 0
        self.solved = False
        self.history: list[IslandGeneration] = []
        self.proofs = ProofRecord()
        self.step: GenerationStep | None = None  # made by setup()
        self._pending: Evaluated | None = None
        self._started = time.perf_counter()

    # --- set-up and checkpoints ---------------------------------------------------------
    def setup(self, *, resume: bool = False) -> None:
        """Set the strategy up; with ``resume``, load the island's checkpoint if it has one."""
        self.strategy.setup(
            num_inputs=self.task.num_inputs,
            num_outputs=self.task.num_outputs,
            seed=self.seed,
            device=self.device,
            dtype=self.dtype,
        )
        self._started = time.perf_counter()
        path = self.settings.checkpoint_path(self.index)
        if resume and path is not None:
            if not path.is_file():  # never a silent restart at generation 0
                raise CheckpointError(
                    f"{path}: island {self.index}'s checkpoint is missing; "
                    "restore it, or start the run without resume=True"
                )
            self.load(path)
        backend = SerialBackend()
        backend.open(self.task)
        self.step = GenerationStep(
            self.strategy,
            self.task,
            backend,
            base_seed=self.seed,
            proofs=self.proofs,
            evaluations=self.evaluations,
        )

    def state_dict(self) -> dict[str, Any]:
        task_state = (
            self.task.state_dict() if callable(getattr(self.task, "state_dict", None)) else None
        )
        state = {
            "format": FORMAT,
            "island": self.index,
            "settings": self.settings.shared(),
            "generation": self.generation,
            "evaluations": self.evaluations,
            "solved": self.solved,
            "task": task_state,
            "history": [h.to_dict() for h in self.history],
        }
        if self.proofs.proofs:  # as the Checkpointer keeps evolve's: only when there are any
            state["proofs"] = self.proofs.state_dict()
        return state

    def save(self) -> pathlib.Path | None:
        path = self.settings.checkpoint_path(self.index)
        if path is None:
            return None
        path.parent.mkdir(parents=True, exist_ok=True)
        return save_checkpoint(
            path,
            strategy_state=self.strategy.state_dict(),
            loop_state=self.state_dict(),
            experiment=None,
        )

    def load(self, path: str | pathlib.Path) -> None:
        """Restore the island from its checkpoint, every value checked first: a file that is
        not this island's, or holds a value no run writes, raises one CheckpointError line
        naming the file and the field."""
        ckpt = load_checkpoint(path)
        try:
            loop = self._loop_state(ckpt.loop_state)
            proofs = ProofRecord()
            if loop["proofs"] is not None:
                proofs.load_state_dict(loop["proofs"], threshold=self.task.fitness_threshold)
            self.strategy.load_state_dict(ckpt.strategy_state)
            if loop["task"] is not None:
                self.task.load_state_dict(loop["task"])
        except CheckpointError as e:
            raise CheckpointError(f"{path}: {e}") from None
        self.generation, self.evaluations = loop["generation"], loop["evaluations"]
        self.solved, self.history = loop["solved"], loop["history"]
        self.proofs.proofs = proofs.proofs  # the record the step shares

    def _loop_state(self, loop: Any) -> dict[str, Any]:
        """The island's own part of its checkpoint (:meth:`state_dict`), checked."""
        where = "loop"
        loop = expect_dict(loop, where)
        if (
            loop.get("format") != FORMAT
            or not is_int(loop.get("island"))
            or loop["island"] != self.index
        ):
            raise CheckpointError(
                f"{where}: not the checkpoint of island {self.index} "
                f"(format {short(loop.get('format'))}, island "
                f"{short(loop.get('island'))})"
            )
        saved = field(loop, "settings", where)
        if (
            not isinstance(saved, dict)
            or not all(is_scalar_data(v) for v in saved.values())
            or saved != self.settings.shared()
        ):
            raise CheckpointError(
                f"{where}.settings: saved with island settings {short(saved)}, "
                f"this run has {self.settings.shared()}; resume with the same islands, "
                "interval, migrants, seed and topology"
            )
        unknown = set(loop) - set(LOOP_FIELDS)
        if unknown:
            raise CheckpointError(f"{where}: unknown fields {sorted(map(str, unknown))}")
        task = field(loop, "task", where)
        if task is not None and not callable(getattr(self.task, "load_state_dict", None)):
            raise CheckpointError(
                f"{where}.task: the checkpoint holds a task state, but task "
                f"{self.task.name!r} has no load_state_dict; resume with the "
                "task the run used"
            )
        rows = field(loop, "history", where)
        if not isinstance(rows, list):
            raise CheckpointError(f"{where}.history: expected a list, got {describe(rows)}")
        generation = get_int(loop, "generation", where, ge=0)
        if len(rows) != generation:
            raise CheckpointError(
                f"{where}.history: {len(rows)} generations recorded, but the "
                f"island has done {generation}"
            )
        return {
            "generation": generation,
            "evaluations": get_int(loop, "evaluations", where, ge=0),
            "solved": get_bool(loop, "solved", where),
            "task": task,
            "proofs": loop.get("proofs"),
            "history": [
                self._history_row(h, f"{where}.history[{i}]", i) for i, h in enumerate(rows)
            ],
        }

    def _history_row(self, h: Any, where: str, generation: int) -> IslandGeneration:
        h = expect_dict(h, where)
        names = [f.name for f in dataclasses.fields(IslandGeneration)]
        if set(h) != set(names):
            raise CheckpointError(
                f"{where}: expected the fields {names}, got {sorted(map(str, h))}"
            )
        counts = {"island": self.index, "generation": generation}
        for name, want in counts.items():
            if check_int(h[name], f"{where}.{name}") != want:
                raise CheckpointError(f"{where}.{name}: expected {want}, got {h[name]}")
        values = {
            n: check_int(h[n], f"{where}.{n}", ge=0)
            if n in ("evaluations", "immigrants")
            else check_float(h[n], f"{where}.{n}")
            for n in names
            if n not in counts
        }
        for n in ("seconds", "elapsed"):
            if not values[n] >= 0 or math.isinf(values[n]):
                raise CheckpointError(f"{where}.{n}: expected a duration >= 0, got {values[n]}")
        return IslandGeneration(**counts, **values)  # type: ignore[arg-type]  # checked above

    # --- one generation -----------------------------------------------------------------
    def migration_due(self) -> bool:
        return self.settings.migrants > 0 and (self.generation + 1) % self.settings.interval == 0

    def evaluate(self) -> Evaluated:
        """Ask, evaluate and confirm this generation (not yet told)."""
        if self.step is None:
            raise RuntimeError(f"island {self.index}: setup() the island first")
        try:
            return self.step.evaluate(self.generation)
        except TaskError as e:
            raise TaskError(f"island {self.index}: {e}") from None

    def emigrants(self, evaluated: Evaluated) -> list[dict[str, Any]]:
        return emigrants(
            self.strategy,
            evaluated.fitness,
            self.settings.migrants,
            island=self.index,
            generation=self.generation,
        )

    def finish(self, evaluated: Evaluated, immigrants: list[dict[str, Any]]) -> None:
        """Take the immigrants in, tell the strategy, record the generation, checkpoint."""
        assert self.step is not None  # made by setup(), which evaluate() needed
        fitness, spent = evaluated.fitness, 0
        if immigrants:
            fitness = immigrate(
                self.strategy,
                self.task,
                fitness,
                immigrants,
                generator=self.step.generator(self.generation),
                device=self.device,
                dtype=self.dtype,
            )
            fitness = self._held_below_threshold(fitness, evaluated.fitness)
            spent = len(immigrants) * self.task.evaluations_per_candidate()
        stats = self.step.tell(evaluated, fitness=fitness, evaluations=spent)
        self.evaluations = self.step.evaluations
        self.history.append(
            IslandGeneration(
                island=self.index,
                generation=self.generation,
                best_fitness=stats.best_fitness,
                mean_fitness=stats.mean_fitness,
                best_fitness_so_far=stats.best_fitness_so_far,
                evaluations=self.evaluations,
                immigrants=len(immigrants),
                seconds=stats.seconds,
                elapsed=time.perf_counter() - self._started,
            )
        )
        self.solved = self.solved or evaluated.solved
        self.generation += 1
        every = self.settings.checkpoint_every
        if every is not None and self.generation % every == 0:
            self.save()

    def _held_below_threshold(self, fitness: torch.Tensor, own: torch.Tensor) -> torch.Tensor:
        """``fitness`` with immigrants (the values immigration changed) at the threshold of a
        task with ``solve_episodes`` held at the largest value below it: scored on this
        island's episodes but not proved here, as ``confirm_solutions`` holds a candidate
        without a proof."""
        threshold = self.task.fitness_threshold
        if threshold is None or not getattr(self.task, "solve_episodes", None):
            return fitness
        unproved = (fitness >= threshold) & (fitness != own)
        if not bool(unproved.any()):
            return fitness
        below = torch.nextafter(
            torch.tensor(threshold, dtype=fitness.dtype),
            torch.tensor(-math.inf, dtype=fitness.dtype),
        )
        return torch.where(unproved, below.to(fitness.device), fitness)

    def _stop(self) -> bool:
        return self.solved and self.settings.stop_on_solve

    # --- asynchronous ---------------------------------------------------------------------
    def run(self, generations: int, pool: Any) -> dict[str, Any]:
        """Evolve until ``generations`` generations are done (counting those of a resumed
        checkpoint), a solution stops the run, or the pool says stop; never waits for
        another island. ``pool`` has :class:`~neuroevo.islands.migration.MigrantPool`'s
        ``exchange``, ``poll``, ``request_stop`` and ``save`` methods."""
        self._started = time.perf_counter()
        if self._stop():  # solved before a resume: the run stops, every island with it
            pool.request_stop()
        while self.generation < generations and not self._stop():
            if pool.poll(self.index, self.generation, self.strategy.best_fitness):
                break
            evaluated = self.evaluate()
            immigrants = []
            if self.migration_due():
                immigrants = pool.exchange(self.index, self.generation, self.emigrants(evaluated))
            self.finish(evaluated, immigrants)
            every = self.settings.checkpoint_every
            if every is not None and self.generation % every == 0:
                pool.save(self.settings.checkpoint_dir)
            if self._stop():
                pool.request_stop()
        pool.poll(self.index, self.generation, self.strategy.best_fitness)
        self.save()
        return self.summary()

    # --- synchronous ----------------------------------------------------------------------
    def advance(self, generations: int) -> dict[str, Any]:
        """Run the next generation, unless the island has done ``generations`` or is solved
        with ``stop_on_solve``. Returns ``{"ran", "emigrants", "solved"}``: whether a
        generation ran; its emigrants when migration is due (the generation then waits for
        the driver's :meth:`complete`), else ``None`` (the generation is finished); and
        whether the island is solved."""
        if self._pending is not None:
            raise RuntimeError(f"island {self.index}: complete() the pending generation first")
        if self.generation >= generations or self._stop():
            return {"ran": False, "emigrants": None, "solved": self.solved}
        evaluated = self.evaluate()
        if self.migration_due():
            self._pending = evaluated
            return {"ran": True, "emigrants": self.emigrants(evaluated), "solved": self.solved}
        self.finish(evaluated, [])
        return {"ran": True, "emigrants": None, "solved": self.solved}

    def complete(self, immigrants: list[dict[str, Any]]) -> bool:
        """Finish the generation :meth:`advance` left pending, with ``immigrants``; whether
        the island is solved."""
        evaluated, self._pending = self._pending, None
        if evaluated is None:
            raise RuntimeError(f"island {self.index}: no pending generation to complete")
        self.finish(evaluated, immigrants)
        return self.solved

    def summary(self) -> dict[str, Any]:
        """What the driver collects: counters, the best candidate and the history."""
        return {
            "island": self.index,
            "generations": self.generation,
            "evaluations": self.evaluations,
            "solved": self.solved,
            "best": self.strategy.best,
            "best_fitness": float(self.strategy.best_fitness),
            "history": list(self.history),
        }


__all__ = ["Island", "IslandGeneration", "IslandSettings"]
