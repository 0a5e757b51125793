"""Decoders built once: `decoder_for` (cached) and a ``*_DECODER`` constant per response shape.

Every decoder here passes the filter `dec_hook` (so ``Filter`` fields work anywhere) and
``float_hook=Decimal`` (untyped JSON floats, e.g. in ``UnknownFilter.raw``, keep their exact
text). ``decoder_for(tp)`` returns the same ``msgspec.json.Decoder`` for the same ``tp``, so call
it freely, including with ``list[...]`` or union types.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, TypeVar, overload

import msgspec

from .account import Account, ListenKey, MyTrade, OrderRateLimitUsage
from .exchange_info import ExchangeInfo
from .filters import dec_hook
from .market import (
    AggTrade,
    AvgPrice,
    BookTicker,
    DepthSnapshot,
    EmptyResponse,
    Kline,
    RollingTicker,
    ServerTime,
    Ticker24hr,
    Ticker24hrMini,
    TickerPrice,
    Trade,
)
from .trading import CancelledOrder, Order, OrderAck, OrderFull, OrderList, OrderResult

__all__ = [
    "ACCOUNT_DECODER",
    "AGG_TRADES_DECODER",
    "AVG_PRICE_DECODER",
    "BOOK_TICKER_DECODER",
    "BOOK_TICKER_LIST_DECODER",
    "CANCELLED_ORDER_DECODER",
    "DEPTH_SNAPSHOT_DECODER",
    "EMPTY_DECODER",
    "EXCHANGE_INFO_DECODER",
    "KLINES_DECODER",
    "LISTEN_KEY_DECODER",
    "MY_TRADES_DECODER",
    "ORDERS_DECODER",
    "ORDER_ACK_DECODER",
    "ORDER_DECODER",
    "ORDER_FULL_DECODER",
    "ORDER_LISTS_DECODER",
    "ORDER_LIST_DECODER",
    "ORDER_RATE_LIMIT_USAGE_DECODER",
    "ORDER_RESULT_DECODER",
    "ROLLING_TICKER_DECODER",
    "ROLLING_TICKER_LIST_DECODER",
    "SERVER_TIME_DECODER",
    "TICKER_24HR_DECODER",
    "TICKER_24HR_LIST_DECODER",
    "TICKER_24HR_MINI_DECODER",
    "TICKER_24HR_MINI_LIST_DECODER",
    "TICKER_PRICE_DECODER",
    "TICKER_PRICE_LIST_DECODER",
    "TRADES_DECODER",
    "decoder_for",
]

_T = TypeVar("_T")

_CACHE: dict[tuple[Any, bool], msgspec.json.Decoder[Any]] = {}


@overload
def decoder_for(tp: type[_T], *, strict: bool = True) -> msgspec.json.Decoder[_T]:
    """Typed overload: the cached decoder of a model class ``tp``."""


@overload
def decoder_for(tp: Any, *, strict: bool = True) -> msgspec.json.Decoder[Any]:
    """Overload: the cached decoder of any type expression (``list[Model]``, a union)."""


def decoder_for(tp: Any, *, strict: bool = True) -> msgspec.json.Decoder[Any]:
    """The cached JSON decoder for ``tp`` (a model, ``list[Model]``, a union...).

    ``strict=False`` is msgspec's lax mode (e.g. ``"1"`` accepted for an int field).
    """
    key = (tp, strict)
    dec = _CACHE.get(key)
    if dec is None:
        dec = msgspec.json.Decoder(tp, strict=strict, dec_hook=dec_hook, float_hook=Decimal)
        _CACHE[key] = dec
    return dec


# General / market data
EMPTY_DECODER = decoder_for(EmptyResponse)
SERVER_TIME_DECODER = decoder_for(ServerTime)
EXCHANGE_INFO_DECODER = decoder_for(ExchangeInfo)
DEPTH_SNAPSHOT_DECODER = decoder_for(DepthSnapshot)
TRADES_DECODER = decoder_for(list[Trade])
AGG_TRADES_DECODER = decoder_for(list[AggTrade])
KLINES_DECODER = decoder_for(list[Kline])
AVG_PRICE_DECODER = decoder_for(AvgPrice)
TICKER_24HR_DECODER = decoder_for(Ticker24hr)
TICKER_24HR_LIST_DECODER = decoder_for(list[Ticker24hr])
TICKER_24HR_MINI_DECODER = decoder_for(Ticker24hrMini)
TICKER_24HR_MINI_LIST_DECODER = decoder_for(list[Ticker24hrMini])
ROLLING_TICKER_DECODER = decoder_for(RollingTicker)
ROLLING_TICKER_LIST_DECODER = decoder_for(list[RollingTicker])
TICKER_PRICE_DECODER = decoder_for(TickerPrice)
TICKER_PRICE_LIST_DECODER = decoder_for(list[TickerPrice])
BOOK_TICKER_DECODER = decoder_for(BookTicker)
BOOK_TICKER_LIST_DECODER = decoder_for(list[BookTicker])

# Trading (for POST /api/v3/order of unknown response type, use decode_order_response)
ORDER_ACK_DECODER = decoder_for(OrderAck)
ORDER_RESULT_DECODER = decoder_for(OrderResult)
ORDER_FULL_DECODER = decoder_for(OrderFull)
ORDER_DECODER = decoder_for(Order)
ORDERS_DECODER = decoder_for(list[Order])
CANCELLED_ORDER_DECODER = decoder_for(CancelledOrder)
ORDER_LIST_DECODER = decoder_for(OrderList)
ORDER_LISTS_DECODER = decoder_for(list[OrderList])

# Account
ACCOUNT_DECODER = decoder_for(Account)
MY_TRADES_DECODER = decoder_for(list[MyTrade])
ORDER_RATE_LIMIT_USAGE_DECODER = decoder_for(list[OrderRateLimitUsage])
LISTEN_KEY_DECODER = decoder_for(ListenKey)
