"""WebSocket connections of the local exchange: limits, keep-alive, lifetime, raw frame writes.

Every WebSocket endpoint of the exchange (market streams, listenKey user streams, the
WebSocket API, the replay server) accepts its connections through one `WsCore`, which applies
the exchange's connection rules (facts doc sections 3 and 6), all configurable in `WsLimits`:

- **connection attempts**: ``max_connect_attempts`` (300) per ``connect_window_s`` (5 minutes)
  per IP; one more gets **HTTP 429** on the upgrade. An IP the REST layer banned gets **418**;
- **incoming messages** (stream endpoints only): at most ``max_messages`` (5) text, ping and
  pong frames per ``message_window_s`` (1 s, sliding, *wall* time); one more closes the
  connection with **1008** "Too many requests";
- **ping / pong**: the server pings every ``ping_interval_s`` (20 s) with a payload; the pong
  must echo it; no echo within ``pong_timeout_s`` (60 s) closes the connection. Unsolicited
  pongs are allowed but keep nothing alive. However fast the clock runs, pings are at least
  ``min_ping_wall_s`` (0.25 s) of wall time apart (the timeout keeps its ratio to the ping),
  so a client's pongs never break the 5 messages/s rule;
- **lifetime**: a connection is closed after ``lifetime_s`` (24 h);
- **slow consumers**: past ``max_write_buffer`` bytes queued in the kernel / transport, the
  connection is dropped (bounded memory; the real exchange drops them too).

Keep-alive and lifetime are *simulated* seconds: they read the exchange's `SimClock`, so at
``speed=60`` a 20-second ping comes every third of a wall second. The message rate is counted
in wall time, because clients throttle by their wall clock.

Frames go out pre-built: the stream layer builds each event's text frame once and writes the
same bytes to every subscriber's transport (`text_frame`, `Conn.send`), bypassing per-message
work in aiohttp (compression is off, so frames are written whole, never interleaved).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import struct
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from aiohttp import WSMsgType, web

if TYPE_CHECKING:
    from .clock import SimClock
    from .limits import ServerLimits

__all__ = ["Conn", "ConnKind", "WsCore", "WsLimits", "ping_frame", "pong_frame", "text_frame"]

log = logging.getLogger("binance_async.sim")

ConnKind = Literal["stream", "api", "replay"]
_PACK_16 = struct.Struct("!BBH").pack
_PACK_64 = struct.Struct("!BBQ").pack


@dataclass(frozen=True, slots=True)
class WsLimits:
    """The WebSocket rules the local exchange enforces (defaults: the real exchange's)."""

    max_messages: int = 5
    message_window_s: float = 1.0
    max_streams: int = 1024
    max_connect_attempts: int = 300
    connect_window_s: float = 300.0
    ping_interval_s: float = 20.0
    pong_timeout_s: float = 60.0
    lifetime_s: float = 86_400.0
    max_write_buffer: int = 64 << 20
    #: wall seconds between two runs of the stream pump (and the keep-alive checks)
    pump_interval_s: float = 0.02
    #: fastest ping in *wall* seconds, whatever the clock speed (the client's pongs count as
    #: incoming messages: at speed 3600 a 20-second ping would otherwise come 180 times a second)
    min_ping_wall_s: float = 0.25
    max_message_size: int = 1 << 20

    def __post_init__(self) -> None:
        for name in ("message_window_s", "connect_window_s", "ping_interval_s",
                     "pong_timeout_s", "lifetime_s", "pump_interval_s"):  # fmt: skip
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be > 0")


def _frame(opcode: int, payload: bytes) -> bytes:
    n = len(payload)
    if n < 126:
        return bytes((opcode, n)) + payload
    if n < 65536:
        return _PACK_16(opcode, 126, n) + payload
    return _PACK_64(opcode, 127, n) + payload


def text_frame(payload: bytes) -> bytes:
    """A complete, unmasked server-to-client text frame carrying `payload` (UTF-8 JSON)."""
    n = len(payload)
    if n < 126:
        return bytes((0x81, n)) + payload
    return _frame(0x81, payload)


def ping_frame(payload: bytes) -> bytes:
    """A server-to-client ping frame (payload cut to 125 bytes)."""
    return _frame(0x89, payload[:125])


def pong_frame(payload: bytes) -> bytes:
    """A server-to-client pong frame (payload cut to 125 bytes)."""
    return _frame(0x8A, payload[:125])


class Conn:
    """One accepted WebSocket connection (any endpoint)."""

    __slots__ = (
        "bytes_out",
        "closed",
        "closing",
        "combined",
        "core",
        "created_ms",
        "frames_out",
        "id",
        "ip",
        "kind",
        "last_ping_ms",
        "msg_times",
        "path",
        "ping_payload",
        "ping_sent_ms",
        "protocol",
        "rate_limited",
        "stalled",
        "state",
        "streams",
        "transport",
        "ws",
    )

    def __init__(self, core: WsCore, conn_id: int, ws: web.WebSocketResponse,
                 request: web.Request, kind: ConnKind, now_ms: int) -> None:  # fmt: skip
        self.core = core
        self.id = conn_id
        self.ws = ws
        tr = request.transport
        self.transport = tr if isinstance(tr, asyncio.Transport) else None
        self.protocol: Any = request.protocol
        self.ip = request.remote or "unknown"
        self.path = request.path
        self.kind: ConnKind = kind
        self.rate_limited = kind != "api"
        self.created_ms = now_ms
        self.last_ping_ms = now_ms
        self.ping_sent_ms: int | None = None
        self.ping_payload = b""
        self.msg_times: deque[float] = deque()
        self.combined = False
        #: stream names this connection is subscribed to (insertion order = LIST_SUBSCRIPTIONS)
        self.streams: dict[str, None] = {}
        self.stalled = False
        self.closing = False
        self.closed = False
        self.frames_out = 0
        self.bytes_out = 0
        #: per-endpoint session state (the WebSocket API's logon, subscriptions...)
        self.state: Any = None

    # --- output -----------------------------------------------------------------------------------

    @property
    def writable(self) -> bool:
        """Whether `send` writes: not closed, closing or stalled."""
        return not (self.closed or self.stalled or self.closing)

    def send(self, data: bytes, frames: int = 1) -> None:
        """Write pre-built frame bytes (dropped while stalled or closing)."""
        if self.closed or self.stalled or self.closing:
            return
        tr = self.transport
        if tr is None or tr.is_closing():
            return
        tr.write(data)
        self.frames_out += frames
        self.bytes_out += len(data)
        if tr.get_write_buffer_size() > self.core.limits.max_write_buffer:
            log.warning("ws %s: slow consumer (%d bytes queued), dropped", self.id,
                        tr.get_write_buffer_size())  # fmt: skip
            self.core.slow_consumers += 1
            self.abort()

    def send_payload(self, payload: bytes) -> None:
        """Send ``payload`` (UTF-8 JSON) as one text frame."""
        self.send(text_frame(payload))

    def send_json(self, obj: Any) -> None:
        """Send ``obj`` as compact JSON in one text frame."""
        self.send(text_frame(json.dumps(obj, separators=(",", ":")).encode()))

    def buffered(self) -> int:
        """Bytes queued in the transport's write buffer (0 without a transport)."""
        tr = self.transport
        return 0 if tr is None else tr.get_write_buffer_size()

    async def drain(self, high_water: int) -> None:
        """Wait until at most `high_water` bytes are queued (or the connection is gone)."""
        while not self.closed and self.buffered() > high_water:
            helper = getattr(self.protocol, "_drain_helper", None)
            if helper is not None:
                try:
                    await helper()
                except (ConnectionError, RuntimeError):
                    return
                if self.buffered() > high_water:
                    await asyncio.sleep(0.0005)
            else:  # pragma: no cover - aiohttp without the helper
                await asyncio.sleep(0.0005)

    # --- closing ------------------------------------------------------------------------------

    def close(self, code: int = 1000, reason: str = "") -> None:
        """Close with a close frame (in the background; idempotent)."""
        if self.closed or self.closing:
            return
        self.closing = True
        self.core.spawn(self._close(code, reason))

    async def _close(self, code: int, reason: str) -> None:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.ws.close(code=code, message=reason.encode()), 2.0)
        self.abort()

    def abort(self) -> None:
        """Drop the TCP connection with no close frame."""
        self.closing = True
        tr = self.transport
        if tr is not None:
            tr.abort()

    def __repr__(self) -> str:
        return f"Conn({self.id}, {self.kind}, {self.path}, streams={len(self.streams)})"


OnOpen = Callable[[Conn, web.Request], None]
OnText = Callable[[Conn, str], Awaitable[None] | None]
OnClose = Callable[[Conn], None]


class WsCore:
    """The registry of live connections, their keep-alive, and the pump loop."""

    def __init__(self, clock: SimClock, limits: WsLimits | None = None,
                 server_limits: ServerLimits | None = None) -> None:  # fmt: skip
        self.clock = clock
        self.limits = limits or WsLimits()
        self.server_limits = server_limits
        self.conns: dict[int, Conn] = {}
        self._next_id = 1
        self._attempts: dict[str, deque[int]] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self._loop_task: asyncio.Task[None] | None = None
        #: called with the simulated time on every pump
        self.pumps: list[Callable[[int], None]] = []
        self.refused_429 = 0
        self.refused_418 = 0
        self.rate_closed = 0
        self.pong_timeouts = 0
        self.lifetime_closed = 0
        self.slow_consumers = 0
        self.accepted = 0

    # --- background work ------------------------------------------------------------------------

    def spawn(self, coro: Awaitable[Any]) -> asyncio.Task[Any]:
        """Run ``coro`` as a tracked task: `stop` waits for it (2.5 s at most), then cancels it."""
        task: asyncio.Task[Any] = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def start(self) -> None:
        """Start the pump loop (no-op when running)."""
        if self._loop_task is None:
            self._loop_task = asyncio.create_task(self._run(), name="binance_async.sim ws pump")

    async def stop(self) -> None:
        """Stop the pump and close every connection (close frame 1001, then abort)."""
        task, self._loop_task = self._loop_task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for conn in list(self.conns.values()):
            conn.close(1001, "server stopping")
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=2.5)
        for conn in list(self.conns.values()):
            conn.abort()
        for t in list(self._tasks):
            t.cancel()

    async def _run(self) -> None:
        interval = self.limits.pump_interval_s
        while True:
            try:
                self.pump_once()
            except Exception:
                log.exception("the local exchange's stream pump failed")
            await asyncio.sleep(interval)

    def pump_once(self) -> None:
        """One pump: run every pump at the simulated time, then `housekeeping`."""
        now = self.clock.now_ms()
        for pump in self.pumps:
            pump(now)
        self.housekeeping(now)

    # --- admission ------------------------------------------------------------------------------

    def admit(self, ip: str, now_ms: int) -> web.Response | None:
        """None, or the HTTP refusal of a connection attempt (418 banned, 429 too many)."""
        if self.server_limits is not None:
            from .errors import SimError

            try:
                self.server_limits.check_ban(ip, now_ms)
            except SimError as exc:
                self.refused_418 += 1
                return web.json_response(exc.to_json(), status=exc.http_status,
                                         headers=getattr(exc, "headers", None))  # fmt: skip
        lim = self.limits
        window = self._attempts.setdefault(ip, deque())
        start = now_ms - lim.connect_window_s * 1000
        while window and window[0] <= start:
            window.popleft()
        if len(window) >= lim.max_connect_attempts:
            self.refused_429 += 1
            retry = max(1, int((window[0] - start) / 1000) + 1)
            return web.json_response(
                {"code": -1003, "msg": f"Too many connection attempts; current limit is "
                 f"{lim.max_connect_attempts} per {lim.connect_window_s:g} seconds."},
                status=429, headers={"Retry-After": str(retry)})  # fmt: skip
        window.append(now_ms)
        return None

    async def serve(
        self,
        request: web.Request,
        kind: ConnKind,
        on_text: OnText,
        *,
        on_open: OnOpen | None = None,
        on_close: OnClose | None = None,
    ) -> web.StreamResponse:
        """Accept `request` as a WebSocket and run its read loop until it closes."""
        now = self.clock.now_ms()
        refusal = self.admit(request.remote or "unknown", now)
        if refusal is not None:
            return refusal
        ws = web.WebSocketResponse(autoping=False, autoclose=True, compress=False,
                                   max_msg_size=self.limits.max_message_size)  # fmt: skip
        await ws.prepare(request)
        conn = Conn(self, self._next_id, ws, request, kind, now)
        self._next_id += 1
        self.conns[conn.id] = conn
        self.accepted += 1
        loop_time = asyncio.get_running_loop().time
        try:
            if on_open is not None:
                on_open(conn, request)
            while not ws.closed:
                msg = await ws.receive()
                t = msg.type
                if t in (WSMsgType.CLOSE, WSMsgType.CLOSING, WSMsgType.CLOSED, WSMsgType.ERROR):
                    break
                if conn.rate_limited and not self._count_message(conn, loop_time()):
                    self.rate_closed += 1
                    conn.close(1008, "Too many requests")
                    continue
                if conn.closing:
                    continue
                if t == WSMsgType.PING:
                    if not conn.stalled:
                        conn.send(pong_frame(msg.data), 0)
                elif t == WSMsgType.PONG:
                    if conn.ping_sent_ms is not None and msg.data == conn.ping_payload:
                        conn.ping_sent_ms = None
                elif t in (WSMsgType.TEXT, WSMsgType.BINARY):
                    data = msg.data
                    text = data if isinstance(data, str) else bytes(data).decode("utf-8", "replace")
                    res = on_text(conn, text)
                    if res is not None:
                        await res
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("ws %s (%s) failed", conn.id, conn.path)
        finally:
            conn.closed = True
            self.conns.pop(conn.id, None)
            if on_close is not None:
                try:
                    on_close(conn)
                except Exception:
                    log.exception("ws %s: on_close failed", conn.id)
        return ws

    def _count_message(self, conn: Conn, now: float) -> bool:
        lim = self.limits
        times = conn.msg_times
        start = now - lim.message_window_s
        while times and times[0] <= start:
            times.popleft()
        times.append(now)
        return len(times) <= lim.max_messages

    # --- keep-alive and lifetime --------------------------------------------------------------

    def housekeeping(self, now_ms: int) -> None:
        """Close connections past their lifetime or pong timeout; send the pings that are due."""
        lim = self.limits
        floor = lim.min_ping_wall_s * self.clock.speed
        ping_ms = max(lim.ping_interval_s, floor) * 1000
        pong_ms = max(lim.pong_timeout_s, floor * lim.pong_timeout_s / lim.ping_interval_s) * 1000
        life_ms = lim.lifetime_s * 1000
        for conn in list(self.conns.values()):
            if conn.closing or conn.closed or conn.stalled:
                continue
            if now_ms - conn.created_ms >= life_ms:
                self.lifetime_closed += 1
                conn.close(1000, "connection lifetime reached")
                continue
            if conn.ping_sent_ms is not None and now_ms - conn.ping_sent_ms > pong_ms:
                self.pong_timeouts += 1
                conn.close(1008, "pong timeout")
                continue
            if now_ms - conn.last_ping_ms >= ping_ms:
                conn.last_ping_ms = now_ms
                payload = str(now_ms).encode()
                if conn.ping_sent_ms is None:
                    conn.ping_sent_ms = now_ms
                    conn.ping_payload = payload
                else:
                    payload = conn.ping_payload  # keep asking for the outstanding echo
                conn.send(ping_frame(payload), 0)

    # --- selection ------------------------------------------------------------------------------

    def select(self, kind: str | None = None, path: str | None = None) -> list[Conn]:
        """Live connections, optionally of one kind (stream/api/replay) or path prefix."""
        return [
            c
            for c in self.conns.values()
            if not c.closed
            and (kind is None or c.kind == kind)
            and (path is None or c.path.startswith(path))
        ]

    def statistics(self) -> dict[str, int]:
        """Counters: open connections, admissions, refusals and closes by reason."""
        return {
            "connections": len(self.conns),
            "accepted": self.accepted,
            "refused_429": self.refused_429,
            "refused_418": self.refused_418,
            "closed_rate": self.rate_closed,
            "closed_pong_timeout": self.pong_timeouts,
            "closed_lifetime": self.lifetime_closed,
            "slow_consumers": self.slow_consumers,
            "frames_out_open": sum(c.frames_out for c in self.conns.values()),
        }
