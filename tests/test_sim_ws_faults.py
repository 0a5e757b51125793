"""LocalExchange faults, each observed from a client: depth gaps / duplicates / reordering,
closes (1000, 1001, abrupt), stalls, malformed frames, REST delays / 5xx / timeouts / HTML /
429 / 418, clock skew, stale snapshots; the HTTP control routes and the ground-truth route."""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import aiohttp
import pytest

from binance_async.sim import LocalExchange
from binance_async.sim.ws_conn import WsLimits

from .sim_helpers import send, signed
from .sim_ws_helpers import collect, next_json, wait_closed


@pytest.fixture
async def ex() -> AsyncIterator[LocalExchange]:
    async with LocalExchange(symbols=["BTCUSDT", "ETHUSDT"], seed=1,
                             ws_limits=WsLimits(max_messages=1000)) as ex:  # fmt: skip
        yield ex


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as s:
        yield s


async def _depth_events(ws: aiohttp.ClientWebSocketResponse, n: int) -> list[dict[str, Any]]:
    return [await next_json(ws) for _ in range(n)]


async def _post_fault(ex: LocalExchange, name: str, **kwargs: Any) -> Any:
    async with aiohttp.ClientSession() as s, \
            s.post(f"{ex.rest_url}/_sim/faults/{name}", json=kwargs) as r:  # fmt: skip
        return r.status, await r.json()


# --- depth stream -------------------------------------------------------------------------------


async def test_drop_depth_makes_a_gap(ex: LocalExchange, http: aiohttp.ClientSession) -> None:
    async with http.ws_connect(ex.ws_url + "/ws/btcusdt@depth@100ms") as ws:
        before = await next_json(ws)
        ex.faults.drop_depth("BTCUSDT", count=2)
        evs = [before, *await _depth_events(ws, 3)]
    gaps = [b["U"] - a["u"] - 1 for a, b in itertools.pairwise(evs)]
    assert any(g > 0 for g in gaps), evs


async def test_duplicate_depth(ex: LocalExchange, http: aiohttp.ClientSession) -> None:
    async with http.ws_connect(ex.ws_url + "/ws/btcusdt@depth@100ms") as ws:
        await next_json(ws)
        ex.faults.duplicate_depth("btcusdt")
        evs = await _depth_events(ws, 3)
    assert any(a == b for a, b in itertools.pairwise(evs))


async def test_reorder_depth(ex: LocalExchange, http: aiohttp.ClientSession) -> None:
    async with http.ws_connect(ex.ws_url + "/ws/btcusdt@depth@100ms") as ws:
        await next_json(ws)
        ex.faults.reorder_depth("BTCUSDT")
        evs = await _depth_events(ws, 3)
    assert any(b["u"] < a["u"] for a, b in itertools.pairwise(evs))


async def test_fault_over_http_route(ex: LocalExchange, http: aiohttp.ClientSession) -> None:
    async with http.ws_connect(ex.ws_url + "/ws/ethusdt@depth@100ms") as ws:
        first = await next_json(ws)
        status, body = await _post_fault(ex, "drop_depth", symbol="ETHUSDT", count=3)
        assert (status, body) == (200, {"ok": True, "result": None})
        evs = [first, *await _depth_events(ws, 2)]
    assert any(b["U"] > a["u"] + 1 for a, b in itertools.pairwise(evs))
    status, body = await _post_fault(ex, "no_such_fault")
    assert status == 404 and "drop_depth" in body["faults"]
    status, body = await _post_fault(ex, "drop_depth", symbol="NOPE")
    assert status == 400
    async with http.get(ex.rest_url + "/_sim/faults") as r:
        assert set(await r.json()) == {"depth", "rest", "skew_ms", "stalled"}


# --- connections --------------------------------------------------------------------------------


@pytest.mark.parametrize(("mode", "code"), [("normal", 1000), ("going_away", 1001)])
async def test_close_with_code(ex: LocalExchange, http: aiohttp.ClientSession, mode: str,
                               code: int) -> None:  # fmt: skip
    async with http.ws_connect(ex.ws_url + "/ws/btcusdt@trade") as ws:
        await asyncio.sleep(0.05)
        assert ex.faults.close_connections(mode) == 1
        msg = await wait_closed(ws)
        assert msg.type == aiohttp.WSMsgType.CLOSE and ws.close_code == code


async def test_abrupt_close_has_no_close_frame(ex: LocalExchange,
                                               http: aiohttp.ClientSession) -> None:  # fmt: skip
    async with http.ws_connect(ex.ws_url + "/ws-api/v3") as ws:
        await asyncio.sleep(0.05)
        assert ex.faults.close_connections("abrupt", kind="api") == 1
        msg = await wait_closed(ws)
        assert msg.type != aiohttp.WSMsgType.CLOSE
        assert ws.close_code in (None, 1006)


async def test_stall_keeps_socket_but_stops_data(ex: LocalExchange,
                                                 http: aiohttp.ClientSession) -> None:  # fmt: skip
    async with http.ws_connect(ex.ws_url + "/ws/btcusdt@bookTicker") as ws:
        await next_json(ws)
        assert ex.faults.stall_connections(kind="stream") == 1
        await asyncio.sleep(0.1)
        while True:  # drain what was in flight
            try:
                await ws.receive(timeout=0.2)
            except TimeoutError:
                break
        assert ex.ws.statistics()["connections"] == 1 and not ws.closed
    async with http.ws_connect(ex.ws_url + "/ws/btcusdt@bookTicker") as ws2:
        ex.faults.stall_connections(path="/ws/btcusdt@bookTicker", stalled=False)
        ex.faults.clear()
        assert (await next_json(ws2))["s"] == "BTCUSDT"


async def test_malformed_frame(ex: LocalExchange, http: aiohttp.ClientSession) -> None:
    async with http.ws_connect(ex.ws_url + "/ws") as ws:
        await asyncio.sleep(0.05)
        assert ex.faults.send_malformed() == 1
        msg = await ws.receive(timeout=3)
        assert msg.type == aiohttp.WSMsgType.TEXT
        with pytest.raises(json.JSONDecodeError):
            json.loads(msg.data)


async def test_server_shutdown_route(ex: LocalExchange, http: aiohttp.ClientSession) -> None:
    async with http.ws_connect(ex.ws_url + "/ws") as ws:
        await asyncio.sleep(0.05)
        _status, body = await _post_fault(ex, "server_shutdown")
        assert body == {"ok": True, "result": 1}
        assert (await next_json(ws))["e"] == "serverShutdown"


# --- REST -----------------------------------------------------------------------------------------


async def test_rest_delay(ex: LocalExchange) -> None:
    ex.faults.delay_rest(0.4, count=1, path="/api/v3/time")
    t0 = time.monotonic()
    r = await send(ex, "GET", "/api/v3/time")
    assert r.status == 200 and time.monotonic() - t0 >= 0.4
    t0 = time.monotonic()
    await send(ex, "GET", "/api/v3/time")
    assert time.monotonic() - t0 < 0.3  # count=1: only once


async def test_rest_5xx_with_and_without_execution(ex: LocalExchange) -> None:
    ex.faults.fail_rest(503, path="/api/v3/ping")
    r = await send(ex, "GET", "/api/v3/ping")
    assert r.status == 503 and r.body["code"] == -1001
    assert (await send(ex, "GET", "/api/v3/ping")).status == 200
    ex.faults.fail_rest(504, path="/api/v3/order", method="POST", execute=True)
    order = {"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quantity": "0.001",
             "newClientOrderId": "unknown-1"}
    r = await signed(ex, "POST", "/api/v3/order", order)
    assert r.status == 504 and r.body["code"] == -1007
    # execution status unknown... but the order did execute
    q = await signed(ex, "GET", "/api/v3/order", {"symbol": "BTCUSDT",
                                                  "origClientOrderId": "unknown-1"})  # fmt: skip
    assert q.status == 200 and q.body["status"] == "FILLED"


async def test_rest_timeout_drops_connection(ex: LocalExchange) -> None:
    ex.faults.timeout_rest(0.3, path="/api/v3/userDataStream")
    headers = {"X-MBX-APIKEY": ex.api_key}
    url = ex.rest_url + "/api/v3/userDataStream"
    async with aiohttp.ClientSession() as s:
        t0 = time.monotonic()
        with pytest.raises(aiohttp.ClientError):  # a POST is not retried by aiohttp
            async with s.post(url, headers=headers) as r:
                await r.read()
        assert time.monotonic() - t0 >= 0.3
        async with s.post(url, headers=headers) as r:
            assert r.status == 200


async def test_rest_client_timeout(ex: LocalExchange) -> None:
    ex.faults.timeout_rest(1.0, path="/api/v3/ping")
    timeout = aiohttp.ClientTimeout(total=0.3)
    async with aiohttp.ClientSession(timeout=timeout) as s:
        with pytest.raises(asyncio.TimeoutError):
            async with s.get(ex.rest_url + "/api/v3/ping") as r:
                await r.read()


async def test_rest_non_json(ex: LocalExchange) -> None:
    ex.faults.non_json_rest(path="/api/v3/depth")
    r = await send(ex, "GET", "/api/v3/depth", "symbol=BTCUSDT")
    assert r.status == 502 and r.body is None and "<html>" in r.text
    assert r.headers["Content-Type"].startswith("text/html")


@pytest.mark.parametrize("status", [429, 418])
async def test_forced_rate_limit(ex: LocalExchange, status: int) -> None:
    ex.faults.force_rate_limit(status, retry_after=7)
    r = await send(ex, "GET", "/api/v3/exchangeInfo")
    assert r.status == status and r.body["code"] == -1003
    assert r.headers["Retry-After"] == "7" and "X-MBX-USED-WEIGHT-1M" in r.headers
    assert (await send(ex, "GET", "/api/v3/exchangeInfo")).status == 200


async def test_clock_skew(ex: LocalExchange) -> None:
    ex.faults.skew_clock(-120_000)
    r = await send(ex, "GET", "/api/v3/time")
    assert abs(r.body["serverTime"] - (ex.clock.now_ms() - 120_000)) < 2_000
    # a correctly timed (unskewed) request is now 2 minutes ahead of the server
    r = await signed(ex, "GET", "/api/v3/account")
    assert r.body["code"] == -1021
    status, _ = await _post_fault(ex, "skew_clock", ms=0)
    assert status == 200
    assert (await signed(ex, "GET", "/api/v3/account")).status == 200


async def test_ws_api_sees_the_skew(ex: LocalExchange, http: aiohttp.ClientSession) -> None:
    ex.faults.skew_clock(3_600_000)
    async with http.ws_connect(ex.ws_api_url) as ws:
        await ws.send_str(json.dumps({"id": 1, "method": "time"}))
        r = await next_json(ws)
    assert r["result"]["serverTime"] - ex.clock.now_ms() > 3_500_000


async def test_slow_snapshot_is_stale(ex: LocalExchange, http: aiohttp.ClientSession) -> None:
    """The snapshot is taken on arrival and delivered late: the stream has moved past it."""
    ex.faults.slow_snapshots(0.6, symbol="BTCUSDT")
    async with http.ws_connect(ex.ws_url + "/ws/btcusdt@depth@100ms") as ws:
        t0 = time.monotonic()
        r = await send(ex, "GET", "/api/v3/depth", "symbol=BTCUSDT&limit=1000")
        assert time.monotonic() - t0 >= 0.6
        events = await collect(ws, 0.2)
    assert events and r.body["lastUpdateId"] < events[-1]["u"]
    # another symbol is not slowed
    t0 = time.monotonic()
    await send(ex, "GET", "/api/v3/depth", "symbol=ETHUSDT")
    assert time.monotonic() - t0 < 0.4


async def test_clear_everything(ex: LocalExchange) -> None:
    ex.faults.fail_rest(500, count=None)
    ex.faults.skew_clock(10_000)
    ex.faults.drop_depth("BTCUSDT", count=5)
    async with aiohttp.ClientSession() as s, s.delete(ex.rest_url + "/_sim/faults") as r:
        assert r.status == 200
    assert ex.faults.active() == {"depth": {}, "rest": [], "skew_ms": 0, "stalled": []}
    assert (await send(ex, "GET", "/api/v3/ping")).status == 200


# --- ground truth -------------------------------------------------------------------------------


async def test_book_route(ex: LocalExchange, http: aiohttp.ClientSession) -> None:
    uid = ex.engine.markets["BTCUSDT"].book.update_id
    async with http.get(ex.rest_url + "/_sim/book",
                        params={"symbol": "BTCUSDT", "updateId": str(uid)}) as r:  # fmt: skip
        body = await r.json()
    truth = ex.true_book("BTCUSDT", uid)
    assert body["updateId"] == uid
    assert [(Decimal(p), Decimal(q)) for p, q in body["bids"]] == truth.bids
    assert [(Decimal(p), Decimal(q)) for p, q in body["asks"]] == truth.asks
    future = {"symbol": "BTCUSDT", "updateId": str(uid + 10**9)}
    async with http.get(ex.rest_url + "/_sim/book", params=future) as r:
        assert r.status == 404
    async with http.get(ex.rest_url + "/_sim/book", params={"symbol": "NOPE"}) as r:
        assert r.status == 400
