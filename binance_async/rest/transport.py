"""The one seam between the REST session and the network.

`Transport.send(HttpRequest) -> HttpResponse` is all the session needs. `AiohttpTransport`
is the real one; `MockTransport` answers from a function, so tests swap the network without
patching internals. Transport failures are raised as `binance_async.errors.TransportError`
subclasses whose messages never contain the query string (it carries the signature).
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

import aiohttp
from yarl import URL

from ..errors import ConnectError, RequestTimeout, TransportError

__all__ = ["AiohttpTransport", "HttpRequest", "HttpResponse", "MockTransport", "Transport"]


@dataclass(frozen=True, slots=True)
class HttpRequest:
    """One HTTP request, fully encoded: `url` already carries the percent-encoded query."""

    method: str
    url: str
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes | None = None
    timeout: float = 10.0

    @property
    def path(self) -> str:
        """The URL's path, without the query string."""
        return URL(self.url, encoded=True).path

    @property
    def query_string(self) -> str:
        """The raw (encoded) query string."""
        return URL(self.url, encoded=True).raw_query_string

    def __repr__(self) -> str:
        return f"HttpRequest({self.method} {self.path})"


@dataclass(frozen=True, slots=True)
class HttpResponse:
    """Status, headers (case-insensitive lookups where the transport provides them) and body."""

    status: int
    headers: Mapping[str, str]
    body: bytes


class Transport(Protocol):
    """Sends requests. Implementations raise `TransportError` subclasses on network failure."""

    async def send(self, request: HttpRequest) -> HttpResponse:
        """Send ``request`` and return the response; `TransportError` on a network failure."""

    async def close(self) -> None:
        """Release the transport's resources (the session calls it when it closes)."""


class AiohttpTransport:
    """The network transport: one `aiohttp.ClientSession`, created on first use."""

    def __init__(self, session: aiohttp.ClientSession | None = None, *, limit: int = 100) -> None:
        self._session = session
        self._owns_session = session is None
        self._limit = limit
        self._timeouts: dict[float, aiohttp.ClientTimeout] = {}

    @property
    def closed(self) -> bool:
        """Whether the underlying session is closed (or was never opened)."""
        return self._session is None or self._session.closed

    def _get_session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._limit, ttl_dns_cache=300)
            self._session = aiohttp.ClientSession(connector=connector, raise_for_status=False)
            self._owns_session = True
        return self._session

    async def send(self, request: HttpRequest) -> HttpResponse:
        """Send one request and read the whole body."""
        session = self._get_session()
        timeout = self._timeouts.get(request.timeout)
        if timeout is None:
            timeout = self._timeouts[request.timeout] = aiohttp.ClientTimeout(total=request.timeout)
        try:
            async with session.request(
                request.method,
                URL(request.url, encoded=True),
                headers=request.headers,
                data=request.body,
                timeout=timeout,
                allow_redirects=False,
            ) as resp:
                body = await resp.read()
                return HttpResponse(resp.status, resp.headers, body)
        except (TimeoutError, aiohttp.ServerTimeoutError):
            where = f"{request.method} {request.path}"
            raise RequestTimeout(f"{where}: no response within {request.timeout:g} s") from None
        except aiohttp.ClientConnectionError as exc:
            where = f"{request.method} {request.path}"
            raise ConnectError(f"{where}: connection failed ({type(exc).__name__})") from None
        except aiohttp.ClientError as exc:
            where = f"{request.method} {request.path}"
            raise TransportError(f"{where}: {type(exc).__name__}") from None

    async def close(self) -> None:
        """Close the session if this transport created it."""
        if self._session is not None and self._owns_session and not self._session.closed:
            await self._session.close()


Handler = Callable[[HttpRequest], HttpResponse | Awaitable[HttpResponse]]


class MockTransport:
    """A transport that answers every request with `handler(request)` (sync or async).

    Records the requests it saw in `requests`. The handler may raise `TransportError`
    subclasses to simulate network failures.
    """

    def __init__(self, handler: Handler) -> None:
        self._handler = handler
        self.requests: list[HttpRequest] = []
        self.closed = False

    async def send(self, request: HttpRequest) -> HttpResponse:
        """Record the request and return the handler's answer."""
        self.requests.append(request)
        result = self._handler(request)
        if inspect.isawaitable(result):
            result = await result
        await asyncio.sleep(0)
        return result

    async def close(self) -> None:
        """Mark the transport closed."""
        self.closed = True
