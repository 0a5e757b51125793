"""`client.user_data(...)` against the local exchange: WebSocket API and listenKey sources,
expiry, keepalive failure, lost connections, eventStreamTerminated."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from binance_async import Client
from binance_async.errors import ValidationError
from binance_async.models.user_data import (
    ExecutionReport,
    ListenKeyExpired,
    OutboundAccountPosition,
)
from binance_async.sim import LocalExchange
from binance_async.streams.manager import StreamGap
from binance_async.streams.user import UserDataStream

from .sim_helpers import send, signed


def _client(ex: LocalExchange, *, ed25519: bool = False) -> Client:
    urls = {"base_url": ex.rest_url, "stream_url": ex.ws_url, "ws_api_url": ex.ws_api_url}
    if ed25519:
        return Client(ex.ed25519_api_key, private_key=ex.ed25519_private_key_pem, **urls)
    return Client(ex.api_key, ex.api_secret, **urls)


async def _limit_buy(ex: LocalExchange) -> Any:
    price = ex.engine.markets["BTCUSDT"].book.best_bid() // 10**8 // 2
    r = await signed(ex, "POST", "/api/v3/order", {
        "symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC",
        "quantity": "0.001", "price": str(price)})  # fmt: skip
    assert r.status == 200, r.text
    return r.body


async def _until(events: UserDataStream, pred: Any, wait: float = 5.0) -> list[Any]:
    out: list[Any] = []

    async def run() -> None:
        async for ev in events:
            out.append(ev)
            if pred(ev):
                return

    await asyncio.wait_for(run(), wait)
    return out


def _is_report(ev: Any) -> bool:
    return isinstance(ev, ExecutionReport)


@pytest.fixture
async def ex() -> AsyncIterator[LocalExchange]:
    async with LocalExchange(symbols=["BTCUSDT"], seed=1, flow_rate=0) as ex:
        yield ex


@pytest.mark.parametrize("ed25519", [False, True])
async def test_ws_api_source_gets_order_events(ex: LocalExchange, ed25519: bool) -> None:
    async with _client(ex, ed25519=ed25519) as client, client.user_data("spot") as events:
        assert events.source == "ws_api"
        order = await _limit_buy(ex)
        evs = await _until(events, lambda e: isinstance(e, OutboundAccountPosition))
        rep = next(e for e in evs if _is_report(e))
        assert rep.order_id == order["orderId"]
        assert not any(isinstance(e, StreamGap) for e in evs)


async def test_ws_api_source_resubscribes_after_lost_connection(ex: LocalExchange) -> None:
    async with _client(ex) as client, client.user_data("spot") as events:
        assert ex.faults.close_connections("abrupt", kind="api") == 1
        evs = await _until(events, lambda e: isinstance(e, StreamGap))
        assert evs[-1].reason == "reconnected" and evs[-1].streams == ("user:spot",)
        await _limit_buy(ex)
        await _until(events, _is_report)
        assert events.statistics()["reconnects"] == 1


async def test_ws_api_event_stream_terminated_resubscribes(ex: LocalExchange) -> None:
    async with _client(ex) as client, client.user_data("spot") as events:
        ws = events._ws
        assert ws is not None
        await ws.request("userDataStream.unsubscribe")
        evs = await _until(events, lambda e: isinstance(e, StreamGap))
        assert evs[0].event_type == "eventStreamTerminated"
        await _limit_buy(ex)
        await _until(events, _is_report)
        assert events.statistics()["resubscribes"] == 1


async def test_listen_key_source_gets_order_events(ex: LocalExchange) -> None:
    client = _client(ex)
    async with client, client.user_data("spot", source="listen_key") as events:
        assert events.listen_key is not None
        order = await _limit_buy(ex)
        evs = await _until(events, _is_report)
        assert evs[-1].order_id == order["orderId"]
        key = events.listen_key
    assert events.listen_key is None
    # closed (DELETE) on exit: a keepalive of that key now fails
    r = await send(ex, "PUT", "/api/v3/userDataStream", f"listenKey={key}", api_key=ex.api_key)
    assert r.status == 400


async def test_margin_and_isolated_listen_keys(ex: LocalExchange) -> None:
    async with _client(ex) as client:
        async with client.user_data("margin") as margin, \
                client.user_data(("isolated", "BTCUSDT")) as isolated:  # fmt: skip
            assert margin.source == isolated.source == "listen_key"
            assert margin.listen_key and isolated.listen_key
        with pytest.raises(ValidationError):
            client.user_data("margin", source="ws_api")
        with pytest.raises(ValidationError):
            client.user_data("futures")  # type: ignore[arg-type]


async def test_listen_key_expiry_recreates_with_gap() -> None:
    async with LocalExchange(symbols=["BTCUSDT"], seed=1, speed=3600, flow_rate=0) as ex:
        client = _client(ex)
        async with client, client.user_data("margin", keepalive_interval=100) as events:
            first = events.listen_key
            evs = await _until(events, lambda e: isinstance(e, StreamGap), wait=8)
            assert any(isinstance(e, ListenKeyExpired) for e in evs)
            assert events.listen_key != first
            assert events.statistics()["keys_created"] == 2


async def test_keepalive_keeps_key_at_fast_clock() -> None:
    async with LocalExchange(symbols=["BTCUSDT"], seed=1, speed=3600, flow_rate=0) as ex:
        client = _client(ex)
        async with client, client.user_data("margin", keepalive_interval=0.25) as events:
            first = events.listen_key
            await asyncio.sleep(2.0)  # two simulated hours
            stats = events.statistics()
            assert events.listen_key == first and stats["keys_created"] == 1
            assert stats["keepalives"] >= 4 and stats["gaps"] == 0


async def test_keepalive_failure_recreates_with_gap(ex: LocalExchange) -> None:
    client = _client(ex)
    async with client, client.user_data("margin", keepalive_interval=0.2) as events:
        first = events.listen_key
        r = await send(ex, "DELETE", "/sapi/v1/userDataStream", f"listenKey={first}",
                       api_key=ex.api_key)  # fmt: skip
        assert r.status == 200
        evs = await _until(events, lambda e: isinstance(e, StreamGap))
        assert evs[-1].streams == ("user:margin",)
        stats = events.statistics()
        assert stats["keepalive_failures"] == 1 and stats["keys_created"] == 2
        assert events.listen_key != first


async def test_listen_key_connection_killed_reconnects(ex: LocalExchange) -> None:
    client = _client(ex)
    async with client, client.user_data("spot", source="listen_key") as events:
        key = events.listen_key
        assert ex.faults.close_connections("abrupt", kind="stream") >= 1
        evs = await _until(events, lambda e: isinstance(e, StreamGap))
        assert evs[-1].reason == "reconnected"
        assert events.listen_key == key  # the key still answered a keepalive
        await _limit_buy(ex)
        await _until(events, _is_report)
