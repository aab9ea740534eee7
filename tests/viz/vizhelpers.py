"""A hand-built genome whose drawing is known."""

from __future__ import annotations

import neat

from neuroevo.io.neat_export import minimal_genome_config


def hand_genome():
    """Inputs -1, -2; output 0; hidden 1 (used), hidden 2 (dangling); one disabled connection.

    -1 -> 1 (w=2.0), 1 -> 0 (w=-0.5), -2 -> 2 (w=1.0, node 2 feeds nothing), -2 -> 0 disabled.
    """
    gc = minimal_genome_config(2, 1)
    g = neat.DefaultGenome(7)
    for key, act, agg, bias in (
        (0, "sigmoid", "sum", 0.1),
        (1, "tanh", "product", -0.25),
        (2, "relu", "max", 0.0),
    ):
        n = neat.DefaultNodeGene(key)
        n.bias, n.response, n.activation, n.aggregation, n.time_constant = bias, 1.0, act, agg, 1.0
        g.nodes[key] = n
    for inn, (i, o, w, en) in enumerate(
        [(-1, 1, 2.0, True), (1, 0, -0.5, True), (-2, 2, 1.0, True), (-2, 0, 0.7, False)], 1
    ):
        c = neat.DefaultConnectionGene((i, o), innovation=inn)
        c.weight, c.enabled = w, en
        g.connections[(i, o)] = c
    return g, gc
