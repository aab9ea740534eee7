"""Keep CPython's cyclic garbage collector out of NEAT's reproduction and speciation.

Building a generation creates ~10^5 gene objects at pop_size 10,000; each time the
allocation count passes a threshold the collector runs, and a full collection traverses the
whole population. Genomes, genes and species hold no reference cycles, so nothing is lost by
pausing the collector while a generation is built and then freezing what is alive
(``gc.freeze``: later collections skip it; reference counting still frees it when the next
generation replaces it). Results are unaffected; only time changes.

Example::

    with quiet_collector():
        population = reproduction.reproduce(config, species, pop_size, generation)
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def quiet_collector() -> Iterator[None]:
    """Pause the cyclic collector inside the block, then freeze the surviving objects."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if collecting:
            gc.enable()
