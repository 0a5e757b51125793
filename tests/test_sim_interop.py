"""A third-party client against the local exchange with only its URLs changed: python-binance's
AsyncClient (its own signing, form-encoded POST/DELETE bodies, signature last) and its
BinanceSocketManager (raw, diff-depth and multiplexed sockets; its user socket, which signs
``userDataStream.subscribe.signature`` on the WebSocket API).
Skipped when python-binance is not installed."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import pytest

from binance_async.sim import LocalExchange

from .sim_helpers import signed, wait_for_trades

binance = pytest.importorskip(
    "binance", reason="python-binance is not installed (pip install -e '.[test]')"
)


@pytest.fixture
async def ex() -> AsyncIterator[LocalExchange]:
    async with LocalExchange(symbols=["BTCUSDT", "ETHUSDT"], seed=7) as ex:
        await wait_for_trades(ex)
        yield ex


def _client_class(ex: LocalExchange) -> Any:
    class LocalAsyncClient(binance.AsyncClient):  # type: ignore[misc,name-defined]
        API_URL = ex.rest_url + "/api"  # formatted with (base_endpoint, tld): no braces left
        MARGIN_API_URL = ex.rest_url + "/sapi"
        WS_API_URL = ex.ws_api_url  # its user socket subscribes over the WebSocket API

    return LocalAsyncClient


async def test_python_binance_async_client(ex: LocalExchange) -> None:
    client = await _client_class(ex).create(ex.api_key, ex.api_secret)  # pings, gets time
    try:
        assert await client.ping() == {}
        t = await client.get_server_time()
        assert abs(t["serverTime"] - ex.clock.now_ms()) < 2_000
        info = await client.get_exchange_info()
        assert {s["symbol"] for s in info["symbols"]} == {"BTCUSDT", "ETHUSDT"}
        book = await client.get_order_book(symbol="BTCUSDT", limit=10)
        assert len(book["bids"]) == 10 and Decimal(book["bids"][0][0]) < Decimal(book["asks"][0][0])
        assert await client.get_klines(symbol="BTCUSDT", interval="1m", limit=5)
        tick = await client.get_ticker(symbol="BTCUSDT")
        assert tick["symbol"] == "BTCUSDT" and Decimal(tick["lastPrice"]) > 0
        assert isinstance(await client.get_aggregate_trades(symbol="BTCUSDT"), list)
        acct = await client.get_account()
        assert any(b["asset"] == "USDT" and Decimal(b["free"]) > 0 for b in acct["balances"])
        price = (Decimal(book["bids"][-1][0]) - 50).quantize(Decimal("0.01"))
        order = await client.order_limit_buy(symbol="BTCUSDT", quantity="0.01", price=str(price))
        assert order["status"] == "NEW"
        oid = order["orderId"]
        q = await client.get_order(symbol="BTCUSDT", orderId=oid)
        assert q["status"] == "NEW" and Decimal(q["price"]) == price
        opened = await client.get_open_orders(symbol="BTCUSDT")
        assert [o["orderId"] for o in opened] == [oid]
        cancelled = await client.cancel_order(symbol="BTCUSDT", orderId=oid)
        assert cancelled["status"] == "CANCELED"
        assert await client.get_open_orders(symbol="BTCUSDT") == []
        # a rejected order surfaces as python-binance's own exception with Binance's code
        with pytest.raises(binance.exceptions.BinanceAPIException) as err:
            await client.get_order(symbol="BTCUSDT", orderId=10**9)
        assert err.value.code == -2013
    finally:
        await client.close_connection()
    assert ex.statistics()["responses"].get(200, 0) >= 13


async def test_python_binance_bad_secret_is_rejected(ex: LocalExchange) -> None:
    client = await _client_class(ex).create(ex.api_key, "0" * 64)
    try:
        with pytest.raises(binance.exceptions.BinanceAPIException) as err:
            await client.get_account()
        assert err.value.code == -1022
    finally:
        await client.close_connection()


async def _manager(ex: LocalExchange) -> tuple[Any, Any]:
    class LocalSocketManager(binance.BinanceSocketManager):  # type: ignore[misc,name-defined]
        STREAM_URL = ex.ws_url + "/"

    client = await _client_class(ex).create(ex.api_key, ex.api_secret)
    return client, LocalSocketManager(client)


async def test_python_binance_socket_manager(ex: LocalExchange,
                                            monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    # its read loops notice a close only between 10-second receive timeouts: shorten them
    from binance.ws.reconnecting_websocket import ReconnectingWebsocket  # type: ignore[import-untyped]

    monkeypatch.setattr(ReconnectingWebsocket, "TIMEOUT", 0.3)
    client, bsm = await _manager(ex)
    try:
        async with bsm.trade_socket("BTCUSDT") as s:
            msg = await asyncio.wait_for(s.recv(), 5)
            assert msg["e"] == "trade" and msg["s"] == "BTCUSDT"
        async with bsm.depth_socket("ETHUSDT", interval=100) as s:
            msg = await asyncio.wait_for(s.recv(), 5)
            assert msg["e"] == "depthUpdate" and msg["U"] <= msg["u"]
        async with bsm.multiplex_socket(["btcusdt@bookTicker", "ethusdt@aggTrade"]) as s:
            msg = await asyncio.wait_for(s.recv(), 5)
            assert msg["stream"] in ("btcusdt@bookTicker", "ethusdt@aggTrade")
        async with bsm.user_socket() as s:
            await asyncio.sleep(0.2)
            book = ex.engine.markets["BTCUSDT"].book
            r = await signed(ex, "POST", "/api/v3/order", {
                "symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC",
                "quantity": "0.001", "price": str(book.best_bid() // 10**8 // 2)})  # fmt: skip
            assert r.status == 200
            seen = set()
            while "executionReport" not in seen:
                seen.add((await asyncio.wait_for(s.recv(), 5))["e"])
    finally:
        await client.close_connection()
