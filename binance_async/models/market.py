"""Public market-data responses: time, depth, trades, klines, tickers, average price."""

from __future__ import annotations

from decimal import Decimal

import msgspec

from ._base import BinanceRow, BinanceStruct

__all__ = [
    "AggTrade",
    "AvgPrice",
    "BookTicker",
    "DepthSnapshot",
    "EmptyResponse",
    "Kline",
    "PriceLevel",
    "RollingTicker",
    "ServerTime",
    "Ticker24hr",
    "Ticker24hrMini",
    "TickerPrice",
    "Trade",
]


class EmptyResponse(BinanceStruct, frozen=True, kw_only=True):
    """``{}``: ``GET /api/v3/ping``, ``POST /api/v3/order/test``, listenKey keepalive/close."""


class ServerTime(BinanceStruct, frozen=True, kw_only=True):
    """``GET /api/v3/time``."""

    server_time: int


class PriceLevel(BinanceRow, frozen=True):
    """One ``[price, qty]`` depth level (wire: a 2-item array of decimal strings)."""

    price: Decimal
    qty: Decimal


class DepthSnapshot(BinanceStruct, frozen=True, kw_only=True):
    """``GET /api/v3/depth``: bids best (highest) first, asks best (lowest) first."""

    last_update_id: int
    bids: list[PriceLevel]
    asks: list[PriceLevel]


class Trade(BinanceStruct, frozen=True, kw_only=True, gc=False):
    """A row of ``GET /api/v3/trades`` or ``/api/v3/historicalTrades``."""

    id: int
    price: Decimal
    qty: Decimal
    quote_qty: Decimal
    time: int
    is_buyer_maker: bool
    is_best_match: bool


class AggTrade(BinanceStruct, frozen=True, kw_only=True, gc=False):
    """A row of ``GET /api/v3/aggTrades`` (wire keys ``a p q f l T m M``)."""

    agg_id: int = msgspec.field(name="a")
    price: Decimal = msgspec.field(name="p")
    qty: Decimal = msgspec.field(name="q")
    first_trade_id: int = msgspec.field(name="f")
    last_trade_id: int = msgspec.field(name="l")
    time: int = msgspec.field(name="T")
    is_buyer_maker: bool = msgspec.field(name="m")
    is_best_match: bool = msgspec.field(name="M")


class Kline(BinanceRow, frozen=True):
    """A row of ``GET /api/v3/klines`` / ``uiKlines`` (a 12-item array; the last is unused)."""

    open_time: int
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    volume: Decimal
    close_time: int
    quote_volume: Decimal
    num_trades: int
    taker_buy_base_volume: Decimal
    taker_buy_quote_volume: Decimal
    ignore: str = "0"


class Ticker24hrMini(BinanceStruct, frozen=True, kw_only=True):
    """Ticker statistics, MINI form (``type=MINI`` on ``ticker/24hr``, ``ticker``, ...)."""

    symbol: str
    open_price: Decimal
    high_price: Decimal
    low_price: Decimal
    last_price: Decimal
    volume: Decimal
    quote_volume: Decimal
    open_time: int
    close_time: int
    first_id: int
    last_id: int
    count: int


class RollingTicker(Ticker24hrMini, frozen=True, kw_only=True):
    """``GET /api/v3/ticker`` (rolling window) and ``ticker/tradingDay``, FULL form."""

    price_change: Decimal
    price_change_percent: Decimal
    weighted_avg_price: Decimal


class Ticker24hr(RollingTicker, frozen=True, kw_only=True):
    """``GET /api/v3/ticker/24hr``, FULL form (adds previous close, last qty, best bid/ask)."""

    prev_close_price: Decimal
    last_qty: Decimal
    bid_price: Decimal
    bid_qty: Decimal
    ask_price: Decimal
    ask_qty: Decimal


class TickerPrice(BinanceStruct, frozen=True, kw_only=True):
    """``GET /api/v3/ticker/price``."""

    symbol: str
    price: Decimal


class BookTicker(BinanceStruct, frozen=True, kw_only=True):
    """``GET /api/v3/ticker/bookTicker``: best bid/ask price and quantity."""

    symbol: str
    bid_price: Decimal
    bid_qty: Decimal
    ask_price: Decimal
    ask_qty: Decimal


class AvgPrice(BinanceStruct, frozen=True, kw_only=True):
    """``GET /api/v3/avgPrice``; ``close_time`` appeared in 2023 (None before)."""

    mins: int
    price: Decimal
    close_time: int | None = None
