"""User-data stream events: a tagged union on ``"e"``, and decoders built once.

Events arrive three ways, all handled here:

- bare objects on a listenKey stream (``/ws/<listenKey>``, the seed's flow):
  `decode_user_event` / ``USER_EVENT_DECODER.decode``;
- wrapped in a combined-stream envelope (``{"stream": "<listenKey>", "data": {...}}``): decode the
  envelope once (`binance_async.models.depth.ENVELOPE_DECODER`), then ``data`` as above;
- wrapped by the WebSocket API (``{"subscriptionId": 0, "event": {...}}``, the current flow):
  `decode_ws_api_user_event`, which returns a `UserEventEnvelope`.

`UserEvent` is a msgspec tagged union (``tag_field="e"``): `ExecutionReport`,
`OutboundAccountPosition`, `BalanceUpdate`, `ListStatus`, `ListenKeyExpired`,
`EventStreamTerminated`, `ExternalLockUpdate`. An event type this library does not know becomes
`UnknownUserEvent` (its ``e``, ``E`` and the raw JSON) instead of failing, and unknown fields are
ignored. Each event's ``event_type`` property returns its ``e``.

Prices and quantities are the exact wire text (``str``) with ``*_decimal`` properties, like the
market events (see `binance_async.models.streams` for the measurement behind that choice).
`ExecutionReport` carries every field of the current docs; the conditional ones (trailing,
strategy, STP, SOR, pegged, expiry reason) default to None when absent.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Final, TypeAlias

import msgspec

__all__ = [
    "USER_EVENT_DECODER",
    "AccountBalance",
    "BalanceUpdate",
    "EventStreamTerminated",
    "ExecutionReport",
    "ExternalLockUpdate",
    "ListStatus",
    "ListStatusOrder",
    "ListenKeyExpired",
    "OutboundAccountPosition",
    "UnknownUserEvent",
    "UserEvent",
    "UserEventEnvelope",
    "decode_user_event",
    "decode_ws_api_user_event",
]


class _UserEventBase(msgspec.Struct, frozen=True, gc=False, kw_only=True, tag_field="e"):
    @property
    def event_type(self) -> str:
        """The wire ``e`` (the Struct's tag)."""
        tag = type(self).__struct_config__.tag
        return str(tag)


class ExecutionReport(_UserEventBase, tag="executionReport", frozen=True, kw_only=True):
    """An order update. Average fill price: `average_price` (``Z / z``).

    For ``execution_type == "TRADE_PREVENTION"`` the ``last_executed_*`` fields are 0: read the
    ``prevented_execution_*`` fields (``pl pL pY``) instead.
    """

    event_time: int = msgspec.field(name="E")
    symbol: str = msgspec.field(name="s")
    client_order_id: str = msgspec.field(name="c")
    side: str = msgspec.field(name="S")
    order_type: str = msgspec.field(name="o")
    time_in_force: str = msgspec.field(default="GTC", name="f")
    quantity: str = msgspec.field(name="q")
    price: str = msgspec.field(name="p")
    stop_price: str = msgspec.field(default="0.00000000", name="P")
    iceberg_quantity: str = msgspec.field(default="0.00000000", name="F")
    order_list_id: int = msgspec.field(default=-1, name="g")
    original_client_order_id: str = msgspec.field(default="", name="C")
    execution_type: str = msgspec.field(name="x")
    order_status: str = msgspec.field(name="X")
    reject_reason: str = msgspec.field(default="NONE", name="r")
    order_id: int = msgspec.field(name="i")
    last_executed_quantity: str = msgspec.field(default="0.00000000", name="l")
    cumulative_filled_quantity: str = msgspec.field(default="0.00000000", name="z")
    last_executed_price: str = msgspec.field(default="0.00000000", name="L")
    commission_amount: str = msgspec.field(default="0", name="n")
    commission_asset: str | None = msgspec.field(default=None, name="N")
    transaction_time: int = msgspec.field(default=0, name="T")
    trade_id: int = msgspec.field(default=-1, name="t")
    execution_id: int | None = msgspec.field(default=None, name="I")
    is_working: bool = msgspec.field(default=False, name="w")
    is_maker: bool = msgspec.field(default=False, name="m")
    ignore_m: bool = msgspec.field(default=False, name="M")
    order_creation_time: int = msgspec.field(default=0, name="O")
    cumulative_quote_quantity: str = msgspec.field(default="0.00000000", name="Z")
    last_quote_quantity: str = msgspec.field(default="0.00000000", name="Y")
    quote_order_quantity: str = msgspec.field(default="0.00000000", name="Q")
    working_time: int | None = msgspec.field(default=None, name="W")
    self_trade_prevention_mode: str | None = msgspec.field(default=None, name="V")
    # Conditional fields (absent unless relevant).
    trailing_delta: int | None = msgspec.field(default=None, name="d")
    trailing_time: int | None = msgspec.field(default=None, name="D")
    strategy_id: int | None = msgspec.field(default=None, name="j")
    strategy_type: int | None = msgspec.field(default=None, name="J")
    prevented_match_id: int | None = msgspec.field(default=None, name="v")
    prevented_quantity: str | None = msgspec.field(default=None, name="A")
    last_prevented_quantity: str | None = msgspec.field(default=None, name="B")
    trade_group_id: int | None = msgspec.field(default=None, name="u")
    counter_order_id: int | None = msgspec.field(default=None, name="U")
    counter_symbol: str | None = msgspec.field(default=None, name="Cs")
    prevented_execution_quantity: str | None = msgspec.field(default=None, name="pl")
    prevented_execution_price: str | None = msgspec.field(default=None, name="pL")
    prevented_execution_quote_quantity: str | None = msgspec.field(default=None, name="pY")
    match_type: str | None = msgspec.field(default=None, name="b")
    allocation_id: int | None = msgspec.field(default=None, name="a")
    working_floor: str | None = msgspec.field(default=None, name="k")
    used_sor: bool | None = msgspec.field(default=None, name="uS")
    pegged_price_type: str | None = msgspec.field(default=None, name="gP")
    pegged_offset_type: str | None = msgspec.field(default=None, name="gOT")
    pegged_offset_value: int | None = msgspec.field(default=None, name="gOV")
    pegged_price: str | None = msgspec.field(default=None, name="gp")
    expiry_reason: str | None = msgspec.field(default=None, name="eR")

    @property
    def price_decimal(self) -> Decimal:
        """The order price ``p`` as an exact Decimal."""
        return Decimal(self.price)

    @property
    def quantity_decimal(self) -> Decimal:
        """The order quantity ``q`` as an exact Decimal."""
        return Decimal(self.quantity)

    @property
    def last_executed_quantity_decimal(self) -> Decimal:
        """The quantity ``l`` of the last fill as an exact Decimal."""
        return Decimal(self.last_executed_quantity)

    @property
    def last_executed_price_decimal(self) -> Decimal:
        """The price ``L`` of the last fill as an exact Decimal."""
        return Decimal(self.last_executed_price)

    @property
    def cumulative_filled_quantity_decimal(self) -> Decimal:
        """The cumulative filled quantity ``z`` as an exact Decimal."""
        return Decimal(self.cumulative_filled_quantity)

    @property
    def cumulative_quote_quantity_decimal(self) -> Decimal:
        """The cumulative quote quantity ``Z`` as an exact Decimal."""
        return Decimal(self.cumulative_quote_quantity)

    @property
    def commission_amount_decimal(self) -> Decimal:
        """The commission ``n`` of the last fill as an exact Decimal."""
        return Decimal(self.commission_amount)

    @property
    def average_price(self) -> Decimal | None:
        """``Z / z`` (cumulative quote / cumulative filled), None before any fill."""
        filled = Decimal(self.cumulative_filled_quantity)
        if not filled:
            return None
        return Decimal(self.cumulative_quote_quantity) / filled


class AccountBalance(msgspec.Struct, frozen=True, gc=False, kw_only=True):
    """One asset of `OutboundAccountPosition`."""

    asset: str = msgspec.field(name="a")
    free: str = msgspec.field(name="f")
    locked: str = msgspec.field(name="l")

    @property
    def free_decimal(self) -> Decimal:
        """The free amount ``f`` as an exact Decimal."""
        return Decimal(self.free)

    @property
    def locked_decimal(self) -> Decimal:
        """The locked amount ``l`` as an exact Decimal."""
        return Decimal(self.locked)


class OutboundAccountPosition(
    _UserEventBase, tag="outboundAccountPosition", frozen=True, kw_only=True
):
    """Balances of the assets that may have changed."""

    event_time: int = msgspec.field(name="E")
    last_update_time: int = msgspec.field(name="u")
    balances: list[AccountBalance] = msgspec.field(default_factory=list, name="B")


class BalanceUpdate(_UserEventBase, tag="balanceUpdate", frozen=True, kw_only=True):
    """A deposit, withdrawal or transfer: ``delta`` of ``asset``, cleared at ``clear_time``."""

    event_time: int = msgspec.field(name="E")
    asset: str = msgspec.field(name="a")
    delta: str = msgspec.field(name="d")
    clear_time: int = msgspec.field(name="T")

    @property
    def delta_decimal(self) -> Decimal:
        """The balance change ``d`` as an exact Decimal (negative for a withdrawal)."""
        return Decimal(self.delta)


class ExternalLockUpdate(_UserEventBase, tag="externalLockUpdate", frozen=True, kw_only=True):
    """Spot balance locked/unlocked by an external system (``delta`` of ``asset``)."""

    event_time: int = msgspec.field(name="E")
    asset: str = msgspec.field(name="a")
    delta: str = msgspec.field(name="d")
    transaction_time: int = msgspec.field(name="T")

    @property
    def delta_decimal(self) -> Decimal:
        """The locked amount change ``d`` as an exact Decimal."""
        return Decimal(self.delta)


class ListStatusOrder(msgspec.Struct, frozen=True, gc=False, kw_only=True):
    """One order of `ListStatus`."""

    symbol: str = msgspec.field(name="s")
    order_id: int = msgspec.field(name="i")
    client_order_id: str = msgspec.field(name="c")


class ListStatus(_UserEventBase, tag="listStatus", frozen=True, kw_only=True):
    """An order list (OCO, OTO, ...) update, sent alongside its orders' execution reports."""

    event_time: int = msgspec.field(name="E")
    symbol: str = msgspec.field(name="s")
    order_list_id: int = msgspec.field(name="g")
    contingency_type: str = msgspec.field(name="c")
    list_status_type: str = msgspec.field(name="l")
    list_order_status: str = msgspec.field(name="L")
    list_reject_reason: str = msgspec.field(default="NONE", name="r")
    list_client_order_id: str = msgspec.field(name="C")
    transaction_time: int = msgspec.field(name="T")
    orders: list[ListStatusOrder] = msgspec.field(default_factory=list, name="O")


class ListenKeyExpired(_UserEventBase, tag="listenKeyExpired", frozen=True, kw_only=True):
    """The listenKey expired: create a new one and reconnect."""

    event_time: int = msgspec.field(name="E")
    listen_key: str = msgspec.field(default="", name="listenKey")


class EventStreamTerminated(_UserEventBase, tag="eventStreamTerminated", frozen=True, kw_only=True):
    """The WebSocket API user stream ended (logout, unsubscribe, listenToken expiry)."""

    event_time: int = msgspec.field(name="E")


UserEvent: TypeAlias = (
    ExecutionReport
    | OutboundAccountPosition
    | BalanceUpdate
    | ListStatus
    | ListenKeyExpired
    | EventStreamTerminated
    | ExternalLockUpdate
)


class UnknownUserEvent(msgspec.Struct, frozen=True, gc=False):
    """A user event whose ``e`` this library does not model; ``raw`` is its JSON."""

    event_type: str
    event_time: int | None
    raw: msgspec.Raw


class UserEventEnvelope(msgspec.Struct, frozen=True, gc=False):
    """A WebSocket-API user event: ``{"subscriptionId": n, "event": {...}}``."""

    subscription_id: int
    event: UserEvent | UnknownUserEvent


class _Probe(msgspec.Struct, frozen=True, gc=False):
    e: str = ""
    E: int | None = None


class _Wrapped(msgspec.Struct, frozen=True, gc=False):
    subscriptionId: int
    event: msgspec.Raw


_UNION_DECODER: Final = msgspec.json.Decoder(UserEvent)
_PROBE_DECODER: Final = msgspec.json.Decoder(_Probe)
_WRAPPED_DECODER: Final = msgspec.json.Decoder(_Wrapped)
_KNOWN_TAGS: Final = frozenset(
    {
        "executionReport",
        "outboundAccountPosition",
        "balanceUpdate",
        "listStatus",
        "listenKeyExpired",
        "eventStreamTerminated",
        "externalLockUpdate",
    }
)


def decode_user_event(buf: bytes | bytearray | memoryview | str) -> UserEvent | UnknownUserEvent:
    """Decode one bare user event, dispatching on ``"e"``.

    An unknown ``e`` gives `UnknownUserEvent`; a known ``e`` with a missing or mistyped field
    raises ``msgspec.ValidationError``; bad JSON raises ``msgspec.DecodeError``.
    """
    try:
        event: UserEvent = _UNION_DECODER.decode(buf)
    except msgspec.ValidationError:
        probe = _PROBE_DECODER.decode(buf)
        if probe.e in _KNOWN_TAGS:
            raise
        raw = buf if isinstance(buf, msgspec.Raw) else msgspec.Raw(buf)
        return UnknownUserEvent(probe.e, probe.E, raw)
    return event


class _UserEventDecoder:
    """`decode_user_event` behind the ``decode()`` interface of the per-stream decoders."""

    __slots__ = ()

    def decode(self, buf: bytes | bytearray | memoryview | str, /) -> UserEvent | UnknownUserEvent:
        return decode_user_event(buf)


#: Decodes a bare user event (`decode_user_event`); the decoder of listenKey streams.
USER_EVENT_DECODER: Final = _UserEventDecoder()


def decode_ws_api_user_event(buf: bytes | bytearray | memoryview | str) -> UserEventEnvelope:
    """Decode a WebSocket-API user-event frame ``{"subscriptionId": n, "event": {...}}``."""
    wrapped = _WRAPPED_DECODER.decode(buf)
    return UserEventEnvelope(wrapped.subscriptionId, decode_user_event(wrapped.event))
