"""WebSocket helpers for the local exchange tests: plain aiohttp clients, JSON in and out."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp


async def next_json(ws: aiohttp.ClientWebSocketResponse, wait: float = 5.0) -> Any:
    """The next text frame as JSON (pings answered by aiohttp when autoping is on)."""
    while True:
        msg = await ws.receive(timeout=wait)
        if msg.type == aiohttp.WSMsgType.TEXT:
            return json.loads(msg.data)
        if msg.type in (aiohttp.WSMsgType.PING, aiohttp.WSMsgType.PONG):
            continue
        raise AssertionError(f"expected a text frame, got {msg.type} {msg.data!r} {msg.extra!r}")


async def reply_to(ws: aiohttp.ClientWebSocketResponse, request: Any, wait: float = 5.0,
                   ) -> Any:  # fmt: skip
    """Send a control message (a dict, or raw text) and return its reply, skipping events."""
    await ws.send_str(request if isinstance(request, str) else json.dumps(request))
    while True:
        data = await next_json(ws, wait)
        is_reply = "result" in data or "error" in data
        if isinstance(data, dict) and is_reply and "stream" not in data:
            return data


async def collect(ws: aiohttp.ClientWebSocketResponse, seconds: float) -> list[Any]:
    """Every JSON frame received within `seconds` (after a timeout aiohttp marks the socket
    closed: use this last)."""
    out: list[Any] = []
    loop = asyncio.get_running_loop()
    end = loop.time() + seconds
    while (left := end - loop.time()) > 0:
        try:
            msg = await ws.receive(timeout=left)
        except TimeoutError:
            break
        if msg.type == aiohttp.WSMsgType.TEXT:
            out.append(json.loads(msg.data))
        elif msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED,
                          aiohttp.WSMsgType.CLOSING, aiohttp.WSMsgType.ERROR):  # fmt: skip
            break
    return out


async def wait_closed(ws: aiohttp.ClientWebSocketResponse, wait: float = 5.0
                      ) -> aiohttp.WSMessage:  # fmt: skip
    """Read until the server closes; returns the close message (type CLOSE / CLOSED)."""
    loop = asyncio.get_running_loop()
    end = loop.time() + wait
    while True:
        left = end - loop.time()
        if left <= 0:
            raise AssertionError("the server did not close the connection")
        msg = await ws.receive(timeout=left)
        if msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED,
                        aiohttp.WSMsgType.CLOSING, aiohttp.WSMsgType.ERROR):  # fmt: skip
            return msg
