"""Every catalogue endpoint is routed: with valid credentials and its mandatory parameters each
answers (never 404/405); the seed-shaped ones answer the seed's example; security is enforced
on every one of them."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest

from binance_async.rest.endpoints import all_endpoints
from binance_async.sim import LocalExchange, SimLimits
from binance_async.sim.rest_routes import load_seed_examples

from .sim_helpers import minimal_params, send, signed

BIG = SimLimits(request_weight=10**9, raw_requests=10**9, sapi_ip=10**9, sapi_uid=10**9,
                orders_10s=10**6, orders_1d=10**9)  # fmt: skip


@pytest.fixture
async def ex() -> AsyncIterator[LocalExchange]:
    async with LocalExchange(seed=4, limits=BIG) as ex:
        yield ex


def _path(ep_path: str) -> str:
    return ep_path.replace("{followerUserId}", "1")


async def _call(ex: LocalExchange, ep: object, params: dict[str, object]) -> object:
    from binance_async.rest.endpoints import Endpoint

    assert isinstance(ep, Endpoint)
    path = _path(ep.path)
    if ep.signed:
        if ep.body == "json":
            return await _json_call(ex, ep.method, path, params)
        return await signed(ex, ep.method, path, params)
    query = "&".join(f"{k}={v}" for k, v in params.items())
    key = ex.api_key if ep.needs_api_key else None
    return await send(ex, ep.method, path, query, api_key=key)


async def _json_call(ex: LocalExchange, method: str, path: str, body: dict[str, object]
                     ) -> object:  # fmt: skip
    from .sim_helpers import hmac_hex

    raw = json.dumps(body, separators=(",", ":"))
    query = f"timestamp={ex.clock.now_ms()}"
    sig = hmac_hex(ex.api_secret, query + raw)
    return await send(ex, method, path, f"{query}&signature={sig}", body=raw,
                      api_key=ex.api_key, content_type="application/json")  # fmt: skip


async def test_every_endpoint_answers(ex: LocalExchange) -> None:
    examples = load_seed_examples()
    stateful = ex.rest.stateful_keys()
    eps = all_endpoints()
    assert len(eps) == 248
    seen_ok = 0
    for ep in eps:
        params = minimal_params(ep, ex)
        r = await _call(ex, ep, params)
        status = r.status  # type: ignore[attr-defined]
        body = r.body  # type: ignore[attr-defined]
        assert status not in (404, 405), ep.key
        assert body is not None, ep.key
        assert "X-MBX-USED-WEIGHT-1M" in r.headers, ep.key  # type: ignore[attr-defined]
        if ep.path.startswith("/sapi/"):
            hdrs = r.headers  # type: ignore[attr-defined]
            assert any(h.startswith("X-SAPI-USED-") for h in hdrs), ep.key
        if ep.key not in stateful:
            assert status == 200, (ep.key, body)
            assert body == examples.get(ep.key, {}), ep.key
            seen_ok += 1
    assert seen_ok == 248 - len(stateful)
    assert len(stateful) == 49  # market 14, trade 16, listenKeys 9, copy trading 2 + 8


@pytest.mark.parametrize(
    "key", [ep.key for ep in all_endpoints() if ep.signed][::9]  # a spread of signed ones
)
async def test_signed_endpoints_enforce_security(ex: LocalExchange, key: str) -> None:
    ep = next(e for e in all_endpoints() if e.key == key)
    path = _path(ep.path)
    r = await send(ex, ep.method, path, f"timestamp={ex.clock.now_ms()}&signature=00")
    assert r.code == -2014
    r = await send(ex, ep.method, path, f"timestamp={ex.clock.now_ms()}&signature=00",
                   api_key=ex.api_key)  # fmt: skip
    assert r.code == -1022
    r = await signed(ex, ep.method, path, minimal_params(ep, ex),
                     timestamp=ex.clock.now_ms() - 10_000)  # fmt: skip
    assert r.code == -1021
    mandatory = [p.name for p in ep.params if p.mandatory and p.location == "query"]
    if mandatory and ep.body != "json":
        params = minimal_params(ep, ex)
        del params[mandatory[0]]
        r = await signed(ex, ep.method, path, params)
        assert r.code == -1102, (key, r.body)
        assert r.msg == (f"Mandatory parameter '{mandatory[0]}' was not sent, was empty/null, "
                         "or malformed.")  # fmt: skip


def test_seed_examples_cover_the_catalogue() -> None:
    examples = load_seed_examples()
    keys = {ep.key for ep in all_endpoints()}
    assert set(examples) <= keys
    assert len(examples) >= 240
    assert examples["GET /sapi/v1/system/status"] == {"status": 0, "msg": "normal"}
    assert examples["GET /api/v3/depth"]["lastUpdateId"] == 1027024
