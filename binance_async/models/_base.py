"""Shared Struct bases for the REST models (see the package docstring for the conventions)."""

from __future__ import annotations

import msgspec

__all__ = ["BinanceRow", "BinanceStruct"]


class BinanceStruct(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """Base of every JSON-object model: frozen, keyword-only, snake_case attrs <-> camelCase wire.

    Unknown wire fields are ignored (``forbid_unknown_fields`` stays off on purpose).
    """


class BinanceRow(msgspec.Struct, frozen=True, array_like=True, gc=False):
    """Base of JSON-array rows (price levels, klines): positional, no GC tracking.

    Extra trailing array items are ignored, so a longer row from a newer API still decodes.
    """
