"""LocalExchange copy trading: the two SAPI endpoints and the leader API v2 (envelope, 64-bit
ints as strings, config rules and error codes of the seed, read-only keys, followers)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

from binance_async.sim import LocalExchange

from .sim_helpers import Reply, hmac_hex, send, signed

BASE = "/api/v2/copy-trading/leader"


@pytest.fixture
async def ex() -> AsyncIterator[LocalExchange]:
    async with LocalExchange(seed=5, flow_rate=0) as ex:
        yield ex


def _ok(r: Reply) -> Any:
    assert r.status == 200, r.body
    assert r.body["code"] == 200 and r.body["msg"] == "success", r.body
    return r.body["data"]


async def _put_config(ex: LocalExchange, body: dict[str, Any], key: str | None = None,
                      secret: str | None = None) -> Reply:  # fmt: skip
    raw = json.dumps(body, separators=(",", ":"))
    query = f"recvWindow=5000&timestamp={ex.clock.now_ms()}"
    sig = hmac_hex(secret or ex.api_secret, query + raw)
    return await send(ex, "PUT", f"{BASE}/config", f"{query}&signature={sig}", body=raw,
                      api_key=key or ex.api_key, content_type="application/json")  # fmt: skip


def _config(**over: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "unLeadType": 1, "unLeadStartTime": 1717200000000, "unLeadEndTime": 1717286400000,
        "leadPositionType": 0, "tradeProtect": 1, "profitPeriod": 7, "profitRate": "0.1",
        "followAssetLowerLimit": "100", "fixedAmountFollowMin": "10",
        "fixedRateFollowMin": "10", "isNeedInvite": 1, "inviteScope": 2,
        "symbolIds": ["BTC-SWAP-USDT", "ETH-SWAP-USDT"], "recommendShare": 1,
        "recommendShareRate": "0.2", "inviteCode": "LEADER2026",
    }  # fmt: skip
    body.update(over)
    return {k: v for k, v in body.items() if v is not None}


async def test_sapi_copy_trading(ex: LocalExchange) -> None:
    r = await signed(ex, "GET", "/sapi/v1/copy-trading/futures/userStatus")
    assert r.body["code"] == "000000" and r.body["success"] is True
    assert r.body["data"]["isLeadTrader"] is True
    assert "X-SAPI-USED-UID-WEIGHT-1M" in r.headers
    other = ex.create_api_key("nobody")
    r = await signed(ex, "GET", "/sapi/v1/copy-trading/futures/userStatus",
                     api_key=other.api_key, secret=other.secret)  # fmt: skip
    assert r.body["data"]["isLeadTrader"] is False
    r = await signed(ex, "GET", "/sapi/v1/copy-trading/futures/leadSymbol")
    assert {"symbol": "BTCUSDT", "baseAsset": "BTC", "quoteAsset": "USDT"} in r.body["data"]
    # today's exchange spells the path copyTrading; the seed's copy-trading is served too
    today = await signed(ex, "GET", "/sapi/v1/copyTrading/futures/leadSymbol")
    assert today.body == r.body
    r = await signed(ex, "GET", "/sapi/v1/copyTrading/futures/userStatus")
    assert r.body["data"]["isLeadTrader"] is True


async def test_leader_queries(ex: LocalExchange) -> None:
    cur = _ok(await signed(ex, "GET", f"{BASE}/orders/current"))
    assert {p["symbolId"] for p in cur} == {"BTC-SWAP-USDT", "ETH-SWAP-USDT"}
    assert all(isinstance(p["openTime"], str) and p["openTime"].isdigit() for p in cur)
    assert isinstance(cur[0]["isLong"], int)
    hist = _ok(await signed(ex, "GET", f"{BASE}/orders/history", {"page": 2, "size": 10}))
    assert (hist["pages"], hist["total"], len(hist["list"])) == ("3", "21", 10)
    hist = _ok(await signed(ex, "GET", f"{BASE}/orders/history", {"page": 3, "size": 10}))
    assert len(hist["list"]) == 1
    r = await signed(ex, "GET", f"{BASE}/orders/history", {"page": 0})
    assert (r.status, r.body) == (400, {
        "code": -1130, "msg": "Data sent for paramter 'page' is not valid.", "data": None})
    td = _ok(await signed(ex, "GET", f"{BASE}/trade-data", {"type": 30}))
    assert set(td[0]) >= {"profitRate", "accumulatedProfit", "orderCount", "winRate",
                          "currentFollowerCount", "tradingDays"}  # fmt: skip
    assert td[0]["currentFollowerCount"] == "12"
    r = await signed(ex, "GET", f"{BASE}/trade-data", {"type": 8})
    assert r.body == {"code": -1130, "msg": "Data sent for paramter 'type' is not valid.",
                      "data": None}  # fmt: skip
    ps = _ok(await signed(ex, "GET", f"{BASE}/profit-sharings/history"))
    assert len(ps) == 8 and isinstance(ps[0]["weekOfYear"], int)
    syms = _ok(await signed(ex, "GET", f"{BASE}/symbols"))
    assert {"symbolId": "BTC-SWAP-USDT", "leverage": "20", "isLead": 1} in syms
    fol = _ok(await signed(ex, "GET", f"{BASE}/followers", {"page": 1, "size": 5}))
    assert (fol["pages"], fol["total"], len(fol["list"])) == ("3", "12", 5)
    assert fol["list"][0]["followerNickname"].startswith("****")
    # not a leader
    other = ex.create_api_key("nobody")
    r = await signed(ex, "GET", f"{BASE}/symbols", api_key=other.api_key, secret=other.secret)
    assert r.body == {"code": -120041, "msg": "Copy trading leader is not available.",
                      "data": None}  # fmt: skip
    # read-only keys may query
    _ok(await signed(ex, "GET", f"{BASE}/followers", api_key=ex.read_only_api_key,
                     secret=ex.read_only_api_secret))  # fmt: skip


async def test_remove_follower(ex: LocalExchange) -> None:
    leader = ex.copy_trading.leaders["demo"]
    with_position = next(f.user_id for f in leader.followers.values() if f.has_position)
    free = next(f.user_id for f in leader.followers.values() if not f.has_position)
    r = await signed(ex, "DELETE", f"{BASE}/followers/{free}")
    assert _ok(r) is None
    assert free not in leader.followers
    fol = _ok(await signed(ex, "GET", f"{BASE}/followers", {"size": 100}))
    assert fol["total"] == "11"
    r = await signed(ex, "DELETE", f"{BASE}/followers/{free}")
    assert r.body == {"code": -32045, "msg": "Copy trading follower not found.", "data": None}
    r = await signed(ex, "DELETE", f"{BASE}/followers/{with_position}")
    assert r.body["code"] == -120055
    for bad in ("0", "abc", "-5"):
        r = await signed(ex, "DELETE", f"{BASE}/followers/{bad}")
        assert r.body == {"code": -1130, "msg": "Data sent for paramter 'followerUserId' is "
                          "not valid.", "data": None}, bad  # fmt: skip
    other = ex.create_api_key("nobody")
    r = await signed(ex, "DELETE", f"{BASE}/followers/{with_position}", api_key=other.api_key,
                     secret=other.secret)  # fmt: skip
    assert r.body["code"] == -120047


async def test_update_config_rules(ex: LocalExchange) -> None:
    leader = ex.copy_trading.leaders["demo"]
    assert _ok(await _put_config(ex, _config())) is None
    assert leader.config.invite_code == "LEADER2026"
    assert leader.symbols["SOL-SWAP-USDT"][1] == 0  # omitted: disabled
    cases: list[tuple[dict[str, Any], int]] = [
        (_config(unLeadType=None), -1102),
        (_config(symbolIds=[]), -1102),
        (_config(profitRate="abc"), -1102),
        (_config(profitPeriod=3), -1130),
        (_config(profitRate="0.123456789"), -1130),
        (_config(symbolIds=["NOPE-SWAP-USDT"]), -1130),
        (_config(unLeadEndTime=0), -120078),
        (_config(unLeadEndTime=1717100000000), -120078),
        (_config(profitRate="0.9"), -120072),
        (_config(fixedAmountFollowMin="1"), -120072),
        (_config(recommendShareRate="1.5"), -120072),
        (_config(symbolIds=["ETH-SWAP-USDT"]), -32090),  # BTC has an open lead position
        (_config(leadPositionType=1), -32093),
        (_config(inviteCode="ABC"), -120512),
        (_config(inviteCode="邀请码邀请码邀请"), -120512),
        (_config(inviteCode="BinanceVIP"), -120511),
        (_config(inviteCode="TAKEN123"), -120510),
    ]
    for body, code in cases:
        r = await _put_config(ex, body)
        assert r.status == 400 and r.body["code"] == code, (body, r.body)
        assert r.body["data"] is None
    # cool-down off resets the window
    assert _ok(await _put_config(ex, _config(unLeadType=0))) is None
    assert leader.config.un_lead_start_time == leader.config.un_lead_end_time == 0
    # a private leader with a custom profit share cannot go public
    assert _ok(await _put_config(ex, _config(profitRate="0.25"))) is None
    r = await _put_config(ex, _config(isNeedInvite=0, profitRate="0.1"))
    assert r.body == {"code": -120073, "msg": "Unable to switch invite setting.", "data": None}
    # read-only key, level config missing, leader missing
    r = await _put_config(ex, _config(), ex.read_only_api_key, ex.read_only_api_secret)
    assert r.body == {"code": -1020, "msg": "This operation is not supported.", "data": None}
    leader.level = 99
    assert (await _put_config(ex, _config())).body["code"] == -120067
    other = ex.create_api_key("nobody")
    r = await _put_config(ex, _config(), other.api_key, other.secret)
    assert r.body["code"] == -120047


async def test_config_through_the_client(ex: LocalExchange) -> None:
    from binance_async import Client

    async with Client(ex.api_key, ex.api_secret, base_url=ex.rest_url) as c:
        body = _config(unLeadType=0)
        await c.copy_leader.update_config(**body)
        assert ex.copy_trading.leaders["demo"].config.un_lead_type == 0
        data = await c.copy_leader.followers(page=1, size=3)
        assert data is not None
        with pytest.raises(Exception) as err:
            await c.copy_leader.remove_follower(1)
        assert getattr(err.value, "code", None) == -32045
