"""Policy outputs to environment actions: the ``action=`` rules of ``Control``.

* ``"argmax"`` (discrete): one output per action, the largest wins (ties: the first).
* ``"sign"``: one output; discrete environments with 2 actions take action 1 when the
  output is above the middle of ``output_range``, else 0; continuous ones take the upper or
  lower action bound (bang-bang control).
* ``"scale"`` (continuous): outputs are mapped linearly from ``output_range`` onto the
  action bounds, then clipped.
* ``"raw"`` (continuous): outputs are the actions (the environment clips them).

An :class:`ActionMap` is a pure function of the outputs and its own tensors, so eager and
compiled rollouts (:mod:`neuroevo.tasks.compiled`) compute the same actions.
"""

from __future__ import annotations

import dataclasses

import torch


@dataclasses.dataclass(frozen=True)
class ActionMap:
    """``map(out [N, n_out]) -> actions``: ``[N]`` long (discrete) or ``[N, a]`` (continuous)."""

    #: "argmax", "sign" (discrete), "bang" (sign, continuous), "raw" or "scale"
    kind: str
    #: lower end of the output range and its middle
    lo: float
    mid: float
    #: action bounds, and the gain of "scale" (``None`` for discrete kinds)
    low: torch.Tensor | None = None
    high: torch.Tensor | None = None
    gain: torch.Tensor | None = None

    @classmethod
    def build(
        cls,
        action: str,
        discrete: bool,
        output_range: tuple[float, float],
        action_low: torch.Tensor | None,
        action_high: torch.Tensor | None,
        device: torch.device,
        dtype: torch.dtype,
    ) -> ActionMap:
        """The map of a checked ``action`` rule (see :class:`~neuroevo.tasks.control.Control`)."""
        lo, hi = output_range
        mid = 0.5 * (lo + hi)
        if action == "argmax" or (discrete and action == "sign"):
            return cls(action, lo, mid)
        low = action_low.to(device=device, dtype=dtype)  # type: ignore[union-attr]
        high = action_high.to(device=device, dtype=dtype)  # type: ignore[union-attr]
        kind = "bang" if action == "sign" else action
        return cls(kind, lo, mid, low, high, (high - low) / (hi - lo))

    @property
    def tensors(self) -> tuple[torch.Tensor, ...]:
        """The tensors :meth:`apply` reads (in its order)."""
        return tuple(t for t in (self.low, self.high, self.gain) if t is not None)

    @property
    def key(self) -> tuple[str, float, float]:
        return (self.kind, self.lo, self.mid)

    @staticmethod
    def apply(
        key: tuple[str, float, float], tensors: tuple[torch.Tensor, ...], out: torch.Tensor
    ) -> torch.Tensor:
        """The actions of outputs ``out [N, n_out]``."""
        kind, lo, mid = key
        if kind == "argmax":
            return out.argmax(-1)
        if kind == "sign":
            return (out[:, 0] > mid).long()
        low, high, gain = tensors
        out = out.to(low.dtype)
        if kind == "bang":
            return torch.where(out > mid, high, low)
        if kind == "raw":
            return out
        return torch.minimum(torch.maximum(low + (out - lo) * gain, low), high)

    def __call__(self, out: torch.Tensor) -> torch.Tensor:
        return self.apply(self.key, self.tensors, out)


__all__ = ["ActionMap"]
