"""Parameter values to the exact text Binance expects, and the percent-encoded query string.

The REST signature covers exactly the bytes sent, so everything that builds a request goes
through `encode_params`: None dropped, booleans lower-case, Decimal/float as plain decimal text
(never exponent form), lists as compact JSON (``["BTCUSDT","BNBBTC"]``), then percent-encoded.
"""

from __future__ import annotations

import enum
import math
import re
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any
from urllib.parse import quote

import msgspec

from .errors import ValidationError

__all__ = ["encode_params", "format_decimal", "format_value"]

_already_safe = re.compile(r"[A-Za-z0-9_.~-]*").fullmatch


def _quote(text: str) -> str:
    return text if _already_safe(text) else quote(text, safe="")


def format_decimal(value: Decimal | float, *, param: str = "value") -> str:
    """Plain decimal text of a number: ``Decimal("1E-8")`` -> ``"0.00000001"``."""
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValidationError(f"parameter {param!r}: {value!r} is not a finite number",
                                  param=param)
        value = Decimal(repr(value))
    if not value.is_finite():
        raise ValidationError(f"parameter {param!r}: {value!r} is not a finite number", param=param)
    return format(value, "f")


def format_value(value: Any, *, param: str = "value") -> str:
    """The wire text of one parameter value (not yet percent-encoded)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, enum.Enum):
        return format_value(value.value, param=param)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return value
    if isinstance(value, Decimal | float):
        return format_decimal(value, param=param)
    if isinstance(value, list | tuple):
        items = [format_value(v, param=param) if not isinstance(v, str) else v for v in value]
        return msgspec.json.encode(items).decode()
    raise ValidationError(
        f"parameter {param!r}: cannot send a value of type {type(value).__name__}", param=param
    )


def _items(params: Mapping[str, Any] | Iterable[tuple[str, Any]]) -> Iterable[tuple[str, Any]]:
    return params.items() if isinstance(params, Mapping) else params


def encode_params(params: Mapping[str, Any] | Iterable[tuple[str, Any]] | None) -> str:
    """Percent-encode parameters in the given order; None values are dropped."""
    if not params:
        return ""
    parts = []
    for key, value in _items(params):
        if value is None:
            continue
        text = format_value(value, param=key)
        parts.append(f"{_quote(key)}={_quote(text)}")
    return "&".join(parts)
