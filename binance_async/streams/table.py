"""The subscription table: who wants which stream, reference counts, and request outcomes.

Pure bookkeeping used by `binance_async.streams.protocol.StreamProtocol` (which decides where
streams live and when they are acked). Events it produces (`Ack`, `Refused`, `Dropped`,
`Gap`, `Resumed`) are appended to the shared ``events`` list.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from .actions import Ack, AppEvent, Dropped, Gap, Refused, Request, Resumed, SubscriberId

__all__ = ["SubscriptionTable"]


@dataclass(eq=False, slots=True)
class _Pending:
    request: Request
    remaining: set[str] = field(default_factory=set)
    failed: list[str] = field(default_factory=list)
    code: int | None = None
    msg: str = ""


def _union(sets: Iterable[frozenset[SubscriberId]]) -> frozenset[SubscriberId]:
    out: set[SubscriberId] = set()
    for x in sets:
        out |= x
    return frozenset(out)


class SubscriptionTable:
    """Subscribers -> streams (``wants``), streams -> subscribers (``refs``, reference counts),
    pending subscribe requests waiting for their streams to go live, and gapped streams."""

    __slots__ = ("_events", "_gapped", "_next_id", "_pending", "_waiting", "refs", "wants")

    def __init__(self, events: list[AppEvent]) -> None:
        self._events = events
        self.refs: dict[str, frozenset[SubscriberId]] = {}
        self.wants: dict[SubscriberId, set[str]] = {}
        self._pending: dict[int, _Pending] = {}
        self._waiting: dict[str, set[int]] = {}
        self._gapped: set[str] = set()
        self._next_id = 0

    def new_request(
        self, sub: SubscriberId, op: Literal["subscribe", "unsubscribe"], streams: tuple[str, ...]
    ) -> Request:
        """A new `Request` with the next id (not yet tracked)."""
        self._next_id += 1
        return Request(self._next_id, sub, op, streams)

    # -- reference counting ------------------------------------------------------------------

    def add(self, sub: SubscriberId, stream: str) -> bool:
        """Record that ``sub`` wants ``stream``; True if the stream is new to the table."""
        wants = self.wants.setdefault(sub, set())
        if stream in wants:
            return False
        wants.add(stream)
        refs = self.refs.get(stream)
        self.refs[stream] = frozenset((sub,)) if refs is None else refs | {sub}
        return refs is None

    def remove(self, sub: SubscriberId, stream: str) -> bool:
        """``sub`` no longer wants ``stream``; True if that was the last reference."""
        wants = self.wants.get(sub)
        if wants is None or stream not in wants:
            return False
        wants.discard(stream)
        if not wants:
            del self.wants[sub]
        self._cancel_waits(stream, sub)
        refs = self.refs[stream] - {sub}
        if refs:
            self.refs[stream] = refs
            return False
        del self.refs[stream]
        self._gapped.discard(stream)
        return True

    def _cancel_waits(self, stream: str, sub: SubscriberId) -> None:
        rids = self._waiting.get(stream)
        if not rids:
            return
        for rid in list(rids):
            pend = self._pending[rid]
            if pend.request.subscriber == sub:
                rids.discard(rid)
                pend.remaining.discard(stream)
                if not pend.remaining:
                    self._finish(pend)
        if not rids:
            del self._waiting[stream]

    # -- request outcomes --------------------------------------------------------------------

    def track(self, request: Request, waiting: Iterable[str], failed: list[str], msg: str) -> None:
        """Ack ``request`` now, or once every stream in ``waiting`` is `live`."""
        pend = _Pending(request, set(waiting), failed, None, msg)
        if not pend.remaining:
            self._finish(pend)
            return
        self._pending[request.id] = pend
        for s in pend.remaining:
            self._waiting.setdefault(s, set()).add(request.id)

    def ack(self, request: Request) -> None:
        """Report `Ack` for ``request`` at once."""
        self._events.append(Ack(request))

    def _finish(self, pend: _Pending) -> None:
        self._pending.pop(pend.request.id, None)
        if pend.failed:
            failed = tuple(pend.failed)
            self._events.append(Refused(pend.request, failed, pend.code, pend.msg))
        else:
            self._events.append(Ack(pend.request))

    def live(self, streams: Iterable[str]) -> None:
        """``streams`` are now subscribed on the server: resolve waits, report `Resumed`."""
        resumed: list[str] = []
        for s in streams:
            rids = self._waiting.pop(s, None)
            if rids:
                for rid in rids:
                    pend = self._pending[rid]
                    pend.remaining.discard(s)
                    if not pend.remaining:
                        self._finish(pend)
            if s in self._gapped:
                self._gapped.discard(s)
                resumed.append(s)
        if resumed:
            subs = _union(self.refs[s] for s in resumed)
            self._events.append(Resumed(subs, tuple(sorted(resumed))))

    def gap(self, streams: Iterable[str], reason: str) -> bool:
        """Report a `Gap` to the subscribers of ``streams``; False if none is subscribed."""
        gapped = {s for s in streams if s in self.refs}
        if not gapped:
            return False
        self._gapped |= gapped
        subs = _union(self.refs[s] for s in gapped)
        self._events.append(Gap(subs, tuple(sorted(gapped)), reason))
        return True

    def refuse(self, stream: str, code: int | None, msg: str) -> None:
        """The server refused ``stream``: drop it for everyone (`Refused` / `Dropped`)."""
        subs = self.refs.pop(stream, frozenset())
        self._gapped.discard(stream)
        told: set[SubscriberId] = set()
        for rid in self._waiting.pop(stream, set()):
            pend = self._pending[rid]
            pend.remaining.discard(stream)
            pend.failed.append(stream)
            pend.code, pend.msg = code, msg
            told.add(pend.request.subscriber)
            if not pend.remaining:
                self._finish(pend)
        for sub in subs:
            wants = self.wants.get(sub)
            if wants is not None:
                wants.discard(stream)
                if not wants:
                    del self.wants[sub]
        others = subs - told
        if others:
            self._events.append(Dropped(frozenset(others), (stream,), code, msg))

    def pending_requests(self) -> int:
        """Subscribe requests still waiting for their streams to go live."""
        return len(self._pending)
