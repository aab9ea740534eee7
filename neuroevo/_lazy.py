"""``"module:attr"`` strings to objects: the one resolver, and lazy namespaces built on it.

:func:`resolve` is used by every place that names code in a string: the lazy public names
of :mod:`neuroevo` and its sub-packages (PEP 562 ``__getattr__``, which keeps
``import neuroevo`` fast and free of optional dependencies such as gymnasium, matplotlib
or graphviz), the task and strategy registry of experiment files
(:mod:`neuroevo.run.registry`), the environment registry (:func:`neuroevo.envs.make`) and
the sub-commands of the ``neuroevo`` command.

This module sits in the bottom layer and imports nothing from neuroevo; callers pass the
error class they raise (``ConfigError``, ``TaskError`` ...), or none to get Python's own
``ImportError``/``AttributeError``.

Example::

    resolve("neuroevo.tasks.supervised:XOR")                      # the class
    resolve("neuroevo.envs")                                       # a module
    resolve("nope:X", error=ConfigError, what="task 'nope'")      # ConfigError, one line
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

#: the hint given when a target's module (or one it imports) is not installed
_INSTALL_HINT = "install the missing extra (e.g. pip install 'neuroevo[gym]')"


def is_target(text: Any, *, attr_required: bool = True) -> bool:
    """Whether ``text`` is ``"module:attr"`` (or just ``"module"``, unless ``attr_required``)."""
    if not isinstance(text, str) or not text:
        return False
    module_name, colon, attr = text.partition(":")
    if not module_name or (colon and not attr):
        return False
    return bool(colon) or not attr_required


def resolve(
    target: Any,
    *,
    error: Callable[[str], Exception] | None = None,
    what: str | None = None,
    instead: str | None = None,
) -> Any:
    """The object named by ``target``: ``"module:attr"``, or ``"module"`` for the module itself.

    A ``target`` that is not a string (a class registered directly) is returned as it is.
    Failures raise ``error(message)``, one line naming ``what`` (e.g. ``"task 'xor'"``), the
    module or attribute that is missing and the fix (``instead`` names the alternative,
    e.g. ``"pick another task"``); with ``error=None`` they raise Python's own
    ``ImportError`` or ``AttributeError``.
    """
    if not isinstance(target, str):
        return target
    label = what if what is not None else repr(target)
    if not is_target(target, attr_required=False):
        if error is None:
            raise ImportError(f"{label}: {target!r} is not 'module' or 'module:attr'")
        raise error(f"{label}: {target!r} is not 'module:attr'") from None
    module_name, _, attr = target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as e:
        if error is None:
            raise
        fix = _INSTALL_HINT + (f" or {instead}" if instead else "")
        raise error(
            f"{label} needs module {module_name!r}, which cannot be imported ({e}); {fix}"
        ) from None
    if not attr:
        return module
    try:
        return getattr(module, attr)
    except AttributeError:
        if error is None:
            raise
        raise error(f"{label}: {module_name} has no {attr!r}") from None


def lazy_getattr(
    package: str, names: dict[str, str], namespace: dict[str, Any]
) -> Callable[[str], Any]:
    """Return a module ``__getattr__`` resolving ``names[attr] = "module[:object]"``.

    Each value is resolved with :func:`resolve` on first access and cached in ``namespace``.
    """

    def __getattr__(attr: str) -> Any:
        target = names.get(attr)
        if target is None:
            raise AttributeError(f"module {package!r} has no attribute {attr!r}")
        value = resolve(target)
        namespace[attr] = value  # cache
        return value

    return __getattr__
