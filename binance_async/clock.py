"""Server time: an injectable local clock plus a measured offset to Binance's clock.

Signed requests need ``timestamp`` within ``recvWindow`` of the server's time, and the rate
limiter's fixed windows are aligned to the server's clock, so both read `ServerClock`.
The offset is measured with ``GET /api/v3/time``, corrected by half the round trip.
"""

from __future__ import annotations

import time
from collections.abc import Callable

__all__ = ["ServerClock"]


class ServerClock:
    """Local time plus the measured offset to the server (in milliseconds).

    `time_source` returns epoch seconds (tests pass a fake one to jump time).
    The offset is stale after `refresh_interval` seconds, or at once after `invalidate()`.
    """

    def __init__(
        self,
        *,
        time_source: Callable[[], float] = time.time,
        refresh_interval: float = 900.0,
    ) -> None:
        self._time = time_source
        self.refresh_interval = refresh_interval
        self.offset_ms = 0.0
        self.round_trip_ms: float | None = None
        self._measured_at: float | None = None

    def local_time(self) -> float:
        """Local epoch seconds from the injected time source."""
        return self._time()

    def now_ms(self) -> int:
        """The estimated server time in epoch milliseconds (for ``timestamp``)."""
        return int(self._time() * 1000.0 + self.offset_ms)

    def server_time(self) -> float:
        """The estimated server time in epoch seconds."""
        return self._time() + self.offset_ms / 1000.0

    def update(self, server_time_ms: int, sent_at: float, received_at: float) -> None:
        """Record a measurement: the server said `server_time_ms` between sent and received."""
        midpoint = (sent_at + received_at) / 2.0
        self.offset_ms = server_time_ms - midpoint * 1000.0
        self.round_trip_ms = max(0.0, (received_at - sent_at) * 1000.0)
        self._measured_at = received_at

    @property
    def measured(self) -> bool:
        """Whether the offset was ever measured."""
        return self._measured_at is not None

    def stale(self) -> bool:
        """True when the offset was never measured, invalidated, or is older than the interval."""
        if self._measured_at is None:
            return True
        return self._time() - self._measured_at >= self.refresh_interval

    def invalidate(self) -> None:
        """Force a new measurement before the next signed request (after -1021)."""
        self._measured_at = None

    def __repr__(self) -> str:
        return f"ServerClock(offset_ms={self.offset_ms:.1f}, measured={self.measured})"
