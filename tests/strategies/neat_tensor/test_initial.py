"""The initial population, statistically: ``create_new`` against neat-python's
``DefaultGenome.configure_new`` (called as ``DefaultReproduction.create_new`` calls it), for
every ``initial_connection`` neat-python 2.0 accepts (``allowed_connectivity``, the aliases
``fs_neat``, ``full`` and ``partial`` included), with and without hidden nodes, feed-forward
and recurrent (self-connections).

Each genome's connections are named by node role (input key, output key, or the hidden node's
place among the genome's hidden nodes), so the two samples are comparable: the node ids equal
exactly; the number of connections, how often each named connection occurs, and each genome's
whole set of them pass a chi-square test with p > ``P_MIN`` (as in ``test_statistics.py``),
and, in one large sample, the initial attributes a Kolmogorov-Smirnov or chi-square test.
"""

from __future__ import annotations

import itertools
from collections import Counter

import neat
import pytest
import torch
from scipy.stats import ks_2samp

from neuroevo.strategies.neat.tensor.convert import to_neat
from neuroevo.strategies.neat.tensor.initial import create_new
from neuroevo.strategies.neat.tensor.innovation import InnovationTracker

from .helpers import neat_config, spec_of, with_seed
from .test_statistics import P_MIN, chi2_same

pytestmark = pytest.mark.slow  # ~20 s on one busy core

N_RANDOM = 1500  # detects partial 0.3 with later template pairs drawn up to 10% less often
N_FIXED = 200  # modes whose connections are the same in every genome

# every value of DefaultGenomeConfig.allowed_connectivity; the fractions make round() differ
# from a fraction scaled by 0.8 for most template sizes
MODES = [
    "unconnected",
    "fs_neat_nohidden",
    "fs_neat",
    "fs_neat_hidden",
    "full_nodirect",
    "full",
    "full_direct",
    "partial_nodirect 0.3",
    "partial 0.3",
    "partial_direct 0.55",
]


def _config(tmp_path, mode, hidden, feed_forward):
    return neat_config(
        tmp_path,
        {
            "DefaultGenome": {
                "initial_connection": mode,
                "num_hidden": hidden,
                "feed_forward": feed_forward,
                "num_inputs": 3,
                "num_outputs": 2,
            }
        },
    )


def neat_population(config, n, seed):
    """``DefaultReproduction.create_new`` of ``n`` genomes (fresh node and innovation counters)."""
    gc = config.genome_config
    gc.node_indexer = None
    reproduction = neat.DefaultReproduction(
        config.reproduction_config, neat.reporting.ReporterSet(), None
    )
    return list(
        with_seed(seed, lambda: reproduction.create_new(config.genome_type, gc, n)).values()
    )


def tensor_population(config, n, seed):
    spec = spec_of(config)
    tracker = InnovationTracker(next_node_key=spec.num_outputs)
    pop = create_new(
        spec,
        n,
        first_gid=1,
        tracker=tracker,
        gen=torch.Generator().manual_seed(seed),
        dtype=torch.float64,
    )
    return to_neat(pop, range(n), config, spec=spec)


def named_connections(genome, num_outputs):
    """The genome's connections with hidden nodes named by their place: ``('h', 0)`` ..."""
    hidden = sorted(k for k in genome.nodes if k >= num_outputs)
    place = {k: ("h", i) for i, k in enumerate(hidden)}
    return frozenset((place.get(i, i), place.get(o, o)) for i, o in genome.connections)


def test_the_modes_are_all_that_neat_python_accepts():
    assert {m.split()[0] for m in MODES} == set(
        neat.genome.DefaultGenomeConfig.allowed_connectivity
    )


@pytest.mark.parametrize("feed_forward", [True, False], ids=["ff", "recurrent"])
@pytest.mark.parametrize("hidden", [0, 2])
@pytest.mark.parametrize("mode", MODES)
def test_initial_population_equals_neat_python(tmp_path, mode, hidden, feed_forward):
    config = _config(tmp_path, mode, hidden, feed_forward)
    random_structure = mode.startswith(("fs_neat", "partial"))
    n = N_RANDOM if random_structure else N_FIXED
    ref = neat_population(config, n, seed=0)
    got = tensor_population(config, n, seed=0)

    assert [sorted(g.nodes) for g in got] == [sorted(g.nodes) for g in ref]
    outputs = config.genome_config.num_outputs
    ref_sets, got_sets = ([named_connections(g, outputs) for g in pop] for pop in (ref, got))
    if not random_structure:  # the same connections in every genome
        assert set(got_sets) == set(ref_sets) and len(set(ref_sets)) == 1
    sizes = Counter(len(s) for s in ref_sets), Counter(len(s) for s in got_sets)
    assert chi2_same(*sizes) > P_MIN, sizes
    each = Counter(itertools.chain(*ref_sets)), Counter(itertools.chain(*got_sets))
    assert set(each[0]) == set(each[1])
    assert chi2_same(*each) > P_MIN, each
    assert chi2_same(Counter(ref_sets), Counter(got_sets)) > P_MIN  # which ones together
    if random_structure:
        assert len(set(ref_sets)) > 1  # the test saw the randomness it checks


def test_initial_attributes_equal_neat_python(tmp_path):
    """The gene attributes do not depend on the mode: one large sample checks them (one test
    instead of one per mode, so no case fails by the chance of forty)."""
    config = _config(tmp_path, "full_direct", 2, False)
    ref, got = neat_population(config, 3000, seed=1), tensor_population(config, 3000, seed=1)
    for kind, name in (("connections", "weight"), ("nodes", "bias"), ("nodes", "response")):
        values = [
            [getattr(x, name) for g in pop for x in getattr(g, kind).values()] for pop in (ref, got)
        ]
        assert ks_2samp(*values).pvalue > P_MIN, (kind, name)
    for kind, name in (
        ("nodes", "activation"),
        ("nodes", "aggregation"),
        ("connections", "enabled"),
    ):
        counts = [
            Counter(getattr(x, name) for g in pop for x in getattr(g, kind).values())
            for pop in (ref, got)
        ]
        assert len(counts[0]) > 1 or kind == "connections"
        assert chi2_same(*counts) > P_MIN, (kind, name, counts)
