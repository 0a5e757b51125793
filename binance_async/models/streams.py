"""Typed market-stream events, stream-name classification, and decoders built once.

Every event is a ``msgspec.Struct`` with ``frozen=True, gc=False``; wire fields get readable
names (``symbol: str = msgspec.field(name="s")``) and unknown extra fields are ignored, so a
payload from a newer API still decodes.

Prices and quantities: ``str``
------------------------------
Prices and quantities are kept as the exact wire text (``"61837.63000000"``); each event offers
``*_decimal`` properties (``trade.price_decimal``) that build a ``Decimal`` on access. Measured
on the real hftbacktest BTCUSDT ``@trade`` capture (19,904 events; msgspec 0.22, CPython 3.11,
best of 7 passes of a ``msgspec.json.Decoder`` over the ``data`` bodies), per event::

    str fields                      ~ 525 ns
    Decimal fields                  ~1100 ns   (2.1x slower)
    float fields (strict=False)     ~ 560 ns   (inexact)
    str, then Decimal() of p and q  ~1240 ns   (what a consumer needing both pays)

Most consumers never look at every price (routers, recorders, books that parse levels in bulk
with `binance_async.models.depth.levels_to_float`), so the exact text is the default and a
``Decimal`` is paid for only when asked for. The REST models (`binance_async.models.market`)
keep ``Decimal``; the names here end in ``Event`` so they never clash with those.

BLVT payloads (``@tokenNav``, ``@nav_kline_*``) carry JSON numbers, decoded as ``float``.

Stream names -> kinds -> decoders
---------------------------------
``stream_kind("btcusdt@kline_1m@+08:00")`` returns a `StreamKind`; ``decoder_for_stream(name)``
returns the decoder of that kind (built once, cached per kind). Diff depth and partial depth
reuse `binance_async.models.depth` (`DepthEvent`, `PartialDepth`). A listenKey (no ``@``)
is a user-data stream whose decoder dispatches on ``"e"`` (`binance_async.models.user_data`).
Kinds whose payload this library does not model (``@referencePrice``, ``@blockTrade``,
anything unknown) decode to ``msgspec.Raw``, untouched.
"""

from __future__ import annotations

import enum
import re
from decimal import Decimal
from typing import Any, Final, Protocol

import msgspec

from .depth import DEPTH_EVENT_DECODER, PARTIAL_DEPTH_DECODER, DepthEvent, PartialDepth
from .user_data import USER_EVENT_DECODER

__all__ = [
    "KLINE_INTERVALS",
    "RETIRED_STREAMS",
    "ROLLING_WINDOWS",
    "AggTradeEvent",
    "AvgPriceEvent",
    "BookTickerEvent",
    "DepthUpdateEvent",
    "EventDecoder",
    "KlineEvent",
    "MiniTickerEvent",
    "NavBasket",
    "NavKline",
    "NavKlineEvent",
    "PartialDepthEvent",
    "RollingWindowTickerEvent",
    "ServerShutdownEvent",
    "StreamKind",
    "StreamKline",
    "TickerEvent",
    "TokenNavEvent",
    "TradeEvent",
    "decoder_for_kind",
    "decoder_for_stream",
    "stream_kind",
]

#: Diff-depth events (``<s>@depth[@100ms]``): `binance_async.models.depth.DepthEvent`.
DepthUpdateEvent = DepthEvent
#: Partial-depth events (``<s>@depth<5|10|20>[@100ms]``): `binance_async.models.depth.PartialDepth`.
PartialDepthEvent = PartialDepth

# fmt: off
#: Kline intervals of ``<s>@kline_<i>`` (``1s`` since 2022-08-23).
KLINE_INTERVALS: Final = frozenset({
    "1s", "1m", "3m", "5m", "15m", "30m", "1h", "2h", "4h", "6h", "8h", "12h", "1d", "3d", "1w",
    "1M",
})
# fmt: on
#: Windows of ``<s>@ticker_<w>`` and ``!ticker_<w>@arr``.
ROLLING_WINDOWS: Final = frozenset({"1h", "4h", "1d"})
#: Streams Binance has retired: ``!ticker@arr`` (2026-03-26), ``!bookTicker`` (2022-12-07).
RETIRED_STREAMS: Final = frozenset({"!ticker@arr", "!bookTicker"})


def _dec(text: str) -> Decimal:
    return Decimal(text)


# --------------------------------------------------------------------------------------------
# Trades
# --------------------------------------------------------------------------------------------


class AggTradeEvent(msgspec.Struct, frozen=True, gc=False, kw_only=True):
    """``<symbol>@aggTrade``: trades aggregated per taker order."""

    event_type: str = msgspec.field(default="aggTrade", name="e")
    event_time: int = msgspec.field(name="E")
    symbol: str = msgspec.field(name="s")
    agg_trade_id: int = msgspec.field(name="a")
    price: str = msgspec.field(name="p")
    quantity: str = msgspec.field(name="q")
    first_trade_id: int = msgspec.field(name="f")
    last_trade_id: int = msgspec.field(name="l")
    trade_time: int = msgspec.field(name="T")
    is_buyer_maker: bool = msgspec.field(name="m")
    is_best_match: bool = msgspec.field(default=True, name="M")

    @property
    def price_decimal(self) -> Decimal:
        """The price ``p`` as an exact Decimal."""
        return _dec(self.price)

    @property
    def quantity_decimal(self) -> Decimal:
        """The quantity ``q`` as an exact Decimal."""
        return _dec(self.quantity)


class TradeEvent(msgspec.Struct, frozen=True, gc=False, kw_only=True):
    """``<symbol>@trade``. ``b``/``a`` (buyer/seller order ids) were removed 2024-06-18: None."""

    event_type: str = msgspec.field(default="trade", name="e")
    event_time: int = msgspec.field(name="E")
    symbol: str = msgspec.field(name="s")
    trade_id: int = msgspec.field(name="t")
    price: str = msgspec.field(name="p")
    quantity: str = msgspec.field(name="q")
    trade_time: int = msgspec.field(name="T")
    is_buyer_maker: bool = msgspec.field(name="m")
    is_best_match: bool = msgspec.field(default=True, name="M")
    buyer_order_id: int | None = msgspec.field(default=None, name="b")
    seller_order_id: int | None = msgspec.field(default=None, name="a")

    @property
    def price_decimal(self) -> Decimal:
        """The price ``p`` as an exact Decimal."""
        return _dec(self.price)

    @property
    def quantity_decimal(self) -> Decimal:
        """The quantity ``q`` as an exact Decimal."""
        return _dec(self.quantity)


# --------------------------------------------------------------------------------------------
# Klines
# --------------------------------------------------------------------------------------------


class StreamKline(msgspec.Struct, frozen=True, gc=False, kw_only=True):
    """The ``k`` object of a kline event."""

    start_time: int = msgspec.field(name="t")
    close_time: int = msgspec.field(name="T")
    symbol: str = msgspec.field(name="s")
    interval: str = msgspec.field(name="i")
    first_trade_id: int = msgspec.field(name="f")
    last_trade_id: int = msgspec.field(name="L")
    open: str = msgspec.field(name="o")
    close: str = msgspec.field(name="c")
    high: str = msgspec.field(name="h")
    low: str = msgspec.field(name="l")
    volume: str = msgspec.field(name="v")
    trade_count: int = msgspec.field(name="n")
    is_closed: bool = msgspec.field(name="x")
    quote_volume: str = msgspec.field(name="q")
    taker_buy_base_volume: str = msgspec.field(name="V")
    taker_buy_quote_volume: str = msgspec.field(name="Q")

    @property
    def open_decimal(self) -> Decimal:
        """The open price ``o`` as an exact Decimal."""
        return _dec(self.open)

    @property
    def close_decimal(self) -> Decimal:
        """The close price ``c`` (the last price while the bar is open) as an exact Decimal."""
        return _dec(self.close)

    @property
    def high_decimal(self) -> Decimal:
        """The high price ``h`` as an exact Decimal."""
        return _dec(self.high)

    @property
    def low_decimal(self) -> Decimal:
        """The low price ``l`` as an exact Decimal."""
        return _dec(self.low)

    @property
    def volume_decimal(self) -> Decimal:
        """The base asset volume ``v`` as an exact Decimal."""
        return _dec(self.volume)


class KlineEvent(msgspec.Struct, frozen=True, gc=False, kw_only=True):
    """``<symbol>@kline_<interval>`` (and ``...@+08:00``, klines in UTC+8)."""

    event_type: str = msgspec.field(default="kline", name="e")
    event_time: int = msgspec.field(name="E")
    symbol: str = msgspec.field(name="s")
    kline: StreamKline = msgspec.field(name="k")


# --------------------------------------------------------------------------------------------
# Tickers
# --------------------------------------------------------------------------------------------


class MiniTickerEvent(msgspec.Struct, frozen=True, gc=False, kw_only=True):
    """``<symbol>@miniTicker`` (and the items of ``!miniTicker@arr``): 24 h rolling stats."""

    event_type: str = msgspec.field(default="24hrMiniTicker", name="e")
    event_time: int = msgspec.field(name="E")
    symbol: str = msgspec.field(name="s")
    close_price: str = msgspec.field(name="c")
    open_price: str = msgspec.field(name="o")
    high_price: str = msgspec.field(name="h")
    low_price: str = msgspec.field(name="l")
    volume: str = msgspec.field(name="v")
    quote_volume: str = msgspec.field(name="q")

    @property
    def close_price_decimal(self) -> Decimal:
        """The last price ``c`` as an exact Decimal."""
        return _dec(self.close_price)

    @property
    def volume_decimal(self) -> Decimal:
        """The 24 h base asset volume ``v`` as an exact Decimal."""
        return _dec(self.volume)


class TickerEvent(msgspec.Struct, frozen=True, gc=False, kw_only=True):
    """``<symbol>@ticker``: 24 h rolling statistics (also the items of retired ``!ticker@arr``)."""

    event_type: str = msgspec.field(default="24hrTicker", name="e")
    event_time: int = msgspec.field(name="E")
    symbol: str = msgspec.field(name="s")
    price_change: str = msgspec.field(name="p")
    price_change_percent: str = msgspec.field(name="P")
    weighted_avg_price: str = msgspec.field(name="w")
    first_trade_price: str = msgspec.field(default="0", name="x")
    last_price: str = msgspec.field(name="c")
    last_quantity: str = msgspec.field(default="0", name="Q")
    bid_price: str = msgspec.field(default="0", name="b")
    bid_quantity: str = msgspec.field(default="0", name="B")
    ask_price: str = msgspec.field(default="0", name="a")
    ask_quantity: str = msgspec.field(default="0", name="A")
    open_price: str = msgspec.field(name="o")
    high_price: str = msgspec.field(name="h")
    low_price: str = msgspec.field(name="l")
    volume: str = msgspec.field(name="v")
    quote_volume: str = msgspec.field(name="q")
    open_time: int = msgspec.field(name="O")
    close_time: int = msgspec.field(name="C")
    first_trade_id: int = msgspec.field(name="F")
    last_trade_id: int = msgspec.field(name="L")
    trade_count: int = msgspec.field(name="n")

    @property
    def last_price_decimal(self) -> Decimal:
        """The last price ``c`` as an exact Decimal."""
        return _dec(self.last_price)

    @property
    def bid_price_decimal(self) -> Decimal:
        """The best bid price ``b`` as an exact Decimal."""
        return _dec(self.bid_price)

    @property
    def ask_price_decimal(self) -> Decimal:
        """The best ask price ``a`` as an exact Decimal."""
        return _dec(self.ask_price)


class RollingWindowTickerEvent(msgspec.Struct, frozen=True, gc=False, kw_only=True):
    """``<symbol>@ticker_<1h|4h|1d>`` and items of ``!ticker_<w>@arr``; ``e``: ``"1hTicker"``..."""

    event_type: str = msgspec.field(name="e")
    event_time: int = msgspec.field(name="E")
    symbol: str = msgspec.field(name="s")
    price_change: str = msgspec.field(name="p")
    price_change_percent: str = msgspec.field(name="P")
    open_price: str = msgspec.field(name="o")
    high_price: str = msgspec.field(name="h")
    low_price: str = msgspec.field(name="l")
    last_price: str = msgspec.field(name="c")
    weighted_avg_price: str = msgspec.field(name="w")
    volume: str = msgspec.field(name="v")
    quote_volume: str = msgspec.field(name="q")
    open_time: int = msgspec.field(name="O")
    close_time: int = msgspec.field(name="C")
    first_trade_id: int = msgspec.field(name="F")
    last_trade_id: int = msgspec.field(name="L")
    trade_count: int = msgspec.field(name="n")

    @property
    def window(self) -> str:
        """``"1h"``, ``"4h"`` or ``"1d"`` (from ``e``)."""
        return self.event_type.removesuffix("Ticker")

    @property
    def last_price_decimal(self) -> Decimal:
        """The last price ``c`` as an exact Decimal."""
        return _dec(self.last_price)


class BookTickerEvent(msgspec.Struct, frozen=True, gc=False, kw_only=True):
    """``<symbol>@bookTicker``: best bid/ask. Spot sends no ``e``/``E``; futures adds ``e E T``."""

    update_id: int = msgspec.field(name="u")
    symbol: str = msgspec.field(name="s")
    bid_price: str = msgspec.field(name="b")
    bid_quantity: str = msgspec.field(name="B")
    ask_price: str = msgspec.field(name="a")
    ask_quantity: str = msgspec.field(name="A")
    event_type: str = msgspec.field(default="bookTicker", name="e")
    event_time: int | None = msgspec.field(default=None, name="E")
    transaction_time: int | None = msgspec.field(default=None, name="T")

    @property
    def bid_price_decimal(self) -> Decimal:
        """The best bid price ``b`` as an exact Decimal."""
        return _dec(self.bid_price)

    @property
    def ask_price_decimal(self) -> Decimal:
        """The best ask price ``a`` as an exact Decimal."""
        return _dec(self.ask_price)

    @property
    def bid_quantity_decimal(self) -> Decimal:
        """The best bid quantity ``B`` as an exact Decimal."""
        return _dec(self.bid_quantity)

    @property
    def ask_quantity_decimal(self) -> Decimal:
        """The best ask quantity ``A`` as an exact Decimal."""
        return _dec(self.ask_quantity)


class AvgPriceEvent(msgspec.Struct, frozen=True, gc=False, kw_only=True):
    """``<symbol>@avgPrice``: the average price over ``interval`` (e.g. ``"5m"``)."""

    event_type: str = msgspec.field(default="avgPrice", name="e")
    event_time: int = msgspec.field(name="E")
    symbol: str = msgspec.field(name="s")
    interval: str = msgspec.field(name="i")
    price: str = msgspec.field(name="w")
    last_trade_time: int | None = msgspec.field(default=None, name="T")

    @property
    def price_decimal(self) -> Decimal:
        """The average price ``w`` as an exact Decimal."""
        return _dec(self.price)


# --------------------------------------------------------------------------------------------
# BLVT
# --------------------------------------------------------------------------------------------


class NavBasket(msgspec.Struct, frozen=True, gc=False, kw_only=True):
    """One futures position of a BLVT basket."""

    symbol: str = msgspec.field(name="s")
    position: float = msgspec.field(name="n")


class TokenNavEvent(msgspec.Struct, frozen=True, gc=False, kw_only=True):
    """``<tokenName>@tokenNav``: a BLVT's net asset value. ``symbol`` is the token name."""

    event_type: str = msgspec.field(default="nav", name="e")
    event_time: int = msgspec.field(name="E")
    symbol: str = msgspec.field(name="s")
    tokens_issued: float = msgspec.field(name="m")
    baskets: list[NavBasket] = msgspec.field(default_factory=list, name="b")
    nav: float = msgspec.field(name="n")
    real_leverage: float = msgspec.field(name="l")
    target_leverage: float = msgspec.field(name="t")
    funding_ratio: float = msgspec.field(name="f")

    @property
    def token_name(self) -> str:
        """The BLVT token name (the wire ``s``, kept as ``symbol``)."""
        return self.symbol


class NavKline(msgspec.Struct, frozen=True, gc=False, kw_only=True):
    """The ``k`` object of a BLVT NAV kline (prices are NAV values; ``v`` is real leverage)."""

    start_time: int = msgspec.field(name="t")
    close_time: int = msgspec.field(name="T")
    symbol: str = msgspec.field(name="s")
    interval: str = msgspec.field(name="i")
    first_nav_time: int = msgspec.field(name="f")
    last_nav_time: int = msgspec.field(name="L")
    open: str = msgspec.field(name="o")
    close: str = msgspec.field(name="c")
    high: str = msgspec.field(name="h")
    low: str = msgspec.field(name="l")
    real_leverage: str = msgspec.field(name="v")
    nav_update_count: int = msgspec.field(name="n")

    @property
    def close_decimal(self) -> Decimal:
        """The closing NAV ``c`` as an exact Decimal."""
        return _dec(self.close)


class NavKlineEvent(msgspec.Struct, frozen=True, gc=False, kw_only=True):
    """``<tokenName>@nav_kline_<interval>``. ``symbol`` is the token name."""

    event_type: str = msgspec.field(default="kline", name="e")
    event_time: int = msgspec.field(name="E")
    symbol: str = msgspec.field(name="s")
    kline: NavKline = msgspec.field(name="k")


class ServerShutdownEvent(msgspec.Struct, frozen=True, gc=False, kw_only=True):
    """``{"e": "serverShutdown", "E": ...}``: the server will close soon; reconnect (rotate)."""

    event_type: str = msgspec.field(default="serverShutdown", name="e")
    event_time: int | None = msgspec.field(default=None, name="E")


# --------------------------------------------------------------------------------------------
# Stream names and decoders
# --------------------------------------------------------------------------------------------


class StreamKind(enum.Enum):
    """What a stream name carries (see `stream_kind`)."""

    AGG_TRADE = "aggTrade"
    TRADE = "trade"
    KLINE = "kline"
    MINI_TICKER = "miniTicker"
    ALL_MINI_TICKERS = "!miniTicker@arr"
    TICKER = "ticker"
    ALL_TICKERS = "!ticker@arr"  # retired 2026-03-26
    ROLLING_TICKER = "ticker_<w>"
    ALL_ROLLING_TICKERS = "!ticker_<w>@arr"
    BOOK_TICKER = "bookTicker"
    ALL_BOOK_TICKERS = "!bookTicker"  # retired 2022-12-07
    PARTIAL_DEPTH = "depth<n>"
    DEPTH = "depth"
    AVG_PRICE = "avgPrice"
    REFERENCE_PRICE = "referencePrice"
    BLOCK_TRADE = "blockTrade"
    TOKEN_NAV = "tokenNav"
    NAV_KLINE = "nav_kline"
    USER_DATA = "listenKey"
    UNKNOWN = "unknown"


_SIMPLE_KINDS: Final[dict[str, StreamKind]] = {
    "aggTrade": StreamKind.AGG_TRADE,
    "trade": StreamKind.TRADE,
    "miniTicker": StreamKind.MINI_TICKER,
    "ticker": StreamKind.TICKER,
    "bookTicker": StreamKind.BOOK_TICKER,
    "depth": StreamKind.DEPTH,
    "avgPrice": StreamKind.AVG_PRICE,
    "referencePrice": StreamKind.REFERENCE_PRICE,
    "blockTrade": StreamKind.BLOCK_TRADE,
    "tokenNav": StreamKind.TOKEN_NAV,
}
_PARTIAL_DEPTH: Final = frozenset({"depth5", "depth10", "depth20"})
_SPEED: Final = frozenset({"100ms", "1000ms"})
_TZ: Final = re.compile(r"^[+-]\d{2}:\d{2}$")
_ARRAYS: Final[dict[str, StreamKind]] = {
    "!miniTicker@arr": StreamKind.ALL_MINI_TICKERS,
    "!ticker@arr": StreamKind.ALL_TICKERS,
    "!ticker_1h@arr": StreamKind.ALL_ROLLING_TICKERS,
    "!ticker_4h@arr": StreamKind.ALL_ROLLING_TICKERS,
    "!ticker_1d@arr": StreamKind.ALL_ROLLING_TICKERS,
    "!bookTicker": StreamKind.ALL_BOOK_TICKERS,
}
_KIND_CACHE: dict[str, StreamKind] = {}


def _classify(name: str) -> StreamKind:
    if name.startswith("!"):
        return _ARRAYS.get(name, StreamKind.UNKNOWN)
    symbol, sep, rest = name.partition("@")
    if not sep:
        # No "@": a listenKey (user data stream), e.g. "pqia91ma19a5s61cv6a81va65sdf19v8a6...".
        return StreamKind.USER_DATA if symbol.isalnum() else StreamKind.UNKNOWN
    if not symbol:
        return StreamKind.UNKNOWN
    head, _, suffix = rest.partition("@")
    if head.startswith("kline_"):
        ok = head[6:] in KLINE_INTERVALS and (not suffix or _TZ.match(suffix) is not None)
        return StreamKind.KLINE if ok else StreamKind.UNKNOWN
    if head.startswith("nav_kline_"):
        ok = head[10:] in KLINE_INTERVALS and not suffix
        return StreamKind.NAV_KLINE if ok else StreamKind.UNKNOWN
    if head.startswith("ticker_"):
        ok = head[7:] in ROLLING_WINDOWS and not suffix
        return StreamKind.ROLLING_TICKER if ok else StreamKind.UNKNOWN
    if head in _PARTIAL_DEPTH:
        return StreamKind.PARTIAL_DEPTH if (not suffix or suffix in _SPEED) else StreamKind.UNKNOWN
    kind = _SIMPLE_KINDS.get(head)
    if kind is None:
        return StreamKind.UNKNOWN
    if suffix and not (kind is StreamKind.DEPTH and suffix in _SPEED):
        return StreamKind.UNKNOWN
    return kind


def stream_kind(stream_name: str) -> StreamKind:
    """Classify a stream name (cached): ``"btcusdt@depth@100ms"`` -> `StreamKind.DEPTH`.

    Handles ``@100ms``/``@1000ms`` speed suffixes, kline timezone suffixes (``@+08:00``),
    all-market arrays (``!miniTicker@arr``, ``!ticker_1h@arr``), BLVT streams and a bare
    listenKey (`StreamKind.USER_DATA`). Symbol case is not checked (Binance wants lower case;
    `binance_async.streams.names` builds correct names). Anything else: `StreamKind.UNKNOWN`.
    """
    kind = _KIND_CACHE.get(stream_name)
    if kind is None:
        kind = _classify(stream_name)
        if len(_KIND_CACHE) < 65536:
            _KIND_CACHE[stream_name] = kind
    return kind


class EventDecoder(Protocol):
    """Anything with ``decode(bytes) -> event`` (a ``msgspec.json.Decoder`` or a dispatcher)."""

    def decode(self, buf: bytes | bytearray | memoryview | str, /) -> Any:
        """Decode one JSON payload into an event."""


class _RawDecoder:
    """Pass-through for payloads this library does not model: returns ``msgspec.Raw``."""

    __slots__ = ()

    def decode(self, buf: bytes | bytearray | memoryview | str, /) -> msgspec.Raw:
        return buf if isinstance(buf, msgspec.Raw) else msgspec.Raw(buf)


RAW_DECODER: Final = _RawDecoder()

_DECODERS: Final[dict[StreamKind, EventDecoder]] = {
    StreamKind.AGG_TRADE: msgspec.json.Decoder(AggTradeEvent),
    StreamKind.TRADE: msgspec.json.Decoder(TradeEvent),
    StreamKind.KLINE: msgspec.json.Decoder(KlineEvent),
    StreamKind.MINI_TICKER: msgspec.json.Decoder(MiniTickerEvent),
    StreamKind.ALL_MINI_TICKERS: msgspec.json.Decoder(list[MiniTickerEvent]),
    StreamKind.TICKER: msgspec.json.Decoder(TickerEvent),
    StreamKind.ALL_TICKERS: msgspec.json.Decoder(list[TickerEvent]),
    StreamKind.ROLLING_TICKER: msgspec.json.Decoder(RollingWindowTickerEvent),
    StreamKind.ALL_ROLLING_TICKERS: msgspec.json.Decoder(list[RollingWindowTickerEvent]),
    StreamKind.BOOK_TICKER: msgspec.json.Decoder(BookTickerEvent),
    StreamKind.ALL_BOOK_TICKERS: msgspec.json.Decoder(BookTickerEvent),
    StreamKind.PARTIAL_DEPTH: PARTIAL_DEPTH_DECODER,
    StreamKind.DEPTH: DEPTH_EVENT_DECODER,
    StreamKind.AVG_PRICE: msgspec.json.Decoder(AvgPriceEvent),
    StreamKind.REFERENCE_PRICE: RAW_DECODER,
    StreamKind.BLOCK_TRADE: RAW_DECODER,
    StreamKind.TOKEN_NAV: msgspec.json.Decoder(TokenNavEvent),
    StreamKind.NAV_KLINE: msgspec.json.Decoder(NavKlineEvent),
    StreamKind.USER_DATA: USER_EVENT_DECODER,
    StreamKind.UNKNOWN: RAW_DECODER,
}


def decoder_for_kind(kind: StreamKind) -> EventDecoder:
    """The decoder of a `StreamKind` (one instance per kind, built at import)."""
    return _DECODERS[kind]


def decoder_for_stream(stream_name: str) -> EventDecoder:
    """The decoder for events of ``stream_name``; see `stream_kind` for the accepted names."""
    return _DECODERS[stream_kind(stream_name)]
