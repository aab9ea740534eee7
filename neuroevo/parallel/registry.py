"""The one list of backend names: what each is, what it needs installed, how it starts.

Every place that takes a backend name reads it from here: :func:`neuroevo.evolve`
(``backend=``, through :func:`~neuroevo.parallel.make.make_backend`), the ``--backend``
option of ``neuroevo run`` / ``resume``, the ``[parallel] backend`` key of experiment
files, :class:`~neuroevo.Islands` and :func:`~neuroevo.local_sgd`. Their error messages
list the names from here too, so a backend added here is accepted and named everywhere it
applies.

A name serves one or more *uses*:

* ``"evaluation"`` -- scores a generation's candidates (:class:`~neuroevo.parallel.backend.Backend`);
  ``target`` is the class that :func:`~neuroevo.parallel.make.make_backend` builds;
* ``"islands"`` -- runs :class:`~neuroevo.Islands`;
* ``"local_sgd"`` -- runs :func:`~neuroevo.local_sgd`'s replicas.

Example::

    backend_names("evaluation")          # ('serial', 'process', 'ray')
    install_line("ray")                  # 'backend "ray" needs Ray: pip install "neuroevo[ray]"'
    unknown_backend("rey", "islands", "Islands backend")
    # "Islands backend: unknown 'rey' (did you mean 'ray'?); use one of ['ray', 'local']"
"""

from __future__ import annotations

import dataclasses

from neuroevo.errors import did_you_mean

#: the uses a backend name can serve (see the module docstring)
USES = ("evaluation", "islands", "local_sgd")


@dataclasses.dataclass(frozen=True)
class BackendInfo:
    """One backend name: what it is (one line), the pip extra it needs and how it starts.

    The fields in order: ``name``, ``description``, ``extra``, ``needs``, ``starts``,
    ``uses``, ``target``, ``takes``."""

    name: str
    #: one line: where the work runs
    description: str
    #: the ``neuroevo[...]`` extra that installs what it needs (``None``: nothing beyond neuroevo)
    extra: str | None
    #: what the extra installs, as messages name it (``"Ray"``)
    needs: str | None
    #: how it starts, one line (what a user sees happen, and what can fail)
    starts: str
    #: the uses it serves (:data:`USES`)
    uses: tuple[str, ...]
    #: ``"module:Class"`` of the evaluation backend (``None`` when not used for evaluation)
    target: str | None = None
    #: the keywords of :func:`~neuroevo.parallel.make.make_backend` its class takes
    takes: tuple[str, ...] = ()


#: name -> :class:`BackendInfo`, in the order help texts and error messages list them
REGISTRY: dict[str, BackendInfo] = {
    info.name: info
    for info in (
        BackendInfo(
            "serial",
            "this process",
            None,
            None,
            "nothing to start: task.evaluate in this process",
            ("evaluation",),
            "neuroevo.parallel.backend:SerialBackend",
        ),
        BackendInfo(
            "process",
            "worker processes on this machine",
            None,
            None,
            "N worker processes from multiprocessing's forkserver (spawn where there is "
            "none) when the backend starts",
            ("evaluation",),
            "neuroevo.parallel.processes:ProcessBackend",
            ("workers",),
        ),
        BackendInfo(
            "ray",
            "Ray actors, on this machine or a cluster",
            "ray",
            "Ray",
            "ray.init(address) on first use (a local Ray, or the cluster at address), "
            "then one actor per worker or island",
            ("evaluation", "islands", "local_sgd"),
            "neuroevo.parallel.ray_backend:RayBackend",
            ("workers", "address"),
        ),
        BackendInfo(
            "local",
            "one after the other in this process",
            None,
            None,
            "nothing to start: each island or replica runs in turn in this process",
            ("islands", "local_sgd"),
        ),
    )
}


def backend_names(use: str) -> tuple[str, ...]:
    """The names that serve ``use`` (``"evaluation"``, ``"islands"``, ``"local_sgd"``)."""
    if use not in USES:
        raise ValueError(f"backend use {use!r}: expected one of {list(USES)}")
    return tuple(name for name, info in REGISTRY.items() if use in info.uses)


def unknown_backend(name: object, use: str, where: str, *, extra: str = "") -> str:
    """The one-line error for a ``name`` that does not serve ``use``, said of ``where``
    (``"backend"``, ``"Islands backend"`` ...): the names to use instead, from
    :data:`REGISTRY`; ``extra`` adds another way out (``"or a Backend object"``)."""
    names = list(backend_names(use))
    hint = did_you_mean(name, names) if isinstance(name, str) else ""
    return f"{where}: unknown {name!r}{hint}; use one of {names}{' ' + extra if extra else ''}"


def install_line(name: str) -> str:
    """What to install for backend ``name`` (one line): ``backend "ray" needs Ray: pip
    install "neuroevo[ray]"``."""
    info = REGISTRY[name]
    if info.extra is None:
        return f'backend "{name}" needs nothing beyond neuroevo'
    return f'backend "{name}" needs {info.needs}: pip install "neuroevo[{info.extra}]"'


def describe(use: str) -> str:
    """The names that serve ``use`` with their one-line descriptions, for help texts:
    ``serial (this process), process (worker processes on this machine) or ray (...)``."""
    parts = [f"{n} ({REGISTRY[n].description})" for n in backend_names(use)]
    return ", ".join(parts[:-1]) + " or " + parts[-1] if len(parts) > 1 else parts[0]


__all__ = [
    "REGISTRY",
    "USES",
    "BackendInfo",
    "backend_names",
    "describe",
    "install_line",
    "unknown_backend",
]
