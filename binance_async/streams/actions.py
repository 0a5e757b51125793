"""What `binance_async.streams.protocol.StreamProtocol` asks of the I/O layer and tells the app.

Network actions (``data_to_send()``): `Open`, `Send`, `Pong`, `Close`.
Application events (``events_received()``): `Deliver`, `Gap`, `Resumed`, `Ack`, `Refused`,
`Dropped`, `ControlResult`, `ControlError`, `Malformed`.

All are frozen msgspec Structs (cheap to build: `Deliver` is made once per frame).
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any, Literal, TypeAlias

import msgspec

__all__ = [
    "Ack",
    "AppEvent",
    "Close",
    "ControlError",
    "ControlResult",
    "Deliver",
    "Dropped",
    "Gap",
    "Malformed",
    "NetAction",
    "Open",
    "Pong",
    "Refused",
    "Request",
    "Resumed",
    "Send",
    "SubscriberId",
]

#: Any hashable token naming a subscriber (an int, a string, an object).
SubscriberId: TypeAlias = Hashable


class Request(msgspec.Struct, frozen=True):
    """A subscriber's `subscribe` / `unsubscribe` call, echoed in its `Ack` / `Refused`."""

    id: int
    subscriber: SubscriberId
    op: Literal["subscribe", "unsubscribe"]
    streams: tuple[str, ...]


# -- network actions -------------------------------------------------------------------------


class Open(msgspec.Struct, frozen=True):
    """Open WebSocket ``conn_id`` to ``url``; report `connection_opened` / `connection_failed`."""

    conn_id: int
    url: str


class Send(msgspec.Struct, frozen=True):
    """Send ``payload`` (UTF-8 JSON) as one text frame on ``conn_id``."""

    conn_id: int
    payload: bytes


class Pong(msgspec.Struct, frozen=True):
    """Send a pong frame echoing ``payload`` on ``conn_id`` (already counted by the throttle)."""

    conn_id: int
    payload: bytes


class Close(msgspec.Struct, frozen=True):
    """Close ``conn_id``, or cancel it if still connecting (the protocol already treats it as
    gone; a later ``connection_lost`` for it is ignored). Codes: 1000 rotated/idle, 4000 stale.
    """

    conn_id: int
    code: int
    reason: str


NetAction: TypeAlias = Open | Send | Pong | Close


# -- application events ----------------------------------------------------------------------


class Deliver(msgspec.Struct, frozen=True, gc=False):
    """An event of ``stream`` for every subscriber in ``subscribers`` (decoded once)."""

    stream: str
    event: Any
    subscribers: frozenset[SubscriberId]
    conn_id: int
    received_at: float


class Gap(msgspec.Struct, frozen=True):
    """Events of ``streams`` may have been lost (connection lost): resync what depends on them."""

    subscribers: frozenset[SubscriberId]
    streams: tuple[str, ...]
    reason: str


class Resumed(msgspec.Struct, frozen=True):
    """``streams`` are subscribed again after a `Gap`."""

    subscribers: frozenset[SubscriberId]
    streams: tuple[str, ...]


class Ack(msgspec.Struct, frozen=True):
    """Every stream of ``request`` is live (subscribe) or released (unsubscribe)."""

    request: Request


class Refused(msgspec.Struct, frozen=True):
    """The server (or a local check) refused ``streams`` of ``request``; the others are live."""

    request: Request
    streams: tuple[str, ...]
    code: int | None
    msg: str


class Dropped(msgspec.Struct, frozen=True):
    """``streams`` were refused on a re-subscribe and removed for ``subscribers``."""

    subscribers: frozenset[SubscriberId]
    streams: tuple[str, ...]
    code: int | None
    msg: str


class ControlResult(msgspec.Struct, frozen=True):
    """The reply to `list_subscriptions` / `set_property` / `get_property`."""

    conn_id: int
    request_id: int
    method: str
    result: Any


class ControlError(msgspec.Struct, frozen=True):
    """A control request failed (server error code 0-3, or ``code=None``: connection lost)."""

    conn_id: int
    request_id: int | None
    method: str | None
    code: int | None
    msg: str


class Malformed(msgspec.Struct, frozen=True):
    """A frame (or a stream's payload) that could not be decoded; it was not delivered."""

    conn_id: int
    stream: str | None
    data: bytes
    error: str


AppEvent: TypeAlias = (
    Deliver | Gap | Resumed | Ack | Refused | Dropped | ControlResult | ControlError | Malformed
)
