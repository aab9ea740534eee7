"""evolve's keywords to a backend: the default, the names, and one-line errors."""

from __future__ import annotations

import sys

import pytest

import neuroevo as ne
from neuroevo.errors import ConfigError
from neuroevo.parallel import SerialBackend, make_backend
from neuroevo.parallel.processes import ProcessBackend


def test_defaults():
    assert isinstance(make_backend(), SerialBackend)
    backend = make_backend(workers=3)
    assert isinstance(backend, ProcessBackend) and backend.workers == 3
    assert make_backend(backend="process").workers >= 1  # one per core
    same = SerialBackend()
    assert make_backend(backend=same) is same


@pytest.mark.parametrize("kwargs, match", [
    (dict(workers=0), "workers: expected a positive integer, got 0"),
    (dict(workers=True), "workers: expected a positive integer"),
    (dict(workers=2.0), "workers: expected a positive integer"),
    (dict(backend="threads"), "unknown 'threads'; use one of \\['serial', 'process', 'ray'\\]"),
    (dict(backend="process", address="auto"), "address='auto' is for backend 'ray'"),
    (dict(backend="serial", workers=2), "workers=2 needs backend 'process' or 'ray'"),
    (dict(backend=SerialBackend(), workers=2), "either a Backend object or workers="),
])
def test_bad_keywords_name_the_fix(kwargs, match):
    with pytest.raises(ConfigError, match=match):
        make_backend(**kwargs)


def test_ray_missing_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray -> ImportError
    with pytest.raises(ConfigError) as info:
        ne.evolve(ne.NEAT("configs/xor.ini"), ne.tasks.XOR(), generations=1, backend="ray")
    assert str(info.value) == 'backend "ray" needs Ray: pip install "neuroevo[ray]"'
