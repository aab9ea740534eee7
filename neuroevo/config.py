"""Load neat-python INI configs and neuroevo experiment files, with errors that name the key.

neat-python reads its INI files itself; :func:`load_config` checks every section and key
first, so that a typo or a bad value gives one :class:`~neuroevo.errors.ConfigError` that
names the file, the section and the key and says what is expected -- never a neat-python
traceback. It also checks what neat-python leaves to run time (``pop_size >= 2``, known
activation and aggregation names, probabilities in ``[0, 1]`` ...).

``fitness_criterion`` (``max``, ``min`` or ``mean``) is what neat-python 2.0 makes of it
(``neat/population.py``): the statistic of a generation's fitness values that is compared
with ``fitness_threshold`` to declare a solution (``found_solution``, and the end of
``Population.run``). It is never the direction of optimisation: neat-python -- selection,
elites, stagnation, the best genome -- and every neuroevo strategy always maximise fitness
(tasks return larger-is-better fitness). ``min`` therefore means "every genome of the
generation reaches the threshold", not "minimise the fitness"; to minimise a loss, return its
negative.

neat-python finds a plug-in's settings in the INI section named after the class
(``type.__name__``). A plug-in that reads another class's section says so with a
``config_section`` attribute (neuroevo's ``FastGenome`` reads ``[DefaultGenome]``);
:class:`PluginConfig` and :func:`load_config` honour it.

Experiment files (TOML) are read by :mod:`neuroevo.run.experiment_file`.
"""

from __future__ import annotations

import configparser
import copy
import difflib
import pathlib
import re
from collections.abc import Callable, Mapping
from typing import Any

import neat

from neuroevo.errors import ConfigError, did_you_mean

PathLike = str | pathlib.Path

_TYPE_WORDS = {
    int: "an integer",
    float: "a number",
    bool: "True or False",
    str: "a string",
    list: "a space-separated list",
}
_FITNESS_CRITERIA = ("max", "min", "mean")


# --- neat-python INI ---------------------------------------------------------------------


def _hint(key: str, known: list[str]) -> str:
    return did_you_mean(key, known)


def _where(path: pathlib.Path, section: str, key: str | None = None) -> str:
    return f"{path} [{section}]" + (f" {key}" if key else "")


def _convert(path: pathlib.Path, section: str, key: str, raw: str, kind: type) -> Any:
    """Parse ``raw`` as neat-python would, with a ConfigError naming the key on failure."""
    text = raw.strip()
    try:
        if kind is bool:
            if text.lower() not in ("true", "false"):
                raise ValueError
            return text.lower() == "true"
        if kind is int:
            return int(text)
        if kind is float:
            return float(text)
    except ValueError:
        raise ConfigError(
            f"{_where(path, section, key)}: expected {_TYPE_WORDS[kind]}, got {raw!r}"
        ) from None
    return text


def _check_neat_section(path: pathlib.Path, items: Mapping[str, str]) -> None:
    """The [NEAT] section, checked against neat-python's own parameter list."""
    params = {p.name: p for p in neat.Config._Config__params}
    for key in items:
        if key not in params:
            raise ConfigError(
                f"{_where(path, 'NEAT', key)}: unknown key{_hint(key, list(params))}; "
                f"known keys: {', '.join(params)}"
            )
    for name, p in params.items():
        if name not in items:
            if p.optional:
                continue
            example = {
                "no_fitness_termination": "False",
                "reset_on_extinction": "False",
                "fitness_criterion": "max",
                "pop_size": "150",
            }.get(name, "...")
            raise ConfigError(
                f"{_where(path, 'NEAT', name)}: missing; neat-python requires it "
                f"(expected {_TYPE_WORDS[p.value_type]}, e.g. {name} = {example})"
            )
        _convert(path, "NEAT", name, items[name], p.value_type)
    crit = items["fitness_criterion"].strip()
    if crit not in _FITNESS_CRITERIA:
        raise ConfigError(
            f"{_where(path, 'NEAT', 'fitness_criterion')}: expected one of "
            f"{', '.join(_FITNESS_CRITERIA)} (the statistic of a generation's fitness that must "
            f"reach fitness_threshold; fitness is always maximised), got {crit!r}"
        )


# neat-python's messages name the key in these forms; anything else is reported as it is.
_MISSING = re.compile(r"Missing required configuration item.*'(\w+)'")
_BAD_VALUE = re.compile(
    r"Error interpreting config item '(\w+)' with value (.*) and type <class '(\w+)'>"
)
_UNKNOWN = re.compile(r"Unknown configuration items?:?\s*(\w+)")
_BAD_DEFAULT = re.compile(r"Invalid initial value (\S+) for (\w+)")


def _translate(
    path: pathlib.Path, section: str, err: Exception, items: Mapping[str, str]
) -> ConfigError:
    """Turn a neat-python parse error into a ConfigError naming file, section and key."""
    msg = str(err).strip() or type(err).__name__
    m = _MISSING.search(msg)
    if m:
        key = m.group(1)
        close = difflib.get_close_matches(key, [k for k in items if k != key], n=1)
        typo = f" (the file has {close[0]!r}: a typo?)" if close else ""
        return ConfigError(f"{_where(path, section, key)}: missing; neat-python requires it{typo}")
    m = _BAD_VALUE.search(msg)
    if m:
        kind: Any = {"int": int, "float": float, "bool": bool, "str": str, "list": list}.get(
            m.group(3)
        )
        want = _TYPE_WORDS.get(kind, m.group(3))
        return ConfigError(
            f"{_where(path, section, m.group(1))}: expected {want}, got {m.group(2)}"
        )
    m = _UNKNOWN.search(msg)
    if m:
        return ConfigError(
            f"{_where(path, section, m.group(1))}: unknown key; remove it or fix its name"
        )
    m = _BAD_DEFAULT.search(msg)
    if m:
        return ConfigError(
            f"{_where(path, section, m.group(2) + '_default')}: {m.group(1)!r} is not one of "
            f"{m.group(2)}_options; add it there or use 'random'"
        )
    return ConfigError(f"{_where(path, section)}: {msg}")


def _precheck_genome(path: pathlib.Path, section: str, items: Mapping[str, str]) -> None:
    """What neat-python's DefaultGenomeConfig checks with a bare assert or an unnamed error."""
    ic = items.get("initial_connection")
    allowed = neat.genome.DefaultGenomeConfig.allowed_connectivity
    if ic is not None:
        words = ic.split()
        if not words or words[0] not in allowed or ("partial" in words[0]) != (len(words) == 2):
            raise ConfigError(
                f"{_where(path, section, 'initial_connection')}: expected one of "
                f"{', '.join(allowed)} (partial* followed by a fraction in [0, 1]), got {ic!r}"
            )
    for key in items:
        if key.endswith("_min_value") and key[: -len("min_value")] + "max_value" in items:
            other = key[: -len("min_value")] + "max_value"
            try:
                lo, hi = float(items[key]), float(items[other])
            except ValueError:
                continue  # reported with its key by neat-python's own parse
            if lo > hi:
                raise ConfigError(
                    f"{_where(path, section, key)}: {lo} is above {other} = {hi}; "
                    "swap them or fix one"
                )


def _check_genome_values(
    path: pathlib.Path, section: str, gc: Any, items: Mapping[str, str]
) -> None:
    """Checks neat-python leaves to run time, for DefaultGenomeConfig-like configs."""
    from neuroevo.compile.functions import ACTIVATIONS, AGGREGATIONS

    known_keys = [p.name for p in getattr(gc, "_params", [])]
    if known_keys:
        for key in items:
            if key not in known_keys and key not in ("node_gene_type", "connection_gene_type"):
                raise ConfigError(
                    f"{_where(path, section, key)}: unknown key{_hint(key, known_keys)}; "
                    "neat-python would ignore it silently"
                )
    for key, low in (("num_inputs", 1), ("num_outputs", 1), ("num_hidden", 0)):
        if hasattr(gc, key) and getattr(gc, key) < low:
            raise ConfigError(
                f"{_where(path, section, key)}: expected an integer >= {low}, got {getattr(gc, key)}"
            )
    for key in known_keys:
        if key.endswith(("_rate", "_prob")) and not 0.0 <= float(getattr(gc, key)) <= 1.0:
            raise ConfigError(
                f"{_where(path, section, key)}: expected a probability in [0, 1], "
                f"got {getattr(gc, key)}"
            )
    for attr, table, register in (
        ("activation", ACTIVATIONS, "register_activation"),
        ("aggregation", AGGREGATIONS, "register_aggregation"),
    ):
        options = getattr(gc, f"{attr}_options", None)
        if options is None:
            continue
        options = [o for o in options if o]
        if not options:
            raise ConfigError(
                f"{_where(path, section, attr + '_options')}: empty; list at least one name, "
                f"e.g. {attr}_options = {'sigmoid' if attr == 'activation' else 'sum'}"
            )
        for name in options:
            if name not in table:
                raise ConfigError(
                    f"{_where(path, section, attr + '_options')}: unknown {attr} {name!r}"
                    f"{_hint(name, sorted(table))}; known: {', '.join(sorted(table))}. "
                    f"Custom functions: neuroevo.compile.functions.{register}(name, fn) "
                    "before loading"
                )


def _check_class_values(path: pathlib.Path, section: str, cfg: Any) -> None:
    """Value ranges for the default reproduction, species-set and stagnation sections."""
    rules: dict[str, tuple[Callable[[Any], bool], str]] = {
        "compatibility_threshold": (lambda v: v > 0, "a number > 0"),
        "elitism": (lambda v: v >= 0, "an integer >= 0"),
        "survival_threshold": (lambda v: 0 < v <= 1, "a number in (0, 1]"),
        "min_species_size": (lambda v: v >= 1, "an integer >= 1"),
        "max_stagnation": (lambda v: v >= 1, "an integer >= 1"),
        "species_elitism": (lambda v: v >= 0, "an integer >= 0"),
    }
    for key, (ok, want) in rules.items():
        if hasattr(cfg, key) and not ok(getattr(cfg, key)):
            raise ConfigError(
                f"{_where(path, section, key)}: expected {want}, got {getattr(cfg, key)}"
            )
    func = getattr(cfg, "species_fitness_func", None)
    if func is not None:
        from neat.math_util import stat_functions

        if func not in stat_functions:
            raise ConfigError(
                f"{_where(path, section, 'species_fitness_func')}: expected one of "
                f"{', '.join(sorted(stat_functions))}, got {func!r}"
            )


# --- plug-in types and their INI sections -------------------------------------------------


def config_section(plugin_type: type) -> str:
    """The INI section a neat-python plug-in type reads its settings from.

    Its ``config_section`` attribute when it has one, else its class name (neat-python's
    own rule, ``neat/config.py``).

    Example::

        config_section(neat.DefaultGenome)      # 'DefaultGenome'
        config_section(neuroevo.FastGenome)     # 'DefaultGenome'
    """
    return getattr(plugin_type, "config_section", None) or plugin_type.__name__


_ROLES = ("genome_type", "reproduction_type", "species_set_type", "stagnation_type")


class _Section:
    """What ``neat.Config`` uses of a plug-in type while it reads or writes its section."""

    def __init__(self, plugin_type: type[Any]) -> None:
        self.__name__ = config_section(plugin_type)
        self.parse_config = plugin_type.parse_config
        self.write_config = plugin_type.write_config


class PluginConfig(neat.Config):  # type: ignore[misc]  # neat-python is untyped
    """A ``neat.Config`` that finds each plug-in's settings in its :func:`config_section`.

    ``neat.Config`` reads ``[type.__name__]``; this subclass reads ``[config_section(type)]``
    and ``save`` writes that section name, so a plug-in such as ``FastGenome`` (settings of
    ``[DefaultGenome]``) works with neat-python INI files under its own class name.
    Everything else is ``neat.Config``'s: same arguments, same attributes.

    Example::

        config = PluginConfig(FastGenome, neat.DefaultReproduction, FastSpeciesSet,
                              neat.DefaultStagnation, "xor.ini")
        config.genome_type is FastGenome         # True; settings from [DefaultGenome]
    """

    def __init__(
        self,
        genome_type: type,
        reproduction_type: type,
        species_set_type: type,
        stagnation_type: type,
        filename: str,
        config_information: Any = None,
    ) -> None:
        types = (genome_type, reproduction_type, species_set_type, stagnation_type)
        super().__init__(*(_Section(t) for t in types), filename, config_information)
        for role, t in zip(_ROLES, types):
            setattr(self, role, t)

    @classmethod
    def with_types(cls, config: neat.Config, **types: type) -> PluginConfig:
        """A shallow copy of ``config`` with some plug-in types replaced (``genome_type=...``).

        The parsed settings are kept as they are, so a replacement must read the same
        section with the same ``parse_config`` as the type it replaces.
        """
        unknown = sorted(set(types) - set(_ROLES))
        if unknown:
            raise ConfigError(
                f"PluginConfig.with_types: unknown role(s) {unknown}; "
                f"expected some of {', '.join(_ROLES)}"
            )
        new = cls.__new__(cls)
        new.__dict__.update(config.__dict__)
        for role, t in types.items():
            setattr(new, role, t)
        return new

    def save(self, filename: str) -> None:
        """Write the config as ``neat.Config.save`` does, each section under its INI name."""
        view = copy.copy(self)
        for role in _ROLES:
            setattr(view, role, _Section(getattr(self, role)))
        neat.Config.save(view, filename)


def load_config(
    path: PathLike,
    *,
    species_set_type: type | None = None,
    reproduction_type: type | None = None,
    genome_type: type | None = None,
    stagnation_type: type | None = None,
) -> neat.Config:
    """Read a neat-python INI file into a ``neat.Config``, checking every key first.

    The types default to neat-python's ``DefaultGenome``, ``DefaultReproduction``,
    ``DefaultSpeciesSet`` and ``DefaultStagnation`` (pass your own as neat-python's
    plug-in points; each reads its :func:`config_section`, and the result is a
    :class:`PluginConfig` when one of them reads another class's section). Any problem raises :class:`~neuroevo.errors.ConfigError` naming the
    file, the section and the key.

    Example::

        import neuroevo as ne
        cfg = ne.load_config("configs/xor.ini")
        cfg.pop_size, cfg.genome_config.num_inputs       # (150, 2)
    """
    types: dict[str, Any] = {
        "genome": genome_type or neat.DefaultGenome,
        "reproduction": reproduction_type or neat.DefaultReproduction,
        "species_set": species_set_type or neat.DefaultSpeciesSet,
        "stagnation": stagnation_type or neat.DefaultStagnation,
    }
    p = pathlib.Path(path)
    if not p.is_file():
        raise ConfigError(f"{p}: no such neat-python config file (looked in {p.resolve().parent})")
    parser = configparser.ConfigParser()
    try:
        with open(p, encoding="utf-8") as f:
            parser.read_file(f)
    except (configparser.Error, UnicodeDecodeError) as e:
        detail = " ".join(str(e).split())
        raise ConfigError(f"{p}: not a valid INI file: {detail}") from None

    names = {role: config_section(t) for role, t in types.items()}
    sections = ["NEAT"] + list(names.values())
    for s in sections:
        if not parser.has_section(s):
            raise ConfigError(
                f"{p} [{s}]: missing section; a neat-python config needs the sections "
                f"{', '.join('[' + x + ']' for x in sections)}"
            )
    for s in parser.sections():
        if s not in sections:
            raise ConfigError(
                f"{p} [{s}]: unknown section{_hint(s, sections)}; expected only "
                f"{', '.join('[' + x + ']' for x in sections)}"
            )

    neat_items = _items(parser, p, "NEAT")
    _check_neat_section(p, neat_items)
    gname = names["genome"]
    _precheck_genome(p, gname, _items(parser, p, gname))

    # neat-python parses each type's section with its own parse_config; run them one by one
    # so that a failure is attributed to its section.
    parsed: dict[str, Any] = {}
    for role, t in types.items():
        items = _items(parser, p, names[role])
        try:
            parsed[role] = t.parse_config(dict(items))
        except Exception as e:  # neat-python raises bare Exception, RuntimeError, ...
            raise _translate(p, names[role], e, items) from None
        if role == "genome":
            _check_genome_values(p, names[role], parsed[role], items)
        else:
            _check_class_values(p, names[role], parsed[role])

    renamed = any(name != types[role].__name__ for role, name in names.items())
    config_type = PluginConfig if renamed else neat.Config
    try:
        config = config_type(
            types["genome"],
            types["reproduction"],
            types["species_set"],
            types["stagnation"],
            str(p),
        )
    except Exception as e:  # anything the checks above did not foresee
        raise ConfigError(f"{p}: neat-python rejected the file: {e}") from None
    if config.pop_size < 2:
        raise ConfigError(
            f"{_where(p, 'NEAT', 'pop_size')}: expected an integer >= 2, got {config.pop_size}"
        )
    return config


def _items(parser: configparser.ConfigParser, p: pathlib.Path, section: str) -> dict[str, str]:
    """A section's values; a stray ``%`` (configparser's interpolation) is a ConfigError."""
    try:
        return dict(parser.items(section))
    except configparser.InterpolationError as e:
        detail = " ".join(str(e).split())
        raise ConfigError(f"{p} [{section}]: {detail}; write a literal % as %%") from None


__all__ = ["load_config", "config_section", "PluginConfig"]
