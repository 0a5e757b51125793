"""A tiny Binance-like aiohttp server on 127.0.0.1 for session tests.

Each test installs handlers per (method, path); every request is recorded with its raw query
string, so tests can check the exact bytes sent and verify signatures like the exchange does.
"""

from __future__ import annotations

import base64
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa

from binance_async.auth import HmacSigner


@dataclass
class Seen:
    """One request as the server received it."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes

    def param(self, name: str) -> str | None:
        for pair in self.query.split("&"):
            key, _, value = pair.partition("=")
            if key == name:
                return value
        return None

    def signed_payload(self) -> str:
        """Query string without the trailing signature, plus the body (as Binance signs)."""
        query = self.query
        head, sep, _sig = query.rpartition("&signature=")
        return (head if sep else query) + self.body.decode()


Handler = Callable[[Seen], Awaitable[web.StreamResponse] | web.StreamResponse]


@dataclass
class FakeBinance:
    """State of the fake server: time offset, handlers, recorded requests."""

    time_offset_ms: int = 0
    handlers: dict[tuple[str, str], Handler] = field(default_factory=dict)
    seen: list[Seen] = field(default_factory=list)
    base_url: str = ""

    def route(self, method: str, path: str, handler: Handler) -> None:
        self.handlers[(method, path)] = handler

    def calls(self, path: str) -> list[Seen]:
        return [s for s in self.seen if s.path == path]

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        seen = Seen(
            request.method,
            request.path,
            request.raw_path.partition("?")[2],
            dict(request.headers),
            await request.read(),
        )
        self.seen.append(seen)
        handler = self.handlers.get((request.method, request.path))
        if handler is None and request.path == "/api/v3/time":
            now = int(time.time() * 1000) + self.time_offset_ms
            return web.json_response({"serverTime": now})
        if handler is None:
            return web.json_response({})
        result = handler(seen)
        if isinstance(result, web.StreamResponse):
            return result
        return await result


def verify_hmac(seen: Seen, secret: str) -> bool:
    """True if the request's signature is the HMAC of its query string plus body."""
    return seen.param("signature") == HmacSigner(secret).sign(seen.signed_payload())


def verify_asymmetric(seen: Seen, public_key: rsa.RSAPublicKey | ed25519.Ed25519PublicKey) -> bool:
    """True if the (percent-encoded base64) signature verifies with the public key."""
    from urllib.parse import unquote

    raw = base64.b64decode(unquote(seen.param("signature") or ""))
    payload = seen.signed_payload().encode()
    try:
        if isinstance(public_key, rsa.RSAPublicKey):
            public_key.verify(raw, payload, padding.PKCS1v15(), hashes.SHA256())
        else:
            public_key.verify(raw, payload)
    except Exception:
        return False
    return True


def error(status: int, code: int, msg: str, headers: dict[str, str] | None = None) -> web.Response:
    """A Binance error response."""
    return web.json_response({"code": code, "msg": msg}, status=status, headers=headers)


@asynccontextmanager
async def serve() -> AsyncIterator[FakeBinance]:
    """Run a FakeBinance on 127.0.0.1 (random port) for the duration of the block."""
    fake = FakeBinance()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", fake._dispatch)
    server = TestServer(app, host="127.0.0.1", port=0)
    await server.start_server()
    fake.base_url = str(server.make_url("")).rstrip("/")
    try:
        yield fake
    finally:
        await server.close()


def json_handler(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Handler:
    """A handler that always answers with `data` as JSON."""

    def handler(_: Seen) -> web.Response:
        return web.json_response(data, status=status, headers=headers)

    return handler
