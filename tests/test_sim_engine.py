"""binance_async.sim engine: matching, order types, OCO, cancelReplace, filters, errors, events."""

from __future__ import annotations

from decimal import Decimal as D
from typing import Any

import pytest

from binance_async.sim import Engine, SimError, SymbolSpec

SPEC = SymbolSpec(
    symbol="TESTUSDT",
    base_asset="TEST",
    quote_asset="USDT",
    tick_size=D("0.01"),
    step_size=D("0.001"),
    min_price=D("0.01"),
    max_price=D("100000"),
    min_qty=D("0.001"),
    max_qty=D("1000"),
    market_min_qty=D("0.001"),
    market_max_qty=D("100"),
    market_step_size=D("0.001"),
    min_notional=D("5"),
    max_notional=D("100000"),
    max_num_orders=10,
    max_num_algo_orders=2,
    start_price=D("100"),
)
CLOSED = SymbolSpec(
    symbol="HALTUSDT", base_asset="HALT", quote_asset="USDT", tick_size=D("0.01"),
    step_size=D("0.01"), status="BREAK",
)  # fmt: skip
OLD = SymbolSpec(
    symbol="OLDBTC", base_asset="OLD", quote_asset="BTC", tick_size=D("0.000001"),
    step_size=D("0.1"), min_qty=D("0.1"), max_qty=D("100000"), notional_filter="MIN_NOTIONAL",
    min_notional=D("0.0001"), multiplier_up=None, multiplier_down=None,
    max_position=D("50"), start_price=D("0.001"),
)  # fmt: skip

S = "TESTUSDT"


@pytest.fixture
def eng() -> Engine:
    e = Engine([SPEC, CLOSED, OLD], demo_account=None)
    for name in ("alice", "bob", "carol"):
        e.create_account(name, {"USDT": "100000", "TEST": "1000", "BTC": "10", "OLD": "10"})
    return e


def order(e: Engine, acct: str, side: str, type_: str = "LIMIT", qty: str | None = "1",
          price: str | None = None, t: int = 1000, **kw: Any) -> dict[str, Any]:  # fmt: skip
    p: dict[str, Any] = {"symbol": kw.pop("symbol", S), "side": side, "type": type_}
    if qty is not None:
        p["quantity"] = qty
    if price is not None:
        p["price"] = price
    if type_ in ("LIMIT", "STOP_LOSS_LIMIT", "TAKE_PROFIT_LIMIT"):
        p.setdefault("timeInForce", kw.pop("timeInForce", "GTC"))
    p.update(kw)
    return e.new_order(acct, p, t)


def err(fn: Any, *a: Any, **kw: Any) -> SimError:
    with pytest.raises(SimError) as info:
        fn(*a, **kw)
    return info.value


def bal(e: Engine, acct: str, asset: str) -> tuple[D, D]:
    b = e.balances(acct)[asset]
    return b.free, b.locked


# --- matching --------------------------------------------------------------------------------


def test_limit_orders_rest_and_depth_is_formatted(eng: Engine) -> None:
    order(eng, "alice", "BUY", price="99.50", qty="2")
    order(eng, "alice", "BUY", price="99.00", qty="1.5")
    order(eng, "bob", "SELL", price="100.50", qty="3")
    d = eng.depth(S, 10)
    assert d == {
        "lastUpdateId": 3,
        "bids": [["99.50000000", "2.00000000"], ["99.00000000", "1.50000000"]],
        "asks": [["100.50000000", "3.00000000"]],
    }
    assert bal(eng, "alice", "USDT") == (D("100000") - D("199") - D("148.5"), D("347.5"))
    assert bal(eng, "bob", "TEST") == (D("997"), D("3"))


def test_price_time_priority(eng: Engine) -> None:
    a = order(eng, "alice", "SELL", price="100", qty="1")
    b = order(eng, "bob", "SELL", price="100", qty="1")
    order(eng, "carol", "SELL", price="99.99", qty="0.5")  # better price, later
    r = order(eng, "alice", "BUY", "MARKET", qty="1.2", t=2000)
    assert [(f["price"], f["qty"]) for f in r["fills"]] == [
        ("99.99000000", "0.50000000"),
        ("100.00000000", "0.70000000"),
    ]
    qa = eng.query_order("alice", {"symbol": S, "orderId": a["orderId"]})
    qb = eng.query_order("bob", {"symbol": S, "orderId": b["orderId"]})
    assert (qa["status"], qa["executedQty"]) == ("PARTIALLY_FILLED", "0.70000000")
    assert (qb["status"], qb["executedQty"]) == ("NEW", "0.00000000")
    order(eng, "carol", "BUY", "MARKET", qty="0.5")
    qa = eng.query_order("alice", {"symbol": S, "orderId": a["orderId"]})
    qb = eng.query_order("bob", {"symbol": S, "orderId": b["orderId"]})
    assert qa["status"] == "FILLED"
    assert (qb["status"], qb["executedQty"]) == ("PARTIALLY_FILLED", "0.20000000")


def test_partial_fill_then_rest_at_limit(eng: Engine) -> None:
    order(eng, "bob", "SELL", price="100", qty="1")
    order(eng, "bob", "SELL", price="101", qty="1")
    r = order(eng, "alice", "BUY", price="100.5", qty="3")
    assert r["status"] == "PARTIALLY_FILLED"
    assert r["executedQty"] == "1.00000000"
    assert r["cummulativeQuoteQty"] == "100.00000000"
    d = eng.depth(S)
    assert d["bids"] == [["100.50000000", "2.00000000"]]
    assert d["asks"] == [["101.00000000", "1.00000000"]]
    # locked: 2 left at 100.5; the better-priced fill released its excess
    assert bal(eng, "alice", "USDT")[1] == D("201")


def test_ioc_and_fok(eng: Engine) -> None:
    order(eng, "bob", "SELL", price="100", qty="1")
    r = order(eng, "alice", "BUY", price="100", qty="3", timeInForce="IOC")
    assert (r["status"], r["executedQty"]) == ("EXPIRED", "1.00000000")
    assert eng.depth(S)["bids"] == []
    order(eng, "bob", "SELL", price="100", qty="1")
    uid = eng.depth(S)["lastUpdateId"]
    r = order(eng, "alice", "BUY", price="100", qty="2", timeInForce="FOK")
    assert (r["status"], r["executedQty"], r["fills"]) == ("EXPIRED", "0.00000000", [])
    assert eng.depth(S)["lastUpdateId"] == uid  # nothing changed
    r = order(eng, "alice", "BUY", price="100", qty="1", timeInForce="FOK")
    assert r["status"] == "FILLED"
    assert bal(eng, "alice", "USDT")[1] == 0


def test_limit_maker_rejected_when_it_would_take(eng: Engine) -> None:
    order(eng, "bob", "SELL", price="100", qty="1")
    before = (eng.depth(S), bal(eng, "alice", "USDT"))
    e = err(order, eng, "alice", "BUY", "LIMIT_MAKER", price="100", qty="1")
    assert (e.code, e.msg) == (-2010, "Order would immediately match and take.")
    assert (eng.depth(S), bal(eng, "alice", "USDT")) == before
    r = order(eng, "alice", "BUY", "LIMIT_MAKER", price="99.99", qty="1")
    assert "status" not in r  # types other than LIMIT/MARKET default to ACK
    assert eng.depth(S)["bids"] == [["99.99000000", "1.00000000"]]


def test_market_by_quote_order_qty(eng: Engine) -> None:
    order(eng, "bob", "SELL", price="100", qty="1")
    order(eng, "bob", "SELL", price="101", qty="5")
    r = order(eng, "alice", "BUY", "MARKET", qty=None, quoteOrderQty="301.5")
    assert r["status"] == "FILLED"
    # 1 @ 100 + 1.995 @ 101 = 301.495 (whole steps of 0.001 only)
    assert r["executedQty"] == "2.99500000" == r["origQty"]
    assert r["cummulativeQuoteQty"] == "301.49500000"
    assert r["origQuoteOrderQty"] == "301.50000000"
    assert bal(eng, "alice", "USDT") == (D("100000") - D("301.495"), D(0))
    order(eng, "carol", "BUY", price="99", qty="10")
    r = order(eng, "alice", "SELL", "MARKET", qty=None, quoteOrderQty="49.5")
    assert (r["executedQty"], r["cummulativeQuoteQty"]) == ("0.50000000", "49.50000000")


def test_market_order_on_thin_book_expires(eng: Engine) -> None:
    order(eng, "bob", "SELL", price="100", qty="1")
    r = order(eng, "alice", "BUY", "MARKET", qty="2")
    assert (r["status"], r["executedQty"]) == ("EXPIRED", "1.00000000")
    r = order(eng, "alice", "BUY", "MARKET", qty="2")
    assert (r["status"], r["executedQty"], r["fills"]) == ("EXPIRED", "0.00000000", [])


def test_fills_and_commissions(eng: Engine) -> None:
    eng.create_account("vip", {"USDT": "1000", "TEST": "10"}, maker_fee="0", taker_fee="0.002")
    order(eng, "bob", "SELL", price="100", qty="2")
    r = order(eng, "vip", "BUY", "MARKET", qty="2")
    assert r["fills"] == [
        {
            "price": "100.00000000",
            "qty": "2.00000000",
            "commission": "0.00400000",
            "commissionAsset": "TEST",
            "tradeId": 1,
        }
    ]
    assert bal(eng, "vip", "TEST") == (D("11.996"), D(0))
    assert bal(eng, "vip", "USDT") == (D("800"), D(0))
    assert bal(eng, "bob", "USDT") == (D("100000") + D("200") - D("0.2"), D(0))  # maker 0.1%
    assert bal(eng, "fee", "TEST") == (D("0.004"), D(0))
    assert bal(eng, "fee", "USDT") == (D("0.2"), D(0))
    (t,) = eng.my_trades("bob", {"symbol": S})
    assert t == {"symbol": S, "id": 1, "orderId": 1, "orderListId": -1, "price": "100.00000000",
                 "qty": "2.00000000", "quoteQty": "200.00000000", "commission": "0.20000000",
                 "commissionAsset": "USDT", "time": 1000, "isBuyer": False, "isMaker": True,
                 "isBestMatch": True}  # fmt: skip


def test_response_types(eng: Engine) -> None:
    order(eng, "bob", "SELL", price="100", qty="2")
    ack = order(eng, "alice", "BUY", "MARKET", qty="1", newOrderRespType="ACK")
    assert set(ack) == {"symbol", "orderId", "orderListId", "clientOrderId", "transactTime"}
    res = order(eng, "alice", "BUY", "MARKET", qty="1", newOrderRespType="RESULT")
    assert "fills" not in res and res["status"] == "FILLED" and res["type"] == "MARKET"
    full = order(eng, "alice", "BUY", price="90", qty="1", newClientOrderId="my-id_1")
    assert full["fills"] == [] and full["clientOrderId"] == "my-id_1"
    assert list(full)[:5] == ["symbol", "orderId", "orderListId", "clientOrderId", "transactTime"]
    assert eng.test_order("alice", {"symbol": S, "side": "BUY", "type": "MARKET",
                                    "quantity": "1"}) == {}  # fmt: skip


# --- stops and OCO ----------------------------------------------------------------------------


def _trade_at(eng: Engine, price: str, t: int = 1000) -> None:
    order(eng, "carol", "SELL", price=price, qty="0.1", t=t)
    order(eng, "carol", "BUY", price=price, qty="0.1", t=t)


def test_stop_loss_triggers_on_last_price(eng: Engine) -> None:
    _trade_at(eng, "100")
    events: list[dict[str, Any]] = []
    eng.subscribe_user("alice", events.append)
    order(eng, "bob", "BUY", price="98", qty="5")
    r = order(eng, "alice", "SELL", "STOP_LOSS", qty="1", stopPrice="99")
    assert r == {"symbol": S, "orderId": r["orderId"], "orderListId": -1,
                 "clientOrderId": r["clientOrderId"], "transactTime": 1000}  # fmt: skip
    q = eng.query_order("alice", {"symbol": S, "orderId": r["orderId"]})
    assert (q["status"], q["isWorking"], q["stopPrice"]) == ("NEW", False, "99.00000000")
    assert eng.depth(S)["asks"] == []  # a pending stop is not on the book
    _trade_at(eng, "99", t=2000)  # last price crosses the stop
    q = eng.query_order("alice", {"symbol": S, "orderId": r["orderId"]})
    assert (q["status"], q["executedQty"], q["isWorking"]) == ("FILLED", "1.00000000", True)
    reports = [(e["x"], e["X"], e["w"]) for e in events if e["e"] == "executionReport"]
    assert reports == [("NEW", "NEW", False), ("NEW", "NEW", False), ("TRADE", "FILLED", False)]
    assert eng.my_trades("alice", {"symbol": S})[0]["price"] == "98.00000000"


def test_take_profit_limit_and_would_trigger(eng: Engine) -> None:
    _trade_at(eng, "100")
    e = err(order, eng, "alice", "SELL", "TAKE_PROFIT_LIMIT", qty="1", price="99",
            stopPrice="100")  # fmt: skip
    assert (e.code, e.msg) == (-2010, "Order would trigger immediately.")
    r = order(eng, "alice", "SELL", "TAKE_PROFIT_LIMIT", qty="1", price="101", stopPrice="101")
    order(eng, "bob", "BUY", price="101.5", qty="0.4")
    _trade_at(eng, "101.5")  # carol's sell hits bob's bid first: last = 101.5 -> triggers
    # triggered at 101.5: sells 0.3 into bob's bid, rests 0.7 at 101, carol's buy takes 0.1
    q = eng.query_order("alice", {"symbol": S, "orderId": r["orderId"]})
    assert (q["status"], q["executedQty"], q["isWorking"]) == ("PARTIALLY_FILLED", "0.40000000",
                                                               True)  # fmt: skip
    assert eng.true_book(S).asks == [(D("101"), D("0.6"))]


def test_oco_limit_fill_expires_stop_leg(eng: Engine) -> None:
    _trade_at(eng, "100")
    events: list[dict[str, Any]] = []
    eng.subscribe_user("alice", events.append)
    oco = {"symbol": S, "side": "SELL", "quantity": "2", "price": "102", "stopPrice": "98",
           "stopLimitPrice": "97.5", "stopLimitTimeInForce": "GTC",
           "listClientOrderId": "L1"}  # fmt: skip
    r = eng.new_oco("alice", oco, 1000)
    assert r["contingencyType"] == "OCO" and r["listClientOrderId"] == "L1"
    assert (r["listStatusType"], r["listOrderStatus"]) == ("EXEC_STARTED", "EXECUTING")
    stop_id, lim_id = (o["orderId"] for o in r["orders"])
    assert [x["type"] for x in r["orderReports"]] == ["STOP_LOSS_LIMIT", "LIMIT_MAKER"]
    assert bal(eng, "alice", "TEST") == (D("998"), D("2"))  # one lock for both legs
    assert eng.depth(S)["asks"] == [["102.00000000", "2.00000000"]]
    order(eng, "bob", "BUY", "MARKET", qty="0.5", t=2000)
    st = eng.query_order("alice", {"symbol": S, "orderId": stop_id})
    lim = eng.query_order("alice", {"symbol": S, "orderId": lim_id})
    assert st["status"] == "EXPIRED" and lim["status"] == "PARTIALLY_FILLED"
    lists = [e for e in events if e["e"] == "listStatus"]
    assert [(x["l"], x["L"]) for x in lists] == [("EXEC_STARTED", "EXECUTING"),
                                                 ("ALL_DONE", "ALL_DONE")]  # fmt: skip
    assert set(lists[0]) == {"e", "E", "s", "g", "c", "l", "L", "r", "C", "T", "O"}
    assert eng.open_order_lists("alice") == []
    assert bal(eng, "alice", "TEST") == (D("998"), D("1.5"))


def test_oco_stop_trigger_expires_limit_leg(eng: Engine) -> None:
    _trade_at(eng, "100")
    r = eng.new_oco("alice", {"symbol": S, "side": "SELL", "quantity": "1", "price": "105",
                              "stopPrice": "99"}, 1000)  # fmt: skip
    stop_id, lim_id = (o["orderId"] for o in r["orders"])
    order(eng, "bob", "BUY", price="98", qty="3")
    _trade_at(eng, "99")
    assert eng.query_order("alice", {"symbol": S, "orderId": lim_id})["status"] == "EXPIRED"
    st = eng.query_order("alice", {"symbol": S, "orderId": stop_id})
    assert (st["status"], st["type"]) == ("FILLED", "STOP_LOSS")
    assert eng.depth(S)["asks"] == []
    assert bal(eng, "alice", "TEST") == (D("999"), D(0))


def test_oco_cancel_leg_cancels_list_and_price_rules(eng: Engine) -> None:
    _trade_at(eng, "100")
    e = err(eng.new_oco, "alice", {"symbol": S, "side": "SELL", "quantity": "1", "price": "99",
                                   "stopPrice": "98"}, 1000)  # fmt: skip
    assert (e.code, e.msg) == (
        -2010,
        "The relationship of the prices for the orders is not correct.",
    )
    r = eng.new_oco("alice", {"symbol": S, "side": "BUY", "quantity": "1", "price": "99",
                              "stopPrice": "101"}, 1000)  # fmt: skip
    assert bal(eng, "alice", "USDT")[1] == D("101")  # max of both legs' cost
    c = eng.cancel_order("alice", {"symbol": S, "orderId": r["orders"][0]["orderId"]}, 1000)
    assert c["orderListId"] == r["orderListId"] and c["listStatusType"] == "ALL_DONE"
    assert [x["status"] for x in c["orderReports"]] == ["CANCELED", "CANCELED"]
    assert bal(eng, "alice", "USDT")[1] == 0
    assert (
        eng.query_order_list("alice", {"orderListId": r["orderListId"]})["listOrderStatus"]
        == "ALL_DONE"
    )


# --- cancels, queries, cancelReplace ----------------------------------------------------------


def test_cancel_by_id_and_client_id(eng: Engine) -> None:
    a = order(eng, "alice", "BUY", price="90", qty="1", newClientOrderId="abc")
    b = order(eng, "alice", "BUY", price="91", qty="1")
    c = eng.cancel_order("alice", {"symbol": S, "origClientOrderId": "abc",
                                   "newClientOrderId": "cxl1"}, 2000)  # fmt: skip
    assert (c["orderId"], c["origClientOrderId"], c["clientOrderId"], c["status"]) == (
        a["orderId"],
        "abc",
        "cxl1",
        "CANCELED",
    )
    c = eng.cancel_order("alice", {"symbol": S, "orderId": b["orderId"]}, 2000)
    assert c["status"] == "CANCELED" and c["transactTime"] == 2000
    assert bal(eng, "alice", "USDT") == (D("100000"), D(0))
    e = err(eng.cancel_order, "alice", {"symbol": S, "orderId": b["orderId"]})
    assert (e.code, e.msg) == (-2011, "Unknown order sent.")
    e = err(eng.cancel_order, "alice", {"symbol": S, "orderId": 999})
    assert (e.code, e.msg) == (-2011, "Unknown order sent.")
    e = err(eng.query_order, "alice", {"symbol": S, "orderId": 999})
    assert (e.code, e.msg) == (-2013, "Order does not exist.")
    e = err(eng.cancel_order, "alice", {"symbol": S})
    assert e.code == -1102
    e = err(eng.cancel_order, "bob", {"symbol": S, "orderId": a["orderId"]})  # not bob's
    assert e.code == -2011
    assert (
        eng.query_order("alice", {"symbol": S, "origClientOrderId": "abc"})["status"] == "CANCELED"
    )


def test_cancel_open_orders_and_queries(eng: Engine) -> None:
    order(eng, "alice", "BUY", price="90", qty="1")
    order(eng, "alice", "SELL", price="110", qty="1")
    eng.new_oco("alice", {"symbol": S, "side": "SELL", "quantity": "1", "price": "120",
                          "stopPrice": "80"}, 1000)  # fmt: skip
    assert len(eng.open_orders("alice", {"symbol": S})) == 4
    assert len(eng.open_orders("alice")) == 4
    out = eng.cancel_open_orders("alice", {"symbol": S}, 2000)
    assert [x.get("contingencyType", x.get("status")) for x in out] == [
        "CANCELED",
        "CANCELED",
        "OCO",
    ]
    assert eng.open_orders("alice", {"symbol": S}) == []
    assert [o["status"] for o in eng.all_orders("alice", {"symbol": S})] == ["CANCELED"] * 4
    assert err(eng.cancel_open_orders, "alice", {"symbol": S}).code == -2011
    assert bal(eng, "alice", "USDT") == (D("100000"), D(0))
    assert bal(eng, "alice", "TEST") == (D("1000"), D(0))


def test_cancel_replace(eng: Engine) -> None:
    a = order(eng, "alice", "BUY", price="90", qty="1")
    new = {"symbol": S, "side": "BUY", "type": "LIMIT", "timeInForce": "GTC", "quantity": "2",
           "price": "91"}  # fmt: skip
    r = eng.cancel_replace("alice", {**new, "cancelReplaceMode": "STOP_ON_FAILURE",
                                     "cancelOrderId": a["orderId"]}, 2000)  # fmt: skip
    assert (r["cancelResult"], r["newOrderResult"]) == ("SUCCESS", "SUCCESS")
    assert r["cancelResponse"]["status"] == "CANCELED"
    assert r["newOrderResponse"]["price"] == "91.00000000"
    e = err(eng.cancel_replace, "alice", {**new, "cancelReplaceMode": "STOP_ON_FAILURE",
                                          "cancelOrderId": 999})  # fmt: skip
    assert (e.code, e.msg, e.http_status) == (-2022, "Order cancel-replace failed.", 400)
    assert e.data == {"cancelResult": "FAILURE", "newOrderResult": "NOT_ATTEMPTED",
                      "cancelResponse": {"code": -2011, "msg": "Unknown order sent."},
                      "newOrderResponse": None}  # fmt: skip
    e = err(eng.cancel_replace, "alice", {**new, "cancelReplaceMode": "ALLOW_FAILURE",
                                          "cancelOrderId": 999})  # fmt: skip
    assert (e.code, e.http_status) == (-2021, 409)
    assert e.data is not None and e.data["newOrderResult"] == "SUCCESS"
    order(eng, "bob", "SELL", price="95", qty="1")
    cur = eng.open_orders("alice", {"symbol": S})[0]["orderId"]
    maker = {**new, "type": "LIMIT_MAKER", "price": "96"}
    del maker["timeInForce"]
    e = err(eng.cancel_replace, "alice", {**maker, "cancelReplaceMode": "STOP_ON_FAILURE",
                                          "cancelOrderId": cur})  # fmt: skip
    assert (e.code, e.http_status) == (-2021, 409)
    assert e.data is not None and e.data["cancelResult"] == "SUCCESS"
    assert e.data["newOrderResponse"] == {
        "code": -2010,
        "msg": "Order would immediately match and take.",
    }
    e = err(eng.cancel_replace, "alice", {**maker, "cancelReplaceMode": "ALLOW_FAILURE",
                                          "cancelOrderId": cur})  # fmt: skip
    assert (e.code, e.http_status) == (-2022, 400)
    assert e.data is not None and (e.data["cancelResult"], e.data["newOrderResult"]) == (
        "FAILURE",
        "FAILURE",
    )


def test_duplicate_client_order_id(eng: Engine) -> None:
    order(eng, "alice", "BUY", price="90", qty="1", newClientOrderId="dup")
    e = err(order, eng, "alice", "BUY", price="91", qty="1", newClientOrderId="dup")
    assert (e.code, e.msg) == (-2010, "Duplicate order sent.")
    order(eng, "bob", "BUY", price="91", qty="1", newClientOrderId="dup")  # other account: fine
    order(eng, "carol", "SELL", "MARKET", qty="1")  # fills bob; alice's still open
    order(eng, "carol", "SELL", "MARKET", qty="1")  # fills alice's "dup"
    order(eng, "alice", "BUY", price="80", qty="1", newClientOrderId="dup")  # reusable now
    e = err(order, eng, "alice", "BUY", price="80", qty="1", newClientOrderId="bad id!")
    assert (e.code, e.msg) == (-1100, "Illegal characters found in parameter 'newClientOrderId'; "
                                      "legal range is '^[a-zA-Z0-9-_]{1,36}$'.")  # fmt: skip
    assert err(order, eng, "alice", "BUY", price="80", newClientOrderId="x" * 37).code == -1100


# --- filters and parameter errors -------------------------------------------------------------


@pytest.mark.parametrize(
    ("kw", "name"),
    [
        ({"price": "100.015"}, "PRICE_FILTER"),
        ({"price": "0.001"}, "PRICE_FILTER"),
        ({"price": "200000"}, "PRICE_FILTER"),
        ({"price": "501"}, "PERCENT_PRICE"),
        ({"price": "19"}, "PERCENT_PRICE"),
        ({"qty": "1.0005"}, "LOT_SIZE"),
        ({"qty": "0.0009"}, "LOT_SIZE"),
        ({"qty": "1001"}, "LOT_SIZE"),
        ({"qty": "0.01"}, "NOTIONAL"),
        ({"qty": "999", "price": "101"}, "NOTIONAL"),
        ({"type_": "MARKET", "qty": "101", "price": None, "side": "SELL"}, "MARKET_LOT_SIZE"),
        ({"type_": "MARKET", "qty": "0.01", "price": None}, "NOTIONAL"),
    ],
)
def test_filter_failures(eng: Engine, kw: dict[str, Any], name: str | None) -> None:
    _trade_at(eng, "100")  # PERCENT_PRICE needs an average price: 100
    args: dict[str, Any] = {"side": "BUY", "type_": "LIMIT", "qty": "1", "price": "100"}
    args.update(kw)
    if name is None:
        assert err(order, eng, "alice", **args).code == -1013
        return
    e = err(order, eng, "alice", **args)
    assert (e.code, e.msg) == (-1013, f"Filter failure: {name}")


def test_count_and_position_filters(eng: Engine) -> None:
    for i in range(10):
        order(eng, "alice", "BUY", price=str(80 + i), qty="1")
    e = err(order, eng, "alice", "BUY", price="70", qty="1")
    assert e.msg == "Filter failure: MAX_NUM_ORDERS"
    _trade_at(eng, "100")
    order(eng, "bob", "SELL", "STOP_LOSS", qty="1", stopPrice="90")
    order(eng, "bob", "SELL", "STOP_LOSS", qty="1", stopPrice="89")
    e = err(order, eng, "bob", "SELL", "STOP_LOSS", qty="1", stopPrice="88")
    assert e.msg == "Filter failure: MAX_NUM_ALGO_ORDERS"
    # MIN_NOTIONAL (pre-2023 filter) and MAX_POSITION on OLDBTC
    e = err(order, eng, "alice", "BUY", price="0.000001", qty="1", symbol="OLDBTC")
    assert e.msg == "Filter failure: MIN_NOTIONAL"
    e = err(order, eng, "alice", "BUY", price="0.001", qty="40.1", symbol="OLDBTC")
    assert e.msg == "Filter failure: MAX_POSITION"  # 10 held + 40.1 > 50
    order(eng, "alice", "BUY", price="0.001", qty="40", symbol="OLDBTC")


@pytest.mark.parametrize(
    ("params", "code", "msg"),
    [
        ({"side": "BUY", "type": "LIMIT"}, -1102,
         "Mandatory parameter 'symbol' was not sent, was empty/null, or malformed."),
        ({"symbol": "NOPE", "side": "BUY", "type": "LIMIT"}, -1121, "Invalid symbol."),
        ({"symbol": S, "side": "HOLD", "type": "LIMIT"}, -1117, "Invalid side."),
        ({"symbol": S, "side": "BUY", "type": "ICEBERG"}, -1116, "Invalid orderType."),
        ({"symbol": S, "side": "BUY", "type": "LIMIT", "timeInForce": "GTX"}, -1115,
         "Invalid timeInForce."),
        ({"symbol": S, "side": "BUY", "type": "LIMIT", "quantity": "1", "price": "1"}, -1102,
         "Mandatory parameter 'timeInForce' was not sent, was empty/null, or malformed."),
        ({"symbol": S, "side": "BUY", "type": "MARKET", "quantity": "1", "timeInForce": "GTC"},
         -1106, "Parameter 'timeInForce' sent when not required."),
        ({"symbol": S, "side": "BUY", "type": "MARKET", "quantity": "1", "price": "1"}, -1106,
         "Parameter 'price' sent when not required."),
        ({"symbol": S, "side": "BUY", "type": "MARKET"}, -1102,
         "Param 'quantity' or 'quoteOrderQty' must be sent, but both were empty/null!"),
        ({"symbol": S, "side": "BUY", "type": "LIMIT_MAKER", "quantity": "1"}, -1102,
         "Mandatory parameter 'price' was not sent, was empty/null, or malformed."),
        ({"symbol": S, "side": "BUY", "type": "MARKET", "quantity": "-1"}, -1100,
         "Illegal characters found in parameter 'quantity'; legal range is "
         "'^([0-9]{1,20})(\\.[0-9]{1,20})?$'."),
        ({"symbol": S, "side": "BUY", "type": "MARKET", "quantity": "1.000000001"}, -1111,
         "Parameter 'quantity' has too much precision."),
        ({"symbol": S, "side": "BUY", "type": "LIMIT", "quantity": "1", "price": "1",
          "timeInForce": "GTC", "stopPrice": "2"}, -1106,
         "Parameter 'stopPrice' sent when not required."),
        ({"symbol": S, "side": "BUY", "type": "MARKET", "quantity": "1",
          "newOrderRespType": "ALL"}, -1130,
         "Data sent for parameter 'newOrderRespType' is not valid."),
        ({"symbol": S, "side": "BUY", "type": "MARKET", "quantity": "1", "strategyType": "5"},
         -1134, "strategyType was less than 1000000."),
        ({"symbol": "HALTUSDT", "side": "BUY", "type": "MARKET", "quantity": "1"}, -2010,
         "Market is closed."),
    ],
)  # fmt: skip
def test_parameter_errors(eng: Engine, params: dict[str, Any], code: int, msg: str) -> None:
    e = err(eng.new_order, "alice", params, 1000)
    assert (e.code, e.msg, e.http_status) == (code, msg, 400)
    assert e.to_json() == {"code": code, "msg": msg}


def test_insufficient_balance_changes_nothing(eng: Engine) -> None:
    eng.create_account("poor", {"USDT": "50", "TEST": "0.5"})
    order(eng, "bob", "SELL", price="100", qty="5")
    before = (eng.balances("poor"), eng.depth(S))
    for args in (("BUY", "LIMIT", "1", "99"), ("SELL", "LIMIT", "1", "101"),
                 ("BUY", "MARKET", "1", None)):  # fmt: skip
        e = err(order, eng, "poor", args[0], args[1], qty=args[2], price=args[3])
        assert (e.code, e.msg) == (-2010, "Account has insufficient balance for requested action.")
    assert (eng.balances("poor"), eng.depth(S)) == before


# --- user data events -------------------------------------------------------------------------

# facts doc section 5: e E s c S o f q p P F g C x X r i l z L n N T t I w m M O Z Y Q W V
EXEC_FIELDS = [
    "e",
    "E",
    "s",
    "c",
    "S",
    "o",
    "f",
    "q",
    "p",
    "P",
    "F",
    "g",
    "C",
    "x",
    "X",
    "r",
    "i",
    "l",
    "z",
    "L",
    "n",
    "N",
    "T",
    "t",
    "I",
    "w",
    "m",
    "M",
    "O",
    "Z",
    "Y",
    "Q",
    "W",
    "V",
]


def test_user_events(eng: Engine) -> None:
    events: list[dict[str, Any]] = []
    unsubscribe = eng.subscribe_user("alice", events.append)
    eng.deposit("alice", "USDT", "10", 500)
    assert events[0] == {"e": "balanceUpdate", "E": 500, "a": "USDT", "d": "10.00000000",
                          "T": 500}  # fmt: skip
    assert events[1]["e"] == "outboundAccountPosition" and events[1]["u"] == 500
    a = order(eng, "alice", "SELL", price="100", qty="2", newClientOrderId="s1")
    order(eng, "bob", "BUY", "MARKET", qty="0.5", t=2000)
    eng.cancel_order(
        "alice", {"symbol": S, "orderId": a["orderId"], "newClientOrderId": "c1"}, 3000
    )
    reports = [e for e in events if e["e"] == "executionReport"]
    assert [list(r) for r in reports] == [EXEC_FIELDS] * 3
    new, trade, cancel = reports
    assert (new["x"], new["X"], new["c"], new["w"], new["N"]) == ("NEW", "NEW", "s1", True, None)
    assert (trade["x"], trade["X"], trade["l"], trade["L"], trade["m"], trade["t"]) == (
        "TRADE",
        "PARTIALLY_FILLED",
        "0.50000000",
        "100.00000000",
        True,
        1,
    )
    assert (trade["n"], trade["N"], trade["Y"], trade["Z"]) == (
        "0.05000000",
        "USDT",
        "50.00000000",
        "50.00000000",
    )
    assert (cancel["x"], cancel["X"], cancel["c"], cancel["C"], cancel["w"]) == (
        "CANCELED",
        "CANCELED",
        "c1",
        "s1",
        False,
    )
    pos = [e for e in events if e["e"] == "outboundAccountPosition"]
    assert pos[-1]["B"] == [{"a": "TEST", "f": "999.50000000", "l": "0.00000000"}]
    assert all(set(p) == {"e", "E", "u", "B"} for p in pos)
    unsubscribe()
    n = len(events)
    order(eng, "alice", "BUY", price="90", qty="1")
    assert len(events) == n


def test_account_info(eng: Engine) -> None:
    info = eng.account_info("alice", 1000)
    assert (info["makerCommission"], info["takerCommission"]) == (10, 10)
    assert info["commissionRates"]["maker"] == "0.00100000"
    assert {"asset": "USDT", "free": "100000.00000000", "locked": "0.00000000"} in info["balances"]
    assert info["accountType"] == "SPOT" and info["canTrade"] is True


def test_aggregate_trades_group_one_taker_at_one_price(eng: Engine) -> None:
    order(eng, "alice", "SELL", price="100", qty="1")
    order(eng, "bob", "SELL", price="100", qty="1")
    order(eng, "bob", "SELL", price="101", qty="1")
    order(eng, "carol", "BUY", "MARKET", qty="3", t=5000)
    assert [(t["id"], t["price"]) for t in eng.recent_trades(S)] == [
        (1, "100.00000000"),
        (2, "100.00000000"),
        (3, "101.00000000"),
    ]
    assert eng.agg_trades(S) == [
        {"a": 1, "p": "100.00000000", "q": "2.00000000", "f": 1, "l": 2, "T": 5000, "m": False,
         "M": True},
        {"a": 2, "p": "101.00000000", "q": "1.00000000", "f": 3, "l": 3, "T": 5000, "m": False,
         "M": True},
    ]  # fmt: skip


def test_cancelled_stops_do_not_accumulate() -> None:
    spec = SymbolSpec(symbol="STOPUSDT", base_asset="STOP", quote_asset="USDT",
                      tick_size=D("0.01"), step_size=D("0.01"), max_num_algo_orders=0,
                      max_num_orders=0, start_price=D("100"))  # fmt: skip
    e = Engine([spec], demo_account=None)
    e.create_account("x", {"STOP": "10000", "USDT": "10000"})
    e.new_order("x", {"symbol": "STOPUSDT", "side": "SELL", "type": "LIMIT", "timeInForce": "GTC",
                      "price": "100", "quantity": "1"}, 1)  # fmt: skip
    e.new_order("x", {"symbol": "STOPUSDT", "side": "BUY", "type": "MARKET", "quantity": "1"}, 1)
    for i in range(3000):
        r = e.new_order("x", {"symbol": "STOPUSDT", "side": "SELL", "type": "STOP_LOSS",
                              "quantity": "1", "stopPrice": "50"}, 2 + i)  # fmt: skip
        e.cancel_order("x", {"symbol": "STOPUSDT", "orderId": r["orderId"]}, 2 + i)
    assert len(e.market("STOPUSDT").stops_down) <= 1100
    assert e.balances("x")["STOP"].locked == 0
