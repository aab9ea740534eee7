"""Lazy attribute resolution for curated namespaces (PEP 562).

Keeps ``import neuroevo`` fast and free of optional dependencies (gymnasium,
matplotlib, graphviz): a name's module is imported on first access.
"""

from __future__ import annotations

import importlib
from typing import Any


def lazy_getattr(package: str, names: dict[str, str], namespace: dict[str, Any]):
    """Return a module ``__getattr__`` resolving ``names[attr] = "module[:object]"``."""

    def __getattr__(attr: str) -> Any:
        target = names.get(attr)
        if target is None:
            raise AttributeError(f"module {package!r} has no attribute {attr!r}")
        module_name, _, obj = target.partition(":")
        module = importlib.import_module(module_name)
        value = getattr(module, obj) if obj else module
        namespace[attr] = value  # cache
        return value

    return __getattr__
