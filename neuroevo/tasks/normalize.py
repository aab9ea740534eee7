"""Observation normalisation for control tasks: fixed ranges, or running mean and variance.

Two ways :class:`~neuroevo.tasks.control.Control` maps observations to policy inputs:

* ``obs_norm="auto"`` or ``(low, high)``: a fixed linear map of known ranges onto
  ``[-1, 1]`` (:func:`observation_bounds`; ``"auto"``: the environment class's
  ``observation_bounds``);
* ``normalize_observations=True``: ``(obs - mean) / std`` with the running mean and
  variance of every observation the policies have seen (:class:`RunningNorm`), for
  environments whose observations are unbounded or of unknown scale (BipedalWalker,
  MuJoCo). This is what EvoTorch's ``GymNE(observation_normalization=True)`` does
  (nnaisense/evotorch, ``neuroevolution/gymne.py`` and ``net/runningstat.py``, adapted
  from OpenAI's evolution-strategies-starter, the code of Salimans et al. 2017, "Evolution
  strategies as a scalable alternative to reinforcement learning", arXiv:1703.03864), with
  two differences, both so that a fitness does not depend on how the population is split
  between workers:

  - the statistics are frozen during an evaluation and updated after it (EvoTorch updates
    them before normalising each observation, so a candidate's inputs depend on the ones
    evaluated before it);
  - the observations are accumulated per candidate (:class:`CandidateMoments`) and merged
    in candidate order, so a population evaluated in slices (worker processes, Ray) gives
    the same statistics, bit for bit, as one evaluated at once -- provided whoever
    evaluates the slices merges their moments into the driver's task in candidate order.

Statistics are kept in float64 as count, mean and ``M2`` (sum of squared deviations):
Welford's update (Welford 1962, "Note on a method for calculating corrected sums of
squares and products", Technometrics 4(3)) generalised to merging two sets by Chan,
Golub & LeVeque (1979/1983, "Algorithms for computing the sample variance: analysis and
recommendations", The American Statistician 37(3)):
``delta = mean_b - mean_a; n = n_a + n_b; mean = mean_a + delta * n_b / n;
M2 = M2_a + M2_b + delta^2 * n_a * n_b / n``. Within one evaluation the sums are taken
around the frozen mean (the "shifted data" algorithm of the same paper), which keeps them
small. The standard deviation is floored at ``sqrt(min_var)`` (EvoTorch's ``RunningStat``
uses ``max(var, 1e-2)``), so a constant observation is not blown up; before the first
observation the map is the identity.

Example::

    norm = RunningNorm(3)
    norm.update(torch.randn(100, 3) * 5 + 2)
    norm.mean, norm.var          # close to 2 and 25
    norm.normalize(x)            # (x - mean) / sqrt(max(var, 1e-2))
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from typing import Any

import torch

from neuroevo.errors import CheckpointError, TaskError
from neuroevo.io.state_checks import check_float, expect_dict, get_tensor

_F64 = torch.float64


def known_bounds(env_name: str) -> tuple[tuple[float, ...], tuple[float, ...]] | None:
    """The ``observation_bounds`` of the torch environment registered as ``env_name``
    (:class:`~neuroevo.envs.base.VectorEnv`), ``None`` for any other name."""
    from neuroevo.envs import canonical_name, env_class, registered

    name = canonical_name(env_name)
    if not isinstance(name, str) or name not in registered():
        return None
    return getattr(env_class(name), "observation_bounds", None)


def bounded_environments() -> list[str]:
    """The registered torch environments with known observation ranges (imports them all)."""
    from neuroevo.envs import registered

    return [name for name in registered() if known_bounds(name) is not None]


def observation_bounds(
    env_name: str, obs_norm: Any, num_inputs: int
) -> tuple[torch.Tensor, torch.Tensor] | None:
    """``(low, high)`` float64 tensors for ``Control(obs_norm=...)``, or ``None``;
    ``"auto"`` reads the environment class's ``observation_bounds``."""
    if obs_norm is None:
        return None
    if isinstance(obs_norm, str) and obs_norm == "auto":
        obs_norm = known_bounds(env_name)
        if obs_norm is None:
            raise TaskError(
                f"Control obs_norm='auto': no known observation ranges for {env_name!r} "
                f"(known: {bounded_environments()}); pass obs_norm=(low, high)"
            )
    try:
        low, high = (torch.tensor(v, dtype=_F64).reshape(-1) for v in obs_norm)
    except (TypeError, ValueError, RuntimeError):
        raise TaskError(
            f"Control obs_norm: expected None, 'auto' or (low, high), got {obs_norm!r}"
        ) from None
    if low.numel() != num_inputs or high.numel() != num_inputs or not bool((high > low).all()):
        raise TaskError(
            f"Control obs_norm: low and high need {num_inputs} values each with "
            f"high > low, got {obs_norm!r}"
        )
    return low, high


def _merge(
    n_a: torch.Tensor,
    mean_a: torch.Tensor,
    m2_a: torch.Tensor,
    n_b: torch.Tensor,
    mean_b: torch.Tensor,
    m2_b: torch.Tensor,
) -> tuple[torch.Tensor, ...]:
    """Chan, Golub & LeVeque's pairwise merge of (count, mean, M2); counts may be zero."""
    n = n_a + n_b
    if float(n) == 0:
        return n, mean_a, m2_a
    delta = mean_b - mean_a
    mean = mean_a + delta * (n_b / n)
    m2 = m2_a + m2_b + delta * delta * (n_a * n_b / n)
    return n, mean, m2


class RunningNorm:
    """Running count, mean and ``M2`` of vectors of ``size`` values (float64, on ``device``).

    :meth:`update` adds a batch ``[N, size]``, :meth:`merge` another ``RunningNorm`` (or
    :class:`CandidateMoments`), :meth:`normalize` maps ``x`` to ``(x - mean) / std``.
    ``var`` is the population variance ``M2 / count`` (numpy's ``var``, ``ddof=0``).
    """

    def __init__(
        self, size: int, *, min_var: float = 1e-2, device: str | torch.device = "cpu"
    ) -> None:
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            raise TaskError(f"RunningNorm size: expected a positive integer, got {size!r}")
        if not (isinstance(min_var, (int, float)) and min_var > 0):
            raise TaskError(f"RunningNorm min_var: expected a number > 0, got {min_var!r}")
        self.size = size
        self.min_var = float(min_var)
        self.count = torch.zeros((), dtype=_F64, device=device)
        self.mean = torch.zeros(size, dtype=_F64, device=device)
        self.m2 = torch.zeros(size, dtype=_F64, device=device)

    @property
    def var(self) -> torch.Tensor:
        """Population variance ``[size]`` (zeros before the first observation)."""
        return self.m2 / self.count.clamp_min(1.0)

    @property
    def std(self) -> torch.Tensor:
        """``sqrt(max(var, min_var))``; ones before the first observation (identity map)."""
        if float(self.count) == 0:
            return torch.ones_like(self.mean)
        return self.var.clamp_min(self.min_var).sqrt()

    def update(self, x: torch.Tensor) -> RunningNorm:
        """Add the rows of ``x`` ``[N, size]`` (Chan et al.'s merge of the batch's moments)."""
        x = torch.as_tensor(x).to(device=self.mean.device, dtype=_F64).reshape(-1, self.size)
        n = torch.tensor(float(x.shape[0]), dtype=_F64, device=self.mean.device)
        if x.shape[0] == 0:
            return self
        mean = x.mean(0)
        m2 = ((x - mean) ** 2).sum(0)
        self.count, self.mean, self.m2 = _merge(self.count, self.mean, self.m2, n, mean, m2)
        return self

    def merge(self, other: RunningNorm | CandidateMoments) -> RunningNorm:
        """Add another set's statistics (a :class:`CandidateMoments` is reduced first)."""
        if isinstance(other, CandidateMoments):
            other = other.total()
        dev = self.mean.device
        self.count, self.mean, self.m2 = _merge(
            self.count,
            self.mean,
            self.m2,
            other.count.to(dev),
            other.mean.to(dev),
            other.m2.to(dev),
        )
        return self

    def normalize(self, x: torch.Tensor) -> torch.Tensor:
        """``(x - mean) / std`` in ``x``'s dtype and device."""
        mean = self.mean.to(device=x.device, dtype=x.dtype)
        return (x - mean) / self.std.to(device=x.device, dtype=x.dtype)

    def copy(self) -> RunningNorm:
        new = RunningNorm(self.size, min_var=self.min_var, device=self.mean.device)
        new.count, new.mean, new.m2 = self.count.clone(), self.mean.clone(), self.m2.clone()
        return new

    def state_dict(self) -> dict[str, Any]:
        """Tensors and numbers for a checkpoint."""
        return {
            "count": self.count.clone(),
            "mean": self.mean.clone(),
            "m2": self.m2.clone(),
            "min_var": self.min_var,
        }

    def load_state_dict(self, state: Any) -> None:
        """Restore :meth:`state_dict`'s output, checked first (CheckpointError naming the
        field; nothing changes): ``count`` and ``mean``/``m2`` ``[size]`` finite, the count and
        ``M2`` not negative, ``min_var`` > 0."""
        where = "task.observation_stats"
        state = expect_dict(state, where)
        unknown = sorted(map(str, set(state) - {"count", "mean", "m2", "min_var"}))
        if unknown:
            raise CheckpointError(f"{where}: unknown fields {unknown}; resume with the same task")
        try:
            count = get_tensor(state, "count", where, like=self.count)
            mean = get_tensor(state, "mean", where, like=self.mean)
            m2 = get_tensor(state, "m2", where, like=self.m2)
        except CheckpointError as e:  # another observation size: another task
            raise CheckpointError(f"{e}; resume with the same task") from None
        assert count is not None and mean is not None and m2 is not None  # not optional
        for name, t in (("count", count), ("mean", mean), ("m2", m2)):
            if not bool(torch.isfinite(t).all()) or (name != "mean" and bool((t < 0).any())):
                want = "finite values" + ("" if name == "mean" else " >= 0")
                raise CheckpointError(
                    f"{where}.{name}: expected {want}, got "
                    f"{'NaN or infinite' if name == 'mean' else 'others'}"
                )
        min_var = check_float(state.get("min_var", self.min_var), f"{where}.min_var")
        if not (math.isfinite(min_var) and min_var > 0):
            raise CheckpointError(f"{where}.min_var: expected a number > 0, got {min_var}")
        self.count, self.mean, self.m2, self.min_var = count, mean, m2, min_var


class CandidateMoments:
    """Per-candidate sums of the observations seen during one evaluation.

    ``count [P]``, and ``s1``/``s2`` ``[P, size]``: the sums of ``obs - shift`` and of its
    square over the steps where a candidate's episodes were running, with ``shift`` the
    frozen mean of the evaluation. Slices of a population can be :meth:`cat`-ed in candidate
    order and reduced by :meth:`total` to the same statistics as the whole population.
    """

    def __init__(self, num_candidates: int, episodes: int, shift: torch.Tensor) -> None:
        self.episodes = int(episodes)
        self.shift = shift.to(_F64)
        p, n, dev = int(num_candidates), int(shift.numel()), shift.device
        self.count = torch.zeros(p, dtype=_F64, device=dev)
        self.s1 = torch.zeros(p, n, dtype=_F64, device=dev)
        self.s2 = torch.zeros(p, n, dtype=_F64, device=dev)

    def add(self, obs: torch.Tensor, active: torch.Tensor, rows: torch.Tensor | None) -> None:
        """Add one lockstep step: ``obs [R, size]`` of rows ``rows`` of the full batch
        (``None``: all ``P * E`` rows), ``active [R]`` the episodes still running.

        Rows come in whole candidates (``E`` consecutive rows each), as
        :func:`neuroevo.tasks.rollout.rollout` keeps them when it compacts the batch.
        """
        e = self.episodes
        d = torch.where(active[:, None], obs.to(_F64) - self.shift, 0.0)
        d = d.view(-1, e, d.shape[-1])
        s1, s2, c = d.sum(1), (d * d).sum(1), active.view(-1, e).sum(1).to(_F64)
        if rows is None:
            self.s1 += s1
            self.s2 += s2
            self.count += c
        else:
            cand = rows[::e] // e
            self.s1[cand] += s1
            self.s2[cand] += s2
            self.count[cand] += c

    @staticmethod
    def cat(parts: Sequence[CandidateMoments]) -> CandidateMoments:
        """The moments of consecutive slices of a population, in the order given."""
        first = parts[0]
        if any(not torch.equal(p.shift.cpu(), first.shift.cpu()) for p in parts):
            raise TaskError(
                "CandidateMoments.cat: the slices were evaluated with different "
                "statistics; give every worker the same task state"
            )
        out = CandidateMoments(0, first.episodes, first.shift)
        out.count = torch.cat([p.count.to(first.shift.device) for p in parts])
        out.s1 = torch.cat([p.s1.to(first.shift.device) for p in parts])
        out.s2 = torch.cat([p.s2.to(first.shift.device) for p in parts])
        return out

    def total(self) -> RunningNorm:
        """All candidates' observations as one set of statistics (reduced in candidate order)."""
        out = RunningNorm(int(self.shift.numel()), device=self.shift.device)
        n = self.count.sum()
        if float(n) == 0:
            return out
        s1, s2 = self.s1.sum(0), self.s2.sum(0)
        out.count = n
        out.mean = self.shift + s1 / n
        out.m2 = (s2 - s1 * s1 / n).clamp_min(0.0)
        return out


@dataclasses.dataclass(frozen=True)
class Observer:
    """Observations ``[N, n]`` -> policy inputs, as a pure function of its tensors (so that
    eager and compiled rollouts compute the same inputs): ``"identity"``, ``"bounds"``
    (``(obs - low) * scale - 1``) or ``"running"`` (``(obs - mean) * inv_std``)."""

    kind: str
    tensors: tuple[torch.Tensor, ...]
    dtype: torch.dtype

    @property
    def key(self) -> tuple[str, torch.dtype]:
        return (self.kind, self.dtype)

    @staticmethod
    def apply(
        key: tuple[str, torch.dtype], tensors: tuple[torch.Tensor, ...], obs: torch.Tensor
    ) -> torch.Tensor:
        kind, dtype = key
        if kind == "identity":
            return obs
        shift, scale = tensors
        if kind == "running":
            return (obs.to(dtype) - shift) * scale
        return (obs - shift) * scale - 1.0

    def __call__(self, obs: torch.Tensor) -> torch.Tensor:
        return self.apply(self.key, self.tensors, obs)


class ObservationMap:
    """What :class:`~neuroevo.tasks.control.Control` does to observations before the policy.

    The identity; with ``obs_norm`` a fixed map of ranges onto ``[-1, 1]``
    (:func:`observation_bounds`); with ``running=True`` ``(obs - mean) / std`` with the
    running statistics :attr:`stats`, frozen during an evaluation (:meth:`observer`), fed
    from its observations (:meth:`collector`, then :meth:`update`).
    """

    def __init__(
        self, env_name: str, num_inputs: int, *, obs_norm: Any = None, running: bool = False
    ) -> None:
        if not isinstance(running, bool) or (running and obs_norm is not None):
            raise TaskError(
                f"Control normalize_observations: expected true or false, and not "
                f"with obs_norm={obs_norm!r} (use one of them); got {running!r}"
            )
        self.bounds = observation_bounds(env_name, obs_norm, num_inputs)
        self.stats = RunningNorm(num_inputs) if running else None
        self.last_moments: CandidateMoments | None = None

    def observer(self, device: torch.device, dtype: torch.dtype) -> Observer:
        """The map for one evaluation (the running statistics as they are now)."""
        if self.stats is not None:
            mean = self.stats.mean.to(device=device, dtype=dtype)
            inv_std = 1.0 / self.stats.std.to(device=device, dtype=dtype)
            return Observer("running", (mean, inv_std), dtype)
        if self.bounds is None:
            return Observer("identity", (), dtype)
        low, high = (b.to(device=device, dtype=dtype) for b in self.bounds)
        return Observer("bounds", (low, 2.0 / (high - low)), dtype)

    def collector(
        self, num_candidates: int, episodes: int, device: torch.device
    ) -> CandidateMoments | None:
        """Empty moments for one evaluation (``None`` without running statistics)."""
        if self.stats is None:
            return None
        return CandidateMoments(num_candidates, episodes, self.stats.mean.to(device))

    def update(self, moments: CandidateMoments) -> None:
        """Merge an evaluation's moments into :attr:`stats`."""
        if self.stats is None:
            raise TaskError(
                "observation statistics: this task was built without normalize_observations=True"
            )
        self.last_moments = moments
        self.stats.merge(moments)

    def state_dict(self) -> dict[str, Any]:
        return {} if self.stats is None else {"observation_stats": self.stats.state_dict()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        if not isinstance(state, dict) or (self.stats is None) != (
            "observation_stats" not in state
        ):
            raise CheckpointError(
                "the checkpoint's task state does not match this task's "
                "normalize_observations setting; resume with the same task"
            )
        if self.stats is not None:
            self.stats.load_state_dict(state["observation_stats"])


__all__ = [
    "CandidateMoments",
    "ObservationMap",
    "Observer",
    "RunningNorm",
    "bounded_environments",
    "known_bounds",
    "observation_bounds",
]
