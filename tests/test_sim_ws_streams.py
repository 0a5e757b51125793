"""LocalExchange market streams with a plain WebSocket client: control replies and error codes,
raw / combined envelopes, every stream type's payload, connection rules, and a naive
snapshot + diff rebuild equal to the engine's true book."""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import aiohttp
import pytest

from binance_async.sim import LocalExchange
from binance_async.sim.ws_conn import WsLimits

from .sim_ws_helpers import collect, next_json, reply_to, wait_closed

#: the exchange's rules, except the 5 messages/s (these tests send control messages in bursts)
RELAXED = WsLimits(max_messages=10_000)


@pytest.fixture
async def ex() -> AsyncIterator[LocalExchange]:
    async with LocalExchange(symbols=["BTCUSDT", "ETHUSDT"], seed=1, ws_limits=RELAXED) as ex:
        yield ex


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as s:
        yield s


# --- control messages ---------------------------------------------------------------------------


async def test_control_replies_exact(ex: LocalExchange, http: aiohttp.ClientSession) -> None:
    async with http.ws_connect(ex.ws_url + "/ws") as ws:
        sub = {"method": "SUBSCRIBE", "params": ["btcusdt@trade", "btcusdt@depth"], "id": 1}
        assert await reply_to(ws, sub) == {"result": None, "id": 1}
        assert await reply_to(ws, {"method": "LIST_SUBSCRIPTIONS", "id": 3}) == {
            "result": ["btcusdt@trade", "btcusdt@depth"], "id": 3}  # fmt: skip
        unsub = {"method": "UNSUBSCRIBE", "params": ["btcusdt@depth"], "id": 312}
        assert await reply_to(ws, unsub) == {"result": None, "id": 312}
        assert await reply_to(ws, {"method": "LIST_SUBSCRIPTIONS", "id": "abc-1"}) == {
            "result": ["btcusdt@trade"], "id": "abc-1"}  # fmt: skip
    async with http.ws_connect(ex.ws_url + "/ws") as ws:
        get = {"method": "GET_PROPERTY", "params": ["combined"], "id": 2}
        assert await reply_to(ws, get) == {"result": False, "id": 2}
        setp = {"method": "SET_PROPERTY", "params": ["combined", True], "id": 5}
        assert await reply_to(ws, setp) == {"result": None, "id": 5}
        assert await reply_to(ws, get) == {"result": True, "id": 2}
        # the exact bytes: no spaces, result before id
        await ws.send_str('{"method":"LIST_SUBSCRIPTIONS","id":7}')
        msg = await ws.receive(timeout=5)
        assert msg.data == '{"result":[],"id":7}'


async def test_control_error_codes(ex: LocalExchange, http: aiohttp.ClientSession) -> None:
    async with http.ws_connect(ex.ws_url + "/ws") as ws:
        r = await reply_to(ws, {"method": "SET_PROPERTY", "params": ["colour", True], "id": 1})
        assert r == {"error": {"code": 0, "msg": "Unknown property"}, "id": 1}
        r = await reply_to(ws, {"method": "GET_PROPERTY", "params": ["nope"], "id": 2})
        assert r["error"]["code"] == 0
        r = await reply_to(ws, {"method": "SET_PROPERTY", "params": ["combined", "yes"], "id": 3})
        assert r == {"error": {"code": 1, "msg": "Invalid value type: expected Boolean"}, "id": 3}
        r = await reply_to(ws, {"method": "SET_PROPERTY", "params": [5, True], "id": 4})
        assert r["error"] == {"code": 2, "msg": "Invalid request: property name must be a string"}
        r = await reply_to(ws, {"method": "SUBSCRIBX", "params": [], "id": 5})
        assert r["error"]["code"] == 2
        assert r["error"]["msg"].startswith("Invalid request: unknown variant `SUBSCRIBX`, "
                                            "expected one of `SUBSCRIBE`")  # fmt: skip
        r = await reply_to(ws, {"params": [], "id": 6})
        assert r["error"]["msg"].startswith("Invalid request: missing field `method`")
        r = await reply_to(ws, '{"method": "SUBSCRIBE", "params": [')
        assert r["error"]["code"] == 3 and r["error"]["msg"].startswith("Invalid JSON: ")
        assert r["id"] is None
        r = await reply_to(ws, {"method": "SUBSCRIBE", "params": ["btcusdt@tradez"], "id": 8})
        assert r == {"error": {"code": 2, "msg": "Invalid request: invalid stream"}, "id": 8}
        r = await reply_to(ws, {"method": "SUBSCRIBE", "params": ["btcusdt@kline_2m"], "id": 9})
        assert r["error"]["code"] == 2
        r = await reply_to(ws, {"method": "SUBSCRIBE", "params": ["!ticker@arr"], "id": 10})
        assert r["error"]["code"] == 2  # retired 2026-03-26
        r = await reply_to(ws, {"method": "SUBSCRIBE", "params": "btcusdt@trade", "id": 11})
        assert r["error"]["code"] == 2
        # a refused request subscribes nothing, not even its valid names
        bad = {"method": "SUBSCRIBE", "params": ["btcusdt@trade", "x@y"], "id": 12}
        assert (await reply_to(ws, bad))["error"]["code"] == 2
        assert (await reply_to(ws, {"method": "LIST_SUBSCRIPTIONS", "id": 13}))["result"] == []


@pytest.mark.parametrize(
    ("req_id", "ok"),
    [
        (0, True), (2**63 - 1, True), (-(2**63), True), (2**63, False), (None, True),
        ("a" * 36, True), ("a" * 37, False), ("0b8e9c1e-6f2d-4c7a-9d8e-1f2a3b4c5d6e", True),
        ("has space", False), (1.5, False), (True, False), ([1], False),
    ],
)  # fmt: skip
async def test_request_ids(ex: LocalExchange, http: aiohttp.ClientSession, req_id: Any,
                           ok: bool) -> None:  # fmt: skip
    async with http.ws_connect(ex.ws_url + "/ws") as ws:
        r = await reply_to(ws, {"method": "LIST_SUBSCRIPTIONS", "id": req_id})
        if ok:
            assert r == {"result": [], "id": req_id}
        else:
            assert r["error"]["code"] == 2 and r["id"] is None
    async with http.ws_connect(ex.ws_url + "/ws") as ws:
        r = await reply_to(ws, '{"method":"LIST_SUBSCRIPTIONS"}')
        assert r["error"]["code"] == 2  # the id is mandatory


async def test_unknown_symbol_silent_or_strict(http: aiohttp.ClientSession) -> None:
    async with LocalExchange(seed=1, ws_limits=RELAXED) as ex, \
            http.ws_connect(ex.ws_url + "/ws") as ws:  # fmt: skip
        r = await reply_to(ws, {"method": "SUBSCRIBE", "params": ["xrpxrp@trade"], "id": 1})
        assert r == {"result": None, "id": 1}  # the real exchange accepts it and sends nothing
        r = await reply_to(ws, {"method": "SUBSCRIBE", "params": ["BTCUSDT@trade"], "id": 2})
        assert r == {"result": None, "id": 2}  # upper case: a different (silent) stream
        assert await collect(ws, 0.4) == []
    async with LocalExchange(seed=1, strict_symbols=True) as ex, \
            http.ws_connect(ex.ws_url + "/ws") as ws:  # fmt: skip
        r = await reply_to(ws, {"method": "SUBSCRIBE", "params": ["xrpxrp@trade"], "id": 1})
        assert r["error"] == {"code": 2, "msg": "Invalid request: unknown symbol 'xrpxrp'"}


# --- envelopes ------------------------------------------------------------------------------------


async def test_raw_and_combined_envelopes(ex: LocalExchange, http: aiohttp.ClientSession) -> None:
    async with http.ws_connect(ex.ws_url + "/ws/btcusdt@bookTicker") as ws:
        ev = await next_json(ws)
        assert set(ev) == {"u", "s", "b", "B", "a", "A"}  # no "e" on spot bookTicker
        assert ev["s"] == "BTCUSDT"
        r = await reply_to(ws, {"method": "SET_PROPERTY", "params": ["combined", True], "id": 1})
        assert r == {"result": None, "id": 1}
        ev = await next_json(ws)
        assert ev["stream"] == "btcusdt@bookTicker" and set(ev["data"]) == {"u", "s", "b", "B",
                                                                            "a", "A"}  # fmt: skip
    url = ex.ws_url + "/stream?streams=btcusdt@bookTicker/ethusdt@bookTicker"
    async with http.ws_connect(url) as ws:
        seen = {(await next_json(ws))["stream"] for _ in range(40)}
        assert seen == {"btcusdt@bookTicker", "ethusdt@bookTicker"}
    async with http.ws_connect(ex.ws_url + "/ws/btcusdt@trade/ethusdt@bookTicker") as ws:
        r = await reply_to(ws, {"method": "LIST_SUBSCRIPTIONS", "id": 1})
        assert r["result"] == ["btcusdt@trade", "ethusdt@bookTicker"]


async def test_invalid_stream_in_url_closes(ex: LocalExchange, http: aiohttp.ClientSession) -> None:
    async with http.ws_connect(ex.ws_url + "/ws/btcusdt@nonsense") as ws:
        msg = await wait_closed(ws)
        assert ws.close_code == 1008
        assert "invalid stream" in str(msg.extra)


async def test_every_stream_type_payload(http: aiohttp.ClientSession) -> None:
    streams_models = pytest.importorskip("binance_async.models.streams")
    names = [
        "btcusdt@trade", "btcusdt@aggTrade", "btcusdt@bookTicker", "btcusdt@kline_1s",
        "btcusdt@kline_1m", "btcusdt@kline_1h@+08:00", "btcusdt@miniTicker", "btcusdt@ticker",
        "btcusdt@ticker_1h", "btcusdt@ticker_4h", "btcusdt@ticker_1d", "btcusdt@avgPrice",
        "btcusdt@depth5", "btcusdt@depth10@100ms", "btcusdt@depth20@1000ms", "btcusdt@depth",
        "btcusdt@depth@100ms", "!miniTicker@arr", "!ticker_1h@arr", "!ticker_4h@arr",
        "!ticker_1d@arr", "BTCUP@tokenNav", "btcdown@nav_kline_1m",
    ]  # fmt: skip
    got: dict[str, list[Any]] = {}
    async with LocalExchange(seed=2, speed=8) as ex, \
            http.ws_connect(ex.ws_url + "/stream?streams=" + "/".join(names)) as ws:  # fmt: skip
        loop = asyncio.get_running_loop()
        end = loop.time() + 8
        while set(got) != set(names) and loop.time() < end:
            ev = await next_json(ws)
            got.setdefault(ev["stream"], []).append(ev["data"])
    assert set(got) == set(names), set(names) - set(got)
    for name, payloads in got.items():
        dec = streams_models.decoder_for_stream(name)
        for p in payloads[:5]:
            dec.decode(json.dumps(p).encode())
    k = got["btcusdt@kline_1m"][0]
    assert k["e"] == "kline" and k["k"]["i"] == "1m" and k["k"]["T"] == k["k"]["t"] + 59_999
    assert got["btcusdt@ticker"][0]["e"] == "24hrTicker"
    assert got["btcusdt@miniTicker"][0]["e"] == "24hrMiniTicker"
    assert got["btcusdt@ticker_4h"][0]["e"] == "4hTicker"
    assert got["btcusdt@avgPrice"][0]["e"] == "avgPrice"
    assert set(got["btcusdt@depth5"][0]) == {"lastUpdateId", "bids", "asks"}
    assert len(got["btcusdt@depth5"][0]["bids"]) == 5
    assert len(got["btcusdt@depth10@100ms"][0]["asks"]) == 10
    arr = got["!miniTicker@arr"][0]
    assert isinstance(arr, list) and {t["s"] for t in arr} <= {"BTCUSDT", "ETHUSDT"}
    nav = got["BTCUP@tokenNav"][0]
    assert nav["e"] == "nav" and nav["s"] == "BTCUP" and nav["t"] == 3
    assert got["btcdown@nav_kline_1m"][0]["k"]["s"] == "BTCDOWN"
    d = got["btcusdt@depth"][0]
    assert d["e"] == "depthUpdate" and d["U"] <= d["u"]


async def test_update_speeds(http: aiohttp.ClientSession) -> None:
    """Periodic streams come once per period (simulated ms; the first right after subscribing)."""
    names = ["btcusdt@depth@100ms", "btcusdt@depth", "btcusdt@kline_1s", "btcusdt@kline_5m",
             "btcusdt@ticker"]  # fmt: skip
    async with LocalExchange(seed=3, speed=4) as ex:
        url = ex.ws_url + "/stream?streams=" + "/".join(names)
        async with http.ws_connect(url) as ws:
            frames = await collect(ws, 1.6)
    times: dict[str, list[int]] = {}
    for f in frames:
        times.setdefault(f["stream"], []).append(f["data"]["E"])
    period = {"btcusdt@depth@100ms": 100, "btcusdt@depth": 1000, "btcusdt@kline_1s": 1000,
              "btcusdt@kline_5m": 2000, "btcusdt@ticker": 1000}  # fmt: skip
    for name, p in period.items():
        ts = times[name]
        assert len(ts) >= 3, name
        gaps = [b - a for a, b in itertools.pairwise(ts[1:]) if b != a]
        assert min(gaps) >= p * 0.9, (name, gaps)


# --- connection rules -----------------------------------------------------------------------------


async def test_message_rate_limit_disconnects(http: aiohttp.ClientSession) -> None:
    async with LocalExchange(seed=1, flow_rate=0) as ex, \
            http.ws_connect(ex.ws_url + "/ws") as ws:  # fmt: skip
        for i in range(5):
            await ws.send_str(json.dumps({"method": "LIST_SUBSCRIPTIONS", "id": i}))
        for i in range(5):
            assert (await next_json(ws))["id"] == i
        await ws.send_str(json.dumps({"method": "LIST_SUBSCRIPTIONS", "id": 99}))
        await wait_closed(ws)
        assert ws.close_code == 1008
        assert ex.ws.statistics()["closed_rate"] == 1


async def test_stream_count_limit(http: aiohttp.ClientSession) -> None:
    limits = WsLimits(max_streams=3, max_messages=100)
    async with LocalExchange(seed=1, ws_limits=limits) as ex, \
            http.ws_connect(ex.ws_url + "/ws") as ws:  # fmt: skip
        four = ["btcusdt@trade", "btcusdt@depth", "ethusdt@trade", "ethusdt@depth"]
        r = await reply_to(ws, {"method": "SUBSCRIBE", "params": four, "id": 1})
        assert r["error"]["code"] == 2 and "too many streams" in r["error"]["msg"]
        assert (await reply_to(ws, {"method": "SUBSCRIBE", "params": four[:3], "id": 2}))[
            "result"] is None  # fmt: skip
        r = await reply_to(ws, {"method": "SUBSCRIBE", "params": four[3:], "id": 3})
        assert r["error"]["code"] == 2
        # re-subscribing what is held does not count twice
        r = await reply_to(ws, {"method": "SUBSCRIBE", "params": four[:1], "id": 4})
        assert r == {"result": None, "id": 4}


async def test_default_stream_limit_is_1024(ex: LocalExchange, http: aiohttp.ClientSession) -> None:
    names = [f"sym{i}usdt@trade" for i in range(1025)]
    async with http.ws_connect(ex.ws_url + "/ws") as ws:
        r = await reply_to(ws, {"method": "SUBSCRIBE", "params": names, "id": 1})
        assert r["error"]["code"] == 2
        r = await reply_to(ws, {"method": "SUBSCRIBE", "params": names[:1024], "id": 2})
        assert r == {"result": None, "id": 2}


async def test_connection_attempts_per_ip(http: aiohttp.ClientSession) -> None:
    limits = WsLimits(max_connect_attempts=3)
    async with LocalExchange(seed=1, flow_rate=0, ws_limits=limits) as ex:
        for _ in range(3):
            async with http.ws_connect(ex.ws_url + "/ws"):
                pass
        with pytest.raises(aiohttp.WSServerHandshakeError) as info:
            await http.ws_connect(ex.ws_url + "/ws")
        assert info.value.status == 429
        async with http.get(ex.rest_url + "/api/v3/ping") as r:
            assert r.status == 200  # REST is not affected


async def test_ping_pong_keepalive(http: aiohttp.ClientSession) -> None:
    limits = WsLimits(ping_interval_s=0.3, pong_timeout_s=0.6)
    async with LocalExchange(seed=1, flow_rate=0, ws_limits=limits) as ex:
        # a client that never answers pings is dropped after the pong timeout
        async with http.ws_connect(ex.ws_url + "/ws", autoping=False) as ws:
            msg = await ws.receive(timeout=2)
            assert msg.type == aiohttp.WSMsgType.PING and msg.data
            await wait_closed(ws, 3)
            assert ws.close_code == 1008
        # unsolicited pongs with the wrong payload keep nothing alive
        async with http.ws_connect(ex.ws_url + "/ws", autoping=False) as ws:
            await ws.pong(b"")
            await wait_closed(ws, 3)
        # an echoing client stays (aiohttp answers pings while its reader runs)
        async with http.ws_connect(ex.ws_url + "/ws", autoping=True) as ws:
            got: list[Any] = []

            async def reader() -> None:
                async for msg in ws:
                    got.append(json.loads(msg.data))

            task = asyncio.create_task(reader())
            await asyncio.sleep(1.5)
            await ws.send_str(json.dumps({"method": "LIST_SUBSCRIPTIONS", "id": 1}))
            for _ in range(100):
                if got:
                    break
                await asyncio.sleep(0.02)
            assert got == [{"result": [], "id": 1}]
            await ws.close()
            await task
        assert ex.ws.statistics()["closed_pong_timeout"] == 2


async def test_connection_lifetime(http: aiohttp.ClientSession) -> None:
    async with LocalExchange(seed=1, flow_rate=0, ws_limits=WsLimits(lifetime_s=0.4)) as ex, \
            http.ws_connect(ex.ws_url + "/ws") as ws:  # fmt: skip
        await wait_closed(ws, 3)
        assert ws.close_code == 1000
        assert ex.ws.statistics()["closed_lifetime"] == 1


async def test_server_shutdown_event(ex: LocalExchange, http: aiohttp.ClientSession) -> None:
    async with http.ws_connect(ex.ws_url + "/ws") as a, \
            http.ws_connect(ex.ws_url + "/stream?streams=btcusdt@depth") as b:  # fmt: skip
        await reply_to(a, {"method": "LIST_SUBSCRIPTIONS", "id": 1})
        assert ex.streams.server_shutdown() == 2
        ev = await next_json(a)
        assert ev["e"] == "serverShutdown" and isinstance(ev["E"], int)
        while (ev := await next_json(b)).get("e") != "serverShutdown":
            pass


async def test_same_bytes_to_every_subscriber(ex: LocalExchange, http: aiohttp.ClientSession
                                              ) -> None:  # fmt: skip
    url = ex.ws_url + "/ws/btcusdt@depth@100ms"
    async with http.ws_connect(url) as a, http.ws_connect(url) as b:
        fa = [json.dumps(x) for x in await collect(a, 1.0)]
        fb = [json.dumps(x) for x in await collect(b, 0.3)]
        common = set(fa) & set(fb)
        assert common, "two subscribers of one stream get the same events"


# --- order book: snapshot + diffs == ground truth -------------------------------------------------


async def test_depth_snapshot_and_diffs_rebuild_true_book(
    ex: LocalExchange, http: aiohttp.ClientSession
) -> None:
    """The documented procedure, done naively with dicts, ends with the engine's exact book."""
    async with http.ws_connect(ex.ws_url + "/ws/btcusdt@depth@100ms") as ws:
        buffered = [await next_json(ws)]
        first_u = buffered[0]["U"]
        while True:
            async with http.get(ex.rest_url + "/api/v3/depth",
                                params={"symbol": "BTCUSDT", "limit": "5000"}) as r:  # fmt: skip
                snap = await r.json()
            if snap["lastUpdateId"] >= first_u:
                break
        buffered += await collect(ws, 1.5)
    bids = {Decimal(p): Decimal(q) for p, q in snap["bids"]}
    asks = {Decimal(p): Decimal(q) for p, q in snap["asks"]}
    book_id = snap["lastUpdateId"]
    applied = 0
    for ev in buffered:
        if ev["u"] <= book_id:
            continue
        assert ev["U"] <= book_id + 1, "a gap: the stream missed an update"
        for side, levels in ((bids, ev["b"]), (asks, ev["a"])):
            for p, q in levels:
                if Decimal(q) == 0:
                    side.pop(Decimal(p), None)
                else:
                    side[Decimal(p)] = Decimal(q)
        book_id = ev["u"]
        applied += 1
    assert applied >= 5
    truth = ex.true_book("BTCUSDT", book_id)
    assert truth.update_id == book_id
    assert bids == dict(truth.bids)
    assert asks == dict(truth.asks)
    # and the same through the control route
    async with http.get(ex.rest_url + "/_sim/book",
                        params={"symbol": "BTCUSDT", "updateId": str(book_id)}) as r:  # fmt: skip
        if r.status == 200:  # mounted with the faults module
            body = await r.json()
            assert {Decimal(p): Decimal(q) for p, q in body["bids"]} == bids


async def test_diff_stream_is_contiguous(ex: LocalExchange, http: aiohttp.ClientSession) -> None:
    async with http.ws_connect(ex.ws_url + "/stream?streams=ethusdt@depth@100ms") as ws:
        evs = [f["data"] for f in await collect(ws, 1.5)]
    assert len(evs) >= 5
    for a, b in itertools.pairwise(evs):
        assert b["U"] == a["u"] + 1
