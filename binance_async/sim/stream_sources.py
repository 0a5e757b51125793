"""Stream names and their sources on the live local exchange (the engine's market data).

`parse_stream` checks a stream name against the exchange's grammar and gives its kind, symbol,
argument and update period; `MarketSources` turns a name into the `StreamSource` that produces
its payloads from the `Engine`, in Binance's exact shapes:

==============================  =========  ================================================
stream                          period     payload
==============================  =========  ================================================
``<s>@trade``                   real-time  ``trade`` (no ``b``/``a`` since 2024-06)
``<s>@aggTrade``                real-time  ``aggTrade``
``<s>@bookTicker``              real-time  ``{u,s,b,B,a,A}`` (no ``e``)
``<s>@depth[@100ms|@1000ms]``   1000/100   ``depthUpdate``; ``U`` = previous ``u`` + 1
``<s>@depth<5|10|20>[@100ms]``  1000/100   ``{lastUpdateId,bids,asks}``
``<s>@kline_<i>[@+08:00]``      2000       ``kline`` (1000 ms for ``1s``); a closing bar is
                                           sent once more with ``x: true``. Klines and
                                           tickers start at the symbol's first trade
``<s>@miniTicker``              1000       ``24hrMiniTicker``
``<s>@ticker``                  1000       ``24hrTicker``
``<s>@ticker_<1h|4h|1d>``       1000       ``1hTicker`` ...
``<s>@avgPrice``                1000       ``avgPrice``
``!miniTicker@arr``             1000       mini tickers of the symbols that traded since
``!ticker_<1h|4h|1d>@arr``      1000       window tickers of the symbols that traded since
``<TOKEN>@tokenNav``            3000       BLVT ``nav`` (synthetic: 3x long/short on the
                                           USDT market of the base asset, e.g. BTCUP)
``<TOKEN>@nav_kline_<i>``       300        BLVT NAV kline (synthetic)
==============================  =========  ================================================

``<s>@referencePrice`` and ``<s>@blockTrade`` are valid names that never send anything (the
simulator has no reference price or block trades). Kline streams with a timezone suffix carry
the UTC bars. Periods are simulated milliseconds: at ``speed=60`` a 1-second ticker comes 60
times per wall second (at most once per pump). A diff-depth stream's ``U``/``u`` come from the
book's update ids, the same ids as the REST snapshot's ``lastUpdateId``, so the documented
snapshot + diff procedure rebuilds `Engine.true_book` exactly.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import msgspec

from .errors import HistoryUnavailable
from .market_data import INTERVALS, interval_close, interval_open
from .ws_streams import InvalidStream, StreamSource

if TYPE_CHECKING:
    from .engine import Engine
    from .matching import Market

__all__ = ["DepthFilter", "MarketSources", "ParsedStream", "parse_stream"]

_enc = msgspec.json.encode
_WINDOWS = frozenset({"1h", "4h", "1d"})
_SIMPLE = {"aggTrade": 0, "trade": 0, "bookTicker": 0, "miniTicker": 1000, "ticker": 1000,
           "avgPrice": 1000, "referencePrice": -1, "blockTrade": -1, "tokenNav": 3000}  # fmt: skip
_SPEEDS = {"": 1000, "1000ms": 1000, "100ms": 100}
_TZ = re.compile(r"^([+-])(\d{2}):(\d{2})$")
_SYMBOL = re.compile(r"^[a-z0-9._-]{1,30}$", re.IGNORECASE)
_RETIRED = frozenset({"!ticker@arr", "!bookTicker"})

#: (symbol, stream name, payloads) -> payloads actually sent (the faults hook)
DepthFilter = Callable[[str, str, list[bytes]], list[bytes]]


class ParsedStream(msgspec.Struct, frozen=True):
    """A well-formed stream name: kind, the symbol (as written), argument, period in ms."""

    kind: str
    symbol: str
    arg: str
    period_ms: int


def parse_stream(name: str) -> ParsedStream:
    """Check `name` against the stream grammar; `InvalidStream` when malformed."""
    if name.startswith("!"):
        if name == "!miniTicker@arr":
            return ParsedStream("!miniTicker@arr", "", "", 1000)
        m = re.fullmatch(r"!ticker_(1h|4h|1d)@arr", name)
        if m and name not in _RETIRED:
            return ParsedStream("!ticker@arr", "", m.group(1), 1000)
        raise InvalidStream()
    symbol, sep, rest = name.partition("@")
    if not sep or not _SYMBOL.match(symbol):
        raise InvalidStream()
    head, _, suffix = rest.partition("@")
    if head.startswith("kline_"):
        iv = head[6:]
        if iv not in INTERVALS or (suffix and not _valid_tz(suffix)):
            raise InvalidStream()
        return ParsedStream("kline", symbol, iv, 1000 if iv == "1s" else 2000)
    if head.startswith("nav_kline_"):
        iv = head[10:]
        if iv not in INTERVALS or iv == "1s" or suffix:
            raise InvalidStream()
        return ParsedStream("nav_kline", symbol, iv, 300)
    if head.startswith("ticker_"):
        if head[7:] not in _WINDOWS or suffix:
            raise InvalidStream()
        return ParsedStream("ticker_w", symbol, head[7:], 1000)
    if head in ("depth5", "depth10", "depth20", "depth"):
        if suffix not in _SPEEDS:
            raise InvalidStream()
        return ParsedStream("depth" if head == "depth" else "partial", symbol, head[5:],
                            _SPEEDS[suffix])  # fmt: skip
    period = _SIMPLE.get(head)
    if period is None or suffix:
        raise InvalidStream()
    return ParsedStream(head, symbol, "", period)


def _valid_tz(suffix: str) -> bool:
    m = _TZ.match(suffix)
    if m is None:
        return False
    hours, minutes = int(m.group(2)), int(m.group(3))
    offset = (hours * 60 + minutes) * (1 if m.group(1) == "+" else -1)
    return minutes < 60 and -12 * 60 <= offset <= 14 * 60


class _Fn(StreamSource):
    __slots__ = ("fn",)

    def __init__(self, period_ms: int, fn: Callable[[int], list[bytes]]) -> None:
        super().__init__(period_ms)
        self.fn = fn

    def produce(self, now_ms: int) -> list[bytes]:
        return self.fn(now_ms)


class MarketSources:
    """The live exchange's resolver: stream name -> source over the engine."""

    def __init__(self, engine: Engine, *, strict_symbols: bool = False,
                 user: Any = None) -> None:  # fmt: skip
        self.engine = engine
        self.strict_symbols = strict_symbols
        #: resolves listenKeys (names without "@"), see `user_streams.UserStreams`
        self.user = user
        self.depth_filter: DepthFilter | None = None
        self.tokens: dict[str, tuple[str, int]] = {}
        for sym, mk in engine.markets.items():
            if mk.quote == "USDT":
                self.tokens.setdefault(mk.base + "UP", (sym, 1))
                self.tokens.setdefault(mk.base + "DOWN", (sym, -1))

    def resolve(self, name: str) -> StreamSource | None:
        """The source of stream ``name``, None (valid, silent), or raise `InvalidStream`."""
        if "@" not in name and not name.startswith("!"):
            if self.user is None:
                raise InvalidStream()
            src: StreamSource | None = self.user.resolve(name)
            return src
        p = parse_stream(name)
        if p.period_ms < 0:
            return None
        if p.kind in ("tokenNav", "nav_kline"):
            token = self.tokens.get(p.symbol.upper())
            if token is None:
                return self._unknown(p.symbol)  # type: ignore[func-returns-value]
            return self._blvt(p, p.symbol.upper(), *token)
        if p.kind.startswith("!"):
            return self._all_market(p)
        mk = self.engine.markets.get(p.symbol.upper())
        if mk is None or p.symbol != p.symbol.lower():
            return self._unknown(p.symbol)  # type: ignore[func-returns-value]
        return self._symbol(p, mk, name)

    def _unknown(self, symbol: str) -> None:
        if self.strict_symbols:
            raise InvalidStream(f"Invalid request: unknown symbol '{symbol}'")
        return None

    # --- one symbol -----------------------------------------------------------------------------

    def _symbol(self, p: ParsedStream, mk: Market, name: str) -> StreamSource:
        eng = self.engine
        md = mk.md
        sym = mk.symbol
        kind = p.kind
        if kind in ("trade", "aggTrade", "bookTicker", "depth"):
            cur = eng.stream_cursor(sym)
            if kind == "trade":
                return _Fn(0, lambda now: [_enc(e) for e in cur.trades(now)])
            if kind == "aggTrade":
                return _Fn(0, lambda now: [_enc(e) for e in cur.agg_trades(now)])
            if kind == "bookTicker":
                return _Fn(0, lambda now: [_enc(e) for e in cur.book_tickers()])

            def depth(now: int) -> list[bytes]:
                try:
                    ev = cur.depth_update(now)
                except HistoryUnavailable:
                    cur.resync()  # the cursor fell behind the retention: a gap, as on overload
                    return []
                if ev is None:
                    return []
                out = [_enc(ev)]
                filt = self.depth_filter
                return filt(sym, name, out) if filt is not None else out

            return _Fn(p.period_ms, depth)
        if kind == "partial":
            levels = int(p.arg)
            return _Fn(p.period_ms, lambda now: [_enc(eng.partial_depth_event(sym, levels))])
        # bars and tickers start with the symbol's first trade (no zero prices before it)
        if kind == "kline":
            bars = _kline(md, p.arg)
            return _Fn(p.period_ms, lambda now: bars(now) if md.last_price else [])

        def top() -> tuple[int, int, int, int]:
            t = mk.book.top()
            return (t.bid, t.bid_qty, t.ask, t.ask_qty)

        if kind == "ticker":
            return _Fn(1000, lambda now: [_enc(md.ticker_event(now, top()))] if md.last_price
                       else [])  # fmt: skip
        if kind == "miniTicker":
            return _Fn(1000, lambda now: [_enc(md.mini_ticker_event(now))] if md.last_price
                       else [])  # fmt: skip
        if kind == "ticker_w":
            w = p.arg
            return _Fn(1000, lambda now: [_enc(md.window_ticker_event(w, now))] if md.last_price
                       else [])  # fmt: skip
        # avgPrice
        mins = f"{md.avg_price_mins}m"
        return _Fn(1000, lambda now: [_enc({
            "e": "avgPrice", "E": now, "s": sym, "i": mins, "w": mk.fp(md.avg_price(now)),
            "T": md.last_time})])  # fmt: skip

    # --- all market -----------------------------------------------------------------------------

    def _all_market(self, p: ParsedStream) -> StreamSource:
        markets = self.engine.markets
        seen: dict[str, int] = {}
        window = p.arg

        def changed() -> list[Market]:
            out = []
            for sym, mk in markets.items():
                last = mk.next_trade_id - 1
                if last > 0 and seen.get(sym) != last:
                    seen[sym] = last
                    out.append(mk)
            return out

        if p.kind == "!miniTicker@arr":

            def minis(now: int) -> list[bytes]:
                ev = [mk.md.mini_ticker_event(now) for mk in changed()]
                return [_enc(ev)] if ev else []

            return _Fn(1000, minis)

        def windows(now: int) -> list[bytes]:
            ev = [mk.md.window_ticker_event(window, now) for mk in changed()]
            return [_enc(ev)] if ev else []

        return _Fn(1000, windows)

    # --- BLVT (synthetic) -----------------------------------------------------------------------

    def nav(self, symbol: str, sign: int) -> tuple[float, float, float]:
        """(NAV, real leverage, futures price) of a 3x token on `symbol` (synthetic)."""
        mk = self.engine.markets[symbol]
        price = mk.md.last_price or mk.reference_price
        ref = mk.reference_price or price or 1
        r = price / ref - 1.0
        nav = max(0.0001, 10.0 * (1.0 + sign * 3.0 * r))
        lev = 3.0 * (1.0 + sign * r) / max(1e-6, 1.0 + sign * 3.0 * r)
        return nav, abs(lev), price / 1e8

    def _blvt(self, p: ParsedStream, token: str, symbol: str, sign: int) -> StreamSource:
        issued = 100_000.0
        if p.kind == "tokenNav":

            def nav_event(now: int) -> list[bytes]:
                nav, lev, px = self.nav(symbol, sign)
                position = sign * lev * nav * issued / px if px else 0.0
                return [_enc({"e": "nav", "E": now, "s": token, "m": issued,
                              "b": [{"s": symbol, "n": round(position, 8)}], "n": round(nav, 8),
                              "l": round(lev, 8), "t": 3, "f": 0.0})]  # fmt: skip

            return _Fn(3000, nav_event)
        iv = p.arg
        bar: list[Any] = [None]

        def nav_kline(now: int) -> list[bytes]:
            nav, lev, _ = self.nav(symbol, sign)
            op = interval_open(iv, now)
            b = bar[0]
            if b is None or b["t"] != op:
                b = bar[0] = {"t": op, "f": now, "o": nav, "h": nav, "l": nav, "n": 0}
            b["h"] = max(b["h"], nav)
            b["l"] = min(b["l"], nav)
            b["n"] += 1
            k = {"t": op, "T": interval_close(iv, op), "s": token, "i": iv, "f": b["f"],
                 "L": now, "o": f"{b['o']:.8f}", "c": f"{nav:.8f}", "h": f"{b['h']:.8f}",
                 "l": f"{b['l']:.8f}", "v": f"{lev:.8f}", "n": b["n"], "x": False, "q": "0",
                 "V": "0", "Q": "0", "B": "0"}  # fmt: skip
            return [_enc({"e": "kline", "E": now, "s": token, "k": k})]

        return _Fn(300, nav_kline)


def _kline(md: Any, iv: str) -> Callable[[int], list[bytes]]:
    last_open: list[int | None] = [None]

    def produce(now: int) -> list[bytes]:
        op = interval_open(iv, now)
        out = []
        prev = last_open[0]
        if prev is not None and prev != op:
            out.append(_enc(md.kline_event(iv, now, open_time=prev)))  # the bar closed
        last_open[0] = op
        out.append(_enc(md.kline_event(iv, now)))
        return out

    return produce
