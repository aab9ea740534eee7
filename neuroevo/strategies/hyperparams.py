"""One validator for the hyperparameters of every strategy.

Each field of a params dataclass states the values it allows next to its default, and
``__post_init__`` calls :func:`validate`, which checks every field on its own and names the
field, the bad value and the allowed range::

    @dataclasses.dataclass(frozen=True)
    class PSOParams:
        c1: float = hyperparameter(1.49618, ge=0)
        \"\"\"Cognitive acceleration.\"\"\"

        def __post_init__(self) -> None:
            validate(self)

    PSOParams(c1=-1)  # StrategyError: PSOParams.c1 must be a number >= 0, got -1

:func:`check` applies the same rules to a single value (``pop_size``, ``restarts`` ...).
"""

from __future__ import annotations

import dataclasses
import math
import numbers
from typing import Any

from neuroevo.errors import StrategyError

_KEY = "neuroevo.allowed"


@dataclasses.dataclass(frozen=True)
class Allowed:
    """The values a hyperparameter may take: one of ``choices``, or a number (an integer
    with ``integer=True``) within the given bounds; ``None`` too when ``none`` says what it
    means."""

    choices: tuple[str, ...] = ()
    integer: bool = False
    ge: float | None = None
    gt: float | None = None
    le: float | None = None
    lt: float | None = None
    none: str | None = None

    def accepts(self, value: Any) -> bool:
        if value is None:
            return self.none is not None
        if self.choices:
            return isinstance(value, str) and value in self.choices
        kind: Any = numbers.Integral if self.integer else numbers.Real
        if isinstance(value, bool) or not isinstance(value, kind):
            return False
        if math.isnan(value):
            return False
        return (
            (self.ge is None or value >= self.ge)
            and (self.gt is None or value > self.gt)
            and (self.le is None or value <= self.le)
            and (self.lt is None or value < self.lt)
        )

    def describe(self) -> str:
        """The allowed values in words: ``"an integer >= 1 or None (never)"``, ``"in (0, 1]"``."""
        if self.choices:
            quoted = [repr(c) for c in self.choices]
            text = quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]
        else:
            kind = "an integer" if self.integer else "a number"
            low = (self.ge, "[", ">=") if self.ge is not None else (self.gt, "(", ">")
            high = (self.le, "]", "<=") if self.le is not None else (self.lt, ")", "<")
            if low[0] is not None and high[0] is not None:
                text = f"{kind} in {low[1]}{low[0]:g}, {high[0]:g}{high[1]}"
            elif low[0] is not None:
                text = f"{kind} {low[2]} {low[0]:g}"
            elif high[0] is not None:
                text = f"{kind} {high[2]} {high[0]:g}"
            else:
                text = kind
        return text if self.none is None else f"{text} or None ({self.none})"


def hyperparameter(default: Any, **allowed: Any) -> Any:
    """A dataclass field with ``default`` whose values are restricted by ``Allowed(**allowed)``."""
    return dataclasses.field(default=default, metadata={_KEY: Allowed(**allowed)})


def allowed_values(field: dataclasses.Field) -> Allowed | None:
    """The :class:`Allowed` rule of a field made by :func:`hyperparameter`, else ``None``."""
    return field.metadata.get(_KEY)


def check(value: Any, allowed: Allowed, name: str) -> None:
    """Raise :class:`StrategyError` naming ``name``, ``value`` and the range unless ``allowed``."""
    if not allowed.accepts(value):
        raise StrategyError(f"{name} must be {allowed.describe()}, got {value!r}")


def validate(params: Any) -> None:
    """Check every field of the params dataclass ``params`` against its own rule."""
    cls = type(params).__name__
    for field in dataclasses.fields(params):
        rule = allowed_values(field)
        if rule is not None:
            check(getattr(params, field.name), rule, f"{cls}.{field.name}")
