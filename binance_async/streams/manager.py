"""`StreamManager`: many market-stream subscriptions over few WebSocket connections.

::

    async with Client(...) as client:
        async with client.streams.subscribe("btcusdt@trade", "ethusdt@depth@100ms") as sub:
            async for event in sub:           # typed events, or StreamGap markers
                if isinstance(event, StreamGap):
                    ...                       # resync what depends on event.streams
                else:
                    print(event.symbol, event)

Routing, sharding, control messages, throttling, reconnect replay and rotation are decided by
the sans-I/O `StreamProtocol`; this module performs its actions (`WsConnection` per socket)
and delivers its events into bounded per-subscriber queues.

Overflow policies (``maxsize`` items per subscription, never unbounded):

- ``"wait"``: the connection's reader waits until the subscriber has room (the socket slows
  down; other subscribers of that connection wait too). A task that stops reading its own
  ``"wait"`` subscription while awaiting ``sub.add(...)`` can stall the acknowledgement
  behind its full queue: read concurrently, or use another policy.
- ``"drop_oldest"``: the oldest events are dropped, counted (``sub.dropped``), and a
  `StreamGap` (reason ``"overflow"``) is yielded before the next event.
- ``"raise"``: the iterator raises `StreamOverflow`.

Gap markers: after a reconnect (or a refused re-subscribe) each affected subscriber gets a
`StreamGap(streams, reason)` in its iteration (and ``on_gap`` is called if given).
``raw=True`` yields ``(receive_time_ns, frame_bytes)`` tuples, for recorders.

All tasks live in the manager's TaskGroup (entered by the client's ``async with``).
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Final, Literal, TypeAlias

import msgspec

from ..errors import StreamOverflow, SubscriptionRefused
from .actions import (
    Ack,
    Close,
    Deliver,
    Dropped,
    Gap,
    Malformed,
    Open,
    Pong,
    Refused,
    Resumed,
    Send,
)
from .config import StreamConfig
from .connection import WsConnection
from .protocol import StreamProtocol
from .wire import EnvelopeDecoder

__all__ = ["Lifecycle", "Overflow", "StreamGap", "StreamManager", "Subscription"]

log = logging.getLogger("binance_async.streams")

Overflow: TypeAlias = Literal["wait", "drop_oldest", "raise"]

#: Per-stream lag (receive time - event time) is sampled once every this many frames (and
#: on a stream's first frame), not on every frame.
_LAG_EVERY: Final = 64
_NAME_PREFIX: Final = b'{"stream":"'
_MAX_ROUTES: Final = 8192  # per connection (a connection carries at most 1024 streams)
_MISS: Final[Any] = object()


def _sample_lag(ss: StreamStats, event: Any) -> int:
    """Record ``event``'s lag (now - its ``event_time``) in ``ss``; the time used (ns), or 0."""
    et = getattr(event, "event_time", None)
    if type(et) is not int:
        return 0
    ns = time.time_ns()
    lag = ns / 1e6 - et
    ss.lag_ms_last = lag
    if lag > ss.lag_ms_max:
        ss.lag_ms_max = lag
    return ns


class StreamGap(msgspec.Struct, frozen=True):
    """Events of ``streams`` may be missing here (reconnect, overflow, refusal): resync."""

    streams: tuple[str, ...]
    reason: str


class Lifecycle(msgspec.Struct, frozen=True):
    """A lifecycle signal: ``kind`` is connected, subscribed, gap, reconnected, rotated,
    resumed, dropped or closed."""

    kind: str
    conn_id: int | None = None
    streams: tuple[str, ...] = ()
    detail: str = ""


@dataclass(slots=True)
class StreamStats:
    """Per-stream counters: messages, payload bytes, sampled lag in ms (receive - ``E``)."""

    messages: int = 0
    bytes: int = 0
    lag_ms_last: float | None = None
    lag_ms_max: float = 0.0


@dataclass(slots=True)
class ConnStats:
    """Per-connection counters: frames and bytes received, frames sent, why it closed."""

    url: str = ""
    frames: int = 0
    bytes: int = 0
    sent: int = 0
    closed_reason: str = ""


class Subscription:
    """A set of streams with a bounded queue; ``async with`` it, then ``async for`` it."""

    def __init__(
        self,
        manager: StreamManager,
        streams: Iterable[str],
        *,
        overflow: Overflow = "wait",
        maxsize: int = 1024,
        raw: bool = False,
        on_gap: Callable[[StreamGap], None] | None = None,
    ) -> None:
        if overflow not in ("wait", "drop_oldest", "raise"):
            raise ValueError("overflow is 'wait', 'drop_oldest' or 'raise'")
        if maxsize < 1:
            raise ValueError("maxsize must be >= 1")
        self.id = next(manager._ids)
        self._m = manager
        self._initial = tuple(streams)
        self.overflow = overflow
        self.maxsize = maxsize
        self.raw = raw
        self.on_gap = on_gap
        self._q: deque[Any] = deque()
        self._size = 0  # data items in _q (markers not counted)
        # The manager's batch path appends an event itself while ``_size < _room`` (room for
        # it without reaching maxsize); -1 sends every event through `_push` (raw, closed,
        # failed). ``_base`` is ``_size`` when the current batch first touched this queue
        # (-1 outside a batch): ``received`` and ``high_water`` are settled once per batch.
        self._room = -1 if raw else maxsize - 1
        self._base = -1
        self._readable = asyncio.Event()
        self._writable = asyncio.Event()
        self._writable.set()
        self._full = False  # _writable is clear (a "wait" producer waits for room)
        self._error: BaseException | None = None
        self._closed = False
        self._pending_drop: set[str] = set()
        self.received = 0
        self.dropped = 0
        self.gaps = 0
        self.high_water = 0

    # -- lifecycle -------------------------------------------------------------------------

    @property
    def streams(self) -> frozenset[str]:
        """The streams this subscription holds now."""
        return self._m._proto.subscriptions(self.id)

    async def __aenter__(self) -> Subscription:
        self._m._subs[self.id] = self
        try:
            await self.add(*self._initial)
        except BaseException:
            self._leave()
            raise
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._leave()

    def _close(self) -> None:
        self._closed = True
        self._room = -1
        self._readable.set()

    def _leave(self) -> None:
        self._close()
        m = self._m
        if m._subs.pop(self.id, None) is not None and not m._stopped:
            m._proto.unsubscribe_all(self.id, m._now())
            m._pump()

    async def add(self, *streams: str) -> None:
        """Subscribe to more streams; returns once the exchange acknowledged them all."""
        if streams:
            await self._m._request(self.id, streams)

    async def remove(self, *streams: str) -> None:
        """Unsubscribe from streams (deliveries stop at once)."""
        m = self._m
        m._proto.unsubscribe(self.id, streams, m._now())
        m._pump()

    # -- iteration -------------------------------------------------------------------------

    def __aiter__(self) -> AsyncIterator[Any]:
        return self

    async def __anext__(self) -> Any:
        while True:
            if self._error is not None:
                raise self._error
            q = self._q
            if self._pending_drop:
                gap = StreamGap(tuple(sorted(self._pending_drop)), "overflow")
                self._pending_drop.clear()
                return gap
            if q:
                item = q.popleft()
                if type(item) is not StreamGap:
                    self._size -= 1
                    if self._full and self._size < self.maxsize:
                        self._full = False
                        self._writable.set()
                return item
            if self._closed:
                raise StopAsyncIteration
            self._readable.clear()
            await self._readable.wait()

    def qsize(self) -> int:
        """Events queued, not yet read (gap markers not counted)."""
        return self._size

    # -- producer side (sync, called by the manager) ---------------------------------------

    def _push(self, item: Any, stream: str) -> bool:
        """Queue one event; True if the producer must wait for room (``wait`` policy)."""
        if self._error is not None or self._closed:
            return False
        self.received += 1
        if self._size >= self.maxsize:
            if self.overflow == "raise":
                self._error = StreamOverflow(
                    f"subscription {self.id}: queue full ({self.maxsize} events)",
                    maxsize=self.maxsize,
                )
                self._room = -1
                self._readable.set()
                return False
            if self.overflow == "drop_oldest":
                q = self._q
                for i, old in enumerate(q):
                    if type(old) is not StreamGap:
                        del q[i]
                        break
                self._size -= 1
                self.dropped += 1
                self._m._dropped += 1
                self._pending_drop.add(stream)
        self._q.append(item)
        self._size += 1
        if self._size > self.high_water:
            self.high_water = self._size
        self._readable.set()
        if self._size >= self.maxsize and self.overflow == "wait":
            self._full = True
            self._writable.clear()
            return True
        return False

    def _gap(self, streams: tuple[str, ...], reason: str) -> None:
        if self._closed:
            return
        self.gaps += 1
        q = self._q
        if q and type(q[-1]) is StreamGap:  # merge consecutive markers: stays bounded
            last = q.pop()
            streams = tuple(sorted(set(last.streams) | set(streams)))
            reason = last.reason if last.reason == reason else f"{last.reason}; {reason}"
        marker = StreamGap(streams, reason)
        q.append(marker)
        self._readable.set()
        if self.on_gap is not None:
            self.on_gap(marker)

    def __repr__(self) -> str:
        n = len(self.streams)
        return f"Subscription(id={self.id}, streams={n}, overflow={self.overflow!r})"


class _Route:
    """A cached `StreamProtocol.fast_route` answer: where a stream's frames go."""

    __slots__ = ("decoder", "stats", "stream", "subs")

    def __init__(
        self,
        stream: str,
        decoder: EnvelopeDecoder,
        subs: tuple[Subscription, ...],
        stats: StreamStats,
    ) -> None:
        self.stream = stream
        self.decoder = decoder
        self.subs = subs
        self.stats = stats


class _Routes:
    """One connection's route cache (stream name as wire bytes -> `_Route`), valid while the
    protocol's ``epoch`` is ``epoch``."""

    __slots__ = ("epoch", "routes")

    def __init__(self, epoch: int) -> None:
        self.epoch = epoch
        self.routes: dict[bytes, _Route | None] = {}


@dataclass
class _State:
    conns: dict[int, WsConnection] = field(default_factory=dict)
    tasks: dict[int, asyncio.Task[None]] = field(default_factory=dict)


class StreamManager:
    """Market-stream multiplexer (see the module docstring). Enter it with ``async with``
    (the client does) before subscribing."""

    def __init__(
        self,
        base_url: str,
        *,
        config: StreamConfig | None = None,
        protocol: StreamProtocol | None = None,
        open_timeout: float = 10.0,
        on_lifecycle: Callable[[Lifecycle], None] | None = None,
    ) -> None:
        if protocol is None:
            if config is None:
                config = StreamConfig(base_url=base_url)
            protocol = StreamProtocol(config)
        self._proto = protocol
        self.on_lifecycle = on_lifecycle
        self._open_timeout = open_timeout
        self._ids = itertools.count(1)
        self._subs: dict[int, Subscription] = {}
        self._waiters: dict[int, asyncio.Future[None]] = {}
        self._st = _State()
        self._tg: asyncio.TaskGroup | None = None
        self._driver: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._armed = float("inf")
        self._stopped = False
        self._frame: tuple[int, bytes] | None = None  # conn_id, data being fed
        self._lag_count = 0
        self._malformed = 0
        self._dropped = 0
        self._stream_stats: dict[str, StreamStats] = {}
        self._conn_stats: dict[int, ConnStats] = {}
        self._blocked: list[Subscription] = []
        self._routes: dict[int, _Routes] = {}

    @property
    def protocol(self) -> StreamProtocol:
        """The sans-I/O `StreamProtocol` this manager drives."""
        return self._proto

    # -- lifecycle -------------------------------------------------------------------------

    async def __aenter__(self) -> StreamManager:
        self._tg = tg = asyncio.TaskGroup()
        await tg.__aenter__()
        self._driver = tg.create_task(self._drive(), name="binance_async.streams.driver")
        return self

    async def __aexit__(self, et: Any = None, exc: Any = None, tb: Any = None) -> None:
        await self.aclose(et, exc, tb)

    async def aclose(self, et: Any = None, exc: Any = None, tb: Any = None) -> None:
        """Close every subscription, connection and task. Idempotent."""
        tg, self._tg = self._tg, None
        if tg is None:
            return
        self._stopped = True
        for sub in list(self._subs.values()):
            sub._close()
        for fut in self._waiters.values():
            if not fut.done():
                fut.cancel()
        if self._driver is not None:
            self._driver.cancel()
        for task in self._st.tasks.values():
            task.cancel()
        await tg.__aexit__(None, None, None)
        self._signal(Lifecycle("closed"))

    def subscribe(
        self,
        *streams: str,
        overflow: Overflow = "wait",
        maxsize: int = 1024,
        raw: bool = False,
        on_gap: Callable[[StreamGap], None] | None = None,
    ) -> Subscription:
        """A `Subscription` to ``streams``; ``async with`` it to subscribe (acknowledged)."""
        if self._tg is None:
            raise RuntimeError("the stream manager is not running (use 'async with client')")
        return Subscription(
            self, streams, overflow=overflow, maxsize=maxsize, raw=raw, on_gap=on_gap
        )

    def rotate_all(self, reason: str = "requested") -> None:
        """Make-before-break rotation of every active connection."""
        now = self._now()
        for info in self._proto.connections():
            if info.role == "active" and info.state == "open":
                self._proto.rotate(info.conn_id, now, reason)
        self._pump()

    # -- internals -------------------------------------------------------------------------

    @staticmethod
    def _now() -> float:
        return time.monotonic()

    def _signal(self, ev: Lifecycle) -> None:
        log.debug("stream lifecycle: %s", ev)
        if self.on_lifecycle is not None:
            self.on_lifecycle(ev)

    async def _request(self, sid: int, streams: tuple[str, ...]) -> None:
        if self._tg is None:
            raise RuntimeError("the stream manager is not running")
        req = self._proto.subscribe(sid, streams, self._now())
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters[req.id] = fut
        try:
            self._pump()
            await fut
        finally:
            self._waiters.pop(req.id, None)

    async def _drive(self) -> None:
        proto = self._proto
        while True:
            self._pump()
            wake = proto.next_wakeup()
            self._armed = float("inf") if wake is None else wake
            self._wake.clear()
            timeout = None if wake is None else max(0.0, wake - self._now())
            try:
                async with asyncio.timeout(timeout):
                    await self._wake.wait()
            except TimeoutError:
                pass
            proto.tick(self._now())

    def _pump(self) -> None:
        """Perform the core's network actions and dispatch its application events (sync)."""
        proto = self._proto
        st = self._st
        for act in proto.data_to_send(self._now()):
            if type(act) is Send:
                conn = st.conns.get(act.conn_id)
                if conn is not None:
                    conn.send(act.payload)
            elif type(act) is Open:
                self._open(act)
            elif type(act) is Close:
                conn = st.conns.get(act.conn_id)
                if conn is not None:
                    conn.abandoned = True
                    conn.close(act.code, act.reason)
                    if conn.opened_ns is None:
                        task = st.tasks.get(act.conn_id)
                        if task is not None:
                            task.cancel()
                if act.code == 1000:
                    self._signal(Lifecycle("rotated", act.conn_id, detail=act.reason))
            else:
                assert type(act) is Pong  # websockets already answered the ping
        events = proto.events_received()
        if events:
            self._dispatch(events)
        wake = proto.next_wakeup()
        if wake is not None and wake < self._armed:
            self._armed = wake
            self._wake.set()

    def _open(self, act: Open) -> None:
        tg = self._tg
        if tg is None:
            return
        conn = WsConnection(
            act.conn_id,
            act.url,
            on_open=self._on_open,
            on_frame=self._on_frame,
            on_frames=self._on_frames,
            on_ping=self._on_ping,
            on_closed=self._on_closed,
            open_timeout=self._open_timeout,
        )
        self._st.conns[act.conn_id] = conn
        self._conn_stats[act.conn_id] = ConnStats(url=act.url)
        self._st.tasks[act.conn_id] = tg.create_task(conn.run(), name=f"ws-conn-{act.conn_id}")

    def _on_open(self, conn: WsConnection) -> None:
        self._proto.connection_opened(conn.conn_id, self._now())
        self._signal(Lifecycle("connected", conn.conn_id, detail=conn.url[:200]))
        self._pump()

    def _on_ping(self, conn: WsConnection, payload: bytes) -> None:
        self._proto.receive_ping(conn.conn_id, payload, self._now())
        self._pump()

    def _on_closed(self, conn: WsConnection, reason: str, was_open: bool) -> None:
        st = self._st
        st.conns.pop(conn.conn_id, None)
        st.tasks.pop(conn.conn_id, None)
        self._routes.pop(conn.conn_id, None)
        cs = self._conn_stats.get(conn.conn_id)
        if cs is not None:
            cs.frames, cs.bytes, cs.sent, cs.closed_reason = (
                conn.frames, conn.bytes, conn.sent, reason)  # fmt: skip
        if self._stopped:
            return
        if was_open:
            self._proto.connection_lost(conn.conn_id, self._now(), reason)
        else:
            self._proto.connection_failed(conn.conn_id, self._now(), reason)
        if not conn.abandoned:
            self._signal(Lifecycle("disconnected", conn.conn_id, detail=reason))
        self._pump()

    def _on_frame(self, conn: WsConnection, data: bytes) -> Awaitable[None] | None:
        """One frame read with ``recv()``: see `_on_frames`."""
        return self._on_frames(conn, [data])[1]

    def _on_frames(
        self, conn: WsConnection, frames: list[bytes]
    ) -> tuple[int, Awaitable[None] | None]:
        """Deliver the frames of one read, in order: ``(frames consumed, room to wait for)``.

        The hot path: a combined-stream frame of a stream in the connection's route cache is
        decoded in one pass (envelope and typed payload) and appended to its subscribers'
        queues inline; everything else (control replies, handovers, unknown streams, decode
        errors, full queues, raw subscribers) goes through the protocol and `_push` as one
        frame. Per-subscription counters are settled and readers woken once per call. Stops
        after a frame that filled a ``"wait"`` queue: the caller waits for the returned
        awaitable, and the frames not consumed are read again later.
        """
        proto = self._proto
        cid = conn.conn_id
        now = time.monotonic()
        rc = self._routes.get(cid)
        if rc is None or rc.epoch != proto.epoch:
            rc = self._routes[cid] = _Routes(proto.epoch)
        routes = rc.routes
        blocked = self._blocked
        touched: list[Subscription] = []
        lagc = self._lag_count
        delivered = taken = 0
        raw_ns = 0
        for data in frames:
            taken += 1
            route = None
            if data[:11] == _NAME_PREFIX:
                key = data[11 : data.find(b'"', 11)]
                route = routes.get(key, _MISS)
                if route is _MISS:
                    route = self._new_route(rc, cid, key)
                    if route is not None and route.stats.lag_ms_last is None:
                        lagc = _LAG_EVERY  # sample a stream's first event
            if route is not None:
                try:
                    env = route.decoder.decode(data)
                except (msgspec.DecodeError, msgspec.ValidationError):
                    route = None  # the protocol reports it (or rotates on serverShutdown)
                else:
                    if env.stream != route.stream:
                        route = None
            if route is None:  # anything else: through the protocol, one frame
                for sub in touched:
                    sub.received += sub._size - sub._base
                self._lag_count = lagc
                self._frame = (cid, data)
                proto.receive_frame(cid, data, now)
                self._pump()
                self._frame = None
                lagc = self._lag_count
                for sub in touched:
                    sub._base = sub._size
                if rc.epoch != proto.epoch:
                    rc = self._routes[cid] = _Routes(proto.epoch)
                    routes = rc.routes
                if blocked:
                    break
                continue
            event = env.data
            delivered += 1
            ss = route.stats
            ss.messages += 1
            ss.bytes += len(data)
            lagc += 1
            if lagc >= _LAG_EVERY:
                lagc = 0
                _sample_lag(ss, event)
            for sub in route.subs:
                size = sub._size
                if size < sub._room:  # room, no special case: append here
                    if sub._base < 0:
                        sub._base = size
                        touched.append(sub)
                    sub._q.append(event)
                    sub._size = size + 1
                    continue
                item = event
                if sub.raw:
                    if not raw_ns:
                        raw_ns = time.time_ns()
                    item = (raw_ns, data)
                if sub._base >= 0:
                    sub.received += size - sub._base
                if sub._push(item, route.stream):
                    blocked.append(sub)
                if sub._base >= 0:
                    sub._base = sub._size
            if blocked:
                break
        self._lag_count = lagc
        if delivered:
            proto.frames_delivered(cid, delivered, now)
        for sub in touched:
            size = sub._size
            sub.received += size - sub._base
            sub._base = -1
            if size > sub.high_water:
                sub.high_water = size
            sub._readable.set()
        if proto.needs_service(now):
            self._pump()
        return taken, (self._wait_room() if self._blocked else None)

    def _new_route(self, rc: _Routes, conn_id: int, key: bytes) -> _Route | None:
        hit = self._proto.fast_route(conn_id, key)
        route = None
        if hit is not None:
            stream, _kind, decoder, ids = hit
            sids: frozenset[Any] = ids
            subs = self._subs
            ss = self._stream_stats.get(stream)
            if ss is None:
                ss = self._stream_stats[stream] = StreamStats()
            targets = tuple(sub for sid in sids if (sub := subs.get(sid)) is not None)
            route = _Route(stream, decoder, targets, ss)
        if len(rc.routes) < _MAX_ROUTES:
            rc.routes[key] = route
        return route

    async def _wait_room(self) -> None:
        blocked, self._blocked = self._blocked, []
        for sub in blocked:
            while sub._size >= sub.maxsize and not sub._closed and sub._error is None:
                await sub._writable.wait()

    def _deliver(
        self,
        stream: str,
        event: Any,
        subscribers: frozenset[Any],
        conn_id: int,
        data: bytes | None,
    ) -> None:
        """Queue one event for its subscribers; ``data`` is the frame it came in (None for
        events released later, e.g. buffered during a handover)."""
        ss = self._stream_stats.get(stream)
        if ss is None:
            ss = self._stream_stats[stream] = StreamStats()
        ss.messages += 1
        ns = 0
        if data is not None:
            ss.bytes += len(data)
            self._lag_count += 1
            if self._lag_count >= _LAG_EVERY or ss.lag_ms_last is None:
                self._lag_count = 0
                ns = _sample_lag(ss, event)
        subs = self._subs
        for sid in subscribers:
            sub = subs.get(sid)
            if sub is None:
                continue
            item = event
            if sub.raw:
                if data is None:
                    item = (time.time_ns(), b"")
                else:
                    if not ns:
                        ns = time.time_ns()
                    item = (ns, data)
            if sub._push(item, stream):
                self._blocked.append(sub)

    def _dispatch(self, events: list[Any]) -> None:
        subs = self._subs
        frame = self._frame
        for ev in events:
            t = type(ev)
            if t is Deliver:
                if frame is not None and frame[0] == ev.conn_id:
                    self._deliver(ev.stream, ev.event, ev.subscribers, ev.conn_id, frame[1])
                else:
                    self._deliver(ev.stream, ev.event, ev.subscribers, ev.conn_id, None)
            elif t is Ack:
                fut = self._waiters.get(ev.request.id)
                if fut is not None and not fut.done():
                    fut.set_result(None)
                if ev.request.op == "subscribe":
                    self._signal(Lifecycle("subscribed", streams=ev.request.streams))
            elif t is Refused:
                fut = self._waiters.get(ev.request.id)
                if fut is not None and not fut.done():
                    fut.set_exception(SubscriptionRefused(ev.streams, ev.code, ev.msg))
            elif t is Gap or t is Dropped:
                reason = ev.reason if t is Gap else f"refused on resubscribe: {ev.msg}"
                for sid in ev.subscribers:
                    sub = subs.get(sid)
                    if sub is not None:
                        sub._gap(ev.streams, reason)
                self._signal(Lifecycle("gap" if t is Gap else "dropped", streams=ev.streams,
                                       detail=reason))  # fmt: skip
            elif t is Resumed:
                self._signal(Lifecycle("reconnected", streams=ev.streams))
            elif t is Malformed:
                self._malformed += 1
                log.warning("malformed frame on connection %s skipped: %s", ev.conn_id, ev.error)

    # -- observability ---------------------------------------------------------------------

    def max_lag_ms(self) -> float | None:
        """The largest last sampled lag (receive time - event time ``E``) over the streams, in
        ms; None before any was sampled."""
        lags = [v.lag_ms_last for v in self._stream_stats.values() if v.lag_ms_last is not None]
        return max(lags) if lags else None

    def statistics(self) -> dict[str, Any]:
        """Counters: protocol totals, per connection, per stream, per subscription."""
        p = self._proto.statistics()
        conns = {}
        for cid, cs in self._conn_stats.items():
            live = self._st.conns.get(cid)
            if live is not None:
                cs.frames, cs.bytes, cs.sent = live.frames, live.bytes, live.sent
            conns[cid] = {"url": cs.url[:120], "frames": cs.frames, "bytes": cs.bytes,
                          "sent": cs.sent, "open": live is not None,
                          "closed_reason": cs.closed_reason}  # fmt: skip
        return {
            "frames": p.frames,
            "delivered": p.delivered,
            "duplicates": p.duplicates,
            "malformed": self._malformed,
            "reconnects": p.reconnects,
            "rotations": p.rotations,
            "gaps": p.gaps,
            "opens": p.opens,
            "control_sent": p.control_sent,
            "pongs_sent": p.pongs_sent,
            "dropped": self._dropped,
            "connections": conns,
            "streams": {
                s: {
                    "messages": v.messages,
                    "bytes": v.bytes,
                    "lag_ms_last": v.lag_ms_last,
                    "lag_ms_max": v.lag_ms_max,
                }
                for s, v in self._stream_stats.items()
            },
            "subscriptions": {
                sid: {
                    "streams": len(s.streams),
                    "received": s.received,
                    "dropped": s.dropped,
                    "gaps": s.gaps,
                    "high_water": s.high_water,
                    "queued": s._size,
                }
                for sid, s in self._subs.items()
            },
        }
