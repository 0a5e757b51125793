"""The stream connection's frame scanner (`binance_async.streams.connection`): plain text frames
cut out of each read, partial frames carried over, every other frame left to websockets, and
the hand-over from websockets' parser resting mid-frame. A raw TCP server writes crafted
frames in chosen chunks."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import struct
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from binance_async.streams.connection import WsConnection

_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def frame(payload: bytes, opcode: int = 1, fin: bool = True) -> bytes:
    """An unmasked server frame (7-, 16- or 64-bit length)."""
    head = bytes([(0x80 if fin else 0) | opcode])
    n = len(payload)
    if n < 126:
        head += bytes([n])
    elif n < 1 << 16:
        head += bytes([126]) + struct.pack("!H", n)
    else:
        head += bytes([127]) + struct.pack("!Q", n)
    return head + payload


def close_frame(code: int = 1000, reason: bytes = b"bye") -> bytes:
    return frame(struct.pack("!H", code) + reason, opcode=8)


@asynccontextmanager
async def raw_server(chunks: list[bytes], *, first: bytes = b"") -> AsyncIterator[str]:
    """Accept one WebSocket client, answer the handshake (``first`` in the same write), then
    write ``chunks`` one by one with a pause between them (one read each on the client)."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        request = await reader.readuntil(b"\r\n\r\n")
        key = next(
            line.split(b":", 1)[1].strip()
            for line in request.split(b"\r\n")
            if line.lower().startswith(b"sec-websocket-key:")
        )
        accept = base64.b64encode(hashlib.sha1(key + _GUID).digest())
        writer.write(
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
            b"Connection: Upgrade\r\nSec-WebSocket-Accept: " + accept + b"\r\n\r\n" + first
        )
        await writer.drain()
        for chunk in chunks:
            await asyncio.sleep(0.05)
            writer.write(chunk)
            await writer.drain()
        try:  # the client's close reply (or its own close), then close the TCP connection
            async with asyncio.timeout(1):
                while await reader.read(4096):
                    pass
        except TimeoutError:
            pass
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"ws://127.0.0.1:{port}/"
    finally:
        server.close()


class Recorder:
    def __init__(self) -> None:
        self.frames: list[bytes] = []
        self.batches: list[int] = []
        self.pings: list[bytes] = []
        self.closed = asyncio.Event()
        self.reason = ""

    def on_frame(self, conn: WsConnection, data: bytes) -> None:
        self.frames.append(data)

    def on_frames(self, conn: WsConnection, frames: list[bytes]) -> tuple[int, Any]:
        self.batches.append(len(frames))
        self.frames.extend(frames)
        return len(frames), None

    def on_closed(self, conn: WsConnection, reason: str, was_open: bool) -> None:
        self.reason = reason
        self.closed.set()


async def run(url: str, rec: Recorder, max_size: int | None = 16 << 20) -> WsConnection:
    conn = WsConnection(
        1,
        url,
        on_open=lambda c: None,
        on_frame=rec.on_frame,
        on_frames=rec.on_frames,
        on_ping=lambda c, p: rec.pings.append(p),
        on_closed=rec.on_closed,
        max_size=max_size,
    )
    task = asyncio.create_task(conn.run())
    async with asyncio.timeout(5):
        await rec.closed.wait()
    await task
    return conn


async def test_frames_split_across_reads_pings_fragments_and_close() -> None:
    a, b, c = b'{"a":1}', b'{"b":2}', b'{"c":"' + b"x" * 300 + b'"}'  # c: 16-bit length
    d, e = b'{"d":4}', b'{"e":"' + b"y" * 70_000 + b'"}'  # e: 64-bit length
    g = b'{"g":7}'
    fc, fe = frame(c), frame(e)
    chunks = [
        frame(a) + frame(b) + fc[:3],  # c's extended length cut in half
        fc[3:100],
        fc[100:] + frame(b"ping!", opcode=9) + frame(d) + fe[:5],
        fe[5:],
        frame(b'{"f":', fin=False) + frame(b"6}", opcode=0) + frame(g),  # fragmented f
        frame(b"1", opcode=1)[:1],  # a lone header byte, completed next
        frame(b"1", opcode=1)[1:] + close_frame(),
    ]
    rec = Recorder()
    async with raw_server(chunks) as url:
        conn = await run(url, rec)
    assert rec.frames == [a, b, c, d, e, b'{"f":6}', g, b"1"]
    assert rec.pings == [b"ping!"]
    assert rec.reason == "closed by server: 1000 bye"
    assert conn.frames == 8
    assert conn.bytes == sum(len(x) for x in rec.frames)


async def test_hand_over_from_websockets_parser_mid_frame() -> None:
    """Frames arriving with the handshake response are parsed by websockets before the reader
    starts; it then rests mid-frame, and the scanner takes over after that frame."""
    big = b'{"big":"' + b"z" * 5000 + b'"}'
    fb = frame(big)
    first = frame(b'{"n":0}') + fb[:1000]
    chunks = [fb[1000:] + frame(b'{"n":1}') + frame(b'{"n":2}'), close_frame()]
    rec = Recorder()
    async with raw_server(chunks, first=first) as url:
        await run(url, rec)
    assert rec.frames == [b'{"n":0}', big, b'{"n":1}', b'{"n":2}']
    assert rec.reason == "closed by server: 1000 bye"


async def test_frame_over_max_size_goes_to_websockets_which_fails_the_connection() -> None:
    chunks = [frame(b'{"ok":1}') + frame(b"x" * 2000) + frame(b'{"never":1}')]
    rec = Recorder()
    async with raw_server(chunks) as url:
        await run(url, rec, max_size=1000)
    assert rec.frames == [b'{"ok":1}']
    assert rec.closed.is_set()


async def test_masked_or_binary_frames_are_left_to_websockets() -> None:
    masked = bytes([0x81, 0x80 | 3]) + b"\x00\x00\x00\x00" + b"abc"  # a masked server frame
    chunks = [frame(b"bin", opcode=2) + frame(b'{"t":1}'), masked + frame(b'{"never":1}')]
    rec = Recorder()
    async with raw_server(chunks) as url:
        await run(url, rec)
    assert rec.frames == [b"bin", b'{"t":1}']  # websockets fails the connection on the mask
