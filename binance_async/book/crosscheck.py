"""`CrossCheck`: compare a local book with the partial depth stream (sans-I/O).

Binance sends no checksum of its books. What it does send is the partial depth stream
(``<symbol>@depth20@100ms``): the top 20 levels of each side and the ``lastUpdateId`` they are
at, the same update ids as the diff stream's ``u``. A book that has applied every diff event up
to exactly that id must hold exactly those levels; a book that does not was corrupted somehow
(a diff event lost without a visible gap, a bug, a bit flip) and no sequence check can see it.

No sockets, no clock: feed it partial depth events and tell it when the book changed::

    cc = CrossCheck("BTCUSDT")
    verdict = cc.feed_partial(partial, book)    # a partial depth event came in
    if cc.waiting_for <= book.update_id:        # after each applied diff event (cheap test)
        verdict = cc.on_book(book)

Timing (the two streams arrive independently, in any order):

- a partial at ``lastUpdateId`` L is compared only with the book *at exactly L*: at once if
  ``book.update_id == L``; kept (`Pending`, at most ``history`` of them) while the book is
  behind; dropped (`Skipped`) once the book has passed L without stopping at it (a diff event
  spanning several ids), or when it arrives after the book moved on, or while the book is
  not synced. Nothing is ever compared across ids, so no race between the two streams can
  make a correct book look wrong.
- Only levels both sides know are compared: the partial's range (down to its 20th level when it
  is full) intersected with the book's `OrderBook.known_range` (levels past the snapshot's
  last one, or forgotten by ``max_levels``, may be missing from a correct book).
- A disagreement at exactly L is `Suspect` first; ``confirm`` consecutive disagreeing checks
  (default 2: the next check at a later id disagrees too) make a `Disagree`, the caller's cue to
  resync that book. An agreeing check in between clears the suspicion (a wrong level that a
  later diff event overwrote has healed by itself). ``confirm=1`` resyncs on the first one.

The spot partial depth shape (``{"lastUpdateId", "bids", "asks"}``) only; USD-M futures partial
depth events are diff-shaped and are not handled here.
"""

from __future__ import annotations

import sys
from bisect import insort
from dataclasses import dataclass
from typing import TypeAlias

import msgspec

from ..models.depth import (
    PARTIAL_DEPTH_FLOAT_DECODER,
    FloatLevel,
    PartialDepth,
    PartialDepthFloat,
    levels_to_float,
)
from .book import OrderBook

__all__ = [
    "Agree",
    "CrossCheck",
    "CrossCheckStats",
    "Disagree",
    "Pending",
    "Skipped",
    "Suspect",
    "Verdict",
]

_NEVER = sys.maxsize


@dataclass(frozen=True, slots=True)
class Agree:
    """The book at ``update_id`` holds exactly the partial's levels (within the known range)."""

    update_id: int


@dataclass(frozen=True, slots=True)
class Pending:
    """The book is behind ``update_id``: the partial is kept until the book gets there."""

    update_id: int


@dataclass(frozen=True, slots=True)
class Skipped:
    """Nothing compared: ``reason`` is "book not synced", "book already past", "book jumped
    over", or "history full"."""

    update_id: int
    reason: str


@dataclass(frozen=True, slots=True)
class Suspect:
    """One disagreement at exactly ``update_id``, not (yet) confirmed by the next check."""

    update_id: int
    detail: str


@dataclass(frozen=True, slots=True)
class Disagree:
    """``confirm`` consecutive checks disagreed: the book is wrong, resync it."""

    update_id: int
    detail: str


Verdict: TypeAlias = Agree | Pending | Skipped | Suspect | Disagree
AnyPartial: TypeAlias = PartialDepthFloat | PartialDepth
RawPartial: TypeAlias = bytes | bytearray | memoryview | str


@dataclass(frozen=True, slots=True)
class CrossCheckStats:
    """Counters since construction (see `CrossCheck.statistics`)."""

    partials: int  # partial events fed
    checks: int  # comparisons made (the book was at exactly the partial's id)
    agreed: int
    suspects: int  # disagreeing checks (confirmed or not)
    mismatches: int  # confirmed disagreements (`Disagree` returned)
    skipped: int  # partials never compared (see `Skipped`)
    pending: int  # partials waiting now
    last_detail: str | None


class CrossCheck:
    """Checks one symbol's book against its partial depth stream; see the module docstring.

    ``levels``: the partial stream's depth (5, 10 or 20): a side with that many levels is
    truncated, so the comparison stops at its last price. ``history``: partials kept while the
    book is behind. ``confirm``: consecutive disagreeing checks that make a `Disagree`.
    """

    __slots__ = (
        "_agreed",
        "_checks",
        "_last_detail",
        "_mismatches",
        "_partials",
        "_pending",
        "_skipped",
        "_strikes",
        "_suspects",
        "confirm",
        "history",
        "levels",
        "symbol",
        "waiting_for",
    )

    def __init__(
        self, symbol: str, *, levels: int = 20, history: int = 16, confirm: int = 2
    ) -> None:
        if levels < 1:
            raise ValueError(f"levels must be >= 1, got {levels!r}")
        if history < 1:
            raise ValueError(f"history must be >= 1, got {history!r}")
        if confirm < 1:
            raise ValueError(f"confirm must be >= 1, got {confirm!r}")
        self.symbol = symbol.upper()
        self.levels = levels
        self.history = history
        self.confirm = confirm
        #: the smallest pending ``lastUpdateId`` (``sys.maxsize`` if none): call `on_book` once
        #: the book's ``update_id`` reaches it.
        self.waiting_for = _NEVER
        self._pending: list[tuple[int, list[FloatLevel], list[FloatLevel]]] = []
        self._strikes = 0
        self._partials = self._checks = self._agreed = self._suspects = 0
        self._mismatches = self._skipped = 0
        self._last_detail: str | None = None

    # ------------------------------------------------------------------ inputs

    def feed_partial(self, partial: AnyPartial | RawPartial, book: OrderBook) -> Verdict:
        """One partial depth event (`PartialDepthFloat`, `PartialDepth`, or its raw JSON),
        compared with ``book`` now or kept until the book reaches its ``lastUpdateId``.

        Raises `msgspec.DecodeError` / `msgspec.ValidationError` on a malformed event."""
        self._partials += 1
        lid, bids, asks = _partial_parts(partial)
        if not book.synced:
            return self._skip(lid, "book not synced")
        uid = book.update_id
        if lid == uid:
            return self._check(lid, bids, asks, book)
        if lid < uid:
            return self._skip(lid, "book already past")
        pending = self._pending
        for i, item in enumerate(pending):
            if item[0] == lid:  # the same id again: the newer levels replace the older
                pending[i] = (lid, bids, asks)
                return Pending(lid)
        insort(pending, (lid, bids, asks), key=_first)
        if len(pending) > self.history:
            dropped = pending.pop()  # the farthest ahead: the book gets to the others first
            self._skipped += 1
            if dropped[0] == lid:
                self.waiting_for = pending[0][0]
                return Skipped(lid, "history full")
        self.waiting_for = pending[0][0]
        return Pending(lid)

    def on_book(self, book: OrderBook) -> Verdict | None:
        """The book changed (call it once ``book.update_id >= waiting_for``): compare the
        partial it reached, drop the ones it passed. None when nothing was due."""
        pending = self._pending
        if not pending:
            self.waiting_for = _NEVER
            return None
        if not book.synced:
            self.reset()
            return None
        uid = book.update_id
        verdict: Verdict | None = None
        while pending and pending[0][0] <= uid:
            lid, bids, asks = pending.pop(0)
            if lid == uid:
                verdict = self._check(lid, bids, asks, book)
                if type(verdict) is Disagree:
                    break
            else:
                self._skipped += 1
                verdict = Skipped(lid, "book jumped over")
        self.waiting_for = pending[0][0] if pending else _NEVER
        return verdict

    def reset(self) -> None:
        """Forget the pending partials and any suspicion (the book resyncs or was replaced)."""
        self._skipped += len(self._pending)
        self._pending.clear()
        self.waiting_for = _NEVER
        self._strikes = 0

    # ------------------------------------------------------------------ inspection

    @property
    def pending(self) -> int:
        """Partials kept until the book reaches their update id."""
        return len(self._pending)

    @property
    def strikes(self) -> int:
        """Consecutive disagreeing checks so far (0 after an agreement or a `Disagree`)."""
        return self._strikes

    def statistics(self) -> CrossCheckStats:
        """The counters since construction, as a `CrossCheckStats`."""
        return CrossCheckStats(
            partials=self._partials,
            checks=self._checks,
            agreed=self._agreed,
            suspects=self._suspects,
            mismatches=self._mismatches,
            skipped=self._skipped,
            pending=len(self._pending),
            last_detail=self._last_detail,
        )

    def compare(
        self, bids: list[FloatLevel], asks: list[FloatLevel], book: OrderBook
    ) -> str | None:
        """None if ``book`` holds exactly these top levels (best first, as a partial depth
        event of ``levels`` levels per side lists them), within the book's known range;
        otherwise what differs. The book's update id is not looked at."""
        lo, hi = book.known_range
        full = self.levels
        # bids: prices at or above the bound
        bound = max(lo, bids[-1][0]) if len(bids) >= full else lo
        want = [lv for lv in bids if lv[0] >= bound]
        have = [lv for lv in book.bids(len(want) + 1) if lv[0] >= bound]
        if have != want:
            return _diff("bids", have, want)
        bound = min(hi, asks[-1][0]) if len(asks) >= full else hi
        want = [lv for lv in asks if lv[0] <= bound]
        have = [lv for lv in book.asks(len(want) + 1) if lv[0] <= bound]
        if have != want:
            return _diff("asks", have, want)
        return None

    # ------------------------------------------------------------------ internals

    def _check(
        self, lid: int, bids: list[FloatLevel], asks: list[FloatLevel], book: OrderBook
    ) -> Verdict:
        self._checks += 1
        detail = self.compare(bids, asks, book)
        if detail is None:
            self._agreed += 1
            self._strikes = 0
            return Agree(lid)
        self._suspects += 1
        self._strikes += 1
        detail = f"{self.symbol}@{lid}: {detail}"
        self._last_detail = detail
        if self._strikes < self.confirm:
            return Suspect(lid, detail)
        self._mismatches += 1
        self.reset()
        return Disagree(lid, detail)

    def _skip(self, lid: int, reason: str) -> Skipped:
        self._skipped += 1
        return Skipped(lid, reason)

    def __repr__(self) -> str:
        return (
            f"CrossCheck({self.symbol!r}, checks={self._checks}, "
            f"mismatches={self._mismatches}, pending={len(self._pending)})"
        )


def _first(item: tuple[int, list[FloatLevel], list[FloatLevel]]) -> int:
    return item[0]


def _partial_parts(
    partial: AnyPartial | RawPartial,
) -> tuple[int, list[FloatLevel], list[FloatLevel]]:
    if type(partial) is PartialDepthFloat:
        return partial.last_update_id, partial.bids, partial.asks
    if type(partial) is PartialDepth:
        return partial.last_update_id, levels_to_float(partial.bids), levels_to_float(partial.asks)
    if isinstance(partial, bytes | bytearray | memoryview | str):
        p = PARTIAL_DEPTH_FLOAT_DECODER.decode(partial)
        return p.last_update_id, p.bids, p.asks
    raise msgspec.ValidationError(f"not a partial depth event: {type(partial).__name__}")


def _diff(side: str, have: list[FloatLevel], want: list[FloatLevel]) -> str:
    for i, (h, w) in enumerate(zip(have, want, strict=False)):
        if h != w:
            return f"{side} level {i}: book {h}, exchange {w}"
    n = min(len(have), len(want))
    if len(have) > n:
        return f"{side} level {n}: book {have[n]}, exchange has none"
    return f"{side} level {n}: book has none, exchange {want[n]}"
