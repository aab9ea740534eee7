"""The one key that says which strategy a checkpointed state belongs to.

Every strategy's ``state_dict()`` holds its name under :data:`TAG` (``"strategy"``: ``"neat"``,
``"ga"``, ``"pso"``, ``"sa"``, ``"adam"`` ...), and its ``load_state_dict`` reads it with
:func:`checked_tag` before anything else, so a state of another strategy is refused in one
line. Vector strategies (GA, PSO, SA, gradient) wrote their name under ``"name"`` before;
those states still load: :func:`checked_tag` with ``legacy="name"`` takes the old key and
gives back the state under the new one.

Example::

    def state_dict(self):
        return {TAG: self.name, "generation": self.generation, ...}

    def load_state_dict(self, state):
        state = checked_tag(state, self.name, "strategy")
"""

from __future__ import annotations

from typing import Any

from neuroevo.errors import CheckpointError
from neuroevo.io import state_checks as sc

#: the key of a strategy's name in its state
TAG = "strategy"


def checked_tag(state: Any, name: str, where: str, *, legacy: str | None = None) -> dict[Any, Any]:
    """``state`` if it is the state of strategy ``name``; a state that names its strategy
    under the old key ``legacy`` (and not under :data:`TAG`) comes back as a copy with the
    name moved to :data:`TAG`. Anything else raises one :class:`CheckpointError` line."""
    state = sc.expect_dict(state, where)
    if TAG not in state and legacy is not None and legacy in state:
        state = {TAG if k == legacy else k: v for k, v in state.items()}
    if TAG not in state:
        raise CheckpointError(
            f"{where}: missing field {TAG!r} (the strategy's name); the checkpoint is "
            "incomplete or of another version of neuroevo"
        )
    if not isinstance(state[TAG], str) or state[TAG] != name:
        raise CheckpointError(
            f"{where}.{TAG}: the checkpoint is of strategy {sc.describe(state[TAG])}, "
            f"not {name!r}; resume with the strategy the run used"
        )
    return state


__all__ = ["TAG", "checked_tag"]
