"""Weight-aware rate limiting: a pure state (`LimiterState`) and a thin async wait (`RateLimiter`).

The model
---------
* **Pools.** Each limit Binance enforces is a pool: a name (``REQUEST_WEIGHT``, ``ORDERS_10S``,
  ...), an interval and a limit. A request charges weights to one or more pools at once.
* **Fixed windows.** Binance counts in fixed windows aligned to epoch time, not sliding ones:
  window ``k`` of a pool with interval ``I`` is ``[k*I, (k+1)*I)``, so a minute resets on the
  minute, 10 s windows at multiples of 10 s and a day at 00:00 UTC. A charge fits when
  ``used + weight <= limit`` in its window; when the window ends its count is gone.
* **Clock guard.** ``now`` is the client's estimate of server time. With ``boundary_guard=g``
  a charge made within ``g`` seconds of a boundary is counted in both windows it could fall in
  (the previous one just after a boundary, the next one just before), so an estimate off by up
  to ``g`` (clock error plus one-way latency) can never overfill a server window.
* **Reconcile = max.** Response headers (``X-MBX-USED-WEIGHT-1M`` ...) are the server's truth,
  including other processes on the same IP. They raise the local count to
  ``max(local, header)`` and never lower it. Within the guard after a boundary the header may
  still describe the previous window, so it is applied to the earliest window it could describe.
* **Blocks.** A 429 blocks the offending pools until ``now + Retry-After`` (or the end of the
  pool's window); a 418 bans the host: every pool, until ``now + Retry-After`` (or 120 s). Blocks
  only ever extend.
* **Time.** `LimiterState` never reads a clock: every method takes ``now`` (epoch seconds,
  server-aligned). It is clamped to be non-decreasing, so a clock stepping back is treated as
  the latest time seen. `RateLimiter` adds the clock and the waiting (FIFO per pool).
"""

from __future__ import annotations

import asyncio
import functools
import math
import re
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from ..errors import IPBanned, RateLimited, TooManyOrders

__all__ = [
    "DEFAULT_LIMITS", "ORDERS_1D", "ORDERS_10S", "RAW_REQUESTS", "REQUEST_WEIGHT", "SAPI_IP",
    "SAPI_UID", "Limit", "LimiterState", "PoolStats", "RateLimiter", "Refusal",
]

REQUEST_WEIGHT = "REQUEST_WEIGHT"
RAW_REQUESTS = "RAW_REQUESTS"
ORDERS_10S = "ORDERS_10S"
ORDERS_1D = "ORDERS_1D"
SAPI_IP = "SAPI_IP"
SAPI_UID = "SAPI_UID"

BAN_DEFAULT_SECONDS = 120.0
"""Ban length assumed for a 418 without Retry-After: the smallest ban Binance gives."""

_UNIT_SECONDS = {"S": 1, "M": 60, "H": 3600, "D": 86400}
_INTERVAL_LETTERS = {"SECOND": "S", "MINUTE": "M", "HOUR": "H", "DAY": "D"}
_SUFFIXED = re.compile(r"(.+)_(\d+)([SMHD])")
_HEADERS = (
    (re.compile(r"x-mbx-used-weight(?:-(\d+)([smhd]))?"), REQUEST_WEIGHT),  # bare: legacy 1M
    (re.compile(r"x-mbx-order-count-(\d+)([smhd])"), "ORDERS"),
    (re.compile(r"x-sapi-used-ip-weight-(\d+)([smhd])"), SAPI_IP),
    (re.compile(r"x-sapi-used-uid-weight-(\d+)([smhd])"), SAPI_UID),
)


@dataclass(frozen=True, slots=True)
class Limit:
    """One pool: at most `limit` weight per fixed, epoch-aligned `interval_seconds` window."""

    pool: str
    interval_seconds: float
    limit: int


DEFAULT_LIMITS: tuple[Limit, ...] = (
    Limit(REQUEST_WEIGHT, 60.0, 6000),
    Limit(RAW_REQUESTS, 300.0, 300000),
    Limit(ORDERS_10S, 10.0, 50),
    Limit(ORDERS_1D, 86400.0, 160000),
    Limit(SAPI_IP, 60.0, 12000),
    Limit(SAPI_UID, 60.0, 180000),
)
"""Binance's current spot limits (facts doc, section 2), plus the /sapi IP and UID pools."""


@dataclass(frozen=True, slots=True)
class PoolStats:
    """A pool's state at one instant; `blocked_until` includes a host ban (0.0 if none)."""

    pool: str
    used: int
    limit: int
    interval_seconds: float
    window_start: float
    resets_at: float
    blocked_until: float


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why a charge does not fit now.

    `reason` is "banned" (HTTP 418 host ban, `pool` is None), "blocked" (a 429 block on
    `pool`) or "limit" (`pool`'s window is full). `delay` is the seconds until it could fit.
    """

    reason: Literal["limit", "blocked", "banned"]
    pool: str | None
    delay: float
    used: int = 0
    limit: int = 0
    interval_seconds: float = 0.0


@dataclass(slots=True, eq=False)
class _Pool:
    name: str
    interval: float
    limit: int
    kind: str = ""
    counts: dict[int, int] = field(default_factory=dict)
    blocked_until: float = 0.0

    def __post_init__(self) -> None:
        match = _SUFFIXED.fullmatch(self.name)
        self.kind = match.group(1) if match else self.name


def _parse_count(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    if isinstance(value, str):
        text = value.strip()
        if text.isascii() and text.isdigit():
            return int(text)
    return None


def _field(entry: object, name: str) -> object:
    if isinstance(entry, Mapping):
        return entry.get(name)
    return getattr(entry, name, None)


def _parse_rate_limit(entry: object) -> tuple[str, float, str, int | None] | None:
    """(kind, interval seconds, suffix like "10S", limit or None) of a rateLimits entry."""
    kind, interval = _field(entry, "rateLimitType"), _field(entry, "interval")
    num = _parse_count(_field(entry, "intervalNum"))
    if not isinstance(kind, str) or not isinstance(interval, str) or not num:
        return None
    letter = _INTERVAL_LETTERS.get(interval.upper())
    if letter is None:
        return None
    limit = _parse_count(_field(entry, "limit"))
    return kind.upper(), float(num * _UNIT_SECONDS[letter]), f"{num}{letter}", limit


@functools.lru_cache(maxsize=512)
def _header_pool(name: str) -> tuple[str, float] | None:
    """(pool kind, interval seconds) a usage header reports on, or None (cached by name)."""
    for pattern, kind in _HEADERS:
        match = pattern.fullmatch(name.strip().lower())
        if match:
            num, letter = match.group(1) or "1", match.group(2) or "m"
            return kind, float(int(num) * _UNIT_SECONDS[letter.upper()])
    return None


def _delay(now: float, target: float) -> float:
    """target - now, nudged up so that `now + delay >= target` holds in floating point."""
    delay = target - now
    while now + delay < target:
        delay = math.nextafter(delay, math.inf)
    return delay


class LimiterState:
    """Pure limiter state: fixed-window counts per pool, 429 blocks and the 418 host ban.

    No I/O and no clock: every method takes `now`, server-aligned epoch seconds.
    """

    def __init__(self, limits: Sequence[Limit] = DEFAULT_LIMITS, boundary_guard: float = 0.0):
        if not (math.isfinite(boundary_guard) and boundary_guard >= 0):
            raise ValueError(f"boundary_guard must be >= 0, got {boundary_guard}")
        self._guard = float(boundary_guard)
        self._pools: dict[str, _Pool] = {}
        for lim in limits:
            interval = float(lim.interval_seconds)
            if lim.pool in self._pools or not (math.isfinite(interval) and interval > 0):
                raise ValueError(f"duplicate pool or interval <= 0: {lim}")
            if lim.limit < 0:
                raise ValueError(f"limit must be >= 0: {lim}")
            self._pools[lim.pool] = _Pool(lim.pool, interval, int(lim.limit))
        self._linked: dict[str, list[str]] = {}
        self._banned_until = 0.0
        self._last_now = -math.inf

    # -- windows ---------------------------------------------------------------------------

    def _now(self, now: float) -> float:
        if math.isnan(now):
            raise ValueError("now is NaN")
        self._last_now = max(self._last_now, float(now))
        return self._last_now

    @staticmethod
    def _window(pool: _Pool, t: float) -> int:
        k = math.floor(t / pool.interval)
        if k * pool.interval > t:
            k -= 1
        elif (k + 1) * pool.interval <= t:
            k += 1
        return k

    def _release(self, pool: _Pool, k: int) -> float:
        """When window k stops being one the server could be in: its end plus the guard."""
        return (k + 1) * pool.interval + self._guard

    def _touched(self, pool: _Pool, now: float) -> list[int]:
        """Windows the server could be in at client time `now`, oldest first."""
        g = self._guard
        if not g:
            return [self._window(pool, now)]
        lo, hi = self._window(pool, now - g) - 1, self._window(pool, now + g) + 1
        return [
            k
            for k in range(lo, hi + 1)
            if k * pool.interval - g <= now < self._release(pool, k)
        ]

    def _prune(self, pool: _Pool, now: float) -> None:
        stale = [k for k in pool.counts if self._release(pool, k) <= now]
        for k in stale:
            del pool.counts[k]

    def _get(self, name: str) -> _Pool:
        pool = self._pools.get(name)
        if pool is None:
            raise ValueError(f"unknown rate-limit pool {name!r} (known: {', '.join(self._pools)})")
        return pool

    # -- admission -------------------------------------------------------------------------

    def _totals(self, charges: Sequence[tuple[str, int]]) -> dict[str, int]:
        totals: dict[str, int] = {}
        for name, weight in charges:
            self._get(name)  # raises for an unknown pool
            if weight < 0:
                raise ValueError(f"negative weight {weight} for pool {name}")
            totals[name] = totals.get(name, 0) + weight
            for linked in self._linked.get(name, ()):
                totals[linked] = totals.get(linked, 0) + weight
        for name, weight in totals.items():
            pool = self._pools[name]
            if weight > pool.limit:
                raise ValueError(
                    f"weight {weight} on pool {name} can never fit: the limit is "
                    f"{pool.limit} per {pool.interval:g}s"
                )
        return totals

    def _refusals(self, totals: Mapping[str, int], now: float) -> list[Refusal]:
        found: list[Refusal] = []
        if now < self._banned_until:
            found.append(Refusal("banned", None, _delay(now, self._banned_until)))
        for name, weight in totals.items():
            pool = self._pools[name]
            if now < pool.blocked_until:
                found.append(
                    Refusal("blocked", name, _delay(now, pool.blocked_until), 0, pool.limit,
                            pool.interval)
                )
            if weight == 0:
                continue
            self._prune(pool, now)
            for k in self._touched(pool, now):
                used = pool.counts.get(k, 0)
                if used + weight > pool.limit:
                    delay = _delay(now, self._release(pool, k))
                    found.append(Refusal("limit", name, delay, used, pool.limit, pool.interval))
        return found

    def refusal(self, charges: Sequence[tuple[str, int]], now: float) -> Refusal | None:
        """Why `charges` would be refused at `now` (None if they fit); records nothing.

        A host ban wins when active; otherwise the cause with the longest delay. `delay` is
        always the overall wait, the same value `reserve` returns.
        """
        totals = self._totals(charges)
        found = self._refusals(totals, self._now(now))
        if not found:
            return None
        delay = max(r.delay for r in found)
        top = found[0] if found[0].reason == "banned" else max(found, key=lambda r: r.delay)
        return Refusal(top.reason, top.pool, delay, top.used, top.limit, top.interval_seconds)

    def reserve(self, charges: Sequence[tuple[str, int]], now: float) -> float:
        """Record `charges` (pool, weight) atomically and return 0.0, or record nothing and
        return the seconds (> 0) until they could fit.

        Raises ValueError for an unknown pool, a negative weight, or a weight above the
        pool's limit (it could never fit).
        """
        totals = self._totals(charges)
        now = self._now(now)
        found = self._refusals(totals, now)
        if found:
            return max(r.delay for r in found)
        for name, weight in totals.items():
            if weight:
                pool = self._pools[name]
                for k in self._touched(pool, now):
                    pool.counts[k] = pool.counts.get(k, 0) + weight
        return 0.0

    # -- server feedback -------------------------------------------------------------------

    def _find(self, kind: str, interval: float) -> _Pool | None:
        for pool in self._pools.values():
            if pool.kind == kind and pool.interval == interval:
                return pool
        return None

    def _raise_count(self, pool: _Pool, count: int, now: float) -> None:
        self._prune(pool, now)
        k = self._touched(pool, now)[0]
        pool.counts[k] = max(pool.counts.get(k, 0), count)

    def reconcile(self, headers: Mapping[str, str], now: float) -> None:
        """Raise local counts to the server's usage headers: max(local, header), never lower.

        ``X-MBX-USED-WEIGHT-<n><S|M|H|D>`` (and the legacy ``X-MBX-USED-WEIGHT``, 1 minute),
        ``X-MBX-ORDER-COUNT-<n><L>``, ``X-SAPI-USED-IP-WEIGHT-<n><L>`` and
        ``X-SAPI-USED-UID-WEIGHT-<n><L>`` go to the pool of that kind and interval; names are
        case-insensitive; headers with no matching pool and malformed values are ignored.
        """
        now = self._now(now)
        for key, value in headers.items():
            if key[:2] not in ("X-", "x-"):
                continue
            target = _header_pool(str(key))
            pool = None if target is None else self._find(*target)
            count = _parse_count(value)
            if pool is not None and count is not None:
                self._raise_count(pool, count, now)

    def reconcile_rate_limits(self, rate_limits: Iterable[object], now: float) -> None:
        """Like `reconcile`, from WebSocket-API ``rateLimits`` entries (with ``count``)."""
        now = self._now(now)
        for entry in rate_limits:
            parsed = _parse_rate_limit(entry)
            count = _parse_count(_field(entry, "count"))
            if parsed is None or count is None:
                continue
            pool = self._find(parsed[0], parsed[1])
            if pool is not None:
                self._raise_count(pool, count, now)

    def penalize(
        self, status: int, code: int, retry_after: float | None, now: float,
        pools: Sequence[str] = (),
    ) -> None:
        """Block pools after a 429, or the whole host after a 418. Blocks only extend.

        429: the named `pools` (default: REQUEST_WEIGHT; ORDERS_10S and ORDERS_1D for code
        -1015) until ``now + retry_after``, or the end of each pool's current window.
        418: every pool until ``now + retry_after`` (default 120 s). Other statuses: no-op.
        """
        now = self._now(now)
        wait = None
        if retry_after is not None and not math.isnan(retry_after):
            wait = max(0.0, float(retry_after))
        if status == 418:
            until = now + (BAN_DEFAULT_SECONDS if wait is None else wait)
            self._banned_until = max(self._banned_until, until)
            for pool in self._pools.values():
                pool.blocked_until = max(pool.blocked_until, until)
            return
        if status != 429:
            return
        if pools:
            targets = [self._get(name) for name in pools]
        else:
            names = (ORDERS_10S, ORDERS_1D) if code == -1015 else (REQUEST_WEIGHT,)
            targets = [self._pools[n] for n in names if n in self._pools]
        for pool in targets:
            end = (self._window(pool, now) + 1) * pool.interval
            until = end if wait is None else now + wait
            pool.blocked_until = max(pool.blocked_until, until)

    def set_limits_from_exchange_info(
        self, rate_limits: Iterable[Mapping[str, Any] | object]
    ) -> None:
        """Replace pool limits from exchangeInfo ``rateLimits`` (mappings or objects).

        An entry updates the pool of the same kind and interval (``ORDERS`` 10 SECOND ->
        ORDERS_10S); with none, a pool ``<TYPE>_<n><S|M|H|D>`` is created. Used counts are
        kept; malformed entries are skipped.
        """
        for entry in rate_limits:
            parsed = _parse_rate_limit(entry)
            if parsed is None or parsed[3] is None:
                continue
            kind, interval, suffix, limit = parsed[0], parsed[1], parsed[2], parsed[3]
            pool = self._find(kind, interval)
            if pool is None:
                name = f"{kind}_{suffix}"
                self._pools[name] = pool = _Pool(name, interval, limit)
                # charges name the pools they know (REQUEST_WEIGHT, ORDERS_10S...): the first
                # pool of the same kind carries its charges over to this new one
                base = next((p for p in self._pools.values() if p.kind == kind and p is not pool),
                            None)
                if base is not None:
                    self._linked.setdefault(base.name, []).append(name)
            pool.limit = limit

    # -- views -----------------------------------------------------------------------------

    @property
    def banned_until(self) -> float:
        """End of the 418 host ban, epoch seconds (0.0 if never banned)."""
        return self._banned_until

    def pools_of_type(self, rate_limit_type: str) -> tuple[str, ...]:
        """Names of the pools of one kind, e.g. ``"ORDERS"`` -> ORDERS_10S, ORDERS_1D."""
        return tuple(p.name for p in self._pools.values() if p.kind == rate_limit_type)

    def blocked_until(self, pools: Sequence[str] | None = None) -> float:
        """Latest block end over `pools` (default: all) and the host ban; 0.0 if none."""
        chosen = self._pools.values() if pools is None else [self._get(n) for n in pools]
        return max([self._banned_until, *(p.blocked_until for p in chosen)])

    def statistics(self, now: float) -> dict[str, PoolStats]:
        """Per pool: usage of the current window, its bounds and any block."""
        now = self._now(now)
        stats: dict[str, PoolStats] = {}
        for name, pool in self._pools.items():
            self._prune(pool, now)
            k = self._window(pool, now)
            start, blocked = k * pool.interval, max(pool.blocked_until, self._banned_until)
            stats[name] = PoolStats(
                name, pool.counts.get(k, 0), pool.limit, pool.interval, start,
                (k + 1) * pool.interval, blocked,
            )
        return stats


@dataclass(eq=False, slots=True)
class _Waiter:
    pools: frozenset[str]
    wake: asyncio.Event = field(default_factory=asyncio.Event)


class RateLimiter:
    """Async wrapper over `LimiterState`: waits for room ("wait") or raises ("raise").

    Waiters are served first come, first served per pool: a request never overtakes an
    earlier one that charges a pool it also charges, so big requests are not starved.
    """

    def __init__(
        self,
        state: LimiterState | None = None,
        *,
        clock: Callable[[], float] = time.time,
        on_limit: Literal["wait", "raise"] = "wait",
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if on_limit not in ("wait", "raise"):
            raise ValueError(f"on_limit must be 'wait' or 'raise', got {on_limit!r}")
        self.state = state if state is not None else LimiterState()
        self.clock = clock
        self.on_limit: Literal["wait", "raise"] = on_limit
        self._sleep = sleep
        self._waiters: list[_Waiter] = []

    def _behind(self, waiter: _Waiter) -> bool:
        for other in self._waiters:
            if other is waiter:
                return False
            if other.pools & waiter.pools:
                return True
        return False

    async def acquire(self, charges: Sequence[tuple[str, int]]) -> None:
        """Take `charges` (pool, weight) from the limiter, waiting or raising as configured.

        Raises `RateLimited` / `TooManyOrders` / `IPBanned` in "raise" mode, ValueError for
        charges that can never fit.
        """
        charges = tuple(charges)
        if self.on_limit == "raise":
            now = self.clock()
            if self.state.reserve(charges, now) > 0:
                raise self._error(charges, now)
            return
        if not self._waiters and self.state.reserve(charges, self.clock()) <= 0:
            return  # nobody queued and it fits: the common case, no waiter needed
        waiter = _Waiter(frozenset(name for name, weight in charges if weight > 0))
        self._waiters.append(waiter)
        try:
            while True:
                while self._behind(waiter):
                    waiter.wake.clear()
                    await waiter.wake.wait()
                delay = self.state.reserve(charges, self.clock())
                if delay <= 0:
                    return
                await self._sleep(delay)
        finally:
            self._waiters.remove(waiter)
            for other in self._waiters:
                other.wake.set()

    def _error(self, charges: Sequence[tuple[str, int]], now: float) -> RateLimited | IPBanned:
        refusal = self.state.refusal(charges, now)
        assert refusal is not None, "reserve just refused at the same time"
        retry = f"retry in {refusal.delay:.1f} s"
        if refusal.reason == "banned":
            banned = self.state.banned_until
            msg = f"client-side ban: the IP is banned (HTTP 418) until {banned:.3f}; {retry}"
            return IPBanned(418, -1003, msg, retry_after=refusal.delay, banned_until=banned)
        pool = refusal.pool or "?"
        if refusal.reason == "limit":
            msg = (
                f"client-side limit: {pool} would exceed {refusal.limit} per "
                f"{refusal.interval_seconds:g}s; {retry}"
            )
        else:
            msg = f"client-side block: {pool} is blocked after HTTP 429; {retry}"
        if pool in self.state.pools_of_type("ORDERS"):
            return TooManyOrders(429, -1015, msg, retry_after=refusal.delay)
        return RateLimited(429, -1003, msg, retry_after=refusal.delay)

    def reconcile(self, headers: Mapping[str, str]) -> None:
        """`LimiterState.reconcile` at the clock's time."""
        self.state.reconcile(headers, self.clock())

    def reconcile_rate_limits(self, rate_limits: Iterable[object]) -> None:
        """`LimiterState.reconcile_rate_limits` at the clock's time."""
        self.state.reconcile_rate_limits(rate_limits, self.clock())

    def penalize(
        self, status: int, code: int, retry_after: float | None, pools: Sequence[str] = ()
    ) -> None:
        """`LimiterState.penalize` at the clock's time."""
        self.state.penalize(status, code, retry_after, self.clock(), pools)

    def set_limits_from_exchange_info(
        self, rate_limits: Iterable[Mapping[str, Any] | object]
    ) -> None:
        """`LimiterState.set_limits_from_exchange_info`."""
        self.state.set_limits_from_exchange_info(rate_limits)

    def statistics(self) -> dict[str, PoolStats]:
        """`LimiterState.statistics` at the clock's time."""
        return self.state.statistics(self.clock())
