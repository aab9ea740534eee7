"""The same algorithm, statistically: children of the same parent pairs made by neat-python
(``configure_crossover`` + ``mutate``) and by the tensor engine (``crossover`` + ``Mutator``).

Each test compares the two samples (8,000 children each) with a test whose p-value must
exceed ``P_MIN = 1e-3``: chi-square on contingency tables for counts (structural changes,
options chosen, inherited-from-which-parent, disabled genes; categories with fewer than 5
expected children are pooled), two-sample Kolmogorov-Smirnov for continuous values
(attributes, compatibility distances). Seeds are fixed, so the outcome is deterministic.
"""

from __future__ import annotations

import itertools
import random
from collections import Counter

import neat
import numpy as np
import pytest
import torch
from scipy.stats import chi2_contingency, ks_2samp

from neuroevo.strategies.neat.tensor.convert import to_neat
from neuroevo.strategies.neat.tensor.crossover import crossover
from neuroevo.strategies.neat.tensor.structure import Mutator

from .helpers import neat_config, parents, spec_of, tracker_for, with_seed

pytestmark = pytest.mark.slow  # ~50 s on one busy core

P_MIN = 1e-3
N = 8000  # detects node_add_prob 0.40 vs 0.35 (p ~ 1e-3), conn_delete_prob 0.30 vs 0.25

# neat-python 2.0 reads a missing ``single_structural_mutation`` as the string 'false', which
# is truthy: a config without the key mutates one structure at a time, and its 'default'
# ``structural_mutation_surer`` is that same truthy string. So the independent mode needs the
# key written out; MODES says what each case's config holds, (single, surer), as neat-python
# reads them.
CASES = {
    "independent": {"single_structural_mutation": False, "structural_mutation_surer": False},
    "independent+surer": {"single_structural_mutation": False, "structural_mutation_surer": True},
    "single+surer": {"single_structural_mutation": True, "structural_mutation_surer": True},
    "single, not surer": {"single_structural_mutation": True, "structural_mutation_surer": False},
    "recurrent": {
        "feed_forward": False,
        "initial_connection": "partial_direct 0.5",
        "single_structural_mutation": False,
    },  # surer 'default': false
    "sparse": {
        "initial_connection": "fs_neat_hidden",
        "num_hidden": 1,
        "enabled_rate_to_true_add": 0.2,
        "conn_delete_prob": 0.6,
    },
    "shared": {
        "initial_connection": "full_direct",
        "num_hidden": 0,
        "enabled_mutate_rate": 0.3,
    },  # parents share their first genes
}
MODES = {
    "independent": (False, False),
    "independent+surer": (False, True),
    "single+surer": (True, True),
    "single, not surer": (True, False),
    "recurrent": (False, False),
    "sparse": (True, True),
    "shared": (True, True),
}


def chi2_same(a: Counter, b: Counter) -> float:
    """p-value of 'same distribution' for two samples of categories (rare ones pooled)."""
    keys = sorted(set(a) | set(b), key=str)
    total = {k: a[k] + b[k] for k in keys}
    common = [k for k in keys if total[k] >= 10]
    rest = [k for k in keys if total[k] < 10]
    rows = [
        [a[k] for k in common] + [sum(a[k] for k in rest)],
        [b[k] for k in common] + [sum(b[k] for k in rest)],
    ]
    table = np.array(rows)[:, np.array(rows).sum(0) > 0]
    if table.shape[1] < 2:
        return 1.0
    return chi2_contingency(table)[1]


def make(tmp_path, case, seed=0):
    config = neat_config(
        tmp_path,
        {
            "DefaultGenome": {
                "num_hidden": 2,
                "node_add_prob": 0.4,
                "node_delete_prob": 0.3,
                "conn_add_prob": 0.6,
                "conn_delete_prob": 0.3,
                "activation_options": "sigmoid tanh relu",
                "aggregation_options": "sum product max",
                "activation_mutate_rate": 0.3,
                "aggregation_mutate_rate": 0.2,
                **CASES[case],
            }
        },
    )
    genomes, pop = parents(config, 30, seed=seed, max_mutations=10)
    rng = random.Random(seed)
    fitness = [float(rng.randint(0, 4)) for _ in genomes]
    for g, f in zip(genomes, fitness):
        g.fitness = f
    pairs = [(rng.randrange(30), rng.randrange(30)) for _ in range(N)]
    return config, genomes, pop, torch.tensor(fitness, dtype=torch.float64), pairs


def neat_children(config, genomes, pairs, mutate=True, seed=0):
    gc = config.genome_config
    top = tracker_for(config, genomes)
    gc.innovation_tracker = neat.InnovationTracker(start_number=top.global_counter)
    gc.node_indexer = itertools.count(top.next_node_key)

    def run():
        out = []
        for k, (i, j) in enumerate(pairs):
            child = config.genome_type(10_000 + k)
            child.configure_crossover(genomes[i], genomes[j], gc)
            if mutate:
                child.mutate(gc)
            out.append(child)
        return out

    return with_seed(seed, run)


def tensor_children(config, genomes, pop, fitness, pairs, mutate=True, seed=0):
    gen = torch.Generator().manual_seed(seed)
    spec = spec_of(config)
    a = torch.tensor([i for i, _ in pairs])
    b = torch.tensor([j for _, j in pairs])
    kids = crossover(pop, fitness, a, b, spec, gen)
    if mutate:
        kids = Mutator(spec, tracker_for(config, genomes), gen, torch.float64).mutate(kids)
    return to_neat(kids, range(len(pairs)), config)


def fitter(genomes, i, j):
    return genomes[i] if genomes[i].fitness > genomes[j].fitness else genomes[j]


def structural(children, genomes, pairs):
    out = Counter()
    for c, (i, j) in zip(children, pairs):
        p = fitter(genomes, i, j)
        enabled = sum(cg.enabled for cg in c.connections.values())
        p_enabled = sum(cg.enabled for cg in p.connections.values())
        out[
            (
                len(c.nodes) - len(p.nodes),
                len(c.connections) - len(p.connections),
                enabled - p_enabled,
            )
        ] += 1
    return out


def mutation_kinds(children, genomes, pairs):
    """Per kind of structural mutation, how many children show it (relative to the fitter
    parent): a new node, a lost node, a new connection between old nodes, a lost connection
    between surviving nodes, and a connection disabled in the parent but enabled in the child
    (``structural_mutation_surer`` re-enables the existing connection add-connection picks;
    crossover and ``enabled_mutate_rate`` do too, in both samples alike)."""
    out = Counter()
    for c, (i, j) in zip(children, pairs):
        p = fitter(genomes, i, j)
        new_nodes = set(c.nodes) - set(p.nodes)
        lost_nodes = set(p.nodes) - set(c.nodes)
        new_conns = {k for k in set(c.connections) - set(p.connections) if not (set(k) & new_nodes)}
        lost_conns = {
            k for k in set(p.connections) - set(c.connections) if not (set(k) & lost_nodes)
        }
        enabled_again = {
            k
            for k, cg in c.connections.items()
            if cg.enabled and k in p.connections and not p.connections[k].enabled
        }
        for kind, hit in (
            ("add node", new_nodes),
            ("delete node", lost_nodes),
            ("add connection", new_conns),
            ("delete connection", lost_conns),
            ("enabled again", enabled_again),
        ):
            out[kind] += bool(hit)
    return out


@pytest.mark.parametrize("case", list(CASES))
def test_cases_select_the_modes_they_name(tmp_path, case):
    config = neat_config(tmp_path, {"DefaultGenome": CASES[case]})
    gc, spec = config.genome_config, spec_of(config)
    mode = (bool(gc.single_structural_mutation), bool(gc.check_structural_mutation_surer()))
    assert mode == MODES[case]
    assert (spec.single_structural_mutation, spec.structural_mutation_surer) == mode


@pytest.mark.parametrize("case", list(CASES))
def test_structural_mutation_frequencies(tmp_path, case):
    config, genomes, pop, fitness, pairs = make(tmp_path, case)
    ref = neat_children(config, genomes, pairs)
    got = tensor_children(config, genomes, pop, fitness, pairs)
    a, b = structural(ref, genomes, pairs), structural(got, genomes, pairs)
    assert len(a) >= 6  # several kinds of change happen
    assert chi2_same(a, b) > P_MIN, (a.most_common(8), b.most_common(8))
    ka, kb = mutation_kinds(ref, genomes, pairs), mutation_kinds(got, genomes, pairs)
    for kind in ("add node", "delete node", "add connection", "delete connection", "enabled again"):
        table = [[ka[kind], N - ka[kind]], [kb[kind], N - kb[kind]]]
        assert ka[kind] > 50, kind
        assert chi2_contingency(table)[1] > P_MIN, (kind, ka, kb)
    if config.genome_config.feed_forward:
        for c in got:
            assert not any(
                neat.graphs.creates_cycle([k for k in c.connections if k != key], key)
                for key in c.connections
            )


@pytest.mark.parametrize("case", ["independent", "recurrent"])
def test_mutated_attribute_distributions(tmp_path, case):
    config, genomes, pop, fitness, pairs = make(tmp_path, case, seed=1)
    ref = neat_children(config, genomes, pairs, seed=1)
    got = tensor_children(config, genomes, pop, fitness, pairs, seed=1)

    def values(children, kind, name):
        return [getattr(g, name) for c in children for g in getattr(c, kind).values()]

    for kind, name in (("nodes", "bias"), ("nodes", "response"), ("connections", "weight")):
        p = ks_2samp(values(ref, kind, name), values(got, kind, name)).pvalue
        assert p > P_MIN, (kind, name, p)
    for kind, name in (
        ("nodes", "activation"),
        ("nodes", "aggregation"),
        ("connections", "enabled"),
    ):
        p = chi2_same(Counter(values(ref, kind, name)), Counter(values(got, kind, name)))
        assert p > P_MIN, (kind, name, p)
    gc = config.genome_config
    d_ref = [c.distance(fitter(genomes, i, j), gc) for c, (i, j) in zip(ref, pairs)]
    d_got = [c.distance(fitter(genomes, i, j), gc) for c, (i, j) in zip(got, pairs)]
    assert ks_2samp(d_ref, d_got).pvalue > P_MIN
    assert np.mean(d_ref) > 0.1  # the distances measure real change


def inheritance(children, genomes, pairs):
    """Counts of (what, from parent 1 or 2) over genes both parents share, and of disabled
    children genes among shared connections disabled in a parent."""
    out = Counter()
    for c, (i, j) in zip(children, pairs):
        p1 = fitter(genomes, i, j)
        p2 = genomes[j] if p1 is genomes[i] else genomes[i]
        for key, ng in c.nodes.items():
            other = p2.nodes.get(key)
            if other is not None and other.bias != p1.nodes[key].bias:
                out[("bias", ng.bias == other.bias)] += 1
        for key, cg in c.connections.items():
            other = p2.connections.get(key)
            if other is None or other.innovation != cg.innovation:
                continue
            mine = p1.connections[key]
            if other.weight != mine.weight:
                out[("weight", cg.weight == other.weight)] += 1
            if not (mine.enabled and other.enabled):
                out[("disabled", cg.enabled)] += 1
    return out


def test_crossover_inheritance_rates(tmp_path):
    config, genomes, pop, fitness, pairs = make(tmp_path, "shared", seed=2)
    pairs = [(i, j) for i, j in pairs if i != j]
    a = inheritance(neat_children(config, genomes, pairs, mutate=False, seed=2), genomes, pairs)
    b = inheritance(
        tensor_children(config, genomes, pop, fitness, pairs, mutate=False, seed=2), genomes, pairs
    )
    for what in ("bias", "weight", "disabled"):
        ca = Counter({k: v for k, v in a.items() if k[0] == what})
        cb = Counter({k: v for k, v in b.items() if k[0] == what})
        assert sum(ca.values()) > 200, what
        assert chi2_same(ca, cb) > P_MIN, (what, ca, cb)
    # and the rate itself: each attribute from either parent with probability 1/2
    n = b[("weight", True)] + b[("weight", False)]
    assert abs(b[("weight", True)] / n - 0.5) < 4 * (0.25 / n) ** 0.5
