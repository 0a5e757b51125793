"""`OrderBook`: the price-level structure of one symbol (sans-I/O, no locking, no awaits).

Layout (why it is fast and small)
---------------------------------
Each side is two parallel Python lists kept in numeric order with `bisect`: the keys (float
prices) and the quantities (floats). Both sides are stored *best level last*: bids by ascending
price, asks by ascending *negated* price. Most changes on a real stream land near the top of the
book, so an insert or delete there moves only the few levels above it; the deep end, where
levels are rarely touched, never moves. A ``+inf`` sentinel closes every key list, so the hot
loop needs no bounds checks. Reading the top ``n`` levels is two list slices.

A level costs two list slots and two float objects (about 66 bytes with list slack), whatever
the churn: no dict, so no dict resizing. `benchmarks/book_apply.py` measures it.

Exact text
----------
Binance writes every price and quantity of a symbol with a fixed number of decimals (8 on spot;
the tick / step precision on futures). The book learns the two decimal counts from the first
text it loads (the snapshot) and gives the exact wire text back with ``format(x, ".8f")``: a
double carries any decimal with at most 8 decimals below 2**26 exactly enough for that. A level
whose text does not come back that way (a value of 2**26 or more with 16+ significant digits, or
an unusual spelling) keeps its original strings beside it, so `bids_text` / `asks_text` always
return the wire strings. Zero quantities in any spelling (``"0"``, ``"0.000"``) remove a level.

Methods that take *text* levels (`load_snapshot`, `apply`) validate every number before changing
anything and raise `msgspec.ValidationError` on a bad one. `apply_values` is the hot path for
levels already validated by `binance_async.models.depth.DEPTH_EVENT_FLOAT_DECODER`.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable
from decimal import Decimal
from operator import neg

from ..models.depth import FLOAT_EXACT_LIMIT, FloatLevel, TextLevel, levels_to_float

__all__ = ["OrderBook"]

_INF = float("inf")
_MAX_FAST_DECIMALS = 8


def _decimals(text: str) -> int:
    dot = text.find(".")
    return 0 if dot < 0 else len(text) - dot - 1


class OrderBook:
    """The bids and asks of one symbol, always in numeric order.

    ``update_id`` is the last applied update id; ``synced`` is set by
    `binance_async.book.DepthSync` (True only while the book provably follows the stream).
    ``max_levels`` keeps only the best N levels per side (None: keep all).
    """

    __slots__ = (
        "_ak",
        "_aq",
        "_atext",
        "_bk",
        "_bq",
        "_btext",
        "_fast_ok",
        "_pfmt",
        "_price_decimals",
        "_qfmt",
        "_qty_decimals",
        "max_levels",
        "symbol",
        "synced",
        "update_id",
    )

    def __init__(self, symbol: str, *, max_levels: int | None = None) -> None:
        if max_levels is not None and max_levels < 1:
            raise ValueError(f"max_levels must be >= 1 or None, got {max_levels!r}")
        self.symbol = symbol.upper()
        self.max_levels = max_levels
        self.update_id = 0
        self.synced = False
        self._bk: list[float] = [_INF]
        self._bq: list[float] = [0.0]
        self._ak: list[float] = [_INF]
        self._aq: list[float] = [0.0]
        self._btext: dict[float, TextLevel] = {}
        self._atext: dict[float, TextLevel] = {}
        self._price_decimals: int | None = None
        self._qty_decimals: int | None = None
        self._pfmt = ""
        self._qfmt = ""
        self._fast_ok = False

    # ------------------------------------------------------------------ state

    def clear(self) -> None:
        """Drop every level (and what was learned about the text format); ``synced`` -> False."""
        self._bk[:] = [_INF]
        self._bq[:] = [0.0]
        self._ak[:] = [_INF]
        self._aq[:] = [0.0]
        self._btext.clear()
        self._atext.clear()
        self._price_decimals = self._qty_decimals = None
        self._pfmt = self._qfmt = ""
        self._fast_ok = False
        self.update_id = 0
        self.synced = False

    @property
    def price_decimals(self) -> int | None:
        """Decimals of the wire price text (learned from the first loaded text), or None."""
        return self._price_decimals

    @property
    def qty_decimals(self) -> int | None:
        """Decimals of the wire quantity text, or None."""
        return self._qty_decimals

    @property
    def fast_path_exact(self) -> bool:
        """True when float levels (`apply_values`) give back the exact wire text."""
        return self._fast_ok

    @property
    def bid_count(self) -> int:
        return len(self._bk) - 1

    @property
    def ask_count(self) -> int:
        return len(self._ak) - 1

    # ------------------------------------------------------------------ writing

    def load_snapshot(
        self, bids: list[TextLevel], asks: list[TextLevel], update_id: int
    ) -> None:
        """Replace the whole book with a REST snapshot (text levels, any order).

        Raises `msgspec.ValidationError` on a bad number, before anything changes.
        """
        fbids = levels_to_float(bids)
        fasks = levels_to_float(asks)
        self.clear()
        self._learn(bids, asks)
        for texts, values, keys, qtys, ovr, sign in (
            (bids, fbids, self._bk, self._bq, self._btext, 1.0),
            (asks, fasks, self._ak, self._aq, self._atext, -1.0),
        ):
            level: dict[float, float] = {}
            for (pt, qt), (p, q) in zip(texts, values, strict=True):
                key = p * sign
                if q:
                    level[key] = q
                    self._note_text(ovr, key, pt, qt, p, q)
                else:
                    level.pop(key, None)
                    ovr.pop(key, None)
            ordered = sorted(level)
            keys[:] = [*ordered, _INF]
            qtys[:] = [*(level[k] for k in ordered), 0.0]
        self.update_id = update_id
        self._trim()

    def apply(self, bids: list[TextLevel], asks: list[TextLevel]) -> None:
        """Set each text level to its absolute quantity (0 in any spelling removes it).

        The exact path: every number is validated first (`msgspec.ValidationError`, nothing
        changed), and any text that would not come back from the float keeps its strings.
        """
        fbids = levels_to_float(bids) if bids else []
        fasks = levels_to_float(asks) if asks else []
        if self._price_decimals is None or self._qty_decimals is None:
            self._learn(bids, asks)
        if bids:
            self._apply_text(bids, fbids, self._bk, self._bq, self._btext, 1.0)
        if asks:
            self._apply_text(asks, fasks, self._ak, self._aq, self._atext, -1.0)
        if self.max_levels is not None:
            self._trim()

    def apply_values(self, bids: Iterable[FloatLevel], asks: Iterable[FloatLevel]) -> None:
        """The hot path: set float levels (already validated: price > 0, qty >= 0, finite).

        Exact text comes back as long as `fast_path_exact` holds (DepthSync checks it).
        """
        if bids:
            keys = self._bk
            qtys = self._bq
            if self._btext:
                self._forget_text(self._btext, bids, 1.0)
            for p, q in bids:
                i = bisect_left(keys, p)
                if keys[i] == p:
                    if q:
                        qtys[i] = q
                    else:
                        del keys[i]
                        del qtys[i]
                elif q:
                    keys.insert(i, p)
                    qtys.insert(i, q)
        if asks:
            keys = self._ak
            qtys = self._aq
            if self._atext:
                self._forget_text(self._atext, asks, -1.0)
            for p, q in asks:
                p = -p
                i = bisect_left(keys, p)
                if keys[i] == p:
                    if q:
                        qtys[i] = q
                    else:
                        del keys[i]
                        del qtys[i]
                elif q:
                    keys.insert(i, p)
                    qtys.insert(i, q)
        if self.max_levels is not None:
            self._trim()

    # ------------------------------------------------------------------ reading

    def best_bid(self) -> FloatLevel | None:
        """``(price, qty)`` of the highest bid, or None."""
        k = self._bk
        return (k[-2], self._bq[-2]) if len(k) > 1 else None

    def best_ask(self) -> FloatLevel | None:
        """``(price, qty)`` of the lowest ask, or None."""
        k = self._ak
        return (-k[-2], self._aq[-2]) if len(k) > 1 else None

    def bids(self, n: int | None = None) -> list[FloatLevel]:
        """The top ``n`` bids (all if None), best first, as float ``(price, qty)``."""
        if n is None:
            return list(zip(self._bk[-2::-1], self._bq[-2::-1], strict=True))
        if n < 0:
            raise ValueError(f"n must be >= 0 or None, got {n!r}")
        stop = -2 - n
        return list(zip(self._bk[-2:stop:-1], self._bq[-2:stop:-1], strict=True))

    def asks(self, n: int | None = None) -> list[FloatLevel]:
        """The top ``n`` asks (all if None), best first, as float ``(price, qty)``."""
        if n is None:
            return list(zip(map(neg, self._ak[-2::-1]), self._aq[-2::-1], strict=True))
        if n < 0:
            raise ValueError(f"n must be >= 0 or None, got {n!r}")
        stop = -2 - n
        return list(zip(map(neg, self._ak[-2:stop:-1]), self._aq[-2:stop:-1], strict=True))

    def bids_text(self, n: int | None = None) -> list[TextLevel]:
        """The top ``n`` bids as the exact wire strings, best first."""
        s = _top(n)
        return self._text(self._bk[s], self._bq[s], self._btext, 1.0)

    def asks_text(self, n: int | None = None) -> list[TextLevel]:
        """The top ``n`` asks as the exact wire strings, best first."""
        s = _top(n)
        return self._text(self._ak[s], self._aq[s], self._atext, -1.0)

    def bids_decimal(self, n: int | None = None) -> list[tuple[Decimal, Decimal]]:
        """The top ``n`` bids as exact Decimals (``Decimal("61837.63000000")``)."""
        return [(Decimal(p), Decimal(q)) for p, q in self.bids_text(n)]

    def asks_decimal(self, n: int | None = None) -> list[tuple[Decimal, Decimal]]:
        """The top ``n`` asks as exact Decimals."""
        return [(Decimal(p), Decimal(q)) for p, q in self.asks_text(n)]

    def best_bid_text(self) -> TextLevel | None:
        top = self.bids_text(1)
        return top[0] if top else None

    def best_ask_text(self) -> TextLevel | None:
        top = self.asks_text(1)
        return top[0] if top else None

    def spread(self) -> Decimal | None:
        """Best ask minus best bid, exact (Decimal), or None if a side is empty."""
        bid, ask = self.best_bid_text(), self.best_ask_text()
        if bid is None or ask is None:
            return None
        return Decimal(ask[0]) - Decimal(bid[0])

    def mid(self) -> Decimal | None:
        """(best bid + best ask) / 2, exact (Decimal), or None if a side is empty."""
        bid, ask = self.best_bid_text(), self.best_ask_text()
        if bid is None or ask is None:
            return None
        return (Decimal(ask[0]) + Decimal(bid[0])) / 2

    def crossed(self) -> bool:
        """True if the best bid is at or above the best ask (never true of a valid book)."""
        return len(self._bk) > 1 and len(self._ak) > 1 and self._bk[-2] >= -self._ak[-2]

    def __repr__(self) -> str:
        return (
            f"OrderBook({self.symbol!r}, update_id={self.update_id}, synced={self.synced}, "
            f"bids={self.bid_count}, asks={self.ask_count}, best_bid={self.best_bid_text()}, "
            f"best_ask={self.best_ask_text()})"
        )

    # ------------------------------------------------------------------ internals

    def _learn(self, bids: list[TextLevel], asks: list[TextLevel]) -> None:
        """Learn the decimal counts from the first price / non-zero quantity text."""
        for pt, qt in (*bids[:1], *asks[:1]):
            if self._price_decimals is None:
                self._price_decimals = _decimals(pt)
                self._pfmt = f".{self._price_decimals}f"
            if self._qty_decimals is None and qt.strip("0.") != "":
                self._qty_decimals = _decimals(qt)
                self._qfmt = f".{self._qty_decimals}f"
        pd, qd = self._price_decimals, self._qty_decimals
        self._fast_ok = (
            pd is not None
            and qd is not None
            and pd <= _MAX_FAST_DECIMALS
            and qd <= _MAX_FAST_DECIMALS
        )

    def _note_text(
        self, ovr: dict[float, TextLevel], key: float, pt: str, qt: str, p: float, q: float
    ) -> None:
        """Keep the wire strings of a level whose text the float would not give back."""
        if self._qty_decimals is None and self._price_decimals is not None:
            self._learn([(pt, qt)], [])
        pok = format(p, self._pfmt) == pt
        qok = format(q, self._qfmt) == qt
        if pok and qok:
            if ovr:
                ovr.pop(key, None)
            return
        ovr[key] = (pt, qt)
        if (not pok and p < FLOAT_EXACT_LIMIT) or (not qok and q < FLOAT_EXACT_LIMIT):
            # An unusual spelling the float decoder would accept: stay on the text path.
            self._fast_ok = False

    def _apply_text(
        self,
        texts: list[TextLevel],
        values: list[FloatLevel],
        keys: list[float],
        qtys: list[float],
        ovr: dict[float, TextLevel],
        sign: float,
    ) -> None:
        for (pt, qt), (p, q) in zip(texts, values, strict=True):
            key = p * sign
            i = bisect_left(keys, key)
            if keys[i] == key:
                if q:
                    qtys[i] = q
                    self._note_text(ovr, key, pt, qt, p, q)
                else:
                    del keys[i]
                    del qtys[i]
                    ovr.pop(key, None)
            elif q:
                keys.insert(i, key)
                qtys.insert(i, q)
                self._note_text(ovr, key, pt, qt, p, q)

    @staticmethod
    def _forget_text(
        ovr: dict[float, TextLevel], levels: Iterable[FloatLevel], sign: float
    ) -> None:
        for p, _ in levels:
            ovr.pop(p * sign, None)

    def _text(
        self, keys: list[float], qtys: list[float], ovr: dict[float, TextLevel], sign: float
    ) -> list[TextLevel]:
        pf, qf = self._pfmt, self._qfmt
        out: list[TextLevel] = []
        for k, q in zip(keys, qtys, strict=True):
            t = ovr.get(k) if ovr else None
            out.append(t if t is not None else (format(k * sign, pf), format(q, qf)))
        return out

    def _trim(self) -> None:
        limit = self.max_levels
        if limit is None:
            return
        sides = ((self._bk, self._bq, self._btext), (self._ak, self._aq, self._atext))
        for keys, qtys, ovr in sides:
            excess = len(keys) - 1 - limit
            if excess > 0:
                if ovr:
                    for k in keys[:excess]:
                        ovr.pop(k, None)
                del keys[:excess]
                del qtys[:excess]


def _top(n: int | None) -> slice:
    """Slice of a best-last list (sentinel at the end) giving the best ``n``, best first."""
    if n is None:
        return slice(-2, None, -1)
    if n < 0:
        raise ValueError(f"n must be >= 0 or None, got {n!r}")
    return slice(-2, -2 - n, -1)
