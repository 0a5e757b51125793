"""Public market-data endpoints of the engine and the per-symbol `StreamCursor`.

`MarketViews` (a base of `Engine`) answers ``depth``, ``trades``, ``aggTrades``, ``klines``,
``avgPrice``, the tickers and ``bookTicker`` in Binance's shapes. `StreamCursor` is how the
stream layer reads a symbol incrementally: each call returns what happened since the previous one
(diff-depth event, trade / aggTrade events, bookTicker updates).
"""

from __future__ import annotations

from typing import Any

from .errors import SimError, mandatory, mandatory_either
from .market_data import INTERVALS, Trade, window_ms
from .matching import Market, Matcher

__all__ = ["MarketViews", "StreamCursor"]

_DAY = 86_400_000


def _limit(limit: int | None, default: int, maximum: int) -> int:
    if limit is None:
        return default
    if limit <= 0:
        raise SimError(-1130, "Data sent for parameter 'limit' is not valid.")
    return min(limit, maximum)


class MarketViews(Matcher):
    """Market-data endpoints (mixed into `Engine`)."""

    def _tick(self, now_ms: int | None) -> int:
        if now_ms is not None and now_ms > self.now:
            self.now = now_ms
        return self.now

    def market(self, symbol: str | None) -> Market:
        """The market of ``symbol`` (-1102 when missing, -1121 when unknown)."""
        if not symbol:
            raise mandatory("symbol")
        mk = self.markets.get(symbol)
        if mk is None:
            raise SimError(-1121, "Invalid symbol.")
        return mk

    def _markets(self, symbol: str | None, symbols: list[str] | None) -> list[Market]:
        if symbol is not None and symbols is not None:
            raise SimError(-1128, "Combination of optional parameters invalid.")
        if symbol is not None:
            return [self.market(symbol)]
        if symbols is not None:
            return [self.market(s) for s in symbols]
        return list(self.markets.values())

    # --- book ---------------------------------------------------------------------------------

    def depth(self, symbol: str, limit: int | None = 100) -> dict[str, Any]:
        """``GET /api/v3/depth``: ``lastUpdateId``, ``bids``, ``asks`` (max 5000 levels)."""
        mk = self.market(symbol)
        bids, asks = mk.book.levels(_limit(limit, 100, 5000))
        fp, fq = mk.fp, mk.fq
        return {
            "lastUpdateId": mk.book.update_id,
            "bids": [[fp(p), fq(q)] for p, q in bids],
            "asks": [[fp(p), fq(q)] for p, q in asks],
        }

    def partial_depth_event(self, symbol: str, levels: int) -> dict[str, Any]:
        """The ``<symbol>@depth<5|10|20>`` payload."""
        return self.depth(symbol, levels)

    def book_ticker(
        self, symbol: str | None = None, symbols: list[str] | None = None
    ) -> dict[str, Any] | list[dict[str, Any]]:
        """``GET /api/v3/ticker/bookTicker``."""
        out = []
        for mk in self._markets(symbol, symbols):
            t = mk.book.top()
            out.append({"symbol": mk.symbol, "bidPrice": mk.fp(t.bid), "bidQty": mk.fq(t.bid_qty),
                        "askPrice": mk.fp(t.ask), "askQty": mk.fq(t.ask_qty)})  # fmt: skip
        return out[0] if symbol is not None else out

    # --- trades -------------------------------------------------------------------------------

    def recent_trades(self, symbol: str, limit: int | None = 500) -> list[dict[str, Any]]:
        """``GET /api/v3/trades``."""
        return self.market(symbol).md.recent_trades(_limit(limit, 500, 1000))

    def historical_trades(
        self, symbol: str, limit: int | None = 500, from_id: int | None = None
    ) -> list[dict[str, Any]]:
        """``GET /api/v3/historicalTrades`` (within the retained trades)."""
        return self.market(symbol).md.recent_trades(_limit(limit, 500, 1000), from_id)

    def agg_trades(
        self,
        symbol: str,
        *,
        from_id: int | None = None,
        start_time: int | None = None,
        end_time: int | None = None,
        limit: int | None = 500,
    ) -> list[dict[str, Any]]:
        """``GET /api/v3/aggTrades``."""
        if from_id is not None and (start_time is not None or end_time is not None):
            raise SimError(-1128, "Combination of optional parameters invalid.")
        return self.market(symbol).md.agg_trades(
            from_id, start_time, end_time, _limit(limit, 500, 1000)
        )

    def klines(
        self,
        symbol: str,
        interval: str,
        *,
        start_time: int | None = None,
        end_time: int | None = None,
        limit: int | None = 500,
    ) -> list[list[Any]]:
        """``GET /api/v3/klines`` (and ``uiKlines``): -1120 for an unknown interval."""
        mk = self.market(symbol)
        if interval not in INTERVALS:
            raise SimError(-1120, "Invalid interval.")
        return mk.md.klines(interval, start_time, end_time, _limit(limit, 500, 1000))

    def avg_price(self, symbol: str, now_ms: int | None = None) -> dict[str, Any]:
        """``GET /api/v3/avgPrice``."""
        now = self._tick(now_ms)
        mk = self.market(symbol)
        md = mk.md
        return {
            "mins": md.avg_price_mins,
            "price": mk.fp(md.avg_price(now)),
            "closeTime": md.last_time,
        }

    # --- tickers ------------------------------------------------------------------------------

    def ticker_24hr(
        self,
        symbol: str | None = None,
        now_ms: int | None = None,
        *,
        symbols: list[str] | None = None,
        type: str = "FULL",
    ) -> dict[str, Any] | list[dict[str, Any]]:
        """``GET /api/v3/ticker/24hr`` (FULL or MINI)."""
        now = self._tick(now_ms)
        if type not in ("FULL", "MINI"):
            raise SimError(-1139, "Invalid ticker type.")
        out = []
        for mk in self._markets(symbol, symbols):
            top = mk.book.top()
            full = type == "FULL"
            out.append(
                mk.md.ticker_json(_DAY, now, full, top=(top.bid, top.bid_qty, top.ask, top.ask_qty))
            )
        return out[0] if symbol is not None else out

    def ticker_window(
        self,
        symbol: str | None = None,
        now_ms: int | None = None,
        *,
        symbols: list[str] | None = None,
        window_size: str = "1d",
        type: str = "FULL",
    ) -> dict[str, Any] | list[dict[str, Any]]:
        """``GET /api/v3/ticker`` (rolling window ``1m``..``7d``)."""
        now = self._tick(now_ms)
        if symbol is None and symbols is None:
            raise mandatory_either("symbol", "symbols")
        try:
            w = window_ms(window_size)
        except ValueError:
            raise SimError(-1130, "Data sent for parameter 'windowSize' is not valid.") from None
        if type not in ("FULL", "MINI"):
            raise SimError(-1139, "Invalid ticker type.")
        out = [mk.md.ticker_json(w, now, type == "FULL") for mk in self._markets(symbol, symbols)]
        return out[0] if symbol is not None else out

    def ticker_price(
        self, symbol: str | None = None, symbols: list[str] | None = None
    ) -> dict[str, Any] | list[dict[str, Any]]:
        """``GET /api/v3/ticker/price``."""
        out = [{"symbol": mk.symbol, "price": mk.fp(mk.md.last_price or mk.reference_price)}
               for mk in self._markets(symbol, symbols)]  # fmt: skip
        return out[0] if symbol is not None else out

    def stream_cursor(self, symbol: str) -> StreamCursor:
        """A cursor over ``symbol``'s stream data, starting now."""
        return StreamCursor(self.market(symbol))


class StreamCursor:
    """Incremental reads of one symbol for the stream layer (each call: news since the last)."""

    def __init__(self, mk: Market) -> None:
        self.mk = mk
        self.symbol = mk.symbol
        self.update_id = mk.book.update_id
        self.ticker_update_id = mk.book.update_id
        self.trade_id = mk.next_trade_id - 1
        self.agg_id = mk.md.next_agg_id - 1

    def depth_update(self, event_time: int) -> dict[str, Any] | None:
        """The ``depthUpdate`` event aggregating every change since the last call, or None.

        Consecutive events chain: ``U`` is the previous ``u`` + 1. Raises `HistoryUnavailable`
        if the cursor fell behind the retention window (reset it with `resync`).
        """
        mk = self.mk
        ch = mk.book.changes_since(self.update_id)
        if ch is None:
            return None
        self.update_id = ch.last
        fp, fq = mk.fp, mk.fq
        return {
            "e": "depthUpdate",
            "E": event_time,
            "s": self.symbol,
            "U": ch.first,
            "u": ch.last,
            "b": [[fp(p), fq(q)] for p, q in sorted(ch.bids.items(), reverse=True)],
            "a": [[fp(p), fq(q)] for p, q in sorted(ch.asks.items())],
        }

    def resync(self) -> None:
        """Skip to now (after `HistoryUnavailable`)."""
        self.update_id = self.mk.book.update_id

    def trades(self, event_time: int) -> list[dict[str, Any]]:
        """``trade`` events since the last call."""
        md = self.mk.md
        new: list[Trade] = md.trades_since(self.trade_id)
        if new:
            self.trade_id = new[-1].id
        return [md.trade_event(t, event_time) for t in new]

    def agg_trades(self, event_time: int) -> list[dict[str, Any]]:
        """``aggTrade`` events since the last call."""
        md = self.mk.md
        new = md.aggs_since(self.agg_id)
        if new:
            self.agg_id = new[-1][0]
        return [md.agg_event(a, event_time) for a in new]

    def book_tickers(self) -> list[dict[str, Any]]:
        """``bookTicker`` events (``u``, ``s``, ``b``, ``B``, ``a``, ``A``) since the last call."""
        mk = self.mk
        tops = mk.book.ticker_since(self.ticker_update_id)
        if tops:
            self.ticker_update_id = tops[-1].update_id
        fp, fq = mk.fp, mk.fq
        return [{"u": t.update_id, "s": self.symbol, "b": fp(t.bid), "B": fq(t.bid_qty),
                 "a": fp(t.ask), "A": fq(t.ask_qty)} for t in tops]  # fmt: skip
