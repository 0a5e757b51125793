"""binance_async.sim: symbols (synthetic and a real exchangeInfo), synthetic flow, market data.

The real exchangeInfo is cryptofeed's recorded Binance capture (2021, 1,695 symbols); "This
product includes software developed by Bryant Moscon" (see ../shared/data/real/cryptofeed).
"""

from __future__ import annotations

import time
from decimal import Decimal as D
from pathlib import Path
from typing import Any

import pytest

from binance_async.sim import (
    INTERVALS,
    Engine,
    FlowConfig,
    HistoryUnavailable,
    SimError,
    SymbolSpec,
    SyntheticFlow,
    exchange_info_json,
    load_exchange_info,
    symbols_from_exchange_info,
    synthetic_symbols,
)
from binance_async.sim.market_data import interval_close, interval_open, window_ms

# --- symbols ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real_info(real_data: Path) -> dict[str, Any]:
    return load_exchange_info(real_data / "cryptofeed" / "sample_data" / "BINANCE.0")


def test_real_exchange_info_loads_with_real_filters(real_info: dict[str, Any]) -> None:
    specs = symbols_from_exchange_info(real_info)
    assert len(specs) == 1695
    by = {s.symbol: s for s in specs}
    btc = by["BTCUSDT"]
    assert (btc.base_asset, btc.quote_asset, btc.status) == ("BTC", "USDT", "TRADING")
    assert (btc.tick_size, btc.min_price, btc.max_price) == (D("0.01"), D("0.01"), D("1000000"))
    assert (btc.step_size, btc.min_qty, btc.max_qty) == (D("0.00001"), D("0.00001"), D("9000"))
    assert (btc.notional_filter, btc.min_notional, btc.avg_price_mins) == ("MIN_NOTIONAL",
                                                                           D("10"), 5)  # fmt: skip
    assert (btc.multiplier_up, btc.multiplier_down) == (D("5"), D("0.2"))
    assert (btc.market_max_qty, btc.max_num_orders, btc.max_num_algo_orders) == (
        D("100.05381873"),
        200,
        5,
    )
    assert "STOP_LOSS" not in btc.order_types and "STOP_LOSS_LIMIT" in btc.order_types
    assert sum(s.status == "BREAK" for s in specs) == 433
    assert sum(s.max_position is not None for s in specs) == 40
    # the wire form reproduces every real filter exactly
    out = exchange_info_json(specs, real_info["rateLimits"], server_time=1)
    for mine, theirs in zip(out["symbols"], real_info["symbols"], strict=True):
        by_type = {f["filterType"]: f for f in mine["filters"]}
        for f in theirs["filters"]:
            assert by_type[f["filterType"]] == f, (mine["symbol"], f)
        for key in ("baseAssetPrecision", "quoteAssetPrecision", "orderTypes", "ocoAllowed"):
            assert mine[key] == theirs[key]


def test_engine_on_real_symbols_enforces_real_rules(real_info: dict[str, Any]) -> None:
    e = Engine(symbols_from_exchange_info(real_info))
    assert len(e.exchange_info()["symbols"]) == 1695
    base = {"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC"}
    with pytest.raises(SimError, match="MIN_NOTIONAL"):
        e.new_order("demo", {**base, "price": "60000", "quantity": "0.0001"}, 1)
    with pytest.raises(SimError, match="PRICE_FILTER"):
        e.new_order("demo", {**base, "price": "60000.001", "quantity": "0.001"}, 1)
    with pytest.raises(SimError, match="Stop loss orders are not supported"):
        e.new_order("demo", {"symbol": "BTCUSDT", "side": "SELL", "type": "STOP_LOSS",
                             "quantity": "0.001", "stopPrice": "50000"}, 1)  # fmt: skip
    r = e.new_order("demo", {**base, "price": "60000", "quantity": "0.001"}, 1)
    assert r["status"] == "NEW" and r["price"] == "60000.00000000"
    brk = next(s for s, m in e.markets.items() if not m.trading)
    with pytest.raises(SimError, match=r"Market is closed\."):
        e.new_order("demo", {"symbol": brk, "side": "BUY", "type": "MARKET", "quantity": "1"}, 1)
    # a 2-decimal quote asset formats with its precision
    bidr = e.market("BTCBIDR")
    assert e.ticker_price("BTCBIDR") == {
        "symbol": "BTCBIDR",
        "price": bidr.fp(bidr.reference_price),
    }
    assert bidr.fp(100 * 10**8).endswith(".00") and len(bidr.fp(10**8).split(".")[1]) == 2


def test_synthetic_symbols() -> None:
    specs = synthetic_symbols(["BTCUSDT", "ETHBTC", "FOOUSDT", "BARBTC"], seed=7)
    btc, ethbtc, foo, bar = specs
    assert (btc.tick_size, btc.step_size, btc.start_price) == (D("0.01"), D("0.00001"), D("65000"))
    assert (ethbtc.quote_asset, ethbtc.tick_size) == ("BTC", D("0.00001"))
    assert (foo.base_asset, foo.quote_asset) == ("FOO", "USDT")
    for s in (foo, bar):
        assert s.start_price is not None and s.start_price > 0
        ticks = s.start_price / s.tick_size
        assert ticks == ticks.to_integral_value() and 100 <= ticks <= 10**6
        assert s.min_notional > 0 and s.step_size > 0
    assert synthetic_symbols(["FOOUSDT"], seed=7) == [foo]  # deterministic
    assert synthetic_symbols(["FOOUSDT"], seed=8)[0].start_price != foo.start_price
    many = synthetic_symbols(25, seed=1)
    assert [s.symbol for s in many[:2]] == ["SYM0001USDT", "SYM0002USDT"] and len(many) == 25
    info = exchange_info_json(specs, None)
    assert info["symbols"][0]["filters"][0] == {"filterType": "PRICE_FILTER",
                                                "minPrice": "0.01000000",
                                                "maxPrice": "65000000.00000000",
                                                "tickSize": "0.01000000"}  # fmt: skip
    assert {r["rateLimitType"] for r in info["rateLimits"]} == {"REQUEST_WEIGHT", "ORDERS",
                                                                "RAW_REQUESTS"}  # fmt: skip


def test_demo_account_is_generous() -> None:
    e = Engine(synthetic_symbols(["BTCUSDT", "ETHBTC"], 1))
    b = e.balances("demo")
    assert b["USDT"].free == D("10000000")
    assert b["BTC"].free * 65000 == pytest.approx(D("1000000"), rel=D("0.001"))
    assert b["ETH"].free > 0


# --- synthetic flow --------------------------------------------------------------------------


def _run_flow(seed: int, steps: int = 50, dt: int = 100) -> tuple[Engine, SyntheticFlow]:
    e = Engine(synthetic_symbols(["BTCUSDT", "ETHUSDT", "SYM0001USDT"], seed))
    f = SyntheticFlow(e, seed=seed)
    for i in range(1, steps + 1):
        f.advance(i * dt)
    return e, f


def test_flow_is_deterministic() -> None:
    runs = [_run_flow(3) for _ in range(2)]
    other, _ = _run_flow(4)
    for sym in ("BTCUSDT", "ETHUSDT", "SYM0001USDT"):
        a, b = (e.recent_trades(sym, 1000) for e, _ in runs)
        assert a == b and len(a) > 10
        assert runs[0][0].depth(sym, 5000) == runs[1][0].depth(sym, 5000)
        assert runs[0][0].market(sym).book.log == runs[1][0].market(sym).book.log
    assert other.recent_trades("BTCUSDT", 1000) != runs[0][0].recent_trades("BTCUSDT", 1000)


def test_flow_books_look_real() -> None:
    e = Engine(synthetic_symbols(["BTCUSDT", "SYM0001USDT"], 5))
    f = SyntheticFlow(e, seed=5)
    cursors = {s: e.stream_cursor(s) for s in ("BTCUSDT", "SYM0001USDT")}
    changed: list[int] = []
    for i in range(1, 201):  # 20 s
        f.advance(i * 100)
        for s, cur in cursors.items():
            book = e.market(s).book
            assert book.best_bid() < book.best_ask()  # never crossed
            ev = cur.depth_update(i * 100)
            if ev is not None:
                changed.append(len(ev["b"]) + len(ev["a"]))
    for s in cursors:
        mk = e.market(s)
        book = mk.book
        assert 50 <= len(book.bid_keys) <= 1000 and 50 <= len(book.ask_keys) <= 1000
        assert (book.best_ask() - book.best_bid()) // mk.tick <= 8
        assert mk.next_trade_id > 100
    mean = sum(changed) / len(changed)
    assert 8 <= mean <= 40, mean  # ~10-30 levels changed per 100 ms at the default rate
    # the demo account can trade against the flow
    r = e.new_order("demo", {"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET",
                             "quantity": "0.01"}, 20_001)  # fmt: skip
    assert r["status"] == "FILLED"
    # bookTicker updates carry update ids whose true book has that best bid/ask
    cur = e.stream_cursor("BTCUSDT")
    f.advance(20_500)
    tops = cur.book_tickers()
    assert tops
    for t in tops[-20:]:
        truth = e.true_book("BTCUSDT", t["u"])
        assert (D(t["b"]), D(t["B"])) == truth.bids[0]
        assert (D(t["a"]), D(t["A"])) == truth.asks[0]


def test_flow_throughput(capsys: pytest.CaptureFixture[str]) -> None:
    """Not a timed assertion: prints the engine's order rate under the synthetic flow."""
    e = Engine(synthetic_symbols(10, 1))
    f = SyntheticFlow(e, seed=1, config=FlowConfig(rate=2000))
    t0 = time.perf_counter()
    f.advance(2_000)
    dt = time.perf_counter() - t0
    n = f.orders + f.cancels
    with capsys.disabled():
        print(f"\n[sim] {f.orders} orders + {f.cancels} cancels in {dt:.2f}s = {n / dt:,.0f}/s; "
              f"{sum(m.next_trade_id - 1 for m in e.markets.values())} trades")  # fmt: skip
    assert n > 20_000


# --- retention and history ---------------------------------------------------------------------


def test_true_book_retention_window() -> None:
    e = Engine(synthetic_symbols(["BTCUSDT"], 1), retention_updates=2_000, retention_ms=1_000,
               checkpoint_every=100)  # fmt: skip
    f = SyntheticFlow(e, seed=1)
    cursor = e.stream_cursor("BTCUSDT")
    f.advance(30_000)
    with pytest.raises(HistoryUnavailable):
        cursor.depth_update(30_000)  # fell behind the retention window
    cursor.resync()
    book = e.market("BTCUSDT").book
    u0 = book.update_id
    assert cursor.depth_update(30_000) is None
    f.advance(30_100)
    ev = cursor.depth_update(30_100)
    assert ev is not None and (ev["U"], ev["u"]) == (u0 + 1, book.update_id)
    uid = book.update_id
    assert uid > 5_000
    assert e.true_book("BTCUSDT", uid - 1_900).update_id == uid - 1_900
    with pytest.raises(HistoryUnavailable, match="older than the retention window"):
        e.true_book("BTCUSDT", 10)
    with pytest.raises(HistoryUnavailable, match="future"):
        e.true_book("BTCUSDT", uid + 1)
    assert uid - book.oldest_update_id < 2_000 + 2 * 100 + 50
    assert len(book.log) < 3 * (uid - book.oldest_update_id) + 100  # bounded memory


# --- market data -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def busy() -> tuple[Engine, SyntheticFlow]:
    e = Engine(synthetic_symbols(["ETHUSDT"], 2), now_ms=1_700_000_000_000)
    f = SyntheticFlow(e, seed=2, config=FlowConfig(rate=100))
    f.advance(1_700_000_000_000 + 5 * 60_000)  # 5 minutes
    return e, f


def test_klines_all_intervals_consistent(busy: tuple[Engine, SyntheticFlow]) -> None:
    e, _ = busy
    s = "ETHUSDT"
    n_trades = e.market(s).next_trade_id - 1
    for iv in INTERVALS:
        rows = e.klines(s, iv, limit=1000)
        assert rows
        for r in rows:
            assert len(r) == 12 and r[11] == "0"
            assert r[6] == interval_close(iv, r[0]) and interval_open(iv, r[0]) == r[0]
            o, h, lo, c = (D(x) for x in r[1:5])
            assert lo <= min(o, c) <= max(o, c) <= h
        if iv != "1s":  # 1s bars: only the last hour is kept (all of it here)
            assert sum(r[8] for r in rows) == n_trades
            seconds = e.klines(s, "1s", limit=1000)
            assert sum(D(r[5]) for r in rows) == sum(D(r[5]) for r in seconds)
    assert sum(r[8] for r in e.klines(s, "1m", limit=1000)) == n_trades
    ev = e.market(s).md.kline_event("1m", e.now)
    assert ev["e"] == "kline" and ev["k"]["i"] == "1m" and ev["k"]["x"] is False
    with pytest.raises(SimError, match=r"Invalid interval\."):
        e.klines(s, "2d")


def test_interval_boundaries() -> None:
    t = 1_700_000_123_456  # 2023-11-14 22:15:23 UTC, a Tuesday
    assert interval_open("1w", t) == 1_699_833_600_000  # Monday 2023-11-13 00:00 UTC
    assert interval_open("1M", t) == 1_698_796_800_000  # 2023-11-01
    assert interval_close("1M", 1_698_796_800_000) == 1_701_388_799_999
    assert interval_open("4h", t) == 1_699_992_000_000  # 20:00
    assert window_ms("7d") == 7 * 86_400_000 and window_ms("59m") == 59 * 60_000
    with pytest.raises(ValueError):
        window_ms("60m")


def test_tickers_and_avg_price(busy: tuple[Engine, SyntheticFlow]) -> None:
    e, _ = busy
    s = "ETHUSDT"
    now = e.now
    t = e.ticker_24hr(s, now)
    assert isinstance(t, dict)
    trades = e.recent_trades(s, 1000)
    assert t["count"] == e.market(s).next_trade_id - 1 == t["lastId"] - t["firstId"] + 1
    assert t["lastPrice"] == trades[-1]["price"]
    assert D(t["lowPrice"]) <= D(t["lastPrice"]) <= D(t["highPrice"])
    assert D(t["weightedAvgPrice"]) == (D(t["quoteVolume"]) / D(t["volume"])).quantize(
        D("0.00000001"), rounding="ROUND_DOWN"
    )
    assert D(t["bidPrice"]) < D(t["askPrice"])
    mini = e.ticker_24hr(s, now, type="MINI")
    assert isinstance(mini, dict) and "priceChange" not in mini and mini["count"] == t["count"]
    w = e.ticker_window(s, now, window_size="1h")
    assert isinstance(w, dict) and w["count"] == t["count"] and "bidPrice" not in w
    assert w["openTime"] % 60_000 == 0
    last2 = e.ticker_window(s, now, window_size="2m")
    assert isinstance(last2, dict) and 0 < last2["count"] < t["count"]
    avg = e.avg_price(s, now)
    assert avg["mins"] == 5 and D(avg["price"]) > 0
    md = e.market(s).md
    assert {k for k in md.ticker_event(now, (1, 1, 2, 1))} >= set("EspPwxcQbBaAohlvqOCFLn")
    assert md.window_ticker_event("1h", now)["e"] == "1hTicker"
    assert md.mini_ticker_event(now)["e"] == "24hrMiniTicker"
    tick_all = e.ticker_24hr(None, now)
    assert isinstance(tick_all, list) and len(tick_all) == 1
    bt = e.book_ticker(s)
    assert isinstance(bt, dict) and bt["bidPrice"] == t["bidPrice"]


def test_stream_cursor_trades_and_aggs(busy: tuple[Engine, SyntheticFlow]) -> None:
    e, f = busy
    cur = e.stream_cursor("ETHUSDT")
    f.advance(e.now + 2_000)
    trades = cur.trades(e.now)
    aggs = cur.agg_trades(e.now)
    assert trades and aggs
    assert [t["t"] for t in trades] == list(range(trades[0]["t"], trades[-1]["t"] + 1))
    assert set(trades[0]) == {"e", "E", "s", "t", "p", "q", "T", "m", "M"}
    assert sum(D(a["q"]) for a in aggs) == sum(D(t["q"]) for t in trades)
    assert aggs[0]["f"] == trades[0]["t"] and aggs[-1]["l"] == trades[-1]["t"]
    assert cur.trades(e.now) == [] and cur.agg_trades(e.now) == []
    assert cur.depth_update(e.now) is not None
    assert cur.depth_update(e.now) is None


def test_market_data_errors() -> None:
    e = Engine(synthetic_symbols(["BTCUSDT"], 1))
    with pytest.raises(SimError, match=r"Invalid symbol\."):
        e.depth("NOPE")
    with pytest.raises(SimError) as info:
        e.ticker_window(None, 0)
    assert info.value.code == -1102
    with pytest.raises(SimError):
        e.ticker_window("BTCUSDT", 0, window_size="8d")
    assert e.depth("BTCUSDT") == {"lastUpdateId": 0, "bids": [], "asks": []}
    assert e.recent_trades("BTCUSDT") == [] and e.klines("BTCUSDT", "1m") == []
    t = e.ticker_24hr("BTCUSDT", 0)
    assert isinstance(t, dict) and (t["count"], t["firstId"]) == (0, -1)


def test_spec_defaults_are_usable() -> None:
    spec = SymbolSpec(symbol="XYUSDT", base_asset="XY", quote_asset="USDT",
                      tick_size=D("0.001"), step_size=D("0.1"))  # fmt: skip
    e = Engine([spec])
    e.create_account("x", {"XY": "100", "USDT": "100"})
    e.new_order("x", {"symbol": "XYUSDT", "side": "SELL", "type": "LIMIT",
                      "timeInForce": "GTC", "price": "1.5", "quantity": "10"}, 1)  # fmt: skip
    r = e.new_order("demo", {"symbol": "XYUSDT", "side": "BUY", "type": "MARKET",
                             "quoteOrderQty": "3"}, 2)  # fmt: skip
    assert (r["executedQty"], r["cummulativeQuoteQty"]) == ("2.00000000", "3.00000000")
