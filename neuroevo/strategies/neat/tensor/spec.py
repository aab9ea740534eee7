"""The settings of a neat-python genome config, read once into plain data for the tensor engine.

neat-python's genes carry their attributes as a list of attribute objects
(``DefaultNodeGene._gene_attributes``: ``FloatAttribute('bias')``, ``FloatAttribute('response')``,
``StringAttribute('activation')``, ``StringAttribute('aggregation')``,
``FloatAttribute('time_constant')``; ``DefaultConnectionGene``: ``FloatAttribute('weight')``,
``BoolAttribute('enabled')``), each reading its INI keys through ``*_name`` fields
(``neat/attributes.py``). :class:`GeneSpec` reads those keys for one gene class, so the engine
follows whatever attributes the config's gene classes declare, as long as they are of these
three kinds. :class:`GenomeSpec` adds ``DefaultGenomeConfig``'s structural settings.

Example::

    spec = GenomeSpec.read(load_config("configs/xor.ini"))
    spec.conns.floats[0].name, spec.feed_forward        # ('weight', True)
"""

from __future__ import annotations

import dataclasses
from typing import Any

import neat
from neat.attributes import BoolAttribute, FloatAttribute, StringAttribute

from neuroevo.errors import ConfigError
from neuroevo.strategies.neat.mutation import BoolSettings, ChoiceSettings, FloatSettings

#: attributes the structural mutations set themselves (``mutate_add_node``: bias 0.0, weights
#: 1.0 and the split one's, enabled True / False): never constant, whatever the INI says
WRITTEN_BY_MUTATIONS = frozenset({"bias", "weight", "enabled"})


def _fixed_value(s: FloatSettings | BoolSettings | ChoiceSettings) -> Any:
    """The one value an attribute can ever hold under these settings, else ``None``."""
    if isinstance(s, FloatSettings):
        if s.uniform:
            lo = max(s.min_value, s.init_mean - 2 * s.init_stdev)
            hi = min(s.max_value, s.init_mean + 2 * s.init_stdev)
            value = lo if lo == hi else None
        else:
            value = min(max(s.init_mean, s.min_value), s.max_value) if s.init_stdev == 0 else None
        return value if value is not None and (s.mutate_rate <= 0 or s.mutate_power == 0) else None
    if isinstance(s, BoolSettings):
        moves = s.mutate_rate + max(s.rate_to_true_add, s.rate_to_false_add) > 0
        return None if moves or s.default == "random" else s.default == "true"
    if len(s.options) == 1:
        return s.options[0]
    return s.options[s.default] if s.mutate_rate <= 0 and s.default >= 0 else None


@dataclasses.dataclass(frozen=True)
class GeneSpec:
    """The attributes of one gene class, by kind, in the class's declaration order.

    ``floats``, ``bools`` and ``choices`` are the attributes that can vary; ``fixed`` holds
    those the settings pin to one value (e.g. ``response_init_stdev = 0`` with
    ``response_mutate_rate = 0``, or a single activation option), as ``(name, value)``: the
    engine stores no tensor for them.
    """

    floats: tuple[FloatSettings, ...]
    bools: tuple[BoolSettings, ...]
    choices: tuple[ChoiceSettings, ...]
    fixed: tuple[tuple[str, Any], ...] = ()

    @classmethod
    def read(cls, gene_type: type[Any], config: Any) -> GeneSpec:
        floats: list[FloatSettings] = []
        bools: list[BoolSettings] = []
        choices: list[ChoiceSettings] = []
        fixed: list[tuple[str, Any]] = []
        for attr in gene_type._gene_attributes:
            if isinstance(attr, FloatAttribute):
                s, kind = FloatSettings.read(attr, config), floats
            elif isinstance(attr, BoolAttribute):
                s, kind = BoolSettings.read(attr, config), bools
            elif isinstance(attr, StringAttribute):
                s, kind = ChoiceSettings.read(attr, config), choices
            else:
                raise ConfigError(
                    f"engine='tensor': {gene_type.__name__} has attribute {attr.name!r} of type "
                    f"{type(attr).__name__}; the tensor engine handles float, bool and string "
                    "attributes only -- use the default engine for this gene class"
                )
            value = None if attr.name in WRITTEN_BY_MUTATIONS else _fixed_value(s)
            if value is None:
                kind.append(s)  # type: ignore[arg-type]  # the list of s's kind
            else:
                fixed.append((attr.name, value))
        return cls(tuple(floats), tuple(bools), tuple(choices), tuple(fixed))

    @property
    def names(self) -> tuple[str, ...]:
        """The attributes that vary (those with a tensor)."""
        return tuple(s.name for s in self.floats + self.bools + self.choices)

    def float_named(self, name: str) -> FloatSettings | None:
        return next((s for s in self.floats if s.name == name), None)

    def choice_names(self, name: str) -> tuple[str, ...]:
        """The option names a string attribute's codes index (one name when it is fixed)."""
        fixed = dict(self.fixed)
        if name in fixed:
            return (fixed[name],)
        return next(s.options for s in self.choices if s.name == name)


@dataclasses.dataclass(frozen=True)
class GenomeSpec:
    """Everything the tensor engine reads from a ``neat.Config`` (genome and [NEAT] sections)."""

    num_inputs: int
    num_outputs: int
    num_hidden: int
    feed_forward: bool
    initial_connection: str
    connection_fraction: float | None
    compatibility_disjoint_coefficient: float
    compatibility_weight_coefficient: float
    conn_add_prob: float
    conn_delete_prob: float
    node_add_prob: float
    node_delete_prob: float
    single_structural_mutation: bool
    structural_mutation_surer: bool
    nodes: GeneSpec
    conns: GeneSpec

    @classmethod
    def read(cls, config: neat.Config) -> GenomeSpec:
        """Read ``config.genome_config``; refuse configs the engine does not implement."""
        gc = config.genome_config
        if not issubclass(config.genome_type, neat.DefaultGenome):
            raise ConfigError(
                f"engine='tensor' implements neat.DefaultGenome; the config names "
                f"{config.genome_type.__name__} -- use the default engine"
            )
        for want, got in (
            (neat.DefaultReproduction, config.reproduction_type),
            (neat.DefaultSpeciesSet, config.species_set_type),
            (neat.DefaultStagnation, config.stagnation_type),
        ):
            if not issubclass(got, want):
                raise ConfigError(
                    f"engine='tensor' implements {want.__name__}; the config names "
                    f"{got.__name__} -- use the default engine"
                )
        conns = GeneSpec.read(gc.connection_gene_type, gc)
        if conns.float_named("weight") is None or "enabled" not in [b.name for b in conns.bools]:
            raise ConfigError(
                "engine='tensor': connection genes need a float 'weight' and a "
                "bool 'enabled' attribute, as neat.DefaultConnectionGene has"
            )
        return cls(
            num_inputs=int(gc.num_inputs),
            num_outputs=int(gc.num_outputs),
            num_hidden=int(gc.num_hidden),
            feed_forward=bool(gc.feed_forward),
            initial_connection=str(gc.initial_connection),
            connection_fraction=gc.connection_fraction,
            compatibility_disjoint_coefficient=float(gc.compatibility_disjoint_coefficient),
            compatibility_weight_coefficient=float(gc.compatibility_weight_coefficient),
            conn_add_prob=float(gc.conn_add_prob),
            conn_delete_prob=float(gc.conn_delete_prob),
            node_add_prob=float(gc.node_add_prob),
            node_delete_prob=float(gc.node_delete_prob),
            single_structural_mutation=bool(gc.single_structural_mutation),
            structural_mutation_surer=bool(gc.check_structural_mutation_surer()),
            nodes=GeneSpec.read(gc.node_gene_type, gc),
            conns=conns,
        )


__all__ = ["BoolSettings", "ChoiceSettings", "GeneSpec", "GenomeSpec"]
