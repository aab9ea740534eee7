"""Fuzzing: damaged checkpoints, genome files and INI files raise only neuroevo's own errors."""

from __future__ import annotations

import json

import neat
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from iohelpers import evolved_genomes, make_config

from neuroevo.errors import CheckpointError, ConfigError
from neuroevo.io.checkpoint import load_checkpoint, save_checkpoint
from neuroevo.io.genome_json import genome_to_dict, load_genome
from neuroevo.strategies.neat.state import population_from_dict, population_to_dict

FUZZ = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture(scope="module")
def cfg(tmp_path_factory):
    return make_config(tmp_path_factory.mktemp("cfg"), pop_size=10)


@pytest.fixture(scope="module")
def files(cfg, tmp_path_factory):
    d = tmp_path_factory.mktemp("files")
    pop = neat.Population(cfg, seed=1)
    ckpt = save_checkpoint(
        d / "c.ckpt",
        strategy_state={"population": population_to_dict(pop), "w": torch.arange(6.0)},
        loop_state={"next_generation": 1},
        experiment=None,
    )
    genome = evolved_genomes(cfg, generations=2)[0]
    gpath = d / "g.json"
    gpath.write_text(json.dumps(genome_to_dict(genome, cfg.genome_config)))
    return ckpt.read_bytes(), gpath.read_bytes()


def _damage(raw: bytes, data) -> bytes:
    b = bytearray(raw)
    kind = data.draw(st.sampled_from(["flip", "truncate", "insert", "delete"]))
    i = data.draw(st.integers(0, max(0, len(b) - 1)))
    if kind == "flip":
        b[i] ^= data.draw(st.integers(1, 255))
    elif kind == "truncate":
        del b[i:]
    elif kind == "insert":
        b[i:i] = data.draw(st.binary(min_size=1, max_size=8))
    else:
        del b[i : i + data.draw(st.integers(1, 16))]
    return bytes(b)


@FUZZ
@given(data=st.data())
def test_damaged_checkpoint(files, tmp_path, data):
    raw = _damage(files[0], data)
    path = tmp_path / "c.ckpt"
    path.write_bytes(raw)
    with pytest.raises(CheckpointError):
        load_checkpoint(path)


@FUZZ
@given(data=st.data())
def test_damaged_genome_file(files, cfg, tmp_path, data):
    raw = _damage(files[1], data)
    path = tmp_path / "g.json"
    path.write_bytes(raw)
    try:
        load_genome(path, cfg.genome_config)
    except CheckpointError:
        pass  # a damaged byte inside a number can still be a valid genome; otherwise only this


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda c: st.lists(c, max_size=4) | st.dictionaries(st.text(max_size=8), c, max_size=4),
    max_leaves=20,
)


@FUZZ
@given(doc=JSON)
def test_random_json_as_genome(cfg, tmp_path, doc):
    path = tmp_path / "g.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(CheckpointError):
        load_genome(path, cfg.genome_config)


@FUZZ
@given(doc=JSON, field=st.sampled_from(["nodes", "connections", "key", "fitness", "version"]))
def test_random_json_inside_genome(cfg, files, doc, field):
    d = json.loads(files[1])
    d[field] = doc
    try:
        from neuroevo.io.genome_json import genome_from_dict

        genome_from_dict(d, cfg.genome_config)
    except CheckpointError:
        pass


@FUZZ
@given(
    doc=JSON,
    field=st.sampled_from(
        [
            "species",
            "genomes",
            "genome_to_species",
            "ancestors",
            "innovation_tracker",
            "random_state",
            "best_genome",
            "generation",
            "node_indexer",
        ]
    ),
)
def test_random_json_inside_population_state(cfg, doc, field):
    pop = neat.Population(cfg, seed=1)
    d = population_to_dict(pop)
    d[field] = doc
    try:
        population_from_dict(d, cfg, restore_random=False)
    except CheckpointError:
        pass


INI_LINE = st.one_of(
    st.sampled_from(
        [
            "[NEAT]",
            "[DefaultGenome]",
            "[DefaultSpeciesSet]",
            "[DefaultStagnation]",
            "[DefaultReproduction]",
            "[Bogus]",
            "pop_size = 10",
            "pop_size = ten",
            "num_inputs = 2",
            "num_outputs = -1",
            "activation_default = swish",
            "fitness_criterion = max",
            "feed_forward = maybe",
            "= 3",
            "[",
            "x = \x00",
        ]
    ),
    st.text(max_size=30),
)


@FUZZ
@given(lines=st.lists(INI_LINE, max_size=12))
def test_load_config_random_ini(tmp_path, lines):
    from neuroevo.config import load_config

    path = tmp_path / "r.ini"
    path.write_text("\n".join(lines), encoding="utf-8", errors="surrogatepass")
    with pytest.raises(ConfigError):
        load_config(path)


@FUZZ
@given(data=st.data())
def test_load_config_damaged_valid_ini(tmp_path, data):
    from iohelpers import ALL_ACTIVATIONS, INI

    from neuroevo.config import load_config

    text = INI.format(
        num_inputs=2,
        num_outputs=1,
        num_hidden=0,
        pop_size=10,
        activations=ALL_ACTIVATIONS,
        act_rate=0.1,
        compat=2.0,
        max_stag=5,
        threshold=3.9,
        no_term=False,
    ).encode()
    path = tmp_path / "d.ini"
    path.write_bytes(_damage(text, data))
    try:
        load_config(path)
    except ConfigError:
        pass


def _numeric_paths(doc, prefix=()):
    """Paths to every number (not bool) in a JSON document."""
    if isinstance(doc, dict):
        items = doc.items()
    elif isinstance(doc, list):
        items = enumerate(doc)
    else:
        return [prefix] if isinstance(doc, (int, float)) and not isinstance(doc, bool) else []
    return [p for k, v in items for p in _numeric_paths(v, prefix + (k,))]


HUGE_NUMBER = st.one_of(
    st.integers(19, 400).map(lambda k: 10**k),
    st.integers(19, 400).map(lambda k: -(10**k)),
    st.sampled_from([2**63, -(2**63) - 1, 2**64]),
    st.sampled_from(["1e400", "-1e400", "1e309"]),  # float literals beyond float64
)


def _put_huge(doc, data) -> str:
    """``doc`` as JSON text with one of its numbers replaced by a huge one."""
    path = data.draw(st.sampled_from(_numeric_paths(doc)))
    value = data.draw(HUGE_NUMBER)
    target = doc
    for k in path[:-1]:
        target = target[k]
    target[path[-1]] = "@@HUGE@@"
    return json.dumps(doc).replace('"@@HUGE@@"', str(value))


@FUZZ
@given(data=st.data())
def test_huge_numbers_in_genome_file(files, cfg, tmp_path, data):
    """Any number of a genome file beyond int64/float64: CheckpointError, never OverflowError."""
    path = tmp_path / "g.json"
    path.write_text(_put_huge(json.loads(files[1]), data))
    try:
        load_genome(path, cfg.genome_config)
    except CheckpointError as e:
        assert str(path) in str(e) and "\n" not in str(e)


@FUZZ
@given(data=st.data())
def test_huge_numbers_in_neat_export(cfg, tmp_path, data):
    from neat.export import export_network_json

    from neuroevo.io.neat_export import load_neat_export

    genome = evolved_genomes(cfg, generations=1)[0]
    net = neat.nn.FeedForwardNetwork.create(genome, cfg)
    doc = json.loads(export_network_json(net, metadata={"genome_id": 3, "fitness": 1.5}))
    path = tmp_path / "n.json"
    path.write_text(_put_huge(doc, data))
    try:
        load_neat_export(path)
    except CheckpointError as e:
        assert str(path) in str(e) and "\n" not in str(e)


def test_load_config_percent_sign_is_a_config_error(tmp_path):
    """configparser reads ``%`` as interpolation: found by the fuzz test above."""
    from iohelpers import ALL_ACTIVATIONS, INI

    from neuroevo.config import load_config

    text = INI.format(
        num_inputs=2,
        num_outputs=1,
        num_hidden=0,
        pop_size=10,
        activations=ALL_ACTIVATIONS,
        act_rate=0.1,
        compat=2.0,
        max_stag=5,
        threshold=3.9,
        no_term=False,
    )
    path = tmp_path / "p.ini"
    path.write_text(text.replace("= 10\n", "= 10 % 1\n", 1))
    assert "% 1" in path.read_text()
    with pytest.raises(ConfigError, match=r"p.ini \[NEAT\]: .*write a literal % as %%"):
        load_config(path)
