"""User-data streams: ``client.user_data(account, source=...)``.

::

    async with client.user_data("spot") as events:               # WebSocket API (default)
        async for ev in events:
            if isinstance(ev, StreamGap):
                ...            # events may be missing: re-query open orders / balances
            elif isinstance(ev, ExecutionReport):
                ...

    async with client.user_data("margin") as events: ...             # listenKey
    async with client.user_data(("isolated", "BTCUSDT")) as events: ...

(Named ``user_data`` because ``client.user_stream`` is the typed REST family of the listenKey
endpoints.) Events are the typed `binance_async.models.user_data` events; a `StreamGap`
(``streams=("user:<account>",)``) is yielded after any reconnect, resubscription or key
re-creation, and after events were dropped on overflow (``maxsize``, oldest dropped).

Sources:

- ``"ws_api"`` (spot only; the default for spot and the exchange's only spot flow since
  2026-02-20): a `WsApiClient` connection; ``session.logon`` + ``userDataStream.subscribe`` for
  Ed25519 keys, ``userDataStream.subscribe.signature`` otherwise. After a lost connection it
  reconnects and resubscribes. An ``eventStreamTerminated`` event is yielded, then the stream
  resubscribes on the same connection (with a gap) unless it is closing.
- ``"listen_key"`` (the default for margin and isolated margin): ``POST`` a key, read
  ``<client.stream_url>/ws/<listenKey>``, ``PUT`` it every ``keepalive_interval`` seconds (30
  minutes), ``DELETE`` it on exit. A failed keepalive (-1125 or any other error), a
  ``listenKeyExpired`` event or a lost connection whose key no longer answers a keepalive
  re-creates the key and reconnects, with a gap. Keepalive failures are logged, counted
  (``statistics()["keepalive_failures"]``) and after ``max_failures`` consecutive failures
  the iterator raises `UserStreamError`.

All tasks belong to a TaskGroup entered by ``async with``; leaving it cancels them, closes the
connection and (listenKey) deletes the key.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any, Literal, TypeAlias

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI

from ..errors import APIError, BinanceError, TransportError, UserStreamError, ValidationError
from ..models.user_data import EventStreamTerminated, ListenKeyExpired, decode_user_event
from .manager import StreamGap
from .ws_api import WsApiClient

if TYPE_CHECKING:
    from ..rest.session import Client

__all__ = ["Account", "Source", "UserDataStream", "UserStreamError"]

log = logging.getLogger("binance_async.streams.user")

Account: TypeAlias = Literal["spot", "margin"] | tuple[str, str]
Source: TypeAlias = Literal["ws_api", "listen_key"]

_CONNECT_ERRORS = (OSError, TimeoutError, InvalidHandshake, InvalidURI, ConnectionClosed)


class UserDataStream:
    """``async with`` it, then ``async for`` typed user events and `StreamGap` markers."""

    def __init__(
        self,
        client: Client,
        account: Account = "spot",
        *,
        source: Source | None = None,
        keepalive_interval: float = 1800.0,
        max_failures: int = 5,
        retry_delay: float = 0.5,
        maxsize: int = 10_000,
        use_logon: bool = True,
    ) -> None:
        if account in ("spot", "margin"):
            self.kind = str(account)
            self.symbol: str | None = None
        elif isinstance(account, tuple) and len(account) == 2 and account[0] == "isolated":
            self.kind, self.symbol = "isolated", str(account[1]).upper()
        else:
            raise ValidationError(f"account is 'spot', 'margin' or ('isolated', SYMBOL), "
                                  f"got {account!r}")  # fmt: skip
        if source is None:
            source = "ws_api" if self.kind == "spot" else "listen_key"
        if source not in ("ws_api", "listen_key"):
            raise ValidationError(f"source is 'ws_api' or 'listen_key', got {source!r}")
        if source == "ws_api" and self.kind != "spot":
            raise ValidationError("the WebSocket API user stream is spot only; margin uses "
                                  "source='listen_key'")  # fmt: skip
        if max_failures < 1 or maxsize < 1:
            raise ValueError("max_failures and maxsize must be >= 1")
        self._client = client
        self.source: Source = source
        self.keepalive_interval = keepalive_interval
        self.max_failures = max_failures
        self.retry_delay = retry_delay
        self.maxsize = maxsize
        self.use_logon = use_logon
        self.name = f"user:{self.kind}" + (f":{self.symbol}" if self.symbol else "")
        self.listen_key: str | None = None
        self._q: deque[Any] = deque()
        self._readable = asyncio.Event()
        self._ready = asyncio.Event()
        self._error: BaseException | None = None
        self._closing = False
        self._tg: asyncio.TaskGroup | None = None
        self._runner: asyncio.Task[None] | None = None
        self._ws: WsApiClient | None = None
        self._terminated = asyncio.Event()
        self._failures = 0  # consecutive
        self._keepalive_exc: BaseException | None = None
        self._stats = {"events": 0, "gaps": 0, "dropped": 0, "reconnects": 0,
                       "keepalives": 0, "keepalive_failures": 0, "keys_created": 0,
                       "resubscribes": 0}  # fmt: skip

    # -- lifecycle -------------------------------------------------------------------------

    async def __aenter__(self) -> UserDataStream:
        tg = asyncio.TaskGroup()
        await tg.__aenter__()
        self._tg = tg
        runner = self._run_ws_api if self.source == "ws_api" else self._run_listen_key
        self._runner = tg.create_task(self._guard(runner()))
        ready = asyncio.ensure_future(self._ready.wait())
        try:
            await ready
        except BaseException:
            await self.aclose()
            raise
        if self._error is not None:
            err = self._error
            await self.aclose()
            raise err
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Stop the tasks, close the connection, delete the listenKey. Idempotent."""
        self._closing = True
        tg, self._tg = self._tg, None
        if tg is None:
            return
        ws = self._ws
        if ws is not None:
            ws.abort()
        if self._runner is not None:
            self._runner.cancel()
        with contextlib.suppress(Exception):
            await tg.__aexit__(None, None, None)
        key, self.listen_key = self.listen_key, None
        if key is not None:
            with contextlib.suppress(BinanceError):
                await self._key_call("close", key)
        self._readable.set()

    def statistics(self) -> dict[str, Any]:
        """Counters (events, gaps, dropped, reconnects, keepalives...), queue size and source."""
        return {**self._stats, "consecutive_failures": self._failures,
                "queued": len(self._q), "source": self.source}  # fmt: skip

    # -- iteration -------------------------------------------------------------------------

    def __aiter__(self) -> AsyncIterator[Any]:
        return self

    async def __anext__(self) -> Any:
        while True:
            if self._q:
                return self._q.popleft()
            if self._error is not None:
                raise self._error
            if self._stopping():
                raise StopAsyncIteration
            self._readable.clear()
            await self._readable.wait()

    def _stopping(self) -> bool:
        return self._closing

    def _push(self, item: Any) -> None:
        if len(self._q) >= self.maxsize:
            self._q.popleft()
            self._stats["dropped"] += 1
            self._q.append(StreamGap((self.name,), "overflow"))
        self._q.append(item)
        self._readable.set()

    def _gap(self, reason: str) -> None:
        self._stats["gaps"] += 1
        log.info("%s: gap (%s)", self.name, reason)
        self._push(StreamGap((self.name,), reason))

    def _on_raw(self, data: bytes) -> None:
        try:
            ev = decode_user_event(data)
        except Exception:
            log.warning("%s: undecodable user event %r", self.name, data[:200])
            return
        self._stats["events"] += 1
        self._push(ev)
        if isinstance(ev, EventStreamTerminated):
            self._terminated.set()

    async def _guard(self, coro: Any) -> None:
        try:
            await coro
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self._error = exc
            self._readable.set()
        finally:
            self._ready.set()

    def _failed(self, what: str, exc: BaseException) -> None:
        """Count a consecutive failure; raise `UserStreamError` past the limit."""
        self._failures += 1
        log.warning("%s: %s failed (%d in a row): %s", self.name, what, self._failures, exc)
        if self._failures >= self.max_failures:
            raise UserStreamError(f"{self.name}: {self._failures} consecutive failures, last: "
                                  f"{what}: {exc}") from exc  # fmt: skip

    # -- WebSocket API source --------------------------------------------------------------

    async def _run_ws_api(self) -> None:
        c = self._client
        first = True
        while not self._closing:
            try:
                async with c.ws_api() as ws:
                    self._ws = ws
                    ws.on_user_event = lambda _sid, raw: self._on_raw(raw)
                    await self._subscribe(ws)
                    self._failures = 0
                    if not first:
                        self._stats["reconnects"] += 1
                        self._gap("reconnected")
                    first = False
                    self._ready.set()
                    await self._serve_ws(ws)
            except (TransportError, APIError) as exc:
                self._ws = None
                if self._stopping():
                    return
                self._failed("WebSocket API subscribe", exc)
                await asyncio.sleep(self.retry_delay)
            finally:
                self._ws = None

    async def _subscribe(self, ws: WsApiClient) -> int:
        c = self._client
        signer = c._signer
        if signer is None or c._api_key is None:
            raise ValidationError("user data needs an API key and a signer")
        self._terminated.clear()
        if self.use_logon and signer.key_type == "ED25519":
            if not ws.logged_on:
                await ws.session_logon()
            result = await ws.request("userDataStream.subscribe")
        else:
            result = await ws.request("userDataStream.subscribe.signature", signed=True)
        return int(result["subscriptionId"])

    async def _serve_ws(self, ws: WsApiClient) -> None:
        """Until the connection closes; resubscribe after ``eventStreamTerminated``."""
        while not self._closing:
            closed = asyncio.ensure_future(ws.wait_closed())
            term = asyncio.ensure_future(self._terminated.wait())
            try:
                await asyncio.wait((closed, term), return_when=asyncio.FIRST_COMPLETED)
            finally:
                closed.cancel()
                term.cancel()
            if ws.closed or self._stopping():
                return
            self._stats["resubscribes"] += 1
            await self._subscribe(ws)
            self._gap("resubscribed after eventStreamTerminated")

    # -- listenKey source ------------------------------------------------------------------

    async def _key_call(self, op: Literal["new", "keepalive", "close"], key: str = "") -> str:
        api = self._client.user_stream
        if self.kind == "spot":
            if op == "new":
                return (await api.new_listen_key()).listen_key
            if op == "keepalive":
                await api.keepalive_listen_key(key)
            else:
                await api.close_listen_key(key)
        elif self.kind == "margin":
            if op == "new":
                return (await api.new_margin_listen_key()).listen_key
            if op == "keepalive":
                await api.keepalive_margin_listen_key(key)
            else:
                await api.close_margin_listen_key(key)
        else:
            assert self.symbol is not None
            if op == "new":
                return (await api.new_isolated_listen_key(self.symbol)).listen_key
            if op == "keepalive":
                await api.keepalive_isolated_listen_key(self.symbol, key)
            else:
                await api.close_isolated_listen_key(self.symbol, key)
        return key

    async def _new_key(self) -> str:
        while True:
            try:
                key = await self._key_call("new")
            except BinanceError as exc:
                self._failed("listenKey create", exc)
                await asyncio.sleep(self.retry_delay)
                continue
            self._stats["keys_created"] += 1
            self.listen_key = key
            return key

    async def _run_listen_key(self) -> None:
        key = await self._new_key()
        first = True
        while not self._closing:
            url = f"{self._client.stream_url}/ws/{key}"
            try:
                ws = await connect(url, ping_interval=None, compression=None,
                                   open_timeout=10.0, close_timeout=2.0)  # fmt: skip
            except _CONNECT_ERRORS as exc:
                self._failed("listenKey connect", exc)
                await asyncio.sleep(self.retry_delay)
                key = await self._check_key(key)
                continue
            if not first:
                self._stats["reconnects"] += 1
                self._gap("reconnected")
            first = False
            self._ready.set()
            try:
                reason = await self._serve_listen_key(ws)
            finally:
                ws.transport.abort() if ws.transport is not None else None
            if self._stopping():
                return
            log.info("%s: %s", self.name, reason)
            if reason == "keepalive failed":
                last = self._keepalive_exc
                assert last is not None
                self._failed("listenKey keepalive", last)
                key = await self._new_key()
            elif reason == "expired":
                key = await self._new_key()
            else:
                key = await self._check_key(key)

    async def _check_key(self, key: str) -> str:
        """Keep the key if a keepalive still succeeds, else count a failure and re-create."""
        try:
            await self._key_call("keepalive", key)
        except BinanceError as exc:
            self._stats["keepalive_failures"] += 1
            self._failed("listenKey keepalive", exc)
            return await self._new_key()
        self._stats["keepalives"] += 1
        return key

    async def _serve_listen_key(self, ws: Any) -> str:
        """Read events and keep the key alive; returns why the connection must be renewed."""
        async with asyncio.TaskGroup() as tg:
            reader = tg.create_task(self._read_listen_key(ws))
            keeper = tg.create_task(self._keepalive_loop())
            done, _ = await asyncio.wait((reader, keeper), return_when=asyncio.FIRST_COMPLETED)
            reader.cancel()
            keeper.cancel()
        return next(iter(done)).result()

    async def _read_listen_key(self, ws: Any) -> str:
        try:
            while True:
                data = await ws.recv(decode=False)
                try:
                    ev = decode_user_event(data)
                except Exception:
                    log.warning("%s: undecodable user event %r", self.name, data[:200])
                    continue
                self._stats["events"] += 1
                self._push(ev)
                if isinstance(ev, ListenKeyExpired):
                    return "expired"
        except ConnectionClosed as exc:
            return f"connection closed: {exc}"

    async def _keepalive_loop(self) -> str:
        key = self.listen_key
        assert key is not None
        while True:
            await asyncio.sleep(self.keepalive_interval)
            try:
                await self._key_call("keepalive", key)
            except BinanceError as exc:
                self._stats["keepalive_failures"] += 1
                self._keepalive_exc = exc
                return "keepalive failed"
            self._failures = 0
            self._stats["keepalives"] += 1

    def __repr__(self) -> str:
        return f"UserDataStream({self.name!r}, source={self.source!r})"
