"""Pictures: genome drawings (graphviz) and run plots (matplotlib), imported on first use.

Example::

    from neuroevo.viz import draw_genome, plot_fitness
    draw_genome(result.best, cfg, filename="best.svg")
    plot_fitness(result.history, filename="fitness.png")
"""

from __future__ import annotations

from neuroevo._lazy import lazy_getattr

_NAMES = {
    "draw_genome": "neuroevo.viz.draw:draw_genome",
    "draw_parameters": "neuroevo.viz.draw_params:draw_parameters",
    "DotMissingWarning": "neuroevo.viz.draw:DotMissingWarning",
    "plot_fitness": "neuroevo.viz.plots:plot_fitness",
    "plot_species": "neuroevo.viz.species_plot:plot_species",
    "plot_episode": "neuroevo.viz.plots:plot_episode",
    "plot_cartpole_frames": "neuroevo.viz.cartpole_frames:plot_cartpole_frames",
}

__getattr__ = lazy_getattr(__name__, _NAMES, globals())
__all__ = sorted(_NAMES)
