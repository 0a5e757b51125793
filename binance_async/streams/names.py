"""Build and normalise market stream names; build combined-stream URLs.

Builders validate their arguments and return Binance's spelling (lower-case symbol)::

    trade("BTCUSDT")                      -> "btcusdt@trade"
    kline("BTCUSDT", "1m", tz="+08:00")   -> "btcusdt@kline_1m@+08:00"
    depth("BTCUSDT", speed_ms=100)        -> "btcusdt@depth@100ms"
    partial_depth("BTCUSDT", 5)           -> "btcusdt@depth5"
    all_rolling_tickers("1h")             -> "!ticker_1h@arr"

Retired streams (``!ticker@arr``, ``!bookTicker``) have no builder; `normalize` refuses them.
Use `binance_async.models.streams.stream_kind` to classify any name.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from ..models.streams import (
    KLINE_INTERVALS,
    RETIRED_STREAMS,
    ROLLING_WINDOWS,
    StreamKind,
    stream_kind,
)

__all__ = [
    "DEFAULT_BASE_URL",
    "agg_trade",
    "all_mini_tickers",
    "all_rolling_tickers",
    "avg_price",
    "book_ticker",
    "combined_url",
    "depth",
    "kline",
    "mini_ticker",
    "nav_kline",
    "normalize",
    "partial_depth",
    "rolling_ticker",
    "ticker",
    "token_nav",
    "trade",
]

DEFAULT_BASE_URL: Final = "wss://stream.binance.com:9443"


def _sym(symbol: str) -> str:
    s = symbol.strip().lower()
    if not s or not s.isalnum():
        raise ValueError(f"invalid symbol {symbol!r}")
    return s


def _speed(speed_ms: int) -> str:
    if speed_ms == 1000:
        return ""
    if speed_ms == 100:
        return "@100ms"
    raise ValueError(f"speed_ms must be 100 or 1000, not {speed_ms!r}")


def agg_trade(symbol: str) -> str:
    """``<s>@aggTrade``."""
    return f"{_sym(symbol)}@aggTrade"


def trade(symbol: str) -> str:
    """``<s>@trade``."""
    return f"{_sym(symbol)}@trade"


def kline(symbol: str, interval: str, *, tz: str | None = None) -> str:
    """``<s>@kline_<interval>``; ``tz="+08:00"`` gives klines in that UTC offset."""
    if interval not in KLINE_INTERVALS:
        raise ValueError(f"invalid kline interval {interval!r}")
    name = f"{_sym(symbol)}@kline_{interval}"
    if tz is not None:
        name = f"{name}@{tz}"
        if stream_kind(name) is not StreamKind.KLINE:
            raise ValueError(f"invalid timezone {tz!r} (expected like '+08:00')")
    return name


def mini_ticker(symbol: str) -> str:
    """``<s>@miniTicker``."""
    return f"{_sym(symbol)}@miniTicker"


def all_mini_tickers() -> str:
    """``!miniTicker@arr``: the mini tickers of every symbol."""
    return "!miniTicker@arr"


def ticker(symbol: str) -> str:
    """``<s>@ticker``: 24 h rolling statistics."""
    return f"{_sym(symbol)}@ticker"


def rolling_ticker(symbol: str, window: str) -> str:
    """``<s>@ticker_<window>``, ``window`` in 1h, 4h, 1d (ValueError otherwise)."""
    if window not in ROLLING_WINDOWS:
        raise ValueError(f"invalid window {window!r} (1h, 4h or 1d)")
    return f"{_sym(symbol)}@ticker_{window}"


def all_rolling_tickers(window: str) -> str:
    """``!ticker_<window>@arr``, ``window`` in 1h, 4h, 1d (ValueError otherwise)."""
    if window not in ROLLING_WINDOWS:
        raise ValueError(f"invalid window {window!r} (1h, 4h or 1d)")
    return f"!ticker_{window}@arr"


def book_ticker(symbol: str) -> str:
    """``<s>@bookTicker``."""
    return f"{_sym(symbol)}@bookTicker"


def partial_depth(symbol: str, levels: int, *, speed_ms: int = 1000) -> str:
    """``<s>@depth<levels>`` (5, 10 or 20), at 1000 ms or (``speed_ms=100``) 100 ms."""
    if levels not in (5, 10, 20):
        raise ValueError(f"levels must be 5, 10 or 20, not {levels!r}")
    return f"{_sym(symbol)}@depth{levels}{_speed(speed_ms)}"


def depth(symbol: str, *, speed_ms: int = 100) -> str:
    """The diff-depth stream (100 ms by default, what a local order book wants)."""
    return f"{_sym(symbol)}@depth{_speed(speed_ms)}"


def avg_price(symbol: str) -> str:
    """``<s>@avgPrice``."""
    return f"{_sym(symbol)}@avgPrice"


def token_nav(token_name: str) -> str:
    """``<TOKEN>@tokenNav``: a BLVT's net asset value (token name upper case)."""
    return f"{token_name.strip().upper()}@tokenNav"


def nav_kline(token_name: str, interval: str) -> str:
    """``<TOKEN>@nav_kline_<interval>`` (any kline interval but ``1s``)."""
    if interval not in KLINE_INTERVALS or interval == "1s":
        raise ValueError(f"invalid NAV kline interval {interval!r}")
    return f"{token_name.strip().upper()}@nav_kline_{interval}"


def normalize(stream_name: str) -> str:
    """Lower-case the symbol part of a market stream name; check it is a known, live stream.

    A listenKey (no ``@``) and BLVT names are returned unchanged (they are case-sensitive).
    Raises ``ValueError`` for unknown or retired streams.
    """
    name = stream_name.strip()
    if name in RETIRED_STREAMS:
        raise ValueError(f"stream {name!r} was retired by Binance")
    kind = stream_kind(name)
    if kind is StreamKind.UNKNOWN:
        raise ValueError(f"unknown stream name {stream_name!r}")
    if kind in (StreamKind.USER_DATA, StreamKind.TOKEN_NAV, StreamKind.NAV_KLINE):
        return name
    if name.startswith("!"):
        return name
    symbol, _, rest = name.partition("@")
    return f"{symbol.lower()}@{rest}"


def combined_url(streams: Iterable[str], base_url: str = DEFAULT_BASE_URL, query: str = "") -> str:
    """``<base>/stream?streams=a/b/c`` (``query`` is appended, e.g. ``"timeUnit=MICROSECOND"``)."""
    joined = "/".join(streams)
    url = f"{base_url.rstrip('/')}/stream?streams={joined}"
    return f"{url}&{query}" if query else url
