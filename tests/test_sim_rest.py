"""LocalExchange REST: the project's own Client against it, market data, trading, listenKeys,
exchangeInfo filters, startup time, engine consistency, 404/405."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from decimal import Decimal

import pytest

from binance_async import Client
from binance_async.errors import NewOrderRejected
from binance_async.models import DepthSnapshot, ExchangeInfo, OrderFull
from binance_async.sim import LocalExchange, SimClock, SimLimits

from .sim_helpers import send, signed, wait_for_trades


def _minute_aligned_clock() -> SimClock:
    """Wall-paced, but a few seconds into a fresh minute: no window boundary mid-test."""
    now = int(time.time() * 1000)
    return SimClock(start_ms=(now // 60_000 + 1) * 60_000 + 2_000)


@pytest.fixture
async def ex() -> AsyncIterator[LocalExchange]:
    async with LocalExchange(symbols=["BTCUSDT", "ETHUSDT"], seed=1,
                             clock=_minute_aligned_clock()) as ex:  # fmt: skip
        yield ex


def _client(ex: LocalExchange, **kw: object) -> Client:
    return Client(ex.api_key, ex.api_secret, base_url=ex.rest_url, **kw)  # type: ignore[arg-type]


async def test_client_market_data_typed(ex: LocalExchange) -> None:
    async with _client(ex) as c:
        await c.market.ping()
        t = await c.market.time()
        assert abs(t.server_time - ex.clock.now_ms()) < 2_000
        info = await c.market.exchange_info()
        assert isinstance(info, ExchangeInfo)
        assert [s.symbol for s in info.symbols] == ["BTCUSDT", "ETHUSDT"]
        depth = await c.market.depth("BTCUSDT", limit=10)
        assert isinstance(depth, DepthSnapshot)
        assert len(depth.bids) == 10 and len(depth.asks) == 10
        assert depth.bids[0].price < depth.asks[0].price
        truth = ex.engine.true_book("BTCUSDT")
        assert depth.last_update_id <= truth.update_id
        await wait_for_trades(ex)
        kl = await c.market.klines("BTCUSDT", "1m", limit=5)
        assert kl and kl[-1].close > 0
        tick = await c.market.ticker_24hr(symbol="BTCUSDT")
        assert tick is not None
        aggs = await c.market.agg_trades("BTCUSDT", limit=10)
        assert aggs and all(a.price > 0 for a in aggs)
        assert await c.market.trades("BTCUSDT", limit=3)
        assert await c.market.avg_price("BTCUSDT")
        assert await c.market.book_ticker(symbol="ETHUSDT")
        assert await c.market.ticker_price(symbol="ETHUSDT")
        assert await c.market.rolling_window_ticker(symbol="BTCUSDT", windowSize="1h")
        assert await c.market.ui_klines("BTCUSDT", "1s", limit=2) is not None


async def test_client_trading_lifecycle(ex: LocalExchange) -> None:
    async with _client(ex) as c:
        acct = await c.trade.account()
        usdt = next(b for b in acct.balances if b.asset == "USDT")
        assert usdt.free > 0
        bid = (await c.market.depth("BTCUSDT", limit=5)).bids[0].price
        price = bid - Decimal(100)
        o = await c.trade.new_order("BTCUSDT", "BUY", "LIMIT", timeInForce="GTC",
                                    quantity=Decimal("0.01"), price=price)  # fmt: skip
        assert isinstance(o, OrderFull) and o.status == "NEW"
        q = await c.trade.get_order("BTCUSDT", orderId=o.order_id)
        assert q.order_id == o.order_id and q.price == price
        opened = await c.trade.open_orders(symbol="BTCUSDT")
        assert [x.order_id for x in opened] == [o.order_id]
        locked = ex.engine.balances("demo")["USDT"].locked
        assert locked == price * Decimal("0.01")
        cancelled = await c.trade.cancel_order("BTCUSDT", orderId=o.order_id)
        assert cancelled.status == "CANCELED"
        assert await c.trade.open_orders(symbol="BTCUSDT") == []
        assert ex.engine.balances("demo")["USDT"].locked == 0
        history = await c.trade.all_orders("BTCUSDT")
        assert o.order_id in [h.order_id for h in history]
        with pytest.raises(NewOrderRejected):
            await c.trade.new_order("BTCUSDT", "SELL", "LIMIT", timeInForce="GTC",
                                    quantity=Decimal("20"), price=price + 500)  # fmt: skip
        rl = await c.trade.order_rate_limit()
        assert rl is not None


@pytest.mark.parametrize("kind", ["RSA", "ED25519"])
async def test_client_with_asymmetric_keys(ex: LocalExchange, kind: str) -> None:
    if kind == "RSA":
        key, pem = ex.rsa_api_key, ex.rsa_private_key_pem
    else:
        key, pem = ex.ed25519_api_key, ex.ed25519_private_key_pem
    async with Client(key, private_key=pem, base_url=ex.rest_url) as c:
        acct = await c.trade.account()
        assert acct.balances
        o = await c.trade.new_order("ETHUSDT", "SELL", "LIMIT", timeInForce="GTC",
                                    quantity=Decimal("0.1"), price=Decimal("9000"))  # fmt: skip
        assert (await c.trade.cancel_order("ETHUSDT", orderId=o.order_id)).status == "CANCELED"


async def test_limiter_tracks_server_headers(ex: LocalExchange) -> None:
    async with _client(ex) as c:
        await c.market.depth("BTCUSDT", limit=1000)  # 50
        await c.market.exchange_info()  # 10
        await c.trade.account()  # 10
        await c.market.ticker_24hr()  # 40, all symbols
        o = await c.trade.new_order("BTCUSDT", "BUY", "LIMIT", timeInForce="GTC",
                                    quantity=Decimal("0.01"), price=Decimal("30000"))  # fmt: skip
        await c.trade.cancel_order("BTCUSDT", orderId=o.order_id)
        server = ex.server_limits.used_weight("127.0.0.1", ex.clock.now_ms())
        limits = c.statistics()["limits"]
        assert limits["REQUEST_WEIGHT"].used == server
        assert server == 1 + 50 + 10 + 10 + 40 + 1 + 1  # time sync first
        assert limits["ORDERS_10S"].used == ex.server_limits.order_counts("demo",
                                                                          ex.clock.now_ms())[0]
    r = await send(ex, "GET", "/api/v3/ping")
    assert r.headers["X-MBX-USED-WEIGHT-1M"] == str(server + 1)


async def test_order_count_headers_and_rate_limit_endpoint(ex: LocalExchange) -> None:
    params = {"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC",
              "quantity": "0.01", "price": "30000"}  # fmt: skip
    r = await signed(ex, "POST", "/api/v3/order", params)
    assert r.status == 200, r.body
    assert r.headers["X-MBX-ORDER-COUNT-10S"] == "1"
    assert r.headers["X-MBX-ORDER-COUNT-1D"] == "1"
    oid = r.body["orderId"]
    r = await signed(ex, "GET", "/api/v3/order", {"symbol": "BTCUSDT", "orderId": oid})
    assert "X-MBX-ORDER-COUNT-10S" not in r.headers
    r = await signed(ex, "GET", "/api/v3/rateLimit/order")
    assert r.body == [
        {"rateLimitType": "ORDERS", "interval": "SECOND", "intervalNum": 10, "limit": 50,
         "count": 1},
        {"rateLimitType": "ORDERS", "interval": "DAY", "intervalNum": 1, "limit": 160000,
         "count": 1},
    ]  # fmt: skip
    # a taker order fills at once: its first fill gives the count back
    r = await signed(ex, "POST", "/api/v3/order", {"symbol": "BTCUSDT", "side": "BUY",
                                                   "type": "MARKET", "quantity": "0.001"})
    assert r.status == 200 and r.body["status"] == "FILLED"
    assert r.headers["X-MBX-ORDER-COUNT-10S"] == "1"


async def test_exchange_info_filters_and_rate_limits() -> None:
    limits = SimLimits(request_weight=1200, orders_10s=7)
    async with LocalExchange(["BTCUSDT", "ETHUSDT", "FOOBTC"], limits=limits) as ex:
        r = await send(ex, "GET", "/api/v3/exchangeInfo", "symbol=ETHUSDT")
        assert [s["symbol"] for s in r.body["symbols"]] == ["ETHUSDT"]
        assert r.body["rateLimits"][0] == {"rateLimitType": "REQUEST_WEIGHT",
                                           "interval": "MINUTE", "intervalNum": 1, "limit": 1200}
        assert r.body["rateLimits"][1]["limit"] == 7
        r = await send(ex, "GET", "/api/v3/exchangeInfo",
                       'symbols=%5B%22FOOBTC%22,%22BTCUSDT%22%5D')  # fmt: skip
        assert [s["symbol"] for s in r.body["symbols"]] == ["FOOBTC", "BTCUSDT"]
        r = await send(ex, "GET", "/api/v3/exchangeInfo", 'permissions=%5B%22MARGIN%22%5D')
        assert {s["symbol"] for s in r.body["symbols"]} == {"BTCUSDT", "ETHUSDT"}
        r = await send(ex, "GET", "/api/v3/exchangeInfo", "symbol=NOPE")
        assert (r.status, r.body) == (400, {"code": -1121, "msg": "Invalid symbol."})
        r = await send(ex, "GET", "/api/v3/exchangeInfo", "symbols=BTCUSDT")
        assert r.code == -1100


async def test_depth_limits_and_weights(ex: LocalExchange) -> None:
    for limit, weight in ((5, 5), (100, 5), (101, 25), (1000, 50), (5000, 250), (6000, 250)):
        before = ex.server_limits.used_weight("127.0.0.1", ex.clock.now_ms())
        r = await send(ex, "GET", "/api/v3/depth", f"symbol=BTCUSDT&limit={limit}")
        assert r.status == 200
        assert int(r.headers["X-MBX-USED-WEIGHT-1M"]) - before == weight
        assert len(r.body["bids"]) == min(limit, len(ex.engine.true_book("BTCUSDT").bids), 5000)
        assert r.body["lastUpdateId"] <= ex.engine.markets["BTCUSDT"].book.update_id
    r = await send(ex, "GET", "/api/v3/depth", "symbol=BTCUSDT")
    assert len(r.body["bids"]) == 100
    r = await send(ex, "GET", "/api/v3/depth", "symbol=BTCUSDT&limit=0")
    assert r.code == -1130


async def test_listen_keys_spot_margin_isolated() -> None:
    clock = SimClock()
    async with LocalExchange(clock=clock) as ex:
        for path, extra in (("/api/v3/userDataStream", ""),
                            ("/sapi/v1/userDataStream", ""),
                            ("/sapi/v1/userDataStream/isolated", "symbol=BTCUSDT")):  # fmt: skip
            sep = "&" if extra else ""
            r1 = await send(ex, "POST", path, extra, api_key=ex.api_key)
            assert r1.status == 200, r1.body
            key = r1.body["listenKey"]
            assert len(key) == 60
            lk = ex.listen_keys.get(key)
            assert lk is not None
            clock.advance(30 * 60_000)
            r2 = await send(ex, "POST", path, extra, api_key=ex.read_only_api_key)
            assert r2.body == {"listenKey": key}  # the active key, extended
            assert abs(lk.expires_ms - (ex.clock.now_ms() + 3_600_000)) < 100
            r = await send(ex, "PUT", path, f"{extra}{sep}listenKey={key}", api_key=ex.api_key)
            assert (r.status, r.body) == (200, {})
            clock.advance(61 * 60_000)
            r = await send(ex, "PUT", path, f"{extra}{sep}listenKey={key}", api_key=ex.api_key)
            assert r.body == {"code": -1125, "msg": "This listenKey does not exist."}
            r3 = await send(ex, "POST", path, extra, api_key=ex.api_key)
            assert r3.body["listenKey"] != key
            r = await send(ex, "DELETE", path, f"{extra}{sep}listenKey={r3.body['listenKey']}",
                           api_key=ex.api_key)  # fmt: skip
            assert (r.status, r.body) == (200, {})
            r = await send(ex, "DELETE", path, f"{extra}{sep}listenKey={r3.body['listenKey']}",
                           api_key=ex.api_key)  # fmt: skip
            assert r.code == -1125
            if path.startswith("/sapi"):
                assert "X-SAPI-USED-UID-WEIGHT-1M" in r.headers
        r = await send(ex, "POST", "/sapi/v1/userDataStream/isolated", "symbol=NOPE",
                       api_key=ex.api_key)  # fmt: skip
        assert r.code == -1121
        r = await send(ex, "POST", "/api/v3/userDataStream")
        assert (r.status, r.body) == (401, {"code": -2014, "msg": "API-key format invalid."})


async def test_not_found_and_wrong_method(ex: LocalExchange) -> None:
    r = await send(ex, "GET", "/api/v3/nope")
    assert r.status == 404 and "404" in r.text
    assert "X-MBX-USED-WEIGHT-1M" in r.headers
    r = await send(ex, "PUT", "/api/v3/depth")
    assert r.status == 405
    assert "GET" in r.headers.get("Allow", "")
    r = await send(ex, "GET", "/api/v3/userDataStream")
    assert r.status == 405


async def test_startup_is_fast() -> None:
    t0 = time.perf_counter()
    async with LocalExchange(["BTCUSDT", "ETHUSDT"]) as ex:
        two = time.perf_counter() - t0
        assert (await send(ex, "GET", "/api/v3/ping")).status == 200
    t0 = time.perf_counter()
    async with LocalExchange(1500, seed=3) as ex:
        many = time.perf_counter() - t0
        r = await send(ex, "GET", "/api/v3/depth", "symbol=SYM0001USDT&limit=5")
        assert r.status == 200 and r.body["bids"]
        await asyncio.wait_for(ex.wait_ready(), 10)
        r = await send(ex, "GET", "/api/v3/depth", "symbol=SYM1500USDT&limit=5")
        assert r.body["bids"] and r.body["asks"]
        info = await send(ex, "GET", "/api/v3/exchangeInfo")
        assert len(info.body["symbols"]) == 1500
    assert two < 0.5, two
    assert many < 1.0, many


async def test_exchange_info_file(real_data: object) -> None:
    from pathlib import Path

    path = Path(str(real_data)) / "cryptofeed" / "sample_data" / "BINANCE.0"
    async with LocalExchange(["ETHBTC", "BNBBTC"], exchange_info=path) as ex:
        r = await send(ex, "GET", "/api/v3/exchangeInfo")
        syms = r.body["symbols"]
        assert [s["symbol"] for s in syms] == ["ETHBTC", "BNBBTC"]
        assert syms[0]["filters"][0]["filterType"] == "PRICE_FILTER"
        r = await send(ex, "GET", "/api/v3/depth", "symbol=ETHBTC&limit=5")
        assert r.body["bids"]


async def test_burst_of_orders_keeps_engine_consistent(ex: LocalExchange) -> None:
    """Many orders from the demo account (crossing, resting, cancelled) through REST: no
    negative balance, no crossed book, totals conserved apart from the flow's funding."""
    before = ex.engine.totals()

    async def one(i: int) -> int:
        side = "BUY" if i % 2 else "SELL"
        mid = ex.engine.markets["BTCUSDT"].book
        bb, ba = mid.best_bid(), mid.best_ask()
        px = Decimal(ba if side == "BUY" else bb) / Decimal(10**8)
        offset = Decimal(i % 7 - 3) * Decimal("0.5")
        typ = "MARKET" if i % 5 == 0 else "LIMIT"
        params: dict[str, str] = {"symbol": "BTCUSDT", "side": side, "type": typ,
                                  "quantity": "0.002"}  # fmt: skip
        if typ == "LIMIT":
            params.update(timeInForce="GTC", price=str((px + offset).quantize(Decimal("0.01"))))
        r = await signed(ex, "POST", "/api/v3/order", params)
        return r.status

    statuses = await asyncio.gather(*(one(i) for i in range(40)))
    assert statuses.count(200) >= 30, statuses
    r = await signed(ex, "DELETE", "/api/v3/openOrders", {"symbol": "BTCUSDT"})
    assert r.status in (200, 400)
    await asyncio.sleep(0.2)
    for acct in ex.engine.accounts.values():
        assert all(v >= 0 for v in acct.free.values()), acct.account_id
        assert all(v >= 0 for v in acct.locked.values()), acct.account_id
    for sym in ("BTCUSDT", "ETHUSDT"):
        book = ex.engine.true_book(sym)
        if book.bids and book.asks:
            assert book.bids[0][0] < book.asks[0][0]
    after = ex.engine.totals()
    assert after == before  # nothing created or destroyed (no deposits happened)


async def test_start_stop_without_context_manager() -> None:
    ex = LocalExchange(["BTCUSDT"], flow_rate=0)
    with pytest.raises(RuntimeError):
        _ = ex.rest_url
    await ex.start()
    try:
        assert ex.rest_url.startswith("http://127.0.0.1:")
        assert (await send(ex, "GET", "/api/v3/ping")).status == 200
        with pytest.raises(RuntimeError):
            await ex.start()
    finally:
        await ex.stop()
    await ex.stop()  # idempotent
    assert not ex.started


def test_sim_cli_runs_until_interrupted() -> None:
    """``binance-async sim``: prints the URL and keys, serves, stops cleanly on Ctrl-C."""
    import json
    import os
    import signal
    import subprocess
    import sys
    import urllib.request

    harness = (
        "import argparse, sys\n"
        "from binance_async.sim.cli import add_sim_parser\n"
        "p = argparse.ArgumentParser(); sub = p.add_subparsers()\n"
        "add_sim_parser(sub)\n"
        "a = p.parse_args(sys.argv[1:])\n"
        "sys.exit(a.func(a))\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", harness, "sim", "--port", "0", "--symbols", "BTCUSDT,FOOUSDT",
         "--seed", "3", "--rate", "50"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        lines = []
        for line in proc.stdout:
            lines.append(line)
            if line.startswith("Press Ctrl-C"):
                break
        text = "".join(lines)
        url = next(w for w in text.split() if w.startswith("http://127.0.0.1:"))
        assert "api key" in text and "BEGIN PRIVATE KEY" in text
        with urllib.request.urlopen(url + "/api/v3/exchangeInfo", timeout=5) as resp:
            info = json.loads(resp.read())
        assert [s["symbol"] for s in info["symbols"]] == ["BTCUSDT", "FOOUSDT"]
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=10)
        assert proc.returncode == 0, err
        assert "stopped" in out
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
