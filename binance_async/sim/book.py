"""The price-level order book of one symbol, with its change log and ground truth.

Prices and quantities are integer 1e-8 units. Each side is a dict ``price -> Level`` (FIFO queue
of resting orders plus the level's total quantity) and a sorted key list whose *last* element is
the best price (bids keyed by ``price``, asks by ``-price``), so best-price access and removal are
O(1) and inserting a new level is a bisect.

Update ids: the engine brackets every operation with `begin` / `end`; the first level change of an
operation allocates the next update id (Binance ``lastUpdateId`` semantics: one id per matching
engine event that changed the book). Every change is logged as ``(update_id, side, price, qty)``
with the level's new absolute quantity (0 = removed). From the log:

- `changes_since(uid)` aggregates the changes after ``uid`` for the diff-depth stream;
- `true_book(uid)` rebuilds the exact book at any retained update id from the nearest checkpoint
  (a full copy of the levels taken every ``checkpoint_every`` ids) plus the log;
- `ticker_since(uid)` gives the best bid/ask changes for the bookTicker stream.

Retention: everything newer than ``retention_updates`` ids *or* ``retention_ms`` is kept; older
checkpoints and log entries are dropped, and asking for them raises `HistoryUnavailable`.
"""

from __future__ import annotations

from bisect import bisect_right, insort
from collections import deque
from dataclasses import dataclass
from operator import itemgetter
from typing import TYPE_CHECKING, NamedTuple

from .errors import HistoryUnavailable

if TYPE_CHECKING:
    from .orders import Order

__all__ = ["BUY", "SELL", "Book", "BookChanges", "Level", "TopOfBook"]

BUY = 0
SELL = 1

_uid_of = itemgetter(0)


class Level:
    """One price level: resting orders in time priority and their total remaining quantity."""

    __slots__ = ("orders", "price", "qty")

    def __init__(self, price: int) -> None:
        self.price = price
        self.qty = 0
        self.orders: deque[Order] = deque()


class TopOfBook(NamedTuple):
    """Best bid/ask (units; 0 when a side is empty) at an update id."""

    update_id: int
    bid: int
    bid_qty: int
    ask: int
    ask_qty: int


class BookChanges(NamedTuple):
    """Aggregated level changes over update ids ``first..last`` (absolute quantities)."""

    first: int
    last: int
    bids: dict[int, int]
    asks: dict[int, int]


@dataclass(slots=True)
class _Checkpoint:
    update_id: int
    time: int
    log_index: int  # global index of the first log entry after this checkpoint
    bids: dict[int, int]
    asks: dict[int, int]


class Book:
    """Levels, the change log, checkpoints and top-of-book history of one symbol."""

    def __init__(
        self,
        *,
        retention_updates: int = 10_000,
        retention_ms: int = 60_000,
        checkpoint_every: int = 1_000,
        ticker_history: int = 10_000,
    ) -> None:
        self.bids: dict[int, Level] = {}
        self.asks: dict[int, Level] = {}
        self.bid_keys: list[int] = []  # ascending prices; best bid last
        self.ask_keys: list[int] = []  # ascending -price; best ask last
        self.update_id = 0
        self.dirty = False
        self.log: list[tuple[int, int, int, int]] = []
        self._log_base = 0
        self.retention_updates = retention_updates
        self.retention_ms = retention_ms
        self.checkpoint_every = max(1, checkpoint_every)
        self._checkpoints: deque[_Checkpoint] = deque([_Checkpoint(0, 0, 0, {}, {})])
        self._last_top = TopOfBook(0, 0, 0, 0, 0)
        self._tops: deque[TopOfBook] = deque(maxlen=ticker_history)

    # --- operations ---------------------------------------------------------------------------

    def begin(self) -> None:
        """Start an engine operation: its first level change takes a new update id."""
        self.dirty = False

    def note(self, side: int, price: int, qty: int) -> None:
        """Log that level ``price`` on ``side`` now holds ``qty`` (0 = removed)."""
        if not self.dirty:
            self.update_id += 1
            self.dirty = True
        self.log.append((self.update_id, side, price, qty))

    def end(self, now_ms: int) -> None:
        """Finish an operation: record top-of-book changes, checkpoint and trim the history."""
        if not self.dirty:
            return
        self.dirty = False
        uid = self.update_id
        bk = self.bid_keys
        ak = self.ask_keys
        if bk:
            bid = bk[-1]
            bq = self.bids[bid].qty
        else:
            bid = bq = 0
        if ak:
            ask = -ak[-1]
            aq = self.asks[ask].qty
        else:
            ask = aq = 0
        last = self._last_top
        if bid != last.bid or bq != last.bid_qty or ask != last.ask or aq != last.ask_qty:
            top = TopOfBook(uid, bid, bq, ask, aq)
            self._last_top = top
            self._tops.append(top)
        cps = self._checkpoints
        if uid - cps[-1].update_id >= self.checkpoint_every:
            cps.append(
                _Checkpoint(
                    uid,
                    now_ms,
                    self._log_base + len(self.log),
                    {p: lv.qty for p, lv in self.bids.items()},
                    {p: lv.qty for p, lv in self.asks.items()},
                )
            )
            old_uid = uid - self.retention_updates
            old_ms = now_ms - self.retention_ms
            while len(cps) > 1 and cps[1].update_id <= old_uid and cps[1].time <= old_ms:
                cps.popleft()
            cut = cps[0].log_index - self._log_base
            if cut > 0:
                del self.log[:cut]
                self._log_base += cut

    def add(self, order: Order, side: int, price: int, qty: int) -> None:
        """Append a resting order at the back of its level's queue."""
        if side == BUY:
            lv = self.bids.get(price)
            if lv is None:
                lv = self.bids[price] = Level(price)
                insort(self.bid_keys, price)
        else:
            lv = self.asks.get(price)
            if lv is None:
                lv = self.asks[price] = Level(price)
                insort(self.ask_keys, -price)
        lv.orders.append(order)
        lv.qty += qty
        self.note(side, price, lv.qty)

    def remove(self, order: Order, side: int, price: int, qty: int) -> None:
        """Take a resting order (with ``qty`` remaining) off the book."""
        levels = self.bids if side == BUY else self.asks
        lv = levels[price]
        lv.orders.remove(order)
        lv.qty -= qty
        if lv.qty == 0:
            del levels[price]
            if side == BUY:
                keys = self.bid_keys
                del keys[bisect_right(keys, price) - 1]
            else:
                keys = self.ask_keys
                del keys[bisect_right(keys, -price) - 1]
        self.note(side, price, lv.qty)

    # --- reads --------------------------------------------------------------------------------

    def best_bid(self) -> int:
        """Best bid price in units, 0 if none."""
        return self.bid_keys[-1] if self.bid_keys else 0

    def best_ask(self) -> int:
        """Best ask price in units, 0 if none."""
        return -self.ask_keys[-1] if self.ask_keys else 0

    def top(self) -> TopOfBook:
        """Current best bid/ask with quantities."""
        t = self._last_top
        return TopOfBook(self.update_id, t.bid, t.bid_qty, t.ask, t.ask_qty)

    def levels(
        self, limit: int | None = None
    ) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
        """Up to ``limit`` levels per side, best first, as ``(price, qty)`` units."""
        bk = self.bid_keys
        ak = self.ask_keys
        n_b = len(bk) if limit is None else min(limit, len(bk))
        n_a = len(ak) if limit is None else min(limit, len(ak))
        bids = self.bids
        asks = self.asks
        return (
            [(p, bids[p].qty) for p in bk[-1 : -n_b - 1 : -1]] if n_b else [],
            [(-k, asks[-k].qty) for k in ak[-1 : -n_a - 1 : -1]] if n_a else [],
        )

    @property
    def oldest_update_id(self) -> int:
        """The oldest update id `true_book` can still rebuild."""
        return self._checkpoints[0].update_id

    def true_book(self, update_id: int | None = None) -> tuple[dict[int, int], dict[int, int]]:
        """The exact book (every level) at ``update_id`` (default: now) as price->qty dicts."""
        if update_id is None or update_id == self.update_id:
            return (
                {p: lv.qty for p, lv in self.bids.items()},
                {p: lv.qty for p, lv in self.asks.items()},
            )
        if update_id > self.update_id:
            raise HistoryUnavailable(
                f"update id {update_id} is in the future (current {self.update_id})"
            )
        cps = self._checkpoints
        if update_id < cps[0].update_id:
            raise HistoryUnavailable(
                f"update id {update_id} is older than the retention window "
                f"(oldest retained {cps[0].update_id}, current {self.update_id})"
            )
        i = len(cps) - 1
        while cps[i].update_id > update_id:
            i -= 1
        cp = cps[i]
        sides = (dict(cp.bids), dict(cp.asks))
        log = self.log
        for j in range(cp.log_index - self._log_base, len(log)):
            uid, side, price, qty = log[j]
            if uid > update_id:
                break
            if qty:
                sides[side][price] = qty
            else:
                sides[side].pop(price, None)
        return sides

    def changes_since(self, update_id: int) -> BookChanges | None:
        """Level changes after ``update_id`` aggregated (last value per level), or None."""
        if update_id >= self.update_id:
            return None
        if update_id < self._checkpoints[0].update_id:
            raise HistoryUnavailable(
                f"changes after {update_id} are no longer retained "
                f"(oldest {self._checkpoints[0].update_id})"
            )
        log = self.log
        i = bisect_right(log, update_id, key=_uid_of)
        bids: dict[int, int] = {}
        asks: dict[int, int] = {}
        sides = (bids, asks)
        first = log[i][0]
        for j in range(i, len(log)):
            _, side, price, qty = log[j]
            sides[side][price] = qty
        return BookChanges(first, self.update_id, bids, asks)

    def ticker_since(self, update_id: int) -> list[TopOfBook]:
        """Top-of-book changes with an update id above ``update_id`` (bounded history)."""
        tops = self._tops
        if not tops or tops[-1].update_id <= update_id:
            return []
        out: list[TopOfBook] = []
        for t in reversed(tops):
            if t.update_id <= update_id:
                break
            out.append(t)
        out.reverse()
        return out
