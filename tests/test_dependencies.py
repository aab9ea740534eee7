"""The dependency pins in pyproject.toml: neat-python is held to the version every "the same
run as neat-python" test runs against (2.0); 2.1 changes selection with
fitness_criterion = min and when checkpoints are written."""

from __future__ import annotations

import importlib.metadata
import pathlib

import pytest
from packaging.requirements import Requirement

try:  # Python >= 3.11
    import tomllib
except ModuleNotFoundError:  # pragma: no cover - Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

PYPROJECT = pathlib.Path(__file__).resolve().parents[1] / "pyproject.toml"


def requirement(name: str) -> Requirement:
    deps = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]["dependencies"]
    found = [Requirement(d) for d in deps if Requirement(d).name == name]
    assert len(found) == 1, f"{name} is required once in pyproject.toml, found {found}"
    return found[0]


@pytest.mark.parametrize(
    "version, allowed",
    [
        ("2.0.0", True),
        ("2.0.1", True),
        ("1.9.0", False),
        ("2.1.0", False),
        ("2.1.0rc1", False),
        ("3.0.0", False),
    ],
)
def test_neat_python_is_pinned_to_the_tested_minor_version(version, allowed):
    assert requirement("neat-python").specifier.contains(version, prereleases=True) is allowed


def test_the_installed_neat_python_is_the_pinned_one():
    installed = importlib.metadata.version("neat-python")
    assert requirement("neat-python").specifier.contains(installed, prereleases=True)
