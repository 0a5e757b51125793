"""Symbol, exchange and asset filters: a tagged union on ``filterType`` plus an unknown fallback.

Every filter derives from `Filter`. Known filters are msgspec Structs tagged with their
``filterType`` (``PriceFilter`` <-> ``"PRICE_FILTER"``), so they encode back to the exact wire
form. A ``filterType`` this library does not know yet decodes to `UnknownFilter` (the wire
object kept in ``raw``) instead of failing: Binance adds filters from time to time and an
``exchangeInfo`` must keep decoding.

How: a field typed ``list[Filter]`` is a *custom type* to msgspec, so the decoder calls
`dec_hook`, which dispatches on the tag (`decode_filter`). Every decoder from
``binance_async.models`` (``decoder_for``, the ``*_DECODER`` constants) passes that hook; if you
call ``msgspec.json.decode`` yourself on a type that contains filters, pass
``dec_hook=binance_async.models.dec_hook`` too.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from types import MappingProxyType
from typing import Any

import msgspec

__all__ = [
    "FILTER_TYPES",
    "ExchangeMaxNumAlgoOrdersFilter",
    "ExchangeMaxNumIcebergOrdersFilter",
    "ExchangeMaxNumOrderListsFilter",
    "ExchangeMaxNumOrdersFilter",
    "Filter",
    "IcebergPartsFilter",
    "KnownFilter",
    "LotSizeFilter",
    "MarketLotSizeFilter",
    "MaxAssetFilter",
    "MaxNumAlgoOrdersFilter",
    "MaxNumIcebergOrdersFilter",
    "MaxNumOrderAmendsFilter",
    "MaxNumOrderListsFilter",
    "MaxNumOrdersFilter",
    "MaxPositionFilter",
    "MinNotionalFilter",
    "NotionalFilter",
    "PercentPriceBySideFilter",
    "PercentPriceFilter",
    "PriceFilter",
    "TrailingDeltaFilter",
    "UnknownFilter",
    "dec_hook",
    "decode_filter",
]


class Filter:
    """Common base of all filters, known or unknown. ``filter_type`` is the wire ``filterType``."""

    __slots__ = ()

    @property
    def filter_type(self) -> str:
        """The wire ``filterType`` (the Struct tag), e.g. ``"PRICE_FILTER"``."""
        return str(getattr(type(self), "__struct_config__").tag)  # noqa: B009


class _TaggedFilter(
    msgspec.Struct,
    Filter,
    frozen=True,
    kw_only=True,
    rename="camel",
    tag_field="filterType",
    gc=False,
):
    """Base of the known filters; subclasses set ``tag=`` to their ``filterType``."""


# --- symbol filters -------------------------------------------------------------------------


class PriceFilter(_TaggedFilter, frozen=True, kw_only=True, tag="PRICE_FILTER"):
    """PRICE_FILTER: price bounds and tick size (0 disables a rule)."""

    min_price: Decimal
    max_price: Decimal
    tick_size: Decimal


class PercentPriceFilter(_TaggedFilter, frozen=True, kw_only=True, tag="PERCENT_PRICE"):
    """PERCENT_PRICE: price within multipliers of the average price."""

    multiplier_up: Decimal
    multiplier_down: Decimal
    avg_price_mins: int | None = None


class PercentPriceBySideFilter(
    _TaggedFilter, frozen=True, kw_only=True, tag="PERCENT_PRICE_BY_SIDE"
):
    """PERCENT_PRICE_BY_SIDE: like PERCENT_PRICE with separate bid and ask multipliers."""

    bid_multiplier_up: Decimal
    bid_multiplier_down: Decimal
    ask_multiplier_up: Decimal
    ask_multiplier_down: Decimal
    avg_price_mins: int | None = None


class LotSizeFilter(_TaggedFilter, frozen=True, kw_only=True, tag="LOT_SIZE"):
    """LOT_SIZE: quantity bounds and step size."""

    min_qty: Decimal
    max_qty: Decimal
    step_size: Decimal


class MinNotionalFilter(_TaggedFilter, frozen=True, kw_only=True, tag="MIN_NOTIONAL"):
    """MIN_NOTIONAL (older): minimum price * quantity."""

    min_notional: Decimal
    apply_to_market: bool = True
    avg_price_mins: int | None = None


class NotionalFilter(_TaggedFilter, frozen=True, kw_only=True, tag="NOTIONAL"):
    """NOTIONAL (2022+): notional range, each bound optionally applied to MARKET orders."""

    min_notional: Decimal
    max_notional: Decimal | None = None
    apply_min_to_market: bool = True
    apply_max_to_market: bool = False
    avg_price_mins: int | None = None


class IcebergPartsFilter(_TaggedFilter, frozen=True, kw_only=True, tag="ICEBERG_PARTS"):
    """ICEBERG_PARTS: maximum CEIL(qty / icebergQty)."""

    limit: int


class MarketLotSizeFilter(_TaggedFilter, frozen=True, kw_only=True, tag="MARKET_LOT_SIZE"):
    """MARKET_LOT_SIZE: LOT_SIZE rules for MARKET orders."""

    min_qty: Decimal
    max_qty: Decimal
    step_size: Decimal


class MaxNumOrdersFilter(_TaggedFilter, frozen=True, kw_only=True, tag="MAX_NUM_ORDERS"):
    """MAX_NUM_ORDERS: open orders per symbol."""

    max_num_orders: int


class MaxNumAlgoOrdersFilter(_TaggedFilter, frozen=True, kw_only=True, tag="MAX_NUM_ALGO_ORDERS"):
    """MAX_NUM_ALGO_ORDERS: open stop/take-profit orders per symbol."""

    max_num_algo_orders: int


class MaxNumIcebergOrdersFilter(
    _TaggedFilter, frozen=True, kw_only=True, tag="MAX_NUM_ICEBERG_ORDERS"
):
    """MAX_NUM_ICEBERG_ORDERS: open iceberg orders per symbol."""

    max_num_iceberg_orders: int


class MaxPositionFilter(_TaggedFilter, frozen=True, kw_only=True, tag="MAX_POSITION"):
    """MAX_POSITION: maximum base-asset position (balance + open BUY quantity)."""

    max_position: Decimal


class TrailingDeltaFilter(_TaggedFilter, frozen=True, kw_only=True, tag="TRAILING_DELTA"):
    """TRAILING_DELTA: bounds of ``trailingDelta`` (basis points)."""

    min_trailing_above_delta: int
    max_trailing_above_delta: int
    min_trailing_below_delta: int
    max_trailing_below_delta: int


class MaxNumOrderAmendsFilter(_TaggedFilter, frozen=True, kw_only=True, tag="MAX_NUM_ORDER_AMENDS"):
    """MAX_NUM_ORDER_AMENDS: amendments allowed per order."""

    max_num_order_amends: int


class MaxNumOrderListsFilter(_TaggedFilter, frozen=True, kw_only=True, tag="MAX_NUM_ORDER_LISTS"):
    """MAX_NUM_ORDER_LISTS: open order lists per symbol."""

    max_num_order_lists: int


# --- exchange filters -----------------------------------------------------------------------


class ExchangeMaxNumOrdersFilter(
    _TaggedFilter, frozen=True, kw_only=True, tag="EXCHANGE_MAX_NUM_ORDERS"
):
    """EXCHANGE_MAX_NUM_ORDERS: open orders per account."""

    max_num_orders: int


class ExchangeMaxNumAlgoOrdersFilter(
    _TaggedFilter, frozen=True, kw_only=True, tag="EXCHANGE_MAX_NUM_ALGO_ORDERS"
):
    """EXCHANGE_MAX_NUM_ALGO_ORDERS: open algo orders per account."""

    max_num_algo_orders: int


class ExchangeMaxNumIcebergOrdersFilter(
    _TaggedFilter, frozen=True, kw_only=True, tag="EXCHANGE_MAX_NUM_ICEBERG_ORDERS"
):
    """EXCHANGE_MAX_NUM_ICEBERG_ORDERS: open iceberg orders per account."""

    max_num_iceberg_orders: int


class ExchangeMaxNumOrderListsFilter(
    _TaggedFilter, frozen=True, kw_only=True, tag="EXCHANGE_MAX_NUM_ORDER_LISTS"
):
    """EXCHANGE_MAX_NUM_ORDER_LISTS: open order lists per account."""

    max_num_order_lists: int


# --- asset filters (GET /api/v3/myFilters) --------------------------------------------------


class MaxAssetFilter(_TaggedFilter, frozen=True, kw_only=True, tag="MAX_ASSET"):
    """MAX_ASSET: maximum quantity of an asset an account may hold."""

    asset: str
    limit: Decimal


# --- fallback and dispatch ------------------------------------------------------------------


class UnknownFilter(msgspec.Struct, Filter, frozen=True, kw_only=True):
    """A filter whose ``filterType`` this version does not know; ``raw`` is the wire object."""

    filter_type: str
    raw: dict[str, Any]


KnownFilter = (
    PriceFilter
    | PercentPriceFilter
    | PercentPriceBySideFilter
    | LotSizeFilter
    | MinNotionalFilter
    | NotionalFilter
    | IcebergPartsFilter
    | MarketLotSizeFilter
    | MaxNumOrdersFilter
    | MaxNumAlgoOrdersFilter
    | MaxNumIcebergOrdersFilter
    | MaxPositionFilter
    | TrailingDeltaFilter
    | MaxNumOrderAmendsFilter
    | MaxNumOrderListsFilter
    | ExchangeMaxNumOrdersFilter
    | ExchangeMaxNumAlgoOrdersFilter
    | ExchangeMaxNumIcebergOrdersFilter
    | ExchangeMaxNumOrderListsFilter
    | MaxAssetFilter
)
"""The tagged union of known filters (usable directly as a msgspec type)."""

_KNOWN: tuple[type[_TaggedFilter], ...] = (
    PriceFilter,
    PercentPriceFilter,
    PercentPriceBySideFilter,
    LotSizeFilter,
    MinNotionalFilter,
    NotionalFilter,
    IcebergPartsFilter,
    MarketLotSizeFilter,
    MaxNumOrdersFilter,
    MaxNumAlgoOrdersFilter,
    MaxNumIcebergOrdersFilter,
    MaxPositionFilter,
    TrailingDeltaFilter,
    MaxNumOrderAmendsFilter,
    MaxNumOrderListsFilter,
    ExchangeMaxNumOrdersFilter,
    ExchangeMaxNumAlgoOrdersFilter,
    ExchangeMaxNumIcebergOrdersFilter,
    ExchangeMaxNumOrderListsFilter,
    MaxAssetFilter,
)

FILTER_TYPES: Mapping[str, type[_TaggedFilter]] = MappingProxyType(
    {str(cls.__struct_config__.tag): cls for cls in _KNOWN}
)
"""``filterType`` -> Struct class, for every known filter."""


def decode_filter(obj: Any) -> Filter:
    """One wire filter object (already decoded to a dict) -> its Struct, or `UnknownFilter`.

    A known ``filterType`` with a malformed body raises ``ValueError`` (``msgspec.ValidationError``
    with its location when raised inside a decoder): only an unknown *type* is tolerated, never a
    broken known one.
    """
    if not isinstance(obj, dict):
        raise TypeError(f"Expected a filter object, got `{type(obj).__name__}`")
    tag = obj.get("filterType")
    cls = FILTER_TYPES.get(tag) if isinstance(tag, str) else None
    if cls is None:
        return UnknownFilter(filter_type=str(tag) if tag is not None else "", raw=obj)
    try:
        return msgspec.convert(obj, cls)
    except msgspec.ValidationError as exc:
        # a plain ValueError lets the decoder add the location (`$.symbols[3].filters[1]`)
        raise ValueError(f"Invalid {tag} filter: {exc}") from exc


def dec_hook(tp: Any, obj: Any) -> Any:
    """msgspec ``dec_hook`` resolving the `Filter` custom type (see the module docstring)."""
    if tp is Filter:
        return decode_filter(obj)
    raise NotImplementedError(f"Type {tp!r} is not supported")
