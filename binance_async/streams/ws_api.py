"""`WsApiClient`: the Binance WebSocket API (``/ws-api/v3``) over one connection.

::

    async with WsApiClient(client.ws_api_url, api_key=key, signer=signer,
                           limiter=client.limiter, clock=client.clock) as ws:
        await ws.ping()
        order = await ws.order_place(symbol="BTCUSDT", side="BUY", type="LIMIT",
                                     timeInForce="GTC", quantity="0.001", price="20000")

(or ``async with client.ws_api() as ws:`` with the client's keys, limiter and clock).

- One ``websockets`` connection; its own keepalive pings are off (``ping_interval=None``) and
  the server's pings are answered by ``websockets`` at once.
- Requests ``{"id", "method", "params"}`` are matched to responses
  ``{"id", "status", "result" | "error", "rateLimits"}`` by ``id`` (a counter, never reused
  while in flight).
- ``signed=True`` adds ``apiKey``, ``timestamp`` and ``signature``: the signer's signature of
  the params sorted by name and joined as ``k=v&...`` *without* percent-encoding
  (`binance_async.auth.ws_api_payload`). After `session_logon` (Ed25519 keys only) signed
  requests carry only ``timestamp``.
- Errors raise the project's `APIError` subclasses (`api_error_from_response`). ``rateLimits``
  are reconciled into the limiter; on 418 / 429 ``error.data.retryAfter`` (epoch **ms** on the
  WebSocket API) becomes seconds for ``limiter.penalize`` and the exception's ``retry_after``.
- User-data events (``{"subscriptionId": n, "event": {...}}``) go to ``on_user_event(n, raw)``
  if set (raw bytes of the inner event), else they are counted and dropped.
- A closed connection fails every pending request with `TransportError`; `wait_closed` returns
  the reason. The reader task lives in the client's own TaskGroup (entered by ``async with``).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import time
from collections.abc import Callable, Mapping
from typing import Any

import msgspec
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI

from .._encoding import format_value
from ..auth import Signer, ws_api_payload
from ..clock import ServerClock
from ..errors import (
    APIError,
    IPBanned,
    RateLimited,
    TransportError,
    ValidationError,
    api_error_from_response,
)
from ..rest.ratelimit import RateLimiter

__all__ = ["WsApiClient"]

log = logging.getLogger("binance_async.ws_api")


_NONE: Any = msgspec.Raw(b"")  # an absent field (a JSON null is Raw(b"null"))


class _Frame(msgspec.Struct, frozen=True, gc=False):
    id: int | str | None = None
    status: int | None = None
    result: msgspec.Raw = _NONE
    error: msgspec.Raw = _NONE
    rateLimits: list[dict[str, Any]] | None = None
    subscriptionId: int | None = None
    event: msgspec.Raw = _NONE


class _ErrorData(msgspec.Struct, frozen=True, gc=False):
    retryAfter: int | None = None
    serverTime: int | None = None


class _Error(msgspec.Struct, frozen=True, gc=False):
    code: int = 0
    msg: str = ""
    data: _ErrorData | None = None


_FRAME = msgspec.json.Decoder(_Frame)
_ERROR = msgspec.json.Decoder(_Error)
_ENCODER = msgspec.json.Encoder()


class WsApiClient:
    """One WebSocket API connection: ``async with`` it, then ``await ws.request(...)``."""

    def __init__(
        self,
        url: str,
        *,
        api_key: str | None = None,
        signer: Signer | None = None,
        limiter: RateLimiter | None = None,
        clock: ServerClock | None = None,
        recv_window: int | None = None,
        timeout: float = 10.0,
        open_timeout: float = 10.0,
        on_user_event: Callable[[int, bytes], None] | None = None,
    ) -> None:
        self.url = url
        self._api_key = api_key
        self._signer = signer
        self.limiter = limiter
        self.clock = clock
        self.recv_window = recv_window
        self.timeout = timeout
        self._open_timeout = open_timeout
        self.on_user_event = on_user_event
        self._ids = itertools.count(1)
        self._pending: dict[int | str, asyncio.Future[Any]] = {}
        self._ws: ClientConnection | None = None
        self._tg: asyncio.TaskGroup | None = None
        self._closed = asyncio.Event()
        self.close_reason = ""
        self.logged_on = False
        self.stats = {"requests": 0, "errors": 0, "events": 0, "dropped_events": 0}

    # -- lifecycle -------------------------------------------------------------------------

    async def __aenter__(self) -> WsApiClient:
        try:
            ws = await connect(
                self.url,
                ping_interval=None,
                open_timeout=self._open_timeout,
                close_timeout=2.0,
                max_size=16 << 20,
                compression=None,
            )
        except (OSError, TimeoutError, InvalidHandshake, InvalidURI, ConnectionClosed) as exc:
            raise TransportError(f"WebSocket API connect failed: {type(exc).__name__}: {exc}"
                                 ) from exc  # fmt: skip
        self._ws = ws
        tg = asyncio.TaskGroup()
        await tg.__aenter__()
        self._tg = tg
        tg.create_task(self._read(ws))
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection and wait for the reader. Idempotent."""
        ws, tg = self._ws, self._tg
        self._tg = None
        if ws is not None:
            with contextlib.suppress(Exception):
                await ws.close()
        if tg is not None:
            await tg.__aexit__(None, None, None)

    @property
    def closed(self) -> bool:
        """True once the connection is closed (`close_reason` says why)."""
        return self._closed.is_set()

    async def wait_closed(self) -> str:
        """Wait until the connection is closed; returns the reason."""
        await self._closed.wait()
        return self.close_reason

    def abort(self) -> None:
        """Drop the socket at once (no close frame); pending requests fail."""
        ws = self._ws
        if ws is not None and ws.transport is not None:
            ws.transport.abort()

    # -- requests --------------------------------------------------------------------------

    def _now_ms(self) -> int:
        return self.clock.now_ms() if self.clock is not None else int(time.time() * 1000)

    def _now_s(self) -> float:
        return self.clock.server_time() if self.clock is not None else time.time()

    def sign_params(self, params: Mapping[str, Any], *, with_key: bool = True) -> dict[str, Any]:
        """``params`` (None values dropped) plus ``timestamp`` and, unless logged on or
        ``with_key`` is false, ``apiKey`` and ``signature``."""
        out = {k: v for k, v in params.items() if v is not None}
        if self.recv_window is not None:
            out.setdefault("recvWindow", self.recv_window)
        out.setdefault("timestamp", self._now_ms())
        if with_key:
            if self._api_key is None or self._signer is None:
                raise ValidationError("a signed WebSocket API request needs api_key and signer")
            out["apiKey"] = self._api_key
            out["signature"] = self._signer.sign(ws_api_payload(out))
        return out

    async def request(
        self, method: str, params: Mapping[str, Any] | None = None, *, signed: bool = False
    ) -> Any:
        """Send one request and return its decoded ``result``; raises `APIError` subclasses."""
        ws = self._ws
        if ws is None or self._closed.is_set():
            raise TransportError(f"WebSocket API connection is closed ({self.close_reason})")
        p = dict(params or {})
        if signed:
            p = self.sign_params(p, with_key=not self.logged_on)
        wire = {k: _wire_value(k, v) for k, v in p.items() if v is not None}
        req_id = next(self._ids)
        body: dict[str, Any] = {"id": req_id, "method": method}
        if wire:
            body["params"] = wire
        fut: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending[req_id] = fut
        self.stats["requests"] += 1
        try:
            await ws.send(_ENCODER.encode(body).decode())
            return await asyncio.wait_for(fut, self.timeout)
        except ConnectionClosed as exc:
            raise TransportError(f"WebSocket API connection closed: {exc}") from exc
        except TimeoutError:
            raise TransportError(f"WebSocket API {method}: no response in {self.timeout} s"
                                 ) from None  # fmt: skip
        finally:
            self._pending.pop(req_id, None)

    # -- convenience -----------------------------------------------------------------------

    async def ping(self) -> None:
        """``ping``: test connectivity."""
        await self.request("ping")

    async def time(self) -> int:
        """The server time in epoch ms."""
        result = await self.request("time")
        return int(result["serverTime"])

    async def order_place(self, **params: Any) -> Any:
        """``order.place`` (signed) with the REST order parameters; returns the result."""
        return await self.request("order.place", params, signed=True)

    async def order_cancel(self, **params: Any) -> Any:
        """``order.cancel`` (signed); returns the result."""
        return await self.request("order.cancel", params, signed=True)

    async def order_status(self, **params: Any) -> Any:
        """``order.status`` (signed); returns the order."""
        return await self.request("order.status", params, signed=True)

    async def session_logon(self) -> Any:
        """Authenticate the connection (Ed25519 keys only); later signed requests omit
        ``apiKey`` / ``signature``."""
        signer = self._signer
        if signer is None or self._api_key is None:
            raise ValidationError("session.logon needs api_key and an Ed25519 signer")
        if signer.key_type != "ED25519":
            raise ValidationError(
                f"session.logon accepts Ed25519 keys only, this signer is {signer.key_type}: "
                "sign each request instead (signed=True) or use an Ed25519 key"
            )
        result = await self.request("session.logon", self.sign_params({}))
        self.logged_on = True
        return result

    async def session_status(self) -> Any:
        """``session.status``: whether (and with which key) the connection is logged on."""
        return await self.request("session.status")

    async def session_logout(self) -> Any:
        """``session.logout``: later signed requests carry ``apiKey`` / ``signature`` again."""
        result = await self.request("session.logout")
        self.logged_on = False
        return result

    # -- reader ----------------------------------------------------------------------------

    async def _read(self, ws: ClientConnection) -> None:
        reason = "closed"
        try:
            while True:
                data = await ws.recv(decode=False)
                self._on_frame(data)
        except ConnectionClosed as exc:
            rcvd = exc.rcvd
            reason = ("abnormal closure (no close frame)" if rcvd is None
                      else f"closed by server: {rcvd.code} {rcvd.reason}".rstrip())  # fmt: skip
        finally:
            self.close_reason = reason
            self._closed.set()
            self._ws = None
            err = TransportError(f"WebSocket API connection closed: {reason}")
            for fut in self._pending.values():
                if not fut.done():
                    fut.set_exception(err)

    def _on_frame(self, data: bytes) -> None:
        try:
            frame = _FRAME.decode(data)
        except (msgspec.DecodeError, msgspec.ValidationError):
            log.warning("WebSocket API: malformed frame %r", data[:200])
            return
        if frame.event and frame.subscriptionId is not None:
            self.stats["events"] += 1
            cb = self.on_user_event
            if cb is None:
                self.stats["dropped_events"] += 1
            else:
                cb(frame.subscriptionId, bytes(frame.event))
            return
        if frame.rateLimits and self.limiter is not None:
            self.limiter.reconcile_rate_limits(frame.rateLimits)
        fut = self._pending.get(frame.id) if frame.id is not None else None
        status = frame.status or 0
        if status == 200 or (not frame.error and frame.result):
            if fut is not None and not fut.done():
                result = msgspec.json.decode(frame.result) if frame.result else None
                fut.set_result(result)
            return
        exc = self._error(status, frame.error or None)
        self.stats["errors"] += 1
        if fut is not None and not fut.done():
            fut.set_exception(exc)
        else:
            log.warning("WebSocket API: unmatched error response: %s", exc)

    def _error(self, status: int, raw: msgspec.Raw | None) -> APIError:
        try:
            err = _ERROR.decode(raw) if raw is not None else _Error()
        except (msgspec.DecodeError, msgspec.ValidationError):
            err = _Error(msg=bytes(raw or b"").decode(errors="replace"))
        exc = api_error_from_response(status, err.code, err.msg)
        if status in (418, 429):
            retry_ms = err.data.retryAfter if err.data is not None else None
            seconds = None
            if retry_ms is not None:
                seconds = max(0.0, retry_ms / 1000.0 - self._now_s())
            if isinstance(exc, RateLimited | IPBanned):
                exc.retry_after = seconds
                if isinstance(exc, IPBanned) and retry_ms is not None:
                    exc.banned_until = retry_ms / 1000.0
            if self.limiter is not None:
                self.limiter.penalize(status, err.code, seconds)
        return exc

    def __repr__(self) -> str:
        state = "closed" if self.closed else ("open" if self._ws is not None else "new")
        return f"WsApiClient({self.url!r}, {state}, logged_on={self.logged_on})"


def _wire_value(key: str, value: Any) -> Any:
    """JSON value of one param: ints, bools and strs as they are, the rest as wire text."""
    if isinstance(value, bool | int | str):
        return value
    return format_value(value, param=key)
