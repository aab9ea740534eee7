"""neat-python's own JSON network export read back as a genome gives the same network."""

from __future__ import annotations

import json
import random

import neat
import pytest
from iohelpers import evolved_genomes, make_config
from neat.export import export_network_json

from neuroevo.errors import CheckpointError
from neuroevo.io.neat_export import load_neat_export, minimal_genome_config


@pytest.fixture(scope="module")
def cfg(tmp_path_factory):
    return make_config(tmp_path_factory.mktemp("cfg"), num_inputs=3, num_outputs=2, act_rate=0.5)


@pytest.fixture(scope="module")
def genomes(cfg):
    return evolved_genomes(cfg, generations=6)


def _inputs(n=12):
    rng = random.Random(1)
    return [[rng.uniform(-2, 2) for _ in range(3)] for _ in range(n)]


@pytest.mark.parametrize("with_config", [True, False])
def test_feedforward_export_round_trip(cfg, genomes, tmp_path, with_config):
    for g in genomes[:15]:
        net = neat.nn.FeedForwardNetwork.create(g, cfg)
        path = tmp_path / f"n{g.key}.json"
        export_network_json(
            net, filepath=str(path), metadata={"fitness": g.fitness, "genome_id": g.key}
        )
        exp = load_neat_export(path, cfg.genome_config if with_config else None)
        assert exp.network_type == "feedforward" and exp.genome.fitness == g.fitness
        cfg2 = cfg if with_config else _wrap(exp.genome_config, cfg)
        net2 = neat.nn.FeedForwardNetwork.create(exp.genome, cfg2)
        for x in _inputs():
            assert net2.activate(x) == net.activate(x)


def _wrap(genome_config, cfg):
    """A neat.Config-like object holding only a genome config (all networks read)."""

    class C:
        pass

    c = C()
    c.genome_config = genome_config
    return c


def test_recurrent_export_round_trip(cfg, genomes, tmp_path):
    for g in genomes[:10]:
        net = neat.nn.RecurrentNetwork.create(g, cfg)
        path = tmp_path / "r.json"
        export_network_json(net, filepath=str(path))
        exp = load_neat_export(path, cfg.genome_config)
        assert exp.network_type == "recurrent"
        net2 = neat.nn.RecurrentNetwork.create(exp.genome, cfg)
        for x in _inputs(5):  # several steps: state carried over
            assert net2.activate(x) == net.activate(x)


def test_minimal_config_keys():
    gc = minimal_genome_config(4, 3)
    assert gc.input_keys == [-1, -2, -3, -4] and gc.output_keys == [0, 1, 2]


def test_errors(cfg, genomes, tmp_path):
    net = neat.nn.FeedForwardNetwork.create(genomes[0], cfg)
    data = json.loads(export_network_json(net))
    other = make_config(tmp_path, num_inputs=2, num_outputs=2, name="o.ini")
    path = tmp_path / "e.json"
    path.write_text(json.dumps(data))
    with pytest.raises(CheckpointError, match="3 inputs"):
        load_neat_export(path, other.genome_config)
    bad = dict(data, network_type="iznn")
    path.write_text(json.dumps(bad))
    with pytest.raises(CheckpointError, match="iznn"):
        load_neat_export(path)
    bad = json.loads(json.dumps(data))
    next(n for n in bad["nodes"] if n["type"] != "input")["activation"]["name"] = "swish"
    path.write_text(json.dumps(bad))
    with pytest.raises(CheckpointError, match="add_activation"):
        load_neat_export(path)
    path.write_text(json.dumps(data)[:40])
    with pytest.raises(CheckpointError, match="e.json"):
        load_neat_export(path)


@pytest.mark.parametrize(
    ("edit", "field"),
    [
        (lambda d: d["connections"][0].update(weight=10**400), "connections[0].weight"),
        (lambda d: _hidden_or_output(d).update(bias=-(10**400)), ".bias"),
        (lambda d: _hidden_or_output(d).update(response=10**400), ".response"),
        (lambda d: _hidden_or_output(d).update(id=2**63), ".id"),
        (lambda d: d["connections"][0].update({"from": -(2**64)}), "connections[0].from"),
        (lambda d: d["topology"].update(num_inputs=2**63), "topology.num_inputs"),
        (lambda d: d["topology"].update(num_inputs=10**9), "topology"),  # no billion-key list built
        (lambda d: d["metadata"].update(genome_id=2**70), "metadata.genome_id"),
        (lambda d: d["metadata"].update(fitness=10**400), "metadata.fitness"),
    ],
)
def test_values_beyond_int64_and_float64_are_refused(cfg, genomes, tmp_path, edit, field):
    net = neat.nn.FeedForwardNetwork.create(genomes[0], cfg)
    data = json.loads(export_network_json(net, metadata={"genome_id": 1, "fitness": 0.5}))
    edit(data)
    path = tmp_path / "huge.json"
    path.write_text(json.dumps(data))
    with pytest.raises(CheckpointError) as e:
        load_neat_export(path, cfg.genome_config)
    msg = str(e.value)
    assert msg.startswith(f"{path}: ") and field in msg and "\n" not in msg and len(msg) < 300


def test_float_literal_beyond_float64_is_refused_but_infinity_is_read(cfg, genomes, tmp_path):
    net = neat.nn.FeedForwardNetwork.create(genomes[0], cfg)
    data = json.loads(export_network_json(net))
    data["connections"][0]["weight"] = 0.123
    path = tmp_path / "w.json"
    path.write_text(json.dumps(data).replace("0.123", "-1e999", 1))
    with pytest.raises(CheckpointError, match=r"connections\[0\].weight: -1e999 is beyond"):
        load_neat_export(path, cfg.genome_config)
    data["connections"][0]["weight"] = float("inf")  # neat-python writes this as Infinity
    path.write_text(json.dumps(data))
    assert load_neat_export(path, cfg.genome_config).genome.connections[
        (data["connections"][0]["from"], data["connections"][0]["to"])
    ].weight == float("inf")


def _hidden_or_output(data):
    return next(n for n in data["nodes"] if n["type"] != "input")
