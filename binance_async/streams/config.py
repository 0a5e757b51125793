"""Configuration, counters and connection snapshots of `binance_async.streams.protocol`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from .names import DEFAULT_BASE_URL

__all__ = ["ConnectionInfo", "ProtocolStats", "StreamConfig"]


@dataclass(frozen=True, slots=True)
class StreamConfig:
    """Limits and timers of `StreamProtocol` (defaults follow Binance's spot rules)."""

    base_url: str = DEFAULT_BASE_URL
    url_query: str = ""
    max_streams_per_connection: int = 1024
    max_messages: int = 5
    throttle_window: float = 1.1
    max_params_per_message: int = 200
    max_message_bytes: int = 8192
    max_url_length: int = 2048
    max_connects: int = 300
    connect_window: float = 300.0
    backoff_base: float = 1.0
    backoff_factor: float = 2.0
    backoff_cap: float = 60.0
    backoff_jitter: float = 0.5
    healthy_after: float = 60.0
    max_lifetime: float = 23 * 3600.0
    handover_grace: float = 5.0
    stale_after: float = 60.0
    idle_close_after: float = 30.0
    split_refused_batches: bool = True
    decode: bool = True


@dataclass(slots=True)
class ProtocolStats:
    """Counters (`StreamProtocol.statistics` returns a copy)."""

    frames: int = 0
    delivered: int = 0
    duplicates: int = 0
    unrouted: int = 0
    malformed: int = 0
    control_sent: int = 0
    pongs_sent: int = 0
    opens: int = 0
    reconnects: int = 0
    rotations: int = 0
    gaps: int = 0


@dataclass(frozen=True, slots=True)
class ConnectionInfo:
    """A connection as `StreamProtocol.connections` reports it."""

    conn_id: int
    shard_id: int
    state: Literal["connecting", "open"]
    role: Literal["active", "replacement"]
    url: str
    server_streams: frozenset[str]
    opened_at: float | None
