"""`OrderBook`: the price-level structure of one symbol (sans-I/O, no locking, no awaits).

Layout (why it is fast and small)
---------------------------------
Each side has three tiers, split at two prices:

- **top**: the best levels (16 to 64 by default) as two parallel lists in ascending price
  order (the best bid last, the best ask first): the prices, for `bisect`, and the
  ``(price, qty)`` tuples themselves, the very tuples the decoder produced. A change there is a
  `bisect` in a short list; reading the top ``n`` levels is one list slice, no tuple built.
- **mid**: the next levels (about 128), also in order: prices and float quantities.
- **rest**: every other level, in a dict ``price -> qty``, in no order: a change deep in the book
  costs one dict operation, whatever the depth.

`OrderBook.apply_values` (the hot path) applies changes to the top tier at once and only logs
the others (``_Side.log``, the decoder's own tuples, in arrival order). The log is applied to
the mid and rest tiers in one pass before anything reads or moves them (a refill of the top
tier, a read past it, a count), or when it holds `_LOG_MAX` levels. An event's cost is then
its top-tier changes; the bookkeeping of deep levels happens in batches, off most events.

Levels move between tiers in slices, never one by one: when the top runs short (levels deleted
or traded through) the best mid levels move up; when the mid tier runs short the rest dict is
sorted (the only full sort, rare) and its best levels move up; a tier that grows past its bound
hands its worst levels down. Reads of more levels than the top holds grow the top (up to
`_READ_GROW` levels) or merge in the other tiers. With ``max_levels`` set the whole side lives
in the top tier (trimming is by numeric order, so it needs the order of every level).

Memory: a rest level costs two floats and a dict slot (75 to 100 bytes; the dict is re-packed
when churn has grown its table, as CPython never shrinks a dict), a mid level two floats and two
list slots, a top level also its tuple. `benchmarks/book_apply.py` measures it.

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
from sys import getsizeof
from typing import Any

from ..models.depth import FLOAT_EXACT_LIMIT, FloatLevel, TextLevel, levels_to_float

__all__ = ["OrderBook"]

_INF = float("inf")
_MAX_FAST_DECIMALS = 8
_SENTINEL: FloatLevel = (_INF, 0.0)  # closes every top list (keys end with +inf)

# Tier sizes (module level so tests can shrink them).
_TOP_LO = 16  # refill the top tier when it holds fewer levels than this
_TOP_TARGET = 32  # levels in the top tier after a refill or a spill
_TOP_HI = 64  # spill the top tier's worst levels down when it holds more than this
_MID_TARGET = 128  # levels moved up from the rest tier at a time; kept by a mid spill
_MID_HI = 384  # spill the mid tier's worst levels down when it holds more than this
_READ_GROW = 256  # reads of up to this many levels grow the top tier to that size
_PACK_RATIO = 1.5  # re-pack the rest dict when its table is this much bigger than a packed one
_LOG_MAX = 256  # changes below the top tier held back, at most, before they are applied


def _decimals(text: str) -> int:
    dot = text.find(".")
    return 0 if dot < 0 else len(text) - dot - 1


class _Side:
    """One side of the book, in three tiers split at two prices, ``thr`` and ``mthr``.

    Every ordered list holds prices ascending and ends with a ``+inf`` sentinel (so `bisect`
    never runs off its end): the best level is last on the bid side (``[-2]``) and first on
    the ask side (``[0]``).

    - top (bids ``p >= thr``; asks ``p <= thr``): ``tk`` prices, ``tl`` ``(price, qty)`` tuples.
    - mid (bids ``mthr <= p < thr``; asks ``thr < p <= mthr``): ``mk`` prices, ``mq`` quantities.
    - rest (the others): ``rest``, a dict ``price -> qty`` in no order.
    - ``log``: changes below the top tier not applied yet, in arrival order.
    """

    __slots__ = ("bid", "log", "mk", "mq", "mthr", "packed", "rest", "text", "thr", "tk", "tl")

    def __init__(self, bid: bool) -> None:
        self.bid = bid
        self.tk: list[float] = [_INF]
        self.tl: list[FloatLevel] = [_SENTINEL]
        self.mk: list[float] = [_INF]
        self.mq: list[float] = [0.0]
        self.rest: dict[float, float] = {}
        self.log: list[FloatLevel] = []
        self.packed = (0, 0)  # (getsizeof, len) of rest right after it was last re-packed
        self.text: dict[float, TextLevel] = {}  # price -> wire text, when floats would not do
        self.thr = self.mthr = self.worst()

    def worst(self) -> float:
        """The bound every price is at or better than."""
        return -_INF if self.bid else _INF

    def reset(self) -> None:
        self.tk[:] = self.mk[:] = [_INF]
        self.tl[:] = [_SENTINEL]
        self.mq[:] = [0.0]
        self.rest = {}
        self.log.clear()
        self.packed = (0, 0)
        self.text.clear()
        self.thr = self.mthr = self.worst()

    def count(self) -> int:
        self.flush()
        return len(self.tk) + len(self.mk) - 2 + len(self.rest)

    def top(self, n: int) -> list[FloatLevel]:
        """The best ``n`` top-tier levels, best first (``n`` below ``len(tl)``)."""
        return self.tl[-2 : -2 - n : -1] if self.bid else self.tl[:n]

    def put(self, p: float, q: float, lv: FloatLevel) -> None:
        """Set one level (q == 0 removes it): the general, unhurried path."""
        self.flush()
        bid = self.bid
        if p >= self.thr if bid else p <= self.thr:
            keys, vals = self.tk, self.tl
            val: object = lv
        elif p >= self.mthr if bid else p <= self.mthr:
            keys, vals, val = self.mk, self.mq, q  # type: ignore[assignment]
        else:
            if q:
                self.rest[p] = q
            else:
                self.rest.pop(p, None)
            return
        _store(keys, vals, p, val, q)

    def levels(self) -> list[FloatLevel]:
        """Every level, best first."""
        self.flush()
        if self.bid:
            out = self.tl[-2::-1]
            out.extend(zip(self.mk[-2::-1], self.mq[-2::-1], strict=True))
        else:
            out = self.tl[:-1]
            out.extend(zip(self.mk[:-1], self.mq[:-1], strict=True))
        rest = self.rest
        if rest:
            ks = sorted(rest, reverse=self.bid)
            out.extend(zip(ks, map(rest.__getitem__, ks), strict=True))
        return out

    def flush(self) -> None:
        """Apply the logged changes to the mid and rest tiers, in arrival order (levels at or
        better than ``thr`` went to the top tier at once). ``thr`` has not moved since they were
        logged: whatever moves it flushes first."""
        log = self.log
        if not log:
            return
        mk, mq, thr, mthr, rest = self.mk, self.mq, self.thr, self.mthr, self.rest
        bid = self.bid
        for p, q in log:
            if p >= mthr if bid else p <= mthr:
                if p >= thr if bid else p <= thr:
                    continue  # applied to the top tier already
                _store(mk, mq, p, q, q)
            elif q:
                rest[p] = q
            else:
                rest.pop(p, None)
        log.clear()
        if len(mk) > _MID_HI + 1:
            self.spill_mid(_MID_TARGET)
        self.pack()

    # ---------------------------------------------------------------- moving levels between tiers

    def spill_top(self, keep: int) -> None:
        """Move all but the best ``keep`` (>= 1) top levels down to the mid tier."""
        self.flush()
        tk, tl = self.tk, self.tl
        worse = slice(0, len(tk) - 1 - keep) if self.bid else slice(keep, -1)
        moved, qtys = tk[worse], [q for _, q in tl[worse]]
        del tk[worse]
        del tl[worse]
        if self.bid:
            self.mk[-1:-1] = moved
            self.mq[-1:-1] = qtys
            self.thr = tk[0]
        else:
            self.mk[0:0] = moved
            self.mq[0:0] = qtys
            self.thr = tk[-2]
        if len(self.mk) > _MID_HI + 1:
            self.spill_mid(_MID_TARGET)

    def spill_mid(self, keep: int) -> None:
        """Move all but the best ``keep`` (>= 1) mid levels down to the rest tier."""
        self.flush()
        mk, mq = self.mk, self.mq
        worse = slice(0, len(mk) - 1 - keep) if self.bid else slice(keep, -1)
        self.rest.update(zip(mk[worse], mq[worse], strict=True))
        del mk[worse]
        del mq[worse]
        self.mthr = mk[0] if self.bid else mk[-2]

    def refill_top(self, want: int) -> None:
        """Move the best mid levels up until the top tier holds ``want`` levels (or all)."""
        self.flush()
        need = want - (len(self.tk) - 1)
        mk, mq = self.mk, self.mq
        if len(mk) - 1 < need and self.rest:
            self.refill_mid(need - (len(mk) - 1))
        if need <= 0 or len(mk) == 1:
            return
        tk, tl = self.tk, self.tl
        n = min(need, len(mk) - 1)
        if self.bid:
            best = slice(-1 - n, -1)
            tk[0:0] = mk[best]
            tl[0:0] = zip(mk[best], mq[best], strict=True)
        else:
            best = slice(0, n)
            tk[-1:-1] = mk[best]
            tl[-1:-1] = zip(mk[best], mq[best], strict=True)
        del mk[best]
        del mq[best]
        if len(mk) > 1 or self.rest:
            self.thr = tk[0] if self.bid else tk[-2]
        else:
            self.thr = self.mthr = self.worst()

    def refill_mid(self, need: int) -> None:
        """Move the best rest levels up below the mid levels (at least ``need`` of them): the
        only sort of the rest dict (about 60 us for 1,000 levels, once per ~128 levels moved)."""
        rest = self.rest
        many = max(need, _MID_TARGET)
        ks = sorted(rest)
        ks = ks[-many:] if self.bid else ks[:many]
        qtys = list(map(rest.pop, ks))
        if self.bid:
            self.mk[0:0] = ks
            self.mq[0:0] = qtys
            self.mthr = ks[0] if rest else self.worst()
        else:
            self.mk[-1:-1] = ks
            self.mq[-1:-1] = qtys
            self.mthr = ks[-1] if rest else self.worst()

    def collapse(self) -> None:
        """Move every level into the top tier (bounded books keep no other tier)."""
        self.flush()
        if len(self.mk) > 1 or self.rest:
            everything = self.levels()
            if self.bid:
                everything.reverse()
            self.mk[:] = [_INF]
            self.mq[:] = [0.0]
            self.rest = {}
            self.packed = (0, 0)
            self.tl[:-1] = everything
            self.tk[:-1] = [p for p, _ in everything]
        self.thr = self.mthr = self.worst()

    def pack(self) -> None:
        """Copy the rest dict when its table is well past what its live entries need (churn
        grows a CPython dict's table, never shrinks it; a copy is sized for the live entries).
        Unchanged since the last copy, another would gain nothing."""
        rest = self.rest
        state = (getsizeof(rest), len(rest))
        if state != self.packed and state[0] > _PACK_RATIO * _packed_bytes(state[1]):
            self.rest = rest = dict(rest)
            self.packed = (getsizeof(rest), len(rest))


def _packed_bytes(n: int) -> int:
    """About `sys.getsizeof` of a freshly copied dict of ``n`` entries (CPython 3.11)."""
    size = 8
    while size * 2 // 3 < n:
        size *= 2
    index = 1 if size < 256 else 2 if size < 65536 else 4
    return 120 + size * index + size * 2 // 3 * 24


class OrderBook:
    """The bids and asks of one symbol, always in numeric order.

    ``update_id`` is the last applied update id; ``synced`` is set by
    `binance_async.book.DepthSync` (True only while the book provably follows the stream).
    ``max_levels`` keeps only the best N levels per side (None: keep all).
    """

    __slots__ = (
        "_a",
        "_atk",
        "_atl",
        "_b",
        "_btk",
        "_btl",
        "_fast_ok",
        "_hi",
        "_ka",
        "_kb",
        "_lo",
        "_max",
        "_pfmt",
        "_price_decimals",
        "_qfmt",
        "_qty_decimals",
        "_target",
        "symbol",
        "synced",
        "update_id",
    )

    def __init__(self, symbol: str, *, max_levels: int | None = None) -> None:
        self.symbol = symbol.upper()
        self.update_id = 0
        self.synced = False
        self._b = _Side(True)
        self._a = _Side(False)
        self._btk, self._btl = self._b.tk, self._b.tl  # hot-path shortcuts (never rebound)
        self._atk, self._atl = self._a.tk, self._a.tl
        self._price_decimals: int | None = None
        self._qty_decimals: int | None = None
        self._pfmt = ""
        self._qfmt = ""
        self._fast_ok = False
        self._kb, self._ka = -_INF, _INF  # levels at or better than these are known exactly
        self._max: int | None = None
        self._lo = self._target = self._hi = 0
        self.max_levels = max_levels

    # ------------------------------------------------------------------ state

    @property
    def max_levels(self) -> int | None:
        """Keep only the best N levels per side (None: keep all)."""
        return self._max

    @max_levels.setter
    def max_levels(self, value: int | None) -> None:
        if value is not None and value < 1:
            raise ValueError(f"max_levels must be >= 1 or None, got {value!r}")
        self._max = value
        self._tune(_TOP_LO)
        if value is not None:
            for s in (self._b, self._a):
                s.collapse()
                self._trim(s)
        else:
            self._rebalance(self._b)
            self._rebalance(self._a)

    def _tune(self, lo: int) -> None:
        """Top tier bounds, compared with ``len(keys)`` (one more than the level count)."""
        if self._max is not None:  # one tier, never refilled; past max_levels it is trimmed
            self._lo, self._target, self._hi = 0, 0, self._max + 1
        else:
            grow = lo / _TOP_LO
            target, hi = round(_TOP_TARGET * grow), round(_TOP_HI * grow)
            self._lo, self._target, self._hi = lo + 1, target, hi + 1

    def clear(self) -> None:
        """Drop every level (and what was learned about the text format); ``synced`` -> False."""
        self._b.reset()
        self._a.reset()
        self._price_decimals = self._qty_decimals = None
        self._pfmt = self._qfmt = ""
        self._fast_ok = False
        self._kb, self._ka = -_INF, _INF
        self.update_id = 0
        self.synced = False

    @property
    def known_range(self) -> tuple[float, float]:
        """``(lowest bid, highest ask)`` prices down / up to which this book knows every level
        exactly: a snapshot of N levels says nothing of the levels past its last one (facts
        doc section 4), and trimming to ``max_levels`` forgets levels. Bids at or above the
        first and asks at or below the second are the exchange's (while ``synced``); the
        others may be missing. ``(-inf, inf)`` for a book built by `apply` alone."""
        return self._kb, self._ka

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
        """Number of bid price levels held."""
        return self._b.count()

    @property
    def ask_count(self) -> int:
        """Number of ask price levels held."""
        return self._a.count()

    # ------------------------------------------------------------------ writing

    def load_snapshot(self, bids: list[TextLevel], asks: list[TextLevel], update_id: int) -> None:
        """Replace the whole book with a REST snapshot (text levels, any order).

        Raises `msgspec.ValidationError` on a bad number, before anything changes.
        """
        fbids = levels_to_float(bids)
        fasks = levels_to_float(asks)
        self.clear()
        self._learn(bids, asks)
        for texts, values, s in ((bids, fbids, self._b), (asks, fasks, self._a)):
            level: dict[float, float] = {}
            for (pt, qt), (p, q) in zip(texts, values, strict=True):
                if q:
                    level[p] = q
                    self._note_text(s.text, pt, qt, p, q)
                else:
                    level.pop(p, None)
                    s.text.pop(p, None)
            self._build(s, level)
            if level:  # an empty side is known: the exchange had no level there
                if s.bid:
                    self._kb = min(level)
                else:
                    self._ka = max(level)
        self.update_id = update_id
        if self._max is not None:
            self._trim(self._b)
            self._trim(self._a)

    def apply(self, bids: list[TextLevel], asks: list[TextLevel]) -> None:
        """Set each text level to its absolute quantity (0 in any spelling removes it).

        The exact path: every number is validated first (`msgspec.ValidationError`, nothing
        changed), and any text that would not come back from the float keeps its strings.
        """
        fbids = levels_to_float(bids) if bids else []
        fasks = levels_to_float(asks) if asks else []
        if self._price_decimals is None or self._qty_decimals is None:
            self._learn(bids, asks)
        for texts, values, s in ((bids, fbids, self._b), (asks, fasks, self._a)):
            for (pt, qt), lv in zip(texts, values, strict=True):
                p, q = lv
                s.put(p, q, lv)
                if q:
                    self._note_text(s.text, pt, qt, p, q)
                else:
                    s.text.pop(p, None)
            self._rebalance(s)

    def apply_values(self, bids: Iterable[FloatLevel], asks: Iterable[FloatLevel]) -> None:
        """The hot path: set float levels (already validated: price > 0, qty >= 0, finite).

        Exact text comes back as long as `fast_path_exact` holds (DepthSync checks it). The
        level tuples are kept as they are (the top tier hands them out again): pass tuples.
        Levels below the top tier are logged and applied in one batch before anything reads
        past the top (see the module doc): every read sees every change.
        """
        if bids:
            s = self._b
            if s.text:
                _forget_text(s.text, bids)
            tk = self._btk
            tl = self._btl
            thr = s.thr
            log = s.log
            for lv in bids:
                p = lv[0]
                if p >= thr:
                    i = bisect_left(tk, p)
                    if tk[i] == p:
                        if lv[1]:
                            tl[i] = lv
                        else:
                            del tk[i]
                            del tl[i]
                    elif lv[1]:
                        tk.insert(i, p)
                        tl.insert(i, lv)
                else:
                    log.append(lv)
            n = len(tk)
            if n < self._lo or n > self._hi or len(log) > _LOG_MAX:
                self._rebalance(s)
        if asks:
            s = self._a
            if s.text:
                _forget_text(s.text, asks)
            tk = self._atk
            tl = self._atl
            thr = s.thr
            log = s.log
            for lv in asks:
                p = lv[0]
                if p <= thr:
                    i = bisect_left(tk, p)
                    if tk[i] == p:
                        if lv[1]:
                            tl[i] = lv
                        else:
                            del tk[i]
                            del tl[i]
                    elif lv[1]:
                        tk.insert(i, p)
                        tl.insert(i, lv)
                else:
                    log.append(lv)
            n = len(tk)
            if n < self._lo or n > self._hi or len(log) > _LOG_MAX:
                self._rebalance(s)

    # ------------------------------------------------------------------ reading

    def best_bid(self) -> FloatLevel | None:
        """``(price, qty)`` of the highest bid, or None."""
        tl = self._btl
        return tl[-2] if len(tl) > 1 else None

    def best_ask(self) -> FloatLevel | None:
        """``(price, qty)`` of the lowest ask, or None."""
        tl = self._atl
        return tl[0] if len(tl) > 1 else None

    def bids(self, n: int | None = None) -> list[FloatLevel]:
        """The top ``n`` bids (all if None), best first, as float ``(price, qty)``."""
        tl = self._btl
        if n is not None and 0 <= n < len(tl):
            return tl[-2 : -2 - n : -1]
        return self._levels(self._b, n)

    def asks(self, n: int | None = None) -> list[FloatLevel]:
        """The top ``n`` asks (all if None), best first, as float ``(price, qty)``."""
        tl = self._atl
        if n is not None and 0 <= n < len(tl):
            return tl[:n]
        return self._levels(self._a, n)

    def bids_text(self, n: int | None = None) -> list[TextLevel]:
        """The top ``n`` bids as the exact wire strings, best first."""
        return self._text(self.bids(n), self._b.text)

    def asks_text(self, n: int | None = None) -> list[TextLevel]:
        """The top ``n`` asks as the exact wire strings, best first."""
        return self._text(self.asks(n), self._a.text)

    def bids_decimal(self, n: int | None = None) -> list[tuple[Decimal, Decimal]]:
        """The top ``n`` bids as exact Decimals (``Decimal("61837.63000000")``)."""
        return [(Decimal(p), Decimal(q)) for p, q in self.bids_text(n)]

    def asks_decimal(self, n: int | None = None) -> list[tuple[Decimal, Decimal]]:
        """The top ``n`` asks as exact Decimals."""
        return [(Decimal(p), Decimal(q)) for p, q in self.asks_text(n)]

    def best_bid_text(self) -> TextLevel | None:
        """The highest bid as the exact wire strings ``(price, qty)``, or None."""
        top = self.bids_text(1)
        return top[0] if top else None

    def best_ask_text(self) -> TextLevel | None:
        """The lowest ask as the exact wire strings ``(price, qty)``, or None."""
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
        bk, ak = self._btk, self._atk
        return len(bk) > 1 and len(ak) > 1 and bk[-2] >= ak[0]

    def __repr__(self) -> str:
        return (
            f"OrderBook({self.symbol!r}, update_id={self.update_id}, synced={self.synced}, "
            f"bids={self.bid_count}, asks={self.ask_count}, best_bid={self.best_bid_text()}, "
            f"best_ask={self.best_ask_text()})"
        )

    # ------------------------------------------------------------------ internals

    def _build(self, s: _Side, level: dict[float, float]) -> None:
        """Lay out one side from ``price -> qty`` (the side is empty)."""
        ks = sorted(level)
        cut = len(ks) if self._max is not None else self._target
        if s.bid:  # best last
            top, mid, rest = ks[-cut:], ks[-cut - _MID_TARGET : -cut], ks[: -cut - _MID_TARGET]
        else:  # best first
            top, mid, rest = ks[:cut], ks[cut : cut + _MID_TARGET], ks[cut + _MID_TARGET :]
        if not cut:
            top, mid, rest = [], [], ks
        s.tk[:-1] = top
        s.tl[:-1] = [(p, level[p]) for p in top]
        if mid:
            s.thr = top[0] if s.bid else top[-1]
            s.mk[:-1] = mid
            s.mq[:-1] = [level[p] for p in mid]
        if rest:
            s.mthr = mid[0] if s.bid else mid[-1]
            s.rest = {p: level[p] for p in rest}
            s.pack()

    def _rebalance(self, s: _Side) -> None:
        """Bring the top tier back within its bounds (after any batch of changes)."""
        if self._max is not None:
            self._trim(s)
            return
        s.flush()
        n = len(s.tk)
        if n > self._hi:
            s.spill_top(self._target)
        elif n < self._lo:
            s.refill_top(self._target)

    def _levels(self, s: _Side, n: int | None) -> list[FloatLevel]:
        """Reads past the top tier."""
        if n is not None:
            if n < 0:
                raise ValueError(f"n must be >= 0 or None, got {n!r}")
            s.flush()
            if len(s.mk) == 1 and not s.rest:
                return s.top(len(s.tl) - 1)
            if n <= _READ_GROW and self._max is None:
                if n >= self._lo:
                    self._tune(n)  # this reader wants n levels: keep that many on top
                s.refill_top(max(n, self._target))
                return s.top(min(n, len(s.tl) - 1))
            return s.levels()[:n]
        return s.levels()

    def _learn(self, bids: list[TextLevel], asks: list[TextLevel]) -> None:
        """Learn the decimal counts from the first price / non-zero quantity text."""
        for pt, qt in (*bids[:1], *asks[:1]):
            if self._price_decimals is None:
                self._price_decimals = _decimals(pt)
                self._pfmt = f".{self._price_decimals}f"
            if self._qty_decimals is None and float(qt) != 0.0:  # not "0E-8" and the like
                self._qty_decimals = _decimals(qt)
                self._qfmt = f".{self._qty_decimals}f"
        pd, qd = self._price_decimals, self._qty_decimals
        self._fast_ok = (
            pd is not None
            and qd is not None
            and pd <= _MAX_FAST_DECIMALS
            and qd <= _MAX_FAST_DECIMALS
        )

    def _note_text(self, ovr: dict[float, TextLevel], pt: str, qt: str, p: float, q: float) -> None:
        """Keep the wire strings of a level whose text the float would not give back."""
        if self._qty_decimals is None and self._price_decimals is not None:
            self._learn([(pt, qt)], [])
        pok = format(p, self._pfmt) == pt
        qok = format(q, self._qfmt) == qt
        if pok and qok:
            if ovr:
                ovr.pop(p, None)
            return
        ovr[p] = (pt, qt)
        if (not pok and p < FLOAT_EXACT_LIMIT) or (not qok and q < FLOAT_EXACT_LIMIT):
            # An unusual spelling the float decoder would accept: stay on the text path.
            self._fast_ok = False

    def _text(self, levels: list[FloatLevel], ovr: dict[float, TextLevel]) -> list[TextLevel]:
        pf, qf = self._pfmt, self._qfmt
        out: list[TextLevel] = []
        for p, q in levels:
            t = ovr.get(p) if ovr else None
            out.append(t if t is not None else (format(p, pf), format(q, qf)))
        return out

    def _trim(self, s: _Side) -> None:
        """Forget the levels of one side past ``max_levels`` (bounded books only)."""
        excess = len(s.tk) - 1 - (self._max or 0)
        if excess > 0:
            worse = slice(0, excess) if s.bid else slice(-1 - excess, -1)
            if s.text:
                for p, _ in s.tl[worse]:
                    s.text.pop(p, None)
            del s.tk[worse]
            del s.tl[worse]
            worst = s.tk[0] if s.bid else s.tk[-2]  # levels past it are forgotten from now on
            if s.bid:
                self._kb = max(self._kb, worst)
            else:
                self._ka = min(self._ka, worst)


def _store(keys: list[float], vals: list[Any], p: float, val: object, q: float) -> None:
    """Set ``val`` at price ``p`` in a sorted price list and its parallel value list, or
    remove the price if ``q`` is 0 (`OrderBook.apply_values` has this inlined, per side)."""
    i = bisect_left(keys, p)
    if keys[i] == p:
        if q:
            vals[i] = val
        else:
            del keys[i]
            del vals[i]
    elif q:
        keys.insert(i, p)
        vals.insert(i, val)


def _forget_text(ovr: dict[float, TextLevel], levels: Iterable[FloatLevel]) -> None:
    for p, _ in levels:
        ovr.pop(p, None)
