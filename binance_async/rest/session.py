"""The async REST session: encode -> sign -> acquire weight -> send -> observe headers -> decode.

`Client` owns one transport (an aiohttp session by default), a `ServerClock` and a
`RateLimiter`. `client.request()` is the generic escape hatch; the typed per-family methods
(`client.market.depth(...)`) go through `client.call_endpoint()`, which validates against the
endpoint catalogue first.

Parameters go in the query string for every method (as Binance's own connector does); the
copy-trading leader config PUT sends a JSON body (catalogue order, compact, Decimals and floats
as plain-text strings) while ``recvWindow``, ``timestamp`` and ``signature`` stay in the query.
The signature covers the percent-encoded query string followed, without separator, by the exact
body bytes, and is appended to the query last.

Order-placing typed methods take ``validate=True`` (or an `OrderContext`): the order is checked
against the symbol's exchange filters from the cached `Client.exchange_info` before anything is
sent (`binance_async.rest.filters`).
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import quote

import msgspec

from .._encoding import encode_params, format_decimal
from ..auth import HmacSigner, Signer, load_private_key_signer
from ..clock import ServerClock
from ..errors import (
    APIError,
    ExecutionStatusUnknown,
    InvalidResponse,
    InvalidTimestamp,
    IPBanned,
    RateLimited,
    TransportError,
    ValidationError,
    api_error_from_response,
)
from ..models.decoders import decoder_for
from ..models.exchange_info import ExchangeInfo, SymbolInfo
from . import endpoints
from .api import TypedApiMixin
from .filters import OrderContext, check_order
from .ratelimit import RateLimiter
from .transport import AiohttpTransport, HttpRequest, HttpResponse, Transport

if TYPE_CHECKING:
    from collections.abc import Iterable

    from ..book.manager import BookManager
    from ..streams.manager import StreamManager
    from ..streams.user import Account, Source, UserDataStream
    from ..streams.ws_api import WsApiClient
    from .endpoints import Endpoint

__all__ = ["DEFAULT_BASE_URL", "TESTNET_BASE_URL", "Client", "RetryPolicy", "companion_urls"]

log = logging.getLogger("binance_async.rest")

DEFAULT_BASE_URL = "https://api.binance.com"
DEFAULT_STREAM_URL = "wss://stream.binance.com:9443"
DEFAULT_WS_API_URL = "wss://ws-api.binance.com:443/ws-api/v3"
TESTNET_BASE_URL = "https://testnet.binance.vision"
_COMPANIONS = {
    DEFAULT_BASE_URL: (DEFAULT_STREAM_URL, DEFAULT_WS_API_URL),
    TESTNET_BASE_URL: (
        "wss://stream.testnet.binance.vision",
        "wss://ws-api.testnet.binance.vision/ws-api/v3",
    ),
}


def companion_urls(base_url: str) -> tuple[str, str]:
    """The stream base and WebSocket API URLs that go with a REST base URL: production's and
    the testnet's are known; any other ``http[s]://host:port`` (a local exchange) serves both
    itself (``ws[s]://host:port`` and ``ws[s]://host:port/ws-api/v3``). ``ValueError`` for a
    URL that is not http or https."""
    url = base_url.rstrip("/")
    if url in _COMPANIONS:
        return _COMPANIONS[url]
    scheme, sep, rest = url.partition("://")
    if not sep or scheme not in ("http", "https"):
        raise ValueError(f"a REST base URL starts with http:// or https://, got {base_url!r}")
    ws = ("wss://" if scheme == "https" else "ws://") + rest
    return ws, ws + "/ws-api/v3"


MAX_RECV_WINDOW = 60000
_SIGNED_SECURITY = frozenset({"TRADE", "USER_DATA", "MARGIN"})


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Retries for GET only, on transport errors and 5xx: capped, fully jittered backoff."""

    max_retries: int = 2
    base_delay: float = 0.25
    max_delay: float = 5.0

    def delay(self, attempt: int, rng: random.Random) -> float:
        """Seconds to wait before retry number `attempt` (0-based)."""
        return rng.uniform(0.0, min(self.max_delay, self.base_delay * (2.0**attempt)))


class _ErrorBody(msgspec.Struct):
    code: int = 0
    msg: str = ""


class _ServerTime(msgspec.Struct):
    serverTime: int


class _Envelope(msgspec.Struct):
    code: int | str = 200
    msg: str = ""
    data: msgspec.Raw = msgspec.Raw(b"null")


_ERROR_DECODER = msgspec.json.Decoder(_ErrorBody)
_ENVELOPE_DECODER = msgspec.json.Decoder(_Envelope)
_TIME_DECODER = msgspec.json.Decoder(_ServerTime)
_ANY_DECODER = msgspec.json.Decoder()


def _default_charges(path: str) -> tuple[tuple[str, int], ...]:
    return (("SAPI_IP", 1),) if path.startswith("/sapi/") else (("REQUEST_WEIGHT", 1),)


def _penalized_pools(exc: APIError, charges: Sequence[tuple[str, int]]) -> tuple[str, ...]:
    """Which limiter pools a 429 blocks: the order pools for -1015 (the interval its message
    names, both if it names none), otherwise the weight pools the request was charged to."""
    if exc.status != 429:
        return ()
    if exc.code == -1015:
        msg = exc.msg.upper()
        if "DAY" in msg:
            return ("ORDERS_1D",)
        if "SECOND" in msg:
            return ("ORDERS_10S",)
        return ("ORDERS_10S", "ORDERS_1D")
    return tuple(pool for pool, _ in charges if not pool.startswith("ORDERS"))


def _query_items(params: Mapping[str, Any], exploded: frozenset[str]) -> list[tuple[str, Any]]:
    """Parameters in order; a list under an `exploded` name repeats its key per item."""
    items: list[tuple[str, Any]] = []
    for key, value in params.items():
        if key in exploded and isinstance(value, list | tuple):
            items.extend((key, item) for item in value)
        else:
            items.append((key, value))
    return items


def _json_value(value: Any) -> Any:
    """A JSON body value: numbers other than int as plain decimal text (never exponent)."""
    if isinstance(value, Decimal | float):
        return format_decimal(value)
    return value


def _body_snippet(body: bytes) -> str:
    text = body[:120].decode("utf-8", "replace").replace("\n", " ").strip()
    return text + ("..." if len(body) > 120 else "")


class Client(TypedApiMixin):
    """An async Binance client. Use as ``async with Client(...) as client:``.

    Keys: `api_key` plus `api_secret` (HMAC) or `private_key` (RSA / Ed25519 PEM, optional
    `private_key_password`), or any `signer`. URLs default to production; pass the testnet's or
    a local exchange's ``base_url``, and the stream and WebSocket API URLs follow it unless given
    (`companion_urls`). `on_limit` chooses whether a call that would break a rate limit waits
    ("wait") or raises `RateLimited` / `IPBanned` at once ("raise").
    """

    def __init__(
        self,
        api_key: str | None = None,
        api_secret: str | None = None,
        *,
        private_key: bytes | str | None = None,
        private_key_password: bytes | None = None,
        signer: Signer | None = None,
        base_url: str = DEFAULT_BASE_URL,
        stream_url: str | None = None,
        ws_api_url: str | None = None,
        recv_window: int = 5000,
        timeout: float = 10.0,
        on_limit: Literal["wait", "raise"] = "wait",
        retry: RetryPolicy | None = None,
        transport: Transport | None = None,
        clock: ServerClock | None = None,
        limiter: RateLimiter | None = None,
        time_sync: bool = True,
        seed: int | None = None,
    ) -> None:
        if not 0 < recv_window <= MAX_RECV_WINDOW:
            raise ValidationError(
                f"recv_window must be in 1..{MAX_RECV_WINDOW} ms, got {recv_window}",
                param="recvWindow",
            )
        if signer is None:
            if private_key is not None:
                signer = load_private_key_signer(private_key, private_key_password)
            elif api_secret is not None:
                signer = HmacSigner(api_secret)
        self._api_key = api_key
        self._signer = signer
        self.base_url = base_url.rstrip("/")
        if stream_url is None or ws_api_url is None:
            default_stream, default_ws_api = companion_urls(self.base_url)
            stream_url = stream_url or default_stream
            ws_api_url = ws_api_url or default_ws_api
        self.stream_url = stream_url.rstrip("/")
        self.ws_api_url = ws_api_url
        self.recv_window = recv_window
        self.timeout = timeout
        self.retry = retry or RetryPolicy()
        self.clock = clock or ServerClock()
        self.limiter = limiter or RateLimiter(clock=self.clock.server_time, on_limit=on_limit)
        self.time_sync = time_sync
        self._transport: Transport = transport or AiohttpTransport()
        self._rng = random.Random(seed)
        self._time_lock = asyncio.Lock()
        self._info_lock = asyncio.Lock()
        self._exchange_info: ExchangeInfo | None = None
        self._symbols: dict[str, SymbolInfo] = {}
        self._closed = False
        self._entered = False
        self._streams: StreamManager | None = None
        self._stats = {"requests": 0, "retries": 0, "errors": 0, "time_syncs": 0}

    # -- lifecycle -------------------------------------------------------------------------

    async def __aenter__(self) -> Client:
        from ..streams.manager import StreamManager

        self._entered = True
        manager = StreamManager(self.stream_url)
        await manager.__aenter__()
        self._streams = manager
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @classmethod
    def from_env(
        cls, base_url: str = DEFAULT_BASE_URL, *, key_file: str | None = None, **options: Any
    ) -> Client:
        """A client with keys from the environment: ``BINANCE_API_KEY`` with
        ``BINANCE_API_SECRET`` (HMAC), or ``BINANCE_PRIVATE_KEY_FILE`` (``key_file`` wins; RSA or
        Ed25519 PEM, ``BINANCE_PRIVATE_KEY_PASSWORD`` if encrypted). No keys: public calls only.
        ``options`` go to `Client`."""
        key_path = key_file or os.environ.get("BINANCE_PRIVATE_KEY_FILE")
        private_key = Path(key_path).read_bytes() if key_path else None
        password = os.environ.get("BINANCE_PRIVATE_KEY_PASSWORD")
        return cls(
            os.environ.get("BINANCE_API_KEY"),
            None if private_key else os.environ.get("BINANCE_API_SECRET"),
            private_key=private_key,
            private_key_password=password.encode() if password else None,
            base_url=base_url,
            **options,
        )

    async def close(self) -> None:
        """Close the stream connections and the transport. Idempotent."""
        manager, self._streams = self._streams, None
        if manager is not None:
            await manager.aclose()
        if not self._closed:
            self._closed = True
            await self._transport.close()

    @property
    def streams(self) -> StreamManager:
        """The market-stream multiplexer (running inside ``async with Client(...)``)."""
        if self._streams is None:
            raise RuntimeError("client.streams needs 'async with Client(...) as client'")
        return self._streams

    def books(
        self,
        symbols: Iterable[str],
        *,
        depth: int = 1000,
        speed: Literal["100ms", "1000ms"] = "100ms",
        **options: Any,
    ) -> BookManager:
        """Local order books kept in sync: ``async with client.books(["BTCUSDT"]) as books:
        book = books["BTCUSDT"]``; see `binance_async.book.manager.BookManager`."""
        from ..book.manager import BookManager

        return BookManager(self, symbols, depth=depth, speed=speed, **options)

    def ws_api(self, *, url: str | None = None) -> WsApiClient:
        """A WebSocket API connection with this client's keys, limiter and clock (``async with
        client.ws_api() as ws: await ws.order_place(...)``); see `binance_async.streams.ws_api`."""
        from ..streams.ws_api import WsApiClient

        return WsApiClient(
            url or self.ws_api_url, api_key=self._api_key, signer=self._signer,
            limiter=self.limiter, clock=self.clock, timeout=self.timeout,
        )

    def user_data(
        self, account: Account = "spot", *, source: Source | None = None, **options: Any
    ) -> UserDataStream:
        """The account's user-data events: ``async with client.user_data("spot") as events:
        async for ev in events: ...`` (typed events and `StreamGap` markers).

        Named ``user_data`` because ``client.user_stream`` is the typed listenKey REST family;
        see `binance_async.streams.user`.
        """
        from ..streams.user import UserDataStream

        return UserDataStream(self, account, source=source, **options)

    def __del__(self) -> None:
        transport = getattr(self, "_transport", None)
        if (
            not getattr(self, "_closed", True)
            and isinstance(transport, AiohttpTransport)
            and not transport.closed
        ):
            warnings.warn(
                "binance_async.Client was not closed: use 'async with Client(...)' or "
                "'await client.close()'",
                ResourceWarning,
                stacklevel=2,
            )

    def __repr__(self) -> str:
        key = "<set>" if self._api_key else None
        signer = self._signer.key_type if self._signer else None
        return f"Client(base_url={self.base_url!r}, api_key={key}, signer={signer})"

    @property
    def has_credentials(self) -> bool:
        """Whether an API key and a signer are configured."""
        return self._api_key is not None and self._signer is not None

    # -- public calls ----------------------------------------------------------------------

    async def request(
        self,
        method: str,
        path: str,
        params: Mapping[str, Any] | None = None,
        *,
        signed: bool | None = None,
    ) -> Any:
        """Send any request and return the decoded JSON.

        Signs when the catalogue says the endpoint is signed (or when `signed=True`), charges
        the catalogue's weight (1 on the matching pool for unknown paths), applies the limiter.
        No parameter validation: this is the escape hatch for anything the catalogue lacks.
        """
        method = method.upper()
        params = dict(params or {})
        ep = endpoints.lookup(method, path)
        if ep is not None:
            is_signed = ep.signed if signed is None else signed
            needs_key = ep.needs_api_key or is_signed
            charges = ep.charges(params)
        else:
            is_signed = bool(signed)
            needs_key = is_signed
            charges = _default_charges(path)
        return await self._send(
            method, path, params, signed=is_signed, needs_key=needs_key, charges=charges
        )

    async def call_endpoint(
        self,
        endpoint: Endpoint,
        params: Mapping[str, Any],
        *,
        validate: bool | OrderContext = False,
    ) -> Any:
        """Validate `params` against the catalogue entry, send, and decode into its model.

        `validate` (only for order-placing endpoints, those with ``order_filters``): check the
        order against the symbol's exchange filters first (`binance_async.rest.filters`), from
        the cached `exchange_info`; pass an `OrderContext` to give the reference price and
        open-order counts some filters need. It is an option, never a wire parameter.
        """
        clean = endpoints.validate(endpoint, params)
        if validate is not False:
            if endpoint.order_filters is None:
                raise ValidationError(
                    f"{endpoint.key}: validate= applies to order-placing endpoints only",
                    param="validate",
                )
            await self._check_order_filters(
                endpoint, clean, None if validate is True else validate
            )
        path, rest = endpoint.render_path(clean)
        json_body = None
        if endpoint.body == "json":
            json_body = {k: _json_value(v) for k, v in rest.items() if k != "recvWindow"}
            rest = {k: v for k, v in rest.items() if k == "recvWindow"}
        return await self._send(
            endpoint.method,
            path,
            rest,
            signed=endpoint.signed,
            needs_key=endpoint.needs_api_key,
            charges=endpoint.charges(clean),
            json_body=json_body,
            response_type=endpoint.response_type(clean),
            envelope=endpoint.envelope,
            exploded=frozenset(p.name for p in endpoint.params if p.explode),
        )

    async def exchange_info(self, *, refresh: bool = False) -> ExchangeInfo:
        """The full ``exchangeInfo`` (all symbols), fetched once and cached on the client.

        ``refresh=True`` fetches it again (``GET /api/v3/exchangeInfo``, charged its catalogue
        weight). Any full ``exchangeInfo`` fetched through this client
        (``client.market.exchange_info()``) also refreshes the cache. Used by ``validate=True``
        on order methods.
        """
        async with self._info_lock:
            if refresh or self._exchange_info is None:
                await self.market.exchange_info()  # _send caches it (_observe_exchange_info)
            assert self._exchange_info is not None
            return self._exchange_info

    async def symbol_info(self, symbol: str, *, refresh: bool = False) -> SymbolInfo:
        """The cached `SymbolInfo` of `symbol` (filters, precisions); see `exchange_info`.

        A symbol missing from the cache triggers one refresh; raises `ValidationError`
        (``param="symbol"``) if it is still unknown.
        """
        fetched = refresh or self._exchange_info is None
        await self.exchange_info(refresh=refresh)
        info = self._symbols.get(symbol)
        if info is None and not fetched:
            await self.exchange_info(refresh=True)
            info = self._symbols.get(symbol)
        if info is None:
            raise ValidationError(
                f"unknown symbol {symbol!r}: not in exchangeInfo", param="symbol"
            )
        return info

    async def _check_order_filters(
        self, endpoint: Endpoint, params: Mapping[str, Any], context: OrderContext | None
    ) -> None:
        symbol = await self.symbol_info(str(params["symbol"]))
        assert self._exchange_info is not None and endpoint.order_filters is not None
        check_order(
            symbol,
            params,
            kind=endpoint.order_filters,
            exchange_filters=self._exchange_info.exchange_filters,
            context=context,
        )

    async def sync_time(self) -> None:
        """Measure the server-time offset now (``GET /api/v3/time``, half round trip)."""
        sent = self.clock.local_time()
        body = await self._send(
            "GET",
            "/api/v3/time",
            {},
            signed=False,
            needs_key=False,
            charges=(("REQUEST_WEIGHT", 1),),
            raw=True,
        )
        received = self.clock.local_time()
        try:
            server_ms = _TIME_DECODER.decode(body).serverTime
        except msgspec.DecodeError:
            raise InvalidResponse(200, 0, "GET /api/v3/time: not a serverTime body") from None
        self.clock.update(server_ms, sent, received)
        self._stats["time_syncs"] += 1

    def statistics(self) -> dict[str, Any]:
        """Counters, clock offset and the limiter's pools."""
        return {
            **self._stats,
            "clock_offset_ms": self.clock.offset_ms,
            "limits": self.limiter.statistics(),
        }

    # -- the pipeline ----------------------------------------------------------------------

    async def _ensure_time(self) -> None:
        if not self.time_sync or not self.clock.stale():
            return
        async with self._time_lock:
            if self.clock.stale():
                await self.sync_time()

    def _require_credentials(self, method: str, path: str, signed: bool) -> None:
        if self._api_key is None:
            raise ValidationError(f"{method} {path} needs an API key: pass api_key= to Client")
        if signed and self._signer is None:
            raise ValidationError(
                f"{method} {path} is signed: pass api_secret= or private_key= to Client"
            )

    def _build(
        self,
        method: str,
        path: str,
        params: dict[str, Any],
        *,
        signed: bool,
        needs_key: bool,
        json_body: Mapping[str, Any] | None,
        exploded: frozenset[str] = frozenset(),
    ) -> HttpRequest:
        headers: dict[str, str] = {}
        body: bytes | None = None
        if json_body is not None:
            body = msgspec.json.encode(json_body)
            headers["Content-Type"] = "application/json"
        if needs_key or signed:
            assert self._api_key is not None
            headers["X-MBX-APIKEY"] = self._api_key
        items = _query_items(params, exploded)
        if signed:
            assert self._signer is not None
            if "recvWindow" not in params:
                items.append(("recvWindow", self.recv_window))
            items.append(("timestamp", self.clock.now_ms()))
            query = encode_params(items)
            payload = query + (body.decode() if body else "")
            signature = self._signer.sign(payload)
            query = f"{query}&signature={quote(signature, safe='')}"
        else:
            query = encode_params(items)
        url = f"{self.base_url}{path}" + (f"?{query}" if query else "")
        return HttpRequest(method, url, headers, body, self.timeout)

    async def _send(
        self,
        method: str,
        path: str,
        params: dict[str, Any],
        *,
        signed: bool,
        needs_key: bool,
        charges: Sequence[tuple[str, int]],
        json_body: Mapping[str, Any] | None = None,
        response_type: Any = None,
        envelope: str | None = None,
        raw: bool = False,
        exploded: frozenset[str] = frozenset(),
    ) -> Any:
        if self._closed:
            raise TransportError("the client is closed")
        recv_window = params.get("recvWindow")
        if recv_window is not None and not 0 < float(recv_window) <= MAX_RECV_WINDOW:
            raise ValidationError(
                f"recvWindow must be in (0, {MAX_RECV_WINDOW}] ms, got {recv_window}",
                param="recvWindow",
            )
        if needs_key or signed:
            self._require_credentials(method, path, signed)
        all_charges = (*charges, ("RAW_REQUESTS", 1))
        retried_timestamp = False
        attempt = 0
        while True:
            if signed:
                await self._ensure_time()
            request = self._build(
                method,
                path,
                params,
                signed=signed,
                needs_key=needs_key,
                json_body=json_body,
                exploded=exploded,
            )
            await self.limiter.acquire(all_charges)
            self._stats["requests"] += 1
            try:
                response = await self._transport.send(request)
                self.limiter.reconcile(response.headers)
                if response.status >= 400:
                    raise self._error_from(response, charges)
                if envelope == "copy_leader":
                    data = self._unwrap_envelope(response)
                    return self._decode(data, response_type, method, path, strict=False)
                if raw:
                    return response.body
                result = self._decode(response.body, response_type, method, path)
                if path == "/api/v3/exchangeInfo":
                    self._observe_exchange_info(result, full=not params)
                return result
            except (TransportError, ExecutionStatusUnknown) as exc:
                self._stats["errors"] += 1
                if isinstance(exc, ExecutionStatusUnknown):
                    exc.client_order_id = params.get("newClientOrderId")
                if method != "GET" or attempt >= self.retry.max_retries:
                    raise
                delay = self.retry.delay(attempt, self._rng)
                attempt += 1
                self._stats["retries"] += 1
                log.debug(
                    "%s %s failed (%s); retry %d in %.2f s",
                    method,
                    path,
                    type(exc).__name__,
                    attempt,
                    delay,
                )
                await asyncio.sleep(delay)
            except InvalidTimestamp:
                self._stats["errors"] += 1
                self.clock.invalidate()
                if self.time_sync:
                    await self._ensure_time()
                if method != "GET" or retried_timestamp or not self.time_sync:
                    raise
                retried_timestamp = True
            except APIError:
                self._stats["errors"] += 1
                raise

    def _observe_exchange_info(self, info: Any, *, full: bool = False) -> None:
        """exchangeInfo's rateLimits replace the limiter's defaults; a full, decoded one (no
        symbol selection) becomes the cached `exchange_info`."""
        if full and isinstance(info, ExchangeInfo):
            self._exchange_info = info
            self._symbols = {s.symbol: s for s in info.symbols}
        if isinstance(info, dict):
            limits = info.get("rateLimits") or []
        else:
            limits = [
                {
                    "rateLimitType": r.rate_limit_type,
                    "interval": r.interval,
                    "intervalNum": r.interval_num,
                    "limit": r.limit,
                }
                for r in getattr(info, "rate_limits", None) or []
            ]
        if limits:
            self.limiter.set_limits_from_exchange_info(limits)

    def _error_from(
        self, response: HttpResponse, charges: Sequence[tuple[str, int]] = ()
    ) -> APIError:
        code, msg = 0, ""
        try:
            err = _ERROR_DECODER.decode(response.body)
            code, msg = err.code, err.msg
        except (msgspec.DecodeError, msgspec.ValidationError):
            msg = f"non-JSON error body: {_body_snippet(response.body)!r}"
            if response.status < 500 and response.status not in (418, 429):
                return InvalidResponse(response.status, 0, msg, response.headers)
        exc = api_error_from_response(response.status, code, msg, response.headers)
        if isinstance(exc, IPBanned | RateLimited):
            self.limiter.penalize(
                exc.status, exc.code, exc.retry_after, pools=_penalized_pools(exc, charges)
            )
        return exc

    def _unwrap_envelope(self, response: HttpResponse) -> bytes:
        try:
            env = _ENVELOPE_DECODER.decode(response.body)
        except (msgspec.DecodeError, msgspec.ValidationError):
            raise InvalidResponse(
                response.status,
                0,
                f"not a {{code,msg,data}} body: {_body_snippet(response.body)!r}",
                response.headers,
            ) from None
        code = int(env.code) if str(env.code).lstrip("-").isdigit() else 0
        if code != 200:
            raise api_error_from_response(response.status, code, env.msg, response.headers)
        return bytes(env.data)

    def _decode(
        self, body: bytes, response_type: Any, method: str, path: str, strict: bool = True
    ) -> Any:
        try:
            if response_type is None:
                return _ANY_DECODER.decode(body)
            return decoder_for(response_type, strict=strict).decode(body)
        except (msgspec.DecodeError, msgspec.ValidationError) as exc:
            raise InvalidResponse(
                200,
                0,
                f"{method} {path}: unexpected response body ({exc}): {_body_snippet(body)!r}",
            ) from None
