"""Orders, order lists (OCO) and their Binance JSON shapes.

An `Order` is a mutable slotted record (integer units, see `_num`); the functions below render it
as the exact dicts Binance returns: new-order ACK / RESULT / FULL, query rows, cancel reports,
order-list bodies, and the user stream's ``executionReport`` / ``listStatus`` events.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .book import BUY

if TYPE_CHECKING:
    from .accounts import Account
    from .matching import Market

__all__ = [
    "ALGO_TYPES",
    "LIMIT_TYPES",
    "SIDES",
    "STATUS_CLOSED",
    "Fill",
    "Order",
    "OrderList",
    "cancel_report",
    "execution_report",
    "list_json",
    "list_status_event",
    "new_order_response",
    "query_json",
]

SIDES = ("BUY", "SELL")
#: Types with a limit price.
LIMIT_TYPES = frozenset({"LIMIT", "LIMIT_MAKER", "STOP_LOSS_LIMIT", "TAKE_PROFIT_LIMIT"})
#: "Algo" (conditional) types, counted by MAX_NUM_ALGO_ORDERS.
ALGO_TYPES = frozenset({"STOP_LOSS", "STOP_LOSS_LIMIT", "TAKE_PROFIT", "TAKE_PROFIT_LIMIT"})
STATUS_CLOSED = frozenset({"FILLED", "CANCELED", "REJECTED", "EXPIRED"})

#: One fill of a taker order: (price, qty, commission, commissionAsset, tradeId).
Fill = tuple[int, int, int, str, int]


class Order:
    """One order's full state (units). ``working_time`` is -1 until the order works."""

    __slots__ = (
        "account",
        "cid",
        "cum_quote",
        "executed",
        "list",
        "locked",
        "mk",
        "on_book",
        "order_id",
        "price",
        "qty",
        "quote_qty",
        "side",
        "status",
        "stop_price",
        "strategy_id",
        "strategy_type",
        "tif",
        "time",
        "type",
        "update_time",
        "working_time",
    )

    def __init__(
        self,
        mk: Market,
        account: Account,
        order_id: int,
        cid: str,
        side: int,
        type_: str,
        tif: str,
        price: int,
        qty: int,
        now_ms: int,
        *,
        quote_qty: int = 0,
        stop_price: int = 0,
    ) -> None:
        self.mk = mk
        self.account = account
        self.order_id = order_id
        self.cid = cid
        self.side = side
        self.type = type_
        self.tif = tif
        self.price = price
        self.qty = qty
        self.quote_qty = quote_qty
        self.stop_price = stop_price
        self.executed = 0
        self.cum_quote = 0
        self.status = "NEW"
        self.time = now_ms
        self.update_time = now_ms
        self.working_time = -1
        self.list: OrderList | None = None
        self.locked = 0
        self.on_book = False
        self.strategy_id: int | None = None
        self.strategy_type: int | None = None

    @property
    def remaining(self) -> int:
        """Quantity not yet executed (units)."""
        return self.qty - self.executed

    @property
    def is_open(self) -> bool:
        """Whether the status is ``NEW`` or ``PARTIALLY_FILLED``."""
        return self.status == "NEW" or self.status == "PARTIALLY_FILLED"

    @property
    def list_id(self) -> int:
        """``orderListId``: the OCO's id, -1 when the order is in no list."""
        return -1 if self.list is None else self.list.list_id

    def __repr__(self) -> str:
        return (
            f"Order({self.mk.symbol} #{self.order_id} {SIDES[self.side]} {self.type} "
            f"{self.status} px={self.price} qty={self.executed}/{self.qty})"
        )


class OrderList:
    """An OCO: ``orders`` is ``[stop_leg, limit_maker_leg]`` (Binance's order)."""

    __slots__ = ("account", "cid", "list_id", "list_order_status", "list_status_type", "mk",
                 "orders", "time")  # fmt: skip

    def __init__(self, mk: Market, account: Account, list_id: int, cid: str, now_ms: int) -> None:
        self.mk = mk
        self.account = account
        self.list_id = list_id
        self.cid = cid
        self.time = now_ms
        self.orders: list[Order] = []
        self.list_status_type = "EXEC_STARTED"
        self.list_order_status = "EXECUTING"

    @property
    def is_open(self) -> bool:
        """Whether the list is not ``ALL_DONE``."""
        return self.list_order_status != "ALL_DONE"


# --- JSON shapes ----------------------------------------------------------------------------


def _state(o: Order, d: dict[str, Any], *, with_quote_qty: bool = False) -> dict[str, Any]:
    """The fields every order body shares, in Binance's order."""
    mk = o.mk
    d["price"] = mk.fp(o.price)
    d["origQty"] = mk.fq(o.qty)
    d["executedQty"] = mk.fq(o.executed)
    if with_quote_qty:
        d["origQuoteOrderQty"] = mk.fquote(o.quote_qty)
    d["cummulativeQuoteQty"] = mk.fquote(o.cum_quote)
    d["status"] = o.status
    d["timeInForce"] = o.tif
    d["type"] = o.type
    d["side"] = SIDES[o.side]
    return d


def new_order_response(
    o: Order, resp_type: str, transact_time: int, fills: list[Fill] | None
) -> dict[str, Any]:
    """``POST /api/v3/order`` body for ``newOrderRespType`` ACK, RESULT or FULL."""
    mk = o.mk
    d: dict[str, Any] = {
        "symbol": mk.symbol,
        "orderId": o.order_id,
        "orderListId": o.list_id,
        "clientOrderId": o.cid,
        "transactTime": transact_time,
    }
    if resp_type == "ACK":
        return d
    _state(o, d, with_quote_qty=True)
    if o.stop_price:
        d["stopPrice"] = mk.fp(o.stop_price)
    _strategy(o, d)
    d["workingTime"] = o.working_time
    if resp_type == "FULL":
        qa = mk.fq
        fp = mk.fp
        d["fills"] = [
            {
                "price": fp(p),
                "qty": qa(q),
                "commission": mk.fcomm(c),
                "commissionAsset": a,
                "tradeId": t,
            }
            for p, q, c, a, t in (fills or ())
        ]
    d["selfTradePreventionMode"] = "NONE"
    return d


def _strategy(o: Order, d: dict[str, Any]) -> None:
    if o.strategy_id is not None:
        d["strategyId"] = o.strategy_id
    if o.strategy_type is not None:
        d["strategyType"] = o.strategy_type


def query_json(o: Order) -> dict[str, Any]:
    """``GET /api/v3/order`` row (also openOrders / allOrders)."""
    mk = o.mk
    d: dict[str, Any] = {
        "symbol": mk.symbol,
        "orderId": o.order_id,
        "orderListId": o.list_id,
        "clientOrderId": o.cid,
    }
    _state(o, d)
    d["stopPrice"] = mk.fp(o.stop_price)
    d["icebergQty"] = mk.fq(0)
    d["time"] = o.time
    d["updateTime"] = o.update_time
    d["isWorking"] = o.working_time >= 0
    d["workingTime"] = o.working_time
    d["origQuoteOrderQty"] = mk.fquote(o.quote_qty)
    _strategy(o, d)
    d["selfTradePreventionMode"] = "NONE"
    return d


def cancel_report(o: Order, cancel_cid: str, transact_time: int) -> dict[str, Any]:
    """``DELETE /api/v3/order`` body (also cancel-all rows and OCO ``orderReports``)."""
    mk = o.mk
    d: dict[str, Any] = {
        "symbol": mk.symbol,
        "origClientOrderId": o.cid,
        "orderId": o.order_id,
        "orderListId": o.list_id,
        "clientOrderId": cancel_cid,
        "transactTime": transact_time,
    }
    _state(o, d)
    if o.stop_price:
        d["stopPrice"] = mk.fp(o.stop_price)
    _strategy(o, d)
    d["selfTradePreventionMode"] = "NONE"
    return d


def list_json(
    ol: OrderList, transaction_time: int, reports: list[dict[str, Any]] | None
) -> dict[str, Any]:
    """An order list body; ``reports`` (None = omitted, as in list queries)."""
    sym = ol.mk.symbol
    d: dict[str, Any] = {
        "orderListId": ol.list_id,
        "contingencyType": "OCO",
        "listStatusType": ol.list_status_type,
        "listOrderStatus": ol.list_order_status,
        "listClientOrderId": ol.cid,
        "transactionTime": transaction_time,
        "symbol": sym,
        "orders": [
            {"symbol": sym, "orderId": o.order_id, "clientOrderId": o.cid} for o in ol.orders
        ],
    }
    if reports is not None:
        d["orderReports"] = reports
    return d


def list_status_event(ol: OrderList, event_time: int, transaction_time: int) -> dict[str, Any]:
    """The user stream's ``listStatus`` event."""
    sym = ol.mk.symbol
    return {
        "e": "listStatus",
        "E": event_time,
        "s": sym,
        "g": ol.list_id,
        "c": "OCO",
        "l": ol.list_status_type,
        "L": ol.list_order_status,
        "r": "NONE",
        "C": ol.cid,
        "T": transaction_time,
        "O": [{"s": sym, "i": o.order_id, "c": o.cid} for o in ol.orders],
    }


def execution_report(
    o: Order,
    event_time: int,
    exec_type: str,
    *,
    cid: str | None = None,
    orig_cid: str = "",
    last_qty: int = 0,
    last_price: int = 0,
    last_quote: int = 0,
    commission: int = 0,
    commission_asset: str | None = None,
    trade_id: int = -1,
    is_maker: bool = False,
    reject_reason: str = "NONE",
    event_seq: int = 0,
    working: bool | None = None,
) -> dict[str, Any]:
    """The user stream's ``executionReport`` with every field of Binance's payload."""
    mk = o.mk
    fp = mk.fp
    fq = mk.fq
    fquote = mk.fquote
    d: dict[str, Any] = {
        "e": "executionReport",
        "E": event_time,
        "s": mk.symbol,
        "c": o.cid if cid is None else cid,
        "S": "BUY" if o.side == BUY else "SELL",
        "o": o.type,
        "f": o.tif,
        "q": fq(o.qty),
        "p": fp(o.price),
        "P": fp(o.stop_price),
        "F": fq(0),
        "g": o.list_id,
        "C": orig_cid,
        "x": exec_type,
        "X": o.status,
        "r": reject_reason,
        "i": o.order_id,
        "l": fq(last_qty),
        "z": fq(o.executed),
        "L": fp(last_price),
        "n": mk.fcomm(commission) if commission_asset is not None else "0",
        "N": commission_asset,
        "T": o.update_time,
        "t": trade_id,
        "I": event_seq,
        "w": (o.on_book and o.status != "FILLED") if working is None else working,
        "m": is_maker,
        "M": trade_id >= 0,
        "O": o.time,
        "Z": fquote(o.cum_quote),
        "Y": fquote(last_quote),
        "Q": fquote(o.quote_qty),
    }
    if o.strategy_id is not None:
        d["j"] = o.strategy_id
    if o.strategy_type is not None:
        d["J"] = o.strategy_type
    if o.working_time >= 0:
        d["W"] = o.working_time
    d["V"] = "NONE"
    return d
