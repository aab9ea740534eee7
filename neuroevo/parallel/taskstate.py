"""Task state that changes from one evaluation to the next, kept the same in every worker.

Most tasks are fixed once built. A task that learns from its evaluations -- a
:class:`~neuroevo.tasks.Control` with ``normalize_observations=True`` keeps running
observation statistics, frozen during an evaluation and updated after it -- must give every
slice the statistics the driver has, and the driver must end the generation with the
statistics one process would have. So, for a task with a non-empty ``state_dict()``:

1. each slice carries the driver's ``task.state_dict()``, loaded into the worker's copy
   (``load_state_dict``) before it evaluates;
2. the worker sends back its slice's per-candidate observation moments
   (``task.last_observation_moments``, a ``CandidateMoments``);
3. the driver puts the slices' moments back in candidate order and merges them into its own
   task (``task.observations.update``), as ``Control.evaluate`` merges the whole
   population's in one process -- the same sums in the same order, so the same bits
   (:mod:`neuroevo.tasks.normalize`).

A task without ``state_dict`` (or with an empty one) sends nothing extra.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch


def task_state(task: Any) -> dict[str, Any] | None:
    """The driver's task state for this generation's slices (None: nothing to send)."""
    state_dict = getattr(task, "state_dict", None)
    if not callable(state_dict):
        return None
    try:
        state = state_dict()
    except NotImplementedError:
        return None
    return state or None


def load_task_state(task: Any, state: dict[str, Any] | None) -> None:
    """In a worker: take the driver's state before evaluating a slice."""
    if state is not None:
        task.load_state_dict(state)


def slice_feedback(task: Any) -> Any:
    """In a worker, after a slice: what the driver's task learns from it (None: nothing)."""
    return getattr(task, "last_observation_moments", None)


def merge_feedback(task: Any, parts: list[Any], slices: list[np.ndarray]) -> None:
    """In the driver: the slices' moments, in candidate order, merged into ``task``."""
    if not parts or all(p is None for p in parts):
        return
    if any(p is None for p in parts):
        raise RuntimeError("some slices sent observation moments and some did not")
    merged = type(parts[0]).cat(parts)  # slice after slice ...
    order = torch.from_numpy(np.argsort(np.concatenate(slices), kind="stable"))
    merged.count, merged.s1, merged.s2 = (
        t[order.to(t.device)] for t in (merged.count, merged.s1, merged.s2)
    )
    task.observations.update(merged)  # ... then candidate after candidate


__all__ = ["load_task_state", "merge_feedback", "slice_feedback", "task_state"]
