"""BookManager (client.books) against the local exchange: sync, ground truth, faults, pacing."""

# ruff: noqa: SIM117

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from binance_async import BookManager, BookUpdate, Client
from binance_async.book import OrderBook
from binance_async.book.manager import depth_weight
from binance_async.errors import ExecutionStatusUnknown
from binance_async.rest.ratelimit import (
    RAW_REQUESTS,
    REQUEST_WEIGHT,
    Limit,
    LimiterState,
    RateLimiter,
)
from binance_async.sim import LocalExchange, SimLimits

SYMBOLS = ["BTCUSDT", "ETHUSDT", "BNBUSDT"]


@pytest.fixture
async def ex() -> AsyncIterator[LocalExchange]:
    async with LocalExchange(symbols=SYMBOLS, seed=3) as ex:
        yield ex


def _client(ex: LocalExchange) -> Client:
    return Client(base_url=ex.rest_url, stream_url=ex.ws_url)


def mismatch(ex: LocalExchange, book: OrderBook, depth: int, top: int = 20) -> str | None:
    """None if ``book`` equals the true book at its update id: the top ``top`` levels exactly,
    every local level present in the true book with the same quantity, and every true level
    inside the range of the local book's first ``depth`` levels and of its snapshot
    (`OrderBook.known_range`) present locally."""
    true = ex.true_book(book.symbol, book.update_id)
    for side, local, truth in (
        ("bids", book.bids_decimal(), true.bids),
        ("asks", book.asks_decimal(), true.asks),
    ):
        if local[:top] != truth[:top]:
            where = f"{book.symbol}@{book.update_id} {side} top {top}"
            return f"{where}: {local[:top]} != {truth[:top]}"
        tmap = dict(truth)
        for p, q in local:
            if tmap.get(p) != q:
                return f"{book.symbol}@{book.update_id} {side} {p}: local {q}, true {tmap.get(p)}"
        if local:
            # inside the local book's first `depth` levels and inside the range the snapshot
            # covered (levels past it stay unknown until they change: facts doc section 4)
            edge = local[min(depth, len(local)) - 1][0]
            low, high = book.known_range
            if side == "bids":
                inside = [lv for lv in truth if lv[0] >= edge and lv[0] >= low]
            else:
                inside = [lv for lv in truth if lv[0] <= edge and lv[0] <= high]
            lmap = dict(local)
            missing = [lv for lv in inside if lmap.get(lv[0]) != lv[1]]
            if missing:
                return f"{book.symbol}@{book.update_id} {side} missing {missing[:3]}"
    return None


async def test_books_sync_and_match_the_true_book(ex: LocalExchange) -> None:
    async with _client(ex) as client:
        async with client.books(SYMBOLS, depth=1000) as books:
            assert isinstance(books, BookManager)
            await books.wait_synced(timeout=10)
            assert books.synced() and len(books) == 3 and set(books) == set(SYMBOLS)
            checked = 0
            for _ in range(20):
                for sym in SYMBOLS:
                    book = books[sym]
                    if book.synced:
                        assert mismatch(ex, book, 1000) is None
                        checked += 1
                await asyncio.sleep(0.05)
            assert checked >= 50
            stats = books.statistics()
            assert stats["synced"] == 3 and stats["applied"] > 0
            assert stats["snapshot_weight"] == 3 * 50 == stats["snapshots"] * depth_weight(1000)
            for sym in SYMBOLS:
                bs = stats["books"][sym]
                assert bs.time_to_sync is not None and bs.first_sync is not None
                assert bs.lag_ms_last is not None and bs.applied > 0
            assert isinstance(books["btcusdt"].best_bid_text(), tuple)
        assert books.statistics()["symbols"] == 3
    s = ex.statistics()
    assert s["refused_429"] == 0 and s["refused_418"] == 0


async def test_updates_callback_add_remove(ex: LocalExchange) -> None:
    seen: list[BookUpdate] = []
    async with _client(ex) as client:
        async with client.books(["BTCUSDT"], depth=100, on_update=seen.append) as books:
            await books.wait_synced("BTCUSDT", timeout=10)
            got: list[BookUpdate] = []
            async with asyncio.timeout(10):
                async for up in books.updates():
                    got.append(up)
                    assert up.update_id <= books["BTCUSDT"].update_id
                    if len(got) >= 3:
                        break
            assert all(u.symbol == "BTCUSDT" for u in got)
            ids = [u.update_id for u in got]
            assert ids == sorted(ids)
            assert seen and seen[-1].update_id >= got[-1].update_id

            eth = await books.add("ETHUSDT")
            assert books["ETHUSDT"] is eth and "ETHUSDT" in books
            await books.wait_synced("ETHUSDT", timeout=10)
            assert mismatch(ex, eth, 100) is None
            await books.remove("BTCUSDT")
            assert "BTCUSDT" not in books and books.symbols == ["ETHUSDT"]
            await books.wait_synced(timeout=5)
            assert books.statistics()["snapshot_weight"] == 2 * 5


async def test_wait_synced_times_out_and_errors_propagate(ex: LocalExchange) -> None:
    async with _client(ex) as client:
        # an unknown symbol's stream is acknowledged but never sends events: never synced
        async with client.books(["BTCUSDT", "NOPEUSDT"], depth=100) as books:
            await books.wait_synced("BTCUSDT", timeout=10)
            with pytest.raises(TimeoutError):
                await books.wait_synced(timeout=0.3)
            with pytest.raises(KeyError):
                await books.wait_synced("XRPUSDT", timeout=0.3)
        with pytest.raises(ValueError):
            client.books(["BTCUSDT"], depth=0)


async def test_snapshot_errors_propagate(ex: LocalExchange) -> None:
    ex.faults.fail_rest(503, count=None, path="/api/v3/depth")
    async with _client(ex) as client:
        with pytest.raises(ExceptionGroup) as info:
            async with client.books(["BTCUSDT"], depth=100, snapshot_retries=0) as books:
                await books.wait_synced(timeout=10)
        assert info.group_contains(ExecutionStatusUnknown)


async def test_chaos_zero_mismatches_every_fault_healed(ex: LocalExchange) -> None:
    async with _client(ex) as client:
        async with client.books(SYMBOLS, depth=1000) as books:
            await books.wait_synced(timeout=10)
            before = {s: books.book_stats(s).resyncs for s in SYMBOLS}
            checks = mismatches = 0
            problems: list[str] = []

            async def check_for(seconds: float) -> None:
                nonlocal checks, mismatches
                end = asyncio.get_running_loop().time() + seconds
                while asyncio.get_running_loop().time() < end:
                    for sym in SYMBOLS:
                        book = books[sym]
                        if book.synced:
                            checks += 1
                            bad = mismatch(ex, book, 1000)
                            if bad is not None:
                                mismatches += 1
                                problems.append(bad)
                    await asyncio.sleep(0.01)

            # gaps: drop and reorder on one symbol each; duplicates (ignored) on the third
            ex.faults.drop_depth("BTCUSDT", count=2)
            ex.faults.reorder_depth("ETHUSDT", count=1)
            ex.faults.duplicate_depth("BNBUSDT", count=3)
            await check_for(1.5)
            after = {s: books.book_stats(s).resyncs for s in SYMBOLS}
            assert after["BTCUSDT"] > before["BTCUSDT"]
            assert after["ETHUSDT"] > before["ETHUSDT"]
            assert after["BNBUSDT"] == before["BNBUSDT"]  # a duplicate is no gap
            assert books.sync("BNBUSDT").statistics().ignored >= 1
            await books.wait_synced(timeout=10)

            # a disconnect (StreamGap marker) with slow snapshots: every book resyncs
            ex.faults.slow_snapshots(0.4, count=3)
            mid = {s: books.book_stats(s).resyncs for s in SYMBOLS}
            assert ex.faults.close_connections("abrupt", kind="stream") >= 1
            await check_for(1.0)
            await books.wait_synced(timeout=15)
            await check_for(0.5)
            end = books.statistics()
            for sym in SYMBOLS:
                assert end["books"][sym].resyncs > mid[sym], sym
                assert end["books"][sym].gaps >= 1
            assert end["markers"] >= 1 and end["synced"] == 3
            assert mismatches == 0, problems[:5]
            assert checks > 100
    s = ex.statistics()
    assert s["refused_429"] == 0 and s["refused_418"] == 0


async def test_one_gap_leaves_other_books_alone(ex: LocalExchange) -> None:
    async with _client(ex) as client:
        async with client.books(SYMBOLS, depth=100) as books:
            await books.wait_synced(timeout=10)
            snaps = {s: books.book_stats(s).snapshots for s in SYMBOLS}
            ex.faults.drop_depth("ETHUSDT", count=1)
            async with asyncio.timeout(10):
                while books.book_stats("ETHUSDT").snapshots == snaps["ETHUSDT"]:  # noqa: ASYNC110
                    await asyncio.sleep(0.02)
            await books.wait_synced(timeout=10)
            assert books.book_stats("BTCUSDT").snapshots == snaps["BTCUSDT"]
            assert books.book_stats("BNBUSDT").snapshots == snaps["BNBUSDT"]
            assert books.book_stats("ETHUSDT").resyncs >= 1


async def test_snapshots_are_paced_by_weight() -> None:
    # 12 books of weight 50 under 200 per 2 s (client and server): at most 4 snapshots a
    # window, so syncing them all takes at least two window rolls; the server refuses none.
    limits = SimLimits(request_weight=200, request_weight_interval=2)
    syms = [f"SYM{i:04d}USDT" for i in range(1, 13)]
    async with LocalExchange(symbols=syms, seed=2, limits=limits) as ex:
        limiter = RateLimiter(
            LimiterState((Limit(REQUEST_WEIGHT, 2.0, 200), Limit(RAW_REQUESTS, 300.0, 300_000)),
                         boundary_guard=0.05),
        )  # fmt: skip
        async with Client(base_url=ex.rest_url, stream_url=ex.ws_url, limiter=limiter) as client:
            loop = asyncio.get_running_loop()
            t0 = loop.time()
            async with client.books(syms, depth=1000, snapshot_concurrency=4) as books:
                await books.wait_synced(timeout=30)
                took = loop.time() - t0
                stats = books.statistics()
            assert stats["snapshot_errors"] == 0 and stats["synced"] == 12
            assert stats["snapshot_weight"] >= 12 * 50
            assert took >= 2.0  # paced: 600 weight cannot fit in one 200-weight window
        s = ex.statistics()
        assert s["refused_429"] == 0 and s["refused_418"] == 0
