"""neat-python's gene attribute mutation: the settings, read once, and the operators.

neat-python 2.0 mutates one attribute of one gene per call (``neat/attributes.py``):

* a float attribute (weight, bias, response, time constant): ``r = random()``; if
  ``r < mutate_rate`` add ``N(0, mutate_power)`` and clamp to ``[min_value, max_value]``;
  else if ``r < replace_rate + mutate_rate`` draw a fresh value from the init distribution
  (``init_type`` gaussian: ``N(init_mean, init_stdev)`` clamped; uniform:
  ``U(max(min_value, mean - 2 stdev), min(max_value, mean + 2 stdev))``); else keep it;
* a bool attribute (``enabled``): with probability ``mutate_rate`` plus
  ``rate_to_false_add`` (when true) or ``rate_to_true_add`` (when false), a fair coin flip;
* a string attribute (activation, aggregation): with probability ``mutate_rate``, a uniform
  choice among ``options``.

:class:`MutationSettings` holds every value these rules and ``DefaultGenome.mutate`` read
from a genome config -- the one place they are read. Each rule then has two operators, side
by side:

* scalar (:func:`mutate_float`, :func:`mutate_bool`, :func:`mutate_choice`): Python's
  ``random``, the same numbers in the same order as neat-python, so a genome mutated with
  them equals one mutated by neat-python (:class:`~neuroevo.strategies.neat.genome.FastGenome`);
* vectorised (:func:`mutate_floats`, :func:`mutate_bools`, :func:`mutate_choices`): numpy
  arrays and a ``numpy.random.Generator``, the same distributions but other numbers
  (:mod:`~neuroevo.strategies.neat.offspring`).

Example::

    s = MutationSettings.of(config.genome_config)
    w = mutate_float(0.3, s.weight)                                  # like neat-python
    ws = mutate_floats(np.zeros(5), s.weight, np.random.default_rng(0))
"""

from __future__ import annotations

from dataclasses import dataclass
from operator import attrgetter
from random import choice, gauss, random, uniform
from typing import Any

import numpy as np

from neuroevo.errors import ConfigError
from neuroevo.strategies.neat.genes import CONNECTION_ATTRIBUTES, NODE_ATTRIBUTES

__all__ = [
    "FloatSettings",
    "BoolSettings",
    "ChoiceSettings",
    "MutationSettings",
    "mutate_float",
    "mutate_bool",
    "mutate_choice",
    "mutate_floats",
    "mutate_bools",
    "mutate_choices",
]

_TRUE, _FALSE, _RANDOM = ("1", "on", "yes", "true"), ("0", "off", "no", "false"), ("random", "none")


@dataclass(frozen=True)
class FloatSettings:
    """One float attribute's mutation and init settings (``neat.attributes.FloatAttribute``)."""

    name: str
    mutate_rate: float
    replace_rate: float
    mutate_power: float
    min_value: float
    max_value: float
    init_mean: float
    init_stdev: float
    uniform: bool

    @classmethod
    def read(cls, attr: Any, config: Any) -> FloatSettings:
        """Settings of neat-python ``FloatAttribute`` ``attr`` from a genome config."""
        init_type = str(getattr(config, attr.init_type_name)).lower()
        if "gauss" in init_type or "normal" in init_type:
            is_uniform = False
        elif "uniform" in init_type:
            is_uniform = True
        else:
            raise ConfigError(
                f"[DefaultGenome] {attr.init_type_name} = {init_type!r}: expected 'gaussian' "
                "(or 'normal') or 'uniform'"
            )
        return cls(  # type: ignore[call-arg]  # mypy cannot count the starred floats
            attr.name,
            *(  # type: ignore[arg-type]
                float(getattr(config, n))
                for n in (
                    attr.mutate_rate_name,
                    attr.replace_rate_name,
                    attr.mutate_power_name,
                    attr.min_value_name,
                    attr.max_value_name,
                    attr.init_mean_name,
                    attr.init_stdev_name,
                )
            ),
            is_uniform,
        )

    def uniform_bounds(self) -> tuple[float, float]:
        """``init_type = uniform``'s interval, as ``FloatAttribute.init_value`` computes it."""
        return (
            max(self.min_value, self.init_mean - (2 * self.init_stdev)),
            min(self.max_value, self.init_mean + (2 * self.init_stdev)),
        )

    def init_value(self) -> float:
        """One fresh value from Python's ``random``, as ``FloatAttribute.init_value``."""
        if self.uniform:
            return uniform(*self.uniform_bounds())
        return max(min(gauss(self.init_mean, self.init_stdev), self.max_value), self.min_value)

    def init(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """``n`` fresh values from ``rng`` (the same distribution as :meth:`init_value`)."""
        if self.uniform:
            return rng.uniform(*self.uniform_bounds(), n)
        return np.clip(
            rng.normal(self.init_mean, self.init_stdev, n), self.min_value, self.max_value
        )


@dataclass(frozen=True)
class BoolSettings:
    """One bool attribute's settings (``neat.attributes.BoolAttribute``)."""

    name: str
    default: str  # "true", "false" or "random" (init_value's three cases)
    mutate_rate: float
    rate_to_true_add: float
    rate_to_false_add: float

    @classmethod
    def read(cls, attr: Any, config: Any) -> BoolSettings:
        """Settings of neat-python ``BoolAttribute`` ``attr`` from a genome config."""
        default = str(getattr(config, attr.default_name)).lower()
        kind = (
            "true"
            if default in _TRUE
            else "false"
            if default in _FALSE
            else "random"
            if default in _RANDOM
            else None
        )
        if kind is None:
            raise ConfigError(
                f"[DefaultGenome] {attr.default_name} = {default!r}: expected True, False or random"
            )
        return cls(
            attr.name,
            kind,
            float(getattr(config, attr.mutate_rate_name)),
            float(getattr(config, attr.rate_to_true_add_name)),
            float(getattr(config, attr.rate_to_false_add_name)),
        )


@dataclass(frozen=True)
class ChoiceSettings:
    """One string attribute's settings (``neat.attributes.StringAttribute``)."""

    name: str
    options: tuple[str, ...]
    default: int  # index of the default option, -1 for "random" / "none"
    mutate_rate: float

    @classmethod
    def read(cls, attr: Any, config: Any) -> ChoiceSettings:
        """Settings of neat-python ``StringAttribute`` ``attr`` from a genome config."""
        options = tuple(str(o) for o in getattr(config, attr.options_name))
        if not options:
            raise ConfigError(f"[DefaultGenome] {attr.options_name} is empty; list at least one")
        default = str(getattr(config, attr.default_name))
        if default.lower() in _RANDOM:
            code = -1
        elif default in options:
            code = options.index(default)
        else:
            raise ConfigError(
                f"[DefaultGenome] {attr.default_name} = {default!r} is not one of "
                f"{attr.options_name} = {' '.join(options)}; add it there"
            )
        return cls(attr.name, options, code, float(getattr(config, attr.mutate_rate_name)))

    def code(self, value: str) -> int:
        """The index of ``value`` in ``options`` (a ConfigError naming the attribute if absent)."""
        try:
            return self.options.index(value)
        except ValueError:
            raise ConfigError(
                f"a genome has {self.name} = {value!r}, which is not in "
                f"{self.name}_options ({' '.join(self.options)}); add it there"
            ) from None


def _names(attr: Any) -> list[str]:
    """The config keys of one attribute (``weight_mutate_rate`` ...)."""
    return [getattr(attr, n) for n in sorted(vars(attr)) if n.endswith("_name")]


# Every key MutationSettings reads, fetched in one C-level call to tell whether a config
# still holds the values its settings were built from.
_STRUCTURAL = (
    "node_add_prob",
    "node_delete_prob",
    "conn_add_prob",
    "conn_delete_prob",
    "single_structural_mutation",
)
_KEYS = attrgetter(
    *_STRUCTURAL, *(n for a in (*CONNECTION_ATTRIBUTES, *NODE_ATTRIBUTES) for n in _names(a))
)
_CACHE = "_neuroevo_mutation_settings"  # attribute on the genome config (per config)


@dataclass(frozen=True)
class MutationSettings:
    """Everything ``DefaultGenome.mutate`` reads from a ``DefaultGenomeConfig``.

    For neat-python 2.0's default genes (see :func:`~neuroevo.strategies.neat.genes.default_genes`).
    :meth:`of` caches the settings on the genome config itself and rebuilds them when any
    of its values has changed, so reading them per genome costs one attribute fetch.
    """

    weight: FloatSettings
    enabled: BoolSettings
    bias: FloatSettings
    response: FloatSettings
    activation: ChoiceSettings
    aggregation: ChoiceSettings
    time_constant: FloatSettings
    node_add_prob: float
    node_delete_prob: float
    conn_add_prob: float
    conn_delete_prob: float
    single_structural_mutation: bool

    @property
    def node_floats(self) -> tuple[FloatSettings, FloatSettings, FloatSettings]:
        """bias, response, time_constant (the node genes' float attributes)."""
        return self.bias, self.response, self.time_constant

    @classmethod
    def read(cls, genome_config: Any) -> MutationSettings:
        """Read the settings from ``genome_config`` (no cache)."""
        weight, enabled = CONNECTION_ATTRIBUTES
        bias, response, activation, aggregation, time_constant = NODE_ATTRIBUTES
        gc = genome_config
        return cls(  # type: ignore[call-arg]  # mypy cannot count the starred floats
            FloatSettings.read(weight, gc),
            BoolSettings.read(enabled, gc),
            FloatSettings.read(bias, gc),
            FloatSettings.read(response, gc),
            ChoiceSettings.read(activation, gc),
            ChoiceSettings.read(aggregation, gc),
            FloatSettings.read(time_constant, gc),
            *(float(getattr(gc, k)) for k in _STRUCTURAL[:4]),  # type: ignore[arg-type]
            bool(gc.single_structural_mutation),
        )

    @classmethod
    def of(cls, genome_config: Any) -> MutationSettings:
        """The settings of ``genome_config``, cached on it while its values stay the same.

        Example::

            s = MutationSettings.of(config.genome_config)
            s.weight.mutate_rate == config.genome_config.weight_mutate_rate    # True
        """
        values = _KEYS(genome_config)
        cached = genome_config.__dict__.get(_CACHE)
        if cached is not None and cached[0] == values:
            return cached[1]
        settings = cls.read(genome_config)
        # copy the option lists: a list changed in place must not look unchanged
        key = tuple(list(v) if isinstance(v, list) else v for v in values)
        genome_config.__dict__[_CACHE] = (key, settings)
        return settings


# --- scalar operators: Python's random, neat-python's draws --------------------------------


def mutate_float(value: float, s: FloatSettings) -> float:
    """``FloatAttribute.mutate_value``: the same draws from ``random`` as neat-python."""
    r = random()
    if r < s.mutate_rate:
        return max(min(value + gauss(0.0, s.mutate_power), s.max_value), s.min_value)
    if r < s.replace_rate + s.mutate_rate:  # summed in neat-python's order
        return s.init_value()
    return value


def mutate_bool(value: bool, s: BoolSettings) -> bool:
    """``BoolAttribute.mutate_value``: the same draws from ``random`` as neat-python."""
    rate = s.mutate_rate + (s.rate_to_false_add if value else s.rate_to_true_add)
    if rate > 0 and random() < rate:
        return random() < 0.5
    return value


def mutate_choice(value: str, s: ChoiceSettings) -> str:
    """``StringAttribute.mutate_value``: the same draws from ``random`` as neat-python."""
    if s.mutate_rate > 0 and random() < s.mutate_rate:
        return choice(s.options)
    return value


# --- vectorised operators: numpy arrays, a numpy Generator ---------------------------------


def mutate_floats(values: np.ndarray, s: FloatSettings, rng: np.random.Generator) -> np.ndarray:
    """:func:`mutate_float` applied to every element (a new array; numpy's draws)."""
    n: int = values.shape[0]
    if n == 0 or (s.mutate_rate <= 0 and s.replace_rate <= 0):
        return values
    r = rng.random(n)
    out = values.copy()
    perturb = r < s.mutate_rate
    k = int(perturb.sum())
    if k:
        out[perturb] = np.clip(
            values[perturb] + rng.normal(0.0, s.mutate_power, k), s.min_value, s.max_value
        )
    replace = ~perturb & (r < s.replace_rate + s.mutate_rate)
    k = int(replace.sum())
    if k:
        out[replace] = s.init(k, rng)
    return out


def mutate_bools(values: np.ndarray, s: BoolSettings, rng: np.random.Generator) -> np.ndarray:
    """:func:`mutate_bool` applied to every element (a new array; numpy's draws)."""
    n = values.shape[0]
    rate = s.mutate_rate + np.where(values, s.rate_to_false_add, s.rate_to_true_add)
    if n == 0 or not (rate > 0).any():
        return values
    flip = (rate > 0) & (rng.random(n) < rate)
    out = values.copy()
    k = int(flip.sum())
    if k:
        out[flip] = rng.random(k) < 0.5
    return out


def mutate_choices(
    codes: np.ndarray, s: ChoiceSettings, option_codes: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """:func:`mutate_choice` on integer codes, ``option_codes`` standing for ``s.options``."""
    n: int = codes.shape[0]
    if n == 0 or s.mutate_rate <= 0:
        return codes
    hit = rng.random(n) < s.mutate_rate
    k = int(hit.sum())
    if not k:
        return codes
    out = codes.copy()
    out[hit] = option_codes[rng.integers(0, len(option_codes), k)]
    return out
