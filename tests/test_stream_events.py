"""Typed stream events, stream names and decoders, on real recorded Binance data.

Data (see ../shared/data/real/README.md): hftbacktest (nkaz001/hftbacktest, MIT); cryptofeed
("This product includes software developed by Bryant Moscon"); nautilus_trader (LGPL-3.0,
data only); gocryptotrader (MIT). Other payloads are the examples of the 2022 spot API docs
(../shared/seeds/binance-spot-api-2022.txt) and of the current docs where the seed has none.
"""

from __future__ import annotations

import gc
import gzip
import json
from collections import Counter
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import msgspec
import pytest

from binance_async.models.depth import ENVELOPE_DECODER, DepthEvent, PartialDepth
from binance_async.models.streams import (
    AggTradeEvent,
    AvgPriceEvent,
    BookTickerEvent,
    KlineEvent,
    MiniTickerEvent,
    NavKlineEvent,
    RollingWindowTickerEvent,
    StreamKind,
    TickerEvent,
    TokenNavEvent,
    TradeEvent,
    decoder_for_kind,
    decoder_for_stream,
    stream_kind,
)
from binance_async.models.user_data import (
    BalanceUpdate,
    EventStreamTerminated,
    ExecutionReport,
    ExternalLockUpdate,
    ListenKeyExpired,
    ListStatus,
    OutboundAccountPosition,
    UnknownUserEvent,
    UserEventEnvelope,
    decode_user_event,
    decode_ws_api_user_event,
)
from binance_async.streams import names

from .conftest import REAL_DATA

HFT = REAL_DATA / "hftbacktest" / "examples" / "spot"
CRYPTOFEED = REAL_DATA / "cryptofeed" / "sample_data"
NAUTILUS = (
    REAL_DATA / "nautilus_trader/tests/integration_tests/adapters/binance/resources/ws_messages"
)
GOCRYPTO = REAL_DATA / "gocryptotrader/exchanges/binance/testdata/wsHandleData.json"


def decode_frame(frame: bytes) -> tuple[str, Any]:
    env = ENVELOPE_DECODER.decode(frame)
    return env.stream, decoder_for_stream(env.stream).decode(env.data)


@pytest.fixture(scope="module")
def hft_frames() -> list[bytes]:
    frames = []
    for path in sorted(HFT.glob("*.gz")):
        with gzip.open(path, "rb") as fh:
            for line in fh:
                _, _, body = line.partition(b" ")
                if body.startswith(b'{"stream"'):
                    frames.append(body.strip())
    return frames


def cryptofeed_frames(name: str) -> list[bytes]:
    lines = (CRYPTOFEED / name).read_bytes().splitlines()[1:]
    return [line.partition(b": ")[2] for line in lines if line.strip()]


# ----------------------------------------------------------------------------- real captures


def test_hftbacktest_every_frame_decodes(hft_frames: list[bytes]) -> None:
    kinds: Counter[type] = Counter()
    last_trade = 0
    for frame in hft_frames:
        _stream, event = decode_frame(frame)
        kinds[type(event)] += 1
        assert event.symbol == "BTCUSDT"
        if isinstance(event, TradeEvent):
            assert event.trade_id > last_trade
            last_trade = event.trade_id
            assert event.buyer_order_id is None and event.seller_order_id is None  # 2024 data
    assert kinds == {TradeEvent: 19_904, BookTickerEvent: 73_174, DepthEvent: 6_495}


def test_hftbacktest_concrete_values(hft_frames: list[bytes]) -> None:
    trade = next(decode_frame(f)[1] for f in hft_frames if b"@trade" in f[:40])
    assert trade == TradeEvent(
        event_time=1723161255343, symbol="BTCUSDT", trade_id=3735683259,
        price="61837.63000000", quantity="0.02000000", trade_time=1723161255342,
        is_buyer_maker=True, is_best_match=True,
    )  # fmt: skip
    assert trade.price_decimal == Decimal("61837.63")
    assert str(trade.quantity_decimal) == "0.02000000"
    book = next(decode_frame(f)[1] for f in hft_frames if b"@bookTicker" in f[:40])
    assert isinstance(book, BookTickerEvent)
    assert (book.update_id, book.bid_price, book.bid_quantity) == (
        50093239212, "61837.63000000", "3.78826000",
    )  # fmt: skip
    assert (book.ask_price, book.ask_quantity, book.event_time) == (
        "61837.64000000", "1.54698000", None,
    )  # fmt: skip
    depth = next(decode_frame(f)[1] for f in hft_frames if b"@depth" in f[:40])
    assert isinstance(depth, DepthEvent)
    assert (depth.first_update_id, depth.final_update_id) == (50093239189, 50093239202)
    assert depth.bids[0] == ("61737.63000000", "0.00000000")


def test_cryptofeed_binance_capture() -> None:
    decoded = [decode_frame(f) for f in cryptofeed_frames("BINANCE.ws.1.0")]
    by_type = Counter(type(e) for _, e in decoded)
    assert by_type == {DepthEvent: 177, BookTickerEvent: 84, KlineEvent: 2, AggTradeEvent: 2}
    agg = next(e for _, e in decoded if isinstance(e, AggTradeEvent))
    assert agg == AggTradeEvent(
        event_time=1633998523963, symbol="NKNUSDT", agg_trade_id=15683430, price="0.35280000",
        quantity="58.00000000", first_trade_id=19862790, last_trade_id=19862790,
        trade_time=1633998523963, is_buyer_maker=False, is_best_match=True,
    )  # fmt: skip
    kline = next(e for _, e in decoded if isinstance(e, KlineEvent))
    k = kline.kline
    assert (kline.symbol, kline.event_time, k.interval, k.is_closed) == (
        "NKNUSDT", 1633998523963, "1m", False,
    )  # fmt: skip
    assert (k.start_time, k.close_time, k.first_trade_id, k.last_trade_id) == (
        1633998480000, 1633998539999, 19862761, 19862790,
    )  # fmt: skip
    assert (k.open, k.close, k.high, k.low) == (
        "0.35270000", "0.35280000", "0.35280000", "0.35220000",
    )  # fmt: skip
    assert (k.volume, k.quote_volume, k.trade_count) == ("25877.00000000", "9116.04600000", 30)
    assert (k.taker_buy_base_volume, k.taker_buy_quote_volume) == ("58.00000000", "20.46240000")
    assert k.close_decimal - k.open_decimal == Decimal("0.0001")
    book = next(e for _, e in decoded if isinstance(e, BookTickerEvent))
    assert (book.symbol, book.update_id, book.bid_price, book.ask_quantity) == (
        "NKNUSDT", 499869768, "0.35210000", "3199.00000000",
    )  # fmt: skip


@pytest.mark.parametrize("name", ["BINANCE_US.ws.1.0", "BINANCE_TR.ws.1.0"])
def test_cryptofeed_us_and_tr_captures(name: str) -> None:
    for frame in cryptofeed_frames(name):
        stream, event = decode_frame(frame)
        assert not isinstance(event, msgspec.Raw)
        assert event.symbol.lower() == stream.split("@")[0]


def test_nautilus_trade_with_order_ids_and_agg_trade_with_extra_field() -> None:
    _, trade = decode_frame((NAUTILUS / "ws_spot_trade.json").read_bytes())
    assert isinstance(trade, TradeEvent)
    assert (trade.trade_id, trade.buyer_order_id, trade.seller_order_id) == (
        705291099, 7038593583, 7038593613,
    )  # fmt: skip
    assert trade.price == "4149.74000000" and trade.is_buyer_maker is True
    _, agg = decode_frame((NAUTILUS / "ws_spot_agg_trade.json").read_bytes())  # has "st": 1
    assert isinstance(agg, AggTradeEvent)
    assert (agg.symbol, agg.agg_trade_id, agg.price, agg.quantity) == (
        "ETHUSDT", 226532, "1632.46000000", "0.34305000",
    )  # fmt: skip


def test_nautilus_execution_report() -> None:
    frame = (NAUTILUS / "ws_spot_execution_report_binance_us.json").read_bytes()
    stream, report = decode_frame(frame)
    assert stream_kind(stream) is StreamKind.USER_DATA
    assert isinstance(report, ExecutionReport)
    assert report.event_type == "executionReport"
    assert (report.symbol, report.side, report.order_type, report.time_in_force) == (
        "BTCUSD", "SELL", "LIMIT", "GTC",
    )  # fmt: skip
    assert (report.execution_type, report.order_status, report.order_id) == (
        "TRADE", "FILLED", 2281896601,
    )  # fmt: skip
    assert (report.last_executed_quantity, report.last_executed_price) == (
        "0.00042000", "117290.77000000",
    )  # fmt: skip
    assert (report.commission_amount, report.commission_asset, report.trade_id) == (
        "0.00492621", "USD", 88685053,
    )  # fmt: skip
    assert (report.execution_id, report.working_time) == (4644480641, 1759347763167)
    assert report.self_trade_prevention_mode == "EXPIRE_MAKER"
    assert report.average_price == Decimal("117290.77")
    assert report.trailing_delta is None and report.expiry_reason is None


def test_gocryptotrader_lines() -> None:
    lines = GOCRYPTO.read_bytes().splitlines()
    events = [decode_frame(line)[1] for line in lines if line.strip()]
    assert [type(e) for e in events] == [
        TickerEvent, KlineEvent, TradeEvent, DepthEvent, BalanceUpdate, ListStatus,
        ExecutionReport, OutboundAccountPosition,
    ]  # fmt: skip
    ticker = events[0]
    assert isinstance(ticker, TickerEvent)
    assert (ticker.symbol, ticker.price_change, ticker.price_change_percent) == (
        "BNBBTC", "420.97000000", "4.720",
    )  # fmt: skip
    assert (ticker.weighted_avg_price, ticker.first_trade_price, ticker.last_price) == (
        "9058.27981278", "8917.98000000", "9338.96000000",
    )  # fmt: skip
    assert (ticker.bid_price, ticker.ask_quantity, ticker.volume) == (
        "9338.03000000", "0.14097600", "72229.53692000",
    )  # fmt: skip
    assert (ticker.open_time, ticker.close_time, ticker.first_trade_id) == (
        1580168409456, 1580254809456, 235294268,
    )  # fmt: skip
    assert (ticker.last_trade_id, ticker.trade_count) == (235894703, 600436)
    report = events[6]
    assert isinstance(report, ExecutionReport)
    assert (report.client_order_id, report.price, report.order_id, report.is_working) == (
        "c4wyKsIhoAaittTYlIVLqk", "52789.10000000", 5340845958, True,
    )  # fmt: skip
    assert report.average_price is None  # nothing filled yet
    pos = events[7]
    assert isinstance(pos, OutboundAccountPosition)
    assert [(b.asset, b.free, b.locked) for b in pos.balances] == [
        ("BTC", "0.00225109", "0.00123000"),
        ("BNB", "0.00000000", "0.00000000"),
        ("USDT", "54.43390661", "0.00000000"),
    ]
    assert pos.balances[2].free_decimal == Decimal("54.43390661")
    lst = events[5]
    assert isinstance(lst, ListStatus)
    assert (lst.order_list_id, lst.contingency_type, lst.list_status_type) == (
        2, "OCO", "EXEC_STARTED",
    )  # fmt: skip
    assert [(o.symbol, o.order_id) for o in lst.orders] == [("ETHBTC", 17), ("ETHBTC", 18)]


# ----------------------------------------------------------------------------- seed examples

MINI = {
    "e": "24hrMiniTicker", "E": 123456789, "s": "BNBBTC", "c": "0.0025", "o": "0.0010",
    "h": "0.0025", "l": "0.0010", "v": "10000", "q": "18",
}  # fmt: skip
ROLLING = {
    "e": "1hTicker", "E": 123456789, "s": "BNBBTC", "p": "0.0015", "P": "250.00",
    "o": "0.0010", "h": "0.0025", "l": "0.0010", "c": "0.0025", "w": "0.0018", "v": "10000",
    "q": "18", "O": 0, "C": 86400000, "F": 0, "L": 18150, "n": 18151,
}  # fmt: skip
AVG = {"e": "avgPrice", "E": 1693907033000, "s": "BTCUSDT", "i": "5m", "w": "25776.86000000",
       "T": 1693907032213}  # fmt: skip
NAV = {
    "e": "nav", "E": 1600245286355, "s": "TRXDOWN", "m": 74164.75496502663,
    "b": [{"s": "TRXUSDT", "n": -87988261}], "n": 14.78454447, "l": 2.1786579638117898,
    "t": 3, "f": -0.0048925,
}  # fmt: skip
NAV_KLINE = {
    "e": "kline", "E": 1600243159447, "s": "TRXDOWN",
    "k": {
        "t": 1600243140000, "T": 1600243199999, "s": "TRXDOWN", "i": "1m",
        "f": 1600243140484, "L": 1600243159424, "o": "14.56800297", "c": "14.59766270",
        "h": "14.63325437", "l": "14.56207102", "v": "2.22524220", "n": 33, "x": False,
        "q": "0", "V": "73.42663923", "Q": "0", "B": "0",
    },
}  # fmt: skip
PARTIAL = {"lastUpdateId": 160, "bids": [["0.0024", "10"]], "asks": [["0.0026", "100"]]}


def enc(obj: Any) -> bytes:
    return json.dumps(obj).encode()


def test_seed_mini_tickers() -> None:
    event = decoder_for_stream("bnbbtc@miniTicker").decode(enc(MINI))
    assert event == MiniTickerEvent(
        event_time=123456789, symbol="BNBBTC", close_price="0.0025", open_price="0.0010",
        high_price="0.0025", low_price="0.0010", volume="10000", quote_volume="18",
    )  # fmt: skip
    arr = decoder_for_stream("!miniTicker@arr").decode(enc([MINI, {**MINI, "s": "ETHBTC"}]))
    assert [e.symbol for e in arr] == ["BNBBTC", "ETHBTC"]


def test_seed_rolling_window_tickers() -> None:
    event = decoder_for_stream("bnbbtc@ticker_1h").decode(enc(ROLLING))
    assert isinstance(event, RollingWindowTickerEvent)
    assert (event.window, event.symbol, event.last_price, event.trade_count) == (
        "1h", "BNBBTC", "0.0025", 18151,
    )  # fmt: skip
    arr = decoder_for_stream("!ticker_4h@arr").decode(enc([{**ROLLING, "e": "4hTicker"}]))
    assert arr[0].window == "4h" and arr[0].close_time == 86400000


def test_avg_price_and_partial_depth() -> None:
    avg = decoder_for_stream("btcusdt@avgPrice").decode(enc(AVG))
    assert avg == AvgPriceEvent(
        event_time=1693907033000, symbol="BTCUSDT", interval="5m", price="25776.86000000",
        last_trade_time=1693907032213,
    )  # fmt: skip
    for name in ("bnbbtc@depth5", "bnbbtc@depth10@100ms", "bnbbtc@depth20@1000ms"):
        depth = decoder_for_stream(name).decode(enc(PARTIAL))
        assert depth == PartialDepth(160, [("0.0024", "10")], [("0.0026", "100")])


def test_blvt_streams() -> None:
    nav = decoder_for_stream("TRXDOWN@tokenNav").decode(enc(NAV))
    assert isinstance(nav, TokenNavEvent)
    assert (nav.token_name, nav.nav, nav.target_leverage) == ("TRXDOWN", 14.78454447, 3.0)
    assert nav.baskets[0].symbol == "TRXUSDT" and nav.baskets[0].position == -87988261
    kline = decoder_for_stream("TRXDOWN@nav_kline_1m").decode(enc(NAV_KLINE))
    assert isinstance(kline, NavKlineEvent)
    k = kline.kline
    assert (k.first_nav_time, k.last_nav_time, k.close, k.real_leverage, k.nav_update_count) == (
        1600243140484, 1600243159424, "14.59766270", "2.22524220", 33,
    )  # fmt: skip


def test_user_events_from_seed_and_docs() -> None:
    assert decode_user_event(
        enc({"e": "balanceUpdate", "E": 1573200697110, "a": "BTC", "d": "100.00000000",
             "T": 1573200697068})
    ) == BalanceUpdate(
        event_time=1573200697110, asset="BTC", delta="100.00000000", clear_time=1573200697068
    )  # fmt: skip
    expired = decode_user_event(b'{"e":"listenKeyExpired","E":1699596037418,"listenKey":"OfYG"}')
    assert expired == ListenKeyExpired(event_time=1699596037418, listen_key="OfYG")
    lock = decode_user_event(
        b'{"e":"externalLockUpdate","E":1581557507324,"a":"NEO","d":"10.00000000",'
        b'"T":1581557507268}'
    )
    assert isinstance(lock, ExternalLockUpdate) and lock.delta_decimal == Decimal(10)
    end = decode_user_event(b'{"e":"eventStreamTerminated","E":1728973001334}')
    assert end == EventStreamTerminated(event_time=1728973001334)
    assert end.event_type == "eventStreamTerminated"


def test_execution_report_all_conditional_fields() -> None:
    payload = {
        "e": "executionReport", "E": 1499405658658, "s": "ETHBTC", "c": "mUvoqJxFIILMdfAW5iGSOW",
        "S": "BUY", "o": "LIMIT", "f": "GTC", "q": "1.00000000", "p": "0.10264410",
        "P": "0.00000000", "d": 4, "F": "0.00000000", "g": -1, "C": "", "x": "TRADE_PREVENTION",
        "X": "EXPIRED", "r": "NONE", "i": 4293153, "l": "0.00000000", "z": "0.00000000",
        "L": "0.00000000", "n": "0", "N": None, "T": 1499405658657, "t": -1, "I": 8641984,
        "w": True, "m": False, "M": False, "O": 1499405658657, "Z": "0.00000000",
        "Y": "0.00000000", "Q": "0.00000000", "D": 1668680518494, "j": 1, "J": 1000000,
        "W": 1499405658657, "V": "EXPIRE_MAKER", "v": 3, "A": "3.00000000", "B": "3.00000000",
        "u": 1, "U": 37, "Cs": "ETHBTC", "pl": "2.00000000", "pL": "0.10000000",
        "pY": "0.20000000", "b": "ONE_PARTY_TRADE_REPORT", "a": 1234, "k": "SOR", "uS": True,
        "gP": "PRIMARY_PEG", "gOT": "PRICE_LEVEL", "gOV": 2, "gp": "0.10264400",
        "eR": "STP_EXPIRED", "zz_new_field": {"x": 1},
    }  # fmt: skip
    r = decode_user_event(enc(payload))
    assert isinstance(r, ExecutionReport)
    assert (r.trailing_delta, r.trailing_time, r.strategy_id, r.strategy_type) == (
        4, 1668680518494, 1, 1000000,
    )  # fmt: skip
    assert (r.prevented_match_id, r.prevented_quantity, r.last_prevented_quantity) == (
        3, "3.00000000", "3.00000000",
    )  # fmt: skip
    assert (r.trade_group_id, r.counter_order_id, r.counter_symbol) == (1, 37, "ETHBTC")
    assert (
        r.prevented_execution_quantity, r.prevented_execution_price,
        r.prevented_execution_quote_quantity,
    ) == ("2.00000000", "0.10000000", "0.20000000")  # fmt: skip
    assert (r.match_type, r.allocation_id, r.working_floor, r.used_sor) == (
        "ONE_PARTY_TRADE_REPORT", 1234, "SOR", True,
    )  # fmt: skip
    assert (r.pegged_price_type, r.pegged_offset_type, r.pegged_offset_value, r.pegged_price) == (
        "PRIMARY_PEG", "PRICE_LEVEL", 2, "0.10264400",
    )  # fmt: skip
    assert r.expiry_reason == "STP_EXPIRED" and r.commission_asset is None


def test_ws_api_wrapper_and_unknown_user_events() -> None:
    frame = b'{"subscriptionId":0,"event":{"e":"balanceUpdate","E":1,"a":"BTC","d":"1","T":2}}'
    env = decode_ws_api_user_event(frame)
    assert env == UserEventEnvelope(0, BalanceUpdate(event_time=1, asset="BTC", delta="1",
                                                     clear_time=2))  # fmt: skip
    unknown = decode_ws_api_user_event(b'{"subscriptionId":3,"event":{"e":"newThing","E":9}}')
    assert unknown.subscription_id == 3
    assert isinstance(unknown.event, UnknownUserEvent)
    assert (unknown.event.event_type, unknown.event.event_time) == ("newThing", 9)
    assert json.loads(bytes(unknown.event.raw)) == {"e": "newThing", "E": 9}
    with pytest.raises(msgspec.ValidationError):
        decode_user_event(b'{"e":"balanceUpdate","E":1}')  # known type, missing fields


# ----------------------------------------------------------------------------- robustness


SAMPLES: list[tuple[str, dict[str, Any]]] = [
    ("bnbbtc@miniTicker", MINI),
    ("bnbbtc@ticker_1d", ROLLING),
    ("btcusdt@avgPrice", AVG),
    ("TRXDOWN@tokenNav", NAV),
    ("TRXDOWN@nav_kline_1h", NAV_KLINE),
    ("bnbbtc@depth5", PARTIAL),
    ("bnbusdt@bookTicker", {"u": 400900217, "s": "BNBUSDT", "b": "25.35190000",
                            "B": "31.21000000", "a": "25.36520000", "A": "40.66000000"}),
]  # fmt: skip


@pytest.mark.parametrize(("stream", "payload"), SAMPLES)
def test_unknown_extra_fields_never_break_decoding(stream: str, payload: dict[str, Any]) -> None:
    plain = decoder_for_stream(stream).decode(enc(payload))
    extra = {**payload, "zz": [1, {"a": None}], "Xx": "new", "st": 1}
    assert decoder_for_stream(stream).decode(enc(extra)) == plain


def test_events_are_frozen_and_untracked_by_gc(hft_frames: list[bytes]) -> None:
    _, trade = decode_frame(hft_frames[1])
    assert not gc.is_tracked(trade)
    with pytest.raises(AttributeError):
        trade.price = "1"


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("btcusdt@aggTrade", StreamKind.AGG_TRADE),
        ("btcusdt@trade", StreamKind.TRADE),
        ("btcusdt@kline_1s", StreamKind.KLINE),
        ("btcusdt@kline_1M@+08:00", StreamKind.KLINE),
        ("btcusdt@kline_7m", StreamKind.UNKNOWN),
        ("btcusdt@miniTicker", StreamKind.MINI_TICKER),
        ("!miniTicker@arr", StreamKind.ALL_MINI_TICKERS),
        ("btcusdt@ticker", StreamKind.TICKER),
        ("!ticker@arr", StreamKind.ALL_TICKERS),
        ("btcusdt@ticker_4h", StreamKind.ROLLING_TICKER),
        ("btcusdt@ticker_2h", StreamKind.UNKNOWN),
        ("!ticker_1d@arr", StreamKind.ALL_ROLLING_TICKERS),
        ("btcusdt@bookTicker", StreamKind.BOOK_TICKER),
        ("!bookTicker", StreamKind.ALL_BOOK_TICKERS),
        ("btcusdt@depth5", StreamKind.PARTIAL_DEPTH),
        ("btcusdt@depth20@100ms", StreamKind.PARTIAL_DEPTH),
        ("btcusdt@depth7", StreamKind.UNKNOWN),
        ("btcusdt@depth", StreamKind.DEPTH),
        ("btcusdt@depth@100ms", StreamKind.DEPTH),
        ("btcusdt@depth@10ms", StreamKind.UNKNOWN),
        ("btcusdt@avgPrice", StreamKind.AVG_PRICE),
        ("btcusdt@referencePrice", StreamKind.REFERENCE_PRICE),
        ("btcusdt@blockTrade", StreamKind.BLOCK_TRADE),
        ("BTCDOWN@tokenNav", StreamKind.TOKEN_NAV),
        ("BTCDOWN@nav_kline_5m", StreamKind.NAV_KLINE),
        ("pqia91ma19a5s61cv6a81va65sdf19v8a65a1a5s61cv6a81va65sdf19v8a65a1", StreamKind.USER_DATA),
        ("btcusdt@trade@100ms", StreamKind.UNKNOWN),
        ("@trade", StreamKind.UNKNOWN),
        ("", StreamKind.UNKNOWN),
    ],
)
def test_stream_kind(name: str, kind: StreamKind) -> None:
    assert stream_kind(name) is kind


def test_decoders_built_once_and_raw_for_unmodelled() -> None:
    assert decoder_for_stream("btcusdt@trade") is decoder_for_stream("ethbtc@trade")
    assert decoder_for_stream("x@depth@100ms") is decoder_for_kind(StreamKind.DEPTH)
    raw = decoder_for_stream("btcusdt@referencePrice").decode(b'{"e":"referencePrice"}')
    assert isinstance(raw, msgspec.Raw) and bytes(raw) == b'{"e":"referencePrice"}'


def test_name_builders() -> None:
    assert names.trade("BTCUSDT") == "btcusdt@trade"
    assert names.agg_trade("BtcUsdt") == "btcusdt@aggTrade"
    assert names.kline("BTCUSDT", "1m", tz="+08:00") == "btcusdt@kline_1m@+08:00"
    assert names.depth("BTCUSDT") == "btcusdt@depth@100ms"
    assert names.depth("BTCUSDT", speed_ms=1000) == "btcusdt@depth"
    assert names.partial_depth("BTCUSDT", 5) == "btcusdt@depth5"
    assert names.partial_depth("BTCUSDT", 20, speed_ms=100) == "btcusdt@depth20@100ms"
    assert names.rolling_ticker("ETHBTC", "4h") == "ethbtc@ticker_4h"
    assert names.all_rolling_tickers("1d") == "!ticker_1d@arr"
    assert names.all_mini_tickers() == "!miniTicker@arr"
    assert names.book_ticker("X1") == "x1@bookTicker"
    assert names.mini_ticker("A") == "a@miniTicker"
    assert names.ticker("A") == "a@ticker"
    assert names.avg_price("A") == "a@avgPrice"
    assert names.token_nav("btcdown") == "BTCDOWN@tokenNav"
    assert names.nav_kline("BTCDOWN", "1h") == "BTCDOWN@nav_kline_1h"
    bad_calls: list[Callable[[], str]] = [
        lambda: names.kline("BTCUSDT", "7m"),
        lambda: names.kline("BTCUSDT", "1m", tz="8"),
        lambda: names.partial_depth("BTCUSDT", 7),
        lambda: names.depth("BTCUSDT", speed_ms=10),
        lambda: names.rolling_ticker("BTCUSDT", "2h"),
        lambda: names.trade("BTC/USDT"),
        lambda: names.nav_kline("BTCDOWN", "1s"),
    ]
    for bad in bad_calls:
        with pytest.raises(ValueError):
            bad()
    assert names.normalize("BTCUSDT@depth@100ms") == "btcusdt@depth@100ms"
    assert names.normalize("BTCDOWN@tokenNav") == "BTCDOWN@tokenNav"
    for bad_name in ("!ticker@arr", "!bookTicker", "btcusdt@nope"):
        with pytest.raises(ValueError):
            names.normalize(bad_name)
    url = names.combined_url(["a@trade", "b@trade"], query="timeUnit=MICROSECOND")
    assert (
        url == "wss://stream.binance.com:9443/stream?streams=a@trade/b@trade&timeUnit=MICROSECOND"
    )


def test_real_data_folder_layout() -> None:
    assert isinstance(REAL_DATA, Path) and HFT.is_dir() and GOCRYPTO.is_file()
