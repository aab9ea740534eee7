"""``evolve``'s keywords (``workers``, ``backend``, ``address``) to a backend object."""

from __future__ import annotations

from neuroevo._lazy import resolve
from neuroevo.errors import ConfigError
from neuroevo.parallel.backend import BACKENDS, Backend
from neuroevo.parallel.registry import REGISTRY, unknown_backend


def make_backend(
    *, workers: int | None = None, backend: str | Backend | None = None, address: str | None = None
) -> Backend:
    """The backend for ``evolve(workers=, backend=, address=)``.

    ``backend=None`` is ``"process"`` when ``workers`` is given, else ``"serial"``.
    ``workers=None`` means one per CPU core (``"process"``) or one per free CPU of the Ray
    cluster (``"ray"``), no more than the population's candidates. ``address`` is for Ray
    only. A :class:`Backend` object is returned as it is.
    """
    if isinstance(backend, Backend):
        if workers is not None or address is not None:
            raise ConfigError(
                "evolve: give either a Backend object or workers=/address=, "
                "not both (the object already has its workers)"
            )
        return backend
    if workers is not None and (
        isinstance(workers, bool) or not isinstance(workers, int) or workers < 1
    ):
        raise ConfigError(f"workers: expected a positive integer, got {workers!r}")
    name = backend if backend is not None else ("process" if workers is not None else "serial")
    if name not in BACKENDS:
        raise ConfigError(
            unknown_backend(
                name, "evaluation", "backend", extra="or a neuroevo.parallel.Backend object"
            )
        )
    if address is not None and name != "ray":
        raise ConfigError(
            f"address={address!r} is for backend 'ray' (a Ray cluster); "
            f"backend {name!r} runs on this machine: drop address"
        )
    if name == "serial" and workers not in (None, 1):
        raise ConfigError(
            f"workers={workers} needs backend 'process' or 'ray'; the "
            "serial backend evaluates in this process"
        )
    info = REGISTRY[name]
    given = {"workers": workers, "address": address}
    cls = resolve(info.target)  # imports Ray only for "ray"
    return cls(**{key: given[key] for key in info.takes})


__all__ = ["make_backend"]
