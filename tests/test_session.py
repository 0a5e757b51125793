"""The REST session against a real aiohttp server on 127.0.0.1: exact bytes, signing, time,
retries, rate limits, error mapping and secrecy."""

from __future__ import annotations

import asyncio
import gc
import logging
import time
from decimal import Decimal
from pathlib import Path

import pytest
from aiohttp import web
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from binance_async import errors as E
from binance_async.rest.session import Client, RetryPolicy
from binance_async.rest.transport import HttpRequest, HttpResponse, MockTransport

from .fake_binance import Seen, error, json_handler, serve, verify_asymmetric, verify_hmac

KEY = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"
SECRET = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"
FAST_RETRY = RetryPolicy(max_retries=2, base_delay=0.0, max_delay=0.0)


def make_client(base_url: str, **kw: object) -> Client:
    kw.setdefault("retry", FAST_RETRY)
    return Client(KEY, SECRET, base_url=base_url, **kw)  # type: ignore[arg-type]


async def test_public_get_sends_exact_query_without_key_or_signature() -> None:
    async with serve() as fake, Client(base_url=fake.base_url) as client:
        fake.route(
            "GET", "/api/v3/depth", json_handler({"lastUpdateId": 1, "bids": [], "asks": []})
        )
        result = await client.request("GET", "/api/v3/depth", {"symbol": "BTCUSDT", "limit": 5})
        assert result == {"lastUpdateId": 1, "bids": [], "asks": []}
        (seen,) = fake.calls("/api/v3/depth")
        assert seen.query == "symbol=BTCUSDT&limit=5"
        assert "X-MBX-APIKEY" not in seen.headers


async def test_signed_get_hmac_exact_bytes_and_time_offset() -> None:
    async with serve() as fake, make_client(fake.base_url) as client:
        fake.time_offset_ms = 5000  # the server's clock is 5 s ahead of ours
        await client.request(
            "GET",
            "/api/v3/myTrades",
            {"symbols": ["BTCUSDT", "BNBBTC"], "price": Decimal("1E-8"), "flag": True},
            signed=True,
        )
        assert len(fake.calls("/api/v3/time")) == 1
        (seen,) = fake.calls("/api/v3/myTrades")
        assert seen.headers["X-MBX-APIKEY"] == KEY
        assert seen.query.startswith(
            "symbols=%5B%22BTCUSDT%22%2C%22BNBBTC%22%5D&price=0.00000001&flag=true"
            "&recvWindow=5000&timestamp="
        )
        assert seen.query.rpartition("&")[2].startswith("signature=")
        assert verify_hmac(seen, SECRET)
        server_now = time.time() * 1000 + 5000
        assert abs(int(seen.param("timestamp") or 0) - server_now) < 2000
        # a second signed call reuses the measured offset
        await client.request("GET", "/api/v3/myTrades", {}, signed=True)
        assert len(fake.calls("/api/v3/time")) == 1


@pytest.mark.parametrize("kind", ["rsa", "ed25519"])
async def test_signed_with_private_keys(kind: str, real_data: Path) -> None:
    if kind == "rsa":
        pem = (real_data / "binance-signature-examples/python/private_key.pem").read_bytes()
        public = serialization.load_pem_private_key(pem, None).public_key()
    else:
        key = ed25519.Ed25519PrivateKey.generate()
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        public = key.public_key()
    async with serve() as fake, Client(KEY, private_key=pem, base_url=fake.base_url) as client:
        await client.request("POST", "/api/v3/order/test", {"symbol": "BTCUSDT"}, signed=True)
        (seen,) = fake.calls("/api/v3/order/test")
        assert verify_asymmetric(seen, public)  # type: ignore[arg-type]


async def test_invalid_timestamp_resyncs_and_retries_get_once() -> None:
    async with serve() as fake, make_client(fake.base_url) as client:
        replies = iter(
            [
                error(400, -1021, "Timestamp for this request is outside of the recvWindow."),
                web.json_response({"ok": 1}),
            ]
        )
        fake.route("GET", "/api/v3/account", lambda _: next(replies))
        assert await client.request("GET", "/api/v3/account", signed=True) == {"ok": 1}
        assert [s.path for s in fake.seen] == [
            "/api/v3/time",
            "/api/v3/account",
            "/api/v3/time",
            "/api/v3/account",
        ]
        fake.route("GET", "/api/v3/account", lambda _: error(400, -1021, "outside recvWindow"))
        with pytest.raises(E.InvalidTimestamp):
            await client.request("GET", "/api/v3/account", signed=True)
        assert len(fake.calls("/api/v3/account")) == 4  # retried once, then raised


async def test_invalid_timestamp_never_retries_an_order() -> None:
    async with serve() as fake, make_client(fake.base_url) as client:
        fake.route("POST", "/api/v3/order", lambda _: error(400, -1021, "outside recvWindow"))
        with pytest.raises(E.InvalidTimestamp):
            await client.request("POST", "/api/v3/order", {"symbol": "BTCUSDT"}, signed=True)
        assert len(fake.calls("/api/v3/order")) == 1
        assert len(fake.calls("/api/v3/time")) == 2  # resynced for the next call


async def test_get_retried_on_5xx_but_post_never() -> None:
    async with serve() as fake, make_client(fake.base_url) as client:
        replies = iter(
            [error(502, 0, "bad gateway"), error(503, -1008, "busy"), web.json_response([1])]
        )
        fake.route("GET", "/api/v3/ticker/price", lambda _: next(replies))
        assert await client.request("GET", "/api/v3/ticker/price") == [1]
        assert len(fake.calls("/api/v3/ticker/price")) == 3
        assert client.statistics()["retries"] == 2

        fake.route("POST", "/api/v3/order", lambda _: error(503, -1007, "Timeout waiting"))
        with pytest.raises(E.ExecutionStatusUnknown) as info:
            await client.request(
                "POST",
                "/api/v3/order",
                {"symbol": "BTCUSDT", "newClientOrderId": "my-1"},
                signed=True,
            )
        assert info.value.client_order_id == "my-1"
        assert len(fake.calls("/api/v3/order")) == 1

        fake.route("GET", "/api/v3/ticker/price", lambda _: error(500, 0, "down"))
        with pytest.raises(E.ExecutionStatusUnknown):
            await client.request("GET", "/api/v3/ticker/price")
        assert len(fake.calls("/api/v3/ticker/price")) == 3 + 3  # 1 try + 2 retries


async def test_connect_error_and_timeout_are_transport_errors() -> None:
    async with serve() as fake:
        closed_url = fake.base_url
    async with make_client(closed_url) as client:
        with pytest.raises(E.ConnectError) as info:
            await client.request("GET", "/api/v3/ping")
        assert client.statistics()["retries"] == 2
        assert "signature" not in str(info.value)

    async def slow(_: Seen) -> web.Response:
        await asyncio.sleep(2)
        return web.json_response({})

    async with (
        serve() as fake,
        make_client(fake.base_url, timeout=0.2, retry=RetryPolicy(max_retries=0)) as client,
    ):
        fake.route("GET", "/api/v3/ping", slow)
        with pytest.raises(asyncio.TimeoutError) as t_info:
            await client.request("GET", "/api/v3/ping")
        assert isinstance(t_info.value, E.RequestTimeout)


async def test_429_blocks_the_pool_and_418_blocks_everything() -> None:
    async with serve() as fake, make_client(fake.base_url, on_limit="raise") as client:
        fake.route(
            "GET",
            "/api/v3/ticker/price",
            lambda _: error(429, -1003, "Too much request weight used", {"Retry-After": "30"}),
        )
        with pytest.raises(E.RateLimited) as info:
            await client.request("GET", "/api/v3/ticker/price")
        assert info.value.retry_after == 30.0 and info.value.status == 429
        with pytest.raises(E.RateLimited) as info:  # refused client-side, nothing sent
            await client.request("GET", "/api/v3/ticker/price")
        assert 0 < (info.value.retry_after or 0) <= 30
        assert len(fake.calls("/api/v3/ticker/price")) == 1

    async with serve() as fake, make_client(fake.base_url, on_limit="raise") as client:
        fake.route(
            "GET",
            "/api/v3/depth",
            lambda _: error(
                418, -1003, "Way too much request weight used; IP banned", {"Retry-After": "120"}
            ),
        )
        with pytest.raises(E.IPBanned) as ban:
            await client.request("GET", "/api/v3/depth", {"symbol": "BTCUSDT"})
        assert ban.value.retry_after == 120.0
        with pytest.raises(E.IPBanned):
            await client.request("GET", "/sapi/v1/system/status")
        assert len(fake.seen) == 1


async def test_wait_mode_waits_out_a_short_retry_after() -> None:
    async with serve() as fake, make_client(fake.base_url) as client:
        replies = iter(
            [error(429, -1003, "Too much weight", {"Retry-After": "0.3"}), web.json_response({})]
        )
        fake.route("GET", "/api/v3/ping", lambda _: next(replies))
        with pytest.raises(E.RateLimited):
            await client.request("GET", "/api/v3/ping")
        assert await client.request("GET", "/api/v3/ping") == {}
        assert len(fake.calls("/api/v3/ping")) == 2


async def test_used_weight_header_reconciles_the_limiter() -> None:
    async with serve() as fake, make_client(fake.base_url, on_limit="raise") as client:
        fake.route(
            "GET", "/api/v3/ping", json_handler({}, headers={"X-MBX-USED-WEIGHT-1M": "6000"})
        )
        await client.request("GET", "/api/v3/ping")
        stats = client.statistics()["limits"]["REQUEST_WEIGHT"]
        assert stats.used >= 6000
        with pytest.raises(E.RateLimited, match="REQUEST_WEIGHT"):
            await client.request("GET", "/api/v3/ping")
        assert len(fake.calls("/api/v3/ping")) == 1


async def test_exchange_info_rate_limits_replace_defaults() -> None:
    info = {
        "timezone": "UTC",
        "serverTime": 1,
        "symbols": [],
        "exchangeFilters": [],
        "rateLimits": [
            {
                "rateLimitType": "REQUEST_WEIGHT",
                "interval": "MINUTE",
                "intervalNum": 1,
                "limit": 1200,
            }
        ],
    }
    async with serve() as fake, make_client(fake.base_url) as client:
        fake.route("GET", "/api/v3/exchangeInfo", json_handler(info))
        await client.request("GET", "/api/v3/exchangeInfo")
        assert client.statistics()["limits"]["REQUEST_WEIGHT"].limit == 1200


@pytest.mark.parametrize(
    ("status", "body", "cls"),
    [
        (403, b"<html><body>403 Forbidden (WAF)</body></html>", E.InvalidResponse),
        (502, b"<html>Bad Gateway</html>", E.ExecutionStatusUnknown),
        (200, b"<html>captive portal</html>", E.InvalidResponse),
        (200, b'{"cut": ', E.InvalidResponse),
    ],
)
async def test_non_json_bodies_become_clear_api_errors(
    status: int, body: bytes, cls: type[E.APIError]
) -> None:
    async with serve() as fake, make_client(fake.base_url, retry=RetryPolicy(0)) as client:
        fake.route(
            "GET",
            "/api/v3/ping",
            lambda _: web.Response(body=body, status=status, content_type="text/html"),
        )
        with pytest.raises(cls) as info:
            await client.request("GET", "/api/v3/ping")
        assert info.value.status == status
        if body.startswith(b"<html>") or status == 403:
            assert "html" in str(info.value).lower()


async def test_validation_before_sending() -> None:
    with pytest.raises(E.ValidationError, match="recv_window"):
        Client(recv_window=60001)
    async with serve() as fake:
        async with Client(base_url=fake.base_url) as anonymous:
            with pytest.raises(E.ValidationError, match="needs an API key"):
                await anonymous.request("GET", "/api/v3/account", signed=True)
        async with Client(KEY, base_url=fake.base_url) as key_only:
            with pytest.raises(E.ValidationError, match="api_secret= or private_key="):
                await key_only.request("GET", "/api/v3/account", signed=True)
        async with make_client(fake.base_url) as client:
            with pytest.raises(E.ValidationError, match="recvWindow"):
                await client.request("GET", "/api/v3/account", {"recvWindow": 70000}, signed=True)
        assert fake.seen == []


async def test_secrets_never_in_repr_logs_or_errors(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    async with serve() as fake, make_client(fake.base_url) as client:
        fake.route("GET", "/api/v3/account", lambda _: error(401, -2015, "Invalid API-key"))
        with pytest.raises(E.RejectedMbxKey) as info:
            await client.request("GET", "/api/v3/account", signed=True)
        fake.route("GET", "/api/v3/myTrades", lambda _: error(502, 0, "x"))
        with pytest.raises(E.ExecutionStatusUnknown) as info2:
            await client.request("GET", "/api/v3/myTrades", signed=True)
        texts = [
            repr(client),
            str(client),
            str(info.value),
            repr(info.value),
            str(info2.value),
            repr(info.value.headers),
            caplog.text,
            repr(client.statistics()),
        ]
        for text in texts:
            assert KEY not in text and SECRET not in text


async def test_mock_transport_seam() -> None:
    def handler(request: HttpRequest) -> HttpResponse:
        assert request.path == "/api/v3/ping"
        return HttpResponse(200, {"X-MBX-USED-WEIGHT-1M": "7"}, b"{}")

    transport = MockTransport(handler)
    async with Client(base_url="http://exchange.invalid", transport=transport) as client:
        assert await client.request("GET", "/api/v3/ping") == {}
        assert client.statistics()["limits"]["REQUEST_WEIGHT"].used == 7
    assert transport.closed and len(transport.requests) == 1


async def test_unclosed_client_warns() -> None:
    async with serve() as fake:
        client = make_client(fake.base_url)
        await client.request("GET", "/api/v3/ping")
        with pytest.warns(ResourceWarning, match="was not closed"):
            del client
            gc.collect()


async def test_stream_and_ws_api_urls_follow_the_base_url() -> None:
    from binance_async.rest.session import companion_urls

    testnet = ("wss://stream.testnet.binance.vision", "wss://ws-api.testnet.binance.vision/ws-api/v3")
    assert companion_urls("https://testnet.binance.vision/") == testnet
    assert companion_urls("https://api.binance.com") == (
        "wss://stream.binance.com:9443", "wss://ws-api.binance.com:443/ws-api/v3")  # fmt: skip
    local_urls = ("ws://127.0.0.1:8080", "ws://127.0.0.1:8080/ws-api/v3")
    assert companion_urls("http://127.0.0.1:8080") == local_urls
    with pytest.raises(ValueError, match="http:// or https://"):
        companion_urls("ftp://example")
    async with Client(base_url="http://127.0.0.1:8080", time_sync=False) as local:
        assert (local.stream_url, local.ws_api_url) == local_urls
    async with Client(
        base_url="http://127.0.0.1:8080", stream_url="ws://other:1/", time_sync=False
    ) as mixed:
        assert mixed.stream_url == "ws://other:1" and mixed.ws_api_url == local_urls[1]
    async with Client(time_sync=False) as prod:
        assert prod.stream_url == "wss://stream.binance.com:9443"


async def test_client_from_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("BINANCE_API_KEY", "BINANCE_API_SECRET", "BINANCE_PRIVATE_KEY_FILE",
                 "BINANCE_PRIVATE_KEY_PASSWORD"):  # fmt: skip
        monkeypatch.delenv(name, raising=False)
    async with Client.from_env("http://127.0.0.1:8080", time_sync=False) as anonymous:
        assert not anonymous.has_credentials and anonymous.stream_url == "ws://127.0.0.1:8080"
    monkeypatch.setenv("BINANCE_API_KEY", "key")
    monkeypatch.setenv("BINANCE_API_SECRET", "secret")
    async with Client.from_env(time_sync=False) as hmac:
        assert hmac.has_credentials and "secret" not in repr(hmac)
    pem = ed25519.Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )  # fmt: skip
    (tmp_path / "key.pem").write_bytes(pem)
    async with Client.from_env(key_file=str(tmp_path / "key.pem"), time_sync=False) as ed:
        assert repr(ed).endswith("signer=ED25519)")
