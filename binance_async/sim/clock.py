"""`SimClock`: the local exchange's one source of time (epoch milliseconds).

Everything time-dependent in the server (timestamps and recvWindow, rate-limit windows, bans,
listenKey validity, the synthetic flow) reads ``clock.now_ms()``. By default it follows the wall
clock; tests jump it forward with `SimClock.advance` (a 61-minute listenKey expiry in no time),
and a speed factor makes simulated time run faster than wall time. It never goes backwards.
"""

from __future__ import annotations

import time
from collections.abc import Callable

__all__ = ["SimClock"]


class SimClock:
    """Simulated epoch time: ``start_ms + speed * (wall elapsed) + jumps``.

    `start_ms` defaults to the wall clock's now; `time_source` returns epoch seconds (inject a
    fake one for fully deterministic tests).
    """

    def __init__(
        self,
        start_ms: int | None = None,
        *,
        speed: float = 1.0,
        time_source: Callable[[], float] = time.time,
    ) -> None:
        if not speed > 0:
            raise ValueError(f"speed must be > 0, got {speed}")
        self._time = time_source
        self._wall0 = time_source()
        self._base_ms = float(self._wall0 * 1000.0 if start_ms is None else start_ms)
        self._speed = float(speed)
        self._last = int(self._base_ms)

    @property
    def speed(self) -> float:
        """How many simulated milliseconds pass per wall millisecond."""
        return self._speed

    @speed.setter
    def speed(self, value: float) -> None:
        if not value > 0:
            raise ValueError(f"speed must be > 0, got {value}")
        now = self._raw()
        self._wall0 = self._time()
        self._base_ms = now
        self._speed = float(value)

    def _raw(self) -> float:
        return self._base_ms + (self._time() - self._wall0) * 1000.0 * self._speed

    def now_ms(self) -> int:
        """The simulated time in epoch milliseconds (non-decreasing)."""
        t = int(self._raw())
        if t > self._last:
            self._last = t
        return self._last

    def advance(self, ms: float) -> int:
        """Jump forward by `ms` milliseconds; returns the new time."""
        if ms < 0:
            raise ValueError("the clock only moves forward")
        self._base_ms += ms
        return self.now_ms()

    def __repr__(self) -> str:
        return f"SimClock(now_ms={self.now_ms()}, speed={self._speed})"
