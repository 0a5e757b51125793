"""Server-side rate limits and bans of the local exchange, as the real exchange applies them.

Counters are fixed windows aligned to epoch time (a minute resets on the minute, a day at 00:00
UTC), read from the exchange's `SimClock`:

- ``REQUEST_WEIGHT`` per IP (default 6000 / 1 minute) on ``/api``, charged from the catalogue's
  weight rules, and ``RAW_REQUESTS`` per IP (300,000 / 5 minutes): over either limit the request
  is refused with **429** ``-1003`` and ``Retry-After`` (seconds to the window's end). The
  refused request's weight still counts, so ``X-MBX-USED-WEIGHT-1M`` may exceed the limit.
- An IP that keeps sending while refused (more than ``ban_after`` requests before its
  Retry-After) is banned: **418** ``-1003 ... IP banned until <epoch ms>``; each new ban doubles,
  from ``first_ban`` (2 minutes) up to ``max_ban`` (3 days). A banned IP gets 418 everywhere.
- ``/sapi``: each endpoint has its own IP pool (12,000 / minute) or UID pool (180,000 / minute,
  per account); 429 when exceeded, never a 418 escalation.
- ``ORDERS`` per account (50 / 10 s and 160,000 / day): 429 ``-1015``; the first fill of an
  order gives one back to each window (the "unfilled order count").
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from .errors import SimError

__all__ = ["LimitError", "ServerLimits", "SimLimits", "interval_suffix"]

_UNITS = (("DAY", "D", 86_400), ("HOUR", "H", 3_600), ("MINUTE", "M", 60), ("SECOND", "S", 1))


def _interval(seconds: int) -> tuple[str, str, int]:
    """(interval name, letter, count) for a window length: 600 -> ("MINUTE", "M", 10)."""
    for name, letter, unit in _UNITS:
        if seconds % unit == 0:
            return name, letter, seconds // unit
    raise ValueError(seconds)  # pragma: no cover - seconds is a positive int


def interval_suffix(seconds: int) -> str:
    """The header suffix of a window: 60 -> "1M", 10 -> "10S", 86400 -> "1D"."""
    _, letter, n = _interval(seconds)
    return f"{n}{letter}"


def _interval_words(seconds: int) -> str:
    name, _, n = _interval(seconds)
    return f"{n} {name}"


@dataclass(frozen=True, slots=True)
class SimLimits:
    """The limits the local exchange enforces (and lists in exchangeInfo ``rateLimits``)."""

    request_weight: int = 6000
    request_weight_interval: int = 60
    raw_requests: int = 300_000
    raw_requests_interval: int = 300
    orders_10s: int = 50
    orders_10s_interval: int = 10
    orders_1d: int = 160_000
    orders_1d_interval: int = 86_400
    sapi_ip: int = 12_000
    sapi_uid: int = 180_000
    sapi_interval: int = 60
    #: requests an IP may still send while refused with 429 before it is banned (418)
    ban_after: int = 2
    first_ban: int = 120
    max_ban: int = 259_200

    def __post_init__(self) -> None:
        for name in ("request_weight_interval", "raw_requests_interval", "orders_10s_interval",
                     "orders_1d_interval", "sapi_interval", "first_ban"):  # fmt: skip
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be > 0")

    def rate_limits_json(self) -> list[dict[str, Any]]:
        """The exchangeInfo ``rateLimits`` entries for these limits."""
        out = []
        for kind, limit, seconds in (
            ("REQUEST_WEIGHT", self.request_weight, self.request_weight_interval),
            ("ORDERS", self.orders_10s, self.orders_10s_interval),
            ("ORDERS", self.orders_1d, self.orders_1d_interval),
            ("RAW_REQUESTS", self.raw_requests, self.raw_requests_interval),
        ):
            name, _, n = _interval(seconds)
            out.append({"rateLimitType": kind, "interval": name, "intervalNum": n, "limit": limit})
        return out


class LimitError(SimError):
    """A 429 / 418 refusal: the body plus the ``Retry-After`` header (seconds)."""

    def __init__(self, code: int, msg: str, status: int, retry_after_s: int) -> None:
        super().__init__(code, msg, status)
        self.headers = {"Retry-After": str(max(0, retry_after_s))}


@dataclass(slots=True)
class _Window:
    """A fixed, epoch-aligned counting window."""

    interval_ms: int
    limit: int
    index: int = -1
    count: int = 0

    def used(self, now_ms: int) -> int:
        return self.count if now_ms // self.interval_ms == self.index else 0

    def add(self, now_ms: int, n: int) -> int:
        k = now_ms // self.interval_ms
        if k != self.index:
            self.index, self.count = k, 0
        self.count = max(0, self.count + n)
        return self.count

    def end_ms(self, now_ms: int) -> int:
        return (now_ms // self.interval_ms + 1) * self.interval_ms


@dataclass(slots=True)
class _IpState:
    weight: _Window
    raw: _Window
    blocked_until: int = 0
    strikes: int = 0
    banned_until: int = 0
    bans: int = 0
    sapi: dict[str, _Window] = field(default_factory=dict)


def _seconds_until(now_ms: int, until_ms: int) -> int:
    return max(1, math.ceil((until_ms - now_ms) / 1000))


class ServerLimits:
    """The counters of one exchange: per IP, per account, per /sapi endpoint."""

    def __init__(self, limits: SimLimits | None = None) -> None:
        self.config = limits or SimLimits()
        self._ips: dict[str, _IpState] = {}
        self._orders: dict[str, tuple[_Window, _Window]] = {}
        self._uid: dict[tuple[str, str], _Window] = {}
        #: counters for tests and statistics
        self.refused_429 = 0
        self.refused_418 = 0

    def _ip(self, ip: str) -> _IpState:
        st = self._ips.get(ip)
        if st is None:
            c = self.config
            st = _IpState(_Window(c.request_weight_interval * 1000, c.request_weight),
                          _Window(c.raw_requests_interval * 1000, c.raw_requests))  # fmt: skip
            self._ips[ip] = st
        return st

    # --- IP: /api weight, raw requests, bans ----------------------------------------------------

    def check_ban(self, ip: str, now_ms: int) -> None:
        """418 while `ip` is banned."""
        st = self._ips.get(ip)
        if st is not None and now_ms < st.banned_until:
            self.refused_418 += 1
            raise self._ban_error(st, now_ms)

    @staticmethod
    def _ban_error(st: _IpState, now_ms: int) -> LimitError:
        return LimitError(
            -1003,
            f"Way too much request weight used; IP banned until {st.banned_until}. "
            "Please use WebSocket Streams for live updates to avoid bans.",
            418,
            _seconds_until(now_ms, st.banned_until),
        )

    def _strike(self, st: _IpState, now_ms: int) -> None:
        """A request while refused: another 429, or a ban once past ``ban_after``."""
        st.strikes += 1
        if st.strikes > self.config.ban_after:
            c = self.config
            st.banned_until = now_ms + 1000 * min(c.max_ban, c.first_ban * 2**st.bans)
            st.bans += 1
            st.blocked_until = 0
            st.strikes = 0
            self.refused_418 += 1
            raise self._ban_error(st, now_ms)

    def admit_api(self, ip: str, weight: int, now_ms: int) -> None:
        """Charge an ``/api`` request: RAW_REQUESTS 1 and its REQUEST_WEIGHT (429 / 418)."""
        st = self._ip(ip)
        c = self.config
        if now_ms < st.blocked_until:
            self._strike(st, now_ms)
            self.refused_429 += 1
            raise LimitError(-1003, self._weight_msg(), 429,
                             _seconds_until(now_ms, st.blocked_until))  # fmt: skip
        st.strikes = 0
        raw = st.raw.add(now_ms, 1)
        used = st.weight.add(now_ms, weight)
        if raw > c.raw_requests:
            st.blocked_until = st.raw.end_ms(now_ms)
            self.refused_429 += 1
            raise LimitError(
                -1003,
                f"Too many requests; current limit is {c.raw_requests} requests per "
                f"{_interval_words(c.raw_requests_interval)}. Please use WebSocket Streams for "
                "live updates to avoid polling the API.",
                429,
                _seconds_until(now_ms, st.blocked_until),
            )
        if used > c.request_weight:
            st.blocked_until = st.weight.end_ms(now_ms)
            self.refused_429 += 1
            raise LimitError(-1003, self._weight_msg(), 429,
                             _seconds_until(now_ms, st.blocked_until))  # fmt: skip

    def _weight_msg(self, limit: int | None = None, seconds: int | None = None) -> str:
        c = self.config
        return (
            f"Too much request weight used; current limit is {limit or c.request_weight} "
            f"request weight per {_interval_words(seconds or c.request_weight_interval)}. "
            "Please use WebSocket Streams for live updates to avoid polling the API."
        )

    def used_weight(self, ip: str, now_ms: int) -> int:
        """REQUEST_WEIGHT used by ``ip`` in the current window."""
        st = self._ips.get(ip)
        return 0 if st is None else st.weight.used(now_ms)

    # --- /sapi: per endpoint, IP or UID -----------------------------------------------------

    def admit_sapi(self, pool: str, owner: str, endpoint: str, weight: int, now_ms: int) -> int:
        """Charge a /sapi endpoint's IP (`owner` = IP) or UID (`owner` = account) pool.

        Returns the pool's use after the charge; 429 (no ban) when it exceeds the limit.
        """
        c = self.config
        limit = c.sapi_ip if pool == "SAPI_IP" else c.sapi_uid
        if pool == "SAPI_IP":
            table = self._ip(owner).sapi
            win = table.get(endpoint)
            if win is None:
                win = table[endpoint] = _Window(c.sapi_interval * 1000, limit)
        else:
            win = self._uid.get((owner, endpoint))
            if win is None:
                win = self._uid[(owner, endpoint)] = _Window(c.sapi_interval * 1000, limit)
        if win.used(now_ms) + weight > limit:
            self.refused_429 += 1
            raise LimitError(-1003, self._weight_msg(limit, c.sapi_interval), 429,
                             _seconds_until(now_ms, win.end_ms(now_ms)))  # fmt: skip
        return win.add(now_ms, weight)

    # --- orders per account ---------------------------------------------------------------------

    def _order_windows(self, account: str) -> tuple[_Window, _Window]:
        w = self._orders.get(account)
        if w is None:
            c = self.config
            w = self._orders[account] = (
                _Window(c.orders_10s_interval * 1000, c.orders_10s),
                _Window(c.orders_1d_interval * 1000, c.orders_1d),
            )
        return w

    def admit_orders(self, account: str, n: int, now_ms: int) -> None:
        """Count `n` new orders for `account` (429 -1015 when a window would overflow)."""
        c = self.config
        windows = self._order_windows(account)
        intervals = (c.orders_10s_interval, c.orders_1d_interval)
        for win, seconds in zip(windows, intervals, strict=True):
            if win.used(now_ms) + n > win.limit:
                self.refused_429 += 1
                raise LimitError(
                    -1015,
                    f"Too many new orders; current limit is {win.limit} orders per "
                    f"{_interval_words(seconds)}.",
                    429,
                    _seconds_until(now_ms, win.end_ms(now_ms)),
                )
        for win in self._order_windows(account):
            win.add(now_ms, n)

    def order_filled(self, account: str, now_ms: int) -> None:
        """An order's first fill: the unfilled order count goes down by one in each window."""
        for win in self._order_windows(account):
            if win.used(now_ms) > 0:
                win.add(now_ms, -1)

    def order_counts(self, account: str, now_ms: int) -> tuple[int, int]:
        """The account's (10-second, daily) order counts now."""
        short, day = self._order_windows(account)
        return short.used(now_ms), day.used(now_ms)

    def order_headers(self, account: str, now_ms: int) -> dict[str, str]:
        """``X-MBX-ORDER-COUNT-10S`` / ``-1D`` headers: the account's order counts now."""
        c = self.config
        short, day = self.order_counts(account, now_ms)
        return {
            f"X-MBX-ORDER-COUNT-{interval_suffix(c.orders_10s_interval)}": str(short),
            f"X-MBX-ORDER-COUNT-{interval_suffix(c.orders_1d_interval)}": str(day),
        }

    def order_rate_limit_json(self, account: str, now_ms: int) -> list[dict[str, Any]]:
        """``GET /api/v3/rateLimit/order``."""
        c = self.config
        out = []
        for count, limit, seconds in zip(
            self.order_counts(account, now_ms),
            (c.orders_10s, c.orders_1d),
            (c.orders_10s_interval, c.orders_1d_interval),
            strict=True,
        ):
            name, _, n = _interval(seconds)
            out.append({"rateLimitType": "ORDERS", "interval": name, "intervalNum": n,
                        "limit": limit, "count": count})  # fmt: skip
        return out

    # --- headers ------------------------------------------------------------------------------

    def weight_headers(self, ip: str, now_ms: int) -> dict[str, str]:
        """``X-MBX-USED-WEIGHT-1M`` (and the legacy bare header): every response carries them."""
        used = str(self.used_weight(ip, now_ms))
        suffix = interval_suffix(self.config.request_weight_interval)
        return {f"X-MBX-USED-WEIGHT-{suffix}": used, "X-MBX-USED-WEIGHT": used}

    def sapi_header(self, pool: str, used: int) -> dict[str, str]:
        """The ``X-SAPI-USED-IP-WEIGHT-1M`` (or ``UID``) header of a /sapi pool's use."""
        kind = "IP" if pool == "SAPI_IP" else "UID"
        suffix = interval_suffix(self.config.sapi_interval)
        return {f"X-SAPI-USED-{kind}-WEIGHT-{suffix}": str(used)}

    def ip_state(self, ip: str) -> dict[str, int]:
        """A snapshot of one IP's state (for tests and statistics)."""
        st = self._ip(ip)
        return {"blocked_until": st.blocked_until, "banned_until": st.banned_until,
                "bans": st.bans, "strikes": st.strikes}  # fmt: skip
