"""Deduplication while a shard's streams arrive on two connections (make-before-break rotation).

Each event has an identity key, increasing on one connection (``E`` only non-decreasing):

================  =====================  ===========================
kind              key                    wire field
================  =====================  ===========================
trade             trade id               ``t``
aggTrade          aggregate trade id     ``a``
diff depth        final update id        ``u``
bookTicker        order-book update id   ``u``
partial depth     last update id         ``lastUpdateId``
everything else   event time             ``E`` (arrays: the max ``E``)
================  =====================  ===========================

The rule, per stream:

1. Until the old connection is retired it stays the **primary**: its events are delivered as
   they come (the server's order, equal ``E`` s included) and raise the high-water mark
   ``hwm`` (the largest key delivered).
2. The new connection is a **shadow**: an event with key ``<= hwm`` is a duplicate and
   dropped; one with key ``> hwm`` is ahead of the old connection and is *buffered* (dropped
   again if the old connection delivers that key later).
3. The stream has **caught up** once the two overlap: the new connection's first key is
   ``<= hwm`` (it started before the point the old one has delivered). From then on every
   event after ``hwm`` is on the new connection, so switching loses nothing.
4. At retirement the buffered events with key ``> hwm`` are delivered in order; afterwards
   the new connection's events are delivered if their key is ``> hwm`` (the first such event
   ends the dedup of that stream).

So during a handover nothing is delivered twice, nothing is delivered out of order, and,
for caught-up streams, nothing is lost. A stream that saw events but had not caught up when
the handover ended (the grace period ran out, or the old connection died) is reported as
possibly lossy, and the protocol emits a `Gap` for it. Keyless events (an undecodable kind
without ``E``) come from the old connection until retirement, then from the new one. Two
distinct events sharing an ``E`` exactly at the switch may lose one (tickers and klines only;
the next update supersedes it).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any, Final

import msgspec

from ..models.streams import StreamKind

__all__ = ["Handover", "event_key"]

#: Buffered shadow events per stream; beyond this the oldest are dropped (reported lossy).
MAX_BUFFER: Final = 10_000


class _KeyProbe(msgspec.Struct, frozen=True):
    E: int | None = None
    u: int | None = None
    t: int | None = None
    a: int | None = None
    lastUpdateId: int | None = None


_KEY_PROBE_DECODER: Final = msgspec.json.Decoder(_KeyProbe)
_KEY_FIELDS: Final[dict[StreamKind, tuple[str, str]]] = {
    StreamKind.TRADE: ("trade_id", "t"),
    StreamKind.AGG_TRADE: ("agg_trade_id", "a"),
    StreamKind.DEPTH: ("final_update_id", "u"),
    StreamKind.BOOK_TICKER: ("update_id", "u"),
    StreamKind.ALL_BOOK_TICKERS: ("update_id", "u"),
    StreamKind.PARTIAL_DEPTH: ("last_update_id", "lastUpdateId"),
}
_DEFAULT_FIELDS: Final = ("event_time", "E")


def event_key(kind: StreamKind, event: Any) -> int | None:
    """The identity key of a decoded event (or of a ``msgspec.Raw`` payload)."""
    attr, wire = _KEY_FIELDS.get(kind, _DEFAULT_FIELDS)
    if isinstance(event, msgspec.Raw):
        try:
            probe = _KEY_PROBE_DECODER.decode(event)
        except (msgspec.DecodeError, msgspec.ValidationError):
            return None
        value: Any = getattr(probe, wire)
        return value if isinstance(value, int) else None
    if isinstance(event, list):
        keys = [k for k in (getattr(e, "event_time", None) for e in event) if isinstance(k, int)]
        return max(keys) if keys else None
    value = getattr(event, attr, None)
    return value if isinstance(value, int) else None


@dataclass(eq=False, slots=True)
class _State:
    hwm: int | None = None
    new_first: int | None = None
    caught_up: bool = False
    overflow: bool = False
    buffer: deque[tuple[int, Any]] = field(default_factory=deque)


@dataclass(eq=False, slots=True)
class Handover:
    """One rotation: ``old`` and ``new`` connection ids and the streams they share."""

    old: int
    new: int
    streams: set[str]
    ready_at: float | None = None
    retired: bool = False
    dropped: int = 0
    _states: dict[str, _State] = field(default_factory=dict)
    _caught: set[str] = field(default_factory=set)

    def all_caught_up(self) -> bool:
        """True once every shared stream has caught up (switching loses nothing)."""
        return self._caught >= self.streams

    def done(self) -> bool:
        """Retired and no stream still needs deduplication."""
        return self.retired and not self._states

    def discard(self, stream: str) -> None:
        """Stop deduplicating ``stream`` (it was unsubscribed)."""
        self.streams.discard(stream)
        self._states.pop(stream, None)
        self._caught.discard(stream)

    def offer(self, conn_id: int, stream: str, kind: StreamKind, event: Any) -> tuple[Any, ...]:
        """The events to deliver now for ``event`` of ``stream`` received on ``conn_id``."""
        from_new = conn_id == self.new
        if self.retired:
            return self._after(from_new, stream, kind, event)
        key = event_key(kind, event)
        st = self._states.get(stream)
        if st is None:
            st = self._states[stream] = _State()
        if not from_new:  # the primary
            if key is not None:
                if st.hwm is None or key > st.hwm:
                    st.hwm = key
                buf = st.buffer
                while buf and buf[0][0] <= key:
                    buf.popleft()
                    self.dropped += 1
                if st.new_first is not None and st.new_first <= key:
                    self._mark(stream, st)
            return (event,)
        if key is None:  # keyless shadow: nothing to compare, nothing to buffer
            self._mark(stream, st)
            return ()
        if st.new_first is None:
            st.new_first = key
        if st.hwm is not None and key <= st.hwm:
            self._mark(stream, st)
            self.dropped += 1
            return ()
        st.buffer.append((key, event))
        if len(st.buffer) > MAX_BUFFER:
            st.buffer.popleft()
            st.overflow = True
        return ()

    def _mark(self, stream: str, st: _State) -> None:
        if not st.caught_up:
            st.caught_up = True
            self._caught.add(stream)

    def _after(self, from_new: bool, stream: str, kind: StreamKind, event: Any) -> tuple[Any, ...]:
        if not from_new:
            return ()
        st = self._states.get(stream)
        if st is None or st.hwm is None:
            self._states.pop(stream, None)
            return (event,)
        key = event_key(kind, event)
        if key is None or key > st.hwm:
            del self._states[stream]
            return (event,)
        self.dropped += 1
        return ()

    def retire(self) -> tuple[list[tuple[str, Any]], set[str]]:
        """Switch to the new connection: (buffered events to deliver now, in order, with their
        stream; streams that may have lost events)."""
        self.retired = True
        flushed: list[tuple[str, Any]] = []
        lossy: set[str] = set()
        for stream in sorted(self._states):
            st = self._states[stream]
            seen = st.hwm is not None or st.new_first is not None
            if (seen and not st.caught_up) or st.overflow:
                lossy.add(stream)
            for key, event in st.buffer:
                if st.hwm is None or key > st.hwm:
                    flushed.append((stream, event))
                    st.hwm = key
                else:
                    self.dropped += 1
            st.buffer.clear()
            if st.hwm is None:
                del self._states[stream]
        return flushed, lossy
