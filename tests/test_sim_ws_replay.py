"""Replay of real captures through the local exchange's stream server: a client doing the
documented snapshot + diff procedure over the wire ends on the recorded book; recorded pace;
control messages; the embedded snapshot at /api/v3/depth."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from binance_async.sim.replay import ReplayServer, read_capture

from .conftest import REAL_DATA
from .sim_ws_helpers import next_json, reply_to

HFT = [REAL_DATA / "hftbacktest/examples/spot" / f"btcusdt_2024080{d}.gz" for d in (8, 9)]
CF = REAL_DATA / "cryptofeed/sample_data/BINANCE.ws.1.0"


def _expectation(symbol: str, first_file: str) -> dict[str, Any]:
    data = json.loads((REAL_DATA / "orderbook_expectations.json").read_text())
    found: dict[str, Any] = next(x for x in data if x["symbol"] == symbol
                                 and x["files"][0].endswith(first_file))  # fmt: skip
    return found


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as s:
        yield s


async def _read_all(ws: aiohttp.ClientWebSocketResponse) -> list[Any]:
    """Every frame until the server closes at the end of the replay."""
    return [json.loads(msg.data) async for msg in ws if msg.type == aiohttp.WSMsgType.TEXT]


def _naive_sync(snapshot: dict[str, Any], events: list[dict[str, Any]]
                ) -> tuple[int, dict[Decimal, Decimal], dict[Decimal, Decimal]]:  # fmt: skip
    bids = {Decimal(p): Decimal(q) for p, q in snapshot["bids"]}
    asks = {Decimal(p): Decimal(q) for p, q in snapshot["asks"]}
    book_id = snapshot["lastUpdateId"]
    first = True
    for ev in events:
        if ev["u"] <= book_id:
            continue
        if first:
            assert ev["U"] <= book_id + 1 <= ev["u"]
            first = False
        else:
            assert ev["U"] == book_id + 1
        for side, levels in ((bids, ev["b"]), (asks, ev["a"])):
            for p, q in levels:
                if Decimal(q) == 0:
                    side.pop(Decimal(p), None)
                else:
                    side[Decimal(p)] = Decimal(q)
        book_id = ev["u"]
    return book_id, bids, asks


def _top(bids: dict[Decimal, Decimal], asks: dict[Decimal, Decimal]) -> tuple[Decimal, ...]:
    b, a = max(bids), min(asks)
    return (b, bids[b], a, asks[a])


async def test_hftbacktest_replay_rebuilds_the_recorded_book(http: aiohttp.ClientSession) -> None:
    want = _expectation("BTCUSDT", "btcusdt_20240808.gz")
    async with ReplayServer.from_files(*HFT, pace=None, close_at_end=True) as rp:
        url = rp.ws_url + "/stream?streams=btcusdt@depth@100ms/btcusdt@bookTicker"
        async with http.ws_connect(url, max_msg_size=0) as ws:
            frames = await _read_all(ws)
        async with http.get(rp.rest_url + "/api/v3/depth",
                            params={"symbol": "BTCUSDT", "limit": "1000"}) as r:  # fmt: skip
            snapshot = await r.json()
        stats = rp.statistics()
    depth = [f["data"] for f in frames if f["stream"] == "btcusdt@depth@100ms"]
    tickers = [f["data"] for f in frames if f["stream"] == "btcusdt@bookTicker"]
    assert len(depth) == 6493 + want["events_dropped"] and len(tickers) > 1000
    assert stats["frames_sent"] == len(frames) and stats["finished"]
    book_id, bids, asks = _naive_sync(snapshot, depth)
    assert book_id == want["final_u"]
    top = tuple(Decimal(x) for x in want["final_top_of_book_bid_bidqty_ask_askqty"])
    assert _top(bids, asks) == top


async def test_cryptofeed_replay_symbols_and_snapshots(http: aiohttp.ClientSession) -> None:
    async with ReplayServer.from_files(CF, pace=None, close_at_end=True) as rp:
        names = ["nknusdt@depth@100ms", "lrcbtc@depth@100ms", "nknusdt@kline_1m"]
        async with http.ws_connect(rp.ws_url + "/stream?streams=" + "/".join(names)) as ws:
            frames = await _read_all(ws)
        books = {}
        for sym in ("NKNUSDT", "LRCBTC"):
            async with http.get(rp.rest_url + "/api/v3/depth", params={"symbol": sym}) as r:
                books[sym] = await r.json()
        async with http.get(rp.rest_url + "/api/v3/depth",
                            params={"symbol": "NKNUSDT", "limit": "5"}) as r:  # fmt: skip
            small = await r.json()
        async with http.get(rp.rest_url + "/api/v3/depth", params={"symbol": "XYZ"}) as r:
            assert r.status == 400
    counts: dict[str, int] = {}
    for f in frames:
        counts[f["stream"]] = counts.get(f["stream"], 0) + 1
    assert counts == {"nknusdt@depth@100ms": 150, "lrcbtc@depth@100ms": 15, "nknusdt@kline_1m": 1}
    assert len(small["bids"]) == 5 and len(small["asks"]) == 5
    for sym in ("NKNUSDT", "LRCBTC"):
        want = _expectation(sym, "sample_data/BINANCE.http.0.0")
        events = [f["data"] for f in frames if f["stream"] == f"{sym.lower()}@depth@100ms"]
        book_id, bids, asks = _naive_sync(books[sym], events)
        assert book_id == want["final_u"]
        top = tuple(Decimal(x) for x in want["final_top_of_book_bid_bidqty_ask_askqty"])
        assert _top(bids, asks) == top


async def test_recorded_pace(http: aiohttp.ClientSession) -> None:
    """30 recorded seconds at 60x: about half a wall second, frames spread over it."""
    async with ReplayServer.from_files(CF, pace=60, close_at_end=True) as rp:
        async with http.ws_connect(rp.ws_url + "/ws/nknusdt@depth@100ms") as ws:
            t0 = time.monotonic()
            stamps = []
            async for msg in ws:
                if msg.type == aiohttp.WSMsgType.TEXT:
                    stamps.append(time.monotonic() - t0)
        elapsed = time.monotonic() - t0
    assert len(stamps) == 150
    assert 0.35 < elapsed < 2.0, elapsed
    assert stamps[-1] - stamps[0] > 0.3  # not all at once


async def test_replay_control_messages(http: aiohttp.ClientSession) -> None:
    records = read_capture(CF)
    async with ReplayServer(records, pace=None, start_on="manual") as rp, \
            http.ws_connect(rp.ws_url + "/ws") as ws:  # fmt: skip
        r = await reply_to(ws, {"method": "SUBSCRIBE", "params": ["nknusdt@bookTicker"], "id": 1})
        assert r == {"result": None, "id": 1}
        r = await reply_to(ws, {"method": "SUBSCRIBE", "params": ["ethusdt@trade"], "id": 2})
        assert r == {"result": None, "id": 2}  # well-formed, not recorded: silent
        r = await reply_to(ws, {"method": "SUBSCRIBE", "params": ["nonsense"], "id": 3})
        assert r["error"]["code"] == 2
        r = await reply_to(ws, {"method": "LIST_SUBSCRIPTIONS", "id": 4})
        assert r["result"] == ["nknusdt@bookTicker", "ethusdt@trade"]
        assert rp.statistics()["position"] == 0  # manual: nothing until begin()
        async with http.post(rp.rest_url + "/_sim/replay/start") as resp:
            assert resp.status == 200
        ev = await next_json(ws)
        assert set(ev) == {"u", "s", "b", "B", "a", "A"} and ev["s"] == "NKNUSDT"
        await asyncio.wait_for(rp.finished.wait(), 5)
        async with http.get(rp.rest_url + "/_sim/replay") as resp:
            st = await resp.json()
        assert st["finished"] and st["events_done"] == st["events"] == 265
        async with http.get(rp.rest_url + "/api/v3/time") as resp:
            assert (await resp.json())["serverTime"] == int(records[-1].time * 1000)


async def test_loops_repeat_the_capture(http: aiohttp.ClientSession) -> None:
    async with ReplayServer.from_files(CF, pace=None, loops=3, close_at_end=True) as rp, \
            http.ws_connect(rp.ws_url + "/ws/lrcbtc@depth@100ms") as ws:  # fmt: skip
        frames = await _read_all(ws)
    assert len(frames) == 45


def test_read_capture_picks_the_reader(tmp_path: Path) -> None:
    assert read_capture() == []
    hft = read_capture(HFT[0])
    assert hft[0].stream == "btcusdt@depth@100ms"
    assert any(r.kind == "snapshot" for r in hft)
    cf = read_capture(CF)
    assert sum(r.kind == "snapshot" for r in cf) == 4
    with pytest.raises(ValueError):
        ReplayServer([], pace=0)
