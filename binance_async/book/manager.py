"""`BookManager`: many local order books kept in sync over one stream subscription.

::

    async with Client(...) as client:
        async with client.books(["BTCUSDT", "ETHUSDT"], depth=1000) as books:
            await books.wait_synced()                 # every book (or symbol="BTCUSDT")
            book = books["BTCUSDT"]                   # the live OrderBook (book.synced)
            async for update in books.updates():      # BookUpdate(symbol, update_id, ...)
                ...

The procedure (facts doc section 4), per symbol:

- the diff streams (``<s>@depth@100ms``) are subscribed, and acknowledged, before any snapshot
  is requested; a symbol's snapshot is requested when its `DepthSync` asks for one (its first
  buffered event, a gap, a crossed book, an overflow, a snapshot too old);
- snapshots go through the client's REST limiter (``client.market.depth(symbol, limit=depth)``,
  weight 5/25/50/250 by limit) with at most ``snapshot_concurrency`` requests in flight, so
  starting a whole market is paced by the weight budget and never earns a 429/418;
- a `StreamGap` marker (reconnect, refused re-subscribe, queue overflow) resets only the books
  of the streams it names; a gap in one symbol's events never touches another book;
- ``cross_check=True`` also subscribes each symbol's partial depth stream
  (``<s>@depth20@100ms``, on the same multiplexer, in a second subscription) and compares the
  book with it whenever the book is at exactly the partial's ``lastUpdateId``
  (`binance_async.book.CrossCheck`): a confirmed disagreement resyncs that one book (counted
  in ``cross_check_mismatches``). Binance sends no checksum: this catches what no sequence
  check can (a diff event lost without a gap, a corrupted level).

Readers see ``book.synced`` go False during a resync, never a silently wrong book. Every task
lives in a TaskGroup owned by the ``async with``: errors (other than a retried transient
snapshot failure) propagate out of it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import msgspec

from ..errors import ExecutionStatusUnknown, InvalidResponse, RateLimited, TransportError
from ..models.depth import (
    ENVELOPE_DECODER,
    PARTIAL_DEPTH_FLOAT_DECODER,
    DepthEvent,
    DepthEventFloat,
)
from ..streams.manager import StreamGap
from .book import OrderBook
from .crosscheck import CrossCheck, Disagree, Verdict
from .sync import Applied, DepthSync, NeedSnapshot, ResyncNeeded

if TYPE_CHECKING:
    from ..rest.session import Client
    from ..streams.manager import Subscription

__all__ = ["BookManager", "BookStats", "BookUpdate"]

log = logging.getLogger("binance_async.book")

Speed = Literal["100ms", "1000ms"]

#: Snapshot failures retried (with backoff) instead of propagated.
_TRANSIENT = (TransportError, ExecutionStatusUnknown, InvalidResponse, RateLimited)


@dataclass(frozen=True, slots=True)
class BookUpdate:
    """One applied diff event: ``symbol``'s book is now at ``update_id`` (and in sync)."""

    symbol: str
    update_id: int
    event_time: int


@dataclass(frozen=True, slots=True)
class BookStats:
    """Per-symbol counters (see `BookManager.statistics`)."""

    symbol: str
    synced: bool
    update_id: int
    events: int
    applied: int
    resyncs: int  # lost sync: event gaps, crossed or malformed events, stream gap markers
    overflows: int  # buffer overflows while waiting for a snapshot (restarted, not lost)
    gaps: int  # stream gap markers that named this symbol
    snapshots: int  # requested
    snapshots_rejected: int
    time_to_sync: float | None  # seconds from (re)subscribe / resync to the last sync
    first_sync: float | None  # seconds from start to the first sync
    lag_ms_last: float | None  # receive time - event time, of the last applied event
    last_reason: str | None
    cross_checks: int = 0  # comparisons with the partial depth stream (cross_check=True)
    cross_check_mismatches: int = 0  # confirmed disagreements (each one resynced the book)
    cross_check_suspects: int = 0  # disagreeing comparisons, confirmed or not


class _Entry:
    __slots__ = (
        "await_event",
        "closed",
        "cross",
        "first_sync",
        "gaps",
        "lag_ms",
        "partial_stream",
        "pending",
        "snapshots",
        "started",
        "stream",
        "symbol",
        "sync",
        "synced_evt",
        "time_to_sync",
        "unsynced_since",
    )  # fmt: skip

    def __init__(
        self, symbol: str, stream: str, sync: DepthSync, now: float, cross: CrossCheck | None
    ) -> None:
        self.symbol = symbol
        self.stream = stream
        self.sync = sync
        self.cross = cross
        self.partial_stream = ""
        self.synced_evt = asyncio.Event()
        self.pending = False  # a snapshot is queued or in flight
        self.started = now
        self.unsynced_since = now
        self.time_to_sync: float | None = None
        self.first_sync: float | None = None
        self.lag_ms: float | None = None
        self.gaps = 0
        self.snapshots = 0
        self.await_event = False  # after a stream gap: fetch on the next event, not before
        self.closed = False


class BookManager:
    """Local order books for ``symbols`` (see the module docstring); ``async with`` it.

    ``depth``: the snapshot limit (1000: weight 50). ``snapshot_concurrency``: snapshot
    requests in flight (the limiter paces them by weight). ``snapshot_retries``: transient
    snapshot failures (transport, 5xx, 429) retried with backoff before the error propagates.
    ``max_buffer``: events kept per symbol while its snapshot is awaited (on overflow the
    buffer restarts from the newest event; counted in ``overflows``). ``stream_maxsize``: the
    subscription queue (drop-oldest: an overflow is a gap marker, its books resync).
    ``updates_maxsize``: the `updates` queue (drop-oldest, ``updates_dropped``).
    ``on_update``: called with each `BookUpdate`, inline (keep it short).
    ``cross_check``: compare each book with its partial depth stream and resync it on a
    confirmed disagreement (spot only; see `binance_async.book.CrossCheck`);
    ``cross_check_confirm``: consecutive disagreeing comparisons that confirm one.
    """

    def __init__(
        self,
        client: Client,
        symbols: Iterable[str],
        *,
        depth: int = 1000,
        speed: Speed = "100ms",
        rule: Literal["spot", "futures"] = "spot",
        snapshot_concurrency: int = 8,
        snapshot_retries: int = 5,
        max_buffer: int = 2_000,
        max_levels: int | None = None,
        stream_maxsize: int = 65_536,
        updates_maxsize: int = 10_000,
        on_update: Callable[[BookUpdate], None] | None = None,
        cross_check: bool = False,
        cross_check_confirm: int = 2,
    ) -> None:
        if not 1 <= depth <= 5000:
            raise ValueError(f"depth must be in 1..5000, got {depth!r}")
        if speed not in ("100ms", "1000ms"):
            raise ValueError(f"speed must be '100ms' or '1000ms', got {speed!r}")
        if snapshot_concurrency < 1:
            raise ValueError("snapshot_concurrency must be >= 1")
        if updates_maxsize < 1:
            raise ValueError("updates_maxsize must be >= 1")
        if cross_check and rule != "spot":
            raise ValueError("cross_check needs the spot partial depth stream (rule='spot')")
        if cross_check_confirm < 1:
            raise ValueError("cross_check_confirm must be >= 1")
        self._client = client
        self._initial = list(dict.fromkeys(s.upper() for s in symbols))
        self.depth = depth
        self.speed: Speed = speed
        self.rule: Literal["spot", "futures"] = rule
        self.snapshot_concurrency = snapshot_concurrency
        self.snapshot_retries = snapshot_retries
        self.max_buffer = max_buffer
        self.max_levels = max_levels
        self.stream_maxsize = stream_maxsize
        self.updates_maxsize = updates_maxsize
        self.on_update = on_update
        self.cross_check = cross_check
        self.cross_check_confirm = cross_check_confirm
        self._entries: dict[str, _Entry] = {}
        self._by_stream: dict[str, _Entry] = {}
        self._by_partial: dict[str, _Entry] = {}
        self._psub: Subscription | None = None
        self._queue: asyncio.Queue[_Entry] = asyncio.Queue()
        self._sub: Subscription | None = None
        self._tg: asyncio.TaskGroup | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._updates: deque[BookUpdate] | None = None
        self._updates_evt = asyncio.Event()
        self._changed = asyncio.Event()  # any symbol's sync state changed
        self._closed = False
        self._started = 0.0
        self.updates_dropped = 0
        self.markers = 0
        self.snapshot_errors = 0
        self.snapshot_weight = 0

    # -- lifecycle -------------------------------------------------------------------------

    def stream_name(self, symbol: str) -> str:
        """The diff depth stream of ``symbol`` (``btcusdt@depth@100ms`` at speed ``100ms``)."""
        suffix = "@100ms" if self.speed == "100ms" else ""
        return f"{symbol.lower()}@depth{suffix}"

    def partial_stream_name(self, symbol: str) -> str:
        """The partial depth stream of the cross-check (at the diff stream's speed)."""
        suffix = "@100ms" if self.speed == "100ms" else ""
        return f"{symbol.lower()}@depth20{suffix}"

    async def __aenter__(self) -> BookManager:
        self._started = time.monotonic()
        for sym in self._initial:
            self._new_entry(sym)
        self._tg = tg = asyncio.TaskGroup()
        await tg.__aenter__()
        try:
            # Streams first (acknowledged), snapshots only once events are buffered.
            sub = self._client.streams.subscribe(
                *(e.stream for e in self._entries.values()),
                overflow="drop_oldest",
                maxsize=self.stream_maxsize,
            )
            await sub.__aenter__()
            self._sub = sub
            self._tasks.append(tg.create_task(self._read(sub), name="books.reader"))
            if self.cross_check:
                # Raw frames: a partial depth event names no symbol, its envelope does.
                psub = self._client.streams.subscribe(
                    *(e.partial_stream for e in self._entries.values()),
                    overflow="drop_oldest",
                    maxsize=self.stream_maxsize,
                    raw=True,
                )
                await psub.__aenter__()
                self._psub = psub
                self._tasks.append(tg.create_task(self._read_partials(psub),
                                                  name="books.cross-check"))  # fmt: skip
            for i in range(self.snapshot_concurrency):
                self._tasks.append(tg.create_task(self._snapshots(), name=f"books.snapshot-{i}"))
        except BaseException as exc:
            await self._shutdown(type(exc), exc, exc.__traceback__)
            raise
        return self

    async def __aexit__(self, et: Any = None, exc: Any = None, tb: Any = None) -> None:
        await self._shutdown(et, exc, tb)

    async def _shutdown(self, et: Any, exc: Any, tb: Any) -> None:
        if self._closed:
            return
        self._closed = True
        self._updates_evt.set()
        self._changed.set()
        for task in self._tasks:
            task.cancel()
        psub, self._psub = self._psub, None
        if psub is not None:
            await psub.__aexit__(None, None, None)
        sub, self._sub = self._sub, None
        if sub is not None:
            await sub.__aexit__(None, None, None)
        tg, self._tg = self._tg, None
        if tg is not None:
            await tg.__aexit__(et, exc, tb)

    def _new_entry(self, symbol: str) -> _Entry:
        sync = DepthSync(symbol, rule=self.rule, max_buffer=self.max_buffer,
                         max_levels=self.max_levels)  # fmt: skip
        cross = None
        if self.cross_check:
            cross = CrossCheck(symbol, levels=20, confirm=self.cross_check_confirm)
        entry = _Entry(symbol, self.stream_name(symbol), sync, time.monotonic(), cross)
        self._entries[symbol] = entry
        self._by_stream[entry.stream] = entry
        if cross is not None:
            entry.partial_stream = self.partial_stream_name(symbol)
            self._by_partial[entry.partial_stream] = entry
        return entry

    async def add(self, symbol: str) -> OrderBook:
        """Start keeping ``symbol``'s book (subscribes its stream; acknowledged on return)."""
        sym = symbol.upper()
        if sym in self._entries:
            return self._entries[sym].sync.book
        sub = self._require_running()
        entry = self._new_entry(sym)
        try:
            await sub.add(entry.stream)
            if self._psub is not None:
                await self._psub.add(entry.partial_stream)
        except BaseException:
            self._drop_entry(entry)
            raise
        return entry.sync.book

    async def remove(self, symbol: str) -> None:
        """Stop keeping ``symbol``'s book (unsubscribes; the book object is left as it is)."""
        entry = self._entries.get(symbol.upper())
        if entry is None:
            return
        sub = self._require_running()
        self._drop_entry(entry)
        await sub.remove(entry.stream)
        if self._psub is not None:
            await self._psub.remove(entry.partial_stream)

    def _drop_entry(self, entry: _Entry) -> None:
        entry.closed = True
        self._entries.pop(entry.symbol, None)
        self._by_stream.pop(entry.stream, None)
        self._by_partial.pop(entry.partial_stream, None)
        entry.synced_evt.set()  # wake waiters; they re-check
        self._changed.set()

    def _require_running(self) -> Subscription:
        if self._sub is None or self._closed:
            raise RuntimeError("the book manager is not running (use 'async with')")
        return self._sub

    # -- access ----------------------------------------------------------------------------

    def __getitem__(self, symbol: str) -> OrderBook:
        return self._entries[symbol.upper()].sync.book

    def __contains__(self, symbol: object) -> bool:
        return isinstance(symbol, str) and symbol.upper() in self._entries

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._entries))

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def symbols(self) -> list[str]:
        """The managed symbols (upper case), in the order they were added."""
        return list(self._entries)

    def sync(self, symbol: str) -> DepthSync:
        """The `DepthSync` of ``symbol`` (state, statistics)."""
        return self._entries[symbol.upper()].sync

    def cross(self, symbol: str) -> CrossCheck | None:
        """The `CrossCheck` of ``symbol`` (None without ``cross_check=True``)."""
        return self._entries[symbol.upper()].cross

    def synced(self, symbol: str | None = None) -> bool:
        """Whether ``symbol``'s book (or every book) is in sync now."""
        if symbol is not None:
            return self._entries[symbol.upper()].sync.synced
        return all(e.sync.synced for e in self._entries.values())

    async def wait_synced(
        self,
        symbol: str | None = None,
        timeout: float | None = None,  # noqa: ASYNC109 - a convenience over asyncio.timeout
    ) -> None:
        """Wait until ``symbol``'s book (or every book) is in sync; TimeoutError after
        ``timeout`` seconds."""
        async with asyncio.timeout(timeout):
            if symbol is not None:
                sym = symbol.upper()
                while not self._closed:
                    entry = self._entries.get(sym)
                    if entry is None:
                        raise KeyError(sym)
                    if entry.sync.synced:
                        return
                    entry.synced_evt.clear()  # stale after a removal: re-armed here
                    await entry.synced_evt.wait()
                raise RuntimeError("the book manager is closed")
            while not self._closed:
                if all(e.sync.synced for e in self._entries.values()):
                    return
                self._changed.clear()
                await self._changed.wait()
            raise RuntimeError("the book manager is closed")

    async def updates(self) -> AsyncIterator[BookUpdate]:
        """`BookUpdate` after each applied event, from now on (bounded: the oldest are
        dropped and counted in ``updates_dropped`` when the reader falls behind). One reader."""
        if self._updates is None:
            self._updates = deque()
        q = self._updates
        evt = self._updates_evt
        while True:
            if q:
                yield q.popleft()
                continue
            if self._closed:
                return
            evt.clear()
            await evt.wait()

    # -- the reader ------------------------------------------------------------------------

    async def _read(self, sub: Subscription) -> None:
        entries = self._entries
        on_update = self.on_update
        async for item in sub:
            t = type(item)
            if t is DepthEvent or t is DepthEventFloat:
                entry = entries.get(item.symbol)
                if entry is None:
                    continue  # removed, or a late event of an unsubscribed stream
                sync = entry.sync
                was = sync.synced
                action = sync.feed_event(item)
                if type(action) is Applied:
                    if not was:
                        self._on_synced(entry)
                    entry.lag_ms = time.time() * 1000.0 - item.event_time
                    cross = entry.cross
                    if cross is not None and cross.waiting_for <= sync.book.update_id:
                        verdict = cross.on_book(sync.book)
                        if type(verdict) is Disagree:
                            self._on_disagree(entry, verdict)
                            continue
                    if self._updates is not None or on_update is not None:
                        self._publish(
                            BookUpdate(entry.symbol, sync.book.update_id, item.event_time)
                        )
                elif isinstance(action, ResyncNeeded | NeedSnapshot):
                    if was:
                        self._on_unsynced(entry)
                    self._want_snapshot(entry)
                elif entry.await_event:  # the stream flows again after a gap marker
                    self._want_snapshot(entry)
            elif t is StreamGap:
                self._on_gap(item)

    async def _read_partials(self, sub: Subscription) -> None:
        """The cross-check's reader: raw ``(receive_ns, frame)`` items of the partial streams
        (gap markers need nothing: each partial event is a whole top of book)."""
        by_partial = self._by_partial
        for_env = ENVELOPE_DECODER.decode
        for_partial = PARTIAL_DEPTH_FLOAT_DECODER.decode
        async for item in sub:
            if type(item) is not tuple or not item[1]:
                continue  # a StreamGap marker, or an event released without its frame
            try:
                env = for_env(item[1])
                entry = by_partial.get(env.stream)
                if entry is None or entry.cross is None:
                    continue
                partial = for_partial(env.data)
            except (msgspec.DecodeError, msgspec.ValidationError) as exc:
                log.warning("malformed partial depth frame skipped: %s", exc)
                continue
            verdict = entry.cross.feed_partial(partial, entry.sync.book)
            if type(verdict) is Disagree:
                self._on_disagree(entry, verdict)

    def _on_disagree(self, entry: _Entry, verdict: Verdict) -> None:
        """A confirmed cross-check disagreement: resync this book only."""
        detail = getattr(verdict, "detail", "")
        log.warning("cross-check: %s is out of sync (%s); resyncing it", entry.symbol, detail)
        sync = entry.sync
        was = sync.synced
        sync.reset(f"cross-check: {detail}")
        if was:
            self._on_unsynced(entry)
        # The stream is live: a snapshot taken now is bridged by the events that follow it.
        self._want_snapshot(entry)

    def _publish(self, update: BookUpdate) -> None:
        q = self._updates
        if q is not None:
            if len(q) >= self.updates_maxsize:
                q.popleft()
                self.updates_dropped += 1
            q.append(update)
            self._updates_evt.set()
        if self.on_update is not None:
            self.on_update(update)

    def _on_gap(self, gap: StreamGap) -> None:
        self.markers += 1
        for stream in gap.streams:
            entry = self._by_stream.get(stream)
            if entry is None:
                continue
            entry.gaps += 1
            was = entry.sync.synced
            entry.sync.reset(f"stream gap: {gap.reason}")
            if was:
                self._on_unsynced(entry)
            # The snapshot waits for the stream's next event: one taken before the stream
            # is resubscribed would be too old for it, and its weight wasted.
            entry.await_event = True

    def _on_synced(self, entry: _Entry) -> None:
        now = time.monotonic()
        entry.time_to_sync = now - entry.unsynced_since
        if entry.first_sync is None:
            entry.first_sync = now - entry.started
        entry.synced_evt.set()
        self._changed.set()

    def _on_unsynced(self, entry: _Entry) -> None:
        if entry.cross is not None:
            entry.cross.reset()
        entry.unsynced_since = time.monotonic()
        entry.synced_evt.clear()
        self._changed.set()

    def _want_snapshot(self, entry: _Entry) -> None:
        entry.await_event = False
        if not entry.pending and not entry.closed:
            entry.pending = True
            self._queue.put_nowait(entry)

    # -- snapshots -------------------------------------------------------------------------

    async def _snapshots(self) -> None:
        queue = self._queue
        while True:
            entry = await queue.get()
            if entry.closed:
                continue
            snap = await self._fetch(entry)
            entry.pending = False
            if snap is None or entry.closed:
                continue
            sync = entry.sync
            was = sync.synced
            action = sync.feed_snapshot(snap)
            if type(action) is Applied:
                if not was:
                    self._on_synced(entry)
            elif isinstance(action, ResyncNeeded | NeedSnapshot):
                self._want_snapshot(entry)

    async def _fetch(self, entry: _Entry) -> Any:
        delay = 0.2
        for attempt in range(self.snapshot_retries + 1):
            entry.snapshots += 1
            try:
                snap = await self._client.market.depth(entry.symbol, limit=self.depth)
            except _TRANSIENT as exc:
                self.snapshot_errors += 1
                if attempt >= self.snapshot_retries:
                    raise
                log.warning("snapshot of %s failed (%s); retrying", entry.symbol, exc)
                retry_after = getattr(exc, "retry_after", None)
                await asyncio.sleep(max(delay, retry_after or 0.0))
                delay = min(delay * 2, 10.0)
                if entry.closed:
                    return None
                continue
            self.snapshot_weight += depth_weight(self.depth)
            return snap
        return None  # pragma: no cover - the loop returns or raises

    # -- observability ---------------------------------------------------------------------

    def book_stats(self, symbol: str) -> BookStats:
        """The `BookStats` of ``symbol``; KeyError when it is not managed."""
        entry = self._entries[symbol.upper()]
        s = entry.sync.statistics()
        cs = entry.cross.statistics() if entry.cross is not None else None
        return BookStats(
            symbol=entry.symbol,
            synced=entry.sync.synced,
            update_id=s.update_id,
            events=s.events,
            applied=s.applied,
            resyncs=s.resyncs - s.overflows,
            overflows=s.overflows,
            gaps=entry.gaps,
            snapshots=entry.snapshots,
            snapshots_rejected=s.snapshots_rejected,
            time_to_sync=entry.time_to_sync,
            first_sync=entry.first_sync,
            lag_ms_last=entry.lag_ms,
            last_reason=s.last_reason,
            cross_checks=cs.checks if cs is not None else 0,
            cross_check_mismatches=cs.mismatches if cs is not None else 0,
            cross_check_suspects=cs.suspects if cs is not None else 0,
        )

    def statistics(self) -> dict[str, Any]:
        """Per-symbol `BookStats` (under ``"books"``) and totals."""
        books = {sym: self.book_stats(sym) for sym in self._entries}
        firsts = [b.first_sync for b in books.values() if b.first_sync is not None]
        return {
            "symbols": len(books),
            "synced": sum(b.synced for b in books.values()),
            "events": sum(b.events for b in books.values()),
            "applied": sum(b.applied for b in books.values()),
            "resyncs": sum(b.resyncs for b in books.values()),
            "overflows": sum(b.overflows for b in books.values()),
            "gaps": sum(b.gaps for b in books.values()),
            "cross_checks": sum(b.cross_checks for b in books.values()),
            "cross_check_mismatches": sum(b.cross_check_mismatches for b in books.values()),
            "snapshots": sum(b.snapshots for b in books.values()),
            "snapshot_weight": self.snapshot_weight,
            "snapshot_errors": self.snapshot_errors,
            "snapshots_queued": self._queue.qsize(),
            "markers": self.markers,
            "updates_dropped": self.updates_dropped,
            "all_synced_after": max(firsts) if len(firsts) == len(books) and firsts else None,
            "books": books,
        }

    def __repr__(self) -> str:
        n = sum(e.sync.synced for e in self._entries.values())
        return f"BookManager({len(self._entries)} symbols, {n} synced, depth={self.depth})"


def depth_weight(limit: int) -> int:
    """REQUEST_WEIGHT of ``GET /api/v3/depth`` (facts doc section 2)."""
    if limit <= 100:
        return 5
    if limit <= 500:
        return 25
    if limit <= 1000:
        return 50
    return 250
