"""Replay every recorded snapshot + stream pair through DepthSync and meet
``shared/data/real/orderbook_expectations.json`` (data: hftbacktest, MIT; cryptofeed, "This
product includes software developed by Bryant Moscon")."""

from __future__ import annotations

import itertools
import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from binance_async.book.capture import (
    Record,
    merge,
    read_cryptofeed_http,
    read_cryptofeed_ws,
    read_hftbacktest,
    replay,
    stream_kind,
)

from .conftest import REAL_DATA

EXPECTATIONS: list[dict[str, Any]] = (
    json.loads((REAL_DATA / "orderbook_expectations.json").read_text())
    if (REAL_DATA / "orderbook_expectations.json").exists()
    else []
)


@cache
def records(files: tuple[str, ...]) -> list[Record]:
    paths = [REAL_DATA / f for f in files]
    if files[0].startswith("hftbacktest/"):
        return list(read_hftbacktest(*paths))
    http, ws = paths
    return list(merge(read_cryptofeed_http(http), read_cryptofeed_ws(ws)))


def test_expectations_cover_every_pair(real_data: Path) -> None:
    pairs = {tuple(e["files"]) for e in EXPECTATIONS}
    for http in real_data.glob("cryptofeed/**/BINANCE*.http.0.0"):
        if "FUTURES" in http.name:
            continue  # futures: tested below with the futures rule
        ws = http.with_name(http.name.replace(".http.0.0", ".ws.1.0"))
        rel = (str(http.relative_to(real_data)), str(ws.relative_to(real_data)))
        assert rel in pairs
    assert any(p[0].startswith("hftbacktest/") for p in pairs)
    assert len(EXPECTATIONS) == 30


@pytest.mark.parametrize("exp", EXPECTATIONS, ids=lambda e: f"{e['symbol']}")
def test_replay_meets_expectations(exp: dict[str, Any], real_data: Path) -> None:
    res = replay(records(tuple(exp["files"])), exp["symbol"])
    assert res.snapshot_last_update_id == exp["snapshot_lastUpdateId"]
    assert list(res.snapshot_levels) == exp["snapshot_levels"]
    if "events_total" in exp:
        assert res.events_total == exp["events_total"]
    assert res.events_dropped == exp["events_dropped"]
    assert res.events_applied == exp["events_applied"]
    assert res.first_applied is not None
    assert list(res.first_applied) == exp["first_applied_U_u"]
    assert res.final_u == exp["final_u"]
    assert res.final_top is not None
    assert list(res.final_top) == exp["final_top_of_book_bid_bidqty_ask_askqty"]
    assert list(res.final_levels) == exp["final_levels"]
    assert res.crosschecks == exp["bookTicker_crosschecks"]
    assert len(res.mismatches) == exp["bookTicker_mismatches"], res.mismatches[:3]
    assert res.synced
    assert res.events_total == res.events_dropped + res.events_applied + res.events_ignored
    assert res.actions["ResyncNeeded"] == 0


def test_hftbacktest_days_continue_one_connection(real_data: Path) -> None:
    day = "hftbacktest/examples/spot/btcusdt_2024080{}.gz"
    recs = records((day.format(8), day.format(9)))
    depth = [r for r in recs if r.kind == "depth"]
    assert len(depth) == 6495 and sum(r.kind == "snapshot" for r in recs) == 1
    assert all(r.symbol == "BTCUSDT" for r in recs)
    assert all(a.time <= b.time for a, b in itertools.pairwise(recs))


FUTURES = {
    # symbol: (events_total, events_dropped, events_applied, bookTicker cross-checks)
    "SUSHIUSDT": (255, 3, 252, 12),
    "AKROUSDT": (189, 1, 188, 7),
    "KEEPUSDT": (135, 3, 132, 13),
    "CTKUSDT": (185, 5, 180, 18),
}


@pytest.mark.parametrize("symbol", sorted(FUTURES))
def test_futures_capture_follows_the_pu_chain(symbol: str, real_data: Path) -> None:
    recs = records(
        (
            "cryptofeed/sample_data/BINANCE_FUTURES.http.0.0",
            "cryptofeed/sample_data/BINANCE_FUTURES.ws.1.0",
        )
    )
    res = replay(recs, symbol, rule="futures")
    total, dropped, applied, checks = FUTURES[symbol]
    assert (res.events_total, res.events_dropped, res.events_applied) == (total, dropped, applied)
    assert res.synced and res.actions["ResyncNeeded"] == 0
    assert res.first_applied is not None and res.snapshot_last_update_id is not None
    lo, hi = res.first_applied
    assert lo <= res.snapshot_last_update_id <= hi  # futures bridging rule
    assert res.crosschecks == checks and res.mismatches == []
    # The spot rule cannot follow a futures stream (U is not the previous u + 1).
    spot = replay(recs, symbol, rule="spot")
    assert not spot.synced or spot.events_applied < applied


def test_stream_kind() -> None:
    assert stream_kind("btcusdt@depth@100ms") == ("BTCUSDT", "depth")
    assert stream_kind("btcusdt@depth") == ("BTCUSDT", "depth")
    assert stream_kind("btcusdt@depth20@100ms") == ("BTCUSDT", "partial_depth")
    assert stream_kind("btcusdt@bookTicker") == ("BTCUSDT", "book_ticker")
    assert stream_kind("btcusdt@kline_1m") == ("BTCUSDT", "other")
