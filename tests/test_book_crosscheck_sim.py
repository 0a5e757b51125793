"""BookManager(cross_check=True) against the local exchange: the partial depth stream agrees
with every correct book, and catches a corrupted one (which alone resyncs)."""

# ruff: noqa: SIM117

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from binance_async import Client
from binance_async.book import OrderBook
from binance_async.book.manager import BookManager
from binance_async.sim import LocalExchange

from .test_book_manager import mismatch

SYMBOLS = ["BTCUSDT", "ETHUSDT", "BNBUSDT"]


@pytest.fixture
async def ex() -> AsyncIterator[LocalExchange]:
    async with LocalExchange(symbols=SYMBOLS, seed=3) as ex:
        yield ex


def _client(ex: LocalExchange) -> Client:
    return Client(base_url=ex.rest_url, stream_url=ex.ws_url)


async def _until(cond: object, timeout: float = 15.0) -> None:  # noqa: ASYNC109
    async with asyncio.timeout(timeout):
        while not cond():  # type: ignore[operator]  # noqa: ASYNC110 - polls counters
            await asyncio.sleep(0.02)


def _corrupt(book: OrderBook) -> float:
    """A bid the exchange never had (off the tick grid), between the 5th and 6th best."""
    top = book.bids(6)
    price = (top[4][0] + top[5][0]) / 2
    book.apply_values([(price, 1.2345)], [])
    return price


async def test_normal_run_agrees_with_every_book(ex: LocalExchange) -> None:
    async with _client(ex) as client:
        async with client.books(SYMBOLS, depth=1000, cross_check=True) as books:
            await books.wait_synced(timeout=10)
            await _until(lambda: all(books.book_stats(s).cross_checks >= 15 for s in SYMBOLS))
            stats = books.statistics()
            assert stats["cross_check_mismatches"] == 0 and stats["resyncs"] == 0
            for sym in SYMBOLS:
                bs = books.book_stats(sym)
                assert bs.cross_check_suspects == 0, books.cross(sym)
                assert mismatch(ex, books[sym], 1000) is None or not books[sym].synced
            # live remove / add carry the partial stream along
            await books.remove("BNBUSDT")
            assert "BNBUSDT" not in books
            await books.add("BNBUSDT")
            await books.wait_synced("BNBUSDT", timeout=10)
            await _until(lambda: books.book_stats("BNBUSDT").cross_checks >= 3)
            assert books.book_stats("BNBUSDT").cross_check_suspects == 0
    s = ex.statistics()
    assert s["refused_429"] == 0 and s["refused_418"] == 0


async def test_corrupted_book_is_detected_and_resynced_alone(ex: LocalExchange) -> None:
    async with _client(ex) as client:
        async with client.books(SYMBOLS, depth=1000, cross_check=True) as books:
            await books.wait_synced(timeout=10)
            await _until(lambda: all(books.book_stats(s).cross_checks >= 3 for s in SYMBOLS))
            before = {s: books.book_stats(s) for s in SYMBOLS}
            _corrupt(books["ETHUSDT"])
            await _until(lambda: books.book_stats("ETHUSDT").cross_check_mismatches >= 1)
            await books.wait_synced("ETHUSDT", timeout=10)
            # healed: synced again on a fresh snapshot, and checked clean since
            eth = books.book_stats("ETHUSDT")
            assert eth.resyncs == before["ETHUSDT"].resyncs + 1
            assert eth.snapshots == before["ETHUSDT"].snapshots + 1
            assert eth.last_reason is not None and eth.last_reason.startswith("cross-check")
            n = eth.cross_checks
            await _until(lambda: books.book_stats("ETHUSDT").cross_checks >= n + 3)
            assert books.book_stats("ETHUSDT").cross_check_mismatches == 1
            book = books["ETHUSDT"]
            assert not book.synced or mismatch(ex, book, 1000) is None
            # the other books were never touched
            for sym in ("BTCUSDT", "BNBUSDT"):
                bs = books.book_stats(sym)
                assert bs.resyncs == before[sym].resyncs == 0
                assert bs.snapshots == before[sym].snapshots
                assert bs.cross_check_mismatches == 0 and bs.cross_check_suspects == 0
                assert bs.synced


async def test_sequence_faults_are_no_cross_check_mismatch(ex: LocalExchange) -> None:
    """Drops, reorders, duplicates and a disconnect are the sequence checks' business: the
    cross-check never disagrees with a book that says it is synced."""
    async with _client(ex) as client:
        async with client.books(SYMBOLS, depth=100, cross_check=True) as books:
            await books.wait_synced(timeout=10)
            ex.faults.drop_depth("BTCUSDT", count=2)
            ex.faults.reorder_depth("ETHUSDT", count=1)
            ex.faults.duplicate_depth("BNBUSDT", count=3)
            await _until(lambda: books.book_stats("BTCUSDT").resyncs >= 1)
            await books.wait_synced(timeout=10)
            assert ex.faults.close_connections("abrupt", kind="stream") >= 1
            await _until(lambda: books.statistics()["markers"] >= 1)
            await books.wait_synced(timeout=15)
            checks = books.statistics()["cross_checks"]
            await _until(lambda: books.statistics()["cross_checks"] >= checks + 9)
            stats = books.statistics()
            assert stats["cross_check_mismatches"] == 0
            assert all(b.cross_check_suspects == 0 for b in stats["books"].values())


async def test_cross_check_options(ex: LocalExchange) -> None:
    async with _client(ex) as client:
        with pytest.raises(ValueError):
            client.books(["BTCUSDT"], rule="futures", cross_check=True)
        with pytest.raises(ValueError):
            client.books(["BTCUSDT"], cross_check=True, cross_check_confirm=0)
        books = client.books(["BTCUSDT"], speed="1000ms", cross_check=True)
        assert isinstance(books, BookManager)
        assert books.partial_stream_name("BTCUSDT") == "btcusdt@depth20"
        async with client.books(["BTCUSDT"], depth=100) as plain:
            await plain.wait_synced(timeout=10)
            assert plain.cross("BTCUSDT") is None
            assert plain.book_stats("BTCUSDT").cross_checks == 0
