"""Client-side order checks against the exchange's filters, and exact Decimal rounding.

Opt-in: ``await client.trade.new_order(..., validate=True)`` checks the order against the
symbol's filters from ``exchangeInfo`` (fetched once and cached on the client, see
`Client.exchange_info`) before anything is sent; `check_order` does the same on a `SymbolInfo`
you hold. A failure raises `OrderFilterError` (a `ValidationError`) whose message starts with
``Filter failure: <NAME>`` exactly as the exchange's -1013 message would, with ``param`` naming
the offending parameter (or the filter, for count limits) and ``filter_type`` the filter.

What is checked (filters.md; ``0`` disables a bound or a step, as on the exchange):

=========================== =============================================================
PRICE_FILTER                ``price`` and ``stopPrice``: ``minPrice <= p <= maxPrice``,
                            ``p % tickSize == 0`` (since 2022-02-24; not ``(p - minPrice)``)
PERCENT_PRICE               limit-type ``price`` within ``multiplierDown..multiplierUp``
                            times the reference price
PERCENT_PRICE_BY_SIDE       the same with the bid (BUY) or ask (SELL) multipliers
LOT_SIZE                    ``quantity`` and ``icebergQty``: bounds and
                            ``q % stepSize == 0`` (since 2023-03-13)
MARKET_LOT_SIZE             ``quantity`` of MARKET orders: the same rules
MIN_NOTIONAL / NOTIONAL     price x quantity (``quoteOrderQty`` if sent); MARKET orders
                            valued at the reference price, STOP_LOSS / TAKE_PROFIT at
                            ``stopPrice``; ``applyToMarket`` / ``applyMin|MaxToMarket``
ICEBERG_PARTS               ``CEIL(quantity / icebergQty) <= limit``
TRAILING_DELTA              ``trailingDelta`` within the above-delta bounds (BUY
                            STOP_LOSS*, SELL TAKE_PROFIT*) or the below-delta bounds
MAX_POSITION                BUY: ``position + quantity <= maxPosition``
MAX_NUM_ORDERS,             open orders (of the kind) + the new ones ``<=`` the maximum,
MAX_NUM_ALGO_ORDERS,        per symbol; algo orders are STOP_LOSS[_LIMIT] and
MAX_NUM_ICEBERG_ORDERS,     TAKE_PROFIT[_LIMIT]; an OCO adds two orders (one algo) and one
MAX_NUM_ORDER_LISTS         order list
EXCHANGE_MAX_NUM_*          the same per account, against ``exchangeInfo.exchangeFilters``
=========================== =============================================================

**Skipped when unknown.** The reference price (the symbol's average price, ``GET
/api/v3/avgPrice``, or its reference price where one exists) and the account state (open-order
counts, position) are not in ``exchangeInfo``: pass them in an `OrderContext` (``validate=
OrderContext(reference_price=..., open_orders=...)``). Each filter that needs a missing value is
skipped, never guessed: PERCENT_PRICE[_BY_SIDE] and the notional of a MARKET order need
``reference_price``; the MAX_NUM_* and EXCHANGE_MAX_NUM_* filters need their count; MAX_POSITION
needs ``position``. A cancel-replace places one order for one cancelled, so count limits are
not checked for it. Not checked at all: MAX_NUM_ORDER_AMENDS (the seed has no amend endpoint),
MAX_ASSET (an account filter from ``GET /api/v3/myFilters`` that needs balances), and filters the
exchange added after this library (decoded as `UnknownFilter`, ignored).

`round_price` / `round_qty` round to a tick or step size exactly (``Decimal`` in, ``Decimal``
out; no float anywhere).
"""

from __future__ import annotations

import decimal
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from ..errors import OrderFilterError, ValidationError
from ..models.exchange_info import SymbolInfo
from ..models.filters import (
    ExchangeMaxNumAlgoOrdersFilter,
    ExchangeMaxNumIcebergOrdersFilter,
    ExchangeMaxNumOrderListsFilter,
    ExchangeMaxNumOrdersFilter,
    Filter,
    IcebergPartsFilter,
    LotSizeFilter,
    MarketLotSizeFilter,
    MaxNumAlgoOrdersFilter,
    MaxNumIcebergOrdersFilter,
    MaxNumOrderListsFilter,
    MaxNumOrdersFilter,
    MaxPositionFilter,
    MinNotionalFilter,
    NotionalFilter,
    PercentPriceBySideFilter,
    PercentPriceFilter,
    PriceFilter,
    TrailingDeltaFilter,
)

__all__ = [
    "OrderContext",
    "OrderFilterError",
    "Rounding",
    "check_order",
    "round_price",
    "round_qty",
    "round_step",
]

Rounding = Literal["floor", "ceil", "nearest"]
"""``floor`` toward -infinity, ``ceil`` toward +infinity, ``nearest`` (ties away from zero)."""

OrderKind = Literal["order", "oco", "cancel_replace"]

LIMIT_TYPES = frozenset({"LIMIT", "LIMIT_MAKER", "STOP_LOSS_LIMIT", "TAKE_PROFIT_LIMIT"})
ALGO_TYPES = frozenset({"STOP_LOSS", "STOP_LOSS_LIMIT", "TAKE_PROFIT", "TAKE_PROFIT_LIMIT"})
_MARKET_VALUED = frozenset({"MARKET", "STOP_LOSS", "TAKE_PROFIT"})

# Enough digits that % and // on any exchange value are exact (never rounded).
_EXACT = decimal.Context(
    prec=200, rounding=decimal.ROUND_HALF_EVEN, traps=[decimal.InvalidOperation]
)


@dataclass(frozen=True, slots=True)
class OrderContext:
    """What some filters need beyond ``exchangeInfo``; None means unknown (the filter is skipped).

    - `reference_price`: the symbol's average price (``GET /api/v3/avgPrice``) or reference
      price: PERCENT_PRICE[_BY_SIDE] and the notional of MARKET orders.
    - `open_orders`, `open_algo_orders`, `open_iceberg_orders`, `open_order_lists`: the
      account's open ones on this symbol (MAX_NUM_*).
    - `account_open_orders`, `account_open_algo_orders`, `account_open_iceberg_orders`,
      `account_open_order_lists`: the same over all symbols (EXCHANGE_MAX_NUM_*).
    - `position`: the base-asset balance plus the quantity of open BUY orders (MAX_POSITION).
    """

    reference_price: Decimal | None = None
    open_orders: int | None = None
    open_algo_orders: int | None = None
    open_iceberg_orders: int | None = None
    open_order_lists: int | None = None
    account_open_orders: int | None = None
    account_open_algo_orders: int | None = None
    account_open_iceberg_orders: int | None = None
    account_open_order_lists: int | None = None
    position: Decimal | None = None


# --- rounding -------------------------------------------------------------------------------


def _to_decimal(value: Decimal | int | str, name: str) -> Decimal:
    if isinstance(value, bool | float):
        raise TypeError(f"{name} must be a Decimal, int or str (not {type(value).__name__})")
    try:
        result = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except decimal.InvalidOperation:
        raise ValueError(f"{name} is not a number: {value!r}") from None
    if not result.is_finite():
        raise ValueError(f"{name} is not finite: {value!r}")
    return result


def round_step(
    value: Decimal | int | str, step: Decimal | int | str, mode: Rounding = "floor"
) -> Decimal:
    """`value` rounded to a multiple of `step`, exactly; a `step` of 0 returns `value` as is.

    The result is quantized to the step's significant decimal places
    (``round_step("1.23456", "0.01000000")`` is ``Decimal("1.23")``); the client sends Decimals
    as plain text, never in exponent form. Exact at any size (no context rounding). Raises
    ValueError for a negative step or an unknown mode, TypeError for a float (start from
    ``Decimal(str(x))`` if you must).
    """
    v = _to_decimal(value, "value")
    s = _to_decimal(step, "step")
    if s < 0:
        raise ValueError(f"step must be >= 0, got {step!r}")
    if mode not in ("floor", "ceil", "nearest"):
        raise ValueError(f"mode must be 'floor', 'ceil' or 'nearest', got {mode!r}")
    if s == 0:
        return v
    with decimal.localcontext(_EXACT):
        n = v // s  # truncated toward zero, exact
        rest = v - n * s
        if mode == "floor" and rest < 0:
            n -= 1
        elif mode == "ceil" and rest > 0:
            n += 1
        elif mode == "nearest" and 2 * abs(rest) >= s:
            n += 1 if rest > 0 else -1
        result = n * s
        exponent = s.normalize().as_tuple().exponent
        assert isinstance(exponent, int)
        return result.quantize(Decimal(1).scaleb(min(exponent, 0)))


def round_price(
    price: Decimal | int | str, tick_size: Decimal | int | str, mode: Rounding = "floor"
) -> Decimal:
    """`price` on the PRICE_FILTER grid: a multiple of `tick_size` (see `round_step`)."""
    return round_step(price, tick_size, mode)


def round_qty(
    qty: Decimal | int | str, step_size: Decimal | int | str, mode: Rounding = "floor"
) -> Decimal:
    """`qty` on the LOT_SIZE grid: a multiple of `step_size` (see `round_step`).

    ``floor`` (the default) never sells or buys more than asked.
    """
    return round_step(qty, step_size, mode)


# --- the checks -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Leg:
    """One order as the filters see it; `names` maps a field to its wire parameter."""

    side: str
    type: str
    quantity: Decimal | None
    quote_qty: Decimal | None
    price: Decimal | None
    stop_price: Decimal | None
    iceberg_qty: Decimal | None
    trailing_delta: int | None
    names: Mapping[str, str]


def _num(params: Mapping[str, Any], name: str) -> Decimal | None:
    value = params.get(name)
    if value is None:
        return None
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        return Decimal(repr(value))
    try:
        return Decimal(str(value).strip())
    except decimal.InvalidOperation:
        raise ValidationError(f"parameter {name!r}: not a number: {value!r}", param=name) from None


def _legs(params: Mapping[str, Any], kind: OrderKind) -> list[_Leg]:
    side = str(params.get("side", ""))
    trailing_value = params.get("trailingDelta")
    trailing = None if trailing_value is None else int(trailing_value)
    if kind != "oco":
        return [
            _Leg(
                side, str(params.get("type", "")), _num(params, "quantity"),
                _num(params, "quoteOrderQty"), _num(params, "price"), _num(params, "stopPrice"),
                _num(params, "icebergQty"), trailing, {},
            )
        ]
    quantity = _num(params, "quantity")
    stop_limit = _num(params, "stopLimitPrice")
    return [
        _Leg(
            side, "LIMIT_MAKER", quantity, None, _num(params, "price"), None,
            _num(params, "limitIcebergQty"), None, {"iceberg_qty": "limitIcebergQty"},
        ),
        _Leg(
            side, "STOP_LOSS_LIMIT" if stop_limit is not None else "STOP_LOSS", quantity, None,
            stop_limit, _num(params, "stopPrice"), _num(params, "stopIcebergQty"), trailing,
            {"price": "stopLimitPrice", "iceberg_qty": "stopIcebergQty"},
        ),
    ]


def _param(leg: _Leg, field: str, default: str) -> str:
    return leg.names.get(field, default)


def _bounds(
    name: str, param: str, value: Decimal, low: Decimal, high: Decimal | None, step: Decimal,
    words: tuple[str, str, str],
) -> None:
    """``low <= value <= high`` and ``value % step == 0``; 0 (or None) disables each rule."""
    low_word, high_word, step_word = words
    if low and value < low:
        raise OrderFilterError(name, f"{param} {value} < {low_word} {low}", param=param)
    if high and value > high:
        raise OrderFilterError(name, f"{param} {value} > {high_word} {high}", param=param)
    if step:
        with decimal.localcontext(_EXACT):
            off = value % step
        if off:
            raise OrderFilterError(
                name, f"{param} {value} is not a multiple of {step_word} {step}", param=param
            )


def _check_price(f: PriceFilter, leg: _Leg) -> None:
    words = ("minPrice", "maxPrice", "tickSize")
    if leg.price is not None:
        param = _param(leg, "price", "price")
        _bounds(f.filter_type, param, leg.price, f.min_price, f.max_price, f.tick_size, words)
    if leg.stop_price is not None:
        param = _param(leg, "stop_price", "stopPrice")
        _bounds(f.filter_type, param, leg.stop_price, f.min_price, f.max_price, f.tick_size, words)


def _check_percent(f: Filter, leg: _Leg, ref: Decimal | None) -> None:
    if ref is None or leg.price is None or leg.type not in LIMIT_TYPES:
        return
    if isinstance(f, PercentPriceFilter):
        up, down, what = f.multiplier_up, f.multiplier_down, "multiplier"
    elif isinstance(f, PercentPriceBySideFilter):
        if leg.side == "BUY":
            up, down, what = f.bid_multiplier_up, f.bid_multiplier_down, "bidMultiplier"
        else:
            up, down, what = f.ask_multiplier_up, f.ask_multiplier_down, "askMultiplier"
    else:  # pragma: no cover - only called with the two percent filters
        return
    param = _param(leg, "price", "price")
    if up and leg.price > ref * up:
        raise OrderFilterError(
            f.filter_type,
            f"{param} {leg.price} > {ref * up} (reference price {ref} x {what}Up {up})",
            param=param,
        )
    if down and leg.price < ref * down:
        raise OrderFilterError(
            f.filter_type,
            f"{param} {leg.price} < {ref * down} (reference price {ref} x {what}Down {down})",
            param=param,
        )


def _check_lot(f: LotSizeFilter | MarketLotSizeFilter, leg: _Leg) -> None:
    words = ("minQty", "maxQty", "stepSize")
    if isinstance(f, MarketLotSizeFilter) and leg.type != "MARKET":
        return
    if leg.quantity is not None:
        _bounds(f.filter_type, "quantity", leg.quantity, f.min_qty, f.max_qty, f.step_size, words)
    if isinstance(f, LotSizeFilter) and leg.iceberg_qty:
        param = _param(leg, "iceberg_qty", "icebergQty")
        _bounds(f.filter_type, param, leg.iceberg_qty, f.min_qty, f.max_qty, f.step_size, words)


def _notional(leg: _Leg, ref: Decimal | None) -> tuple[Decimal, str] | None:
    """The order's value in the quote asset and the parameter it comes from, or None."""
    if leg.quote_qty is not None:
        return leg.quote_qty, "quoteOrderQty"
    if leg.quantity is None:
        return None
    if leg.type == "MARKET":
        return (leg.quantity * ref, "quantity") if ref is not None else None
    if leg.type in _MARKET_VALUED:
        if leg.stop_price is None:
            return None
        return leg.quantity * leg.stop_price, "quantity"
    if leg.price is None:
        return None
    return leg.quantity * leg.price, "quantity"


def _check_notional(f: MinNotionalFilter | NotionalFilter, leg: _Leg, ref: Decimal | None) -> None:
    found = _notional(leg, ref)
    if found is None:
        return
    value, param = found
    market = leg.type in _MARKET_VALUED
    if isinstance(f, MinNotionalFilter):
        low, high = (f.min_notional if f.apply_to_market or not market else None), None
    else:
        low = f.min_notional if f.apply_min_to_market or not market else None
        high = f.max_notional if f.apply_max_to_market or not market else None
    if low and value < low:
        raise OrderFilterError(
            f.filter_type, f"notional {value} < minNotional {low}", param=param
        )
    if high and value > high:
        raise OrderFilterError(
            f.filter_type, f"notional {value} > maxNotional {high}", param=param
        )


def _check_iceberg_parts(f: IcebergPartsFilter, leg: _Leg) -> None:
    if not leg.iceberg_qty or leg.quantity is None or not f.limit:
        return
    with decimal.localcontext(_EXACT):
        whole, rest = divmod(leg.quantity, leg.iceberg_qty)
    parts = int(whole) + (1 if rest else 0)
    if parts > f.limit:
        param = _param(leg, "iceberg_qty", "icebergQty")
        raise OrderFilterError(
            f.filter_type,
            f"CEIL(quantity / {param}) = {parts} parts > limit {f.limit}",
            param=param,
        )


def _check_trailing(f: TrailingDeltaFilter, leg: _Leg) -> None:
    delta = leg.trailing_delta
    if delta is None or leg.type not in ALGO_TYPES:
        return
    stop_loss = leg.type.startswith("STOP_LOSS")
    if (leg.side == "BUY") == stop_loss:  # BUY stop-loss or SELL take-profit: price above
        low, high, where = f.min_trailing_above_delta, f.max_trailing_above_delta, "Above"
    else:
        low, high, where = f.min_trailing_below_delta, f.max_trailing_below_delta, "Below"
    if low and delta < low:
        raise OrderFilterError(
            f.filter_type, f"trailingDelta {delta} < minTrailing{where}Delta {low}",
            param="trailingDelta",
        )
    if high and delta > high:
        raise OrderFilterError(
            f.filter_type, f"trailingDelta {delta} > maxTrailing{where}Delta {high}",
            param="trailingDelta",
        )


def _check_position(f: MaxPositionFilter, leg: _Leg, position: Decimal | None) -> None:
    if position is None or leg.side != "BUY" or leg.quantity is None or not f.max_position:
        return
    if position + leg.quantity > f.max_position:
        raise OrderFilterError(
            f.filter_type,
            f"position {position} + quantity {leg.quantity} > maxPosition {f.max_position}",
            param="quantity",
        )


def _count(name: str, open_now: int | None, new: int, maximum: int, what: str) -> None:
    if open_now is None or not new or not maximum:
        return
    if open_now + new > maximum:
        raise OrderFilterError(
            name, f"{open_now} open {what} + {new} new > {maximum}", param=name
        )


def _check_counts(
    filters: Sequence[Filter], legs: Sequence[_Leg], kind: OrderKind, ctx: OrderContext
) -> None:
    if kind == "cancel_replace":
        return
    orders = len(legs)
    algo = sum(1 for leg in legs if leg.type in ALGO_TYPES)
    iceberg = sum(1 for leg in legs if leg.iceberg_qty)
    lists = 1 if kind == "oco" else 0
    for f in filters:
        name = f.filter_type
        if isinstance(f, MaxNumOrdersFilter):
            _count(name, ctx.open_orders, orders, f.max_num_orders, "orders")
        elif isinstance(f, MaxNumAlgoOrdersFilter):
            _count(name, ctx.open_algo_orders, algo, f.max_num_algo_orders, "algo orders")
        elif isinstance(f, MaxNumIcebergOrdersFilter):
            _count(name, ctx.open_iceberg_orders, iceberg, f.max_num_iceberg_orders,
                   "iceberg orders")
        elif isinstance(f, MaxNumOrderListsFilter):
            _count(name, ctx.open_order_lists, lists, f.max_num_order_lists, "order lists")
        elif isinstance(f, ExchangeMaxNumOrdersFilter):
            _count(name, ctx.account_open_orders, orders, f.max_num_orders, "orders")
        elif isinstance(f, ExchangeMaxNumAlgoOrdersFilter):
            _count(name, ctx.account_open_algo_orders, algo, f.max_num_algo_orders,
                   "algo orders")
        elif isinstance(f, ExchangeMaxNumIcebergOrdersFilter):
            _count(name, ctx.account_open_iceberg_orders, iceberg, f.max_num_iceberg_orders,
                   "iceberg orders")
        elif isinstance(f, ExchangeMaxNumOrderListsFilter):
            _count(name, ctx.account_open_order_lists, lists, f.max_num_order_lists,
                   "order lists")


def _check_leg(filters: Sequence[Filter], leg: _Leg, ctx: OrderContext) -> None:
    ref = ctx.reference_price
    for f in filters:
        if isinstance(f, PriceFilter):
            _check_price(f, leg)
    for f in filters:
        if isinstance(f, PercentPriceFilter | PercentPriceBySideFilter):
            _check_percent(f, leg, ref)
    for f in filters:
        if isinstance(f, LotSizeFilter | MarketLotSizeFilter):
            _check_lot(f, leg)
    for f in filters:
        if isinstance(f, MinNotionalFilter | NotionalFilter):
            _check_notional(f, leg, ref)
        elif isinstance(f, IcebergPartsFilter):
            _check_iceberg_parts(f, leg)
        elif isinstance(f, TrailingDeltaFilter):
            _check_trailing(f, leg)
        elif isinstance(f, MaxPositionFilter):
            _check_position(f, leg, ctx.position)


def check_order(
    symbol: SymbolInfo,
    params: Mapping[str, Any],
    *,
    kind: OrderKind = "order",
    exchange_filters: Sequence[Filter] = (),
    context: OrderContext | None = None,
) -> None:
    """Raise `OrderFilterError` for the first filter the order breaks; return None if none.

    `params` are the order's wire parameters (``side``, ``type``, ``quantity``,
    ``quoteOrderQty``, ``price``, ``stopPrice``, ``icebergQty``, ``trailingDelta``; for
    ``kind="oco"`` the legacy OCO's ``price``, ``stopPrice``, ``stopLimitPrice``,
    ``limitIcebergQty``, ``stopIcebergQty``). Numbers may be Decimal, int, str or float.
    `exchange_filters` are ``exchangeInfo.exchangeFilters`` (EXCHANGE_MAX_NUM_*). See the
    module docstring for what is checked and what is skipped without `context`.
    """
    ctx = context or OrderContext()
    legs = _legs(params, kind)
    for leg in legs:
        _check_leg(symbol.filters, leg, ctx)
    _check_counts([*symbol.filters, *exchange_filters], legs, kind, ctx)
