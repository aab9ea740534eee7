"""neuroevo.config: neat-python INI files and experiment files, errors naming file/section/key."""

from __future__ import annotations

import pathlib
import re

import neat
import pytest

from neuroevo.config import load_config
from neuroevo.errors import ConfigError
from neuroevo.run.experiment_file import Experiment, load_experiment

CONFIGS = pathlib.Path(__file__).resolve().parents[1] / "configs"
XOR_INI = CONFIGS / "xor.ini"


def _neat_config(path: pathlib.Path) -> neat.Config:
    return neat.Config(
        neat.DefaultGenome,
        neat.DefaultReproduction,
        neat.DefaultSpeciesSet,
        neat.DefaultStagnation,
        str(path),
    )


def _params(cfg_part) -> dict:
    return {p.name: getattr(cfg_part, p.name) for p in cfg_part._params}


@pytest.mark.parametrize("name", ["xor.ini", "parity3.ini"])
def test_valid_file_equals_neat_pythons_own_parse(name):
    ours = load_config(CONFIGS / name)
    ref = _neat_config(CONFIGS / name)
    assert isinstance(ours, neat.Config)
    assert ours.genome_type is neat.DefaultGenome and ours.stagnation_type is neat.DefaultStagnation
    for attr in (
        "pop_size",
        "fitness_criterion",
        "fitness_threshold",
        "reset_on_extinction",
        "no_fitness_termination",
    ):
        assert getattr(ours, attr) == getattr(ref, attr)
    assert _params(ours.genome_config) == _params(ref.genome_config)
    for part in ("species_set_config", "stagnation_config", "reproduction_config"):
        assert _params(getattr(ours, part)) == _params(getattr(ref, part))


def _write(tmp_path: pathlib.Path, text: str) -> pathlib.Path:
    p = tmp_path / "bad.ini"
    p.write_text(text)
    return p


def _replace(key: str, value: str | None, text: str | None = None) -> str:
    """XOR's INI with ``key``'s line replaced by ``key = value`` (or removed if None)."""
    text = XOR_INI.read_text() if text is None else text
    line = "" if value is None else f"{key} = {value}"
    new, n = re.subn(rf"^{key}\s*=.*$", line, text, flags=re.M)
    assert n == 1, key
    return new


# (mutated file text, section, key, words the message must contain)
BAD_VALUES = [
    (_replace("num_inputs", "two"), "DefaultGenome", "num_inputs", ["integer", "'two'"]),
    (_replace("feed_forward", "maybe"), "DefaultGenome", "feed_forward", ["True or False"]),
    (_replace("reset_on_extinction", "yes"), "NEAT", "reset_on_extinction", ["True or False"]),
    (_replace("pop_size", "lots"), "NEAT", "pop_size", ["integer"]),
    (_replace("pop_size", "1"), "NEAT", "pop_size", [">= 2"]),
    (_replace("num_outputs", "0"), "DefaultGenome", "num_outputs", [">= 1"]),
    (
        _replace("activation_options", "sigmoid swish"),
        "DefaultGenome",
        "activation_options",
        ["'swish'", "sigmoid", "tanh"],
    ),
    (
        _replace("aggregation_options", "sum avg"),
        "DefaultGenome",
        "aggregation_options",
        ["'avg'", "mean"],
    ),
    (
        _replace("activation_default", "tanh"),
        "DefaultGenome",
        "activation_default",
        ["activation_options"],
    ),
    (_replace("conn_add_prob", "1.5"), "DefaultGenome", "conn_add_prob", ["[0, 1]"]),
    (_replace("initial_connection", "fully"), "DefaultGenome", "initial_connection", ["full"]),
    (_replace("weight_min_value", "50"), "DefaultGenome", "weight_min_value", ["weight_max_value"]),
    (_replace("fitness_criterion", "best"), "NEAT", "fitness_criterion", ["max", "mean"]),
    (
        _replace("compatibility_threshold", "x"),
        "DefaultSpeciesSet",
        "compatibility_threshold",
        ["number"],
    ),
    (_replace("max_stagnation", "2.5"), "DefaultStagnation", "max_stagnation", ["integer"]),
    (
        _replace("species_fitness_func", "best"),
        "DefaultStagnation",
        "species_fitness_func",
        ["max", "mean"],
    ),
    (_replace("survival_threshold", "0"), "DefaultReproduction", "survival_threshold", ["(0, 1]"]),
]

MISSING_OR_UNKNOWN = [
    (_replace("weight_mutate_rate", None), "DefaultGenome", "weight_mutate_rate", ["missing"]),
    (
        _replace("no_fitness_termination", None),
        "NEAT",
        "no_fitness_termination",
        ["missing", "no_fitness_termination = False"],
    ),
    (
        _replace("num_hidden", None).replace("num_inputs", "num_hiden = 0\nnum_inputs"),
        "DefaultGenome",
        "num_hidden",
        ["missing", "num_hiden"],
    ),
    (
        _replace("node_add_prob", "0.2\nnode_add_probability = 0.3"),
        "DefaultGenome",
        "node_add_probability",
        ["unknown", "node_add_prob"],
    ),
    (_replace("pop_size", "150\npopsize = 3"), "NEAT", "popsize", ["unknown", "pop_size"]),
    (
        _replace("compatibility_threshold", "3.0\nthreshold = 3"),
        "DefaultSpeciesSet",
        "threshold",
        ["unknown"],
    ),
    (_replace("elitism", "2\nelitsm = 1"), "DefaultReproduction", "elitsm", ["unknown"]),
]


@pytest.mark.parametrize("text,section,key,words", BAD_VALUES + MISSING_OR_UNKNOWN)
def test_bad_file_names_file_section_and_key(tmp_path, text, section, key, words):
    path = _write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    msg = str(info.value)
    assert str(path) in msg
    assert f"[{section}] {key}" in msg
    for w in words:
        assert w in msg, (w, msg)


def test_neat_python_itself_rejects_or_misses_these(tmp_path):
    # The reference: neat-python raises its own (unnamed-file) errors for some of the cases
    # above, and silently accepts an unknown genome key -- which load_config rejects.
    path = _write(tmp_path, _replace("node_add_prob", "0.2\nnode_add_probability = 0.3"))
    _neat_config(path)  # neat-python accepts the typo silently
    with pytest.raises(ConfigError):
        load_config(path)
    path = _write(tmp_path, _replace("num_inputs", "two"))
    with pytest.raises(RuntimeError):
        _neat_config(path)


def test_missing_section(tmp_path):
    path = _write(
        tmp_path, XOR_INI.read_text().replace("[DefaultStagnation]", "[DefaultStagnatio]")
    )
    with pytest.raises(ConfigError, match=r"\[DefaultStagnation\]: missing section") as info:
        load_config(path)
    assert str(path) in str(info.value)


def test_unknown_section(tmp_path):
    path = _write(tmp_path, XOR_INI.read_text() + "\n[Extra]\nfoo = 1\n")
    with pytest.raises(ConfigError, match=r"\[Extra\]: unknown section"):
        load_config(path)


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="no such neat-python config file") as info:
        load_config(tmp_path / "nope.ini")
    assert "nope.ini" in str(info.value)


@pytest.mark.parametrize(
    "text",
    ["num_inputs = 2\n[NEAT]\n", "[NEAT\npop_size = 3\n", "[NEAT]\npop_size = 3\npop_size = 4\n"],
)
def test_malformed_ini(tmp_path, text):
    path = _write(tmp_path, text)
    with pytest.raises(ConfigError, match="not a valid INI file") as info:
        load_config(path)
    assert str(path) in str(info.value)


def test_custom_genome_type_uses_its_section(tmp_path):
    class MyGenome(neat.DefaultGenome):
        pass

    path = _write(tmp_path, XOR_INI.read_text().replace("[DefaultGenome]", "[MyGenome]"))
    cfg = load_config(path, genome_type=MyGenome)
    assert cfg.genome_type is MyGenome and cfg.genome_config.num_inputs == 2
    with pytest.raises(ConfigError, match=r"\[DefaultGenome\]: missing section"):
        load_config(path)


def test_registered_custom_activation_is_accepted(tmp_path, monkeypatch):
    import torch

    from neuroevo.compile import functions

    path = _write(tmp_path, _replace("activation_options", "sigmoid my_act"))
    with pytest.raises(ConfigError, match="my_act"):
        load_config(path)
    monkeypatch.setitem(functions.ACTIVATIONS, "my_act", torch.tanh)
    assert load_config(path).genome_config.activation_options == ["sigmoid", "my_act"]


# --- experiment files ---------------------------------------------------------------------


def test_load_experiment_xor():
    exp = load_experiment(CONFIGS / "xor.toml")
    assert isinstance(exp, Experiment)
    assert (exp.task, exp.strategy) == ("xor", "neat")
    assert exp.strategy_params == {"config": "xor.ini"}
    assert exp.base_dir == CONFIGS
    assert exp.generations >= 1 and exp.dtype == "float32" and exp.stop_on_solve is True
    assert (exp.base_dir / exp.strategy_params["config"]).is_file()


GOOD = '[experiment]\ngenerations = 5\n[task]\nname = "xor"\n[strategy]\nname = "neat"\nconfig = "x.ini"\n'


@pytest.mark.parametrize(
    "text,words",
    [
        (GOOD + "[extra]\na = 1\n", ["'extra'", "[experiment]"]),
        (
            GOOD.replace("generations = 5", "generations = 5\ngens = 4"),
            ["[experiment] gens", "unknown"],
        ),
        (
            GOOD.replace("generations = 5", 'generations = "5"'),
            ["[experiment] generations", "integer"],
        ),
        (GOOD.replace("generations = 5", "generations = 0"), ["[experiment] generations", ">= 1"]),
        (GOOD.replace("generations = 5", "seed = 1"), ["[experiment] generations", "missing"]),
        (GOOD.replace('name = "xor"', 'n = "xor"'), ["[task] name"]),
        (GOOD.replace("[strategy]", "[strat]"), ["'strat'"]),
        (
            GOOD.replace("generations = 5", 'generations = 5\ndtype = "half"'),
            ["[experiment] dtype"],
        ),
        ("[experiment\n", ["not a valid TOML file"]),
    ],
)
def test_bad_experiment(tmp_path, text, words):
    p = tmp_path / "e.toml"
    p.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_experiment(p)
    msg = str(info.value)
    assert str(p) in msg
    for w in words:
        assert w in msg, (w, msg)


def test_experiment_extra_keys_go_to_task_and_strategy(tmp_path):
    p = tmp_path / "e.toml"
    p.write_text(GOOD.replace('name = "xor"', 'name = "parity"\nn_bits = 3') + "pop_size = 40\n")
    exp = load_experiment(p)
    assert exp.task_params == {"n_bits": 3}
    assert exp.strategy_params == {"config": "x.ini", "pop_size": 40}
    assert exp.seed is None and exp.device is None


# --- plug-in types that read another class's section (config_section, PluginConfig) -------


def _fast_types():
    from neuroevo.strategies.neat.genome import FastGenome
    from neuroevo.strategies.neat.reproduction import FastReproduction
    from neuroevo.strategies.neat.speciation import FastSpeciesSet

    return FastGenome, FastReproduction, FastSpeciesSet


def test_plugin_config_reads_neat_pythons_sections_under_honest_names(tmp_path):
    from neuroevo.config import PluginConfig, config_section

    genome, repro, species = _fast_types()
    assert [t.__name__ for t in (genome, repro, species)] == [
        "FastGenome",
        "FastReproduction",
        "FastSpeciesSet",
    ]
    assert [config_section(t) for t in (genome, repro, species, neat.DefaultStagnation)] == [
        "DefaultGenome",
        "DefaultReproduction",
        "DefaultSpeciesSet",
        "DefaultStagnation",
    ]
    with pytest.raises(Exception, match="FastGenome"):  # neat-python looks for [FastGenome]
        neat.Config(genome, repro, species, neat.DefaultStagnation, str(XOR_INI))
    ours = PluginConfig(genome, repro, species, neat.DefaultStagnation, str(XOR_INI))
    ref = _neat_config(XOR_INI)
    assert (ours.genome_type, ours.reproduction_type, ours.species_set_type) == (
        genome,
        repro,
        species,
    )
    assert _params(ours.genome_config) == _params(ref.genome_config)
    for part in ("species_set_config", "stagnation_config", "reproduction_config"):
        assert _params(getattr(ours, part)) == _params(getattr(ref, part))

    saved, ref_saved = tmp_path / "saved.ini", tmp_path / "ref.ini"
    ours.save(str(saved))
    ref.save(str(ref_saved))
    assert saved.read_text() == ref_saved.read_text()  # the file neat-python itself writes
    assert _neat_config(saved).reproduction_config.elitism == ref.reproduction_config.elitism


def test_load_config_honours_config_section():
    from neuroevo.config import PluginConfig

    genome, repro, species = _fast_types()
    cfg = load_config(
        XOR_INI, genome_type=genome, reproduction_type=repro, species_set_type=species
    )
    assert isinstance(cfg, PluginConfig) and isinstance(cfg, neat.Config)
    assert cfg.genome_type is genome and cfg.genome_config.num_inputs == 2
    assert type(load_config(XOR_INI)) is neat.Config  # default types: neat-python's class

    class MyGenome(neat.DefaultGenome):  # a user's plug-in, its own section
        pass

    with pytest.raises(ConfigError, match=r"\[MyGenome\]: missing section"):
        load_config(XOR_INI, genome_type=MyGenome)
    MyGenome.config_section = "DefaultGenome"
    assert load_config(XOR_INI, genome_type=MyGenome).genome_type is MyGenome


def test_plugin_config_with_types_copies_and_checks_roles():
    from neuroevo.config import PluginConfig

    genome, _, _ = _fast_types()
    base = load_config(XOR_INI)
    swapped = PluginConfig.with_types(base, genome_type=genome)
    assert swapped.genome_type is genome and base.genome_type is neat.DefaultGenome
    assert swapped.genome_config is base.genome_config
    with pytest.raises(ConfigError, match="genome_typ"):
        PluginConfig.with_types(base, genome_typ=genome)


def test_fitness_criterion_error_says_what_it_means():
    """neat-python 2.0's fitness_criterion is a termination statistic, never a direction."""
    text = XOR_INI.read_text().replace(
        "fitness_criterion      = max", "fitness_criterion      = minimise"
    )
    path = pathlib.Path(__import__("tempfile").mkdtemp()) / "c.ini"
    path.write_text(text)
    with pytest.raises(ConfigError, match="always maximised.*got 'minimise'"):
        load_config(path)
    assert load_config(XOR_INI).fitness_criterion == "max"
