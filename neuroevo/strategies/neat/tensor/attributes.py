"""neat-python's gene attribute operators on whole tensors of genes (``neat/attributes.py``).

* ``FloatAttribute.init_value``: ``init_type`` gaussian -> ``N(init_mean, init_stdev)``
  clamped to ``[min_value, max_value]``; uniform -> ``U(max(min_value, mean - 2 stdev),
  min(max_value, mean + 2 stdev))``.
* ``FloatAttribute.mutate_value``: one ``r = random()``; ``r < mutate_rate`` -> add
  ``N(0, mutate_power)`` and clamp; else ``r < replace_rate + mutate_rate`` -> a fresh
  ``init_value``; else unchanged.
* ``BoolAttribute``: init from ``default`` (true / false / a fair coin for random);
  mutation with probability ``mutate_rate`` plus ``rate_to_false_add`` (if true) or
  ``rate_to_true_add`` (if false) sets a fair coin flip.
* ``StringAttribute``: init to ``default`` or a uniform option for random; mutation with
  probability ``mutate_rate`` sets a uniform option.
* ``BaseGene.crossover`` (``neat/genes.py``): each attribute from the first (fitter) parent
  when ``random() > 0.5``, else from the second.

The distributions are neat-python's; the random numbers are not (one ``torch.Generator``,
one tensor of draws per attribute for all genes at once, drawn for every slot including
padding, instead of Python's ``random`` gene by gene).
"""

from __future__ import annotations

import torch

from neuroevo.strategies.neat.mutation import FloatSettings
from neuroevo.strategies.neat.tensor.spec import BoolSettings, ChoiceSettings, GeneSpec

Tensor = torch.Tensor


def _rand(
    shape: tuple[int, ...], gen: torch.Generator, dtype: torch.dtype, device: torch.device
) -> Tensor:
    return torch.rand(shape, generator=gen, dtype=dtype, device=device)


def init_float(
    s: FloatSettings,
    shape: tuple[int, ...],
    gen: torch.Generator,
    dtype: torch.dtype,
    device: torch.device,
) -> Tensor:
    """``FloatAttribute.init_value`` for every element of a tensor of ``shape``."""
    if s.uniform:
        lo = max(s.min_value, s.init_mean - 2 * s.init_stdev)
        hi = min(s.max_value, s.init_mean + 2 * s.init_stdev)
        return lo + (hi - lo) * _rand(shape, gen, dtype, device)
    x = torch.randn(shape, generator=gen, dtype=dtype, device=device)
    return (s.init_mean + s.init_stdev * x).clamp_(s.min_value, s.max_value)


def init_bool(
    s: BoolSettings, shape: tuple[int, ...], gen: torch.Generator, device: torch.device
) -> Tensor:
    """``BoolAttribute.init_value``."""
    if s.default == "random":
        return _rand(shape, gen, torch.float32, device) < 0.5
    return torch.full(shape, s.default == "true", dtype=torch.bool, device=device)


def init_choice(
    s: ChoiceSettings, shape: tuple[int, ...], gen: torch.Generator, device: torch.device
) -> Tensor:
    """``StringAttribute.init_value`` as option codes."""
    if s.default < 0:
        return torch.randint(len(s.options), shape, generator=gen, device=device, dtype=torch.int16)
    return torch.full(shape, s.default, dtype=torch.int16, device=device)


def init_genes(
    spec: GeneSpec,
    shape: tuple[int, ...],
    gen: torch.Generator,
    dtype: torch.dtype,
    device: torch.device,
) -> dict[str, Tensor]:
    """Fresh values of every attribute of a gene class (``BaseGene.init_attributes``)."""
    out = {s.name: init_float(s, shape, gen, dtype, device) for s in spec.floats}
    out.update({s.name: init_bool(s, shape, gen, device) for s in spec.bools})
    out.update({s.name: init_choice(s, shape, gen, device) for s in spec.choices})
    return out


def mutate_float(v: Tensor, s: FloatSettings, gen: torch.Generator) -> Tensor:
    """``FloatAttribute.mutate_value`` on every element (a new tensor)."""
    if s.mutate_rate <= 0 and s.replace_rate <= 0:
        return v
    r = _rand(v.shape, gen, v.dtype, v.device)
    out = v
    if s.mutate_rate > 0:
        perturbed = v + s.mutate_power * torch.randn(
            v.shape, generator=gen, dtype=v.dtype, device=v.device
        )
        out = torch.where(r < s.mutate_rate, perturbed.clamp_(s.min_value, s.max_value), v)
    if s.replace_rate > 0:
        replace = (r >= s.mutate_rate) & (r < s.replace_rate + s.mutate_rate)
        n = int(replace.sum())
        if n:
            out = out.masked_scatter(replace, init_float(s, (n,), gen, v.dtype, v.device))
    return out


def mutate_bool(v: Tensor, s: BoolSettings, gen: torch.Generator) -> Tensor:
    """``BoolAttribute.mutate_value``."""
    if s.mutate_rate + max(s.rate_to_true_add, s.rate_to_false_add) <= 0:
        return v
    rate = s.mutate_rate + torch.where(v, s.rate_to_false_add, s.rate_to_true_add)
    hit = (rate > 0) & (_rand(v.shape, gen, torch.float32, v.device) < rate)
    n = int(hit.sum())
    if not n:
        return v
    return v.masked_scatter(hit, _rand((n,), gen, torch.float32, v.device) < 0.5)


def mutate_choice(v: Tensor, s: ChoiceSettings, gen: torch.Generator) -> Tensor:
    """``StringAttribute.mutate_value`` on option codes."""
    if s.mutate_rate <= 0:
        return v
    hit = _rand(v.shape, gen, torch.float32, v.device) < s.mutate_rate
    n = int(hit.sum())
    if not n:
        return v
    pick = torch.randint(len(s.options), (n,), generator=gen, device=v.device, dtype=v.dtype)
    return v.masked_scatter(hit, pick)


def mutate_genes(
    cols: dict[str, Tensor], spec: GeneSpec, valid: Tensor, gen: torch.Generator
) -> None:
    """``BaseGene.mutate`` on every gene where ``valid`` (the dict's tensors are replaced)."""
    for settings, fn in (
        (spec.floats, mutate_float),
        (spec.bools, mutate_bool),
        (spec.choices, mutate_choice),
    ):
        for s in settings:
            col = cols[s.name]
            values = col[valid]
            new = fn(values, s, gen)  # type: ignore[arg-type]  # each fn its own settings
            if new is not values:
                cols[s.name] = col.masked_scatter(valid, new)


def cross_genes(
    first: dict[str, Tensor],
    second: dict[str, Tensor],
    matched: Tensor,
    spec: GeneSpec,
    gen: torch.Generator,
) -> dict[str, Tensor]:
    """``BaseGene.crossover``: where ``matched``, each attribute from ``first`` with
    probability 1/2 (``random() > 0.5``) else from ``second``; elsewhere ``first``'s.
    (Coins are drawn only where the parents' values differ: elsewhere either gives the same.)"""
    out = dict(first)
    for name in spec.names:
        a, b = first[name], second[name]
        differ = matched & (a != b)
        n = int(differ.sum())
        if n:
            coins = _rand((n,), gen, torch.float32, a.device) <= 0.5
            out[name] = torch.where(differ.masked_scatter(differ, coins), b, a)
    return out


__all__ = [
    "init_float",
    "init_bool",
    "init_choice",
    "init_genes",
    "mutate_float",
    "mutate_bool",
    "mutate_choice",
    "mutate_genes",
    "cross_genes",
]
