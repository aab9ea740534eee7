"""Run plots read at a glance from 1 to 10,000 generations (issue 10, "Pictures").

Integer generation ticks, a visible single generation, the task's threshold, "best" drawn
over "best so far", long histories thinned, species plots over exactly the run's
generations with a style per listed species and every colour explained by the legend, and
legends beside the data rather than over it.
"""

from __future__ import annotations

import math

import pytest

from neuroevo.viz.plots import MAX_POINTS, plot_fitness, plot_species


def _rows(n, start=0):
    rows, so_far = [], -math.inf
    for g in range(start, start + n):
        best = 100 + 300 * (1 - math.exp(-g / 40)) + 25 * math.sin(g)  # best dips below so-far
        so_far = max(so_far, best)
        rows.append(
            {
                "generation": g,
                "best_fitness": best,
                "mean_fitness": 0.4 * best,
                "std_fitness": 20.0,
                "best_fitness_so_far": so_far,
                "evaluations": 150 * (g + 1),
            }
        )
    return rows


def _line(ax, label):
    return next(line for line in ax.get_lines() if line.get_label() == label)


def _visible_ticks(ax):
    lo, hi = ax.get_xlim()
    return [t for t in ax.get_xticks() if lo - 1e-9 <= t <= hi + 1e-9]


@pytest.mark.parametrize("n", [1, 2, 3, 7, 10_000])
@pytest.mark.parametrize("x", ["generation", "evaluations"])
def test_x_ticks_are_whole_numbers(n, x):
    ax = plot_fitness(_rows(n), x=x).axes[0]
    ticks = _visible_ticks(ax)
    assert ticks, "no tick in view"
    assert all(float(t).is_integer() for t in ticks), ticks


def test_one_generation_shows_a_point_and_one_tick():
    ax = plot_fitness(_rows(1), threshold=475.0).axes[0]
    best = _line(ax, "best")
    assert best.get_marker() not in (None, "", "None")  # a lone point needs a marker
    assert list(best.get_xdata()) == [0]
    assert _visible_ticks(ax) == [0]
    lo, hi = ax.get_xlim()
    assert lo < 0 < hi


def test_threshold_line_title_and_legend():
    fig = plot_fitness(_rows(30), threshold=3.9, title="xor · neat")
    ax = fig.axes[0]
    line = next(line for line in ax.get_lines() if line.get_label().startswith("threshold"))
    assert set(line.get_ydata()) == {3.9}
    assert ax.get_title() == "xor · neat"
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert {"best", "best so far", "mean", "mean ± std"} <= set(labels)
    assert any(t.startswith("threshold") for t in labels)


def test_no_threshold_no_line():
    ax = plot_fitness(_rows(5)).axes[0]
    assert not [line for line in ax.get_lines() if line.get_label().startswith("threshold")]


def test_best_is_drawn_over_best_so_far_and_looks_different():
    ax = plot_fitness(_rows(30)).axes[0]
    best, so_far = _line(ax, "best"), _line(ax, "best so far")
    assert best.get_zorder() > so_far.get_zorder()
    assert best.get_color() != so_far.get_color()
    assert so_far.get_linewidth() > best.get_linewidth()  # the wider one lies underneath


def test_ten_thousand_generations_are_thinned_but_keep_the_ends_and_the_peak():
    rows = _rows(10_000)
    ax = plot_fitness(rows).axes[0]
    for label in ("best", "best so far", "mean"):
        line = _line(ax, label)
        assert len(line.get_xdata()) <= MAX_POINTS + 1, label
        assert line.get_xdata()[-1] == 9999
    assert ax.get_xlim() == (0.0, 9999.0)
    best = _line(ax, "best").get_ydata()
    assert max(best) == pytest.approx(max(r["best_fitness"] for r in rows))
    assert _line(ax, "best so far").get_ydata()[-1] == rows[-1]["best_fitness_so_far"]


def _species_rows(n_gens, n_species):
    """What StatsWriter records: the populations of generations 0 .. n_gens (one more)."""
    rows = []
    for g in range(n_gens + 1):
        sizes = {str(s): 1 + (s * 7 + g) % 5 for s in range(1, n_species + 1) if s <= g + 1}
        rows.append({"generation": g, "sizes": sizes})
    return rows


def test_species_plot_covers_exactly_the_runs_generations():
    rows = _species_rows(12, 4)
    ax = plot_species(rows, generations=range(12)).axes[0]
    assert ax.get_xlim() == (0.0, 11.0)
    xs = [x for c in ax.collections for p in c.get_paths() for x, _ in p.vertices]
    assert max(xs) == 11 and min(xs) == 0
    assert all(float(t).is_integer() for t in _visible_ticks(ax))


def test_species_plot_of_one_generation_is_a_bar():
    ax = plot_species(_species_rows(1, 1), generations=[0]).axes[0]
    assert [p.get_x() + p.get_width() / 2 for p in ax.patches] == [0]
    assert _visible_ticks(ax) == [0]


def _styles_drawn(ax):
    """``{(face colour, hatch)}`` of every species band drawn."""
    return {
        (tuple(round(float(c), 6) for c in fc), coll.get_hatch() or "")
        for coll in ax.collections
        for fc in coll.get_facecolors()
    }


def _styles_listed(legend):
    return [
        (tuple(round(float(c), 6) for c in h.get_facecolor()), h.get_hatch() or "")
        for h in legend.legend_handles
    ]


def test_22_species_each_in_a_style_of_its_own_all_in_the_legend():
    n = 22
    rows = [{"generation": g, "sizes": {str(s): s for s in range(1, n + 1)}} for g in range(5)]
    ax = plot_species(rows, generations=range(5)).axes[0]
    drawn, listed = _styles_drawn(ax), _styles_listed(ax.get_legend())
    assert len(drawn) == n and len(listed) == n and set(listed) == drawn
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert sorted(texts) == sorted(f"species {s} (peak {s})" for s in range(1, n + 1))


def test_species_beyond_the_legend_are_one_grey_that_it_counts():
    n = 25
    rows = [
        {"generation": g, "sizes": {str(s): s if s != 13 else 100 for s in range(1, n + 1)}}
        for g in range(5)
    ]
    ax = plot_species(rows, generations=range(5), labelled=6).axes[0]
    legend = ax.get_legend()
    texts = [t.get_text() for t in legend.get_texts()]
    assert len(texts) == 7 and texts[-1] == "+19 more species"
    assert "species 13 (peak 100)" in texts  # the largest is named
    assert {f"species {s} (peak {s})" for s in (25, 24, 23, 22, 21)} <= set(texts)
    assert legend.get_title().get_text() == "largest 6 of 25"
    listed = _styles_listed(legend)
    assert len(set(listed)) == 7 and set(listed) == _styles_drawn(ax)  # every colour explained


def test_the_fitness_legend_covers_no_data():
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig = plot_fitness(_rows(60), threshold=380.0)
    renderer = FigureCanvasAgg(fig).get_renderer()  # as save_figure renders it
    ax = fig.axes[0]
    legend, frame = ax.get_legend().get_window_extent(renderer), ax.get_window_extent(renderer)
    assert legend.x0 >= frame.x1  # beside the axes, not over them
