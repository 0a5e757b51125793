"""`WsApiClient` against the local exchange: envelope, signing, errors, rateLimits, session."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import msgspec
import pytest

from binance_async import Client
from binance_async.auth import Ed25519Signer, HmacSigner
from binance_async.errors import (
    InvalidSignature,
    NoSuchOrder,
    RateLimited,
    TransportError,
    ValidationError,
)
from binance_async.rest.ratelimit import RateLimiter
from binance_async.sim import LocalExchange
from binance_async.streams.ws_api import WsApiClient


@pytest.fixture
async def ex() -> AsyncIterator[LocalExchange]:
    async with LocalExchange(symbols=["BTCUSDT", "ETHUSDT"], seed=1) as ex:
        yield ex


def _hmac(ex: LocalExchange, **kw: object) -> WsApiClient:
    return WsApiClient(ex.ws_api_url, api_key=ex.api_key, signer=HmacSigner(ex.api_secret),
                       **kw)  # type: ignore[arg-type]  # fmt: skip


def _price(ex: LocalExchange) -> str:
    return str(ex.engine.markets["BTCUSDT"].book.best_bid() // 10**8 // 2)


async def test_ping_and_time(ex: LocalExchange) -> None:
    async with _hmac(ex) as ws:
        await ws.ping()
        t = await ws.time()
        assert abs(t - ex.clock.now_ms()) < 5000
        assert ws.stats["requests"] == 2
    assert ws.closed


async def test_order_round_trip(ex: LocalExchange) -> None:
    async with _hmac(ex) as ws:
        placed = await ws.order_place(symbol="BTCUSDT", side="BUY", type="LIMIT",
                                      timeInForce="GTC", quantity="0.001",
                                      price=_price(ex))  # fmt: skip
        assert placed["status"] == "NEW"
        oid = placed["orderId"]
        status = await ws.order_status(symbol="BTCUSDT", orderId=oid)
        assert status["orderId"] == oid and status["status"] == "NEW"
        cancelled = await ws.order_cancel(symbol="BTCUSDT", orderId=oid)
        assert cancelled["status"] == "CANCELED"
        with pytest.raises(NoSuchOrder):
            await ws.order_status(symbol="BTCUSDT", orderId=10**9)


async def test_bad_signature(ex: LocalExchange) -> None:
    ws = WsApiClient(ex.ws_api_url, api_key=ex.api_key, signer=HmacSigner("wrong-secret"))
    async with ws:
        with pytest.raises(InvalidSignature) as info:
            await ws.order_status(symbol="BTCUSDT", orderId=1)
        assert info.value.code == -1022 and info.value.status == 400
        await ws.ping()  # the connection stays usable


async def test_rate_limits_reconciled() -> None:
    async with LocalExchange(symbols=["BTCUSDT"], seed=1) as ex:
        limiter = RateLimiter()
        async with _hmac(ex, limiter=limiter) as ws:
            for _ in range(3):
                await ws.time()
        used = limiter.statistics()["REQUEST_WEIGHT"].used
        # connecting costs 2, each time call 1: the server's count is reconciled in
        assert used >= 5, used


async def test_429_retry_after_epoch_ms_penalizes() -> None:
    async with LocalExchange(symbols=["BTCUSDT"], seed=1) as ex:
        limiter = RateLimiter()
        async with _hmac(ex, limiter=limiter) as ws:
            ws._on_frame(
                b'{"id":99,"status":429,"error":{"code":-1003,"msg":"Too many requests",'
                b'"data":{"serverTime":0,"retryAfter":%d}}}' % (ex.clock.now_ms() + 7000)
            )
            exc = ws._error(429, msgspec.Raw(
                b'{"code":-1003,"msg":"x","data":{"retryAfter":%d}}' % (ex.clock.now_ms() + 7000)))
            assert isinstance(exc, RateLimited)
            assert exc.retry_after is not None and 5 < exc.retry_after <= 7.5
        stats = limiter.statistics()["REQUEST_WEIGHT"]
        assert stats.blocked_until > time.time() + 5


async def test_session_logon_ed25519(ex: LocalExchange) -> None:
    signer = Ed25519Signer(ex.ed25519_private_key_pem)
    async with WsApiClient(ex.ws_api_url, api_key=ex.ed25519_api_key, signer=signer) as ws:
        status = await ws.session_logon()
        assert status["apiKey"] == ex.ed25519_api_key
        assert ws.logged_on
        placed = await ws.order_place(symbol="BTCUSDT", side="BUY", type="LIMIT",
                                      timeInForce="GTC", quantity="0.001",
                                      price=_price(ex))  # fmt: skip
        assert placed["status"] == "NEW"
        assert (await ws.session_status())["apiKey"] == ex.ed25519_api_key
        await ws.session_logout()
        assert not ws.logged_on
        assert (await ws.session_status())["apiKey"] is None


async def test_session_logon_refuses_hmac(ex: LocalExchange) -> None:
    async with _hmac(ex) as ws:
        with pytest.raises(ValidationError, match="Ed25519"):
            await ws.session_logon()


async def test_client_ws_api_accessor_and_closed_connection(ex: LocalExchange) -> None:
    client = Client(ex.api_key, ex.api_secret, base_url=ex.rest_url, ws_api_url=ex.ws_api_url)
    async with client, client.ws_api() as ws:
        await ws.ping()
        assert ex.faults.close_connections("abrupt", kind="api") == 1
        reason = await ws.wait_closed()
        assert reason
        with pytest.raises(TransportError):
            await ws.ping()
