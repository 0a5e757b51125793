"""Every example in examples/ runs as is (a subprocess, in-process local exchange) and does its job.

The examples' functions are also called directly against a `LocalExchange`, to check what they
did (fills, files, books, followers), not only that they printed something.
"""

from __future__ import annotations

import importlib
import subprocess
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from binance_async import Client
from binance_async.recording import read_recording
from binance_async.sim import LocalExchange

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@pytest.fixture(scope="module", autouse=True)
def examples_on_path() -> Iterator[None]:
    sys.path.insert(0, str(EXAMPLES))
    try:
        yield
    finally:
        sys.path.remove(str(EXAMPLES))


def example(name: str) -> ModuleType:
    return importlib.import_module(name)


def run_as_is(name: str, *args: str) -> str:
    proc = subprocess.run(
        [sys.executable, str(EXAMPLES / f"{name}.py"), *args],
        capture_output=True, text=True, timeout=120, cwd=EXAMPLES.parent,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    return proc.stdout


def client_for(ex: LocalExchange) -> Client:
    return Client(
        ex.api_key, ex.api_secret, base_url=ex.rest_url, stream_url=ex.ws_url,
        ws_api_url=ex.ws_api_url,
    )  # fmt: skip


def test_every_example_is_tested() -> None:
    names = {p.stem for p in EXAMPLES.glob("*.py") if not p.stem.startswith("_")}
    assert names == {"trading_bot", "collector", "book_maintainer", "copy_leader"}


# -- trading bot ----------------------------------------------------------------------------------


def test_trading_bot_runs_as_is() -> None:
    out = run_as_is("trading_bot", "--round-trips", "1")
    assert "round trip 1/1 done" in out and "fills, position 0.00000000" in out


async def test_trading_bot_reacts_to_fills() -> None:
    bot_mod = example("trading_bot")
    async with LocalExchange(["BTCUSDT"], seed=11) as ex, client_for(ex) as client:
        bot = await bot_mod.run_bot(client, "BTCUSDT", "0.002", round_trips=2)
        assert bot.completed == 2 and bot.position == 0
        sides = [f.side for f in bot.fills]
        assert sides.count("BUY") >= 2 and sides.count("SELL") >= 2
        bought = sum(f.quantity for f in bot.fills if f.side == "BUY")
        sold = sum(f.quantity for f in bot.fills if f.side == "SELL")
        assert bought == sold == 2 * Decimal("0.002")
        # the exchange agrees: every order of the bot is final, nothing left open
        assert await client.trade.open_orders(symbol="BTCUSDT") == []
        trades = await client.trade.my_trades("BTCUSDT")
        assert len(trades) == len(bot.fills)


# -- collector ------------------------------------------------------------------------------------


def test_collector_runs_as_is(tmp_path: Path) -> None:
    out = run_as_is("collector", "--out", str(tmp_path), "--seconds", "2", "--symbols",
                    "BTCUSDT", "ETHUSDT")  # fmt: skip
    assert "done: " in out
    assert all(p.name.startswith("collector-") for p in tmp_path.iterdir())


async def test_collector_files_rebuild_books(tmp_path: Path) -> None:
    from binance_async.book.capture import replay

    collector = example("collector")
    symbols = ["BTCUSDT", "ETHUSDT", "BNBUSDT"]
    async with LocalExchange(symbols, seed=12) as ex, client_for(ex) as client:
        status, files = await collector.collect(client, symbols, tmp_path, seconds=2)
    assert status.messages > 0 and files and all(f.exists() for f in files)
    records = list(read_recording(*files))
    assert {r.symbol for r in records if r.kind == "snapshot"} == set(symbols)
    assert {r.stream for r in records if r.kind == "other"} == {
        f"{s.lower()}@trade" for s in symbols
    }
    for symbol in symbols:
        result = replay(records, symbol)
        assert result.synced and result.events_applied > 0 and not result.mismatches


# -- book maintainer ------------------------------------------------------------------------------


def test_book_maintainer_runs_as_is() -> None:
    out = run_as_is("book_maintainer", "--seconds", "3", "--symbols", "BTCUSDT")
    assert "imbalance" in out and "events applied, 0 resyncs" in out


async def test_book_maintainer_prints_the_true_top_of_book() -> None:
    maintainer = example("book_maintainer")
    async with LocalExchange(["BTCUSDT", "ETHUSDT"], seed=13) as ex, client_for(ex) as client:
        printed = await maintainer.maintain(client, ["BTCUSDT", "ETHUSDT"], 3, every=0.5)
        assert {t.symbol for t in printed} == {"BTCUSDT", "ETHUSDT"}
        for top in printed:
            assert -1 <= top.imbalance <= 1
            truth = ex.true_book(top.symbol, top.update_id)  # the exchange's own book then
            assert truth.bids[0][0] == Decimal(top.bid) and truth.asks[0][0] == Decimal(top.ask)


# -- copy-trading leader --------------------------------------------------------------------------


def test_copy_leader_runs_as_is() -> None:
    out = run_as_is("copy_leader")
    assert "config updated" in out and out.count("refused before sending") == 3
    assert "removed follower" in out and "followers now" in out


async def test_copy_leader_manages_followers() -> None:
    copy_leader = example("copy_leader")
    async with LocalExchange(["BTCUSDT"], seed=14) as ex, client_for(ex) as client:
        leader = ex.copy_trading.leaders["demo"]
        free = [f.user_id for f in leader.followers.values() if not f.has_position][:2]
        report: Any = await copy_leader.manage(client, free)
        assert report.removed == free
        assert report.followers_after == report.followers_before - 2
        assert not set(free) & set(leader.followers)
        assert len(report.refused) == 3
        assert all("parameter '" in text for text in report.refused)
        assert leader.config.profit_period == 7
