"""neat-python's gene attribute operators, applied to whole arrays of genes at once.

neat-python 2.0 mutates one attribute of one gene per call (``neat.attributes``):

* a float attribute (weight, bias, response, time constant): with probability
  ``mutate_rate`` add ``N(0, mutate_power)`` and clamp to ``[min_value, max_value]``; else
  with probability ``replace_rate`` draw a fresh value from the init distribution
  (``init_type`` gaussian: ``N(init_mean, init_stdev)`` clamped; uniform:
  ``U(max(min_value, mean - 2 stdev), min(max_value, mean + 2 stdev))``); else keep it;
* a bool attribute (``enabled``): with probability ``mutate_rate`` plus ``rate_to_false_add``
  (when true) or ``rate_to_true_add`` (when false), set it to a fair coin flip;
* a string attribute (activation, aggregation): with probability ``mutate_rate`` set it to
  a uniform choice among ``options``.

The functions here apply the same rules to a numpy array of values, drawing from a
``numpy.random.Generator``: the same distributions, not the same numbers as Python's
``random``. They read the settings from a neat-python ``DefaultGenomeConfig`` through the
attribute objects' own ``*_name`` fields, so they follow neat-python's INI keys.

Example::

    import numpy as np
    from neat.genes import DefaultConnectionGene
    weight = DefaultConnectionGene._gene_attributes[0]
    w = mutate_floats(np.zeros(5), FloatSettings.read(weight, genome_config),
                      np.random.default_rng(0))
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from neuroevo.errors import ConfigError

__all__ = ["FloatSettings", "mutate_floats", "mutate_bools", "mutate_choices"]


@dataclass(frozen=True)
class FloatSettings:
    """One float attribute's mutation and init settings, read once per generation."""

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
    def read(cls, attr: Any, config: Any) -> "FloatSettings":
        """Settings of neat-python ``FloatAttribute`` ``attr`` from a genome config."""
        init_type = str(getattr(config, attr.init_type_name)).lower()
        if "gauss" in init_type or "normal" in init_type:
            uniform = False
        elif "uniform" in init_type:
            uniform = True
        else:
            raise ConfigError(
                f"[DefaultGenome] {attr.init_type_name} = {init_type!r}: expected 'gaussian' "
                "(or 'normal') or 'uniform'")
        return cls(attr.name, *(float(getattr(config, n)) for n in (
            attr.mutate_rate_name, attr.replace_rate_name, attr.mutate_power_name,
            attr.min_value_name, attr.max_value_name, attr.init_mean_name,
            attr.init_stdev_name)), uniform)

    def init(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """``n`` fresh values from the init distribution (``FloatAttribute.init_value``)."""
        if self.uniform:
            lo = max(self.min_value, self.init_mean - 2 * self.init_stdev)
            hi = min(self.max_value, self.init_mean + 2 * self.init_stdev)
            return rng.uniform(lo, hi, n)
        return np.clip(rng.normal(self.init_mean, self.init_stdev, n),
                       self.min_value, self.max_value)


def mutate_floats(values: np.ndarray, s: FloatSettings, rng: np.random.Generator) -> np.ndarray:
    """``FloatAttribute.mutate_value`` applied to every element (a new array)."""
    n = values.shape[0]
    if n == 0 or (s.mutate_rate <= 0 and s.replace_rate <= 0):
        return values
    r = rng.random(n)
    out = values.copy()
    perturb = r < s.mutate_rate
    k = int(perturb.sum())
    if k:
        out[perturb] = np.clip(values[perturb] + rng.normal(0.0, s.mutate_power, k),
                               s.min_value, s.max_value)
    replace = ~perturb & (r < s.replace_rate + s.mutate_rate)   # summed as neat-python does
    k = int(replace.sum())
    if k:
        out[replace] = s.init(k, rng)
    return out


def mutate_bools(values: np.ndarray, mutate_rate: float, to_false_add: float,
                 to_true_add: float, rng: np.random.Generator) -> np.ndarray:
    """``BoolAttribute.mutate_value`` applied to every element (a new array)."""
    n = values.shape[0]
    rate = mutate_rate + np.where(values, to_false_add, to_true_add)
    if n == 0 or not (rate > 0).any():
        return values
    flip = (rate > 0) & (rng.random(n) < rate)
    out = values.copy()
    k = int(flip.sum())
    if k:
        out[flip] = rng.random(k) < 0.5
    return out


def mutate_choices(codes: np.ndarray, mutate_rate: float, option_codes: np.ndarray,
                   rng: np.random.Generator) -> np.ndarray:
    """``StringAttribute.mutate_value`` on integer codes: a uniform option at ``mutate_rate``."""
    n = codes.shape[0]
    if n == 0 or mutate_rate <= 0:
        return codes
    hit = rng.random(n) < mutate_rate
    k = int(hit.sum())
    if not k:
        return codes
    out = codes.copy()
    out[hit] = option_codes[rng.integers(0, len(option_codes), k)]
    return out
