"""Fixtures shared by every test directory: one local Ray per test session
(``ray.init(num_cpus=2)``), and one pool of two worker processes, reused by every test."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def ray_session():
    """A local Ray with 2 CPUs, started on first use and shut down at the end of the session."""
    ray = pytest.importorskip("ray")
    if not ray.is_initialized():
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    yield ray
    ray.shutdown()


@pytest.fixture(scope="session")
def process_backend():
    """Two worker processes, started once (spawning them costs seconds) and reused."""
    from neuroevo.parallel.processes import ProcessBackend

    backend = ProcessBackend(workers=2)
    yield backend
    backend.close()
