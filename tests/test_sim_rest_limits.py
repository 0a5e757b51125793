"""LocalExchange rate limits: REQUEST_WEIGHT 429 + Retry-After, 418 bans escalating from 2
minutes to 3 days, RAW_REQUESTS, ORDERS (-1015), the /sapi IP and UID pools, and the
project's Client reacting to them."""

from __future__ import annotations

import re
import time

import pytest

from binance_async import Client
from binance_async.errors import IPBanned, RateLimited, TooManyOrders
from binance_async.sim import LocalExchange, SimClock, SimLimits
from binance_async.sim.limits import LimitError, ServerLimits

from .sim_helpers import send, signed

WEIGHT_MSG = ("Too much request weight used; current limit is {} request weight per 1 MINUTE. "
              "Please use WebSocket Streams for live updates to avoid polling the API.")
BAN_MSG = re.compile(r"^Way too much request weight used; IP banned until (\d+)\. "
                     r"Please use WebSocket Streams for live updates to avoid bans\.$")


def _clock() -> SimClock:
    """Wall-paced, starting 1 s into a minute."""
    now = int(time.time() * 1000)
    return SimClock(start_ms=(now // 60_000 + 1) * 60_000 + 1_000)


async def test_weight_429_then_escalating_418() -> None:
    clock = _clock()
    limits = SimLimits(request_weight=20, ban_after=2)
    async with LocalExchange(limits=limits, clock=clock, flow_rate=0) as ex:
        for i in range(4):
            r = await send(ex, "GET", "/api/v3/depth", "symbol=BTCUSDT")  # weight 5
            assert r.status == 200
            assert r.headers["X-MBX-USED-WEIGHT-1M"] == str(5 * (i + 1))
        r = await send(ex, "GET", "/api/v3/depth", "symbol=BTCUSDT")
        assert (r.status, r.body) == (429, {"code": -1003, "msg": WEIGHT_MSG.format(20)})
        assert 55 <= int(r.headers["Retry-After"]) <= 60
        assert r.headers["X-MBX-USED-WEIGHT-1M"] == "25"  # the refused request still counts
        # continuing during the 429: two more 429s are tolerated (ban_after=2), then a ban
        for _ in range(2):
            r = await send(ex, "GET", "/api/v3/ping")
            assert r.status == 429
        r = await send(ex, "GET", "/api/v3/ping")
        assert r.status == 418
        m = BAN_MSG.match(r.body["msg"])
        assert r.body["code"] == -1003 and m, r.body
        assert int(r.headers["Retry-After"]) == 120
        assert abs(int(m.group(1)) - (clock.now_ms() + 120_000)) < 1_000
        # banned everywhere, /sapi included
        r = await send(ex, "GET", "/sapi/v1/system/status")
        assert r.status == 418
        # after the ban: served again; the next ban is twice as long
        clock.advance(121_000)
        r = await send(ex, "GET", "/api/v3/ping")
        assert r.status == 200
        for _ in range(20):
            r = await send(ex, "GET", "/api/v3/depth", "symbol=BTCUSDT")
            if r.status != 200:
                break
        assert r.status == 429
        for _ in range(3):
            r = await send(ex, "GET", "/api/v3/ping")
        assert r.status == 418
        assert int(r.headers["Retry-After"]) == 240
        assert ex.statistics()["refused_418"] >= 3


def test_ban_escalation_caps_at_three_days() -> None:
    lim = ServerLimits(SimLimits(request_weight=1, ban_after=0))
    now = 1_000_000_000_000
    bans = []
    for _ in range(14):
        lim.admit_api("1.2.3.4", 1, now)
        with pytest.raises(LimitError) as e429:
            lim.admit_api("1.2.3.4", 1, now)
        assert e429.value.http_status == 429
        with pytest.raises(LimitError) as e418:
            lim.admit_api("1.2.3.4", 1, now)
        assert e418.value.http_status == 418
        ban = int(e418.value.headers["Retry-After"])
        bans.append(ban)
        now += ban * 1000 + 60_000
    assert bans[:5] == [120, 240, 480, 960, 1920]
    assert max(bans) == bans[-1] == 259_200  # 3 days


async def test_raw_requests_limit() -> None:
    async with LocalExchange(limits=SimLimits(raw_requests=5, ban_after=100),
                             clock=_clock(), flow_rate=0) as ex:  # fmt: skip
        for _ in range(5):
            assert (await send(ex, "GET", "/api/v3/ping")).status == 200
        r = await send(ex, "GET", "/api/v3/ping")
        assert r.status == 429 and r.body["code"] == -1003
        assert r.body["msg"].startswith("Too many requests; current limit is 5 requests per "
                                        "5 MINUTE.")  # fmt: skip
        assert "Retry-After" in r.headers


async def test_orders_limit_1015() -> None:
    clock = _clock()
    async with LocalExchange(limits=SimLimits(orders_10s=3, orders_1d=5), clock=clock,
                             flow_rate=0) as ex:  # fmt: skip
        order = {"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC",
                 "quantity": "0.01", "price": "30000"}  # fmt: skip
        for i in range(3):
            r = await signed(ex, "POST", "/api/v3/order", order)
            assert r.status == 200, r.body
            assert r.headers["X-MBX-ORDER-COUNT-10S"] == str(i + 1)
        r = await signed(ex, "POST", "/api/v3/order", order)
        assert (r.status, r.body) == (429, {
            "code": -1015, "msg": "Too many new orders; current limit is 3 orders per 10 SECOND."})
        assert 1 <= int(r.headers["Retry-After"]) <= 10
        assert "X-MBX-ORDER-COUNT-10S" not in r.headers
        # queries and tests do not count
        assert (await signed(ex, "POST", "/api/v3/order/test", order)).status == 200
        clock.advance(10_000)
        for _ in range(2):
            assert (await signed(ex, "POST", "/api/v3/order", order)).status == 200
        clock.advance(10_000)
        r = await signed(ex, "POST", "/api/v3/order", order)
        assert r.body == {"code": -1015,
                          "msg": "Too many new orders; current limit is 5 orders per 1 DAY."}
        # per account: another account still trades
        other = ex.create_api_key("other", balances={"USDT": "100000"})
        r = await signed(ex, "POST", "/api/v3/order", order, api_key=other.api_key,
                         secret=other.secret)  # fmt: skip
        assert r.status == 200, r.body


async def test_sapi_ip_and_uid_pools() -> None:
    async with LocalExchange(limits=SimLimits(sapi_ip=3, sapi_uid=2), clock=_clock(),
                             flow_rate=0) as ex:  # fmt: skip
        for i in range(3):
            r = await send(ex, "GET", "/sapi/v1/system/status")
            assert r.status == 200
            assert r.headers["X-SAPI-USED-IP-WEIGHT-1M"] == str(i + 1)
            assert "X-MBX-USED-WEIGHT-1M" in r.headers
        for _ in range(5):  # no 418 escalation on /sapi
            r = await send(ex, "GET", "/sapi/v1/system/status")
            assert r.status == 429 and r.body["code"] == -1003
        # each endpoint has its own pool
        r = await signed(ex, "GET", "/sapi/v1/account/status")
        assert r.status == 200 and r.headers["X-SAPI-USED-IP-WEIGHT-1M"] == "1"
        # UID pools count per account
        for i in range(2):
            r = await send(ex, "POST", "/sapi/v1/userDataStream", api_key=ex.api_key)
            assert r.headers["X-SAPI-USED-UID-WEIGHT-1M"] == str(i + 1)
        r = await send(ex, "POST", "/sapi/v1/userDataStream", api_key=ex.api_key)
        assert r.status == 429
        other = ex.create_api_key("other")
        r = await send(ex, "POST", "/sapi/v1/userDataStream", api_key=other.api_key)
        assert r.status == 200
        # /api still fine
        assert (await send(ex, "GET", "/api/v3/ping")).status == 200


async def test_client_sees_429_418_and_order_limit() -> None:
    clock = _clock()
    async with LocalExchange(limits=SimLimits(request_weight=30, orders_10s=1, ban_after=0),
                             clock=clock, flow_rate=0) as ex:  # fmt: skip
        async with Client(ex.api_key, ex.api_secret, base_url=ex.rest_url,
                          on_limit="raise") as c:  # fmt: skip
            # the client does not know the small limit yet: the server refuses
            with pytest.raises(RateLimited) as e:
                for _ in range(10):
                    await c.market.depth("BTCUSDT", limit=100)
            assert e.value.retry_after and e.value.retry_after > 0
        # a client that ignores Retry-After is banned
        r = await send(ex, "GET", "/api/v3/ping")
        assert r.status == 418
        async with Client(ex.api_key, ex.api_secret, base_url=ex.rest_url,
                          on_limit="raise", time_sync=False) as c:  # fmt: skip
            with pytest.raises(IPBanned):
                await c.market.ping()
        clock.advance(180_000)
        async with Client(ex.api_key, ex.api_secret, base_url=ex.rest_url,
                          on_limit="raise") as c:  # fmt: skip
            await c.trade.new_order("BTCUSDT", "BUY", "LIMIT", timeInForce="GTC",
                                    quantity="0.01", price="30000")  # fmt: skip
            with pytest.raises(TooManyOrders):
                await c.trade.new_order("BTCUSDT", "BUY", "LIMIT", timeInForce="GTC",
                                        quantity="0.01", price="30000")  # fmt: skip
