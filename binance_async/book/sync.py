"""`DepthSync`: the sans-I/O local order book procedure (REST snapshot + diff-depth stream).

No sockets, no awaits, no clock: feed it events and snapshots (decoded Structs or raw JSON
bytes), act on what it returns. The procedure (facts doc section 4)::

    feed_event(e)  while no snapshot  -> Buffered / NeedSnapshot (first event: go fetch one)
    feed_snapshot(s)
        snapshot too old (spot: lastUpdateId + 1 < first buffered U;
                          futures: lastUpdateId < first buffered U)   -> NeedSnapshot, keep buffer
        else load it, then replay the buffer:
            drop events with u <= lastUpdateId (futures: u < lastUpdateId)
            first applied event: U <= lastUpdateId + 1 <= u (futures: U <= lastUpdateId <= u);
                otherwise the snapshot is older than the stream       -> NeedSnapshot
    then, for each event (book id = last applied u):
        u <= id                                 -> Ignored (stale or duplicate)
        spot: U > id + 1 / futures: pu != id    -> ResyncNeeded (gap), restart buffering
        else set every level to its absolute quantity (0 removes), id = u  -> Applied
        best bid >= best ask after applying     -> ResyncNeeded (crossed)

Other failures never crash and never leave a silently wrong book: a malformed event (bad JSON,
missing field, bad number, U > u, futures event without pu) and a full buffer (``max_buffer``)
both return `ResyncNeeded`; while not synced, ``book.synced`` is False. The spot first-event
check uses ``+ 1`` (Binance's 2022 wording, which every recorded capture satisfies), and the
"snapshot too old" test is its exact complement, so a snapshot whose ``lastUpdateId`` is one
below the first buffered ``U`` is accepted rather than fetched again.

Raw bytes (a bare event, or a combined-stream frame, decoded in one pass, envelope and event
together) are decoded with the float decoder when the book gives exact text back from floats,
else (or for a level the float decoder refuses) with the text decoder, whose levels go through
the exact `OrderBook.apply` path.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol, TypeAlias

import msgspec

from ..models.depth import (
    DEPTH_EVENT_DECODER,
    DEPTH_EVENT_FLOAT_DECODER,
    DEPTH_FRAME_FLOAT_DECODER,
    DEPTH_SNAPSHOT_RAW_DECODER,
    ENVELOPE_DECODER,
    DepthEvent,
    DepthEventFloat,
    DepthSnapshotRaw,
    PartialDepth,
    TextLevel,
    levels_to_float,
)
from .book import OrderBook

__all__ = [
    "Action",
    "Applied",
    "Buffered",
    "DepthSync",
    "Ignored",
    "NeedSnapshot",
    "ResyncNeeded",
    "SyncState",
    "SyncStats",
]

Rule: TypeAlias = Literal["spot", "futures"]
AnyEvent: TypeAlias = DepthEvent | DepthEventFloat
RawInput: TypeAlias = bytes | bytearray | memoryview | msgspec.Raw | str


@dataclass(frozen=True, slots=True)
class NeedSnapshot:
    """Fetch a (new) REST snapshot and pass it to `DepthSync.feed_snapshot`."""

    reason: str


@dataclass(frozen=True, slots=True)
class Buffered:
    """Kept for later: no snapshot yet, or a snapshot waiting for its bridging event."""


@dataclass(frozen=True, slots=True)
class Applied:
    """The book changed and is in sync (``book.synced`` is True)."""


@dataclass(frozen=True, slots=True)
class Ignored:
    """Nothing changed: ``reason`` is "stale", "dropped", "foreign symbol" or "already synced"."""

    reason: str


@dataclass(frozen=True, slots=True)
class ResyncNeeded:
    """The book is out of sync (``book.synced`` is False); buffering restarted: fetch a snapshot."""

    reason: str


Action: TypeAlias = NeedSnapshot | Buffered | Applied | Ignored | ResyncNeeded

APPLIED = Applied()
BUFFERED = Buffered()
IGNORED_STALE = Ignored("stale")
IGNORED_DROPPED = Ignored("dropped")
IGNORED_FOREIGN = Ignored("foreign symbol")
IGNORED_SYNCED = Ignored("already synced")


class SyncState(enum.Enum):
    """Where the procedure stands: buffering, bridging a loaded snapshot, or in sync."""

    WAIT_SNAPSHOT = "wait_snapshot"  # buffering events, no usable snapshot
    WAIT_BRIDGE = "wait_bridge"  # snapshot loaded, waiting for the first event past it
    SYNCED = "synced"


_SYNCED = SyncState.SYNCED
_decode_float = DEPTH_EVENT_FLOAT_DECODER.decode
_decode_frame = DEPTH_FRAME_FLOAT_DECODER.decode


@dataclass(frozen=True, slots=True)
class SyncStats:
    """Counters since construction (see `DepthSync.statistics`)."""

    state: SyncState
    update_id: int
    events: int  # every feed_event call
    applied: int
    ignored: int  # stale or duplicate, after sync
    dropped: int  # u <= lastUpdateId while bridging a snapshot
    buffered: int  # now in the buffer
    foreign: int
    malformed: int
    resyncs: int
    gaps: int
    crossed: int
    overflows: int
    snapshots: int  # loaded
    snapshots_rejected: int  # too old or malformed
    last_reason: str | None


class _SnapshotLike(Protocol):
    @property
    def last_update_id(self) -> int: ...
    @property
    def bids(self) -> Sequence[object]: ...
    @property
    def asks(self) -> Sequence[object]: ...


class DepthSync:
    """Keeps ``book`` in sync with a diff-depth stream; see the module docstring."""

    def __init__(
        self,
        symbol: str,
        *,
        rule: Rule = "spot",
        max_buffer: int = 1000,
        max_levels: int | None = None,
        on_applied: Callable[[AnyEvent], None] | None = None,
    ) -> None:
        if rule not in ("spot", "futures"):
            raise ValueError(f"rule must be 'spot' or 'futures', got {rule!r}")
        if max_buffer < 1:
            raise ValueError(f"max_buffer must be >= 1, got {max_buffer!r}")
        self.symbol = symbol.upper()
        self.rule: Rule = rule
        self.max_buffer = max_buffer
        self.book = OrderBook(self.symbol, max_levels=max_levels)
        self.on_applied = on_applied
        self._futures = rule == "futures"
        self._state = SyncState.WAIT_SNAPSHOT
        self._buffer: list[AnyEvent] = []
        self._asked = False  # a snapshot was already asked for since the last one came in
        self._events = self._applied = self._ignored = self._dropped = 0
        self._foreign = self._malformed = self._resyncs = self._gaps = 0
        self._crossed = self._overflows = self._snapshots = self._rejected = 0
        self._last_reason: str | None = None

    # ------------------------------------------------------------------ inspection

    @property
    def state(self) -> SyncState:
        """The current `SyncState`."""
        return self._state

    @property
    def synced(self) -> bool:
        """True while the book is in sync with the stream (`SyncState.SYNCED`)."""
        return self._state is _SYNCED

    @property
    def buffered(self) -> int:
        """Events buffered now, waiting for a snapshot."""
        return len(self._buffer)

    @property
    def last_reason(self) -> str | None:
        """Why a snapshot was last asked for or the last resync happened; None if never."""
        return self._last_reason

    def statistics(self) -> SyncStats:
        """The counters since construction, as a `SyncStats`."""
        return SyncStats(
            state=self._state,
            update_id=self.book.update_id,
            events=self._events,
            applied=self._applied,
            ignored=self._ignored,
            dropped=self._dropped,
            buffered=len(self._buffer),
            foreign=self._foreign,
            malformed=self._malformed,
            resyncs=self._resyncs,
            gaps=self._gaps,
            crossed=self._crossed,
            overflows=self._overflows,
            snapshots=self._snapshots,
            snapshots_rejected=self._rejected,
            last_reason=self._last_reason,
        )

    def reset(self, reason: str = "reset") -> ResyncNeeded:
        """Forget the buffer and the sync (the book keeps its levels, marked not synced)."""
        return self._restart(reason, None)

    # ------------------------------------------------------------------ events

    def feed_event(self, event: AnyEvent | RawInput) -> Action:
        """One diff-depth event: a `DepthEventFloat` / `DepthEvent`, or its raw JSON bytes
        (the event itself, or a combined-stream frame around it)."""
        self._events += 1
        cls = type(event)
        ev: AnyEvent
        if cls is bytes and self.book._fast_ok:  # the hot path: one pass into float levels
            try:  # b'{"s' (115): a combined-stream frame, else the bare event
                ev = (
                    _decode_frame(event).data  # type: ignore[arg-type]
                    if event[2] == 115  # type: ignore[index]
                    else _decode_float(event)  # type: ignore[arg-type]
                )
            except (msgspec.DecodeError, IndexError):
                try:  # the exact text path decides (or reports it malformed)
                    ev = self._decode(event)  # type: ignore[arg-type]
                except (msgspec.DecodeError, ValueError, TypeError) as exc:
                    return self._on_malformed(exc)
        elif cls is DepthEventFloat or cls is DepthEvent:
            ev = event  # type: ignore[assignment]
        else:
            try:
                fast = _decode_float(event) if self.book._fast_ok else None  # type: ignore[arg-type]
            except (msgspec.DecodeError, TypeError):
                fast = None  # the exact text path below decides (or reports it malformed)
            if fast is not None:
                ev = fast
            else:
                try:
                    ev = self._decode(event)  # type: ignore[arg-type]
                except (msgspec.DecodeError, ValueError, TypeError) as exc:
                    return self._on_malformed(exc)
        first = ev.first_update_id
        u = ev.final_update_id
        if ev.symbol != self.symbol:
            self._foreign += 1
            return IGNORED_FOREIGN
        if self._state is not _SYNCED:
            return self._unsynced_event(ev)
        # `_synced` inlined for the hot path: a float event that follows the last one. On the
        # spot rule U > u can only pass as a gap (U > u > last u), so it is checked off it.
        book = self.book
        uid = book.update_id
        if (
            u <= uid
            or type(ev) is not DepthEventFloat
            or (ev.prev_final_update_id != uid or first > u if self._futures else first > uid + 1)
        ):
            return self._synced(ev)  # stale, gap, malformed, or the exact text path
        book.apply_values(ev.bids, ev.asks)
        try:  # `book.crossed()` inlined
            if book._btk[-2] >= book._atk[0]:  # asks: +inf when empty
                return self._on_crossed(ev)
        except IndexError:
            pass  # a side is empty
        book.update_id = u
        self._applied += 1
        if self.on_applied is not None:
            self.on_applied(ev)
        return APPLIED

    def feed_snapshot(self, snapshot: DepthSnapshotRaw | _SnapshotLike | RawInput) -> Action:
        """A REST depth snapshot: `DepthSnapshotRaw`, the raw JSON body, or any object with
        ``last_update_id`` and ``bids``/``asks`` of ``(price, qty)`` text pairs or of
        ``.price``/``.qty`` Decimals (``models.market.DepthSnapshot``)."""
        try:
            lid, bids, asks = _snapshot_parts(snapshot)
        except (msgspec.DecodeError, ValueError, TypeError, AttributeError) as exc:
            return self._bad_snapshot(exc)
        if self._state is _SYNCED:
            return IGNORED_SYNCED
        buf = self._buffer
        if buf:
            first_u = buf[0].first_update_id
            if lid + (0 if self._futures else 1) < first_u:
                self._rejected += 1
                return self._ask(
                    f"snapshot too old: lastUpdateId={lid} < first buffered U={first_u}"
                    + ("" if self._futures else " - 1")
                )
        try:
            self.book.load_snapshot(bids, asks, lid)  # validates every level first
        except msgspec.ValidationError as exc:
            return self._bad_snapshot(exc)
        self.book.synced = False
        self._snapshots += 1
        self._asked = False
        self._state = SyncState.WAIT_BRIDGE
        pending = buf[:]
        buf.clear()
        first_problem: Action | None = None
        for ev in pending:
            result = self._unsynced_event(ev) if self._state is not _SYNCED else self._synced(ev)
            if first_problem is None and isinstance(result, ResyncNeeded | NeedSnapshot):
                first_problem = result
        if first_problem is not None:
            return first_problem
        return APPLIED if self._state is _SYNCED else BUFFERED

    # ------------------------------------------------------------------ internals

    def _decode(self, raw: RawInput) -> AnyEvent:
        try:
            return self._decode_data(raw)
        except msgspec.ValidationError:
            if not _is_envelope(raw):
                raise
        return self._decode_data(ENVELOPE_DECODER.decode(raw).data)

    def _decode_data(self, raw: RawInput) -> AnyEvent:
        if self.book._fast_ok:
            try:
                return DEPTH_EVENT_FLOAT_DECODER.decode(raw)
            except msgspec.ValidationError:
                pass  # a level past the float bound (exact path below), or truly malformed
        ev = DEPTH_EVENT_DECODER.decode(raw)
        levels_to_float(ev.bids)
        levels_to_float(ev.asks)
        return ev

    def _unsynced_event(self, ev: AnyEvent) -> Action:
        if ev.first_update_id > ev.final_update_id:
            return self._ids_reversed(ev)
        if self._state is SyncState.WAIT_SNAPSHOT:
            buf = self._buffer
            if len(buf) >= self.max_buffer:
                self._overflows += 1
                return self._restart(f"buffer overflow: {len(buf)} events without a snapshot", ev)
            buf.append(ev)
            if not self._asked:
                self._asked = True
                return NeedSnapshot("no snapshot yet")
            return BUFFERED
        # WAIT_BRIDGE: a snapshot is loaded, nothing applied since.
        lid = self.book.update_id
        u = ev.final_update_id
        if self._futures:
            if u < lid:
                self._dropped += 1
                return IGNORED_DROPPED
            bridges = ev.first_update_id <= lid
        else:
            if u <= lid:
                self._dropped += 1
                return IGNORED_DROPPED
            bridges = ev.first_update_id <= lid + 1
        if not bridges:
            self._rejected += 1
            self._state = SyncState.WAIT_SNAPSHOT
            self._buffer[:] = [ev]
            return self._ask(
                f"snapshot too old: lastUpdateId={lid}, first event past it has"
                f" U={ev.first_update_id}"
            )
        return self._apply(ev)

    def _synced(self, ev: AnyEvent) -> Action:
        """An event while synced (from `feed_event`, or replayed from the buffer)."""
        if ev.first_update_id > ev.final_update_id:
            return self._ids_reversed(ev)
        book = self.book
        u = ev.final_update_id
        uid = book.update_id
        if u <= uid:
            self._ignored += 1
            return IGNORED_STALE
        if self._futures:
            if ev.prev_final_update_id != uid:
                self._gaps += 1
                return self._restart(
                    f"gap: pu={ev.prev_final_update_id} != last u={uid} (U={ev.first_update_id},"
                    f" u={u})",
                    ev,
                )
        elif ev.first_update_id > uid + 1:
            self._gaps += 1
            return self._restart(f"gap: U={ev.first_update_id} > last u + 1 = {uid + 1}", ev)
        return self._apply(ev)

    def _apply(self, ev: AnyEvent) -> Action:
        book = self.book
        if isinstance(ev, DepthEventFloat):
            book.apply_values(ev.bids, ev.asks)
        else:
            try:
                book.apply(ev.bids, ev.asks)  # validates every level first
            except msgspec.ValidationError as exc:
                return self._on_malformed(exc)
        if book.crossed():
            return self._on_crossed(ev)
        book.update_id = ev.final_update_id
        self._applied += 1
        if self._state is not _SYNCED:
            self._state = _SYNCED
            book.synced = True
        if self.on_applied is not None:
            self.on_applied(ev)
        return APPLIED

    def _on_crossed(self, ev: AnyEvent) -> ResyncNeeded:
        book = self.book
        book.update_id = ev.final_update_id
        self._crossed += 1
        bid, ask = book.best_bid_text(), book.best_ask_text()
        return self._restart(
            f"crossed book after u={ev.final_update_id}: best bid {bid} >= best ask {ask}", None
        )

    def _restart(self, reason: str, keep: AnyEvent | None) -> ResyncNeeded:
        self._state = SyncState.WAIT_SNAPSHOT
        self.book.synced = False
        self._buffer[:] = [] if keep is None else [keep]
        self._resyncs += 1
        self._last_reason = reason
        self._asked = True
        return ResyncNeeded(reason)

    def _ask(self, reason: str) -> NeedSnapshot:
        self._last_reason = reason
        self._asked = True
        return NeedSnapshot(reason)

    def _ids_reversed(self, ev: AnyEvent) -> ResyncNeeded:
        return self._on_malformed(ValueError(f"U={ev.first_update_id} > u={ev.final_update_id}"))

    def _on_malformed(self, exc: BaseException) -> ResyncNeeded:
        self._malformed += 1
        return self._restart(f"malformed event: {exc}", None)

    def _bad_snapshot(self, exc: BaseException) -> NeedSnapshot:
        self._rejected += 1
        self._malformed += 1
        return self._ask(f"malformed snapshot: {exc}")


def _is_envelope(raw: RawInput) -> bool:
    head = raw[:16] if isinstance(raw, str) else memoryview(raw)[:16].tobytes().decode("latin-1")
    return head.lstrip().startswith('{"stream"')


def _snapshot_parts(
    snapshot: DepthSnapshotRaw | _SnapshotLike | RawInput,
) -> tuple[int, list[TextLevel], list[TextLevel]]:
    if isinstance(snapshot, bytes | bytearray | memoryview | msgspec.Raw | str):
        snap = DEPTH_SNAPSHOT_RAW_DECODER.decode(snapshot)
        return snap.last_update_id, snap.bids, snap.asks
    if isinstance(snapshot, DepthSnapshotRaw | PartialDepth):
        return snapshot.last_update_id, snapshot.bids, snapshot.asks
    return (
        int(snapshot.last_update_id),
        _text_levels(snapshot.bids),
        _text_levels(snapshot.asks),
    )


def _text_levels(levels: Sequence[object]) -> list[TextLevel]:
    out: list[TextLevel] = []
    for level in levels:
        if isinstance(level, tuple | list):
            p, q = level
            out.append((str(p), str(q)))
        else:
            out.append((str(getattr(level, "price")), str(getattr(level, "qty"))))  # noqa: B009
    return out
