"""Simulated time: with ``speed`` every timer of the local exchange runs faster (listenKey
validity, connection lifetime, pings, bans, kline and ticker windows)."""

from __future__ import annotations

import argparse
import asyncio
import itertools
import time
from collections.abc import AsyncIterator

import aiohttp
import pytest

from binance_async.sim import LocalExchange, SimClock, SimLimits
from binance_async.sim.cli import add_sim_parser

from .sim_helpers import send
from .sim_ws_helpers import next_json, wait_closed


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as s:
        yield s


async def test_listen_key_expires_in_a_wall_second_at_3600x(http: aiohttp.ClientSession) -> None:
    async with LocalExchange(seed=1, speed=3600, flow_rate=0) as ex:
        r = await send(ex, "POST", "/api/v3/userDataStream", api_key=ex.api_key)
        key = r.body["listenKey"]
        t0 = time.monotonic()
        async with http.ws_connect(f"{ex.ws_url}/ws/{key}") as ws:
            ev = await next_json(ws, 5)
            waited = time.monotonic() - t0
            assert ev["e"] == "listenKeyExpired" and ev["listenKey"] == key
            await wait_closed(ws)
    assert 0.5 < waited < 2.5, waited


async def test_keepalive_extends_in_simulated_time() -> None:
    async with LocalExchange(seed=1, speed=3600, flow_rate=0) as ex:
        r = await send(ex, "POST", "/api/v3/userDataStream", api_key=ex.api_key)
        key = r.body["listenKey"]
        for _ in range(3):  # keepalive every ~half a wall second (30 simulated minutes)
            await asyncio.sleep(0.5)
            r = await send(ex, "PUT", "/api/v3/userDataStream", f"listenKey={key}",
                           api_key=ex.api_key)  # fmt: skip
            assert r.status == 200, r.text


async def test_kline_windows_scale(http: aiohttp.ClientSession) -> None:
    """At 60x a one-minute bar closes every wall second: the closing bar comes with x=true."""
    async with LocalExchange(seed=1, speed=60) as ex, \
            http.ws_connect(ex.ws_url + "/ws/btcusdt@kline_1m") as ws:  # fmt: skip
        closed = None
        loop = asyncio.get_running_loop()
        end = loop.time() + 4
        while closed is None and loop.time() < end:
            ev = await next_json(ws)
            if ev["k"]["x"]:
                closed = ev
        assert closed is not None
        k = closed["k"]
        assert k["T"] == k["t"] + 59_999 and closed["E"] > k["T"]


async def test_ping_interval_scales(http: aiohttp.ClientSession) -> None:
    """20 s pings at 40x: every half wall second; no pong for 60/40 s closes the connection."""
    async with LocalExchange(seed=1, speed=40, flow_rate=0) as ex, \
            http.ws_connect(ex.ws_url + "/ws", autoping=False) as ws:  # fmt: skip
        t0 = time.monotonic()
        msg = await ws.receive(timeout=3)
        first = time.monotonic() - t0
        assert msg.type == aiohttp.WSMsgType.PING
        await wait_closed(ws, 5)
        total = time.monotonic() - t0
    assert 0.3 < first < 1.0, first
    assert 1.5 < total < 3.5, total


async def test_ping_floor_at_extreme_speed(http: aiohttp.ClientSession) -> None:
    """At 3600x a 20 s ping would be 5.5 ms of wall time; pings stay >= 0.25 s apart, so an
    echoing client never breaks the 5 messages/s rule, and it lives until the 24 h lifetime."""
    async with LocalExchange(seed=1, speed=3600, flow_rate=0) as ex, \
            http.ws_connect(ex.ws_url + "/ws", autoping=False) as ws:  # fmt: skip
        pings = []
        loop = asyncio.get_running_loop()
        end = loop.time() + 1.6
        while loop.time() < end:
            msg = await ws.receive(timeout=2)
            assert msg.type == aiohttp.WSMsgType.PING, msg
            pings.append(loop.time())
            await ws.pong(msg.data)
        gaps = [b - a for a, b in itertools.pairwise(pings)]
        assert gaps and min(gaps) > 0.2
        assert ex.ws.statistics()["closed_rate"] == 0


async def test_connection_lifetime_scales(http: aiohttp.ClientSession) -> None:
    """24 h at 43,200x: two wall seconds."""
    async with LocalExchange(seed=1, speed=43_200, flow_rate=0) as ex, \
            http.ws_connect(ex.ws_url + "/ws") as ws:  # fmt: skip
        t0 = time.monotonic()
        await wait_closed(ws, 6)
        lived = time.monotonic() - t0
        assert ws.close_code == 1000
    assert 1.5 < lived < 4.0, lived


async def test_ban_length_scales(http: aiohttp.ClientSession) -> None:
    """A 60 s ban at 60x lasts a wall second; meanwhile WebSocket connects get 418 too."""
    limits = SimLimits(request_weight=10, ban_after=0, first_ban=60)
    start = (int(time.time() * 1000) // 60_000 + 1) * 60_000 + 1_000  # early in a minute
    clock = SimClock(start_ms=start, speed=60)
    async with LocalExchange(seed=1, flow_rate=0, limits=limits, clock=clock) as ex:
        statuses = []
        for _ in range(4):
            r = await send(ex, "GET", "/api/v3/depth", "symbol=BTCUSDT&limit=100")
            statuses.append(r.status)
        assert statuses[:2] == [200, 200] and 429 in statuses and statuses[-1] == 418
        with pytest.raises(aiohttp.WSServerHandshakeError) as info:
            await http.ws_connect(ex.ws_url + "/ws")
        assert info.value.status == 418
        await asyncio.sleep(1.3)
        r = await send(ex, "GET", "/api/v3/depth", "symbol=BTCUSDT&limit=100")
        assert r.status == 200


def test_cli_speed_option() -> None:
    parser = argparse.ArgumentParser()
    add_sim_parser(parser.add_subparsers())
    assert parser.parse_args(["sim", "--speed", "60"]).speed == 60.0
    assert parser.parse_args(["sim"]).speed == 1.0
    with pytest.raises(SystemExit):
        parser.parse_args(["sim", "--speed", "0"])
