"""binance_async.models: decode real recorded Binance responses and the seed doc's examples.

Real data, read in place from /work/shared/data/real (override: BINANCE_ASYNC_REAL_DATA):
nautilus_trader REST bodies (2021), cryptofeed exchangeInfo / depth captures (2021),
hftbacktest's embedded depth snapshot (2024), gocryptotrader's recorded HTTP mock (market data up
to 2025, incl. a 2025 exchangeInfo; its orders and account are Binance doc examples). The
order-endpoint literals are the 2022 spot API seed doc's examples (comments stripped, whitespace
packed; its FULL example lacks a comma after ``strategyType``, added here).

Attribution: cryptofeed data from bmoscon/cryptofeed, "This product includes software developed
by Bryant Moscon"; hftbacktest data from nkaz001/hftbacktest (MIT); nautilus_trader data from
nautechsystems/nautilus_trader (LGPL-3.0, data only); gocryptotrader data from
thrasher-corp/gocryptotrader (MIT).
"""

from __future__ import annotations

import gzip
import os
from decimal import Decimal
from pathlib import Path
from typing import Any

import msgspec
import pytest

from binance_async import models as m

REAL = Path(os.environ.get("BINANCE_ASYNC_REAL_DATA", "/work/shared/data/real"))
NAUTILUS = REAL / "nautilus_trader/tests/integration_tests/adapters/binance/resources"
CRYPTOFEED = REAL / "cryptofeed/sample_data"
GOCRYPTO = REAL / "gocryptotrader/exchanges/binance/testdata/http.json"
HFTBACKTEST = REAL / "hftbacktest/examples/spot/btcusdt_20240808.gz"

needs_real = pytest.mark.skipif(not REAL.is_dir(), reason=f"real data not found at {REAL}")

D = Decimal


def at(obj: object, *names: str) -> tuple[Any, ...]:
    """The named attributes of ``obj`` as a tuple (compact multi-field assertions)."""
    return tuple(getattr(obj, n) for n in names)


def nautilus(name: str) -> bytes:
    return (NAUTILUS / f"http_responses/http_spot_market_{name}.json").read_bytes()


def cryptofeed_bodies(name: str) -> list[tuple[str, bytes]]:
    """``<url> -> <epoch>: <json>`` lines -> [(url, body)]; other lines skipped."""
    out = []
    for line in (CRYPTOFEED / name).read_bytes().splitlines():
        head, sep, body = line.partition(b": ")
        if sep and b" -> " in head:
            out.append((head.split(b" -> ")[0].decode(), body))
    return out


class _Recorded(msgspec.Struct):
    data: msgspec.Raw
    query_string: str = msgspec.field(name="queryString", default="")


Routes = dict[str, dict[str, list[_Recorded]]]


class _Mock(msgspec.Struct):
    routes: Routes


@pytest.fixture(scope="module")
def gct() -> Routes:
    """gocryptotrader's recorded routes, each ``data`` kept as its exact JSON bytes."""
    if not GOCRYPTO.is_file():
        pytest.skip(f"{GOCRYPTO} not found")
    return msgspec.json.decode(GOCRYPTO.read_bytes(), type=_Mock).routes


def route(gct: Routes, path: str, method: str = "GET", query: str | None = None) -> bytes:
    """The recorded body of ``method path``: the first (``query=None``), the one without a query
    string (``""``), or the first whose query string starts with ``query``."""
    for rec in gct[path][method]:
        qs = rec.query_string
        if query is None or (qs.startswith(query) if query else not qs):
            return bytes(rec.data)
    raise LookupError(f"{method} {path}?{query}")


# --- nautilus_trader: single real REST responses, BTCUSDT 2021-10 -------------------------------


@needs_real
def test_nautilus_time_ping_tickers_avg_price() -> None:
    assert m.SERVER_TIME_DECODER.decode(nautilus("time")) == m.ServerTime(server_time=1633835466289)
    assert m.EMPTY_DECODER.decode(nautilus("ping")) == m.EmptyResponse()
    price = m.TICKER_PRICE_DECODER.decode(nautilus("ticker_price"))
    assert price == m.TickerPrice(symbol="BTCUSDT", price=D("60740.00000000"))
    bt = m.BOOK_TICKER_DECODER.decode(nautilus("book_ticker"))
    assert at(bt, "bid_price", "bid_qty") == (D("60741.67000000"), D("0.36580000"))
    assert at(bt, "ask_price", "ask_qty") == (D("60741.68000000"), D("0.45178000"))
    avg = m.AVG_PRICE_DECODER.decode(nautilus("avg_price"))
    assert avg == m.AvgPrice(mins=5, price=D("60753.92405551"), close_time=None)  # 2023 field


@needs_real
def test_nautilus_depth() -> None:
    book = m.DEPTH_SNAPSHOT_DECODER.decode(nautilus("depth"))
    assert book.last_update_id == 14527958487
    assert len(book.bids) == len(book.asks) == 10
    assert book.bids[0] == m.PriceLevel(D("60650.00000000"), D("0.00213000"))
    assert at(book.asks[0], "price", "qty") == (D("60650.01000000"), D("0.61982000"))
    assert str(book.bids[-1].price) == "60639.93000000"
    assert all(a.price > b.price for a, b in zip(book.bids, book.bids[1:], strict=False))


@needs_real
def test_nautilus_trades_and_historical_trades() -> None:
    trades = m.TRADES_DECODER.decode(nautilus("trades"))
    assert len(trades) == 10
    assert trades[0] == m.Trade(
        id=1111468873, price=D("60650.00000000"), qty=D("0.02924000"),
        quote_qty=D("1773.40600000"), time=1634942949263, is_buyer_maker=True, is_best_match=True,
    )  # fmt: skip
    hist = m.TRADES_DECODER.decode(nautilus("historical_trades"))
    assert at(hist[0], "id", "quote_qty", "time") == (1111471896, D("20.67702520"), 1634943219887)
    assert hist[-1].id == 1111471905 and hist[-1].is_buyer_maker is False


@needs_real
def test_nautilus_agg_trades() -> None:
    aggs = m.AGG_TRADES_DECODER.decode(nautilus("agg_trades"))
    assert len(aggs) == 10
    assert aggs[0] == m.AggTrade(
        agg_id=966492862, price=D("60759.60000000"), qty=D("0.00841000"),
        first_trade_id=1111480471, last_trade_id=1111480471, time=1634944096633,
        is_buyer_maker=False, is_best_match=True,
    )  # fmt: skip
    assert aggs[2].is_buyer_maker is True and aggs[-1].agg_id == 966492871
    # encodes back to the one-letter wire keys
    assert msgspec.json.decode(msgspec.json.encode(aggs[0]))["a"] == 966492862


@needs_real
def test_nautilus_klines() -> None:
    klines = m.KLINES_DECODER.decode(nautilus("klines"))
    assert len(klines) == 10
    k = klines[0]
    assert at(k, "open_time", "close_time", "num_trades") == (1634943780000, 1634943839999, 617)
    assert at(k, "open", "high", "low", "close") == (
        D("60685.22000000"), D("60729.84000000"), D("60670.90000000"), D("60719.27000000"),
    )  # fmt: skip
    assert at(k, "volume", "quote_volume") == (D("21.63272000"), D("1313200.01340410"))
    assert k.taker_buy_base_volume == D("12.28492000")
    assert k.taker_buy_quote_volume == D("745719.41022840")
    assert k.ignore == "0" and klines[-1].num_trades == 7


@needs_real
def test_nautilus_exchange_info() -> None:
    info = m.EXCHANGE_INFO_DECODER.decode(nautilus("exchange_info"))
    assert at(info, "timezone", "server_time") == ("UTC", 1634942465856)
    assert info.rate_limits[0] == m.RateLimit(
        rate_limit_type="REQUEST_WEIGHT", interval="MINUTE", interval_num=1, limit=1200
    )
    assert [r.limit for r in info.rate_limits] == [1200, 50, 160000, 6100]
    assert info.exchange_filters == []
    assert [s.symbol for s in info.symbols] == ["BTCUSDT", "ETHUSDT"]
    btc = info.symbol("BTCUSDT")
    assert btc is not None and at(btc, "base_asset", "quote_asset") == ("BTC", "USDT")
    assert btc.permissions == ["SPOT", "MARGIN"] and btc.permission_sets == []
    assert btc.oto_allowed is False  # absent in 2021 -> default
    assert [f.filter_type for f in btc.filters] == [
        "PRICE_FILTER", "PERCENT_PRICE", "LOT_SIZE", "MIN_NOTIONAL", "ICEBERG_PARTS",
        "MARKET_LOT_SIZE", "MAX_NUM_ORDERS", "MAX_NUM_ALGO_ORDERS",
    ]  # fmt: skip
    assert btc.tick_size == D("0.01000000") and btc.step_size == D("0.00001000")
    assert btc.filter(m.MinNotionalFilter) == m.MinNotionalFilter(
        min_notional=D("10.00000000"), apply_to_market=True, avg_price_mins=5
    )
    mls = btc.filter("MARKET_LOT_SIZE")
    assert isinstance(mls, m.MarketLotSizeFilter) and mls.max_qty == D("112.21108820")
    assert btc.filter(m.NotionalFilter) is None


# --- cryptofeed: full 2021 exchangeInfo (1,695 symbols), Binance.US, depth snapshots ------------


@needs_real
def test_cryptofeed_exchange_info_2021_all_filters_known() -> None:
    [(url, body)] = cryptofeed_bodies("BINANCE.0")
    assert url == "https://api.binance.com/api/v3/exchangeInfo"
    info = m.EXCHANGE_INFO_DECODER.decode(body)
    assert len(info.symbols) == 1695 and info.server_time == 1633998511098
    counts: dict[str, int] = {}
    for s in info.symbols:
        for f in s.filters:
            assert not isinstance(f, m.UnknownFilter), (s.symbol, f)
            assert type(f) is m.FILTER_TYPES[f.filter_type]
            counts[f.filter_type] = counts.get(f.filter_type, 0) + 1
    assert counts == {
        "PRICE_FILTER": 1695, "PERCENT_PRICE": 1695, "LOT_SIZE": 1695, "MIN_NOTIONAL": 1695,
        "ICEBERG_PARTS": 1695, "MAX_NUM_ORDERS": 1695, "MAX_NUM_ALGO_ORDERS": 1695,
        "MARKET_LOT_SIZE": 1614, "MAX_POSITION": 40,
    }  # fmt: skip
    assert info.symbols[0].symbol == "ETHBTC" and info.symbols[0].tick_size == D("0.00000100")
    leveraged = [s for s in info.symbols if s.permissions == ["LEVERAGED"]]
    assert len(leveraged) == 40
    assert all(isinstance(s.filter("MAX_POSITION"), m.MaxPositionFilter) for s in leveraged)


@needs_real
def test_cryptofeed_exchange_info_binance_us() -> None:
    [(url, body)] = cryptofeed_bodies("BINANCE_US.0")
    assert url.startswith("https://api.binance.us/")
    info = m.EXCHANGE_INFO_DECODER.decode(body)
    assert len(info.symbols) == 121 and info.symbols[0].symbol == "BTCUSD"
    assert info.symbols[0].filter(m.PriceFilter) == m.PriceFilter(
        min_price=D("0.0100"), max_price=D("100000.0000"), tick_size=D("0.0100")
    )
    assert not any(isinstance(f, m.UnknownFilter) for s in info.symbols for f in s.filters)


@needs_real
def test_cryptofeed_depth_snapshots() -> None:
    books = {
        u: m.DEPTH_SNAPSHOT_DECODER.decode(b) for u, b in cryptofeed_bodies("BINANCE.http.0.0")
    }
    assert len(books) == 4
    nkn = books["https://api.binance.com/api/v3/depth?symbol=NKNUSDT&limit=1000"]
    assert nkn.last_update_id == 499869752
    assert nkn.bids[0] == m.PriceLevel(D("0.35210000"), D("672.00000000"))
    assert str(nkn.bids[0].price) == "0.35210000"
    rune = books["https://api.binance.com/api/v3/depth?symbol=RUNEEUR&limit=1000"]
    assert rune.last_update_id == 15602511
    assert all(book.bids[0].price < book.asks[0].price for book in books.values())


@needs_real
def test_hftbacktest_embedded_depth_snapshot() -> None:
    with gzip.open(HFTBACKTEST, "rb") as fh:
        body = next(b for _, _, b in (ln.rstrip().partition(b" ") for ln in fh) if b[:3] == b'{"l')
    book = m.DEPTH_SNAPSHOT_DECODER.decode(body)
    assert book.last_update_id == 50093239218
    assert book.bids[0] == m.PriceLevel(D("61837.63000000"), D("3.78826000"))
    assert len(book.bids) == 1000


# --- gocryptotrader: recorded routes incl. the 2025 exchangeInfo --------------------------------


def test_gct_exchange_info_2025_newer_fields(gct: Routes) -> None:
    info = m.EXCHANGE_INFO_DECODER.decode(route(gct, "/api/v3/exchangeInfo"))
    assert info.server_time == 1754603741167
    limits = [
        at(r, "rate_limit_type", "interval_num", "interval", "limit") for r in info.rate_limits
    ]
    assert limits == [
        ("REQUEST_WEIGHT", 1, "MINUTE", 6000), ("ORDERS", 10, "SECOND", 100),
        ("ORDERS", 1, "DAY", 200000), ("RAW_REQUESTS", 5, "MINUTE", 61000),
    ]  # fmt: skip
    assert len(info.symbols) == 25
    eth = info.symbols[0]
    assert eth.symbol == "ETHBTC"
    assert eth.permissions == []  # deprecated: now empty, permissionSets instead
    assert eth.permission_sets[0][:3] == ["SPOT", "MARGIN", "TRD_GRP_004"]
    assert len(eth.permission_sets[0]) == 235 and eth.permission_sets[0][-1] == "TRD_GRP_237"
    assert at(eth, "oto_allowed", "amend_allowed", "cancel_replace_allowed") == (True,) * 3
    assert eth.allow_trailing_stop is True
    assert eth.default_self_trade_prevention_mode == "EXPIRE_MAKER"
    assert eth.allowed_self_trade_prevention_modes == [
        "EXPIRE_TAKER", "EXPIRE_MAKER", "EXPIRE_BOTH", "DECREMENT"
    ]  # fmt: skip
    assert eth.filter(m.NotionalFilter) == m.NotionalFilter(
        min_notional=D("0.00010000"), max_notional=D("9000000.00000000"),
        apply_min_to_market=True, apply_max_to_market=False, avg_price_mins=5,
    )  # fmt: skip
    assert eth.filter(m.PercentPriceBySideFilter) == m.PercentPriceBySideFilter(
        bid_multiplier_up=D("5"), bid_multiplier_down=D("0.2"),
        ask_multiplier_up=D("5"), ask_multiplier_down=D("0.2"), avg_price_mins=5,
    )  # fmt: skip
    assert eth.filter(m.TrailingDeltaFilter) == m.TrailingDeltaFilter(
        min_trailing_above_delta=10, max_trailing_above_delta=2000,
        min_trailing_below_delta=10, max_trailing_below_delta=2000,
    )  # fmt: skip
    assert eth.filter(m.MinNotionalFilter) is None  # replaced by NOTIONAL
    assert not any(isinstance(f, m.UnknownFilter) for s in info.symbols for f in s.filters)
    no_market_lot = [s.symbol for s in info.symbols if s.filter("MARKET_LOT_SIZE") is None]
    assert no_market_lot == ["BCCBTC", "HSRBTC", "ICNETH"]
    ltc = info.symbol("LTCBTC")
    assert ltc is not None and ltc.step_size == D("0.00100000")


def test_gct_market_data(gct: Routes) -> None:
    book = m.DEPTH_SNAPSHOT_DECODER.decode(route(gct, "/api/v3/depth"))
    assert book.last_update_id == 8223158780 and len(book.bids) == 28
    assert book.bids[:2] == [
        m.PriceLevel(D("32085.65000000"), D("0.00000500")),
        m.PriceLevel(D("32083.66000000"), D("0.02256800")),
    ]
    assert book.asks[0] == m.PriceLevel(D("32085.66000000"), D("2.04843700"))

    eth = m.TRADES_DECODER.decode(route(gct, "/api/v3/trades", query="limit=1000&symbol=ETHBTC"))
    assert len(eth) == 1000 and eth[-1].id == 409019747
    assert at(eth[0], "price", "quote_qty") == (D("0.06436200"), D("0.00101691"))
    hist = m.TRADES_DECODER.decode(route(gct, "/api/v3/historicalTrades"))
    assert [t.id for t in hist] == list(range(870281750, 870281755))
    assert hist[0].qty == D("0.15000000")

    aggs = m.AGG_TRADES_DECODER.decode(route(gct, "/api/v3/aggTrades", query="fromId=202790190"))
    assert len(aggs) == 1000 and aggs[-1].time == 1577978319811
    assert at(aggs[0], "agg_id", "price", "is_buyer_maker") == (202790190, D("7139.89"), False)

    year = m.KLINES_DECODER.decode(route(gct, "/api/v3/klines", query="endTime=1577836799000"))
    assert len(year) == 365
    assert at(year[0], "open_time", "open") == (1546300800000, D("3701.23000000"))
    assert at(year[-1], "close", "num_trades") == (D("7195.23000000"), 251976)
    for rec in gct["/api/v3/klines"]["GET"]:
        assert all(k.close_time > k.open_time for k in m.KLINES_DECODER.decode(rec.data))

    assert m.AVG_PRICE_DECODER.decode(route(gct, "/api/v3/avgPrice")).price == D("6622.02734157")
    price = m.TICKER_PRICE_DECODER.decode(route(gct, "/api/v3/ticker/price"))
    assert price.price == D("6622.57000000")
    bt = m.BOOK_TICKER_DECODER.decode(route(gct, "/api/v3/ticker/bookTicker"))
    assert at(bt, "symbol", "bid_qty", "ask_price") == ("BTCUSDT", D("0.163567"), D("6622.1"))


def test_gct_agg_trades_missing_m_is_rejected(gct: Routes) -> None:
    # Some of gocryptotrader's hand-edited aggTrades lost their "m" key (it became ""); a missing
    # required field must fail loudly rather than default is_buyer_maker to a guess.
    body = route(gct, "/api/v3/aggTrades", query="endTime=1577981045000")
    with pytest.raises(msgspec.ValidationError, match="missing required field `m`"):
        m.AGG_TRADES_DECODER.decode(body)


def test_gct_tickers(gct: Routes) -> None:
    t = m.TICKER_24HR_DECODER.decode(route(gct, "/api/v3/ticker/24hr", query="symbol=BTCUSDT"))
    assert t.symbol == "BTCUSDT"
    assert at(t, "price_change", "price_change_percent") == (D("-166.82000000"), D("-2.427"))
    assert at(t, "prev_close_price", "last_price", "last_qty") == (
        D("6872.37000000"), D("6705.82000000"), D("0.01000000"),
    )  # fmt: skip
    assert at(t, "bid_price", "ask_qty") == (D("6705.88000000"), D("0.19518800"))
    assert at(t, "open_time", "close_time", "first_id", "last_id", "count") == (
        1586904878494, 1586991278494, 294247387, 294801814, 554428,
    )  # fmt: skip
    assert isinstance(t, m.RollingTicker) and isinstance(t, m.Ticker24hrMini)
    everything = m.TICKER_24HR_LIST_DECODER.decode(route(gct, "/api/v3/ticker/24hr", query=""))
    assert len(everything) == 6 and everything[0].symbol == "ETHBTC"
    pair = m.TICKER_24HR_LIST_DECODER.decode(route(gct, "/api/v3/ticker/24hr", query="symbols="))
    assert [x.symbol for x in pair] == ["BTCUSDT", "ETHUSDT"]
    assert pair[0].weighted_avg_price == D("70738.89534149")
    # the FULL body also decodes as MINI (extra keys ignored)
    full_eth = route(gct, "/api/v3/ticker/24hr", query="symbol=ETHBTC")
    mini = m.TICKER_24HR_MINI_DECODER.decode(full_eth)
    assert mini.volume == D("410969.51200000") and not hasattr(mini, "bid_price")


def test_gct_account_orders_listen_key(gct: Routes) -> None:
    acct = m.ACCOUNT_DECODER.decode(route(gct, "/api/v3/account"))
    assert acct.account_type == "MARGIN" and acct.update_time == 1517434535027
    assert at(acct, "maker_commission", "taker_commission", "buyer_commission") == (10, 10, 0)
    assert acct.can_trade and acct.can_withdraw and acct.can_deposit
    assert len(acct.balances) == 170
    assert acct.balances[0] == m.Balance(asset="BTC", free=D("0.00000000"), locked=D("0"))
    ftm = acct.balance("FTM")
    assert ftm is not None and ftm.total == 0
    assert acct.permissions == [] and acct.commission_rates is None and acct.uid is None

    order = m.ORDER_DECODER.decode(route(gct, "/api/v3/order"))
    assert at(order, "order_id", "client_order_id", "symbol") == (1337, "eliteOrder", "BTCUSDT")
    assert at(order, "price", "orig_qty", "stop_price") == (D("0.1"), D("1.0"), D("0.0"))
    assert order.order_list_id == -1  # absent in this older example -> default
    assert order.is_working and order.time == order.update_time == 1499827319559
    assert order.orig_quote_order_qty is None
    for path in ("/api/v3/openOrders", "/api/v3/allOrders"):
        for rec in gct[path]["GET"]:
            [row] = m.ORDERS_DECODER.decode(rec.data)
            assert at(row, "status", "side", "type") == ("NEW", "BUY", "LIMIT")

    cancelled = m.CANCELLED_ORDER_DECODER.decode(route(gct, "/api/v3/order", method="DELETE"))
    assert at(cancelled, "orig_client_order_id", "client_order_id", "transact_time") == (
        "myOrder1", "cancelMyOrder1", 1507725176595,
    )  # fmt: skip
    assert at(cancelled, "executed_qty", "status") == (D("8.00000000"), "CANCELED")

    key = m.LISTEN_KEY_DECODER.decode(route(gct, "/api/v3/userDataStream", method="POST"))
    assert key.listen_key == "LO" * 30


# --- the 2022 seed doc's example responses (order endpoints and friends) ------------------------

SEED_DEPTH = b"""{"lastUpdateId": 1027024, "bids": [["4.00000000", "431.00000000"]],
  "asks": [["4.00000200", "12.00000000"]]}"""

SEED_ORDER_ACK = b"""{"symbol": "BTCUSDT", "orderId": 28, "orderListId": -1,
  "clientOrderId": "6gCrw2kRUAF9CvJDGP16IP", "transactTime": 1507725176595}"""

SEED_ORDER_RESULT = b"""{"symbol": "BTCUSDT", "orderId": 28, "orderListId": -1,
  "clientOrderId": "6gCrw2kRUAF9CvJDGP16IP", "transactTime": 1507725176595,
  "price": "0.00000000", "origQty": "10.00000000", "executedQty": "10.00000000",
  "cummulativeQuoteQty": "10.00000000", "status": "FILLED", "timeInForce": "GTC",
  "type": "MARKET", "side": "SELL", "strategyId": 1, "strategyType": 1000000}"""

SEED_ORDER_FULL = b"""{"symbol": "BTCUSDT", "orderId": 28, "orderListId": -1,
  "clientOrderId": "6gCrw2kRUAF9CvJDGP16IP", "transactTime": 1507725176595,
  "price": "0.00000000", "origQty": "10.00000000", "executedQty": "10.00000000",
  "cummulativeQuoteQty": "10.00000000", "status": "FILLED", "timeInForce": "GTC",
  "type": "MARKET", "side": "SELL", "strategyId": 1, "strategyType": 1000000,
  "fills": [
    {"price": "4000.00000000", "qty": "1.00000000", "commission": "4.00000000",
     "commissionAsset": "USDT", "tradeId": 56},
    {"price": "3999.00000000", "qty": "5.00000000", "commission": "19.99500000",
     "commissionAsset": "USDT", "tradeId": 57},
    {"price": "3998.00000000", "qty": "2.00000000", "commission": "7.99600000",
     "commissionAsset": "USDT", "tradeId": 58},
    {"price": "3997.00000000", "qty": "1.00000000", "commission": "3.99700000",
     "commissionAsset": "USDT", "tradeId": 59},
    {"price": "3995.00000000", "qty": "1.00000000", "commission": "3.99500000",
     "commissionAsset": "USDT", "tradeId": 60}]}"""

SEED_CANCEL_ORDER = b"""{"symbol": "LTCBTC", "origClientOrderId": "myOrder1", "orderId": 4,
  "orderListId": -1, "clientOrderId": "cancelMyOrder1", "price": "2.00000000",
  "origQty": "1.00000000", "executedQty": "0.00000000", "cummulativeQuoteQty": "0.00000000",
  "status": "CANCELED", "timeInForce": "GTC", "type": "LIMIT", "side": "BUY"}"""

SEED_CANCEL_OPEN_ORDERS = b"""[
  {"symbol": "BTCUSDT", "origClientOrderId": "E6APeyTJvkMvLMYMqu1KQ4", "orderId": 11,
   "orderListId": -1, "clientOrderId": "pXLV6Hz6mprAcVYpVMTGgx", "price": "0.089853",
   "origQty": "0.178622", "executedQty": "0.000000", "cummulativeQuoteQty": "0.000000",
   "status": "CANCELED", "timeInForce": "GTC", "type": "LIMIT", "side": "BUY"},
  {"symbol": "BTCUSDT", "origClientOrderId": "A3EF2HCwxgZPFMrfwbgrhv", "orderId": 13,
   "orderListId": -1, "clientOrderId": "pXLV6Hz6mprAcVYpVMTGgx", "price": "0.090430",
   "origQty": "0.178622", "executedQty": "0.000000", "cummulativeQuoteQty": "0.000000",
   "status": "CANCELED", "timeInForce": "GTC", "type": "LIMIT", "side": "BUY"},
  {"orderListId": 1929, "contingencyType": "OCO", "listStatusType": "ALL_DONE",
   "listOrderStatus": "ALL_DONE", "listClientOrderId": "2inzWQdDvZLHbbAmAozX2N",
   "transactionTime": 1585230948299, "symbol": "BTCUSDT",
   "orders": [
     {"symbol": "BTCUSDT", "orderId": 20, "clientOrderId": "CwOOIPHSmYywx6jZX77TdL"},
     {"symbol": "BTCUSDT", "orderId": 21, "clientOrderId": "461cPg51vQjV3zIMOXNz39"}],
   "orderReports": [
     {"symbol": "BTCUSDT", "origClientOrderId": "CwOOIPHSmYywx6jZX77TdL", "orderId": 20,
      "orderListId": 1929, "clientOrderId": "pXLV6Hz6mprAcVYpVMTGgx", "price": "0.668611",
      "origQty": "0.690354", "executedQty": "0.000000", "cummulativeQuoteQty": "0.000000",
      "status": "CANCELED", "timeInForce": "GTC", "type": "STOP_LOSS_LIMIT", "side": "BUY",
      "stopPrice": "0.378131", "icebergQty": "0.017083"},
     {"symbol": "BTCUSDT", "origClientOrderId": "461cPg51vQjV3zIMOXNz39", "orderId": 21,
      "orderListId": 1929, "clientOrderId": "pXLV6Hz6mprAcVYpVMTGgx", "price": "0.008791",
      "origQty": "0.690354", "executedQty": "0.000000", "cummulativeQuoteQty": "0.000000",
      "status": "CANCELED", "timeInForce": "GTC", "type": "LIMIT_MAKER", "side": "BUY",
      "icebergQty": "0.639962"}]}]"""

SEED_QUERY_ORDER = b"""{"symbol": "LTCBTC", "orderId": 1, "orderListId": -1,
  "clientOrderId": "myOrder1", "price": "0.1", "origQty": "1.0", "executedQty": "0.0",
  "cummulativeQuoteQty": "0.0", "status": "NEW", "timeInForce": "GTC", "type": "LIMIT",
  "side": "BUY", "stopPrice": "0.0", "icebergQty": "0.0", "time": 1499827319559,
  "updateTime": 1499827319559, "isWorking": true, "origQuoteOrderQty": "0.000000"}"""

SEED_NEW_OCO = b"""{"orderListId": 0, "contingencyType": "OCO",
  "listStatusType": "EXEC_STARTED", "listOrderStatus": "EXECUTING",
  "listClientOrderId": "JYVpp3F0f5CAG15DhtrqLp", "transactionTime": 1563417480525,
  "symbol": "LTCBTC",
  "orders": [
    {"symbol": "LTCBTC", "orderId": 2, "clientOrderId": "Kk7sqHb9J6mJWTMDVW7Vos"},
    {"symbol": "LTCBTC", "orderId": 3, "clientOrderId": "xTXKaGYd4bluPVp78IVRvl"}],
  "orderReports": [
    {"symbol": "LTCBTC", "orderId": 2, "orderListId": 0,
     "clientOrderId": "Kk7sqHb9J6mJWTMDVW7Vos", "transactTime": 1563417480525,
     "price": "0.000000", "origQty": "0.624363", "executedQty": "0.000000",
     "cummulativeQuoteQty": "0.000000", "status": "NEW", "timeInForce": "GTC",
     "type": "STOP_LOSS", "side": "BUY", "stopPrice": "0.960664"},
    {"symbol": "LTCBTC", "orderId": 3, "orderListId": 0,
     "clientOrderId": "xTXKaGYd4bluPVp78IVRvl", "transactTime": 1563417480525,
     "price": "0.036435", "origQty": "0.624363", "executedQty": "0.000000",
     "cummulativeQuoteQty": "0.000000", "status": "NEW", "timeInForce": "GTC",
     "type": "LIMIT_MAKER", "side": "BUY"}]}"""

SEED_QUERY_ALL_OCO = b"""[
  {"orderListId": 29, "contingencyType": "OCO", "listStatusType": "EXEC_STARTED",
   "listOrderStatus": "EXECUTING", "listClientOrderId": "amEEAXryFzFwYF1FeRpUoZ",
   "transactionTime": 1565245913483, "symbol": "LTCBTC",
   "orders": [{"symbol": "LTCBTC", "orderId": 4, "clientOrderId": "oD7aesZqjEGlZrbtRpy5zB"},
              {"symbol": "LTCBTC", "orderId": 5, "clientOrderId": "Jr1h6xirOxgeJOUuYQS7V3"}]},
  {"orderListId": 28, "contingencyType": "OCO", "listStatusType": "EXEC_STARTED",
   "listOrderStatus": "EXECUTING", "listClientOrderId": "hG7hFNxJV6cZy3Ze4AUT4d",
   "transactionTime": 1565245913407, "symbol": "LTCBTC",
   "orders": [{"symbol": "LTCBTC", "orderId": 2, "clientOrderId": "j6lFOfbmFMRjTYA7rRJ0LP"},
              {"symbol": "LTCBTC", "orderId": 3, "clientOrderId": "z0KCjOdditiLS5ekAFtK81"}]}]"""

SEED_ACCOUNT = b"""{"makerCommission": 15, "takerCommission": 15, "buyerCommission": 0,
  "sellerCommission": 0, "canTrade": true, "canWithdraw": true, "canDeposit": true,
  "brokered": false, "updateTime": 123456789, "accountType": "SPOT",
  "balances": [{"asset": "BTC", "free": "4723846.89208129", "locked": "0.00000000"},
               {"asset": "LTC", "free": "4763368.68006011", "locked": "0.00000000"}],
  "permissions": ["SPOT"]}"""

SEED_MY_TRADES = b"""[{"symbol": "BNBBTC", "id": 28457, "orderId": 100234, "orderListId": -1,
  "price": "4.00000100", "qty": "12.00000000", "quoteQty": "48.000012",
  "commission": "10.10000000", "commissionAsset": "BNB", "time": 1499865549590,
  "isBuyer": true, "isMaker": false, "isBestMatch": true}]"""

SEED_RATE_LIMIT_ORDER = b"""[
  {"rateLimitType": "ORDERS", "interval": "SECOND", "intervalNum": 10, "limit": 10000,
   "count": 0},
  {"rateLimitType": "ORDERS", "interval": "DAY", "intervalNum": 1, "limit": 20000, "count": 0}]"""

SEED_ROLLING_FULL = b"""{"symbol": "BNBBTC", "priceChange": "-8.00000000",
  "priceChangePercent": "-88.889", "weightedAvgPrice": "2.60427807", "openPrice": "9.00000000",
  "highPrice": "9.00000000", "lowPrice": "1.00000000", "lastPrice": "1.00000000",
  "volume": "187.00000000", "quoteVolume": "487.00000000", "openTime": 1641859200000,
  "closeTime": 1642031999999, "firstId": 0, "lastId": 60, "count": 61}"""

SEED_TICKER_MINI_LIST = b"""[
  {"symbol": "BNBBTC", "openPrice": "99.00000000", "highPrice": "100.00000000",
   "lowPrice": "0.10000000", "lastPrice": "4.00000200", "volume": "8913.30000000",
   "quoteVolume": "15.30000000", "openTime": 1499783499040, "closeTime": 1499869899040,
   "firstId": 28385, "lastId": 28460, "count": 76},
  {"symbol": "LTCBTC", "openPrice": "0.07000000", "highPrice": "0.07000000",
   "lowPrice": "0.07000000", "lastPrice": "0.07000000", "volume": "11.00000000",
   "quoteVolume": "0.77000000", "openTime": 1656908192899, "closeTime": 1656994592899,
   "firstId": 0, "lastId": 10, "count": 11}]"""


def test_seed_depth_keeps_exact_decimal_text() -> None:
    book = m.DEPTH_SNAPSHOT_DECODER.decode(SEED_DEPTH)
    level = book.asks[0]
    assert str(level.price) == "4.00000200" and str(level.qty) == "12.00000000"
    assert book.bids == [m.PriceLevel(D("4.00000000"), D("431.00000000"))]
    # array_like: encodes back to the wire's [price, qty] pair, text unchanged
    assert msgspec.json.encode(level) == b'["4.00000200","12.00000000"]'


def test_seed_new_order_ack_result_full() -> None:
    ack = m.decode_order_response(SEED_ORDER_ACK)
    assert type(ack) is m.OrderAck
    assert ack == m.OrderAck(
        symbol="BTCUSDT", order_id=28, order_list_id=-1,
        client_order_id="6gCrw2kRUAF9CvJDGP16IP", transact_time=1507725176595,
    )  # fmt: skip
    result = m.decode_order_response(SEED_ORDER_RESULT)
    assert type(result) is m.OrderResult
    assert at(result, "status", "type", "side") == ("FILLED", "MARKET", "SELL")
    assert at(result, "executed_qty", "price") == (D("10.00000000"), D("0"))
    assert at(result, "strategy_id", "strategy_type") == (1, 1000000)
    assert result.working_time is None and result.self_trade_prevention_mode is None

    full = m.decode_order_response(SEED_ORDER_FULL.decode())  # str input works too
    assert type(full) is m.OrderFull and len(full.fills) == 5
    assert full.fills[0] == m.Fill(
        price=D("4000.00000000"), qty=D("1.00000000"), commission=D("4.00000000"),
        commission_asset="USDT", trade_id=56,
    )  # fmt: skip
    assert sum(f.qty for f in full.fills) == full.executed_qty
    assert str(full.fills[1].commission) == "19.99500000"
    # the per-shape decoders agree with the dispatcher
    assert m.ORDER_FULL_DECODER.decode(SEED_ORDER_FULL) == full
    assert m.ORDER_RESULT_DECODER.decode(SEED_ORDER_RESULT) == result
    assert m.ORDER_ACK_DECODER.decode(SEED_ORDER_ACK) == ack
    empty_fills = m.decode_order_response(
        SEED_ORDER_RESULT.replace(b'"strategyId"', b'"fills": [], "x"')
    )
    assert type(empty_fills) is m.OrderFull and empty_fills.fills == []


def test_seed_cancel_order_and_cancel_all() -> None:
    c = m.CANCELLED_ORDER_DECODER.decode(SEED_CANCEL_ORDER)
    assert at(c, "symbol", "order_id", "orig_client_order_id") == ("LTCBTC", 4, "myOrder1")
    assert at(c, "price", "status") == (D("2.00000000"), "CANCELED")
    assert c.transact_time is None  # not in the 2022 shape

    rows = m.decode_cancel_open_orders(SEED_CANCEL_OPEN_ORDERS)
    assert [type(r) for r in rows] == [m.CancelledOrder, m.CancelledOrder, m.OrderList]
    first, _, oco = rows
    assert isinstance(first, m.CancelledOrder) and first.price == D("0.089853")
    assert isinstance(oco, m.OrderList)
    assert at(oco, "order_list_id", "contingency_type", "list_status_type") == (
        1929, "OCO", "ALL_DONE",
    )  # fmt: skip
    assert [o.order_id for o in oco.orders] == [20, 21]
    stop, maker = oco.order_reports
    assert at(stop, "type", "stop_price", "iceberg_qty") == (
        "STOP_LOSS_LIMIT", D("0.378131"), D("0.017083"),
    )  # fmt: skip
    assert stop.orig_client_order_id == "CwOOIPHSmYywx6jZX77TdL"
    assert maker.stop_price is None and maker.iceberg_qty == D("0.639962")


def test_seed_query_order() -> None:
    o = m.ORDER_DECODER.decode(SEED_QUERY_ORDER)
    assert at(o, "symbol", "order_id", "order_list_id") == ("LTCBTC", 1, -1)
    assert at(o, "price", "orig_qty", "executed_qty") == (D("0.1"), D("1.0"), D("0.0"))
    assert str(o.orig_quote_order_qty) == "0.000000"
    assert at(o, "time", "update_time", "is_working") == (1499827319559, 1499827319559, True)
    assert m.ORDERS_DECODER.decode(b"[" + SEED_QUERY_ORDER + b"]") == [o]


def test_seed_order_lists() -> None:
    oco = m.ORDER_LIST_DECODER.decode(SEED_NEW_OCO)
    assert m.OcoOrder is m.OrderList
    assert at(oco, "list_client_order_id", "transaction_time", "list_order_status") == (
        "JYVpp3F0f5CAG15DhtrqLp", 1563417480525, "EXECUTING",
    )  # fmt: skip
    stop, limit = oco.order_reports
    assert stop.transact_time == 1563417480525 and stop.orig_client_order_id is None
    assert at(stop, "type", "stop_price") == ("STOP_LOSS", D("0.960664"))
    assert at(limit, "type", "price") == ("LIMIT_MAKER", D("0.036435"))
    lists = m.ORDER_LISTS_DECODER.decode(SEED_QUERY_ALL_OCO)
    assert [x.order_list_id for x in lists] == [29, 28]
    assert lists[0].order_reports == []  # queries list only the orders
    assert lists[1].orders[1] == m.OrderListOrder(
        symbol="LTCBTC", order_id=3, client_order_id="z0KCjOdditiLS5ekAFtK81"
    )


def test_seed_account_my_trades_rate_limit_usage() -> None:
    acct = m.ACCOUNT_DECODER.decode(SEED_ACCOUNT)
    assert at(acct, "maker_commission", "brokered", "account_type") == (15, False, "SPOT")
    assert acct.permissions == ["SPOT"] and acct.balance("XRP") is None
    btc = acct.balance("BTC")
    assert btc is not None and at(btc, "free", "locked") == (D("4723846.89208129"), D("0"))

    [t] = m.MY_TRADES_DECODER.decode(SEED_MY_TRADES)
    assert t == m.MyTrade(
        symbol="BNBBTC", id=28457, order_id=100234, order_list_id=-1, price=D("4.00000100"),
        qty=D("12.00000000"), quote_qty=D("48.000012"), commission=D("10.10000000"),
        commission_asset="BNB", time=1499865549590, is_buyer=True, is_maker=False,
        is_best_match=True,
    )  # fmt: skip

    usage = m.ORDER_RATE_LIMIT_USAGE_DECODER.decode(SEED_RATE_LIMIT_ORDER)
    assert [at(u, "interval", "interval_num", "limit", "count") for u in usage] == [
        ("SECOND", 10, 10000, 0), ("DAY", 1, 20000, 0),
    ]  # fmt: skip
    assert isinstance(usage[0], m.RateLimit)


def test_seed_rolling_and_mini_tickers() -> None:
    r = m.ROLLING_TICKER_DECODER.decode(SEED_ROLLING_FULL)
    assert at(r, "price_change", "price_change_percent", "weighted_avg_price") == (
        D("-8.00000000"), D("-88.889"), D("2.60427807"),
    )  # fmt: skip
    assert at(r, "first_id", "last_id", "count", "close_time") == (0, 60, 61, 1642031999999)
    assert m.ROLLING_TICKER_LIST_DECODER.decode(b"[" + SEED_ROLLING_FULL + b"]") == [r]
    minis = m.TICKER_24HR_MINI_LIST_DECODER.decode(SEED_TICKER_MINI_LIST)
    assert [x.symbol for x in minis] == ["BNBBTC", "LTCBTC"]
    assert minis[0].last_price == D("4.00000200") and minis[1].count == 11


# --- current (2023-2026) shapes: newer fields decode --------------------------------------------

CURRENT_ORDER = b"""{"symbol": "LTCBTC", "orderId": 1, "orderListId": -1,
  "clientOrderId": "myOrder1", "price": "0.1", "origQty": "1.0", "executedQty": "0.0",
  "cummulativeQuoteQty": "0.0", "status": "NEW", "timeInForce": "GTC", "type": "LIMIT",
  "side": "BUY", "stopPrice": "0.0", "icebergQty": "0.0", "time": 1499827319559,
  "updateTime": 1499827319559, "isWorking": true, "workingTime": 1499827319559,
  "origQuoteOrderQty": "0.000000", "selfTradePreventionMode": "NONE", "preventedMatchId": 0,
  "preventedQuantity": "1.200000", "usedSor": true, "workingFloor": "SOR",
  "someField2030": {"nested": [1, 2]}}"""

CURRENT_ACCOUNT = b"""{"makerCommission": 15, "takerCommission": 15, "buyerCommission": 0,
  "sellerCommission": 0, "commissionRates": {"maker": "0.00150000", "taker": "0.00150000",
  "buyer": "0.00000000", "seller": "0.00000000"}, "canTrade": true, "canWithdraw": true,
  "canDeposit": true, "brokered": false, "requireSelfTradePrevention": false,
  "preventSor": false, "updateTime": 123456789, "accountType": "SPOT",
  "balances": [{"asset": "BTC", "free": "4723846.89208129", "locked": "0.00000000"}],
  "permissions": ["SPOT"], "uid": 354937868}"""


def test_current_order_account_avg_price_shapes() -> None:
    o = m.ORDER_DECODER.decode(CURRENT_ORDER)
    assert at(o, "working_time", "self_trade_prevention_mode") == (1499827319559, "NONE")
    assert at(o, "prevented_match_id", "prevented_quantity") == (0, D("1.200000"))
    assert at(o, "used_sor", "working_floor") == (True, "SOR")
    assert o.trailing_delta is None and o.pegged_price is None
    acct = m.ACCOUNT_DECODER.decode(CURRENT_ACCOUNT)
    assert acct.commission_rates == m.CommissionRates(
        maker=D("0.00150000"), taker=D("0.00150000"), buyer=D("0"), seller=D("0")
    )
    assert acct.uid == 354937868 and acct.require_self_trade_prevention is False
    avg = m.AVG_PRICE_DECODER.decode(b'{"mins": 5, "price": "9.357", "closeTime": 1694061154503}')
    assert at(avg, "close_time", "price") == (1694061154503, D("9.357"))


# --- filters: every documented format, unknown types, unknown fields ----------------------------

# /exchangeInfo formats from the seed's Filters section and the current filters.md
FILTER_DOCS = b"""[
 {"filterType": "PRICE_FILTER", "minPrice": "0.00000100", "maxPrice": "100000.00000000",
  "tickSize": "0.00000100"},
 {"filterType": "PERCENT_PRICE", "multiplierUp": "1.3000", "multiplierDown": "0.7000",
  "avgPriceMins": 5},
 {"filterType": "PERCENT_PRICE_BY_SIDE", "bidMultiplierUp": "1.2", "bidMultiplierDown": "0.2",
  "askMultiplierUp": "5", "askMultiplierDown": "0.8", "avgPriceMins": 1},
 {"filterType": "LOT_SIZE", "minQty": "0.00100000", "maxQty": "100000.00000000",
  "stepSize": "0.00100000"},
 {"filterType": "MIN_NOTIONAL", "minNotional": "0.00100000", "applyToMarket": true,
  "avgPriceMins": 5},
 {"filterType": "NOTIONAL", "minNotional": "10.00000000", "applyMinToMarket": false,
  "maxNotional": "10000.00000000", "applyMaxToMarket": false, "avgPriceMins": 5},
 {"filterType": "ICEBERG_PARTS", "limit": 10},
 {"filterType": "MARKET_LOT_SIZE", "minQty": "0.00100000", "maxQty": "100000.00000000",
  "stepSize": "0.00100000"},
 {"filterType": "MAX_NUM_ORDERS", "maxNumOrders": 25},
 {"filterType": "MAX_NUM_ALGO_ORDERS", "maxNumAlgoOrders": 5},
 {"filterType": "MAX_NUM_ICEBERG_ORDERS", "maxNumIcebergOrders": 5},
 {"filterType": "MAX_POSITION", "maxPosition": "10.00000000"},
 {"filterType": "TRAILING_DELTA", "minTrailingAboveDelta": 10, "maxTrailingAboveDelta": 2000,
  "minTrailingBelowDelta": 10, "maxTrailingBelowDelta": 2000},
 {"filterType": "MAX_NUM_ORDER_AMENDS", "maxNumOrderAmends": 10},
 {"filterType": "MAX_NUM_ORDER_LISTS", "maxNumOrderLists": 20},
 {"filterType": "EXCHANGE_MAX_NUM_ORDERS", "maxNumOrders": 1000},
 {"filterType": "EXCHANGE_MAX_NUM_ALGO_ORDERS", "maxNumAlgoOrders": 200},
 {"filterType": "EXCHANGE_MAX_NUM_ICEBERG_ORDERS", "maxNumIcebergOrders": 10000},
 {"filterType": "EXCHANGE_MAX_NUM_ORDER_LISTS", "maxNumOrderLists": 20},
 {"filterType": "MAX_ASSET", "asset": "JPY", "limit": "1000000.00000000"}]"""

FILTER_CLASSES: list[type[m.Filter]] = [
    m.PriceFilter, m.PercentPriceFilter, m.PercentPriceBySideFilter, m.LotSizeFilter,
    m.MinNotionalFilter, m.NotionalFilter, m.IcebergPartsFilter, m.MarketLotSizeFilter,
    m.MaxNumOrdersFilter, m.MaxNumAlgoOrdersFilter, m.MaxNumIcebergOrdersFilter,
    m.MaxPositionFilter, m.TrailingDeltaFilter, m.MaxNumOrderAmendsFilter,
    m.MaxNumOrderListsFilter, m.ExchangeMaxNumOrdersFilter, m.ExchangeMaxNumAlgoOrdersFilter,
    m.ExchangeMaxNumIcebergOrdersFilter, m.ExchangeMaxNumOrderListsFilter, m.MaxAssetFilter,
]  # fmt: skip


def test_documented_filter_formats_decode_and_round_trip() -> None:
    wires = msgspec.json.decode(FILTER_DOCS)
    raws = msgspec.json.decode(FILTER_DOCS, type=list[msgspec.Raw])
    decoded = m.decoder_for(list[m.Filter]).decode(FILTER_DOCS)
    assert [type(f) for f in decoded] == FILTER_CLASSES
    for wire, raw, f in zip(wires, raws, decoded, strict=True):
        assert f.filter_type == wire["filterType"]
        assert m.decode_filter(wire) == f == msgspec.json.decode(raw, type=m.KnownFilter)
        # tagged Structs encode back to exactly the wire object (Decimal text included)
        assert msgspec.json.decode(msgspec.json.encode(f)) == wire
    assert decoded[0] == m.PriceFilter(
        min_price=D("0.000001"), max_price=D("100000"), tick_size=D("0.00000100")
    )
    assert decoded[5] == m.NotionalFilter(
        min_notional=D("10"), max_notional=D("10000"), apply_min_to_market=False,
        apply_max_to_market=False, avg_price_mins=5,
    )  # fmt: skip
    assert at(decoded[13], "max_num_order_amends") == (10,)
    assert at(decoded[19], "asset", "limit") == ("JPY", D("1000000"))
    required = {
        "PRICE_FILTER", "PERCENT_PRICE", "PERCENT_PRICE_BY_SIDE", "LOT_SIZE", "MIN_NOTIONAL",
        "NOTIONAL", "ICEBERG_PARTS", "MARKET_LOT_SIZE", "MAX_NUM_ORDERS", "MAX_NUM_ALGO_ORDERS",
        "MAX_NUM_ICEBERG_ORDERS", "MAX_POSITION", "TRAILING_DELTA", "MAX_NUM_ORDER_AMENDS",
        "MAX_NUM_ORDER_LISTS", "EXCHANGE_MAX_NUM_ORDERS", "EXCHANGE_MAX_NUM_ALGO_ORDERS",
        "EXCHANGE_MAX_NUM_ICEBERG_ORDERS",
    }  # fmt: skip
    assert required <= set(m.FILTER_TYPES) == {w["filterType"] for w in wires}


UNKNOWN_EXCHANGE_INFO = b"""{"timezone": "UTC", "serverTime": 1900000000000,
  "brandNewTopLevel": {"x": 1},
  "rateLimits": [{"rateLimitType": "REQUEST_WEIGHT", "interval": "MINUTE", "intervalNum": 1,
                  "limit": 6000, "burst": 10}],
  "exchangeFilters": [{"filterType": "EXCHANGE_MAX_NUM_ORDERS", "maxNumOrders": 1000},
                      {"filterType": "EXCHANGE_MAX_QUANTUM_ORDERS", "maxQuantumOrders": 7}],
  "symbols": [{"symbol": "BTCUSDT", "status": "TRADING", "baseAsset": "BTC",
    "baseAssetPrecision": 8, "quoteAsset": "USDT", "quotePrecision": 8, "quoteAssetPrecision": 8,
    "orderTypes": ["LIMIT", "MARKET", "TELEPORT"], "someFutureFlag": true,
    "filters": [
      {"filterType": "PRICE_FILTER", "minPrice": "0.01000000", "maxPrice": "1000000.00000000",
       "tickSize": "0.01000000", "newPriceKnob": "3"},
      {"filterType": "MAX_NUM_WORMHOLES", "maxNumWormholes": 3, "ratio": 1.2500,
       "nested": {"a": [1, "2"]}},
      {"filterType": "LOT_SIZE", "minQty": "0.00001000", "maxQty": "9000.00000000",
       "stepSize": "0.00001000"}]}]}"""


def test_unknown_filter_type_and_unknown_fields_decode() -> None:
    info = m.EXCHANGE_INFO_DECODER.decode(UNKNOWN_EXCHANGE_INFO)
    assert info.rate_limits[0].limit == 6000
    known, unknown = info.exchange_filters
    assert known == m.ExchangeMaxNumOrdersFilter(max_num_orders=1000)
    assert unknown == m.UnknownFilter(
        filter_type="EXCHANGE_MAX_QUANTUM_ORDERS",
        raw={"filterType": "EXCHANGE_MAX_QUANTUM_ORDERS", "maxQuantumOrders": 7},
    )
    [sym] = info.symbols
    assert sym.order_types == ["LIMIT", "MARKET", "TELEPORT"]
    pf, wormholes, lot = sym.filters
    assert pf == m.PriceFilter(min_price=D("0.01"), max_price=D("1e6"), tick_size=D("0.01"))
    assert isinstance(wormholes, m.UnknownFilter) and isinstance(wormholes, m.Filter)
    assert wormholes.filter_type == "MAX_NUM_WORMHOLES"
    assert wormholes.raw["maxNumWormholes"] == 3 and wormholes.raw["nested"] == {"a": [1, "2"]}
    assert str(wormholes.raw["ratio"]) == "1.2500"  # untyped floats kept exact (float_hook)
    assert sym.filter("MAX_NUM_WORMHOLES") is wormholes and sym.filter(m.UnknownFilter) is wormholes
    assert isinstance(lot, m.LotSizeFilter) and sym.step_size == lot.step_size == D("0.00001")


def test_malformed_known_filter_is_an_error() -> None:
    body = UNKNOWN_EXCHANGE_INFO.replace(b'"tickSize": "0.01000000", ', b"")
    with pytest.raises(msgspec.ValidationError, match=r"tickSize.*\$\.symbols\[0\]\.filters\[0\]"):
        m.EXCHANGE_INFO_DECODER.decode(body)
    with pytest.raises(msgspec.ValidationError, match="Expected a filter object"):
        m.EXCHANGE_INFO_DECODER.decode(body.replace(b'"filters": [', b'"filters": [42, '))
    with pytest.raises(ValueError, match="Invalid LOT_SIZE filter"):
        m.decode_filter({"filterType": "LOT_SIZE", "minQty": "1"})


def test_unknown_extra_fields_and_row_lengths() -> None:
    t = m.TICKER_PRICE_DECODER.decode(b'{"symbol": "X", "price": "1.10", "new": [{"x": null}]}')
    assert t == m.TickerPrice(symbol="X", price=D("1.10"))
    book = m.DEPTH_SNAPSHOT_DECODER.decode(
        b'{"lastUpdateId": 1, "E": 2, "T": 3, "bids": [["1.5", "2", "extra"]], "asks": []}'
    )
    assert book.bids == [m.PriceLevel(D("1.5"), D("2"))]
    row = b'1499040000000,"0.0163","0.8","0.0157","0.0157","148976.1",1499644799999,"2434.1",308'
    [short] = m.KLINES_DECODER.decode(b"[[" + row + b',"1756.8","28.4"]]')
    assert short.ignore == "0" and short.taker_buy_quote_volume == D("28.4")
    [long] = m.KLINES_DECODER.decode(b"[[" + row + b',"1756.8","28.4","0","future"]]')
    assert long == short and long.num_trades == 308
    with pytest.raises(msgspec.ValidationError):
        m.KLINES_DECODER.decode(b"[[" + row + b"]]")


# --- decoders, immutability, exports ----------------------------------------------------------


def test_decoders_are_built_once() -> None:
    assert m.decoder_for(m.DepthSnapshot) is m.DEPTH_SNAPSHOT_DECODER
    assert m.decoder_for(list[m.Trade]) is m.TRADES_DECODER
    assert m.decoder_for(m.ExchangeInfo) is m.EXCHANGE_INFO_DECODER
    lax = m.decoder_for(m.ServerTime, strict=False)
    assert lax is not m.SERVER_TIME_DECODER and lax is m.decoder_for(m.ServerTime, strict=False)
    assert lax.decode(b'{"serverTime": "17"}') == m.ServerTime(server_time=17)
    union = m.TickerPrice | list[m.TickerPrice]
    assert m.decoder_for(union) is m.decoder_for(union)
    assert m.decoder_for(union).decode(b'[{"symbol": "A", "price": "1"}]') == [
        m.TickerPrice(symbol="A", price=D("1"))
    ]


def test_models_are_frozen_and_hashable() -> None:
    level = m.PriceLevel(D("1"), D("2"))
    with pytest.raises(AttributeError):
        level.price = D("3")  # type: ignore[misc]
    ack = m.decode_order_response(SEED_ORDER_ACK)
    with pytest.raises(AttributeError):
        ack.order_id = 1  # type: ignore[misc]
    assert hash(level) == hash(m.PriceLevel(D("1"), D("2")))


def test_public_names() -> None:
    assert len(m.__all__) == len(set(m.__all__))
    assert all(getattr(m, name, None) is not None for name in m.__all__)
    named_in_brief = """ServerTime ExchangeInfo RateLimit SymbolInfo DepthSnapshot PriceLevel Trade
        AggTrade Kline Ticker24hr Ticker24hrMini TickerPrice BookTicker AvgPrice RollingTicker
        OrderAck OrderResult OrderFull Fill Order CancelledOrder OcoOrder OrderList Account
        Balance MyTrade OrderRateLimitUsage ListenKey UnknownFilter decode_order_response
        DEPTH_SNAPSHOT_DECODER decoder_for"""
    assert set(named_in_brief.split()) <= set(m.__all__)
