"""Pure rate/backoff state for stream connections: no clock, time is passed in (float seconds).

- `Throttle`: at most ``limit`` messages in any ``window`` seconds (sliding window), e.g. the
  market-stream rule "5 incoming messages per second per connection, pings, pongs and control
  messages included". A send at ``t`` is allowed when fewer than ``limit`` sends happened in
  ``(t - window, t]``, so every half-open interval of length ``window`` holds at most ``limit``.
- `ConnectBudget`: the same window over connection attempts ("300 per 5 minutes per IP").
  Share one instance between every component that opens connections from the same IP.
- `Backoff`: capped exponential reconnect delays with jitter from an injectable ``rng``.
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Callable

__all__ = ["Backoff", "ConnectBudget", "Throttle"]


class Throttle:
    """Sliding-window limiter: `allowed` / `next_time` / `record`."""

    __slots__ = ("_times", "limit", "window")

    def __init__(self, limit: int, window: float) -> None:
        if limit < 1 or window <= 0:
            raise ValueError("limit must be >= 1 and window > 0")
        self.limit = limit
        self.window = window
        self._times: deque[float] = deque()

    def _prune(self, now: float) -> None:
        times = self._times
        edge = now - self.window
        while times and times[0] <= edge:
            times.popleft()

    def allowed(self, now: float) -> bool:
        """True if one more message may go out at ``now``."""
        self._prune(now)
        return len(self._times) < self.limit

    def next_time(self, now: float) -> float:
        """The earliest time ``>= now`` at which one more message may go out."""
        self._prune(now)
        if len(self._times) < self.limit:
            return now
        return self._times[len(self._times) - self.limit] + self.window

    def record(self, now: float) -> None:
        """Count one message sent at ``now`` (also for frames sent outside this module)."""
        self._prune(now)
        self._times.append(now)

    def used(self, now: float) -> int:
        """Messages counted in the window ending at ``now``."""
        self._prune(now)
        return len(self._times)


class ConnectBudget(Throttle):
    """Connection attempts per IP: 300 per 300 s by default (`can_connect`, `next_connect_time`)."""

    __slots__ = ()

    def __init__(self, limit: int = 300, window: float = 300.0) -> None:
        super().__init__(limit, window)

    def can_connect(self, now: float) -> bool:
        """True if one more connection attempt is allowed at ``now``."""
        return self.allowed(now)

    def next_connect_time(self, now: float) -> float:
        """The earliest time ``>= now`` at which one more attempt is allowed."""
        return self.next_time(now)


class Backoff:
    """Jittered, capped exponential delays: ``min(cap, base * factor**(n-1))`` scaled by
    ``1 - jitter + jitter * rng()`` after the n-th consecutive failure. `reset` after a healthy
    connection; ``rng`` returns floats in ``[0, 1)`` (inject one for deterministic tests).
    """

    __slots__ = ("_rng", "base", "cap", "factor", "failures", "jitter")

    def __init__(
        self,
        base: float = 1.0,
        factor: float = 2.0,
        cap: float = 60.0,
        jitter: float = 0.5,
        rng: Callable[[], float] = random.random,
    ) -> None:
        if base < 0 or factor < 1 or cap < base or not 0 <= jitter <= 1:
            raise ValueError("need base >= 0, factor >= 1, cap >= base, 0 <= jitter <= 1")
        self.base = base
        self.factor = factor
        self.cap = cap
        self.jitter = jitter
        self.failures = 0
        self._rng = rng

    def peek(self) -> float:
        """The un-jittered delay the next failure would give."""
        exp = min(self.failures, 64)
        return min(self.cap, self.base * self.factor**exp)

    def failure(self) -> float:
        """Count one failure and return the jittered delay before the next attempt."""
        delay = self.peek()
        self.failures += 1
        return delay * (1.0 - self.jitter + self.jitter * self._rng())

    def reset(self) -> None:
        """Forget the failures: the next delay starts from ``base`` again."""
        self.failures = 0
