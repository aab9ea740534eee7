"""Genome files: round trip against neat-python's own networks, and validation errors."""

from __future__ import annotations

import json
import random

import neat
import pytest
from iohelpers import evolved_genomes, make_config

from neuroevo.errors import CheckpointError
from neuroevo.io.genome_json import genome_from_dict, genome_to_dict, load_genome, save_genome


@pytest.fixture(scope="module")
def cfg(tmp_path_factory):
    return make_config(tmp_path_factory.mktemp("cfg"), num_inputs=3, num_outputs=2, act_rate=0.5)


@pytest.fixture(scope="module")
def genomes(cfg):
    return evolved_genomes(cfg, generations=8)


def _outputs(genome, cfg, inputs):
    net = neat.nn.FeedForwardNetwork.create(genome, cfg)
    return [net.activate(x) for x in inputs]


def test_round_trip_gives_same_network_outputs(cfg, genomes, tmp_path):
    rng = random.Random(0)
    inputs = [[rng.uniform(-2, 2) for _ in range(3)] for _ in range(16)]
    hidden = sum(len(g.nodes) - 2 for g in genomes)
    disabled = sum(not c.enabled for g in genomes for c in g.connections.values())
    assert hidden > 0 and disabled > 0, "fixture should exercise hidden nodes and disabled genes"
    for g in genomes:
        path = tmp_path / f"g{g.key}.json"
        save_genome(g, path, cfg.genome_config)
        back = load_genome(path, cfg.genome_config)
        assert back.key == g.key and back.fitness == g.fitness
        assert list(back.nodes) == list(g.nodes)  # order kept
        assert list(back.connections) == list(g.connections)
        for k, c in g.connections.items():
            b = back.connections[k]
            assert (b.innovation, b.weight, b.enabled) == (c.innovation, c.weight, c.enabled)
        for k, n in g.nodes.items():
            b = back.nodes[k]
            assert (b.bias, b.response, b.activation, b.aggregation, b.time_constant) == (
                n.bias,
                n.response,
                n.activation,
                n.aggregation,
                n.time_constant,
            )
        assert _outputs(back, cfg, inputs) == _outputs(g, cfg, inputs)
        assert g.distance(back, cfg.genome_config) == 0.0


def test_file_is_plain_json_with_header(cfg, genomes, tmp_path):
    path = save_genome(genomes[0], tmp_path / "g.json", cfg.genome_config)
    d = json.loads(path.read_text())
    assert d["format"] == "neuroevo.genome" and d["version"] == 1
    assert d["num_inputs"] == 3 and d["num_outputs"] == 2
    assert {"key", "bias", "response", "activation", "aggregation"} <= set(d["nodes"][0])
    assert {"in", "out", "weight", "enabled", "innovation"} <= set(d["connections"][0])
    assert not list(tmp_path.glob("*.tmp"))  # atomic write leaves no temporary file


def test_non_finite_fitness_round_trips(cfg, genomes):
    g = genomes[0]
    old = g.fitness
    try:
        g.fitness = float("-inf")
        assert genome_from_dict(
            json.loads(json.dumps(genome_to_dict(g))), cfg.genome_config
        ).fitness == float("-inf")
    finally:
        g.fitness = old


def _valid(cfg, genomes):
    return genome_to_dict(genomes[-1], cfg.genome_config)


@pytest.mark.parametrize(
    ("mutate", "needle"),
    [
        (lambda d: d.pop("nodes"), "'nodes'"),
        (lambda d: d.update(format="other"), "format"),
        (lambda d: d.update(version=99), "version"),
        (lambda d: d.update(fitness="high"), "fitness"),
        (lambda d: d["nodes"][0].update(activation="swish"), "activation"),
        (lambda d: d["nodes"][0].update(aggregation="prod"), "aggregation"),
        (lambda d: d["nodes"][0].update(bias="1.0"), "bias"),
        (lambda d: d["nodes"][0].pop("response"), "response"),
        (lambda d: d["nodes"][0].update(key=True), "key"),
        (lambda d: d["connections"][0].update(weight=None), "weight"),
        (lambda d: d["connections"][0].update(enabled=1), "enabled"),
        (lambda d: d["connections"][0].pop("innovation"), "innovation"),
        (lambda d: d["connections"][0].update({"in": -7}), "num_inputs"),
        (lambda d: d["connections"][0].update(out=12345), "12345"),
        (lambda d: d.update(num_inputs=4), "num_inputs"),
        (
            lambda d: d.update(
                nodes=[n for n in d["nodes"] if n["key"] != 1],
                connections=[c for c in d["connections"] if c["out"] != 1],
            ),
            "output",
        ),
        (lambda d: d["nodes"].append(dict(d["nodes"][0])), "duplicate"),
        (lambda d: d["nodes"][0].update(colour="red"), "colour"),
    ],
)
def test_bad_fields_raise_checkpoint_error_naming_them(cfg, genomes, tmp_path, mutate, needle):
    d = _valid(cfg, genomes)
    mutate(d)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(d))
    with pytest.raises(CheckpointError) as e:
        load_genome(path, cfg.genome_config)
    assert needle in str(e.value) and str(path) in str(e.value)


def test_wrong_config_input_count_is_refused(cfg, genomes, tmp_path):
    path = save_genome(genomes[-1], tmp_path / "g.json")  # no counts recorded
    other = make_config(tmp_path, num_inputs=2, num_outputs=2, name="two.ini")
    with pytest.raises(CheckpointError, match="num_inputs = 2"):
        load_genome(path, other.genome_config)


@pytest.mark.parametrize("content", [b"", b"{", b"\xff\xfe", b"[1, 2]", b"null", b'{"format": 1}'])
def test_not_a_genome_file(cfg, tmp_path, content):
    path = tmp_path / "x.json"
    path.write_bytes(content)
    with pytest.raises(CheckpointError, match="x.json"):
        load_genome(path, cfg.genome_config)


def test_missing_file(cfg, tmp_path):
    with pytest.raises(CheckpointError, match="no such"):
        load_genome(tmp_path / "nope.json", cfg.genome_config)


def test_custom_activation_needs_registration(cfg, genomes, tmp_path):
    d = _valid(cfg, genomes)
    d["nodes"][0]["activation"] = "my_act"
    with pytest.raises(CheckpointError, match="add_activation"):
        genome_from_dict(d, cfg.genome_config)
    cfg2 = make_config(tmp_path, num_inputs=3, num_outputs=2)
    cfg2.genome_config.add_activation("my_act", lambda z: 2.0 * z)
    g = genome_from_dict(d, cfg2.genome_config)
    assert g.nodes[d["nodes"][0]["key"]].activation == "my_act"


HUGE = 10**400  # a 400-digit integer: json reads it, float() overflows


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda d: d["connections"][0].update(weight=HUGE), "connections[0].weight"),
        (lambda d: d["connections"][0].update(weight=-HUGE), "connections[0].weight"),
        (lambda d: d["nodes"][0].update(bias=HUGE), "nodes[0].bias"),
        (lambda d: d["nodes"][0].update(response=HUGE), "nodes[0].response"),
        (lambda d: d["nodes"][0].update(time_constant=HUGE), "nodes[0].time_constant"),
        (lambda d: d.update(fitness=HUGE), "fitness"),
        (lambda d: d.update(key=2**63), "key"),
        (lambda d: d["nodes"][0].update(key=2**64), "nodes[0].key"),
        (lambda d: d["connections"][0].update({"in": -(2**63) - 1}), "connections[0].in"),
        (lambda d: d["connections"][0].update(out=HUGE), "connections[0].out"),
        (lambda d: d["connections"][0].update(innovation=2**63), "connections[0].innovation"),
    ],
)
def test_values_beyond_int64_and_float64_name_file_gene_and_field(
    cfg, genomes, tmp_path, mutate, field
):
    d = _valid(cfg, genomes)
    mutate(d)
    path = tmp_path / "huge.json"
    path.write_text(json.dumps(d))
    with pytest.raises(CheckpointError) as e:
        load_genome(path, cfg.genome_config)
    msg = str(e.value)
    assert msg.startswith(f"{path}: {field}:") and "range" in msg and "\n" not in msg, msg
    assert len(msg) < 300, msg  # the 400 digits are shortened


def test_float_literal_beyond_float64_is_named_not_read_as_inf(cfg, genomes, tmp_path):
    d = _valid(cfg, genomes)
    d["connections"][0]["weight"] = 0.123
    path = tmp_path / "inf.json"
    path.write_text(json.dumps(d).replace("0.123", "1e400", 1))
    with pytest.raises(
        CheckpointError,
        match=r"connections\[0\].weight: 1e400 is beyond the "
        r"float64 range",
    ):
        load_genome(path, cfg.genome_config)


def test_a_whole_neat_config_works_where_a_genome_config_does(cfg, genomes, tmp_path):
    """save_genome / load_genome / genome_from_dict / load_neat_export take either form of
    the config (neat.Config or its genome_config) and give the same genome."""
    from neuroevo.io.neat_export import neat_export_to_genome

    g = genomes[0]
    save_genome(g, tmp_path / "whole.json", cfg)
    save_genome(g, tmp_path / "part.json", cfg.genome_config)
    assert (tmp_path / "whole.json").read_text() == (tmp_path / "part.json").read_text()
    back = load_genome(tmp_path / "whole.json", cfg)
    assert type(back) is cfg.genome_type
    inputs = [[0.5, -1.0, 2.0], [0.0, 0.25, -0.5]]
    assert _outputs(back, cfg, inputs) == _outputs(g, cfg, inputs)
    assert genome_to_dict(genome_from_dict(genome_to_dict(g, cfg), cfg)) == genome_to_dict(g)
    net = neat.nn.FeedForwardNetwork.create(g, cfg)
    data = json.loads(neat.export.export_network_json(net))
    assert neat_export_to_genome(data, cfg).genome_config is cfg.genome_config


@pytest.mark.parametrize("bad", [None, "configs/xor.ini", 3, object()])
def test_anything_else_is_one_line_naming_both_forms(cfg, genomes, tmp_path, bad):
    from neuroevo.errors import ConfigError

    save_genome(genomes[0], tmp_path / "g.json", cfg)
    with pytest.raises(
        ConfigError,
        match=r"^load_genome: expected a neat-python config "
        r"\(a neat.Config .*or its .genome_config\), got ",
    ):
        load_genome(tmp_path / "g.json", bad)
