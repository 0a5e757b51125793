"""Client-side exchange filters (`binance_async.rest.filters`) and exact tick/step rounding.

Every filter is checked passing and failing, with the exchange's -1013 name in the message;
filters that need data beyond exchangeInfo are skipped when it is not given; the order
methods' ``validate=`` option fetches exchangeInfo once, checks, and sends nothing on failure.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from binance_async import OrderContext, round_price, round_qty
from binance_async.errors import OrderFilterError, ValidationError
from binance_async.models import ExchangeInfo, SymbolInfo, decoder_for
from binance_async.rest import endpoints as E
from binance_async.rest.filters import check_order, round_step
from binance_async.rest.session import Client
from binance_async.rest.transport import HttpRequest, HttpResponse, MockTransport

D = Decimal
KEY = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"
SECRET = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"

FILTERS: list[dict[str, Any]] = [
    {"filterType": "PRICE_FILTER", "minPrice": "0.01000000", "maxPrice": "1000000.00000000",
     "tickSize": "0.01000000"},
    {"filterType": "LOT_SIZE", "minQty": "0.00001000", "maxQty": "9000.00000000",
     "stepSize": "0.00001000"},
    {"filterType": "ICEBERG_PARTS", "limit": 10},
    {"filterType": "MARKET_LOT_SIZE", "minQty": "0.00000000", "maxQty": "100.00000000",
     "stepSize": "0.00000000"},
    {"filterType": "TRAILING_DELTA", "minTrailingAboveDelta": 10, "maxTrailingAboveDelta": 2000,
     "minTrailingBelowDelta": 20, "maxTrailingBelowDelta": 1000},
    {"filterType": "PERCENT_PRICE_BY_SIDE", "bidMultiplierUp": "1.1", "bidMultiplierDown": "0.2",
     "askMultiplierUp": "5", "askMultiplierDown": "0.9", "avgPriceMins": 5},
    {"filterType": "NOTIONAL", "minNotional": "5.00000000", "applyMinToMarket": True,
     "maxNotional": "9000000.00000000", "applyMaxToMarket": False, "avgPriceMins": 5},
    {"filterType": "MAX_NUM_ORDERS", "maxNumOrders": 200},
    {"filterType": "MAX_NUM_ALGO_ORDERS", "maxNumAlgoOrders": 5},
    {"filterType": "MAX_NUM_ICEBERG_ORDERS", "maxNumIcebergOrders": 3},
    {"filterType": "MAX_NUM_ORDER_LISTS", "maxNumOrderLists": 20},
    {"filterType": "MAX_POSITION", "maxPosition": "10.00000000"},
    {"filterType": "SOME_FUTURE_FILTER", "whatever": 1},
]  # fmt: skip
EXCHANGE_FILTERS: list[dict[str, Any]] = [
    {"filterType": "EXCHANGE_MAX_NUM_ORDERS", "maxNumOrders": 1000},
    {"filterType": "EXCHANGE_MAX_NUM_ALGO_ORDERS", "maxNumAlgoOrders": 200},
    {"filterType": "EXCHANGE_MAX_NUM_ICEBERG_ORDERS", "maxNumIcebergOrders": 50},
    {"filterType": "EXCHANGE_MAX_NUM_ORDER_LISTS", "maxNumOrderLists": 100},
]


def symbol_json(name: str = "BTCUSDT", filters: list[dict[str, Any]] | None = None) -> Any:
    return {
        "symbol": name, "status": "TRADING", "baseAsset": name[:3], "baseAssetPrecision": 8,
        "quoteAsset": name[3:], "quoteAssetPrecision": 8,
        "orderTypes": ["LIMIT", "LIMIT_MAKER", "MARKET", "STOP_LOSS_LIMIT", "TAKE_PROFIT_LIMIT"],
        "filters": FILTERS if filters is None else filters,
    }  # fmt: skip


def exchange_info_body(*symbols: Any) -> bytes:
    return msgspec.json.encode({
        "timezone": "UTC", "serverTime": 1700000000000, "rateLimits": [],
        "exchangeFilters": EXCHANGE_FILTERS, "symbols": list(symbols) or [symbol_json()],
    })  # fmt: skip


SYMBOL = decoder_for(SymbolInfo).decode(msgspec.json.encode(symbol_json()))
INFO = decoder_for(ExchangeInfo).decode(exchange_info_body())
LIMIT = {"side": "BUY", "type": "LIMIT", "timeInForce": "GTC", "quantity": "0.001",
         "price": "50000"}  # fmt: skip


def check(params: dict[str, Any], ctx: OrderContext | None = None, kind: Any = "order",
          symbol: SymbolInfo = SYMBOL) -> None:  # fmt: skip
    check_order(symbol, params, kind=kind, exchange_filters=INFO.exchange_filters, context=ctx)


def order(**changes: Any) -> dict[str, Any]:
    out = {**LIMIT, **changes}
    return {k: v for k, v in out.items() if v is not None}


REF = OrderContext(reference_price=D("50000"))

FAILS: list[tuple[str, dict[str, Any], OrderContext | None, str, str]] = [
    # (id, params, context, filter, param)
    ("tick", order(price="50000.001"), None, "PRICE_FILTER", "price"),
    ("min-price", order(price="0.001"), None, "PRICE_FILTER", "price"),
    ("max-price", order(price="2000000"), None, "PRICE_FILTER", "price"),
    ("stop-tick", order(type="STOP_LOSS_LIMIT", stopPrice="49000.005"), None,
     "PRICE_FILTER", "stopPrice"),
    ("bid-up", order(price="55000.01"), REF, "PERCENT_PRICE_BY_SIDE", "price"),
    ("bid-down", order(price="9999.99"), REF, "PERCENT_PRICE_BY_SIDE", "price"),
    ("ask-down", order(side="SELL", price="44999.99"), REF, "PERCENT_PRICE_BY_SIDE", "price"),
    ("ask-up", order(side="SELL", price="250000.01"), REF, "PERCENT_PRICE_BY_SIDE", "price"),
    ("step", order(quantity="0.000015"), None, "LOT_SIZE", "quantity"),
    ("min-qty", order(quantity="0.000001"), None, "LOT_SIZE", "quantity"),
    ("max-qty", order(quantity="9000.00001", price="1"), None, "LOT_SIZE", "quantity"),
    ("iceberg-step", order(quantity="1", icebergQty="0.100005"), None, "LOT_SIZE",
     "icebergQty"),
    ("market-lot", order(type="MARKET", price=None, timeInForce=None, quantity="100.5"), None,
     "MARKET_LOT_SIZE", "quantity"),
    ("notional-min", order(quantity="0.00001"), None, "NOTIONAL", "quantity"),
    ("notional-max", order(quantity="180.00001", price="50000"), None, "NOTIONAL", "quantity"),
    ("notional-market", order(type="MARKET", price=None, timeInForce=None, quantity="0.00009"),
     REF, "NOTIONAL", "quantity"),
    ("notional-quote", order(type="MARKET", price=None, timeInForce=None, quantity=None,
                             quoteOrderQty="4.99"), None, "NOTIONAL", "quoteOrderQty"),
    ("notional-stop", order(type="STOP_LOSS", price=None, timeInForce=None, stopPrice="100",
                            quantity="0.01"), None, "NOTIONAL", "quantity"),
    ("iceberg-parts", order(quantity="1", icebergQty="0.09"), None, "ICEBERG_PARTS",
     "icebergQty"),
    ("trail-above-min", order(type="STOP_LOSS_LIMIT", stopPrice="51000", trailingDelta=9),
     None, "TRAILING_DELTA", "trailingDelta"),
    ("trail-above-max", order(side="SELL", type="TAKE_PROFIT_LIMIT", stopPrice="51000",
                              trailingDelta=2001), None, "TRAILING_DELTA", "trailingDelta"),
    ("trail-below-min", order(side="SELL", type="STOP_LOSS_LIMIT", stopPrice="49000",
                              trailingDelta=19), None, "TRAILING_DELTA", "trailingDelta"),
    ("trail-below-max", order(type="TAKE_PROFIT_LIMIT", stopPrice="49000", trailingDelta=1001),
     None, "TRAILING_DELTA", "trailingDelta"),
    ("position", order(quantity="2"), OrderContext(position=D("8.00001")), "MAX_POSITION",
     "quantity"),
    ("max-orders", order(), OrderContext(open_orders=200), "MAX_NUM_ORDERS", "MAX_NUM_ORDERS"),
    ("max-algo", order(type="STOP_LOSS_LIMIT", stopPrice="49000"),
     OrderContext(open_algo_orders=5), "MAX_NUM_ALGO_ORDERS", "MAX_NUM_ALGO_ORDERS"),
    ("max-iceberg", order(quantity="1", icebergQty="0.5"), OrderContext(open_iceberg_orders=3),
     "MAX_NUM_ICEBERG_ORDERS", "MAX_NUM_ICEBERG_ORDERS"),
    ("exchange-orders", order(), OrderContext(account_open_orders=1000),
     "EXCHANGE_MAX_NUM_ORDERS", "EXCHANGE_MAX_NUM_ORDERS"),
    ("exchange-algo", order(type="TAKE_PROFIT_LIMIT", stopPrice="49000"),
     OrderContext(account_open_algo_orders=200), "EXCHANGE_MAX_NUM_ALGO_ORDERS",
     "EXCHANGE_MAX_NUM_ALGO_ORDERS"),
    ("exchange-iceberg", order(quantity="1", icebergQty="0.5"),
     OrderContext(account_open_iceberg_orders=50), "EXCHANGE_MAX_NUM_ICEBERG_ORDERS",
     "EXCHANGE_MAX_NUM_ICEBERG_ORDERS"),
]  # fmt: skip


@pytest.mark.parametrize(("params", "ctx", "name", "param"),
                         [f[1:] for f in FAILS], ids=[f[0] for f in FAILS])  # fmt: skip
def test_each_filter_fails(
    params: dict[str, Any], ctx: OrderContext | None, name: str, param: str
) -> None:
    with pytest.raises(OrderFilterError) as info:
        check(params, ctx)
    exc = info.value
    assert isinstance(exc, ValidationError)
    assert str(exc).startswith(f"Filter failure: {name}: "), str(exc)
    assert exc.filter_type == name
    assert exc.param == param


PASSES: list[tuple[str, dict[str, Any], OrderContext | None]] = [
    ("plain", order(), None),
    ("edges", order(price="0.01", quantity="500"), None),  # notional exactly 5
    ("max-edges", order(price="1000000", quantity="9"), None),  # notional exactly 9000000
    ("bid-edge", order(price="55000"), REF),
    ("ask-edge", order(side="SELL", price="45000"), REF),
    ("sell-high", order(side="SELL", price="56000"), REF),  # ask multiplier, not bid
    ("no-reference", order(price="900000", quantity="0.0001"), None),  # percent skipped
    ("market-no-reference", order(type="MARKET", price=None, timeInForce=None,
                                  quantity="0.00001"), None),  # notional skipped
    ("market-max-not-applied", order(type="MARKET", price=None, timeInForce=None,
                                     quantity="99"), OrderContext(reference_price=D("100000"))),
    ("market-lot-step-0", order(type="MARKET", price=None, timeInForce=None,
                                quantity="0.12345"), REF),
    ("iceberg-10-parts", order(quantity="1", icebergQty="0.1"), None),
    ("trail-above", order(side="SELL", type="TAKE_PROFIT_LIMIT", stopPrice="51000",
                          trailingDelta=15), None),
    ("trail-below", order(type="TAKE_PROFIT_LIMIT", stopPrice="49000", trailingDelta=20),
     None),
    ("position-edge", order(quantity="2"), OrderContext(position=D("8"))),
    ("position-sell", order(side="SELL", quantity="2"), OrderContext(position=D("9.5"))),
    ("counts-below", order(), OrderContext(open_orders=199, account_open_orders=999)),
    ("algo-count-ignores-limit", order(), OrderContext(open_algo_orders=5)),
    ("iceberg-count-ignores-plain", order(), OrderContext(open_iceberg_orders=3)),
    ("float-and-decimal", order(price=50000.5, quantity=D("0.001")), None),
]  # fmt: skip


@pytest.mark.parametrize(("params", "ctx"), [p[1:] for p in PASSES], ids=[p[0] for p in PASSES])
def test_valid_orders_pass(params: dict[str, Any], ctx: OrderContext | None) -> None:
    check(params, ctx)


def test_rules_since_2022_and_2023_are_modulo_tick_and_step_not_offset_from_min() -> None:
    sym = decoder_for(SymbolInfo).decode(msgspec.json.encode(symbol_json(filters=[
        {"filterType": "PRICE_FILTER", "minPrice": "0.015", "maxPrice": "0", "tickSize": "0.01"},
        {"filterType": "LOT_SIZE", "minQty": "0.015", "maxQty": "0", "stepSize": "0.01"},
    ])))  # fmt: skip
    # (0.02 - 0.015) % 0.01 != 0 under the old rules; 0.02 % 0.01 == 0 under today's
    check({"side": "BUY", "type": "LIMIT", "price": "0.02", "quantity": "0.02"}, symbol=sym)
    check({"side": "BUY", "type": "LIMIT", "price": "99999999", "quantity": "1e9"}, symbol=sym)
    with pytest.raises(OrderFilterError, match=r"PRICE_FILTER.*0\.025 is not a multiple"):
        check({"side": "BUY", "type": "LIMIT", "price": "0.025", "quantity": "1"}, symbol=sym)


def test_percent_price_and_min_notional_of_2021_symbols() -> None:
    sym = decoder_for(SymbolInfo).decode(msgspec.json.encode(symbol_json(filters=[
        {"filterType": "PERCENT_PRICE", "multiplierUp": "5", "multiplierDown": "0.2",
         "avgPriceMins": 5},
        {"filterType": "MIN_NOTIONAL", "minNotional": "10", "applyToMarket": False,
         "avgPriceMins": 5},
    ])))  # fmt: skip
    ctx = OrderContext(reference_price=D("100"))
    check({"side": "BUY", "type": "LIMIT", "price": "500", "quantity": "1"}, ctx, symbol=sym)
    with pytest.raises(OrderFilterError, match=r"^Filter failure: PERCENT_PRICE: price 500.01"):
        check({"side": "SELL", "type": "LIMIT", "price": "500.01", "quantity": "1"}, ctx,
              symbol=sym)  # fmt: skip
    with pytest.raises(OrderFilterError, match=r"^Filter failure: PERCENT_PRICE: "):
        check({"side": "BUY", "type": "LIMIT", "price": "19.99", "quantity": "1"}, ctx,
              symbol=sym)  # fmt: skip
    with pytest.raises(OrderFilterError, match=r"^Filter failure: MIN_NOTIONAL: notional 9.99"):
        check({"side": "BUY", "type": "LIMIT", "price": "99.9", "quantity": "0.1"}, ctx,
              symbol=sym)  # fmt: skip
    # applyToMarket false: a tiny MARKET order passes
    check({"side": "BUY", "type": "MARKET", "quantity": "0.001"}, ctx, symbol=sym)


def test_oco_checks_both_legs_and_counts_two_orders_one_list() -> None:
    oco = {"side": "SELL", "quantity": "1", "price": "52000", "stopPrice": "48000",
           "stopLimitPrice": "47900", "stopLimitTimeInForce": "GTC"}  # fmt: skip
    check(oco, kind="oco")
    cases: list[tuple[dict[str, Any], OrderContext | None, str, str]] = [
        ({"price": "52000.001"}, None, "PRICE_FILTER", "price"),
        ({"stopLimitPrice": "47900.001"}, None, "PRICE_FILTER", "stopLimitPrice"),
        ({"stopPrice": "47900.001"}, None, "PRICE_FILTER", "stopPrice"),
        ({"stopIcebergQty": "0.000015"}, None, "LOT_SIZE", "stopIcebergQty"),
        ({"limitIcebergQty": "0.05"}, None, "ICEBERG_PARTS", "limitIcebergQty"),
        ({}, OrderContext(open_orders=199), "MAX_NUM_ORDERS", "MAX_NUM_ORDERS"),
        ({}, OrderContext(open_algo_orders=5), "MAX_NUM_ALGO_ORDERS", "MAX_NUM_ALGO_ORDERS"),
        ({}, OrderContext(open_order_lists=20), "MAX_NUM_ORDER_LISTS", "MAX_NUM_ORDER_LISTS"),
        ({}, OrderContext(account_open_order_lists=100), "EXCHANGE_MAX_NUM_ORDER_LISTS",
         "EXCHANGE_MAX_NUM_ORDER_LISTS"),
    ]  # fmt: skip
    for changes, ctx, name, param in cases:
        with pytest.raises(OrderFilterError) as info:
            check({**oco, **changes}, ctx, kind="oco")
        assert (info.value.filter_type, info.value.param) == (name, param), changes
    check(oco, OrderContext(open_orders=198, open_order_lists=19), kind="oco")


def test_cancel_replace_skips_count_limits() -> None:
    params = {**order(), "cancelReplaceMode": "STOP_ON_FAILURE", "cancelOrderId": 1}
    check(params, OrderContext(open_orders=200, account_open_orders=1000),
          kind="cancel_replace")  # fmt: skip
    with pytest.raises(OrderFilterError, match="PRICE_FILTER"):
        check({**params, "price": "1.001"}, kind="cancel_replace")


# -- rounding --------------------------------------------------------------------------------


def test_round_price_and_qty_modes() -> None:
    tick = D("0.01000000")
    assert round_price(D("50000.129"), tick) == D("50000.12")
    assert round_price(D("50000.129"), tick, "ceil") == D("50000.13")
    assert round_price(D("50000.124"), tick, "nearest") == D("50000.12")
    assert round_price(D("50000.125"), tick, "nearest") == D("50000.13")  # ties away from 0
    assert round_price(D("50000.12"), tick, "ceil") == D("50000.12")  # on the grid: unchanged
    assert round_price("1.37", "0.25", "nearest") == D("1.25")
    assert round_price("1.37", "0.25", "ceil") == D("1.50")
    assert round_price("1234", "10", "floor") == D("1230")
    assert round_qty(D("-1.25"), D("0.1"), "floor") == D("-1.3")
    assert round_qty(D("-1.25"), D("0.1"), "ceil") == D("-1.2")
    assert round_qty(D("-1.25"), D("0.1"), "nearest") == D("-1.3")
    assert round_qty(D("0.123"), D("0")) == D("0.123")  # step 0: the filter is disabled


def test_rounding_is_exact_and_keeps_the_step_scale() -> None:
    q = round_qty(D("0.000000129"), D("0.00000001"))
    assert q == D("0.00000012") and format(q, "f") == "0.00000012"
    assert q.as_tuple().exponent == -8
    big = D("123456789012345678901234567890.123456789")  # more digits than the default context
    assert round_qty(big, D("0.00000001")) == D("123456789012345678901234567890.12345678")
    assert round_qty(big, D("0.00000001"), "ceil") == D("123456789012345678901234567890.12345679")
    assert round_price(D("50000.1"), D("0.01000000")) == D("50000.10")
    assert str(round_price(D("50000.1"), D("0.01000000"))) == "50000.10"


def test_rounding_rejects_floats_and_bad_arguments() -> None:
    with pytest.raises(TypeError):
        round_price(0.1, D("0.01"))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="step"):
        round_qty(D("1"), D("-0.1"))
    with pytest.raises(ValueError, match="mode"):
        round_qty(D("1"), D("0.1"), "up")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="not a number"):
        round_qty("abc", D("0.1"))
    with pytest.raises(ValueError, match="finite"):
        round_qty(D("Infinity"), D("0.1"))


decimals = st.decimals(min_value=D("-1e12"), max_value=D("1e12"), places=10, allow_nan=False,
                       allow_infinity=False)  # fmt: skip
steps = st.sampled_from(["0.00000001", "0.001", "0.01000000", "0.25", "1", "5", "10", "0.3"])


@settings(max_examples=300, deadline=None)
@given(decimals, steps)
def test_rounding_properties(value: Decimal, step_text: str) -> None:
    step = D(step_text)
    lo, hi = round_step(value, step, "floor"), round_step(value, step, "ceil")
    near = round_step(value, step, "nearest")
    for r in (lo, hi, near):
        assert r % step == 0
    assert lo <= value <= hi
    assert hi - lo in (0, step)
    assert abs(near - value) * 2 <= step
    assert (lo == hi) == (value % step == 0)


# -- the client's validate= option -------------------------------------------------------------


class Exchange:
    """A MockTransport handler: exchangeInfo and order acks; records paths."""

    def __init__(self) -> None:
        self.paths: list[str] = []
        self.queries: list[str] = []

    def __call__(self, request: HttpRequest) -> HttpResponse:
        self.paths.append(request.path)
        self.queries.append(request.query_string)
        if request.path == "/api/v3/exchangeInfo":
            return HttpResponse(200, {}, exchange_info_body(symbol_json(),
                                                            symbol_json("ETHUSDT")))
        if request.path == "/api/v3/order/oco":
            return HttpResponse(200, {}, b'{"orderListId":1,"contingencyType":"OCO",'
                                         b'"listStatusType":"EXEC_STARTED",'
                                         b'"listOrderStatus":"EXECUTING",'
                                         b'"listClientOrderId":"x","transactionTime":1,'
                                         b'"symbol":"BTCUSDT","orders":[]}')
        return HttpResponse(200, {}, b'{"symbol":"BTCUSDT","orderId":1,"orderListId":-1,'
                                     b'"clientOrderId":"x","transactTime":1}')  # fmt: skip


def client_for(exchange: Exchange) -> Client:
    return Client(KEY, SECRET, transport=MockTransport(exchange), time_sync=False)


async def test_validate_fetches_exchange_info_once_and_sends_nothing_on_failure() -> None:
    ex = Exchange()
    async with client_for(ex) as client:
        with pytest.raises(OrderFilterError, match=r"^Filter failure: PRICE_FILTER: "):
            await client.trade.new_order("BTCUSDT", "BUY", "LIMIT", timeInForce="GTC",
                                         quantity=D("0.001"), price=D("50000.001"),
                                         validate=True)  # fmt: skip
        assert ex.paths == ["/api/v3/exchangeInfo"]
        ack = await client.trade.new_order("BTCUSDT", "BUY", "LIMIT", timeInForce="GTC",
                                           quantity=D("0.001"), price=D("50000.01"),
                                           newOrderRespType="ACK", validate=True)  # fmt: skip
        assert ack.order_id == 1
        await client.trade.test_new_order("ETHUSDT", "SELL", "MARKET", quantity="0.5",
                                          validate=True)  # fmt: skip
        assert ex.paths == ["/api/v3/exchangeInfo", "/api/v3/order", "/api/v3/order/test"]
        assert "validate" not in ex.queries[1]
        assert ex.queries[1].startswith("symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC"
                                        "&quantity=0.001&price=50000.01&newOrderRespType=ACK&recvWindow=")


async def test_validate_with_context_and_other_order_endpoints() -> None:
    ex = Exchange()
    async with client_for(ex) as client:
        with pytest.raises(OrderFilterError, match="MAX_NUM_ORDERS"):
            await client.trade.new_order("BTCUSDT", "BUY", "LIMIT", timeInForce="GTC",
                                         quantity="0.001", price="50000",
                                         validate=OrderContext(open_orders=200))  # fmt: skip
        with pytest.raises(OrderFilterError, match="PERCENT_PRICE_BY_SIDE"):
            await client.trade.new_order("BTCUSDT", "BUY", "LIMIT", timeInForce="GTC",
                                         quantity="0.001", price="60000",
                                         validate=OrderContext(reference_price=D("50000")))
        with pytest.raises(OrderFilterError, match="LOT_SIZE"):
            await client.trade.new_oco("BTCUSDT", "SELL", "1.000001", "52000", "48000",
                                       validate=True)  # fmt: skip
        with pytest.raises(OrderFilterError, match="NOTIONAL"):
            await client.trade.cancel_replace("BTCUSDT", "BUY", "LIMIT", "STOP_ON_FAILURE",
                                              timeInForce="GTC", quantity="0.00001",
                                              price="50000", cancelOrderId=1, validate=True)
        with pytest.raises(OrderFilterError, match="PRICE_FILTER"):
            await client.margin.new_order("BTCUSDT", "BUY", "LIMIT", timeInForce="GTC",
                                          quantity="0.001", price="0.001", validate=True)
        with pytest.raises(OrderFilterError, match="PRICE_FILTER"):
            await client.margin.new_oco("BTCUSDT", "SELL", "1", "52000.001", "48000",
                                        validate=True)  # fmt: skip
        await client.trade.new_oco("BTCUSDT", "SELL", "1", "52000", "48000", validate=True)
        assert ex.paths == ["/api/v3/exchangeInfo", "/api/v3/order/oco"]
        # validate=False (the default) sends whatever it is given
        await client.trade.new_order("BTCUSDT", "BUY", "LIMIT", timeInForce="GTC",
                                     quantity="0.001", price="50000.001",
                                     newOrderRespType="ACK")  # fmt: skip
        assert ex.paths[-1] == "/api/v3/order"


async def test_exchange_info_cache_refresh_and_unknown_symbols() -> None:
    ex = Exchange()
    async with client_for(ex) as client:
        info = await client.market.exchange_info()  # any full fetch fills the cache
        assert await client.exchange_info() is info
        assert (await client.symbol_info("ETHUSDT")).symbol == "ETHUSDT"
        assert ex.paths == ["/api/v3/exchangeInfo"]
        await client.exchange_info(refresh=True)
        assert len(ex.paths) == 2
        with pytest.raises(ValidationError, match="unknown symbol 'XYZUSDT'") as err:
            await client.trade.new_order("XYZUSDT", "BUY", "MARKET", quantity="1",
                                         validate=True)  # fmt: skip
        assert err.value.param == "symbol"
        assert ex.paths == ["/api/v3/exchangeInfo"] * 3  # one refresh on a miss, no order
        await client.market.exchange_info(symbol="BTCUSDT")  # a partial answer is not cached
        assert len((await client.exchange_info()).symbols) == 2


async def test_validate_is_refused_for_endpoints_that_place_no_order() -> None:
    ex = Exchange()
    async with client_for(ex) as client:
        with pytest.raises(ValidationError, match="order-placing endpoints only") as err:
            await client.call_endpoint(E.get("market", "depth"), {"symbol": "BTCUSDT"},
                                       validate=True)  # fmt: skip
        assert err.value.param == "validate"
        assert ex.paths == []
