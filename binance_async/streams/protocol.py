"""Sans-I/O core of the stream multiplexer: subscription table, sharding, control messages,
throttling, connection budget, reconnect replay, rotation and liveness.

No ``await``, no sockets, no wall clock: every input takes ``now`` (float seconds, any
monotonic origin). Shaped like python-websockets' ``protocol.py``::

    p = StreamProtocol(StreamConfig())
    req = p.subscribe("bot-1", ["btcusdt@trade", "btcusdt@depth@100ms"], now)
    for action in p.data_to_send():      # Open(conn_id, url) / Send / Pong / Close
        ...                              # the I/O layer performs them, then reports back:
    p.connection_opened(conn_id, now)    # or connection_failed / connection_lost
    p.receive_frame(conn_id, frame_bytes, now)
    p.receive_ping(conn_id, payload, now)
    for event in p.events_received():    # Deliver / Gap / Resumed / Ack / Refused / Dropped /
        ...                              # ControlResult / ControlError / Malformed
    p.tick(now)                          # at p.next_wakeup(): timers (throttle, backoff, ...)

After feeding inputs, drain `data_to_send` (it also runs due timers) and `events_received`,
then arm a timer for `next_wakeup`. Inputs only mutate state; a burst of `subscribe` calls is
coalesced into one URL or a few batched SUBSCRIBE messages at the next `data_to_send`.

Rules
-----
- **Table.** Subscribers are any hashable ids. Each stream is reference-counted: the first
  subscriber of a stream makes it *desired*, the last one leaving drops it. Each desired stream
  lives on one *shard* (a logical connection slot) holding at most
  ``max_streams_per_connection`` (1024); a new stream goes to the first shard with room, else
  to a new shard, whose connection is opened (`Open`). `route` gives a stream's subscribers.
- **Control messages.** Each connection converges its server-side set to its shard's desired
  set: missing streams go in ``SUBSCRIBE`` batches (``max_params_per_message``,
  ``max_message_bytes``), extra ones in ``UNSUBSCRIBE``. Request ids come from one int64
  counter. Replies ``{"result": null, "id": n}`` mark streams live; a request `Ack`
  s when all its streams are live. Errors ``{"error": {"code", "msg"}, "id"}`` (codes 0-3,
  also the flat ``{"code", "msg", "id"}`` form): a refused batch of several streams is retried
  one stream per message (``split_refused_batches``), and a refused single stream is removed
  from the table: `Refused` for waiting requests, `Dropped` for other subscribers of it.
  `list_subscriptions` (whose reply also resynchronises the table with the server),
  `set_property`, `get_property` give `ControlResult` / `ControlError`.
- **Throttle.** At most ``max_messages`` frames (control messages AND pongs) per
  ``throttle_window`` per connection (5 per 1.1 s: 1 s plus slack for network jitter);
  pongs go first. `next_send_time` says when the next frame may go; `note_sent` counts frames
  the I/O layer sent by itself (e.g. a library's automatic pongs or pings).
- **Connection budget.** Every `Open` consumes one attempt of a `ConnectBudget` (300 per
  300 s; pass one shared instance when other components connect from the same IP).
  `can_connect` / `next_connect_time`. Reconnects wait a jittered, capped exponential
  `Backoff` (injectable ``rng``), reset once a connection has been up ``healthy_after`` s.
- **Reconnect replay.** When an open connection is lost (or goes stale), every subscriber of
  its live streams gets a `Gap`; the shard reconnects with its current desired streams in the
  URL (``/stream?streams=a/b`` up to ``max_url_length``) and SUBSCRIBEs the rest; `Resumed`
  follows once they are live again. Nothing is ever dropped from the table by a reconnect.
- **Rotation** (make-before-break), when a connection reaches ``max_lifetime`` (23 h, before
  Binance's 24 h cut) or receives ``{"e": "serverShutdown"}`` (or `rotate` is called): a
  replacement connection is opened and subscribed to the same streams; once all are acked and
  every stream has *caught up* (or after ``handover_grace`` s), the old one is closed
  (`Close` code 1000). During the overlap events are deduplicated by a per-stream identity
  (trade ``t``, aggTrade ``a``, diff depth and bookTicker ``u``, partial depth
  ``lastUpdateId``, else ``E``): the old connection stays primary, the new one's events are
  dropped if already delivered and held if ahead, and released in order at the switch; see
  `binance_async.streams.handover` for the exact rule. Nothing is lost or repeated; a stream
  whose overlap could not be verified gets a `Gap`.
- **Liveness.** Every frame and ping refreshes a connection; `is_stale` after ``stale_after``
  s of silence (the server pings every 20 s), and the next `tick` closes it and replays.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from typing import Any, Final, Literal

import msgspec

from ..models.depth import ENVELOPE_DECODER
from ..models.streams import (
    RETIRED_STREAMS,
    StreamKind,
    decoder_for_kind,
    stream_kind,
)
from .actions import (
    AppEvent,
    Close,
    ControlError,
    ControlResult,
    Deliver,
    Malformed,
    NetAction,
    Open,
    Pong,
    Request,
    Send,
    SubscriberId,
)
from .config import ConnectionInfo, ProtocolStats, StreamConfig
from .handover import Handover
from .limits import Backoff, ConnectBudget, Throttle
from .names import combined_url
from .shards import Conn, Shard, normalize_stream
from .table import SubscriptionTable
from .wire import (
    ControlErr,
    EnvelopeDecoder,
    Frame,
    batches,
    encode_control,
    envelope_decoder,
    parse_frame,
)

__all__ = ["ConnectionInfo", "ProtocolStats", "StreamConfig", "StreamProtocol"]

_INT64_MAX: Final = 2**63 - 1
_INF: Final = float("inf")
_ENVELOPE_PREFIX: Final = b'{"stream":'
_NAME_PREFIX: Final = b'{"stream":"'
_MAX_ROUTES: Final = 8192
_SUB: Final = "SUBSCRIBE"
_UNSUB: Final = "UNSUBSCRIBE"


class StreamProtocol:
    """The stream multiplexer's state machine (see the module docstring)."""

    def __init__(
        self,
        config: StreamConfig | None = None,
        *,
        rng: Callable[[], float] = random.random,
        budget: ConnectBudget | None = None,
    ) -> None:
        self.config = cfg = config or StreamConfig()
        self._rng = rng
        self._budget = budget or ConnectBudget(cfg.max_connects, cfg.connect_window)
        self._now = -_INF
        self._dirty = False
        self._deadline = _INF
        self._wire_id = 0
        self._shard_seq = 0
        self._conn_seq = 0
        self._shards: dict[int, Shard] = {}
        self._conns: dict[int, Conn] = {}
        self._shard_of: dict[str, Shard] = {}
        self._net: list[NetAction] = []
        self._events: list[AppEvent] = []
        self._table = SubscriptionTable(self._events)
        self._stats = ProtocolStats()
        # stream name as wire bytes -> (name, kind, envelope decoder): `deliver_frame`'s fast path
        self._routes: dict[bytes, tuple[str, StreamKind, EnvelopeDecoder]] = {}
        #: Incremented by every input that may change what `fast_route` answers (subscribers,
        #: shards, connection states, handovers): I/O layers caching routes compare it.
        self.epoch = 0

    # ---------------------------------------------------------------- outputs and timers

    def data_to_send(self, now: float | None = None) -> list[NetAction]:
        """Network actions to perform, oldest first (drains); runs due timers first."""
        if now is not None and now > self._now:
            self._now = now
        if self._dirty or self._now >= self._deadline:
            self._service(self._now)
        out, self._net = self._net, []
        return out

    def events_received(self) -> list[AppEvent]:
        """Application events, oldest first (drains)."""
        out = self._events[:]
        self._events.clear()
        return out

    def tick(self, now: float) -> None:
        """Run timers: throttled sends, reconnects, rotation, handover, staleness, idle close."""
        self._set_now(now)
        self._service(self._now)

    def next_wakeup(self) -> float | None:
        """When `tick` (or `data_to_send`) must next run; None if nothing is scheduled."""
        if self._dirty:
            return self._now
        return None if self._deadline == _INF else self._deadline

    # ---------------------------------------------------------------- subscribers

    def subscribe(self, subscriber: SubscriberId, streams: Iterable[str], now: float) -> Request:
        """Add ``streams`` for ``subscriber``: `Ack` once all are live (or `Refused`)."""
        self._set_now(now)
        table = self._table
        req = table.new_request(subscriber, "subscribe", self._names(streams))
        failed: list[str] = []
        waiting: list[str] = []
        for s in req.streams:
            if s in RETIRED_STREAMS:
                failed.append(s)
                continue
            if table.add(subscriber, s):
                self._place(s)
            if not self._is_live(s):
                waiting.append(s)
        table.track(req, waiting, failed, "stream retired by Binance" if failed else "")
        self._dirty = True
        return req

    def unsubscribe(self, subscriber: SubscriberId, streams: Iterable[str], now: float) -> Request:
        """Remove ``streams`` for ``subscriber``: deliveries stop at once, `Ack` at once."""
        self._set_now(now)
        req = self._table.new_request(subscriber, "unsubscribe", self._names(streams))
        for s in req.streams:
            if self._table.remove(subscriber, s):
                shard = self._shard_of.pop(s)
                shard.desired.discard(s)
                if shard.handover is not None:
                    shard.handover.discard(s)
        self._table.ack(req)
        self._dirty = True
        return req

    def unsubscribe_all(self, subscriber: SubscriberId, now: float) -> Request:
        """Remove every stream of ``subscriber`` (see `unsubscribe`)."""
        return self.unsubscribe(subscriber, sorted(self._table.wants.get(subscriber, ())), now)

    def subscriptions(self, subscriber: SubscriberId) -> frozenset[str]:
        """The streams ``subscriber`` wants now (live or not yet)."""
        return frozenset(self._table.wants.get(subscriber, ()))

    def route(self, stream: str) -> frozenset[SubscriberId]:
        """The subscribers of ``stream`` (empty if none)."""
        return self._table.refs.get(stream, frozenset())

    def desired_streams(self) -> frozenset[str]:
        """Every stream some subscriber wants."""
        return frozenset(self._table.refs)

    # ---------------------------------------------------------------- I/O inputs

    def connection_opened(self, conn_id: int, now: float) -> None:
        """The I/O layer opened ``conn_id``: the streams of its URL are live."""
        self._set_now(now)
        conn = self._conns.get(conn_id)
        if conn is None or conn.state != "connecting":
            return
        conn.state = "open"
        conn.opened_at = conn.last_rx = self._now
        conn.acked = set(conn.projected)  # the URL's streams are subscribed on connect
        self._went_live(conn.shard, conn.acked)
        self._dirty = True

    def connection_failed(self, conn_id: int, now: float, reason: str = "") -> None:
        """A connection attempt failed before opening (backoff, then retry)."""
        self._set_now(now)
        conn = self._conns.get(conn_id)
        if conn is None:
            return
        if conn.state == "open":
            self.connection_lost(conn_id, now, reason)
            return
        self._drop(conn)
        shard = conn.shard
        if shard.next is conn:
            shard.next = None
            self._end_handover(shard)
            shard.rotate_at = self._now + shard.backoff.failure()
        elif shard.conn is conn:
            shard.conn = None
            shard.reopen_at = self._now + shard.backoff.failure()

    def connection_lost(self, conn_id: int, now: float, reason: str = "") -> None:
        """An open connection closed (server, network, or after a `Close` for staleness)."""
        self._set_now(now)
        conn = self._conns.get(conn_id)
        if conn is None:
            return
        if conn.state != "open":
            self.connection_failed(conn_id, now, reason)
            return
        self._drop(conn)
        shard, now = conn.shard, self._now
        assert conn.opened_at is not None
        if now - conn.opened_at >= self.config.healthy_after:
            shard.backoff.reset()
        if shard.next is conn:  # the replacement died; the old one still serves
            shard.next = None
            self._end_handover(shard)
            shard.rotate_at = now + shard.backoff.failure()
            return
        if shard.conn is not conn:
            return
        self._stats.reconnects += 1
        lost = conn.acked & shard.desired
        shard.rotate = None
        nxt, ho = shard.next, shard.handover
        if nxt is None:
            shard.conn = None
            self._end_handover(shard)
            shard.reopen_at = now + shard.backoff.failure()
        else:  # promote the replacement: only what it may not carry has a gap
            shard.conn, shard.next = nxt, None
            if nxt.state == "open" and ho is not None:
                lost = (lost - nxt.acked) | self._switch(ho, nxt.id)
                ho.ready_at = now if ho.ready_at is None else ho.ready_at
            else:
                self._end_handover(shard)
        if self._table.gap(lost, f"connection lost: {reason}" if reason else "connection lost"):
            self._stats.gaps += 1

    def receive_ping(self, conn_id: int, payload: bytes, now: float) -> None:
        """A server ping: queue a `Pong` echoing ``payload`` (it goes before control messages)."""
        self._set_now(now)
        conn = self._conns.get(conn_id)
        if conn is not None and conn.state == "open":
            conn.last_rx = self._now
            conn.pong = bytes(payload)
            self._dirty = True

    def note_sent(self, conn_id: int, now: float) -> None:
        """Count a frame the I/O layer sent on its own (e.g. a library ping) in the throttle."""
        self._set_now(now)
        conn = self._conns.get(conn_id)
        if conn is not None:
            conn.throttle.record(self._now)

    def receive_frame(self, conn_id: int, data: bytes, now: float) -> None:
        """One text frame of ``conn_id``: a combined-stream event (-> `Deliver`, decoded once,
        deduplicated during a handover), a control reply, or ``serverShutdown``."""
        if now > self._now:
            self._now = now
        conn = self._conns.get(conn_id)
        if conn is None or conn.state != "open":
            return
        conn.last_rx = self._now
        self._stats.frames += 1
        if data[:10] == _ENVELOPE_PREFIX:
            try:
                env = ENVELOPE_DECODER.decode(data)
            except (msgspec.DecodeError, msgspec.ValidationError):
                pass
            else:
                self._on_event(conn, env.stream, env.data)
                return
        self._on_other(conn, data)

    def deliver_frame(
        self, conn_id: int, data: bytes, now: float
    ) -> tuple[str, Any, frozenset[SubscriberId]] | None:
        """`receive_frame`, with a fast path for the common case: a combined-stream event of
        a routed stream outside any handover is returned as ``(stream, event, subscribers)``
        (counted as delivered, but not queued as a `Deliver`). Anything else goes through
        `receive_frame` and None is returned (drain `events_received` as usual)."""
        if now > self._now:
            self._now = now
        conn = self._conns.get(conn_id)
        if conn is not None and conn.state == "open" and data.startswith(_NAME_PREFIX):
            end = data.find(b'"', 11)
            route = self._routes.get(data[11:end])
            if route is None:
                route = self._new_route(data[11:end])
            if route is not None:
                stream = route[0]
                subs = self._table.refs.get(stream)
                shard = conn.shard
                ho = shard.handover
                if (
                    subs is not None
                    and self._shard_of.get(stream) is shard
                    and (ho is None or stream not in ho.streams)
                ):
                    try:
                        env = route[2].decode(data)  # the envelope and the payload, one pass
                    except (msgspec.DecodeError, msgspec.ValidationError):
                        pass  # the slow path reports it (or rotates on serverShutdown)
                    else:
                        if env.stream == stream:
                            conn.last_rx = self._now
                            stats = self._stats
                            stats.frames += 1
                            stats.delivered += 1
                            return stream, env.data, subs
        self.receive_frame(conn_id, data, now)
        return None

    def fast_route(
        self, conn_id: int, key: bytes
    ) -> tuple[str, StreamKind, EnvelopeDecoder, frozenset[SubscriberId]] | None:
        """What `deliver_frame`'s fast path would do with a frame of ``conn_id`` starting with
        ``{"stream":"<key>"``: ``(stream, kind, envelope decoder, subscribers)``, or None when
        such a frame must go through `receive_frame` (unknown or unrouted stream, connection
        not open, stream in a handover, decoding off). The answer holds until `epoch` changes;
        frames delivered from such a cached answer are reported with `frames_delivered`."""
        conn = self._conns.get(conn_id)
        if conn is None or conn.state != "open":
            return None
        route = self._routes.get(key)
        if route is None:
            route = self._new_route(key)
            if route is None:
                return None
        stream = route[0]
        subs = self._table.refs.get(stream)
        shard = conn.shard
        ho = shard.handover
        if subs is None or self._shard_of.get(stream) is not shard:
            return None
        if ho is not None and stream in ho.streams:
            return None
        return stream, route[1], route[2], subs

    def frames_delivered(self, conn_id: int, n: int, now: float) -> None:
        """``n`` frames of ``conn_id`` were delivered by the I/O layer from a `fast_route`
        answer (refreshes liveness, counts them as received and delivered)."""
        if now > self._now:
            self._now = now
        conn = self._conns.get(conn_id)
        if conn is not None:
            conn.last_rx = self._now
        stats = self._stats
        stats.frames += n
        stats.delivered += n

    def _new_route(self, key: bytes) -> tuple[str, StreamKind, EnvelopeDecoder] | None:
        if not self.config.decode or b"\\" in key:
            return None
        try:
            stream = key.decode()
        except UnicodeDecodeError:
            return None
        if stream not in self._table.refs:
            return None
        if len(self._routes) >= _MAX_ROUTES:
            self._routes.clear()
        kind = stream_kind(stream)
        route = self._routes[key] = (stream, kind, envelope_decoder(decoder_for_kind(kind)))
        return route

    def needs_service(self, now: float) -> bool:
        """True if `data_to_send` / `events_received` have work (timers due, state changed,
        events queued): after a `deliver_frame` fast path, the I/O layer may skip draining."""
        return self._dirty or now >= self._deadline or bool(self._events)

    # ---------------------------------------------------------------- control requests

    def list_subscriptions(self, conn_id: int, now: float) -> int:
        """LIST_SUBSCRIPTIONS (its reply also resynchronises the table); returns the id."""
        return self._user_control(conn_id, "LIST_SUBSCRIPTIONS", None, now)

    def set_property(self, conn_id: int, name: str, value: Any, now: float) -> int:
        """SET_PROPERTY ``[name, value]`` on ``conn_id``; returns the request id."""
        return self._user_control(conn_id, "SET_PROPERTY", (name, value), now)

    def get_property(self, conn_id: int, name: str, now: float) -> int:
        """GET_PROPERTY ``[name]`` on ``conn_id``; returns the request id."""
        return self._user_control(conn_id, "GET_PROPERTY", (name,), now)

    def rotate(self, conn_id: int, now: float, reason: str = "requested") -> None:
        """Replace active connection ``conn_id`` make-before-break (as on ``serverShutdown``)."""
        self._set_now(now)
        conn = self._conns.get(conn_id)
        if conn is not None and conn.shard.conn is conn and conn.shard.rotate is None:
            conn.shard.rotate, conn.shard.rotate_at = reason, self._now
            self._dirty = True

    # ---------------------------------------------------------------- introspection

    def next_send_time(self, conn_id: int, now: float) -> float:
        """When ``conn_id`` may send its next frame (``now`` if it may send at once)."""
        conn = self._conns.get(conn_id)
        return now if conn is None else conn.throttle.next_time(now)

    def can_connect(self, now: float) -> bool:
        """True if the connection budget allows one more connection attempt at ``now``."""
        return self._budget.can_connect(now)

    def next_connect_time(self, now: float) -> float:
        """The earliest time ``>= now`` at which the budget allows one more connection attempt."""
        return self._budget.next_connect_time(now)

    def is_stale(self, conn_id: int, now: float) -> bool:
        """True if open connection ``conn_id`` received nothing for ``stale_after`` seconds."""
        conn = self._conns.get(conn_id)
        if conn is None or conn.state != "open":
            return False
        return now - conn.last_rx >= self.config.stale_after

    def shard_of(self, stream: str) -> int | None:
        """The active connection id carrying ``stream`` (None if not connected)."""
        shard = self._shard_of.get(stream)
        return None if shard is None or shard.conn is None else shard.conn.id

    def connections(self) -> list[ConnectionInfo]:
        """One `ConnectionInfo` per connection not yet closed (active or replacement)."""
        out = []
        for c in self._conns.values():
            assert c.state != "closed"
            role: Literal["active", "replacement"] = (
                "replacement" if c.shard.next is c else "active"
            )
            acked = frozenset(c.acked)
            out.append(ConnectionInfo(c.id, c.shard.id, c.state, role, c.url, acked, c.opened_at))
        return out

    def statistics(self) -> ProtocolStats:
        """The totals since construction, as a `ProtocolStats` (handover duplicates included)."""
        s = self._stats
        out = ProtocolStats(**{k: getattr(s, k) for k in ProtocolStats.__slots__})
        for shard in self._shards.values():
            if shard.handover is not None:
                out.duplicates += shard.handover.dropped
        return out

    # ---------------------------------------------------------------- internals: table

    def _set_now(self, now: float) -> None:
        self.epoch += 1  # every state-changing input passes here
        if now > self._now:
            self._now = now

    @staticmethod
    def _names(streams: Iterable[str]) -> tuple[str, ...]:
        if isinstance(streams, str):
            raise TypeError("streams must be an iterable of names, not one string")
        return tuple(dict.fromkeys(normalize_stream(s) for s in streams))

    def _place(self, s: str) -> None:
        """Put a new stream on the first shard with room (or a new shard)."""
        cfg = self.config
        for shard in self._shards.values():
            if len(shard.desired) < cfg.max_streams_per_connection:
                break
        else:
            self._shard_seq += 1
            backoff = Backoff(
                cfg.backoff_base, cfg.backoff_factor, cfg.backoff_cap, cfg.backoff_jitter, self._rng
            )
            shard = self._shards[self._shard_seq] = Shard(self._shard_seq, backoff)
        shard.desired.add(s)
        shard.idle_since = None
        self._shard_of[s] = shard
        if shard.handover is not None and not shard.handover.retired:
            shard.handover.streams.add(s)

    def _is_live(self, s: str) -> bool:
        shard = self._shard_of.get(s)
        if shard is None:
            return False
        conn, nxt = shard.conn, shard.next
        return (conn is not None and conn.live(s)) or (nxt is not None and nxt.live(s))

    def _went_live(self, shard: Shard, streams: Iterable[str]) -> None:
        self._table.live([s for s in streams if s in shard.desired and self._is_live(s)])
        ho, nxt = shard.handover, shard.next
        if ho is None or nxt is None or ho.ready_at is not None or nxt.state != "open":
            return
        if shard.desired <= nxt.acked and not nxt.pending_unsub:
            ho.ready_at = self._now
            self._dirty = True

    # ---------------------------------------------------------------- internals: frames

    def _on_event(self, conn: Conn, stream: str, raw: msgspec.Raw) -> None:
        subs = self._table.refs.get(stream)
        shard = conn.shard
        if subs is None or self._shard_of.get(stream) is not shard:
            self._stats.unrouted += 1
            return
        kind = stream_kind(stream)
        event: Any = raw
        if self.config.decode:
            try:
                event = decoder_for_kind(kind).decode(raw)
            except (msgspec.DecodeError, msgspec.ValidationError) as exc:
                if b'"serverShutdown"' in bytes(raw):  # the notice, inside an envelope
                    self.rotate(conn.id, self._now, "serverShutdown")
                    return
                self._stats.malformed += 1
                self._events.append(Malformed(conn.id, stream, bytes(raw), str(exc)))
                return
        ho = shard.handover
        if ho is None or stream not in ho.streams:
            self._stats.delivered += 1
            self._events.append(Deliver(stream, event, subs, conn.id, self._now))
            return
        for ev in ho.offer(conn.id, stream, kind, event):
            self._stats.delivered += 1
            self._events.append(Deliver(stream, ev, subs, conn.id, self._now))
        if ho.ready_at is not None and not ho.retired and ho.all_caught_up():
            self._dirty = True  # the next data_to_send() retires the old connection

    def _on_other(self, conn: Conn, data: bytes) -> None:
        try:
            msg = parse_frame(data)
        except (msgspec.DecodeError, msgspec.ValidationError) as exc:
            self._malformed(conn, data, str(exc))
            return
        if msg.stream is not None and msg.data is not None:
            self._on_event(conn, msg.stream, msg.data)
        elif msg.e == "serverShutdown":
            self.rotate(conn.id, self._now, "serverShutdown")
        elif msg.result is msgspec.UNSET and msg.err is None:
            self._malformed(conn, data, "unexpected frame")
        else:
            self._on_reply(conn, msg)

    def _malformed(self, conn: Conn, data: bytes, error: str) -> None:
        self._stats.malformed += 1
        self._events.append(Malformed(conn.id, None, bytes(data), error))

    def _on_reply(self, conn: Conn, msg: Frame) -> None:
        self.epoch += 1
        err = msg.err
        rid = msg.id if isinstance(msg.id, int) else None
        ctl = conn.inflight.pop(rid, None) if rid is not None else None
        if ctl is None or rid is None:
            if err is not None:
                self._events.append(ControlError(conn.id, rid, None, err.code, err.msg))
            return
        self._dirty = True
        method, params = ctl
        if method == _UNSUB:
            for s in params:
                n = conn.pending_unsub.pop(s, 1) - 1
                if n > 0:
                    conn.pending_unsub[s] = n
        if err is not None:
            self._on_refusal(conn, rid, method, params, err)
        elif method == _SUB:
            conn.acked.update(params)
            self._went_live(conn.shard, params)
        elif method == _UNSUB:
            conn.acked.difference_update(params)
            self._went_live(conn.shard, params)  # a pending re-subscribe may now be live
        else:
            result = msg.result
            busy = any(m in (_SUB, _UNSUB) for m, _ in conn.inflight.values())
            if method == "LIST_SUBSCRIPTIONS" and isinstance(result, list) and not busy:
                conn.acked = {s for s in result if isinstance(s, str)}
                conn.projected = set(conn.acked)
            self._events.append(ControlResult(conn.id, rid, method, result))

    def _on_refusal(self, conn: Conn, rid: int, method: str, params: Any, err: ControlErr) -> None:
        if method != _SUB:
            self._events.append(ControlError(conn.id, rid, method, err.code, err.msg))
            return
        again: set[str] = set()
        for m, p in conn.inflight.values():
            if m == _SUB:
                again.update(p)
        conn.projected.difference_update(set(params) - again - conn.acked)
        if len(params) > 1 and self.config.split_refused_batches:
            conn.isolate.update(params)  # find the culprit: one stream per message
            return
        shard = conn.shard
        for s in params:
            if s in shard.desired and not self._is_live(s):
                shard.desired.discard(s)
                self._shard_of.pop(s, None)
                if shard.handover is not None:
                    shard.handover.discard(s)
                self._table.refuse(s, err.code, err.msg)

    def _user_control(self, conn_id: int, method: str, params: Any, now: float) -> int:
        self._set_now(now)
        rid = self._new_wire_id()
        conn = self._conns.get(conn_id)
        if conn is None:
            self._events.append(ControlError(conn_id, rid, method, None, "no such connection"))
        else:
            conn.user_q.append((rid, method, params))
            self._dirty = True
        return rid

    def _new_wire_id(self) -> int:
        self._wire_id = self._wire_id + 1 if self._wire_id < _INT64_MAX else 1
        return self._wire_id

    # ---------------------------------------------------------------- internals: service

    def _service(self, now: float) -> None:
        self.epoch += 1
        self._dirty = False
        for shard in list(self._shards.values()):
            self._service_shard(shard, now)
        self._deadline = self._compute_deadline(now)

    def _service_shard(self, shard: Shard, now: float) -> None:
        cfg = self.config
        for c in (shard.next, shard.conn):
            if c is not None and c.state == "open" and now - c.last_rx >= cfg.stale_after:
                self._net.append(Close(c.id, 4000, "stale"))
                self.connection_lost(c.id, now, "stale")
        if not shard.desired:
            self._service_idle(shard, now)
            return
        shard.idle_since = None
        conn = shard.conn
        if conn is None:
            if now < shard.reopen_at or not self._budget.can_connect(now):
                return
            shard.conn = conn = self._open(shard, now)
        if conn.state == "open":
            assert conn.opened_at is not None
            if conn.opened_at + cfg.healthy_after <= now:
                shard.backoff.reset()
            if shard.rotate is None and now - conn.opened_at >= cfg.max_lifetime:
                shard.rotate, shard.rotate_at = "lifetime", now
            due = shard.rotate is not None and now >= shard.rotate_at and shard.next is None
            if due and self._budget.can_connect(now):
                shard.next = self._open(shard, now)
                shard.handover = Handover(conn.id, shard.next.id, set(shard.desired))
        ho = shard.handover
        if ho is not None:
            self._went_live(shard, ())
            ready = ho.ready_at is not None and not ho.retired
            if ready and (ho.all_caught_up() or now >= (ho.ready_at or 0.0) + cfg.handover_grace):
                self._retire(shard, ho)
            if ho.retired:
                assert ho.ready_at is not None
                if ho.done() or now >= ho.ready_at + 2 * cfg.handover_grace:
                    self._end_handover(shard)
        for c in (shard.conn, shard.next):
            if c is not None and c.state == "open":
                self._flush(c, now)

    def _service_idle(self, shard: Shard, now: float) -> None:
        if shard.next is not None:
            self._close(shard.next, 1000, "not needed")
            shard.next = None
            self._end_handover(shard)
        conn = shard.conn
        if conn is not None and conn.state == "open":
            if shard.idle_since is None:
                shard.idle_since = now
            if now - shard.idle_since < self.config.idle_close_after or conn.inflight:
                self._flush(conn, now)  # UNSUBSCRIBE what is left, answer pings
                return
        if conn is not None:
            self._close(conn, 1000, "idle")
        del self._shards[shard.id]

    def _open(self, shard: Shard, now: float) -> Conn:
        cfg = self.config
        self._conn_seq += 1
        size = len(combined_url((), cfg.base_url, cfg.url_query))
        in_url: list[str] = []
        for s in sorted(shard.desired):
            size += len(s) + 1
            if in_url and size > cfg.max_url_length:
                break
            in_url.append(s)
        url = combined_url(in_url, cfg.base_url, cfg.url_query)
        thr = Throttle(cfg.max_messages, cfg.throttle_window)
        conn = self._conns[self._conn_seq] = Conn(self._conn_seq, shard, url, set(in_url), thr)
        conn.last_rx = now
        self._budget.record(now)
        self._stats.opens += 1
        self._net.append(Open(conn.id, url))
        return conn

    def _close(self, conn: Conn, code: int, reason: str) -> None:
        self._drop(conn)
        self._net.append(Close(conn.id, code, reason))

    def _drop(self, conn: Conn) -> None:
        self._conns.pop(conn.id, None)
        if conn.state == "closed":
            return
        conn.state = "closed"
        lost = [(rid, m) for rid, (m, _) in conn.inflight.items() if m not in (_SUB, _UNSUB)]
        lost += [(rid, m) for rid, m, _ in conn.user_q]
        for rid, method in lost:
            self._events.append(ControlError(conn.id, rid, method, None, "connection lost"))
        conn.inflight.clear()
        conn.user_q.clear()
        self._dirty = True

    def _retire(self, shard: Shard, ho: Handover) -> None:
        old, new = shard.conn, shard.next
        assert old is not None and new is not None
        self._close(old, 1000, "rotated")
        shard.conn, shard.next, shard.rotate = new, None, None
        self._stats.rotations += 1
        lossy = self._switch(ho, new.id)
        if self._table.gap(lossy, "rotation: handover not verified"):
            self._stats.gaps += 1

    def _switch(self, ho: Handover, new_id: int) -> set[str]:
        """Retire ``ho``: deliver its buffered events; return the possibly lossy streams."""
        flushed, lossy = ho.retire()
        for stream, event in flushed:
            subs = self._table.refs.get(stream)
            if subs:
                self._stats.delivered += 1
                self._events.append(Deliver(stream, event, subs, new_id, self._now))
        return lossy

    def _end_handover(self, shard: Shard) -> None:
        if shard.handover is not None:
            self._stats.duplicates += shard.handover.dropped
            shard.handover = None

    def _flush(self, conn: Conn, now: float) -> None:
        """Send what is due on ``conn`` within its throttle: pong, user requests, then the
        UNSUBSCRIBE / SUBSCRIBE batches that converge the server's set to the desired one."""
        thr = conn.throttle
        if conn.pong is not None and thr.allowed(now):
            thr.record(now)
            self._net.append(Pong(conn.id, conn.pong))
            self._stats.pongs_sent += 1
            conn.pong = None
        while conn.user_q and thr.allowed(now):
            rid, method, params = conn.user_q.popleft()
            self._send(conn, rid, method, params, now)
        desired = conn.shard.desired
        if conn.projected == desired and not conn.isolate:
            return
        missing = desired - conn.projected
        lonely = sorted(conn.isolate & missing)
        conn.isolate = set(lonely)
        plan = [(_SUB, [s]) for s in lonely]
        plan += [(_UNSUB, b) for b in self._batches(conn.projected - desired)]
        plan += [(_SUB, b) for b in self._batches(missing - conn.isolate)]
        for method, batch in plan:
            if not thr.allowed(now):
                return
            self._send(conn, self._new_wire_id(), method, batch, now)
            if method == _SUB:
                conn.projected.update(batch)
                conn.isolate.difference_update(batch)
            else:
                conn.projected.difference_update(batch)
                for s in batch:
                    conn.pending_unsub[s] = conn.pending_unsub.get(s, 0) + 1

    def _batches(self, names: set[str]) -> list[list[str]]:
        cfg = self.config
        return list(batches(sorted(names), cfg.max_params_per_message, cfg.max_message_bytes))

    def _send(self, conn: Conn, rid: int, method: str, params: Any, now: float) -> None:
        conn.throttle.record(now)
        conn.inflight[rid] = (method, None if params is None else tuple(params))
        self._stats.control_sent += 1
        self._net.append(Send(conn.id, encode_control(method, params, rid)))

    def _compute_deadline(self, now: float) -> float:
        cfg, t = self.config, _INF
        for shard in self._shards.values():
            if shard.desired and shard.conn is None:
                t = min(t, max(shard.reopen_at, self._budget.next_connect_time(now)))
            if not shard.desired and shard.idle_since is not None:
                t = min(t, shard.idle_since + cfg.idle_close_after)
            for c in (shard.conn, shard.next):
                if c is not None and c.state == "open":
                    t = min(t, c.last_rx + cfg.stale_after)
                    if c.has_outgoing():
                        t = min(t, c.throttle.next_time(now))
            conn = shard.conn
            if conn is not None and conn.opened_at is not None and conn.state == "open":
                if shard.rotate is None:
                    t = min(t, conn.opened_at + cfg.max_lifetime)
                elif shard.next is None:
                    t = min(t, max(shard.rotate_at, self._budget.next_connect_time(now)))
            ho = shard.handover
            if ho is not None and ho.ready_at is not None:
                t = min(t, ho.ready_at + cfg.handover_grace * (2 if ho.retired else 1))
        return t
