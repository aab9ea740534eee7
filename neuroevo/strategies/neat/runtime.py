"""What a NEAT strategy does to process-wide state, confined to its own calls.

**Random numbers.** neat-python draws every random number from the global ``random``
module (``neat/genome.py``, ``neat/attributes.py``, ``neat/reproduction.py`` call
``random()``, ``gauss``, ``choice`` ... at module level), and ``neat.Population(config,
seed=s)`` seeds it with ``random.seed(s)``. :class:`NeatRuntime` keeps one strategy's own
generator state and swaps it into the global module only while the strategy runs
neat-python code (:meth:`NeatRuntime.own_random`), then puts the caller's state back. So two
strategies in one process do not draw from each other's stream, user code that uses
``random`` is not disturbed, and the same seed gives the same run whatever else the process
does. Inside the block neat-python sees exactly the numbers ``random.seed(s)`` would give.

**Garbage collector.** Building a generation creates ~10^5 gene objects at pop_size 10,000.
Each time the allocation count passes a threshold CPython's cyclic collector runs, and once
enough new objects have reached the oldest generation a full collection traverses every
object of the process, several times per generation. Genomes, genes and species hold no
reference cycles, so :func:`quiet_collector` pauses the collector while a generation is
built, then moves everything allocated meanwhile straight into the oldest generation
(``gc.freeze()`` followed at once by ``gc.unfreeze()``: two list splices, no traversal, and
not counted towards the next full collection). Nothing stays frozen after the call and the
collector is enabled again as it was; results are unaffected, only time changes. When some
other code has frozen objects (``gc.get_freeze_count() > 0``, e.g. before a fork), the
objects are left where they are rather than unfreezing that code's objects.

Example::

    runtime = NeatRuntime()
    runtime.seed(1)
    with runtime.own_random(), quiet_collector():
        population = neat.Population(config)        # draws from this runtime's stream
"""

from __future__ import annotations

import contextlib
import gc
import random
from collections.abc import Iterator

__all__ = ["NeatRuntime", "quiet_collector"]


@contextlib.contextmanager
def quiet_collector() -> Iterator[None]:
    """Pause the cyclic collector inside the block; then put what it made in the oldest generation.

    Example::

        with quiet_collector():
            population = reproduction.reproduce(config, species, pop_size, generation)
    """
    collecting = gc.isenabled()
    others_frozen = gc.get_freeze_count() > 0
    gc.disable()
    try:
        yield
    finally:
        if not others_frozen:
            gc.freeze()  # all tracked objects -> the permanent generation (a splice) ...
            gc.unfreeze()  # ... -> the oldest generation (a splice): nothing stays frozen
        if collecting:
            gc.enable()


class NeatRuntime:
    """One NEAT strategy's own ``random`` state, swapped into the global module per call.

    Until :meth:`seed` is called the state is fresh from the operating system's entropy,
    as ``random.Random()`` seeds itself. Blocks nest (an inner block is a no-op).

    Example::

        runtime = NeatRuntime()
        runtime.seed(11)
        with runtime.own_random():
            x = random.random()        # == random.Random(11).random()
    """

    def __init__(self) -> None:
        self._state = random.Random().getstate()
        self._depth = 0

    def seed(self, seed: int | None) -> None:
        """Restart the stream as ``random.seed(seed)`` would (``None``: fresh entropy)."""
        self._state = random.Random(seed).getstate()

    @contextlib.contextmanager
    def own_random(self) -> Iterator[None]:
        """Run the block with this runtime's state in ``random``; restore the caller's after."""
        if self._depth:
            yield
            return
        caller = random.getstate()
        random.setstate(self._state)
        self._depth += 1
        try:
            yield
        finally:
            self._depth -= 1
            self._state = random.getstate()
            random.setstate(caller)
