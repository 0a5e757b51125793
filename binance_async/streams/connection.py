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

Reading (direct mode, while the owner keeps up): each chunk read from the socket becomes one
list of frames handed to the owner's ``on_frames`` inside ``data_received`` (no ``recv()``, no
task switch per frame). Plain frames (FIN text, unmasked, no RSV bit, within ``max_size``: all
Binance market data) are cut out of the chunk here; any other frame, and the rest of that
chunk, goes through websockets' own parser, which is only ever given whole frames (so pings,
pongs, close, fragments, protocol errors and limits behave exactly as in websockets). This
skips websockets' generator-based frame parser, the largest single per-frame cost of a fast
stream in the profile (benchmarks/stream_throughput.py). When the owner asks the reader to
wait (a full ``"wait"`` queue), or websockets' internals are not the expected ones (14.x-17.x),
frames go through websockets' message queue and ``recv()`` instead, in order.
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
from websockets.protocol import State
from websockets.streams import StreamReader

__all__ = ["WsConnection"]

_CLOSE: Final = object()
_CONT: Final = Opcode.CONT
_TEXT: Final = Opcode.TEXT
_OPEN: Final = State.OPEN
_AT_EOF: Final = getattr(StreamReader.at_eof, "__code__", None)
_READ_EXACT: Final = getattr(StreamReader.read_exact, "__code__", None)
_FRAME_PARSE: Final = getattr(getattr(Frame.parse, "__func__", None), "__code__", None)


def supports_direct_mode(queued: object) -> bool:
    """Direct mode reads websockets' internal message-queue state (and replaces its
    ``Connection.data_received``, same in 14.x-17.x); without it, recv() only."""
    return all(hasattr(queued, a) for a in ("frames", "closed", "get_in_progress"))


def _waiting(protocol: Any) -> list[Any]:
    """websockets' parser generator and those it waits in (``yield from``), outermost first."""
    stack = [protocol.parser]
    while len(stack) < 8:
        inner = getattr(stack[-1], "gi_yieldfrom", None)
        if inner is None:
            break
        stack.append(inner)
    return stack


class _PingAwareConnection(ClientConnection):
    """A `ClientConnection` that reports incoming pings (websockets already answers them) and,
    while ``sink`` is set, hands the complete text frames of each chunk of received data to it
    as one list, at once (skipping websockets' message queue and a ``recv()`` per frame).
    ``sink`` returns how many it consumed; the rest, and everything after the sink is unset,
    goes through websockets' message queue in order.

    Frame scanning: while websockets' parser rests between frames, a chunk's leading run of
    plain frames (FIN text, unmasked, no RSV bit, within ``max_size``) is cut out here, and a
    partial one at its end kept (``_tail``) until the next chunk completes it; the first other
    frame (ping, close, fragment, anything unusual) and everything after it in that chunk go
    to websockets' parser, whole frames only, so it never sees a frame half cut. Otherwise
    websockets parses and its complete text frames are batched the same way."""

    on_ping: Callable[[bytes], None] | None = None
    sink: Callable[[list[bytes]], int] | None = None
    on_lost: Callable[[], None] | None = None
    _tail: bytes = b""

    def data_received(self, data: bytes) -> None:
        if self.sink is None:
            tail = self._tail
            if tail:  # websockets resumes where the scanner stopped: at a frame boundary
                self._tail = b""
                data = tail + data
            super().data_received(data)
        elif self._tail or self._between_frames():
            self._scan(data)
        else:
            pos = self._catch_up(data)
            if pos == -1:
                self._parse(data)  # websockets keeps parsing this chunk
            elif pos >= 0:  # websockets rests between frames: the rest as a new chunk
                self.data_received(data[pos:])

    def eof_received(self) -> None:
        tail = self._tail
        if tail:  # let websockets see the truncated frame
            self._tail = b""
            super().data_received(tail)
        return super().eof_received()

    def _between_frames(self) -> bool:
        """websockets' parser waits for the first byte of a frame, with nothing buffered."""
        p = self.protocol
        if p.state is not _OPEN or p.current_size is not None or p.reader.buffer:
            return False
        return _AT_EOF is not None and getattr(_waiting(p)[-1], "gi_code", None) is _AT_EOF

    def _catch_up(self, data: bytes) -> int:
        """Feed websockets' parser, resting mid-frame, the bytes that complete that frame, one
        ``read_exact`` step at a time (header, length, payload): the offset in ``data`` where
        it then rests between frames; -1 if nothing was fed (too few bytes, or a parser state
        this cannot read); -2 if websockets was given the whole chunk after all."""
        if _FRAME_PARSE is None or _READ_EXACT is None:
            return -1
        p = self.protocol
        pos = 0
        for _ in range(4):
            if pos and self._between_frames():
                return pos
            if self.sink is None or p.state is not _OPEN or p.current_size is not None:
                break
            stack = _waiting(p)
            read = stack[-1]
            if len(stack) < 2 or getattr(stack[-2], "gi_code", None) is not _FRAME_PARSE:
                break
            if getattr(read, "gi_code", None) is not _READ_EXACT:
                break
            want = read.gi_frame.f_locals.get("n")
            if type(want) is not int:
                break
            need = want - len(p.reader.buffer)
            if need <= 0 or pos + need > len(data):
                break
            self._parse(data[pos : pos + need])
            pos += need
        else:
            if self._between_frames():
                return pos
        return self._rest(data, pos) if pos else -1

    def _rest(self, data: bytes, pos: int) -> int:
        """Part of ``data`` went to websockets already: it parses the rest too (-2: done)."""
        if self.sink is None:
            super().data_received(data[pos:])
        else:
            self._parse(data[pos:])
        return -2

    def _scan(self, data: bytes) -> None:
        tail = self._tail
        buf = tail + data if tail else data
        self._tail = b""
        p = self.protocol
        limit = p.max_message_size
        if p.max_fragment_size is not None and (limit is None or p.max_fragment_size < limit):
            limit = p.max_fragment_size
        if limit is None:
            limit = 1 << 63
        n = len(buf)
        pos = 0
        other = p.state is not _OPEN
        batch: list[bytes] = []
        while not other and n - pos >= 2:
            if buf[pos] != 0x81:  # not FIN + text, or RSV bits
                other = True
                break
            size = buf[pos + 1]
            if size < 126:
                start = pos + 2
            elif size == 126:
                start = pos + 4
                if start > n:
                    break
                size = (buf[pos + 2] << 8) | buf[pos + 3]
            elif size == 127:
                start = pos + 10
                if start > n:
                    break
                size = int.from_bytes(buf[pos + 2 : start], "big")
            else:  # masked by the server: websockets fails the connection
                other = True
                break
            if size > limit:
                other = True
                break
            end = start + size
            if end > n:
                break
            batch.append(buf[start:end])
            pos = end
        if batch:
            self._flush(batch, _TEXT)
        if pos < n:
            rest = buf[pos:] if pos else buf
            if self.sink is None:
                super().data_received(rest)
            elif other:
                self._parse(rest)
            else:
                self._tail = rest

    def _parse(self, data: bytes) -> None:
        # websockets' Connection.data_received (14.x-17.x), with the frames batched
        protocol = self.protocol
        protocol.receive_data(data)
        events = protocol.events_received()
        try:
            self.send_data()
        except Exception as exc:
            if self.debug:
                self.logger.debug("! error while sending data", exc_info=True)
            self.set_connection_exc(exc)
        if (
            protocol.close_expected()
            and self.close_deadline is None
            and self.close_timeout is not None
        ):
            self.close_deadline = self.loop.time() + self.close_timeout
        batch: list[bytes] = []
        direct = True
        for event in events:
            if direct and type(event) is Frame and event.opcode is _TEXT and event.fin:
                payload = event.data
                batch.append(payload if type(payload) is bytes else bytes(payload))
                continue
            if batch:
                self._flush(batch, _TEXT)
                batch = []
            self.process_event(event)
            direct = self.sink is not None
        if batch:
            self._flush(batch, _TEXT)

    def _flush(self, batch: list[bytes], opcode: Opcode) -> None:
        sink = self.sink
        taken = 0 if sink is None else sink(batch)
        for payload in batch[taken:]:  # the sink stopped: queue the rest, in order
            super().process_event(Frame(opcode, payload))

    def process_event(self, event: Any) -> None:
        if isinstance(event, Frame):
            op = event.opcode
            if self.sink is not None and (op is _TEXT or op is Opcode.BINARY or op is _CONT):
                if event.fin and op is not _CONT:
                    data = event.data
                    self._flush([data if type(data) is bytes else bytes(data)], op)
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
        on_frames: Callable[[WsConnection, list[bytes]], tuple[int, Awaitable[None] | None]],
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
        self._on_frames = on_frames
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
        """Queue one text frame (sent in order by the writer task)."""
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
        """Connect, read until the socket closes, then report the reason to ``on_closed``."""
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

    def _direct(self, frames: list[bytes]) -> int:
        """Data frames parsed by websockets from one read (direct mode: called inside
        ``data_received``); returns how many the owner consumed."""
        try:
            taken, pending = self._on_frames(self, frames)
        except BaseException as exc:  # re-raised by the reader task
            self._error = exc
            taken, pending = len(frames), None
        self.frames += taken
        self.bytes += sum(map(len, frames if taken == len(frames) else frames[:taken]))
        if pending is not None or self._error is not None:
            ws = self._ws
            if ws is not None:
                ws.sink = None  # later frames queue in websockets (its flow control applies)
            self._pending = pending
            self._wakeup()
        return taken

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
