"""One WebSocket connection of the stream multiplexer (the I/O half of `StreamProtocol`).

A `WsConnection` performs what the sans-I/O core asks for one ``conn_id``: it opens the socket
(``websockets`` asyncio client, with its own keepalive pings disabled: ``ping_interval=None``,
the core answers the server's pings and counts every outgoing frame), reads frames as bytes
and hands them to the owner, and sends queued control frames. It never decides anything:
reconnects, backoff, throttling and rotation stay in the core.

websockets answers a server ping by itself (its protocol layer writes the pong at once); the
connection reports every ping to the owner (``on_ping``), which feeds
`StreamProtocol.receive_ping` so the core counts that pong in its 5-messages-per-second
throttle and refreshes liveness; the core's resulting `Pong` action is then a no-op.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from typing import Any, Final

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI
from websockets.frames import Frame, Opcode

__all__ = ["WsConnection"]

_CLOSE: Final = object()
_CONT: Final = Opcode.CONT


def supports_direct_mode(queued: object) -> bool:
    """Direct mode reads websockets' internal message-queue state; without it, recv() only."""
    return all(hasattr(queued, a) for a in ("frames", "closed", "get_in_progress"))


class _PingAwareConnection(ClientConnection):
    """A `ClientConnection` that reports incoming pings (websockets already answers them) and,
    while ``sink`` is set, hands complete data frames to it at once, as they are parsed
    (skipping websockets' message queue and a ``recv()`` per frame)."""

    on_ping: Callable[[bytes], None] | None = None
    sink: Callable[[bytes], None] | None = None
    on_lost: Callable[[], None] | None = None

    def process_event(self, event: Any) -> None:
        if isinstance(event, Frame):
            op = event.opcode
            sink = self.sink
            if sink is not None and (op is Opcode.TEXT or op is Opcode.BINARY or op is _CONT):
                if event.fin and op is not _CONT:
                    data = event.data
                    sink(data if type(data) is bytes else bytes(data))
                    return
                self.sink = None  # a fragmented message: the reader assembles it with recv()
                if self.on_lost is not None:
                    self.on_lost()
            elif op is Opcode.PING and self.on_ping is not None:
                self.on_ping(bytes(event.data))
        super().process_event(event)

    def connection_lost(self, exc: Exception | None) -> None:
        super().connection_lost(exc)
        if self.on_lost is not None:
            self.on_lost()


class WsConnection:
    """One socket: `run` connects, then reads until closed; `send` / `close` are sync."""

    def __init__(
        self,
        conn_id: int,
        url: str,
        *,
        on_open: Callable[[WsConnection], None],
        on_frame: Callable[[WsConnection, bytes], Awaitable[None] | None],
        on_ping: Callable[[WsConnection, bytes], None],
        on_closed: Callable[[WsConnection, str, bool], None],
        open_timeout: float = 10.0,
        close_timeout: float = 2.0,
        max_size: int | None = 16 << 20,
    ) -> None:
        self.conn_id = conn_id
        self.url = url
        self._on_open = on_open
        self._on_frame = on_frame
        self._on_ping = on_ping
        self._on_closed = on_closed
        self._open_timeout = open_timeout
        self._close_timeout = close_timeout
        self._max_size = max_size
        self._outbox: asyncio.Queue[Any] = asyncio.Queue()
        self._ws: _PingAwareConnection | None = None
        self.close_code: int | None = None
        self.abandoned = False  # the core forgot this connection (Close while connecting)
        self.frames = 0
        self.bytes = 0
        self.sent = 0
        self.opened_ns: int | None = None
        self._wake: asyncio.Future[None] | None = None  # the reader waits here in direct mode
        self._pending: Awaitable[None] | None = None  # room to wait for before reading on
        self._error: BaseException | None = None

    # -- called by the owner (sync) ----------------------------------------------------------

    def send(self, payload: bytes) -> None:
        self._outbox.put_nowait(payload)

    def close(self, code: int, reason: str) -> None:
        """Close gracefully (1000) or abort the socket (any other code: stale, gone)."""
        self.close_code = code
        ws = self._ws
        if code != 1000 and ws is not None and ws.transport is not None:
            ws.transport.abort()
            return
        self._outbox.put_nowait((_CLOSE, code, reason))

    # -- the task --------------------------------------------------------------------------

    async def run(self) -> None:
        try:
            ws = await connect(
                self.url,
                ping_interval=None,
                open_timeout=self._open_timeout,
                close_timeout=self._close_timeout,
                max_size=self._max_size,
                compression=None,
                create_connection=_PingAwareConnection,
            )
        except (OSError, TimeoutError, InvalidHandshake, InvalidURI, ConnectionClosed) as exc:
            self._on_closed(self, f"connect failed: {type(exc).__name__}: {exc}", False)
            return
        assert isinstance(ws, _PingAwareConnection)
        self._ws = ws
        ws.on_ping = self._ping
        self.opened_ns = time.time_ns()
        reason = "closed"
        try:
            self._on_open(self)
            async with asyncio.TaskGroup() as tg:
                writer = tg.create_task(self._write(ws))
                try:
                    reason = await self._read(ws)
                finally:
                    writer.cancel()
        finally:
            ws.transport.abort() if ws.transport is not None else None
            self._ws = None
            self._on_closed(self, reason, True)

    def _ping(self, payload: bytes) -> None:
        self._on_ping(self, payload)

    def _wakeup(self) -> None:
        fut = self._wake
        if fut is not None and not fut.done():
            fut.set_result(None)

    def _direct(self, data: bytes) -> None:
        """A data frame parsed by websockets (direct mode: called inside ``data_received``)."""
        self.frames += 1
        self.bytes += len(data)
        try:
            pending = self._on_frame(self, data)
        except BaseException as exc:  # re-raised by the reader task
            self._error = exc
            pending = None
        if pending is not None or self._error is not None:
            ws = self._ws
            if ws is not None:
                ws.sink = None  # later frames queue in websockets (its flow control applies)
            self._pending = pending
            self._wakeup()

    async def _read(self, ws: _PingAwareConnection) -> str:
        """Deliver frames: directly from the protocol callbacks (no per-frame task switch)
        while the owner keeps up, through ``recv()`` while it asks the reader to wait or
        frames are queued in websockets (so order is kept)."""
        on_frame = self._on_frame
        queued = ws.recv_messages
        direct = supports_direct_mode(queued)
        loop = asyncio.get_running_loop()
        ws.on_lost = self._wakeup
        try:
            while True:
                if self._error is not None:
                    err, self._error = self._error, None
                    raise err
                pending, self._pending = self._pending, None
                if pending is not None:
                    await pending
                if not direct or len(queued.frames) or queued.closed or queued.get_in_progress:
                    data = await ws.recv(decode=False)
                    self.frames += 1
                    self.bytes += len(data)
                    pending = on_frame(self, data)
                    if pending is not None:
                        await pending
                    continue
                self._wake = loop.create_future()
                ws.sink = self._direct
                try:
                    await self._wake
                finally:
                    ws.sink = None
                    self._wake = None
        except ConnectionClosed as exc:
            rcvd = exc.rcvd
            if rcvd is None:
                return "abnormal closure (no close frame)"
            return f"closed by server: {rcvd.code} {rcvd.reason}".rstrip()
        finally:
            ws.on_lost = None

    async def _write(self, ws: _PingAwareConnection) -> None:
        while True:
            item = await self._outbox.get()
            if isinstance(item, tuple) and item and item[0] is _CLOSE:
                with contextlib.suppress(ConnectionClosed):
                    await ws.close(item[1], item[2])
                return
            try:
                await ws.send(item.decode())
            except ConnectionClosed:
                return
            self.sent += 1
