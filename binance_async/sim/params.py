"""Request parameter parsing and symbol filters, with Binance's error codes and messages.

`parse_order` turns ``POST /api/v3/order`` parameters (strings, as received; ints and Decimals are
accepted too) into an `OrderRequest` of integer units, raising the -11xx parameter errors;
`check_filters` enforces the symbol's filters (-1013 "Filter failure: NAME").
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ._num import SCALE, parse_units
from .book import BUY, SELL
from .errors import (
    CLIENT_ORDER_ID_RANGE,
    MARKET_CLOSED,
    SimError,
    filter_failure,
    illegal_chars,
    invalid_param,
    mandatory,
    mandatory_either,
    not_required,
    rejected,
)
from .orders import ALGO_TYPES, LIMIT_TYPES

if TYPE_CHECKING:
    from .accounts import Account
    from .matching import Market

__all__ = [
    "ORDER_TYPES",
    "OrderRequest",
    "check_filters",
    "get_int",
    "get_str",
    "parse_cid",
    "parse_order",
]

ORDER_TYPES = frozenset(
    {"LIMIT", "MARKET", "LIMIT_MAKER", "STOP_LOSS", "STOP_LOSS_LIMIT", "TAKE_PROFIT",
     "TAKE_PROFIT_LIMIT"}
)  # fmt: skip
_TIF_TYPES = frozenset({"LIMIT", "STOP_LOSS_LIMIT", "TAKE_PROFIT_LIMIT"})
_TIFS = frozenset({"GTC", "IOC", "FOK"})
_RESP_TYPES = frozenset({"ACK", "RESULT", "FULL"})
_CID = re.compile(r"^[a-zA-Z0-9\-_]{1,36}$")
_INT = re.compile(r"^-?[0-9]{1,19}$")
_UNSUPPORTED = {
    "MARKET": "Market orders are not supported for this symbol.",
    "LIMIT": "Limit orders are not supported for this symbol.",
    "LIMIT_MAKER": "Limit maker orders are not supported for this symbol.",
    "STOP_LOSS": "Stop loss orders are not supported for this symbol.",
    "STOP_LOSS_LIMIT": "Stop loss limit orders are not supported for this symbol.",
    "TAKE_PROFIT": "Take profit orders are not supported for this symbol.",
    "TAKE_PROFIT_LIMIT": "Take profit limit orders are not supported for this symbol.",
}


@dataclass(slots=True)
class OrderRequest:
    """A parsed new-order request (units; 0 = not sent)."""

    side: int
    type: str
    tif: str
    qty: int
    quote_qty: int
    price: int
    stop_price: int
    cid: str | None
    resp_type: str
    strategy_id: int | None = None
    strategy_type: int | None = None


def get_str(params: Mapping[str, Any], name: str) -> str | None:
    """A parameter as a string; None when absent or empty."""
    v = params.get(name)
    if v is None:
        return None
    if isinstance(v, Decimal):
        s = format(v, "f")
    elif isinstance(v, bool):
        s = "true" if v else "false"
    else:
        s = str(v)
    return s if s != "" else None


def get_int(params: Mapping[str, Any], name: str) -> int | None:
    """An integer parameter (-1100 when malformed)."""
    s = get_str(params, name)
    if s is None:
        return None
    if _INT.match(s) is None:
        raise illegal_chars(name, "^-?[0-9]{1,19}$")
    return int(s)


def parse_cid(params: Mapping[str, Any], name: str) -> str | None:
    """A client order id parameter (-1100 unless it matches ``^[a-zA-Z0-9-_]{1,36}$``)."""
    s = get_str(params, name)
    if s is not None and _CID.match(s) is None:
        raise illegal_chars(name, CLIENT_ORDER_ID_RANGE)
    return s


def _units(params: Mapping[str, Any], name: str, precision: int) -> int:
    s = get_str(params, name)
    return 0 if s is None else parse_units(name, s, precision)


def parse_order(
    params: Mapping[str, Any], mk: Market, *, prefix: str = "", default_resp: str | None = None
) -> OrderRequest:
    """Parse new-order parameters for symbol ``mk`` (already resolved)."""
    spec = mk.spec
    side_s = get_str(params, "side")
    if side_s is None:
        raise mandatory("side")
    if side_s not in ("BUY", "SELL"):
        raise SimError(-1117, "Invalid side.")
    typ = get_str(params, "type")
    if typ is None:
        raise mandatory("type")
    if typ not in ORDER_TYPES:
        raise SimError(-1116, "Invalid orderType.")
    tif = get_str(params, "timeInForce")
    if tif is not None and tif not in _TIFS:
        raise SimError(-1115, "Invalid timeInForce.")
    if typ in _TIF_TYPES:
        if tif is None:
            raise mandatory("timeInForce")
    elif tif is not None:
        raise not_required("timeInForce")
    has_qty = get_str(params, "quantity") is not None
    has_quote = get_str(params, "quoteOrderQty") is not None
    if typ == "MARKET":
        if not has_qty and not has_quote:
            raise mandatory_either("quantity", "quoteOrderQty")
        if has_qty and has_quote:
            raise not_required("quoteOrderQty")
    else:
        if not has_qty:
            raise mandatory("quantity")
        if has_quote:
            raise not_required("quoteOrderQty")
    has_price = get_str(params, "price") is not None
    if typ in LIMIT_TYPES:
        if not has_price:
            raise mandatory("price")
    elif has_price:
        raise not_required("price")
    has_stop = get_str(params, "stopPrice") is not None
    has_trailing = get_str(params, "trailingDelta") is not None
    if typ in ALGO_TYPES:
        if not has_stop and not has_trailing:
            raise mandatory_either("stopPrice", "trailingDelta")
    elif has_stop:
        raise not_required("stopPrice")
    qp = spec.quote_precision
    bp = spec.base_precision
    qty = _units(params, "quantity", bp)
    quote_qty = _units(params, "quoteOrderQty", qp)
    price = _units(params, "price", qp)
    stop = _units(params, "stopPrice", qp)
    iceberg = _units(params, "icebergQty", bp)
    cid = parse_cid(params, "newClientOrderId")
    resp = get_str(params, "newOrderRespType")
    if resp is None:
        resp = default_resp or ("FULL" if typ in ("MARKET", "LIMIT") else "ACK")
    elif resp not in _RESP_TYPES:
        raise invalid_param("newOrderRespType")
    strategy_id = get_int(params, "strategyId")
    strategy_type = get_int(params, "strategyType")
    if strategy_type is not None and strategy_type < 1_000_000:
        raise SimError(-1134, "strategyType was less than 1000000.")
    stp = get_str(params, "selfTradePreventionMode")
    if stp is not None and stp != "NONE":
        raise invalid_param("selfTradePreventionMode")
    # matching engine rejections
    if not mk.trading:
        raise rejected(MARKET_CLOSED)
    if typ not in spec.order_types:
        raise rejected(_UNSUPPORTED[typ])
    if iceberg:
        raise rejected("Iceberg orders are not supported for this symbol.")
    if has_trailing:
        raise rejected("Trailing stop orders are not supported for this symbol.")
    if quote_qty and not spec.quote_order_qty_market_allowed:
        raise rejected("Quote order qty market orders are not support for this symbol.")
    return OrderRequest(
        side=BUY if side_s == "BUY" else SELL,
        type=typ,
        tif=tif or "GTC",
        qty=qty,
        quote_qty=quote_qty,
        price=price,
        stop_price=stop,
        cid=cid,
        resp_type=resp,
        strategy_id=strategy_id,
        strategy_type=strategy_type,
    )


def _price_ok(mk: Market, p: int) -> bool:
    if p <= 0:
        return False
    if mk.min_price and p < mk.min_price:
        return False
    if mk.max_price and p > mk.max_price:
        return False
    return not (mk.tick and p % mk.tick)


def _pct(d: Decimal) -> int:
    return int(d * SCALE)


def check_filters(
    mk: Market,
    req: OrderRequest,
    acct: Account,
    now_ms: int,
    *,
    new_orders: int = 1,
    new_algo: int | None = None,
) -> None:
    """Raise -1013 "Filter failure: NAME" for the first filter ``req`` breaks."""
    spec = mk.spec
    typ = req.type
    limit_type = typ in LIMIT_TYPES
    if limit_type and not _price_ok(mk, req.price):
        raise filter_failure("PRICE_FILTER")
    if req.stop_price and not _price_ok(mk, req.stop_price):
        raise filter_failure("PRICE_FILTER")
    if (
        limit_type
        and mk.md.last_price  # no trade yet: no average price to compare with
        and (spec.percent_price_by_side or spec.multiplier_up is not None)
    ):
        avg = mk.md.avg_price(now_ms, spec.percent_price_avg_mins)
        if avg:
            if spec.percent_price_by_side:
                if req.side == BUY:
                    up, down = spec.bid_multiplier_up, spec.bid_multiplier_down
                else:
                    up, down = spec.ask_multiplier_up, spec.ask_multiplier_down
                name = "PERCENT_PRICE_BY_SIDE"
            else:
                up = spec.multiplier_up or Decimal(0)
                down = spec.multiplier_down or Decimal(0)
                name = "PERCENT_PRICE"
            p = req.price * SCALE
            if p > avg * _pct(up) or p < avg * _pct(down):
                raise filter_failure(name)
    market = typ == "MARKET"
    if not req.quote_qty:
        q = req.qty
        if q <= 0 or q < mk.min_qty or (mk.max_qty and q > mk.max_qty) or (mk.step and q % mk.step):
            raise filter_failure("LOT_SIZE")
        if (
            market
            and spec.has_market_lot_size
            and (
                (mk.m_min_qty and q < mk.m_min_qty)
                or (mk.m_max_qty and q > mk.m_max_qty)
                or (mk.m_step and q % mk.m_step)
            )
        ):
            raise filter_failure("MARKET_LOT_SIZE")
    if mk.min_notional or mk.max_notional:
        if req.quote_qty:
            notional = req.quote_qty
        elif market or typ in ("STOP_LOSS", "TAKE_PROFIT"):
            ref = req.stop_price or mk.md.avg_price(now_ms)
            notional = mk.quote_of(ref, req.qty)
        else:
            notional = mk.quote_of(req.price, req.qty)
        is_mkt = market or typ in ("STOP_LOSS", "TAKE_PROFIT")
        apply_min = spec.apply_min_to_market or not is_mkt
        apply_max = spec.notional_filter == "NOTIONAL" and (spec.apply_max_to_market or not is_mkt)
        if apply_min and mk.min_notional and notional < mk.min_notional:
            raise filter_failure(spec.notional_filter)
        if apply_max and mk.max_notional and notional > mk.max_notional:
            raise filter_failure(spec.notional_filter)
        if req.stop_price and typ in LIMIT_TYPES:
            stop_notional = mk.quote_of(req.stop_price, req.qty)
            if apply_min and mk.min_notional and stop_notional < mk.min_notional:
                raise filter_failure(spec.notional_filter)
    opened = acct.open.get(mk.symbol)
    n_open = len(opened) if opened else 0
    if spec.max_num_orders and n_open + new_orders > spec.max_num_orders:
        raise filter_failure("MAX_NUM_ORDERS")
    n_algo = new_algo if new_algo is not None else (1 if typ in ALGO_TYPES else 0)
    if n_algo and spec.max_num_algo_orders and opened:
        algo = sum(1 for o in opened.values() if o.type in ALGO_TYPES)
        if algo + n_algo > spec.max_num_algo_orders:
            raise filter_failure("MAX_NUM_ALGO_ORDERS")
    if spec.max_position is not None and req.side == BUY:
        pos = acct.free.get(mk.base, 0) + acct.locked.get(mk.base, 0) + req.qty
        if opened:
            pos += sum(o.qty - o.executed for o in opened.values() if o.side == BUY)
        if pos > int(spec.max_position * SCALE):
            raise filter_failure("MAX_POSITION")
