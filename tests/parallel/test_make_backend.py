"""evolve's keywords to a backend: the default, the names, and one-line errors."""

from __future__ import annotations

import sys

import pytest
import torch

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


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(workers=0), "workers: expected a positive integer, got 0"),
        (dict(workers=True), "workers: expected a positive integer"),
        (dict(workers=2.0), "workers: expected a positive integer"),
        (dict(backend="threads"), "unknown 'threads'; use one of \\['serial', 'process', 'ray'\\]"),
        (dict(backend="process", address="auto"), "address='auto' is for backend 'ray'"),
        (dict(backend="serial", workers=2), "workers=2 needs backend 'process' or 'ray'"),
        (dict(backend=SerialBackend(), workers=2), "either a Backend object or workers="),
    ],
)
def test_bad_keywords_name_the_fix(kwargs, match):
    with pytest.raises(ConfigError, match=match):
        make_backend(**kwargs)


def test_ray_missing_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray -> ImportError
    with pytest.raises(ConfigError) as info:
        ne.evolve(ne.NEAT("configs/xor.ini"), ne.tasks.XOR(), generations=1, backend="ray")
    assert str(info.value) == 'backend "ray" needs Ray: pip install "neuroevo[ray]"'


def _no_process_starts(monkeypatch):
    """Any worker process started from here on fails the test."""
    from neuroevo.parallel.processes import ProcessPool

    def refuse(self, worker):
        raise AssertionError("a worker process was started")

    monkeypatch.setattr(ProcessPool, "_start", refuse)


@pytest.mark.parametrize(
    "make, match",
    [
        (
            lambda: ne.NEAT("configs/xor.ini", engine="tensor"),
            r"^backend 'process' .*NEAT's tensor engine \(TensorNEAT\) cannot be cut into slices",
        ),
        (
            lambda: ne.NEAT(
                "configs/xor.ini", refine=ne.GradientRefinement(ne.tasks.XOR(), steps=1)
            ),
            r"^backend 'process': NEAT with gradient refinement trains the genomes in the driver",
        ),
        (
            lambda: ne.GA(ne.MLP(2, [3], 1), pop_size=10),
            r"^workers=40: the population has 10 candidates and a worker evaluates one at least; "
            r"use 10 workers or fewer \(--workers 10\)$",
        ),
    ],
)
def test_what_workers_cannot_run_is_refused_before_any_starts(monkeypatch, make, match):
    _no_process_starts(monkeypatch)
    with pytest.raises(ConfigError, match=match):
        ne.evolve(
            make(),
            ne.tasks.XOR(),
            generations=1,
            seed=1,
            device="cpu",
            workers=40 if "workers=40" in match else 2,
        )


def test_a_default_worker_count_is_cut_to_the_population():
    """workers=None means one per core: no more than the population's candidates."""
    strategy = ne.GradientDescent(ne.MLP(2, [3], 1), task=ne.tasks.XOR(), restarts=1)
    strategy.setup(
        num_inputs=2, num_outputs=1, seed=1, device=torch.device("cpu"), dtype=torch.float32
    )
    backend = ProcessBackend(threads=1)
    backend.check(strategy)
    assert backend.workers == 1 and strategy.population_size == 1
    explicit = ProcessBackend(workers=2)
    with pytest.raises(ConfigError, match="workers=2: the population has 1 candidates"):
        explicit.check(strategy)


def test_a_process_that_cannot_start_is_one_line_and_stops_the_others(monkeypatch):
    """No more processes or open files (EMFILE under a low `ulimit -n`): one BackendError
    naming the fix, and the workers already started are stopped."""
    from neuroevo.parallel import BackendError
    from neuroevo.parallel.processes import ProcessPool

    real, started = ProcessPool._start, []

    def third_fails(self, worker):
        if worker == 2:
            raise OSError(24, "Too many open files")
        real(self, worker)
        started.append(self._procs[worker])

    monkeypatch.setattr(ProcessPool, "_start", third_fails)
    backend = ProcessBackend(workers=4)
    with pytest.raises(BackendError) as info:
        backend.start()
    assert str(info.value) == (
        "cannot start worker process 3 of 4 (OSError: [Errno 24] Too many open files); use "
        "fewer workers (--workers, workers=), or raise the limit on processes or open files "
        "(ulimit -u / ulimit -n)"
    )
    assert len(started) == 2 and not any(p.is_alive() for p in started)
    assert all(p.exitcode is not None for p in started)
