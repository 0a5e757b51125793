"""The weight-aware rate limiter: fixed windows, reconcile = max, blocks, and the async wait."""

from __future__ import annotations

import asyncio
import copy
import math
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from multidict import CIMultiDict

from binance_async.errors import IPBanned, RateLimited, TooManyOrders
from binance_async.rest import ratelimit as rl
from binance_async.rest.ratelimit import Limit, LimiterState, PoolStats, RateLimiter

RW, RAW, O10S, O1D = rl.REQUEST_WEIGHT, rl.RAW_REQUESTS, rl.ORDERS_10S, rl.ORDERS_1D
MINUTE = 1_699_999_980.0  # a whole minute (and a multiple of 10 s)
DAY = 86400.0
MIDNIGHT = 19676 * DAY  # 2023-11-15 00:00 UTC

Charges = list[tuple[str, int]]


def small_state(guard: float = 0.0) -> LimiterState:
    """REQUEST_WEIGHT 10/min, ORDERS_10S 3/10 s, ORDERS_1D 5/day."""
    limits = [Limit(RW, 60, 10), Limit(O10S, 10, 3), Limit(O1D, 86400, 5)]
    return LimiterState(limits, boundary_guard=guard)


def used(state: LimiterState, pool: str, now: float) -> int:
    return state.statistics(now)[pool].used


def entry(kind: str, interval: str, num: int, limit: Any, **extra: Any) -> dict[str, Any]:
    """An exchangeInfo / WS-API ``rateLimits`` entry."""
    return {"rateLimitType": kind, "interval": interval, "intervalNum": num, "limit": limit,
            **extra}


# -- windows ----------------------------------------------------------------------------------


def test_default_limits() -> None:
    got = {lim.pool: (lim.interval_seconds, lim.limit) for lim in rl.DEFAULT_LIMITS}
    assert got == {RW: (60, 6000), RAW: (300, 300000), O10S: (10, 50), O1D: (86400, 160000),
                   rl.SAPI_IP: (60, 12000), rl.SAPI_UID: (60, 180000)}
    with pytest.raises(AttributeError):
        rl.DEFAULT_LIMITS[0].limit = 1  # type: ignore[misc]


@pytest.mark.parametrize("pool,interval,limit", [(RW, 60, 10), (O10S, 10, 3), (O1D, DAY, 5)])
def test_fixed_windows_reset_on_epoch_boundaries(pool: str, interval: float, limit: int) -> None:
    """Minute windows reset on the minute, 10 s ones on multiples of 10 s, a day at 00:00 UTC."""
    assert datetime.fromtimestamp(MIDNIGHT, UTC).strftime("%H:%M:%S") == "00:00:00"
    state = small_state()
    assert state.reserve([(pool, limit)], MIDNIGHT - 0.75) == 0.0
    assert state.reserve([(pool, 1)], MIDNIGHT - 0.25) == pytest.approx(0.25)
    assert used(state, pool, MIDNIGHT - 0.25) == limit
    # fixed, not sliding: the full limit is available again right on the boundary
    assert state.reserve([(pool, limit)], MIDNIGHT) == 0.0
    assert state.reserve([(pool, 1)], MIDNIGHT + 0.5) == pytest.approx(interval - 0.5)
    stats = state.statistics(MIDNIGHT + 0.5)[pool]
    assert (stats.window_start, stats.resets_at) == (MIDNIGHT, MIDNIGHT + interval)
    assert stats.used == limit


def test_multi_pool_charges_are_atomic() -> None:
    state = small_state()
    assert state.reserve([(O10S, 3)], MINUTE) == 0.0
    charges = [(RW, 4), (O10S, 1), (O1D, 1)]
    assert state.reserve(charges, MINUTE + 1) == pytest.approx(9)
    assert used(state, RW, MINUTE + 1) == used(state, O1D, MINUTE + 1) == 0
    assert state.reserve(charges, MINUTE + 10) == 0.0
    stats = state.statistics(MINUTE + 10)
    assert [stats[p].used for p in (RW, O10S, O1D)] == [4, 1, 1]
    state.reserve([(O10S, 2), (RW, 6)], MINUTE + 10)
    assert state.reserve([(O10S, 1), (RW, 1)], MINUTE + 10) == pytest.approx(50)  # the longest


def test_impossible_and_invalid_charges_raise() -> None:
    state = small_state()
    bad: list[tuple[Charges, str]] = [
        ([(RW, 11)], "weight 11 on pool REQUEST_WEIGHT"),
        ([(O10S, 2), (O10S, 2)], "weight 4 on pool ORDERS_10S"),
        ([("NOPE", 1)], "NOPE"),
        ([(RW, -1)], "negative"),
    ]
    for charges, message in bad:
        with pytest.raises(ValueError, match=message):
            state.reserve(charges, MINUTE)
    for limits in ([Limit("A", 1, 1), Limit("A", 2, 1)], [Limit("A", 0, 1)], [Limit("A", 1, -1)]):
        with pytest.raises(ValueError):
            LimiterState(limits)
    with pytest.raises(ValueError):
        LimiterState(boundary_guard=-1)
    assert used(state, RW, MINUTE) == 0


def test_zero_weight_fits_unless_blocked() -> None:
    state = small_state()
    state.reserve([(RW, 10)], MINUTE)
    assert state.reserve([(RW, 0), (O10S, 1)], MINUTE) == 0.0
    assert state.reserve([], MINUTE) == 0.0
    state.penalize(429, -1003, 5, MINUTE)
    assert state.reserve([(RW, 0)], MINUTE + 1) == pytest.approx(4)
    state.penalize(418, -1003, 30, MINUTE + 1)
    assert state.reserve([], MINUTE + 1) == pytest.approx(30)


def test_boundary_guard_counts_in_both_windows() -> None:
    state = small_state(guard=1.0)
    assert state.reserve([(RW, 10)], MINUTE + 30) == 0.0
    # just after the boundary the server may still be in the previous (full) window
    assert state.reserve([(RW, 1)], MINUTE + 60.5) == pytest.approx(0.5)
    assert state.reserve([(RW, 10)], MINUTE + 61) == 0.0
    # just before a boundary the server may already be in the next window
    state = small_state(guard=1.0)
    assert state.reserve([(RW, 7)], MINUTE + 59.5) == 0.0
    assert used(state, RW, MINUTE + 60) == 7
    assert state.reserve([(RW, 4)], MINUTE + 62) == pytest.approx(59)


def test_clock_stepping_back_is_clamped() -> None:
    state = small_state()
    state.reserve([(RW, 10)], MINUTE + 60)
    # an estimate that steps back into the previous minute counts in the latest window
    assert state.reserve([(RW, 1)], MINUTE + 59) > 0
    with pytest.raises(ValueError):
        state.reserve([], math.nan)


# -- reconcile --------------------------------------------------------------------------------


def test_reconcile_headers_case_insensitive() -> None:
    state, now = LimiterState(), MINUTE + 5
    headers = {"X-MBX-USED-WEIGHT-1M": "5990", "x-mbx-order-count-10s": "7",
               "X-Mbx-Order-Count-1D": "1234", "X-SAPI-USED-IP-WEIGHT-1M": "100",
               "x-sapi-used-uid-weight-1m": " 200 ", "Content-Type": "application/json"}
    state.reconcile(headers, now)
    assert {p: s.used for p, s in state.statistics(now).items()} == {
        RW: 5990, RAW: 0, O10S: 7, O1D: 1234, rl.SAPI_IP: 100, rl.SAPI_UID: 200}
    assert state.reserve([(RW, 11)], now) == pytest.approx(55)  # until the next minute
    assert state.reserve([(RW, 10)], now) == 0.0
    assert state.reserve([(RW, 6000)], MINUTE + 60) == 0.0  # the header was this minute's


def test_reconcile_legacy_header_and_multidict() -> None:
    state = LimiterState()
    state.reconcile({"x-mbx-used-weight": "42"}, MINUTE)
    assert used(state, RW, MINUTE) == 42
    headers: CIMultiDict[str] = CIMultiDict([("X-MBX-USED-WEIGHT", "50")])
    headers.add("x-mbx-used-weight-1m", "60")
    state.reconcile(headers, MINUTE)
    assert used(state, RW, MINUTE) == 60


def test_reconcile_never_lowers_and_ignores_garbage() -> None:
    state = LimiterState()
    state.reserve([(RW, 20)], MINUTE)
    state.reconcile({"X-MBX-USED-WEIGHT-1M": "5"}, MINUTE + 1)
    assert used(state, RW, MINUTE + 1) == 20
    garbage: dict[str, Any] = {
        "X-MBX-USED-WEIGHT-1M": "abc", "X-MBX-USED-WEIGHT": "", "X-MBX-ORDER-COUNT-10S": "-5",
        "X-MBX-ORDER-COUNT-1D": "1.5", "X-SAPI-USED-UID-WEIGHT-1M": None,
        "X-SAPI-USED-IP-WEIGHT-1M": "\u0661\u0662",  # Arabic-Indic digits
        "X-MBX-USED-WEIGHT-1S": "999", "X-MBX-ORDER-COUNT-1H": "999",  # no such pools
        "X-MBX-USED-WEIGHT-": "999",
    }
    state.reconcile(garbage, MINUTE + 1)
    assert {p: s.used for p, s in state.statistics(MINUTE + 1).items() if s.used} == {RW: 20}


def test_reconcile_within_guard_applies_to_the_previous_window() -> None:
    state = LimiterState(boundary_guard=1.0)
    # a response right after the minute may still report the old minute's count
    state.reconcile({"X-MBX-USED-WEIGHT-1M": "5999"}, MINUTE + 60.5)
    assert state.reserve([(RW, 2)], MINUTE + 60.5) == pytest.approx(0.5)
    assert state.reserve([(RW, 2)], MINUTE + 61) == 0.0


def test_reconcile_rate_limits_from_ws_api() -> None:
    state = LimiterState()
    entries = [entry("REQUEST_WEIGHT", "MINUTE", 1, 6000, count=70),
               entry("ORDERS", "SECOND", 10, 50, count=3),
               entry("ORDERS", "DAY", 1, 160000, count="x"), "junk"]
    state.reconcile_rate_limits(entries, MINUTE)
    assert [used(state, p, MINUTE) for p in (RW, O10S, O1D)] == [70, 3, 0]


# -- penalties --------------------------------------------------------------------------------


def test_429_with_retry_after_blocks_request_weight() -> None:
    state = LimiterState()
    state.penalize(429, -1003, 7.5, MINUTE + 1)
    assert state.blocked_until([RW]) == MINUTE + 8.5
    assert state.blocked_until([O10S]) == state.banned_until == 0.0
    assert state.reserve([(RW, 1)], MINUTE + 2) == pytest.approx(6.5)
    assert state.reserve([(O10S, 1)], MINUTE + 2) == 0.0
    assert state.reserve([(RW, 1)], MINUTE + 8.5) == 0.0


def test_429_without_retry_after_blocks_until_window_end() -> None:
    state = LimiterState()
    state.penalize(429, -1003, None, MINUTE + 12)
    assert state.blocked_until([RW]) == MINUTE + 60
    state.penalize(429, -1015, None, MINUTE + 12)
    assert state.blocked_until([O10S]) == MINUTE + 20
    assert state.blocked_until([O1D]) == (MINUTE // 86400 + 1) * 86400
    state.penalize(429, -1003, 3, MINUTE + 12, pools=[rl.SAPI_UID])
    assert state.blocked_until([rl.SAPI_UID]) == MINUTE + 15
    with pytest.raises(ValueError):
        state.penalize(429, -1003, 3, MINUTE + 12, pools=["NOPE"])
    state.penalize(400, -1100, 60, MINUTE + 12)
    state.penalize(503, 0, None, MINUTE + 12)
    assert state.blocked_until([RAW]) == 0.0


def test_later_blocks_extend_never_shorten() -> None:
    state = LimiterState()
    state.penalize(429, -1003, 30, MINUTE)
    state.penalize(429, -1003, 5, MINUTE + 1)
    assert state.blocked_until([RW]) == MINUTE + 30
    state.penalize(429, -1003, 40, MINUTE + 1)
    assert state.blocked_until([RW]) == MINUTE + 41
    state.penalize(418, -1003, 600, MINUTE + 2)
    state.penalize(418, -1003, 10, MINUTE + 3)
    assert state.banned_until == MINUTE + 602


def test_418_blocks_every_pool() -> None:
    state = LimiterState()
    state.penalize(418, -1003, None, MINUTE)
    assert state.banned_until == state.blocked_until() == MINUTE + 120
    for pool, stats in state.statistics(MINUTE).items():
        assert stats.blocked_until == MINUTE + 120
        assert state.reserve([(pool, 1)], MINUTE + 20) == pytest.approx(100)
    state.set_limits_from_exchange_info([entry("ORDERS", "HOUR", 1, 9)])  # a pool made later
    assert state.reserve([("ORDERS_1H", 1)], MINUTE + 20) == pytest.approx(100)
    assert state.reserve([("ORDERS_1H", 1)], MINUTE + 120) == 0.0


# -- exchangeInfo and statistics --------------------------------------------------------------


class RateLimitStruct(msgspec.Struct):
    rateLimitType: str
    interval: str
    intervalNum: int
    limit: int


def test_set_limits_from_exchange_info() -> None:
    state = LimiterState()
    state.reserve([(RW, 700), (O10S, 2)], MINUTE)
    state.set_limits_from_exchange_info([
        entry("REQUEST_WEIGHT", "MINUTE", 1, 1200),
        RateLimitStruct("ORDERS", "SECOND", 10, 100),
        RateLimitStruct("ORDERS", "DAY", 1, 200000),
        entry("RAW_REQUESTS", "MINUTE", 5, 61000),
        entry("ORDERS", "MINUTE", 2, 77),
        # malformed: skipped
        entry("ORDERS", "WEEK", 1, 1), entry("ORDERS", "DAY", 0, 1), entry("ORDERS", "DAY", 1, "x"),
        {"interval": "DAY", "intervalNum": 1, "limit": 1}, 42,
    ])
    stats = {p: (s.limit, s.used, s.interval_seconds) for p, s in state.statistics(MINUTE).items()}
    assert stats[RW] == (1200, 700, 60.0)
    assert stats[O10S] == (100, 2, 10.0)
    assert stats[O1D][0] == 200000 and stats[RAW][0] == 61000
    assert stats["ORDERS_2M"] == (77, 0, 120.0)
    assert state.pools_of_type("ORDERS") == (O10S, O1D, "ORDERS_2M")
    assert state.reserve([(RW, 501)], MINUTE) == pytest.approx(60)


def test_statistics() -> None:
    state = small_state()
    state.reserve([(RW, 4)], MINUTE + 61)
    state.penalize(429, -1015, 2, MINUTE + 61, pools=[O10S])
    stats = state.statistics(MINUTE + 62)
    assert stats[RW] == PoolStats(
        pool=RW, used=4, limit=10, interval_seconds=60,
        window_start=MINUTE + 60, resets_at=MINUTE + 120, blocked_until=0.0,
    )
    assert stats[O10S].blocked_until == MINUTE + 63
    assert set(stats) == {RW, O10S, O1D}


# -- properties -------------------------------------------------------------------------------

INTERVALS = [1, 2, 5, 10, 60]
SUFFIX = {1: "1S", 2: "2S", 5: "5S", 10: "10S", 60: "1M"}
quarter = st.integers(0, 48).map(lambda n: n / 4)  # exact binary fractions: no float noise
Scenario = tuple[list[Limit], float, list[tuple[float, Charges]]]


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    limits = [
        Limit(f"P{i}", draw(st.sampled_from(INTERVALS)), draw(st.integers(1, 12)))
        for i in range(draw(st.integers(1, 3)))
    ]
    guard = draw(st.sampled_from([0.0, 0.25, 1.0]))
    charge = st.tuples(st.sampled_from([lim.pool for lim in limits]), st.integers(0, 6))
    ops = draw(st.lists(st.tuples(quarter, st.lists(charge, max_size=3)), max_size=50))
    return limits, guard, ops


def windows(t: float, interval: float, guard: float) -> range:
    """Every server window a request at client time t can land in, clock off by <= guard."""
    return range(math.floor((t - guard) / interval), math.floor((t + guard) / interval) + 1)


@given(scenarios())
def test_property_no_window_ever_over_limit(scenario: Scenario) -> None:
    limits, guard, ops = scenario
    by_name = {lim.pool: lim for lim in limits}
    state = LimiterState(limits, boundary_guard=guard)
    admitted: dict[tuple[str, int], int] = defaultdict(int)
    now = MINUTE
    for advance, charges in ops:
        now += advance
        totals: dict[str, int] = defaultdict(int)
        for pool, weight in charges:
            totals[pool] += weight
        if any(w > by_name[p].limit for p, w in totals.items()):
            with pytest.raises(ValueError):
                state.reserve(charges, now)
            continue
        before, probe = state.statistics(now), copy.deepcopy(state)
        delay = state.reserve(charges, now)
        if delay > 0:
            assert state.statistics(now) == before  # nothing recorded
            # the delay is exact: not enough at half of it, enough at the end of it
            assert probe.reserve(charges, now + delay / 2) > 0
            assert probe.reserve(charges, now + delay) == 0.0
            continue
        for pool, weight in totals.items():
            for k in windows(now, by_name[pool].interval_seconds, guard):
                admitted[pool, k] += weight
    for (pool, k), total in admitted.items():
        assert total <= by_name[pool].limit, (pool, k, total)


@given(
    st.sampled_from(INTERVALS), st.integers(1, 12),
    st.lists(st.tuples(quarter, st.integers(0, 12)), max_size=30),
    quarter, st.integers(0, 15), st.integers(0, 12),
)
def test_property_reconcile_never_lowers_safety(
    interval: int, limit: int, ops: list[tuple[float, int]], later: float, header: int, probe: int
) -> None:
    name = f"ORDERS_{SUFFIX[interval]}"
    state = LimiterState([Limit(name, interval, limit)])
    now = MINUTE
    for advance, weight in ops:
        now += advance
        state.reserve([(name, min(weight, limit))], now)
    now += later
    charge = [(name, min(probe, limit))]
    refused = state.refusal(charge, now) is not None
    before = used(state, name, now)
    state.reconcile({f"X-Mbx-Order-Count-{SUFFIX[interval]}": str(header)}, now)
    assert used(state, name, now) == max(before, header)
    if refused:
        assert state.refusal(charge, now) is not None
    state.reconcile({"X-MBX-USED-WEIGHT-1M": str(header + 100)}, now)  # no such pool: no-op
    assert used(state, name, now) == max(before, header)


penalties = st.tuples(
    quarter, st.sampled_from([418, 429, 400, 503]), st.sampled_from([-1003, -1015, 0]),
    st.one_of(st.none(), st.integers(0, 300).map(float)),
)


@given(st.lists(penalties, max_size=30))
def test_property_blocks_never_shorten(ops: list[tuple[float, int, int, float | None]]) -> None:
    state = LimiterState()
    pools = list(state.statistics(MINUTE))
    now, last, last_ban = MINUTE, dict.fromkeys(pools, 0.0), 0.0
    for advance, status, code, retry_after in ops:
        now += advance
        state.penalize(status, code, retry_after, now)
        for p in pools:
            assert state.blocked_until([p]) >= last[p]
            last[p] = state.blocked_until([p])
        assert state.banned_until >= last_ban
        last_ban = state.banned_until
        if status in (418, 429) and retry_after is not None:
            hit = pools if status == 418 else [O10S] if code == -1015 else [RW]
            assert state.blocked_until(hit) >= now + retry_after
            assert state.reserve([(hit[0], 1)], now) > 0 or retry_after == 0


# -- async wrapper ----------------------------------------------------------------------------


class FakeTime:
    """A clock and a sleep that advances it: at once, or (gated) when the test opens the gate."""

    def __init__(self, t: float, gated: bool = False) -> None:
        self.t, self.gated, self.gate = t, gated, asyncio.Event()
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.t

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        if self.gated:
            await self.gate.wait()
        self.t += seconds
        await asyncio.sleep(0)


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


def limiter(
    t: float, state: LimiterState | None = None, gated: bool = False, **kw: Any
) -> tuple[RateLimiter, FakeTime]:
    fake = FakeTime(t, gated)
    state = small_state() if state is None else state
    return RateLimiter(state, clock=fake, sleep=fake.sleep, **kw), fake


def max_per_window(log: Iterable[tuple[float, int]], interval: float) -> int:
    totals: dict[int, int] = defaultdict(int)
    for t, weight in log:
        totals[math.floor(t / interval)] += weight
    return max(totals.values())


async def test_wait_mode_sleeps_until_next_window() -> None:
    lim, fake = limiter(MINUTE + 12.3)
    await lim.acquire([(RW, 10)])
    assert fake.sleeps == []
    await lim.acquire([(RW, 1)])
    assert fake.sleeps == [pytest.approx(47.7)]
    assert fake.t >= MINUTE + 60
    assert lim.statistics()[RW].used == 1
    lim.penalize(429, -1003, 4.0)
    await lim.acquire([(RW, 1)])
    assert fake.sleeps[1:] == [pytest.approx(4.0)]


async def test_raise_mode_raises_rate_limited() -> None:
    lim, fake = limiter(MINUTE + 12.3, LimiterState(), on_limit="raise")
    lim.reconcile({"X-MBX-USED-WEIGHT-1M": "5999"})
    with pytest.raises(RateLimited) as info:
        await lim.acquire([(RW, 2), (RAW, 1)])
    err = info.value
    assert type(err) is RateLimited and (err.status, err.code) == (429, -1003)
    assert err.retry_after == pytest.approx(47.7)
    assert "client-side" in err.msg and "REQUEST_WEIGHT" in err.msg and "6000 per 60s" in err.msg
    assert lim.statistics()[RAW].used == 0
    assert fake.sleeps == []
    await lim.acquire([(RW, 1)])


async def test_raise_mode_orders_block_and_ban() -> None:
    lim, _ = limiter(MINUTE + 1, on_limit="raise")
    await lim.acquire([(O10S, 3)])
    with pytest.raises(TooManyOrders) as info:
        await lim.acquire([(RW, 1), (O10S, 1)])
    assert (info.value.status, info.value.code) == (429, -1015)
    assert info.value.retry_after == pytest.approx(9)
    assert "ORDERS_10S" in info.value.msg
    lim.penalize(429, -1003, 30)
    with pytest.raises(RateLimited, match=r"client-side.*REQUEST_WEIGHT") as blocked:
        await lim.acquire([(RW, 1)])
    assert blocked.value.code == -1003
    assert blocked.value.retry_after == pytest.approx(30)
    lim.penalize(418, -1003, 300)
    with pytest.raises(IPBanned) as banned:
        await lim.acquire([(RW, 1)])
    assert (banned.value.status, banned.value.code) == (418, -1003)
    assert banned.value.retry_after == pytest.approx(300)
    assert banned.value.banned_until == MINUTE + 301 == lim.state.banned_until
    assert "client-side" in banned.value.msg


async def test_invalid_on_limit_and_impossible_charge() -> None:
    with pytest.raises(ValueError):
        RateLimiter(on_limit="sometimes")  # type: ignore[arg-type]
    lim, _ = limiter(MINUTE)
    with pytest.raises(ValueError):
        await lim.acquire([(RW, 11)])
    await lim.acquire([(RW, 10)])


async def test_concurrent_waiters_fifo_and_never_over_limit() -> None:
    lim, fake = limiter(MINUTE + 5)
    log: list[tuple[int, float, int]] = []

    async def worker(i: int, weight: int) -> None:
        await lim.acquire([(RW, weight)])
        log.append((i, fake.t, weight))

    weights = [6, 10, 1, 1, 3, 9, 2, 2, 2, 10, 1]
    async with asyncio.TaskGroup() as tg:
        for i, w in enumerate(weights):
            tg.create_task(worker(i, w))
    assert [i for i, _, _ in log] == list(range(len(weights)))  # FIFO: the 10 is not starved
    assert max_per_window(((t, w) for _, t, w in log), 60) <= 10
    assert all(d > 0 for d in fake.sleeps)


async def test_waiters_on_other_pools_are_not_held_up() -> None:
    lim, fake = limiter(MINUTE, gated=True)
    await lim.acquire([(RW, 10)])
    slow = asyncio.create_task(lim.acquire([(RW, 5)]))
    await settle()
    assert fake.sleeps == [pytest.approx(60)] and not slow.done()
    await lim.acquire([(RW, 0), (O10S, 1)])  # no wait behind the weight
    assert fake.sleeps == [pytest.approx(60)]
    fake.gate.set()
    await slow
    assert lim.statistics()[RW].used == 5


async def test_cancelled_waiter_leaves_the_queue() -> None:
    lim, fake = limiter(MINUTE, gated=True)
    await lim.acquire([(RW, 10)])
    first = asyncio.create_task(lim.acquire([(RW, 5)]))
    second = asyncio.create_task(lim.acquire([(RW, 5)]))
    await settle()
    assert len(fake.sleeps) == 1  # only the head waiter sleeps; the second waits its turn
    first.cancel()
    with pytest.raises(asyncio.CancelledError):
        await first
    await settle()
    assert len(fake.sleeps) == 2  # the second took over
    fake.gate.set()
    await second
    assert lim.statistics()[RW].used == 5


@settings(max_examples=30)
@given(st.lists(st.tuples(st.integers(1, 3), st.integers(0, 10)), min_size=1, max_size=25))
def test_property_concurrent_waiters_all_admitted(jobs: list[tuple[int, int]]) -> None:
    async def run() -> list[tuple[float, int, int]]:
        lim, fake = limiter(MINUTE + 3)
        log: list[tuple[float, int, int]] = []

        async def worker(orders: int, weight: int) -> None:
            await lim.acquire([(RW, weight), (O10S, orders)])
            log.append((fake.t, orders, weight))

        async with asyncio.TaskGroup() as tg:
            for orders, weight in jobs:
                tg.create_task(worker(orders, weight))
        return log

    log = asyncio.run(run())
    assert len(log) == len(jobs)
    assert max_per_window(((t, w) for t, _, w in log), 60) <= 10
    assert max_per_window(((t, o) for t, o, _ in log), 10) <= 3


def test_exchange_info_pool_for_another_interval_is_charged_too() -> None:
    state = LimiterState()
    state.set_limits_from_exchange_info(
        [{"rateLimitType": "REQUEST_WEIGHT", "interval": "SECOND", "intervalNum": 2, "limit": 10}]
    )
    assert "REQUEST_WEIGHT_2S" in state.statistics(0.0)
    assert state.reserve([("REQUEST_WEIGHT", 6)], 100.0) == 0.0
    stats = state.statistics(100.0)
    assert stats["REQUEST_WEIGHT_2S"].used == 6 and stats["REQUEST_WEIGHT"].used == 6
    assert state.reserve([("REQUEST_WEIGHT", 6)], 100.5) > 0  # the 2 s pool refuses it
    assert state.reserve([("REQUEST_WEIGHT", 6)], 102.0) == 0.0  # next 2 s window
    # order charges name both order pools: each counts once, not twice
    assert state.reserve([("ORDERS_10S", 1), ("ORDERS_1D", 1)], 103.0) == 0.0
    stats = state.statistics(103.0)
    assert stats["ORDERS_10S"].used == 1 and stats["ORDERS_1D"].used == 1
