"""The curated namespace of ``neuroevo``: every public name resolves, type checkers see every
one of them, and ``dir(neuroevo)`` shows only the public names."""

from __future__ import annotations

import ast
import importlib
import inspect

import neuroevo


def _type_checking_imports() -> dict[str, str]:
    """name -> "module:attr" (or "module" for sub-packages) from the TYPE_CHECKING block."""
    tree = ast.parse(inspect.getsource(neuroevo))
    found: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
            for imp in node.body:
                assert isinstance(imp, ast.ImportFrom), ast.dump(imp)
                for alias in imp.names:
                    name = alias.asname or alias.name
                    if imp.module == "neuroevo":
                        found[name] = f"neuroevo.{alias.name}"
                    else:
                        found[name] = f"{imp.module}:{alias.name}"
    return found


def test_every_public_name_resolves_to_what_the_table_says():
    for name, target in neuroevo._NAMES.items():
        module_name, _, attr = target.partition(":")
        module = importlib.import_module(module_name)
        expected = getattr(module, attr) if attr else module
        assert getattr(neuroevo, name) is expected, name


def test_type_checkers_see_every_lazy_name_at_its_real_home():
    assert _type_checking_imports() == dict(neuroevo._NAMES)


def test_dir_shows_the_public_api_only():
    shown = set(dir(neuroevo))
    assert shown == set(neuroevo.__all__) | {"__version__"}
    assert not {n for n in shown if n.startswith("_") and n != "__version__"}
    assert "TYPE_CHECKING" not in shown and "lazy_getattr" not in shown
