"""Internal per-connection and per-shard state of `binance_async.streams.protocol`."""

from __future__ import annotations

from collections import deque
from typing import Any, Final, Literal

from ..models.streams import StreamKind, stream_kind
from .handover import Handover
from .limits import Backoff, Throttle

__all__ = ["Conn", "Shard", "normalize_stream"]

_INF: Final = float("inf")


class Conn:
    """One WebSocket connection: its shard, URL, stream sets, in-flight requests, throttle."""

    __slots__ = (
        "acked",
        "id",
        "inflight",
        "isolate",
        "last_rx",
        "opened_at",
        "pending_unsub",
        "pong",
        "projected",
        "shard",
        "state",
        "throttle",
        "url",
        "user_q",
    )

    def __init__(self, cid: int, shard: Shard, url: str, streams: set[str], thr: Throttle) -> None:
        self.id = cid
        self.shard = shard
        self.url = url
        self.state: Literal["connecting", "open", "closed"] = "connecting"
        self.opened_at: float | None = None
        self.last_rx = 0.0
        self.projected = streams  # the server's set once every in-flight request is applied
        self.acked: set[str] = set()  # the server's set as confirmed by replies so far
        self.pending_unsub: dict[str, int] = {}  # streams with an UNSUBSCRIBE in flight
        self.isolate: set[str] = set()  # streams to SUBSCRIBE one per message
        self.inflight: dict[int, tuple[str, Any]] = {}
        self.user_q: deque[tuple[int, str, Any]] = deque()
        self.pong: bytes | None = None
        self.throttle = thr

    def live(self, s: str) -> bool:
        """True if ``s`` is subscribed on this open connection (and not being unsubscribed)."""
        return self.state == "open" and s in self.acked and s not in self.pending_unsub

    def has_outgoing(self) -> bool:
        """True if a pong, a user control request or a subscription change is due."""
        return (
            bool(self.pong is not None or self.user_q or self.isolate)
            or self.projected != self.shard.desired
        )


class Shard:
    """A group of streams on one connection (plus its replacement during a rotation)."""

    __slots__ = (
        "backoff",
        "conn",
        "desired",
        "handover",
        "id",
        "idle_since",
        "next",
        "reopen_at",
        "rotate",
        "rotate_at",
    )

    def __init__(self, sid: int, backoff: Backoff) -> None:
        self.id = sid
        self.backoff = backoff
        self.desired: set[str] = set()
        self.conn: Conn | None = None  # the active connection
        self.next: Conn | None = None  # its replacement during a rotation
        self.reopen_at = -_INF
        self.rotate: str | None = None
        self.rotate_at = -_INF
        self.idle_since: float | None = None
        self.handover: Handover | None = None


def normalize_stream(name: str) -> str:
    """Strip ``name`` and lower-case its symbol (``!...``, listenKeys and BLVT names kept)."""
    name = name.strip()
    if name.startswith("!") or "@" not in name:
        return name
    if stream_kind(name) in (StreamKind.TOKEN_NAV, StreamKind.NAV_KLINE):
        return name
    symbol, _, rest = name.partition("@")
    return f"{symbol.lower()}@{rest}"
