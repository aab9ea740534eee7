"""FastSpeciesSet's gene table is exact for node keys far apart (near 2**62), as neat-python."""

import neat

from neuroevo.strategies.neat.speciation import GeneColumns
from tests.neat_ini import neat_config


def test_gene_table_distance_with_node_keys_near_2_pow_62(tmp_path):
    gc = neat_config(
        tmp_path, {"DefaultGenome": {"num_inputs": 2, "num_outputs": 1, "num_hidden": 0}}
    ).genome_config
    K = 2**62  # (K, 0) and (0, K) get the same code in pairs[:, 0] * span + pairs[:, 1]
    genomes = []
    for key, (i, o), w in ((1, (K, 0), 0.5), (2, (0, K), -1.0)):
        g = neat.DefaultGenome(key)
        for k in (0, K):
            g.nodes[k] = n = neat.DefaultNodeGene(k)
            n.bias, n.response, n.activation, n.aggregation, n.time_constant = (
                0.0,
                1.0,
                "sigmoid",
                "sum",
                1.0,
            )
        g.connections[(i, o)] = c = neat.DefaultConnectionGene((i, o), innovation=key)
        c.weight, c.enabled = w, True
        genomes.append(g)
    got = GeneColumns(genomes, gc).distances_from(0).tolist()
    assert got == [g.distance(genomes[0], gc) for g in genomes]  # neat-python: [0.0, 2.0]
