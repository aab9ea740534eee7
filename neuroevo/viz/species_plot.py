"""Species sizes per generation, stacked, readable from 1 to 10,000 generations.

The data is what :class:`neuroevo.reporting.stats.StatsWriter` records in the run folder:
``[{"generation": g, "sizes": {species_id: n}}, ...]``. Every species has its own colour
(a colormap sampled once per species, so colours never repeat), the largest few are named
in a legend, and long runs are thinned to about :data:`~neuroevo.viz.figure.MAX_POINTS`
generations.

Example::

    from neuroevo.viz.species_plot import plot_species
    plot_species(rows, generations=range(100), filename="species.png")
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NamedTuple

import matplotlib
import numpy as np
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from neuroevo.viz.figure import MAX_POINTS, integer_axis, save_figure

#: the species plot's legend names this many species, the largest at their peak
LABELLED_SPECIES = 8


def species_colours(n: int) -> list[tuple[float, float, float, float]]:
    """``n`` different colours: the ``gist_rainbow`` colormap sampled at ``n`` points.

    The samples are dealt out in a golden-ratio order, so that species created one after
    the other (neighbours in the stack) get far-apart hues.

    Example::

        species_colours(3)    # three RGBA tuples
    """
    if n <= 0:
        return []
    cmap = matplotlib.colormaps["gist_rainbow"].resampled(max(n, 2))
    order = sorted(range(n), key=lambda i: (i * 0.6180339887498949) % 1.0)
    rank = {j: k for k, j in enumerate(order)}  # species i takes sample rank[i]
    return [tuple(float(c) for c in cmap(rank[i])) for i in range(n)]


class _SpeciesTable(NamedTuple):
    gens: list[int]  # every generation plotted
    xs: np.ndarray  # the generations drawn (thinned to about max_points)
    ids: list[int]  # species ids, ascending
    sizes: np.ndarray  # [species, len(xs)] sizes at the drawn generations
    peaks: np.ndarray  # [species] largest size over every generation


def _species_table(species_history: Sequence[Mapping[str, Any]],
                   generations: Iterable[int] | None, max_points: int) -> _SpeciesTable:
    by_gen: dict[int, Mapping[Any, Any]] = {}
    for r in species_history:
        by_gen[int(r["generation"])] = r["sizes"]  # a later row of a generation wins
    if generations is not None:
        keep = {int(g) for g in generations}
        by_gen = {g: s for g, s in by_gen.items() if g in keep}
    gens = sorted(by_gen)
    peak: dict[int, int] = {}
    for sizes in by_gen.values():
        for k, n in sizes.items():
            peak[int(k)] = max(peak.get(int(k), 0), int(n))
    ids = sorted(peak)
    index = {sid: i for i, sid in enumerate(ids)}
    step = max(1, math.ceil(len(gens) / max(1, max_points)))
    drawn = sorted(set(gens[::step]) | set(gens[-1:]))
    table = np.zeros((len(ids), len(drawn)), dtype=np.int64)
    for j, g in enumerate(drawn):
        for k, n in by_gen[g].items():
            table[index[int(k)], j] = int(n)
    return _SpeciesTable(gens, np.asarray(drawn, dtype=float), ids, table,
                         np.asarray([peak[i] for i in ids], dtype=np.int64))


def plot_species(species_history: Sequence[Mapping[str, Any]], *,
                 generations: Iterable[int] | None = None, title: str | None = None,
                 labelled: int = LABELLED_SPECIES, max_points: int = MAX_POINTS,
                 filename: str | os.PathLike[str] | None = None) -> Figure:
    """Stacked species sizes: ``[{"generation": g, "sizes": {species_id: n}}, ...]``.

    ``generations``: the run's generations (the ``generation`` of its statistics rows);
    species rows of other generations are left out, so the x axis is exactly the run
    (:class:`~neuroevo.reporting.stats.StatsWriter` also records the population made after
    the last generation, which was never evaluated). Each species has its own colour
    and is drawn over its lifetime only. The legend names the ``labelled`` largest (at their
    peak), drawn in matplotlib's ``tab10`` colours; when there are more species, the others
    take pale colours of :func:`species_colours`.

    Example::

        plot_species(json.load(open("run/species.json")), generations=range(100),
                     filename="species.png")
    """
    st = _species_table(species_history, generations, max_points)
    fig = Figure(figsize=(7.4, 4.0))
    ax = fig.subplots()
    largest = sorted(range(len(st.ids)), key=lambda i: (-int(st.peaks[i]), st.ids[i]))[:labelled]
    shown = set(largest)
    colours = species_colours(len(st.ids))
    if len(st.ids) > len(largest):  # the unnamed species fade into the background
        colours = [tuple(0.45 * c + 0.55 for c in rgba[:3]) + (1.0,) for rgba in colours]
    tab10 = matplotlib.colormaps["tab10"]
    for k, i in enumerate(largest[:10]):  # the named ones get strong, distinct colours
        colours[i] = tuple(float(c) for c in tab10(k))
    drawn: list[int] = []
    if len(st.gens) == 1:  # one generation: a stacked bar
        drawn = [i for i in range(len(st.ids)) if st.sizes[i, 0]]
        heights = [int(st.sizes[i, 0]) for i in drawn]
        ax.bar([st.gens[0]] * len(drawn), heights, width=0.6,
               bottom=np.cumsum([0] + heights)[:-1], color=[colours[i] for i in drawn],
               edgecolor="white", linewidth=0.3)
    elif st.gens:
        tops = np.cumsum(st.sizes, axis=0)
        polygons = []
        for i in range(len(st.ids)):
            alive = np.flatnonzero(st.sizes[i])
            if alive.size == 0:
                continue
            a, b = max(alive[0] - 1, 0), min(alive[-1] + 2, len(st.xs))  # taper to 0 at the ends
            x, top = st.xs[a:b], tops[i, a:b]
            polygons.append(np.r_[np.c_[x, top], np.c_[x, top - st.sizes[i, a:b]][::-1]])
            drawn.append(i)
        ax.add_collection(PolyCollection(polygons, facecolors=[colours[i] for i in drawn],
                                         edgecolors="white",
                                         linewidths=0.2 if len(drawn) <= 100 else 0.0))
        ax.set_ylim(0, max(1, int(tops[-1].max())) * 1.03)
    named = [i for i in sorted(shown) if i in set(drawn)]
    if named:
        many = len(st.ids) > len(named)
        ax.legend([Patch(color=colours[i]) for i in named],
                  [f"species {st.ids[i]} (peak {int(st.peaks[i])})" for i in named],
                  loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7, frameon=False,
                  title=f"largest {len(named)} of {len(st.ids)}" if many else None,
                  title_fontsize=7)
    integer_axis(ax, st.gens[0] if st.gens else None, st.gens[-1] if st.gens else None)
    ax.set_xlabel("generation")
    ax.set_ylabel("genomes per species")
    ax.set_title(title or f"species ({len(st.ids)} in all)")
    ax.grid(alpha=0.3)
    if filename is not None:
        save_figure(fig, filename)
    return fig


__all__ = ["plot_species", "species_colours", "LABELLED_SPECIES"]
