"""LocalExchange user data: listenKey streams (spot, margin, expiry, close) and the WebSocket API
(envelope, rateLimits, signing, session logon, user-data subscriptions, orders, errors)."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from binance_async.auth import Ed25519Signer, HmacSigner, RsaSigner, ws_api_payload
from binance_async.sim import LocalExchange
from binance_async.sim.ws_api import ws_signature_payload
from binance_async.sim.ws_conn import WsLimits

from .conftest import REAL_DATA
from .sim_helpers import send, signed
from .sim_ws_helpers import next_json, wait_closed

EXECUTION_REPORT_FIELDS = frozenset(
    "e E s c S o f q p P F g C x X r i l z L n N T t I w m M O Z Y Q".split()  # noqa: SIM905
)


@pytest.fixture
async def ex() -> AsyncIterator[LocalExchange]:
    limits = WsLimits(max_messages=10_000)
    async with LocalExchange(symbols=["BTCUSDT", "ETHUSDT"], seed=1, ws_limits=limits) as ex:
        yield ex


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as s:
        yield s


async def _listen_key(ex: LocalExchange, path: str = "/api/v3/userDataStream",
                      query: str = "") -> str:  # fmt: skip
    r = await send(ex, "POST", path, query, api_key=ex.api_key)
    assert r.status == 200, r.text
    key: str = r.body["listenKey"]
    return key


async def _limit_buy(ex: LocalExchange, qty: str = "0.001") -> dict[str, Any]:
    """A resting LIMIT BUY well below the market, placed over REST."""
    price = ex.engine.markets["BTCUSDT"].book.best_bid() // 10**8 // 2
    r = await signed(ex, "POST", "/api/v3/order", {
        "symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC",
        "quantity": qty, "price": str(price)})  # fmt: skip
    assert r.status == 200, r.text
    body: dict[str, Any] = r.body
    return body


async def _events_until(ws: aiohttp.ClientWebSocketResponse, kinds: set[str]) -> list[Any]:
    out: list[Any] = []
    while kinds - {_kind(e) for e in out}:
        out.append(await next_json(ws))
    return out


def _kind(ev: Any) -> str:
    ev = ev.get("data", ev)
    ev = ev.get("event", ev)
    return str(ev.get("e"))


# --- listenKey streams ----------------------------------------------------------------------------


async def test_listen_key_stream_gets_order_events(
    ex: LocalExchange, http: aiohttp.ClientSession
) -> None:
    key = await _listen_key(ex)
    async with http.ws_connect(f"{ex.ws_url}/ws/{key}") as ws:
        order = await _limit_buy(ex)
        evs = await _events_until(ws, {"executionReport", "outboundAccountPosition"})
    rep = next(e for e in evs if e["e"] == "executionReport")
    assert set(rep) >= EXECUTION_REPORT_FIELDS
    assert rep["x"] == "NEW" and rep["X"] == "NEW" and rep["i"] == order["orderId"]
    assert rep["s"] == "BTCUSDT" and rep["c"] == order["clientOrderId"]
    pos = next(e for e in evs if e["e"] == "outboundAccountPosition")
    assert {"a", "f", "l"} <= set(pos["B"][0])
    user_data = pytest.importorskip("binance_async.models.user_data")
    for e in evs:
        user_data.decode_user_event(json.dumps(e).encode())


async def test_listen_key_in_combined_stream(
    ex: LocalExchange, http: aiohttp.ClientSession
) -> None:
    key = await _listen_key(ex)
    url = f"{ex.ws_url}/stream?streams={key}/btcusdt@depth"
    async with http.ws_connect(url) as ws:
        await _limit_buy(ex)
        while (ev := await next_json(ws))["stream"] != key:
            pass
    assert ev["data"]["e"] in ("executionReport", "outboundAccountPosition")


async def test_balance_update_event(ex: LocalExchange, http: aiohttp.ClientSession) -> None:
    key = await _listen_key(ex)
    async with http.ws_connect(f"{ex.ws_url}/ws/{key}") as ws:
        ex.engine.deposit("demo", "USDT", "25", ex.clock.now_ms())
        ev = await next_json(ws)
    assert ev["e"] == "balanceUpdate" and ev["a"] == "USDT" and ev["d"] == "25.00000000"


async def test_listen_key_expiry_sends_event_and_closes(
    ex: LocalExchange, http: aiohttp.ClientSession
) -> None:
    key = await _listen_key(ex)
    async with http.ws_connect(f"{ex.ws_url}/ws/{key}") as ws:
        ex.clock.advance(61 * 60 * 1000)
        ev = await next_json(ws)
        assert ev["e"] == "listenKeyExpired" and ev["listenKey"] == key
        assert isinstance(ev["E"], int)
        await wait_closed(ws)
    # the expired key no longer opens a stream
    async with http.ws_connect(f"{ex.ws_url}/ws/{key}") as ws:
        await wait_closed(ws)
        assert ws.close_code == 1008


async def test_listen_key_close_ends_stream(ex: LocalExchange, http: aiohttp.ClientSession) -> None:
    key = await _listen_key(ex)
    async with http.ws_connect(f"{ex.ws_url}/ws/{key}") as ws:
        r = await send(ex, "DELETE", "/api/v3/userDataStream", f"listenKey={key}",
                       api_key=ex.api_key)  # fmt: skip
        assert r.status == 200
        await wait_closed(ws)


async def test_margin_listen_keys_connect(ex: LocalExchange, http: aiohttp.ClientSession) -> None:
    margin = await _listen_key(ex, "/sapi/v1/userDataStream")
    isolated = await _listen_key(ex, "/sapi/v1/userDataStream/isolated", "symbol=BTCUSDT")
    async with http.ws_connect(f"{ex.ws_url}/stream?streams={margin}/{isolated}") as ws:
        await ws.send_str(json.dumps({"method": "LIST_SUBSCRIPTIONS", "id": 1}))
        assert (await next_json(ws)) == {"result": [margin, isolated], "id": 1}
        ex.clock.advance(61 * 60 * 1000)
        got = {(await next_json(ws))["data"]["listenKey"] for _ in range(2)}
        assert got == {margin, isolated}
        await wait_closed(ws)


# --- WebSocket API --------------------------------------------------------------------------------


class Api:
    """A tiny WebSocket API client for tests."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.n = 0
        self.events: list[Any] = []

    async def call(self, method: str, params: dict[str, Any] | None = None,
                   **extra: Any) -> Any:  # fmt: skip
        self.n += 1
        req: dict[str, Any] = {"id": f"r{self.n}", "method": method, **extra}
        if params is not None:
            req["params"] = params
        await self.ws.send_str(json.dumps(req))
        while True:
            msg = await next_json(self.ws)
            if "subscriptionId" in msg and "event" in msg:
                self.events.append(msg)
                continue
            assert msg["id"] == f"r{self.n}"
            return msg

    async def event(self) -> Any:
        if self.events:
            return self.events.pop(0)
        return await next_json(self.ws)


def _signed_params(ex: LocalExchange, params: dict[str, Any], signer: Any, api_key: str,
                   ) -> dict[str, Any]:  # fmt: skip
    p = {**params, "apiKey": api_key, "timestamp": ex.clock.now_ms()}
    p["signature"] = signer.sign(ws_api_payload(p))
    return p


@pytest.fixture
async def api(ex: LocalExchange, http: aiohttp.ClientSession) -> AsyncIterator[Api]:
    async with http.ws_connect(ex.ws_api_url) as ws:
        yield Api(ws)


async def test_ping_time_envelope_and_rate_limits(ex: LocalExchange, api: Api) -> None:
    r = await api.call("ping")
    assert r["status"] == 200 and r["result"] == {} and r["id"] == "r1"
    [rl] = r["rateLimits"]
    assert rl["rateLimitType"] == "REQUEST_WEIGHT" and rl["interval"] == "MINUTE"
    assert rl["intervalNum"] == 1 and rl["limit"] == 6000 and rl["count"] >= 3
    assert list(r) == ["id", "status", "result", "rateLimits"]
    r = await api.call("v3/time")
    assert abs(r["result"]["serverTime"] - ex.clock.now_ms()) < 2000
    r = await api.call("time", returnRateLimits=False)
    assert "rateLimits" not in r
    r = await api.call("depth", {"symbol": "BTCUSDT", "limit": 5})
    assert len(r["result"]["bids"]) == 5 and r["rateLimits"][0]["count"] >= 10
    r = await api.call("no.such.method")
    assert r["status"] == 400 and r["error"]["code"] == -1020
    await api.ws.send_str("{not json")
    r = await next_json(api.ws)
    assert r["status"] == 400 and r["id"] is None and r["error"]["code"] == -1135


async def test_no_rate_limits_by_url(ex: LocalExchange, http: aiohttp.ClientSession) -> None:
    async with http.ws_connect(ex.ws_api_url + "?returnRateLimits=false") as ws:
        r = await Api(ws).call("ping")
        assert "rateLimits" not in r


def test_signature_payload_official_vector() -> None:
    vectors = json.loads((REAL_DATA / "binance-spot-api-docs" /
                          "EXTRACTED_signature_vectors.json").read_text())  # fmt: skip
    vec = next(v for v in _walk(vectors) if v.get("id") == "wsapi-hmac-ascii-sorted")
    params = {k: str(v) for k, v in vec["params"].items()}
    payload = ws_signature_payload(params)
    assert payload == vec["payload"] == ws_api_payload(vec["params"])
    sig = hmac.new(vec["secret_key"].encode(), payload.encode(), hashlib.sha256).hexdigest()
    assert sig == vec["expected_hex"]


def _walk(obj: Any) -> list[dict[str, Any]]:
    if isinstance(obj, dict):
        return [obj] + [x for v in obj.values() for x in _walk(v)]
    if isinstance(obj, list):
        return [x for v in obj for x in _walk(v)]
    return []


async def test_session_logon_subscribe_and_events(ex: LocalExchange, api: Api) -> None:
    signer = Ed25519Signer(ex.ed25519_private_key_pem)
    r = await api.call("session.status")
    assert r["result"]["apiKey"] is None and r["result"]["authorizedSince"] is None
    r = await api.call("userDataStream.subscribe")
    assert r["status"] == 401 and r["error"]["code"] == -1002
    r = await api.call("session.logon", _signed_params(ex, {}, signer, ex.ed25519_api_key))
    assert r["status"] == 200, r
    res = r["result"]
    assert res["apiKey"] == ex.ed25519_api_key and res["authorizedSince"] >= res["connectedSince"]
    assert res["userDataStream"] is False and isinstance(res["serverTime"], int)
    r = await api.call("userDataStream.subscribe")
    assert r["result"] == {"subscriptionId": 0}
    assert (await api.call("session.status"))["result"]["userDataStream"] is True
    r = await api.call("userDataStream.subscribe")
    assert r["error"]["code"] == -2035  # one subscription per account per connection
    order = await _limit_buy(ex)
    ev = await api.event()
    assert ev["subscriptionId"] == 0
    assert ev["event"]["e"] in ("executionReport", "outboundAccountPosition")
    while ev["event"]["e"] != "executionReport":
        ev = await api.event()
    assert ev["event"]["i"] == order["orderId"] and set(ev["event"]) >= EXECUTION_REPORT_FIELDS
    user_data = pytest.importorskip("binance_async.models.user_data")
    user_data.decode_ws_api_user_event(json.dumps(ev).encode())
    # signed methods after logon: timestamp only, no apiKey / signature
    r = await api.call("order.status", {"symbol": "BTCUSDT", "orderId": order["orderId"],
                                        "timestamp": ex.clock.now_ms()})  # fmt: skip
    assert r["status"] == 200 and r["result"]["status"] == "NEW"
    r = await api.call("session.subscriptions")
    assert r["result"] == [{"subscriptionId": 0}]
    r = await api.call("userDataStream.unsubscribe")
    assert r["result"] == {}
    terminated = [e for e in api.events if e["event"]["e"] == "eventStreamTerminated"]
    assert terminated and terminated[-1]["subscriptionId"] == 0
    r = await api.call("userDataStream.unsubscribe", {"subscriptionId": 0})
    assert r["error"]["code"] == -2036
    r = await api.call("session.logout")
    assert r["result"]["apiKey"] is None
    r = await api.call("order.status", {"symbol": "BTCUSDT", "orderId": order["orderId"],
                                        "timestamp": ex.clock.now_ms()})  # fmt: skip
    assert r["status"] == 400 and r["error"]["code"] == -1102  # apiKey is mandatory again


async def test_logout_terminates_session_subscription(ex: LocalExchange, api: Api) -> None:
    signer = Ed25519Signer(ex.ed25519_private_key_pem)
    await api.call("session.logon", _signed_params(ex, {}, signer, ex.ed25519_api_key))
    assert (await api.call("userDataStream.subscribe"))["status"] == 200
    r = await api.call("session.logout")
    assert r["status"] == 200
    ev = api.events[-1] if api.events else await api.event()
    assert ev == {"subscriptionId": 0, "event": {"e": "eventStreamTerminated",
                                                 "E": ev["event"]["E"]}}  # fmt: skip


async def test_subscribe_signature_any_key_type(ex: LocalExchange, api: Api) -> None:
    hmac_signer = HmacSigner(ex.api_secret)
    r = await api.call("userDataStream.subscribe.signature",
                       _signed_params(ex, {}, hmac_signer, ex.api_key))  # fmt: skip
    assert r["status"] == 200 and r["result"] == {"subscriptionId": 0}
    rsa = RsaSigner(ex.rsa_private_key_pem)
    r = await api.call("userDataStream.subscribe.signature", _signed_params(
        ex, {}, rsa, ex.rsa_api_key))  # fmt: skip
    assert r["error"]["code"] == -2035  # the demo account is already subscribed
    await _limit_buy(ex)
    ev = await api.event()
    assert ev["subscriptionId"] == 0


async def test_order_place_cancel_over_ws_api(ex: LocalExchange, api: Api) -> None:
    signer = HmacSigner(ex.api_secret)
    price = ex.engine.markets["BTCUSDT"].book.best_bid() // 10**8 // 2
    params = {"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC",
              "quantity": "0.001", "price": f"{price}.00", "newClientOrderId": "ws-order-1"}
    r = await api.call("order.place", _signed_params(ex, params, signer, ex.api_key))
    assert r["status"] == 200, r
    assert r["result"]["clientOrderId"] == "ws-order-1" and r["result"]["status"] == "NEW"
    kinds = [(x["rateLimitType"], x["interval"], x["intervalNum"]) for x in r["rateLimits"]]
    assert kinds == [("ORDERS", "SECOND", 10), ("ORDERS", "DAY", 1),
                     ("REQUEST_WEIGHT", "MINUTE", 1)]  # fmt: skip
    assert r["rateLimits"][0]["count"] == 1
    oid = r["result"]["orderId"]
    # the same order is visible over REST: one engine, one code path
    rest = await signed(ex, "GET", "/api/v3/order", {"symbol": "BTCUSDT", "orderId": oid})
    assert rest.body["clientOrderId"] == "ws-order-1"
    r = await api.call("order.cancel", _signed_params(
        ex, {"symbol": "BTCUSDT", "orderId": oid}, signer, ex.api_key))  # fmt: skip
    assert r["status"] == 200 and r["result"]["status"] == "CANCELED"
    # an engine rejection keeps its REST code and message
    r = await api.call("order.cancel", _signed_params(
        ex, {"symbol": "BTCUSDT", "orderId": oid}, signer, ex.api_key))  # fmt: skip
    assert r["status"] == 400 and r["error"]["code"] == -2011
    # numbers are signed as their JSON text
    p = {"symbol": "BTCUSDT", "orderId": oid, "apiKey": ex.api_key, "timestamp": ex.clock.now_ms(),
         "recvWindow": 5000}
    p["signature"] = signer.sign(ws_api_payload(p))
    assert (await api.call("order.status", p))["status"] == 200


async def test_ws_api_security_errors(ex: LocalExchange, api: Api) -> None:
    signer = HmacSigner(ex.api_secret)
    q = {"symbol": "BTCUSDT", "orderId": 1}
    old = _signed_params(ex, q, signer, ex.api_key)
    old["timestamp"] = ex.clock.now_ms() - 60_000
    old["signature"] = signer.sign(ws_api_payload({k: v for k, v in old.items()
                                                   if k != "signature"}))  # fmt: skip
    r = await api.call("order.status", old)
    assert r["error"]["code"] == -1021
    bad = _signed_params(ex, q, signer, ex.api_key)
    bad["signature"] = "0" * 64
    r = await api.call("order.status", bad)
    assert r["status"] == 400 and r["error"] == {"code": -1022, "msg": "Signature for this "
                                                  "request is not valid."}  # fmt: skip
    r = await api.call("order.status", _signed_params(ex, q, signer, "A" * 64))
    assert r["status"] == 401 and r["error"]["code"] == -2015
    # percent-encoding the payload (as REST does) is not the WebSocket API's rule
    p = {**q, "apiKey": ex.api_key, "timestamp": ex.clock.now_ms(), "newClientOrderId": "a-b_c"}
    wrong = "&".join(f"{k}={v}" for k, v in p.items())  # unsorted
    p["signature"] = signer.sign(wrong)
    assert (await api.call("order.status", p))["error"]["code"] == -1022
    r = await api.call("session.logon", _signed_params(ex, {}, signer, ex.api_key))
    assert r["error"]["code"] == -4056  # logon is Ed25519 only
    ro = HmacSigner(ex.read_only_api_secret)
    order = {"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quantity": "0.001"}
    r = await api.call("order.place", _signed_params(ex, order, ro, ex.read_only_api_key))
    assert r["status"] == 401 and r["error"]["code"] == -2015


async def test_user_data_over_both_paths(ex: LocalExchange, http: aiohttp.ClientSession) -> None:
    """One REST order: the listenKey stream and the WebSocket API subscription both see it."""
    key = await _listen_key(ex)
    async with http.ws_connect(f"{ex.ws_url}/ws/{key}") as lk_ws, \
            http.ws_connect(ex.ws_api_url) as api_ws:  # fmt: skip
        api = Api(api_ws)
        signer = Ed25519Signer(ex.ed25519_private_key_pem)
        await api.call("session.logon", _signed_params(ex, {}, signer, ex.ed25519_api_key))
        await api.call("userDataStream.subscribe")
        order = await _limit_buy(ex)
        lk = await _events_until(lk_ws, {"executionReport"})
        via_api: list[Any] = []
        while "executionReport" not in {_kind(e) for e in via_api}:
            via_api.append(await api.event())
    a = next(e for e in lk if e["e"] == "executionReport")
    b = next(e["event"] for e in via_api if e["event"]["e"] == "executionReport")
    assert a == b and a["i"] == order["orderId"]
