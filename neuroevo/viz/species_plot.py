"""Species sizes per generation, stacked, readable from 1 to 10,000 generations.

The data is what :class:`neuroevo.reporting.stats.StatsWriter` records in the run folder:
``[{"generation": g, "sizes": {species_id: n}}, ...]``. The legend explains every colour
drawn: up to :data:`LABELLED_SPECIES` species, the largest at their peak, are listed, each
in a style of its own (:func:`species_styles`: 18 distinct colours, then the same with
hatching); any others are drawn in one grey that the legend's last entry names ("+N more
species"). Long runs are thinned to about :data:`~neuroevo.viz.figure.MAX_POINTS`
generations.

Example::

    from neuroevo.viz.species_plot import plot_species
    plot_species(rows, generations=range(100), filename="species.png")
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NamedTuple, cast

import matplotlib
import numpy as np
from matplotlib.collections import PolyCollection
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from neuroevo.viz.figure import MAX_POINTS, integer_axis, save_figure

#: the species plot's legend lists at most this many species, the largest at their peak
LABELLED_SPECIES = 30
#: hatchings that extend the colours to more styles (none first)
HATCHES = ("", "////", "xxx")
#: the colour of the species the legend does not list
OTHERS = "#b0b0b0"
#: legend entries per column
LEGEND_ROWS = 16


def species_styles(n: int) -> list[tuple[tuple[float, float, float, float], str]]:
    """``n`` different ``(colour, hatch)`` styles (at most ``18 * len(HATCHES)``): matplotlib's
    ``tab20`` colours without its greys (kept for the unlisted species), the ten dark ones
    first, then the light ones, so neighbours differ in hue; then again with each hatch.

    Example::

        species_styles(20)[19]    # (an RGBA tuple, "////")
    """
    tab20 = matplotlib.colormaps["tab20"]
    order = [i for i in (*range(0, 20, 2), *range(1, 20, 2)) if i not in (14, 15)]
    styles = [
        (cast("tuple[float, float, float, float]", tuple(float(c) for c in tab20(i))), hatch)
        for hatch in HATCHES
        for i in order
    ]
    if n > len(styles):
        raise ValueError(f"species_styles: at most {len(styles)} distinct styles, asked {n}")
    return styles[:n]


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
    return [
        cast("tuple[float, float, float, float]", tuple(float(c) for c in cmap(rank[i])))
        for i in range(n)
    ]


class _SpeciesTable(NamedTuple):
    gens: list[int]  # every generation plotted
    xs: np.ndarray  # the generations drawn (thinned to about max_points)
    ids: list[int]  # species ids, ascending
    sizes: np.ndarray  # [species, len(xs)] sizes at the drawn generations
    peaks: np.ndarray  # [species] largest size over every generation


def _species_table(
    species_history: Sequence[Mapping[str, Any]], generations: Iterable[int] | None, max_points: int
) -> _SpeciesTable:
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
    return _SpeciesTable(
        gens,
        np.asarray(drawn, dtype=float),
        ids,
        table,
        np.asarray([peak[i] for i in ids], dtype=np.int64),
    )


def plot_species(
    species_history: Sequence[Mapping[str, Any]],
    *,
    generations: Iterable[int] | None = None,
    title: str | None = None,
    labelled: int = LABELLED_SPECIES,
    max_points: int = MAX_POINTS,
    filename: str | os.PathLike[str] | None = None,
) -> Figure:
    """Stacked species sizes: ``[{"generation": g, "sizes": {species_id: n}}, ...]``.

    ``generations``: the run's generations (the ``generation`` of its statistics rows);
    species rows of other generations are left out, so the x axis is exactly the run
    (:class:`~neuroevo.reporting.stats.StatsWriter` also records the population made after
    the last generation, which was never evaluated). Each species has its own colour
    and is drawn over its lifetime only. The legend lists the ``labelled`` largest (at their
    peak; at most ``18 * len(HATCHES)``), each in a style of its own
    (:func:`species_styles`); when there are more species, the others are drawn in one grey
    and the legend's last entry says how many ("+N more species").

    Example::

        plot_species(json.load(open("run/species.json")), generations=range(100),
                     filename="species.png")
    """
    st = _species_table(species_history, generations, max_points)
    fig = Figure(figsize=(7.4, 4.0))
    ax = fig.subplots()
    labelled = max(0, min(labelled, len(HATCHES) * 18))
    largest = sorted(range(len(st.ids)), key=lambda i: (-int(st.peaks[i]), st.ids[i]))[:labelled]
    listed = sorted(largest)  # styles in id order: neighbours in the stack differ
    style = dict(zip(listed, species_styles(len(listed))))
    others = (to_rgba(OTHERS), "")

    def look(i: int) -> tuple[tuple[float, float, float, float], str]:
        return style.get(i, others)

    drawn: list[int] = []
    if len(st.gens) == 1:  # one generation: a stacked bar
        drawn = [i for i in range(len(st.ids)) if st.sizes[i, 0]]
        heights = [int(st.sizes[i, 0]) for i in drawn]
        bars = ax.bar(
            [st.gens[0]] * len(drawn),
            heights,
            width=0.6,
            bottom=np.cumsum([0] + heights)[:-1],
            color=[look(i)[0] for i in drawn],
            edgecolor="white",
            linewidth=0.3,
        )
        for bar, i in zip(bars, drawn):
            bar.set_hatch(look(i)[1])
    elif st.gens:
        tops = np.cumsum(st.sizes, axis=0)
        groups: dict[str, tuple[list[np.ndarray], list[Any]]] = {}
        for i in range(len(st.ids)):
            alive = np.flatnonzero(st.sizes[i])
            if alive.size == 0:
                continue
            a, b = max(alive[0] - 1, 0), min(alive[-1] + 2, len(st.xs))  # taper to 0 at the ends
            x, top = st.xs[a:b], tops[i, a:b]
            colour, hatch = look(i)
            polygons, colours = groups.setdefault(hatch, ([], []))
            polygons.append(np.r_[np.c_[x, top], np.c_[x, top - st.sizes[i, a:b]][::-1]])
            colours.append(colour)
            drawn.append(i)
        for hatch, (polygons, colours) in groups.items():  # a collection has one hatch
            ax.add_collection(
                PolyCollection(
                    polygons,
                    facecolors=colours,
                    edgecolors="white",
                    hatch=hatch or None,
                    linewidths=0.2 if len(drawn) <= 100 else 0.0,
                )
            )
        ax.set_ylim(0, max(1, int(tops[-1].max())) * 1.03)
    named = [i for i in listed if i in set(drawn)]
    handles = [Patch(facecolor=look(i)[0], hatch=look(i)[1], edgecolor="white") for i in named]
    texts = [f"species {st.ids[i]} (peak {int(st.peaks[i])})" for i in named]
    unlisted = len(set(drawn) - set(named))
    if unlisted:
        handles.append(Patch(facecolor=OTHERS, edgecolor="white"))
        texts.append(f"+{unlisted} more species")
    if handles:
        ax.legend(
            handles,
            texts,
            loc="upper left",
            bbox_to_anchor=(1.01, 1.0),
            fontsize=7,
            frameon=False,
            ncols=math.ceil(len(handles) / LEGEND_ROWS),
            title=f"largest {len(named)} of {len(drawn)}" if unlisted else None,
            title_fontsize=7,
        )
    integer_axis(ax, st.gens[0] if st.gens else None, st.gens[-1] if st.gens else None)
    ax.set_xlabel("generation")
    ax.set_ylabel("genomes per species")
    ax.set_title(title or f"species ({len(st.ids)} in all)")
    ax.grid(alpha=0.3)
    if filename is not None:
        save_figure(fig, filename)
    return fig


__all__ = [
    "plot_species",
    "species_colours",
    "species_styles",
    "LABELLED_SPECIES",
    "HATCHES",
    "OTHERS",
]
