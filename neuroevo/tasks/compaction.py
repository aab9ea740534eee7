"""Which rows a narrowed rollout still steps, and the scores of the rows it stopped stepping.

Both rollouts (eager, :mod:`neuroevo.tasks.rollout`, and compiled,
:mod:`neuroevo.tasks.compiled`) drop the candidates whose episodes have all ended: they keep
stepping only the rows of the others, and keep the final scores of the dropped rows here.
Rows are candidate-major (``p * episodes + e``), so keeping candidates keeps whole blocks of
rows; a score is never changed by being moved.
"""

from __future__ import annotations

import torch


class Compaction:
    """The bookkeeping of one rollout over ``rows`` rows, ``episodes`` per candidate.

    Example::

        compaction = Compaction(p * e, e, device)
        keep = compaction.drop(running, scores_so_far)      # row indices to keep stepping
        ...
        scores = compaction.finish(scores_of_kept_rows)     # [p * e], every row's score
    """

    def __init__(self, rows: int, episodes: int, device: torch.device) -> None:
        self.num_rows, self.episodes, self.device = rows, episodes, device
        #: positions (in the whole population) of the candidates still stepped; None: all
        self.live: torch.Tensor | None = None
        self._rows: torch.Tensor | None = None  # the full-batch row of each kept row
        self._scores: torch.Tensor | None = None  # every row's score, dropped rows final

    @property
    def rows(self) -> torch.Tensor | None:
        """The full-batch row of each row still stepped (None before the first drop)."""
        return self._rows

    def drop(self, running: torch.Tensor, scores: torch.Tensor) -> torch.Tensor:
        """Keep the candidates ``running`` (positions among those still stepped, ascending);
        ``scores``: the current scores of the rows still stepped. Returns the indices (among
        the rows still stepped) of the rows to keep."""
        e = self.episodes
        keep = (running[:, None] * e + torch.arange(e, device=running.device)).flatten()
        if self._scores is None:
            self._scores = scores.clone()
            self._rows = torch.arange(self.num_rows, device=self.device)
        else:
            self._scores[self._rows] = scores
        assert self._rows is not None  # set with _scores
        self._rows = self._rows[keep]
        self.live = running if self.live is None else self.live[running]
        return keep

    def finish(self, scores: torch.Tensor) -> torch.Tensor:
        """Every row's score, given the scores of the rows still stepped."""
        if self._scores is None:
            return scores
        self._scores[self._rows] = scores
        return self._scores


__all__ = ["Compaction"]
