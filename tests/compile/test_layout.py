"""Block planning: bucket merges by hand, and the plan's guarantees on random populations."""

import numpy as np
import pytest

from neuroevo.compile.graph import evaluation_levels, flatten_population, required_nodes
from neuroevo.compile.layout import merge_buckets, plan_layout
from tests.compile.random_genomes import make_config, random_genomes


def test_merge_buckets_by_hand():
    # level 0: ten nodes with 1 input, one with 2; level 1: four nodes with 4 inputs
    level = np.array([0] * 11 + [1] * 4)
    bucket = np.array([1] * 10 + [2] + [4] * 4)
    # merging 10x1 with 1x2 costs (10 + 1) * 2 = 22 slots against 10 + 2 = 12 apart
    assert merge_buckets(level, bucket, overhead=9).tolist() == bucket.tolist()
    merged = merge_buckets(level, bucket, overhead=10)
    assert merged.tolist() == [2] * 11 + [4] * 4  # 22 <= 12 + 10; levels never merge


@pytest.mark.parametrize("overhead", [0, 256, 4096])
def test_plan_keeps_levels_link_order_and_every_connection(tmp_path, overhead):
    config = make_config(tmp_path, n_in=3, n_out=2, hidden=2)
    flat = flatten_population(random_genomes(config, 80, seed=5), config.genome_config)
    level = evaluation_levels(flat, required_nodes(flat))
    layout = plan_layout(level, flat.aggregation, flat.activation, flat.edge_dst, overhead)

    evaluated = np.flatnonzero(level >= 0)
    assert sorted(layout.order.tolist()) == evaluated.tolist()
    assert (layout.position[level < 0] == -1).all()
    assert (layout.order[layout.position[evaluated]] == evaluated).all()
    # blocks tile the order; each holds one level, levels never go down
    assert [b.start for b in layout.blocks] == [0] + [b.stop for b in layout.blocks[:-1]]
    assert layout.blocks[-1].stop == len(evaluated)
    block_levels = [set(level[layout.order[b.start : b.stop]].tolist()) for b in layout.blocks]
    assert all(len(s) == 1 for s in block_levels)
    assert [min(s) for s in block_levels] == sorted(min(s) for s in block_levels)

    seen = []
    for b in layout.blocks:
        nodes = layout.order[b.start : b.stop]
        # every connection lands in the row of its destination ...
        assert (flat.edge_dst[b.edge] == nodes[b.row]).all()
        # ... in one slot of its own, slots first-come in the genome's connection order
        assert len(set(zip(b.row.tolist(), b.slot.tolist()))) == len(b.edge)
        for r in np.unique(b.row):
            mine = b.row == r
            assert b.slot[mine].tolist() == list(range(mine.sum()))
            assert (np.diff(b.edge[mine]) > 0).all()
        deg = np.bincount(b.row, minlength=b.size)
        assert b.width == (deg.max() if len(b.edge) else 0)
        assert (b.mask.sum(1) == deg).all()
        # each function applies to one contiguous run of nodes
        for codes, runs in (
            (flat.aggregation[nodes], b.aggregation_runs),
            (flat.activation[nodes], b.activation_runs),
        ):
            for code, lo, hi in runs:
                assert (codes[lo:hi] == code).all()
            assert [(lo, hi) for _, lo, hi in runs][-1][1] == b.size
        seen.extend(b.edge.tolist())
    into_evaluated = np.flatnonzero(level[flat.edge_dst] >= 0)
    assert sorted(seen) == into_evaluated.tolist()


def test_pad_places_each_connections_value_in_its_slot(tmp_path):
    config = make_config(tmp_path, n_in=2, n_out=1, hidden=1)
    flat = flatten_population(random_genomes(config, 10, seed=3), config.genome_config)
    level = evaluation_levels(flat, required_nodes(flat))
    layout = plan_layout(level, flat.aggregation, flat.activation, flat.edge_dst, 0)
    for b in layout.blocks:
        w = b.pad(flat.edge_weight, fill=np.nan)
        assert w.shape == (b.size, b.width)
        assert (w[b.row, b.slot] == flat.edge_weight[b.edge]).all()
        assert np.isnan(w[~b.mask]).all()
