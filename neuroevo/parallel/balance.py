"""Which candidates go into which slice: balanced by network size and episode cost.

The rule (it changes only timing, never a fitness: a candidate scores the same in any slice):

1. Each candidate's cost is ``size * steps``: ``size`` is its network's size (enabled
   connections + 1 for NEAT genomes; 1 for parameter rows, which all have the same size)
   and ``steps`` its expected env steps per episode: the steps per candidate of the slice
   that evaluated it in the previous generation where it was there (a NEAT genome that
   survived, known by its key), else the mean steps per candidate of the previous
   generation, else 1 (first generation, or a task that reports no steps: supervised
   tasks, whose cost is the network's size alone). Steps come from the task's
   ``last_env_steps`` after each slice (:class:`~neuroevo.tasks.Control` sets it).
2. Slices have equal counts (``ceil(P / n)`` or one fewer), so each worker's pool of
   environments, sized by its first slice, is never rebuilt; within that, candidates are
   dealt out by cost, largest first, each to the slice with the least cost so far (the
   LPT rule, Graham 1969, "Bounds on multiprocessing timing anomalies", SIAM J. Appl. Math.
   17(2)), ties to the lower position and the lower slice. With equal costs this deals
   positions round-robin, which spreads a NEAT population's species (neighbours in the
   population) over the slices.

Example::

    memory = EpisodeCosts()
    slices = memory.split(sizes, keys, 2)          # [positions of slice 0, of slice 1]
    memory.record(keys, slices, steps_per_slice)   # after the generation
"""

from __future__ import annotations

import heapq

import numpy as np


def split_balanced(costs: np.ndarray, n: int) -> list[np.ndarray]:
    """``n`` slices (sorted positions) of equal counts, balanced by ``costs`` (see the module)."""
    p = len(costs)
    n = max(1, min(n, p))
    base, extra = divmod(p, n)
    room = [base + (i < extra) for i in range(n)]
    order = np.lexsort((np.arange(p), -np.asarray(costs, dtype=np.float64)))
    heap = [(0.0, i) for i in range(n)]
    members: list[list[int]] = [[] for _ in range(n)]
    for pos in order.tolist():
        load, i = heapq.heappop(heap)
        while len(members[i]) >= room[i]:  # full: dropped from the heap for good
            load, i = heapq.heappop(heap)
        members[i].append(pos)
        heapq.heappush(heap, (load + float(costs[pos]), i))
    return [np.sort(np.asarray(m, dtype=np.int64)) for m in members]


class EpisodeCosts:
    """What the previous generation taught about episode lengths (see the module)."""

    def __init__(self) -> None:
        self._steps: dict[int, float] = {}
        self._mean: float | None = None

    def costs(self, sizes: np.ndarray, keys: np.ndarray | None) -> np.ndarray:
        """[P] cost of each candidate: network size times expected steps per episode."""
        default = 1.0 if self._mean is None else self._mean
        if keys is None or not self._steps:
            steps = np.full(len(sizes), default)
        else:
            steps = np.asarray([self._steps.get(k, default) for k in keys.tolist()])
        return np.asarray(sizes, dtype=np.float64) * steps

    def split(self, sizes: np.ndarray, keys: np.ndarray | None, n: int) -> list[np.ndarray]:
        return split_balanced(self.costs(sizes, keys), n)

    def record(
        self, keys: np.ndarray | None, slices: list[np.ndarray], steps: list[int | None]
    ) -> None:
        """Remember each slice's env steps per candidate (slices without steps: forgotten)."""
        known = [(s, k) for s, k in zip(slices, steps) if k is not None and len(s)]
        if not known:
            self._steps, self._mean = {}, None
            return
        self._mean = sum(k for _, k in known) / sum(len(s) for s, _ in known)
        self._steps = {}
        if keys is not None:
            for s, k in known:
                per = k / len(s)
                self._steps.update(dict.fromkeys(keys[s].tolist(), per))


__all__ = ["EpisodeCosts", "split_balanced"]
