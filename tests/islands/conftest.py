"""Shared fixtures of the island tests: the local Ray of the parallel tests (one per session)."""

from tests.parallel.conftest import ray_session  # noqa: F401
