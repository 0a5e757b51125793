"""Fixed-point helpers: every price, quantity and amount is an ``int`` of 1e-8 units.

Binance's spot engine works with 8 decimals (``baseAssetPrecision``/``quoteAssetPrecision`` are at
most 8), so all arithmetic here is exact integer arithmetic on ``units = value * 10**8``; Decimal
only appears at the edges (specs, public accessors).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from functools import partial

from .errors import bad_precision, illegal_chars

__all__ = [
    "DECIMALS",
    "SCALE",
    "Formatter",
    "formatter",
    "from_units",
    "parse_units",
    "to_units",
    "units_str",
]

DECIMALS = 8
SCALE: int = 100_000_000
Formatter = Callable[[int], str]
_NUMBER = re.compile(r"^([0-9]{1,20})(\.[0-9]{1,20})?$")


def to_units(value: Decimal | str | int) -> int:
    """Exact conversion to 1e-8 units; ValueError if the value has more than 8 decimals."""
    d = Decimal(value)
    scaled = d.scaleb(DECIMALS)
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{value} has more than {DECIMALS} decimals")
    return int(scaled)


def from_units(units: int) -> Decimal:
    """1e-8 units back to a Decimal with 8 decimals (``Decimal("1.50000000")``)."""
    return Decimal(units_str(units))


def units_str(units: int, decimals: int = DECIMALS) -> str:
    """Format units with ``decimals`` digits after the point (truncating), like Binance."""
    if units < 0:
        return "-" + units_str(-units, decimals)
    if decimals >= DECIMALS:
        q, r = divmod(units, SCALE)
        return f"{q}.{r:08d}" + "0" * (decimals - DECIMALS)
    if decimals <= 0:
        return str(units // SCALE)
    div = 10 ** (DECIMALS - decimals)
    q, r = divmod(units // div, 10**decimals)
    return f"{q}.{r:0{decimals}d}"


def _fmt8(units: int) -> str:
    if units >= 0:
        q, r = divmod(units, SCALE)
        return f"{q}.{r:08d}"
    return units_str(units)


def formatter(decimals: int) -> Formatter:
    """A function formatting units with ``decimals`` digits (an inlined fast path for 8)."""
    if decimals == DECIMALS:
        return _fmt8
    return partial(units_str, decimals=decimals)


def parse_units(name: str, raw: str, precision: int = DECIMALS) -> int:
    """Parse a request parameter (``"0.10"``) to units with Binance's errors.

    -1100 for anything but ``digits[.digits]``; -1111 when more significant decimals than
    ``precision`` were sent.
    """
    if _NUMBER.match(raw) is None:
        raise illegal_chars(name)
    whole, _, frac = raw.partition(".")
    frac = frac.rstrip("0")
    if len(frac) > precision:
        raise bad_precision(name)
    return int(whole) * SCALE + (int(frac.ljust(DECIMALS, "0")) if frac else 0)
