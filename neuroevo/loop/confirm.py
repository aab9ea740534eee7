"""Solutions proved on fresh episodes: a task's ``solve_episodes`` re-measures candidates at
the threshold before the run counts as solved.

A fitness from a few noisy episodes overstates the best candidates: among 150 genomes, some
average 200 on LunarLander over 3 episodes by luck. Gymnasium's definition of "solved" is a
mean return at the threshold over 100 consecutive episodes. So, when a task sets
``solve_episodes = K``, every candidate of a generation whose fitness reaches the threshold
is measured again on fresh episodes (:meth:`neuroevo.tasks.Control.confirm`), in a race of
heats (the idea of racing: Maron & Moore, "Hoeffding races", NIPS 1993). A candidate
whose mean in a heat falls below the threshold is out, and that mean becomes its fitness:

1. ``ceil(K / 5)`` fresh episodes: most lucky candidates are far from a solution, and a
   fifth of the episodes shows it;
2. ``K`` fresh episodes: the definition;
3. ``2K`` more fresh episodes, a replication, whose mean must be at least
   :data:`MARGIN_SE` standard errors above the threshold.

The proof is a function of the candidate alone. A run tests many candidates near the
threshold, and each test that is passed by luck is a false solution (the winner's curse: on
LunarLander, three of ten winners that had passed two heats of 100 episodes at 200 averaged
186-199 on 100 unseen episodes). Three rules keep that chance small:

* **One proof per candidate.** A candidate's episodes are seeded from the run seed and a
  hash of its network (the digest of its rows, :meth:`Strategy.candidate_data`), so an
  elite that reaches the threshold again in a later generation replays the same episodes
  and gets the same verdict, instead of a fresh try. The :class:`ProofRecord` keeps the
  verdicts, so the episodes are played once, and checkpoints keep the record, so a resumed
  run counts its evaluations as the uninterrupted one did.
* **A replication** free of heat 2's selection, twice its size.
* **A margin.** The replication's mean minus :data:`MARGIN_SE` standard errors must reach
  the threshold. Three standard errors is a one-sided 99.87 % bound; the margin is that wide
  because a run puts tens of candidates to the replication (a Bonferroni bound at 5 % over
  20 tests needs 2.8).

With them, the winners of ten LunarLander runs re-tested at 201-242 on 100 unseen episodes and
at 214-243 on 1,000 more (``benchmarks/lunarlander_solve.py``).

A replaced fitness is a better estimate of the same quantity, so the strategy sees it
instead; a candidate whose last mean is at the threshold but that is not proved gets the
largest value below it. The generation solves the task only if a candidate passes all three
heats.

Policies whose candidates have no network hash (a user's own ``BatchedPolicy``, the tensor
engine's networks, NEAT with gradient ``refine``) are raced together on episodes of the
generation's own seed, without the record: a candidate re-raced in a later generation gets
fresh episodes. So does every candidate of a task whose state changes between generations
(``normalize_observations``: the same network is another policy each generation).

Users of :func:`neuroevo.evolve` with a :class:`~neuroevo.Checkpointer` give both the same
record, so that a resumed run does not play (and count) a recorded proof again::

    proofs = ne.ProofRecord()
    ckpt = ne.Checkpointer("runs/lander", every=10, seed=1, proofs=proofs)
    ne.evolve(strategy, task, generations=300, seed=1, reporters=[ckpt], proofs=proofs)
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

import torch

from neuroevo.errors import CheckpointError, ConfigError
from neuroevo.io import state_checks as sc
from neuroevo.parallel.taskstate import task_state
from neuroevo.policy import BatchedPolicy, policy_device_dtype
from neuroevo.strategies.base import Strategy
from neuroevo.strategies.candidates import Candidates
from neuroevo.tasks.base import Task

#: the first heat plays 1/HEAT_FRACTION of ``solve_episodes``
HEAT_FRACTION = 5
#: the replication's mean must be this many standard errors above the threshold
MARGIN_SE = 3.0


def heat_sizes(solve_episodes: int) -> tuple[int, int, int]:
    """Episodes of each heat: a fifth, the definition, the replication (twice the definition)."""
    return (math.ceil(solve_episodes / HEAT_FRACTION), solve_episodes, 2 * solve_episodes)


@dataclass(frozen=True)
class Proof:
    """One candidate's race: the mean of each heat it played, and the replication's
    standard error (``None`` until it plays the replication)."""

    means: tuple[float, ...]
    stderr: float | None = None

    def passed(self, threshold: float) -> bool:
        """All three heats at the threshold, the last one by the margin."""
        return (
            len(self.means) == 3
            and self.stderr is not None
            and self.means[-1] - MARGIN_SE * self.stderr >= threshold
        )


@dataclass
class ProofRecord:
    """The proofs of one run, by network hash: what a candidate re-raced in a later
    generation gets without playing again. Checkpoints store it (:meth:`state_dict`)."""

    proofs: dict[str, Proof] = field(default_factory=dict)

    def state_dict(self) -> dict[str, Any]:
        return {
            "proofs": {
                k: {"means": list(p.means), "stderr": p.stderr} for k, p in self.proofs.items()
            }
        }

    def load_state_dict(self, state: Any, *, threshold: float | None = None) -> None:
        """Take the proofs of :meth:`state_dict`, as a checkpoint holds them. Only what a
        race can leave is taken (the task's ``threshold``, when given, for the heats before
        the last); anything else is a :class:`~neuroevo.errors.CheckpointError` naming the
        proof and the field, and the record stays as it was."""
        if (
            not isinstance(state, dict)
            or set(state) != {"proofs"}
            or not isinstance(state["proofs"], dict)
        ):
            raise _damaged(f"expected {{'proofs': {{hash: proof}}}}, got {sc.describe(state)}")
        self.proofs = {key: _checked_proof(key, v, threshold) for key, v in state["proofs"].items()}


_HASH = re.compile(r"[0-9a-f]{32}")


def _damaged(why: str) -> CheckpointError:
    return CheckpointError(
        f"the checkpoint's proof record is damaged: {why}; resume from another checkpoint"
    )


def _finite(v: Any, where: str) -> float:
    """``v`` as a float if it is a finite number (not a bool, not a string)."""
    x = None
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        try:
            x = float(v)
        except OverflowError:
            x = None
    if x is None or not math.isfinite(x):
        raise _damaged(f"{where} = {sc.describe(v)} is not a finite number")
    return x


def _checked_proof(key: Any, entry: Any, threshold: float | None) -> Proof:
    """The :class:`Proof` a race left for network hash ``key``, or a CheckpointError: one to
    three finite means, each but the last at the threshold (a candidate below it is out),
    and a finite standard error >= 0 exactly when it played the three heats."""
    if not isinstance(key, str) or not _HASH.fullmatch(key):
        raise _damaged(f"key {sc.describe(key)} is not a network hash (32 hex digits)")
    where = f"proofs[{key!r}]"
    if not isinstance(entry, dict) or set(entry) != {"means", "stderr"}:
        raise _damaged(
            f"{where} = {sc.describe(entry)}: expected {{'means': [...], 'stderr': ...}}"
        )
    means, stderr = entry["means"], entry["stderr"]
    if not isinstance(means, (list, tuple)) or not 1 <= len(means) <= 3:
        raise _damaged(f"{where}.means = {sc.describe(means)}: a race plays one to three heats")
    values = tuple(_finite(m, f"{where}.means[{i}]") for i, m in enumerate(means))
    if threshold is not None and any(m < threshold for m in values[:-1]):
        raise _damaged(
            f"{where}.means = {list(values)}: the race went on after a heat below "
            f"the threshold {threshold}"
        )
    if len(values) < 3:
        if stderr is not None:
            raise _damaged(f"{where}.stderr = {sc.describe(stderr)}: only the third heat has one")
        return Proof(values)
    se = _finite(stderr, f"{where}.stderr")
    if se < 0:
        raise _damaged(f"{where}.stderr = {se}: a standard error is >= 0")
    return Proof(values, se)


@dataclass(frozen=True)
class Confirmation:
    """The candidates re-measured in one generation."""

    #: their positions in the population, best training fitness first
    positions: list[int]
    #: the mean over the last heat each played, in the same order (their new fitness, except
    #: for a candidate at the threshold but not proved: the largest value below it)
    scores: list[float]
    #: how many heats each played (same order; 3: all, the last one the replication)
    heats: list[int]
    #: whether each passed all three heats, the replication by the margin
    passed: list[bool]
    #: the episodes played now (counted as evaluations; a recorded proof plays none)
    evaluations: int
    #: candidates whose verdict came from the record (raced in an earlier generation)
    recorded: int = 0

    @property
    def proved(self) -> int:
        """Candidates that passed all three heats."""
        return sum(self.passed)

    @property
    def confirmed(self) -> int:
        """Candidates that played ``solve_episodes`` episodes (heat 2) or more."""
        return sum(h >= 2 for h in self.heats)

    @property
    def best_full(self) -> float | None:
        """The best last mean over ``solve_episodes`` episodes, or ``None`` if none got there."""
        means = [s for s, h in zip(self.scores, self.heats) if h >= 2]
        return max(means) if means else None


def confirmation_seed(base_seed: int, generation: int) -> int:
    """The seed of generation ``generation``'s confirmation episodes for candidates without a
    network hash: a stream of its own, apart from the training episodes'
    ``base_seed * 1_000_003 + generation``."""
    return (base_seed * 1_000_003 + generation + 0x5EED_C0DE_F00D) % (2**62)


def proof_seed(run_seed: int, digest: str, heat: int) -> int:
    """The seed of heat ``heat``'s episodes for the candidate whose network hash is
    ``digest``, in the run with seed ``run_seed``."""
    h = hashlib.blake2b(f"{run_seed}/{digest}/{heat}".encode(), digest_size=8)
    return int.from_bytes(h.digest(), "little") % (2**62)


def _stats(scores: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Mean and standard error ``[P]`` of episode scores ``[P, E]`` (scores ``[P]``, from a
    task that gives means only, have no spread)."""
    s = scores.double().cpu()
    if s.dim() == 1:
        return s, torch.zeros_like(s)
    e = s.shape[1]
    se = s.std(dim=1, unbiased=True) / math.sqrt(e) if e > 1 else torch.zeros(len(s))
    return s.mean(dim=1), se


class _Runner:
    """Plays chosen candidates of ``policy``: a policy of those alone where the population
    can be cut into slices (NEAT genomes, parameter rows: rebuilt as the workers build
    theirs) or narrowed (a policy with ``select``, as the tensor engine's), else the whole
    policy."""

    def __init__(self, strategy: Strategy, task: Task, policy: BatchedPolicy) -> None:
        self.task, self.policy = task, policy
        self.described: Candidates | None
        try:
            self.described = strategy.candidate_data(policy, purpose="solve_episodes")
        except ConfigError:
            self.described = None
        self.narrowable = callable(getattr(policy, "select", None)) and not getattr(
            policy, "recurrent", False
        )

    def digests(self, positions: list[int]) -> list[str] | None:
        """The network hashes of the candidates at ``positions``, or ``None`` if they have
        none or the task changes between generations."""
        if self.described is None or task_state(self.task) is not None:
            return None
        return [self.described.rows.digest(p) for p in positions]

    def _sub_policy(self, positions: torch.Tensor) -> BatchedPolicy | None:
        if self.described is not None:
            device, dtype = policy_device_dtype(self.policy)
            rows = self.described.rows.select(positions.numpy())
            return self.described.shared.build(rows, device=device, dtype=dtype)
        if self.narrowable:
            sub: BatchedPolicy = cast(Any, self.policy).select(positions)  # narrowable: has one
            return sub
        return None

    def scores(self, positions: torch.Tensor, episodes: int, seed: int) -> tuple[torch.Tensor, int]:
        """Scores ``[len(positions), episodes]`` of the candidates at ``positions`` in
        ``episodes`` fresh episodes drawn from ``seed``, and the episodes played."""
        generator = torch.Generator(device="cpu").manual_seed(seed)
        sub = self._sub_policy(positions)
        if sub is None:
            scores = self.task.confirm(  # type: ignore[attr-defined]  # the caller checked
                self.policy, generator=generator, episodes=episodes
            )
            return scores[positions], int(self.policy.num_candidates) * episodes
        scores = self.task.confirm(  # type: ignore[attr-defined]  # the caller checked
            sub, generator=generator, episodes=episodes
        )
        return scores, len(positions) * episodes


def _race(
    runner: _Runner,
    order: torch.Tensor,
    heat_seed: Callable[[int], int],
    sizes: tuple[int, ...],
    threshold: float,
) -> tuple[list[Proof], int]:
    """The candidates at ``order`` raced together, heat ``i`` on episodes drawn from
    ``heat_seed(i)``, each while its mean is at the threshold; their proofs and the episodes
    played. One candidate with its own seeds is a proof of its own."""
    means: list[list[float]] = [[] for _ in order]
    stderr: list[float | None] = [None] * len(order)
    alive = list(range(len(order)))
    played = 0
    for i, size in enumerate(sizes):
        if not alive:
            break
        scores, n = runner.scores(order[alive], size, heat_seed(i))
        mean, se = _stats(scores)
        played += n
        for j, k in enumerate(alive):
            means[k].append(float(mean[j]))
            if i == len(sizes) - 1:
                stderr[k] = float(se[j])
        alive = [k for k in alive if means[k][-1] >= threshold]
    return [Proof(tuple(m), s) for m, s in zip(means, stderr)], played


def confirm_solutions(
    strategy: Strategy,
    task: Task,
    policy: BatchedPolicy,
    fitness: torch.Tensor,
    threshold: float,
    seed: int,
    *,
    run_seed: int | None = None,
    record: ProofRecord | None = None,
) -> tuple[torch.Tensor, Confirmation | None]:
    """``fitness`` with the candidates at ``threshold`` replaced by their confirmed means.

    Returns the new fitness and what was confirmed (``None`` when no candidate reached the
    threshold, or the task sets no ``solve_episodes``). ``policy`` is the population just
    asked for, before ``strategy.tell``. A candidate with a network hash plays episodes
    seeded from ``run_seed`` (default ``seed``) and its hash, once per ``record``; the
    others, episodes drawn from ``seed + i`` in heat ``i``. ``task.confirm`` returns
    scores ``[P, E]`` (or means ``[P]``: then the replication has no standard error to
    subtract).
    """
    episodes = getattr(task, "solve_episodes", None)
    if not episodes:
        return fitness, None
    if not callable(getattr(task, "confirm", None)):
        raise ConfigError(
            f"task {task.name!r} sets solve_episodes but has no confirm() method; "
            "add one or set solve_episodes = None"
        )
    reached = (fitness >= threshold).nonzero().flatten().cpu()
    if len(reached) == 0:
        return fitness, None
    order = reached[fitness[reached].cpu().argsort(descending=True, stable=True)]
    positions = [int(i) for i in order]
    sizes = heat_sizes(int(episodes))
    runner = _Runner(strategy, task, policy)
    digests = runner.digests(positions)
    record = record if record is not None else ProofRecord()
    recorded = 0
    if digests is None:
        proofs, played = _race(runner, order, lambda i: seed + i, sizes, threshold)
    else:
        proofs, played = [], 0
        base = seed if run_seed is None else run_seed
        for position, digest in zip(positions, digests):
            proof = record.proofs.get(digest)
            recorded += proof is not None  # also a twin raced earlier in this generation
            if proof is None:
                (proof,), n = _race(
                    runner,
                    torch.tensor([position]),
                    lambda i: proof_seed(base, digest, i),
                    sizes,
                    threshold,
                )
                record.proofs[digest] = proof
                played += n
            proofs.append(proof)
    scores = torch.tensor([p.means[-1] for p in proofs], dtype=torch.float64)
    passed = [p.passed(threshold) for p in proofs]
    cast = scores.to(fitness.dtype, copy=True)  # scores keep the means
    unproved = torch.tensor([not ok for ok in passed]) & (cast >= threshold)
    cast[unproved] = torch.nextafter(
        torch.tensor(threshold, dtype=fitness.dtype), torch.tensor(-math.inf, dtype=fitness.dtype)
    )
    confirmed = fitness.clone()
    confirmed[order.to(fitness.device)] = cast.to(fitness.device)
    return confirmed, Confirmation(
        positions, scores.tolist(), [len(p.means) for p in proofs], passed, played, recorded
    )
