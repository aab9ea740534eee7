"""``neuroevo.strategies`` shows the public strategy classes, resolved on first use."""

from __future__ import annotations

import subprocess
import sys

import neuroevo as ne
import neuroevo.strategies as strategies
from neuroevo.strategies.base import Strategy


def test_every_public_name_resolves_to_the_top_level_one():
    assert set(strategies.__all__) >= {"NEAT", "PythonNEAT", "TensorNEAT", "GA", "PSO"}
    for name in strategies.__all__:
        value = getattr(strategies, name)
        if name in ne.__all__:
            assert getattr(ne, name) is value, name
        if isinstance(value, type) and not name.endswith("Params"):
            assert issubclass(value, Strategy), name


def test_importing_the_package_imports_no_strategy():
    code = (
        "import sys, neuroevo.strategies; "
        "print(sorted(m for m in sys.modules if m.startswith('neuroevo.strategies.')), "
        "'torch' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[] False"
