"""Public market data of one symbol: trades, aggTrades, klines, tickers and the average price.

Everything is bounded: the last ``trade_history`` trades and aggTrades, ``kline_history`` bars
per interval (``minute_history`` one-minute bars, enough for the 7-day rolling ticker).

Klines are cheap to maintain: a trade only updates the current 1-second bar; when a second closes
its bar is folded into the current bar of every other interval (``1m`` ... ``1M``), so a busy
symbol costs one fold per second, not one per trade and interval. Readers merge the open second
back in. Bars exist only for intervals that had trades. Rolling statistics (24hr ticker,
``/api/v3/ticker`` windows, mini tickers) are computed from minute bars: like Binance's rolling
window ticker, the window opens on a minute boundary.
"""

from __future__ import annotations

from collections import deque
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, NamedTuple

from ._num import SCALE, Formatter

__all__ = [
    "INTERVALS",
    "MarketData",
    "Trade",
    "WindowStats",
    "interval_close",
    "interval_open",
    "window_ms",
]

_S = 1000
_M = 60 * _S
_H = 60 * _M
_D = 24 * _H
#: Kline intervals -> length in ms (0 for the calendar month).
INTERVALS: dict[str, int] = {
    "1s": _S, "1m": _M, "3m": 3 * _M, "5m": 5 * _M, "15m": 15 * _M, "30m": 30 * _M,
    "1h": _H, "2h": 2 * _H, "4h": 4 * _H, "6h": 6 * _H, "8h": 8 * _H, "12h": 12 * _H,
    "1d": _D, "3d": 3 * _D, "1w": 7 * _D, "1M": 0,
}  # fmt: skip
_WEEK_OFFSET = 4 * _D  # 1970-01-01 was a Thursday; Binance weeks open on Monday 00:00 UTC

# Bar layout (lists, mutated in place).
_OPEN, _O, _H_, _L, _C, _V, _Q, _N, _TV, _TQ, _FIRST, _LAST = range(12)


def interval_open(interval: str, t: int) -> int:
    """Open time of the ``interval`` bar containing ``t`` (ms)."""
    ms = INTERVALS[interval]
    if ms == 0:
        d = datetime.fromtimestamp(t / 1000, UTC)
        return int(datetime(d.year, d.month, 1, tzinfo=UTC).timestamp() * 1000)
    if interval == "1w":
        return (t - _WEEK_OFFSET) // ms * ms + _WEEK_OFFSET
    return t - t % ms


def interval_close(interval: str, open_time: int) -> int:
    """Close time (last ms) of the ``interval`` bar opening at ``open_time``."""
    ms = INTERVALS[interval]
    if ms == 0:
        d = datetime.fromtimestamp(open_time / 1000, UTC)
        y, m = (d.year + 1, 1) if d.month == 12 else (d.year, d.month + 1)
        return int(datetime(y, m, 1, tzinfo=UTC).timestamp() * 1000) - 1
    return open_time + ms - 1


def window_ms(window: str) -> int:
    """``/api/v3/ticker`` windowSize (``1m``..``59m``, ``1h``..``23h``, ``1d``..``7d``) in ms.

    ValueError for anything else.
    """
    unit = window[-1:]
    num = window[:-1]
    if not num.isdigit():
        raise ValueError(window)
    n = int(num)
    if unit == "m" and 1 <= n <= 59:
        return n * _M
    if unit == "h" and 1 <= n <= 23:
        return n * _H
    if unit == "d" and 1 <= n <= 7:
        return n * _D
    raise ValueError(window)


class Trade(NamedTuple):
    """One retained trade: price, qty and quote in units (1e-8), time in ms."""

    id: int
    price: int
    qty: int
    quote: int
    time: int
    is_buyer_maker: bool


class WindowStats(NamedTuple):
    """Rolling statistics over ``open_time..close_time`` (units)."""

    open_time: int
    close_time: int
    open: int
    high: int
    low: int
    last: int
    volume: int
    quote_volume: int
    first_id: int
    last_id: int
    trade_count: int
    prev_close: int


class MarketData:
    """Trades, aggTrades, bars and statistics of one symbol."""

    def __init__(
        self,
        symbol: str,
        fp: Formatter,
        fq: Formatter,
        fquote: Formatter,
        *,
        reference_price: int = 0,
        avg_price_mins: int = 5,
        trade_history: int = 10_000,
        kline_history: int = 1_000,
        minute_history: int = 7 * 1440 + 60,
        second_history: int = 3_600,
    ) -> None:
        self.symbol = symbol
        self.fp = fp
        self.fq = fq
        self.fquote = fquote
        self.reference_price = reference_price
        self.avg_price_mins = avg_price_mins
        self.trades: deque[Trade] = deque(maxlen=trade_history)
        # aggTrade rows: [a, price, qty, first, last, time, isBuyerMaker, taker order id]
        self.aggs: deque[list[Any]] = deque(maxlen=trade_history)
        self.next_agg_id = 1
        self.last_price = 0
        self.last_qty = 0
        self.last_time = 0
        self._c1: list[int] | None = None
        self.bars: dict[str, deque[list[int]]] = {
            iv: deque(maxlen=second_history if iv == "1s" else
                      minute_history if iv == "1m" else kline_history)
            for iv in INTERVALS
        }  # fmt: skip
        self._cur: dict[str, list[int]] = {}
        self._end: dict[str, int] = {}
        self._fold = [iv for iv in INTERVALS if iv != "1s"]
        self._win: deque[tuple[int, int, int]] = deque()
        self._win_qty = 0
        self._win_quote = 0
        self._stats_cache: dict[int, tuple[int, int, WindowStats]] = {}

    # --- ingestion ----------------------------------------------------------------------------

    def on_trade(
        self, tid: int, price: int, qty: int, quote: int, t: int, buyer_maker: bool, taker: int
    ) -> None:
        """Record one trade (``taker``: the taker order id, for aggTrades)."""
        self.trades.append(Trade(tid, price, qty, quote, t, buyer_maker))
        aggs = self.aggs
        if aggs:
            a = aggs[-1]
            if a[7] == taker and a[1] == price and a[4] == tid - 1 and a[5] == t:
                a[2] += qty
                a[4] = tid
            else:
                aggs.append([self.next_agg_id, price, qty, tid, tid, t, buyer_maker, taker])
                self.next_agg_id += 1
        else:
            aggs.append([self.next_agg_id, price, qty, tid, tid, t, buyer_maker, taker])
            self.next_agg_id += 1
        self.last_price = price
        self.last_qty = qty
        self.last_time = t
        sec = t - t % 1000
        c = self._c1
        if c is None or c[0] != sec:
            if c is not None:
                self._close_second(c)
            c = self._c1 = [sec, price, price, price, price, 0, 0, 0, 0, 0, tid, tid]
        elif price > c[2]:
            c[2] = price
        elif price < c[3]:
            c[3] = price
        c[4] = price
        c[5] += qty
        c[6] += quote
        c[7] += 1
        if not buyer_maker:
            c[8] += qty
            c[9] += quote
        c[11] = tid

    def _close_second(self, c: list[int]) -> None:
        self.bars["1s"].append(c)
        win = self._win
        win.append((c[0], c[5], c[6]))
        self._win_qty += c[5]
        self._win_quote += c[6]
        start = c[0] - self.avg_price_mins * _M
        while win[0][0] < start:  # keep the window bounded even if nobody asks for it
            _, q, qq = win.popleft()
            self._win_qty -= q
            self._win_quote -= qq
        for iv in self._fold:
            cur = self._cur.get(iv)
            if cur is None or c[0] > self._end[iv]:
                if cur is not None:
                    self.bars[iv].append(cur)
                op = interval_open(iv, c[0])
                self._cur[iv] = [op, *c[1:]]
                self._end[iv] = interval_close(iv, op)
            else:
                _merge(cur, c)

    # --- average price ------------------------------------------------------------------------

    def avg_price(self, now_ms: int, mins: int | None = None) -> int:
        """Volume-weighted average price of the last ``mins`` minutes (units).

        Falls back to the last price, then to the reference (start) price.
        """
        mins = self.avg_price_mins if mins is None else mins
        start = now_ms - mins * _M
        if mins == self.avg_price_mins:
            win = self._win
            while win and win[0][0] < start:
                _, q, qq = win.popleft()
                self._win_qty -= q
                self._win_quote -= qq
            qty = self._win_qty
            quote = self._win_quote
        else:
            qty = quote = 0
            for b in reversed(self.bars["1s"]):
                if b[0] < start:
                    break
                qty += b[5]
                quote += b[6]
        c = self._c1
        if c is not None and c[0] >= start:
            qty += c[5]
            quote += c[6]
        if qty:
            return quote * SCALE // qty
        return self.last_price or self.reference_price

    # --- klines -------------------------------------------------------------------------------

    def _bars(self, interval: str) -> list[list[int]]:
        """All retained bars of ``interval`` (oldest first), the open ones merged in."""
        c = self._c1
        if interval == "1s":
            out = list(self.bars["1s"])
            if c is not None:
                out.append(c)
            return out
        out = list(self.bars[interval])
        cur = self._cur.get(interval)
        if cur is not None:
            if c is not None and c[0] <= self._end[interval]:
                merged = list(cur)
                _merge(merged, c)
                out.append(merged)
                return out
            out.append(cur)
        if c is not None:
            out.append([interval_open(interval, c[0]), *c[1:]])
        return out

    def klines(
        self, interval: str, start: int | None, end: int | None, limit: int
    ) -> list[list[Any]]:
        """``GET /api/v3/klines`` rows (bars with trades only)."""
        bars = self._bars(interval)
        if start is not None:
            bars = [b for b in bars if b[0] >= start]
        if end is not None:
            bars = [b for b in bars if b[0] <= end]
        bars = bars[:limit] if start is not None else bars[-limit:] if limit > 0 else []
        fp, fq, fquote = self.fp, self.fq, self.fquote
        return [
            [b[0], fp(b[1]), fp(b[2]), fp(b[3]), fp(b[4]), fq(b[5]),
             interval_close(interval, b[0]), fquote(b[6]), b[7], fq(b[8]), fquote(b[9]), "0"]
            for b in bars
        ]  # fmt: skip

    def kline_event(
        self, interval: str, now_ms: int, open_time: int | None = None
    ) -> dict[str, Any]:
        """The ``<symbol>@kline_<interval>`` event for the bar open at ``now_ms``.

        With ``open_time`` the bar opening then (closed, ``x``, once ``now_ms`` is past it).
        A bar without trades repeats the last price with zero volume and ids -1.
        """
        op = interval_open(interval, now_ms if open_time is None else open_time)
        bar: list[int] | None = None
        for b in reversed(self._bars(interval)):
            if b[0] == op:
                bar = b
                break
            if b[0] < op:
                break
        close = interval_close(interval, op)
        if bar is None:
            p = self.last_price
            bar = [op, p, p, p, p, 0, 0, 0, 0, 0, -1, -1]
        fp, fq, fquote = self.fp, self.fq, self.fquote
        return {
            "e": "kline",
            "E": now_ms,
            "s": self.symbol,
            "k": {
                "t": op, "T": close, "s": self.symbol, "i": interval,
                "f": bar[10], "L": bar[11], "o": fp(bar[1]), "c": fp(bar[4]),
                "h": fp(bar[2]), "l": fp(bar[3]), "v": fq(bar[5]), "n": bar[7],
                "x": now_ms > close, "q": fquote(bar[6]), "V": fq(bar[8]),
                "Q": fquote(bar[9]), "B": "0",
            },
        }  # fmt: skip

    # --- trades -------------------------------------------------------------------------------

    def trade_json(self, t: Trade) -> dict[str, Any]:
        """A trade as a ``GET /api/v3/trades`` row."""
        return {
            "id": t.id,
            "price": self.fp(t.price),
            "qty": self.fq(t.qty),
            "quoteQty": self.fquote(t.quote),
            "time": t.time,
            "isBuyerMaker": t.is_buyer_maker,
            "isBestMatch": True,
        }

    def trade_event(self, t: Trade, event_time: int) -> dict[str, Any]:
        """The ``<symbol>@trade`` event (no buyer/seller order ids since 2024-06)."""
        return {
            "e": "trade",
            "E": event_time,
            "s": self.symbol,
            "t": t.id,
            "p": self.fp(t.price),
            "q": self.fq(t.qty),
            "T": t.time,
            "m": t.is_buyer_maker,
            "M": True,
        }

    def trades_since(self, trade_id: int) -> list[Trade]:
        """Retained trades with an id above ``trade_id`` (ids are consecutive)."""
        tr = self.trades
        if not tr or tr[-1].id <= trade_id:
            return []
        first = tr[0].id
        start = max(0, trade_id + 1 - first)
        return [tr[i] for i in range(start, len(tr))]

    def recent_trades(self, limit: int, from_id: int | None = None) -> list[dict[str, Any]]:
        """The last ``limit`` trades, or ``limit`` from id ``from_id`` on, as REST rows."""
        tr = self.trades
        if not tr:
            return []
        if from_id is None:
            rows = [tr[i] for i in range(max(0, len(tr) - limit), len(tr))]
        else:
            start = max(0, from_id - tr[0].id)
            rows = [tr[i] for i in range(start, min(len(tr), start + limit))]
        return [self.trade_json(t) for t in rows]

    def agg_json(self, a: list[Any]) -> dict[str, Any]:
        """An aggTrade (``[id, price, qty, first, last, time, maker]``) as its JSON fields."""
        return {
            "a": a[0],
            "p": self.fp(a[1]),
            "q": self.fq(a[2]),
            "f": a[3],
            "l": a[4],
            "T": a[5],
            "m": a[6],
            "M": True,
        }

    def agg_event(self, a: list[Any], event_time: int) -> dict[str, Any]:
        """The ``<symbol>@aggTrade`` event."""
        return {"e": "aggTrade", "E": event_time, "s": self.symbol, **self.agg_json(a)}

    def aggs_since(self, agg_id: int) -> list[list[Any]]:
        """Retained aggTrades with an id above ``agg_id``; the last one may still grow."""
        ag = self.aggs
        if not ag or ag[-1][0] <= agg_id:
            return []
        start = max(0, agg_id + 1 - ag[0][0])
        return [ag[i] for i in range(start, len(ag))]

    def agg_trades(
        self, from_id: int | None, start: int | None, end: int | None, limit: int
    ) -> list[dict[str, Any]]:
        """``GET /api/v3/aggTrades`` rows: from ``from_id``, in a time range (ms), or the latest."""
        ag = list(self.aggs)
        if from_id is not None:
            ag = [a for a in ag if a[0] >= from_id][:limit]
        elif start is not None or end is not None:
            ag = [
                a for a in ag if (start is None or a[5] >= start) and (end is None or a[5] <= end)
            ][:limit]
        else:
            ag = ag[-limit:]
        return [self.agg_json(a) for a in ag]

    # --- rolling statistics -------------------------------------------------------------------

    def stats(self, window: int, now_ms: int) -> WindowStats:
        """Statistics over the window ``window`` ms back from ``now_ms`` (minute-aligned open)."""
        minute = now_ms // _M
        last_tid = self.trades[-1].id if self.trades else 0
        hit = self._stats_cache.get(window)
        if hit is not None and hit[0] == minute and hit[1] == last_tid:
            s = hit[2]
            return s._replace(close_time=now_ms)
        open_time = max(0, (now_ms - window) // _M * _M)
        bars = self._bars("1m")
        o = h = lo = vol = qv = n = 0
        first = last = -1
        prev = 0
        i = len(bars) - 1
        while i >= 0 and bars[i][0] >= open_time:
            i -= 1
        if i >= 0:
            prev = bars[i][4]
        sel = bars[i + 1 :]
        if sel:
            o = sel[0][1]
            h = max(b[2] for b in sel)
            lo = min(b[3] for b in sel)
            vol = sum(b[5] for b in sel)
            qv = sum(b[6] for b in sel)
            n = sum(b[7] for b in sel)
            first = sel[0][10]
            last = sel[-1][11]
        else:
            o = h = lo = self.last_price
        s = WindowStats(open_time, now_ms, o, h, lo, self.last_price, vol, qv, first, last, n, prev)
        self._stats_cache[window] = (minute, last_tid, s)
        return s

    def _change(self, s: WindowStats) -> tuple[str, str, str]:
        change = s.last - s.open
        pct = (Decimal(change * 100) / Decimal(s.open) if s.open else Decimal(0)).quantize(
            Decimal("0.001")
        )
        wavg = s.quote_volume * SCALE // s.volume if s.volume else 0
        return self.fp(change), f"{pct:.3f}", self.fp(wavg)

    def ticker_json(
        self,
        window: int,
        now_ms: int,
        full: bool,
        *,
        top: tuple[int, int, int, int] | None = None,
    ) -> dict[str, Any]:
        """REST ticker body: 24hr shape when ``top`` (bid, bidQty, ask, askQty) is given and
        ``full``, rolling-window shape otherwise; MINI when not ``full``."""
        s = self.stats(window, now_ms)
        fp, fq, fquote = self.fp, self.fq, self.fquote
        d: dict[str, Any] = {"symbol": self.symbol}
        if full:
            ch, pct, wavg = self._change(s)
            d["priceChange"] = ch
            d["priceChangePercent"] = pct
            d["weightedAvgPrice"] = wavg
            if top is not None:
                d["prevClosePrice"] = fp(s.prev_close)
                d["lastPrice"] = fp(s.last)
                d["lastQty"] = fq(self.last_qty)
                d["bidPrice"] = fp(top[0])
                d["bidQty"] = fq(top[1])
                d["askPrice"] = fp(top[2])
                d["askQty"] = fq(top[3])
        d["openPrice"] = fp(s.open)
        d["highPrice"] = fp(s.high)
        d["lowPrice"] = fp(s.low)
        d["lastPrice"] = fp(s.last)
        d["volume"] = fq(s.volume)
        d["quoteVolume"] = fquote(s.quote_volume)
        d["openTime"] = s.open_time
        d["closeTime"] = s.close_time
        d["firstId"] = s.first_id
        d["lastId"] = s.last_id
        d["count"] = s.trade_count
        return d

    def ticker_event(self, now_ms: int, top: tuple[int, int, int, int]) -> dict[str, Any]:
        """The ``<symbol>@ticker`` (24hrTicker) event."""
        s = self.stats(_D, now_ms)
        ch, pct, wavg = self._change(s)
        fp, fq, fquote = self.fp, self.fq, self.fquote
        return {
            "e": "24hrTicker", "E": now_ms, "s": self.symbol, "p": ch, "P": pct, "w": wavg,
            "x": fp(s.prev_close), "c": fp(s.last), "Q": fq(self.last_qty),
            "b": fp(top[0]), "B": fq(top[1]), "a": fp(top[2]), "A": fq(top[3]),
            "o": fp(s.open), "h": fp(s.high), "l": fp(s.low), "v": fq(s.volume),
            "q": fquote(s.quote_volume), "O": s.open_time, "C": s.close_time,
            "F": s.first_id, "L": s.last_id, "n": s.trade_count,
        }  # fmt: skip

    def mini_ticker_event(self, now_ms: int) -> dict[str, Any]:
        """The ``<symbol>@miniTicker`` (24hrMiniTicker) event."""
        s = self.stats(_D, now_ms)
        fp = self.fp
        return {
            "e": "24hrMiniTicker", "E": now_ms, "s": self.symbol, "c": fp(s.last),
            "o": fp(s.open), "h": fp(s.high), "l": fp(s.low), "v": self.fq(s.volume),
            "q": self.fquote(s.quote_volume),
        }  # fmt: skip

    def window_ticker_event(self, window: str, now_ms: int) -> dict[str, Any]:
        """The ``<symbol>@ticker_<1h|4h|1d>`` event (``1hTicker``...)."""
        s = self.stats(window_ms(window), now_ms)
        ch, pct, wavg = self._change(s)
        fp, fq, fquote = self.fp, self.fq, self.fquote
        return {
            "e": f"{window}Ticker", "E": now_ms, "s": self.symbol, "p": ch, "P": pct,
            "o": fp(s.open), "h": fp(s.high), "l": fp(s.low), "c": fp(s.last), "w": wavg,
            "v": fq(s.volume), "q": fquote(s.quote_volume), "O": s.open_time,
            "C": s.close_time, "F": s.first_id, "L": s.last_id, "n": s.trade_count,
        }  # fmt: skip


def _merge(cur: list[int], c: list[int]) -> None:
    """Fold bar ``c`` (later) into ``cur``."""
    if c[2] > cur[2]:
        cur[2] = c[2]
    if c[3] < cur[3]:
        cur[3] = c[3]
    cur[4] = c[4]
    cur[5] += c[5]
    cur[6] += c[6]
    cur[7] += c[7]
    cur[8] += c[8]
    cur[9] += c[9]
    cur[11] = c[11]
