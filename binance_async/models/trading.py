"""Order responses: new order (ACK / RESULT / FULL), query, cancel, order lists (OCO).

Attribute names follow the wire exactly, typo included: ``cummulativeQuoteQty`` is
``cummulative_quote_qty``. Fields that only some API versions or order kinds return
(``workingTime``, ``selfTradePreventionMode``, strategy, trailing, peg and SOR fields...) default
to None.
"""

from __future__ import annotations

from decimal import Decimal

import msgspec

from ._base import BinanceStruct

__all__ = [
    "CancelledOrder",
    "Fill",
    "NewOrderResponse",
    "OcoOrder",
    "Order",
    "OrderAck",
    "OrderFull",
    "OrderList",
    "OrderListOrder",
    "OrderReport",
    "OrderResult",
    "decode_cancel_open_orders",
    "decode_order_response",
]


class _OrderBase(BinanceStruct, frozen=True, kw_only=True):
    """Identity of an order."""

    symbol: str
    order_id: int
    order_list_id: int = -1
    client_order_id: str


class OrderAck(_OrderBase, frozen=True, kw_only=True):
    """``POST /api/v3/order`` with ``newOrderRespType=ACK``."""

    transact_time: int


class _OrderState(_OrderBase, frozen=True, kw_only=True):
    """Identity plus the order's state; the optional tail is shared by all order shapes."""

    price: Decimal
    orig_qty: Decimal
    executed_qty: Decimal
    cummulative_quote_qty: Decimal
    status: str
    time_in_force: str
    type: str
    side: str
    stop_price: Decimal | None = None
    iceberg_qty: Decimal | None = None
    orig_quote_order_qty: Decimal | None = None
    working_time: int | None = None
    self_trade_prevention_mode: str | None = None
    strategy_id: int | None = None
    strategy_type: int | None = None
    trailing_delta: int | None = None
    trailing_time: int | None = None
    prevented_match_id: int | None = None
    prevented_quantity: Decimal | None = None
    used_sor: bool | None = None
    working_floor: str | None = None
    peg_price_type: str | None = None
    peg_offset_type: str | None = None
    peg_offset_value: int | None = None
    pegged_price: Decimal | None = None
    expiry_reason: str | None = None


class OrderResult(_OrderState, frozen=True, kw_only=True):
    """``POST /api/v3/order`` with ``newOrderRespType=RESULT``."""

    transact_time: int


class Fill(BinanceStruct, frozen=True, kw_only=True, gc=False):
    """One fill of a FULL new-order response."""

    price: Decimal
    qty: Decimal
    commission: Decimal
    commission_asset: str
    trade_id: int | None = None


class OrderFull(OrderResult, frozen=True, kw_only=True):
    """``POST /api/v3/order`` with ``newOrderRespType=FULL`` (RESULT plus ``fills``)."""

    fills: list[Fill] = []


NewOrderResponse = OrderAck | OrderResult | OrderFull
"""What `decode_order_response` returns."""


class Order(_OrderState, frozen=True, kw_only=True):
    """``GET /api/v3/order`` and the rows of ``openOrders`` / ``allOrders``."""

    time: int
    update_time: int
    is_working: bool


class OrderReport(_OrderState, frozen=True, kw_only=True):
    """An ``orderReports`` entry (new list: ``transactTime``; cancel: ``origClientOrderId``)."""

    orig_client_order_id: str | None = None
    transact_time: int | None = None


class CancelledOrder(_OrderState, frozen=True, kw_only=True):
    """``DELETE /api/v3/order`` (``transactTime`` only in newer responses)."""

    orig_client_order_id: str
    transact_time: int | None = None


class OrderListOrder(BinanceStruct, frozen=True, kw_only=True):
    """An entry of an order list's ``orders``."""

    symbol: str
    order_id: int
    client_order_id: str


class OrderList(BinanceStruct, frozen=True, kw_only=True):
    """An order list (OCO, OTO, ...): ``POST /api/v3/order/oco``, ``orderList`` queries/cancel.

    ``order_reports`` is empty in query responses, which only list the ``orders``.
    """

    order_list_id: int
    contingency_type: str
    list_status_type: str
    list_order_status: str
    list_client_order_id: str
    transaction_time: int
    symbol: str
    orders: list[OrderListOrder] = []
    order_reports: list[OrderReport] = []


OcoOrder = OrderList
"""Alias: an OCO is an `OrderList` with ``contingency_type == "OCO"``."""


class _OrderShape(msgspec.Struct):
    """Which keys a new-order response has (decoded only to choose its type)."""

    status: str | None = None
    fills: list[msgspec.Raw] | None = None


class _ListShape(msgspec.Struct):
    """Whether a cancel-all row is an order list."""

    contingency_type: str | None = msgspec.field(name="contingencyType", default=None)


_SHAPE_DECODER = msgspec.json.Decoder(_OrderShape)
_ACK_DECODER = msgspec.json.Decoder(OrderAck)
_RESULT_DECODER = msgspec.json.Decoder(OrderResult)
_FULL_DECODER = msgspec.json.Decoder(OrderFull)
_RAW_LIST_DECODER = msgspec.json.Decoder(list[msgspec.Raw])
_LIST_SHAPE_DECODER = msgspec.json.Decoder(_ListShape)
_CANCELLED_DECODER = msgspec.json.Decoder(CancelledOrder)
_ORDER_LIST_DECODER = msgspec.json.Decoder(OrderList)


def decode_order_response(data: bytes | str) -> OrderAck | OrderResult | OrderFull:
    """Decode a new-order response as FULL (has ``fills``), RESULT (has ``status``) or ACK."""
    shape = _SHAPE_DECODER.decode(data)
    if shape.fills is not None:
        return _FULL_DECODER.decode(data)
    if shape.status is not None:
        return _RESULT_DECODER.decode(data)
    return _ACK_DECODER.decode(data)


def decode_cancel_open_orders(data: bytes | str) -> list[CancelledOrder | OrderList]:
    """Decode ``DELETE /api/v3/openOrders``: cancelled orders and cancelled order lists, mixed."""
    out: list[CancelledOrder | OrderList] = []
    for raw in _RAW_LIST_DECODER.decode(data):
        if _LIST_SHAPE_DECODER.decode(raw).contingency_type is not None:
            out.append(_ORDER_LIST_DECODER.decode(raw))
        else:
            out.append(_CANCELLED_DECODER.decode(raw))
    return out
