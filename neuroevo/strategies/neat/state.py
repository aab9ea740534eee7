"""The complete resumable state of a ``neat.Population`` as plain JSON data.

neat-python's own ``neat.Checkpointer`` pickles the population; this module writes the
same state as data, so that loading a checkpoint cannot execute code, and so that a
resumed run continues *exactly* as the uninterrupted one would have:

* genomes, in the population's dictionary order (neat-python draws parents and mutation
  sites from lists built in that order);
* the species set: every species' members (in order), representative, fitness,
  adjusted fitness, fitness history, ``created`` and ``last_improved``, the
  genome-to-species map and the next species id;
* reproduction: the next genome id, the ancestors map and the innovation tracker
  (global counter and this generation's innovations, Stanley & Miikkulainen 2002, p. 108);
* the genome config's node indexer (the next hidden-node id lives on the config in
  neat-python 2.0);
* the generation counter and the best genome so far;
* Python's ``random.getstate()``: neat-python draws every random number from the global
  ``random`` module (:class:`~neuroevo.strategies.neat.strategy.PythonNEAT` saves and restores
  inside its own stream's block, so there it is the run's own stream; see runtime.py).

Loading checks the state as a whole before it touches the config: types and int64 ranges,
species that partition the population (as neat-python's ``speciate`` leaves them), and
counters beyond the ids in use. A crafted or inconsistent state raises
:class:`~neuroevo.CheckpointError` naming the field, not an error deep inside neat-python at
the next generation.

Genomes referenced from several places (species members, representatives, the best
genome) are stored once and referenced by key when they are the very object held in the
population, so that object identity -- which neat-python relies on when it re-evaluates
elites -- is preserved.

Example::

    import json, neat
    from neuroevo.strategies.neat.state import population_to_dict, population_from_dict
    text = json.dumps(population_to_dict(pop))
    pop2 = population_from_dict(json.loads(text), config)   # also restores random's state
    pop2.run(eval_genomes, 10)
"""

from __future__ import annotations

import random
import re
from itertools import count
from typing import Any

import neat
from neat.innovation import InnovationTracker
from neat.species import Species

from neuroevo.errors import CheckpointError
from neuroevo.io import state_checks as sc
from neuroevo.io.genome_json import decode_float, encode_float, genome_from_dict, genome_to_dict

FORMAT = "neuroevo.neat_population"
VERSION = 1
_COUNT_RE = re.compile(r"^count\((-?\d+)\)$")


# --------------------------------------------------------------------------- helpers


def peek_count(counter: Any) -> int | None:
    """Next value an ``itertools.count`` (step 1) will yield, without consuming it."""
    if counter is None:
        return None
    m = _COUNT_RE.match(repr(counter))
    if m is None:
        raise CheckpointError(
            f"cannot save counter {counter!r}: only itertools.count with step 1 is supported"
        )
    return int(m.group(1))


def random_state_to_json(state: tuple) -> list:
    """``random.getstate()`` as JSON data: ``[version, [625 ints], gauss_next]``."""
    version, internal, gauss_next = state
    return [version, list(internal), gauss_next]


def random_state_from_json(data: Any, where: str) -> tuple:
    """Inverse of :func:`random_state_to_json`, validated."""
    ok = (
        isinstance(data, list)
        and len(data) == 3
        and isinstance(data[0], int)
        and isinstance(data[1], list)
        and all(isinstance(v, int) and not isinstance(v, bool) for v in data[1])
        and (data[2] is None or isinstance(data[2], float))
    )
    if not ok:
        raise CheckpointError(f"{where}: random_state is malformed; the checkpoint is corrupted")
    state = (data[0], tuple(data[1]), data[2])
    try:
        random.Random().setstate(state)  # validate without touching the global generator
    except (ValueError, TypeError, OverflowError) as e:
        raise CheckpointError(
            f"{where}: random_state is invalid ({e}); the checkpoint is corrupted"
        ) from None
    return state


def _get(d: Any, key: str, types: type, where: str) -> Any:
    """``d[key]``, an integer in int64's range (``types`` is ``int``) or a ``types``."""
    v = sc.field(d, key, where)
    if types is int:
        return sc.check_int(v, f"{where}.{key}")
    if not isinstance(v, types):
        raise CheckpointError(f"{where}.{key}: expected a {types.__name__}, got {sc.describe(v)}")
    return v


def _int_or_none(v: Any, where: str) -> int | None:
    return None if v is None else sc.check_int(v, where)


def _is_int64(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and sc.is_scalar_data(v)


def _int_pair(pair: Any) -> bool:
    """Whether ``pair`` is ``[int, int]`` (int64)."""
    return isinstance(pair, list) and len(pair) == 2 and all(map(_is_int64, pair))


# --------------------------------------------------------------------------- saving


def population_to_dict(pop: neat.Population) -> dict[str, Any]:
    """Return the complete resumable state of ``pop`` (and ``random``'s state) as JSON data.

    Example::

        pop.run(eval_genomes, 5)
        state = population_to_dict(pop)
    """
    population = pop.population

    def ref(genome: Any) -> dict[str, Any] | None:
        if genome is None:
            return None
        if population.get(genome.key) is genome:
            return {"ref": genome.key}
        return {"genome": genome_to_dict(genome)}

    species_set = pop.species
    species = []
    for sid, s in species_set.species.items():
        species.append(
            {
                "key": sid,
                "created": s.created,
                "last_improved": s.last_improved,
                "representative": ref(s.representative),
                "members": [ref(m) for m in s.members.values()],
                "fitness": encode_float(s.fitness),
                "adjusted_fitness": encode_float(s.adjusted_fitness),
                "fitness_history": [encode_float(f) for f in s.fitness_history],
            }
        )
    repro = pop.reproduction
    tracker = getattr(repro, "innovation_tracker", None)
    gc = pop.config.genome_config
    return {
        "format": FORMAT,
        "version": VERSION,
        "generation": pop.generation,
        "genomes": [genome_to_dict(g) for g in population.values()],
        "best_genome": ref(pop.best_genome),
        "species": species,
        "species_indexer": peek_count(getattr(species_set, "indexer", None)),
        "genome_to_species": [[g, s] for g, s in species_set.genome_to_species.items()],
        "genome_indexer": peek_count(getattr(repro, "genome_indexer", None)),
        "ancestors": [[g, list(p)] for g, p in getattr(repro, "ancestors", {}).items()],
        "innovation_tracker": None
        if tracker is None
        else {
            "global_counter": tracker.global_counter,
            "generation_innovations": [
                [i, o, t, n] for (i, o, t), n in tracker.generation_innovations.items()
            ],
        },
        "node_indexer": peek_count(getattr(gc, "node_indexer", None)),
        "random_state": random_state_to_json(random.getstate()),
    }


# --------------------------------------------------------------------------- loading


def population_from_dict(
    d: Any, config: neat.Config, *, restore_random: bool = True, source: str = "population state"
) -> neat.Population:
    """Rebuild a ``neat.Population`` from :func:`population_to_dict`'s output.

    With ``restore_random`` (default) the global ``random`` state is restored too, so that
    ``pop.run`` continues exactly where the saved run stopped. The config must be the one the
    run used (same INI file); its node indexer and innovation tracker are set from the data.

    Example::

        pop = population_from_dict(state, neat.Config(...))
        pop.run(eval_genomes, 10)
    """
    where = source
    fmt = d.get("format") if isinstance(d, dict) else None
    if fmt != FORMAT:
        raise CheckpointError(f"{where}: format is {fmt!r}, expected {FORMAT!r}")
    version = _get(d, "version", int, where)
    if version != VERSION:
        raise CheckpointError(f"{where}: unsupported version {version}; upgrade neuroevo")
    generation = _get(d, "generation", int, where)
    gc = config.genome_config
    gtype = config.genome_type

    population: dict[int, Any] = {}
    for i, gd in enumerate(_get(d, "genomes", list, where)):
        g = genome_from_dict(gd, gc, genome_type=gtype, source=f"{where}: genomes[{i}]")
        if not isinstance(g.key, int) or g.key in population:
            raise CheckpointError(f"{where}: genomes[{i}]: key {g.key!r} missing or duplicated")
        population[g.key] = g
    if not population:
        raise CheckpointError(f"{where}: genomes: the population is empty")

    def deref(r: Any, w: str, *, optional: bool = False) -> Any:
        if r is None and optional:
            return None
        if isinstance(r, dict) and "ref" in r:
            k = r["ref"]
            if not isinstance(k, int) or isinstance(k, bool) or k not in population:
                raise CheckpointError(
                    f"{w}: reference to genome {sc.describe(k)} not in the population"
                )
            return population[k]
        if isinstance(r, dict) and "genome" in r:
            return genome_from_dict(r["genome"], gc, genome_type=gtype, source=w)
        raise CheckpointError(
            f"{w}: expected {{'ref': key}} or {{'genome': ...}}, got {sc.describe(r)}"
        )

    species_set = config.species_set_type(config.species_set_config, None)
    for j, sd in enumerate(_get(d, "species", list, where)):
        w = f"{where}: species[{j}]"
        sid = _get(sd, "key", int, w)
        s = Species(sid, _get(sd, "created", int, w))
        s.last_improved = _get(sd, "last_improved", int, w)
        s.representative = deref(sd.get("representative"), f"{w}.representative")
        members = [
            deref(m, f"{w}.members[{k}]") for k, m in enumerate(_get(sd, "members", list, w))
        ]
        s.members = {m.key: m for m in members}
        s.fitness = decode_float(sd.get("fitness"), f"{w}.fitness")
        s.adjusted_fitness = decode_float(sd.get("adjusted_fitness"), f"{w}.adjusted_fitness")
        s.fitness_history = [
            sc.check_float(decode_float(f, f"{w}.fitness_history"), f"{w}.fitness_history")
            for f in _get(sd, "fitness_history", list, w)
        ]
        species_set.species[sid] = s
    g2s = {}
    for pair in _get(d, "genome_to_species", list, where):
        if not _int_pair(pair):
            raise CheckpointError(
                f"{where}.genome_to_species: bad entry {sc.describe(pair)} "
                "(expected [genome key, species key])"
            )
        g2s[pair[0]] = pair[1]
    _check_species(population, species_set.species, g2s, where)
    species_set.genome_to_species = g2s
    ancestors = {}
    for pair in _get(d, "ancestors", list, where):
        if not (
            isinstance(pair, list)
            and len(pair) == 2
            and _is_int64(pair[0])
            and isinstance(pair[1], list)
            and all(map(_is_int64, pair[1]))
        ):
            raise CheckpointError(
                f"{where}.ancestors: bad entry {sc.describe(pair)} "
                "(expected [genome key, [parent keys]])"
            )
        ancestors[pair[0]] = tuple(pair[1])
    tracker = _tracker(d.get("innovation_tracker"), f"{where}.innovation_tracker")
    indexers = {
        name: _int_or_none(d.get(name), f"{where}.{name}")
        for name in ("species_indexer", "genome_indexer", "node_indexer")
    }
    _check_counters(population, species_set.species, tracker, indexers, where)
    best = deref(d.get("best_genome"), f"{where}.best_genome", optional=True)
    rstate = random_state_from_json(d.get("random_state"), where)

    # everything checked: build the population (this sets up the config's trackers)
    if indexers["species_indexer"] is not None:
        species_set.indexer = count(indexers["species_indexer"])
    pop = neat.Population(config, initial_state=(population, species_set, generation))
    repro = pop.reproduction
    if indexers["genome_indexer"] is not None:
        repro.genome_indexer = count(indexers["genome_indexer"])
    if hasattr(repro, "ancestors"):
        repro.ancestors = ancestors
    if tracker is not None:
        repro.innovation_tracker = tracker
        gc.innovation_tracker = tracker
    nxt = indexers["node_indexer"]
    gc.node_indexer = count(nxt) if nxt is not None else None
    pop.best_genome = best
    if restore_random:
        random.setstate(rstate)
    return pop


def _tracker(td: Any, w: str) -> InnovationTracker | None:
    """The innovation tracker of :func:`population_to_dict`'s ``innovation_tracker``."""
    if td is None:
        return None
    tracker = InnovationTracker(
        sc.check_int(sc.field(td, "global_counter", w), f"{w}.global_counter", ge=0)
    )
    for entry in _get(td, "generation_innovations", list, w):
        if not (
            isinstance(entry, list)
            and len(entry) == 4
            and _int_pair(entry[:2])
            and isinstance(entry[2], str)
            and _is_int64(entry[3])
            and 0 < entry[3] <= tracker.global_counter
        ):
            raise CheckpointError(
                f"{w}.generation_innovations: bad entry {sc.describe(entry)} "
                "(expected [in node, out node, mutation type, innovation "
                "number <= global_counter])"
            )
        tracker.generation_innovations[(entry[0], entry[1], entry[2])] = entry[3]
    return tracker


def _check_species(
    population: dict[int, Any],
    species: dict[int, Species],
    genome_to_species: dict[int, int],
    where: str,
) -> None:
    """The species partition the population, as neat-python's ``speciate`` leaves them
    (between generations): each has members, each genome is a member of exactly one, and
    ``genome_to_species`` says which."""
    owner: dict[int, int] = {}
    for sid, s in species.items():
        if not s.members:
            raise CheckpointError(f"{where}: species {sid} has no members")
        for key, m in s.members.items():
            if population.get(key) is not m or key in owner:
                raise CheckpointError(
                    f"{where}: species {sid}: member {key} is not a genome of "
                    "the population or is in two species"
                )
            owner[key] = sid
    if set(owner) != set(population):
        missing = sorted(set(population) - set(owner))[:5]
        raise CheckpointError(f"{where}: species: genomes {missing} are in no species")
    if genome_to_species != owner:
        raise CheckpointError(f"{where}.genome_to_species: does not match the species' members")


def _check_counters(
    population: dict[int, Any],
    species: dict[int, Species],
    tracker: InnovationTracker | None,
    indexers: dict[str, int | None],
    where: str,
) -> None:
    """The counters that hand out new ids are beyond the ids in use (neat-python hands them
    out in increasing order; a smaller one would give two genes, genomes or species one id)."""
    in_use = {
        "species_indexer": max(species, default=None),
        "genome_indexer": max(population),
        "node_indexer": max((k for g in population.values() for k in g.nodes), default=None),
    }
    for name, nxt in indexers.items():
        used = in_use[name]
        if nxt is not None and used is not None and nxt <= used:
            raise CheckpointError(
                f"{where}.{name}: the next id {nxt} is not beyond the largest "
                f"in use, {in_use[name]}"
            )
    if tracker is not None:
        used = max(
            (
                c.innovation
                for g in population.values()
                for c in g.connections.values()
                if isinstance(getattr(c, "innovation", None), int)
            ),
            default=0,
        )
        if tracker.global_counter < used:
            raise CheckpointError(
                f"{where}.innovation_tracker.global_counter: "
                f"{tracker.global_counter} is below innovation {used}, in use"
            )


__all__ = ["population_to_dict", "population_from_dict"]
