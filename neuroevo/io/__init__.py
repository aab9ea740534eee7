"""Files: genomes as JSON, neat-python network exports, checkpoints (JSON + tensors, never pickle).

Example::

    from neuroevo.io import save_genome, load_genome
    save_genome(result.best, "best.json", cfg.genome_config)
    genome = load_genome("best.json", cfg.genome_config)
"""

from __future__ import annotations

from neuroevo._lazy import lazy_getattr

_NAMES = {
    "genome_to_dict": "neuroevo.io.genome_json:genome_to_dict",
    "genome_from_dict": "neuroevo.io.genome_json:genome_from_dict",
    "save_genome": "neuroevo.io.genome_json:save_genome",
    "load_genome": "neuroevo.io.genome_json:load_genome",
    "load_neat_export": "neuroevo.io.neat_export:load_neat_export",
    "save_checkpoint": "neuroevo.io.checkpoint:save_checkpoint",
    "load_checkpoint": "neuroevo.io.checkpoint:load_checkpoint",
    "atomic_write_bytes": "neuroevo.io.atomic:atomic_write_bytes",
    "atomic_write_text": "neuroevo.io.atomic:atomic_write_text",
}

__getattr__ = lazy_getattr(__name__, _NAMES, globals())
__all__ = sorted(_NAMES)
