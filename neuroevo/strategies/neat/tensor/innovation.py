"""Innovation numbers and node ids for batches of structural mutations (neat-python 2.0).

neat-python 2.0 (``neat/innovation.py``, ``InnovationTracker``) gives each new connection
gene a number from one global counter; within one generation the same mutation -- the same
``(in, out, mutation_type)`` -- gets the same number (``get_innovation_number``), and
``reset_generation`` at the start of each ``DefaultReproduction.reproduce`` forgets the
generation's mutations but not the counter. New node ids come from one counter too
(``DefaultGenomeConfig.get_new_node_key``), one fresh id per ``mutate_add_node``: two genomes
that split the same connection get different nodes, and (since the node id is part of the
key) different innovation numbers for the two new connections.

:class:`InnovationTracker` does the same for a whole batch of mutations at once. Where a
batch holds new mutations, they are numbered in ascending order of their code rather than in
the order neat-python's loop over genomes would meet them: the numbers differ, which genes
share a number does not.

``same_split_same_node=True`` follows Stanley & Miikkulainen (2002, sec. 3.1) instead:
the same connection split twice in one generation gives the same new node (and so the same
two innovation numbers).
"""

from __future__ import annotations

import torch

from neuroevo.errors import StrategyError
from neuroevo.strategies.neat.tensor.genes import NODE_KEY_LIMIT

Tensor = torch.Tensor
#: the innovation counter stays below this (int64 arithmetic on it never overflows)
INNOVATION_LIMIT = 1 << 62


def _check_room(counter: str, end: int) -> None:
    """StrategyError when a counter would pass its limit (ids would no longer fit int64)."""
    limit = NODE_KEY_LIMIT if counter == "next_node_key" else INNOVATION_LIMIT
    if end > limit:
        raise StrategyError(
            f"TensorNEAT: the {counter} would pass {limit} (node ids and "
            "innovation numbers must fit int64 connection codes); start a new "
            "run, or continue from an earlier checkpoint"
        )


class InnovationTracker:
    """Global innovation counter, node-id counter and the current generation's mutations."""

    def __init__(
        self,
        *,
        next_node_key: int,
        innovation: int = 0,
        same_split_same_node: bool = False,
        device: torch.device | str = "cpu",
    ) -> None:
        self.global_counter = int(innovation)  # last number given (neat: starts at 0)
        self.next_node_key = int(next_node_key)
        self.same_split_same_node = bool(same_split_same_node)
        self.device = torch.device(device)
        # mutation kind -> (sorted codes [n], their numbers [n]) for this generation
        self.generation: dict[str, tuple[Tensor, Tensor]] = {}

    def reset_generation(self) -> None:
        """``InnovationTracker.reset_generation``: forget this generation's mutations."""
        self.generation = {}

    def _lookup(self, codes: Tensor, kind: str, counter: str) -> Tensor:
        if codes.numel() == 0:
            return codes.clone()
        uniq, inverse = torch.unique(codes, return_inverse=True)
        numbers = torch.zeros_like(uniq)
        found = torch.zeros_like(uniq, dtype=torch.bool)
        known = self.generation.get(kind)
        if known is not None:
            known_codes, known_numbers = known
            pos = torch.searchsorted(known_codes, uniq).clamp_(max=known_codes.numel() - 1)
            found = known_codes[pos] == uniq
            numbers = torch.where(found, known_numbers[pos], numbers)
        fresh = ~found
        n_fresh = int(fresh.sum())
        if n_fresh:
            start = getattr(self, counter)
            _check_room(counter, start + n_fresh)
            if counter == "global_counter":  # neat: counter += 1, then use it
                new = start + 1 + torch.arange(n_fresh, device=codes.device)
                self.global_counter = start + n_fresh
            else:  # node ids: next(count), the value, then +1
                new = start + torch.arange(n_fresh, device=codes.device)
                self.next_node_key = start + n_fresh
            numbers[fresh] = new
            all_codes, all_numbers = uniq[fresh], new
            if known is not None:
                all_codes = torch.cat([known[0], all_codes])
                all_numbers = torch.cat([known[1], all_numbers])
            order = torch.argsort(all_codes)
            self.generation[kind] = (all_codes[order], all_numbers[order])
        return numbers[inverse]

    def innovations(self, codes: Tensor, kind: str) -> Tensor:
        """``get_innovation_number`` for each connection code: same (code, kind) in one
        generation -> same number; ``kind`` is neat-python's mutation_type
        ('add_connection', 'add_node_in', 'add_node_out', 'initial_connection')."""
        return self._lookup(codes, kind, "global_counter")

    def new_nodes(self, split_codes: Tensor) -> Tensor:
        """Node ids for ``mutate_add_node`` splitting the connections ``split_codes``:
        one fresh id each (neat-python), or one per distinct split this generation
        (``same_split_same_node``)."""
        if self.same_split_same_node:
            return self._lookup(split_codes, "split", "next_node_key")
        return self.fresh_nodes(split_codes.numel())

    def fresh_nodes(self, n: int) -> Tensor:
        """``n`` ids from the node counter (``get_new_node_key``)."""
        _check_room("next_node_key", self.next_node_key + n)
        out = self.next_node_key + torch.arange(n, device=self.device)
        self.next_node_key += n
        return out

    def state(self) -> dict:
        return {
            "global_counter": self.global_counter,
            "next_node_key": self.next_node_key,
            "same_split_same_node": self.same_split_same_node,
            "generation": {k: [c.cpu(), n.cpu()] for k, (c, n) in self.generation.items()},
        }


__all__ = ["INNOVATION_LIMIT", "InnovationTracker"]
