"""A third-party client's WebSocket layer against the local exchange with only its URLs changed:
python-binance's BinanceSocketManager (raw, diff-depth and multiplexed sockets; its user
socket, which signs ``userDataStream.subscribe.signature`` on the WebSocket API).
Skipped when python-binance is not installed."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
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


async def _manager(ex: LocalExchange) -> tuple[Any, Any]:
    class LocalAsyncClient(binance.AsyncClient):  # type: ignore[misc,name-defined]
        API_URL = ex.rest_url + "/api"
        MARGIN_API_URL = ex.rest_url + "/sapi"
        WS_API_URL = ex.ws_api_url  # its user socket subscribes over the WebSocket API

    class LocalSocketManager(binance.BinanceSocketManager):  # type: ignore[misc,name-defined]
        STREAM_URL = ex.ws_url + "/"

    client = await LocalAsyncClient.create(ex.api_key, ex.api_secret)
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
