"""Typed methods through the real `Client` and a mock transport: the exact request per endpoint.

A sweep over all 248 catalogue entries: each typed method, called with its mandatory
parameters, must send the catalogue's method and (rendered) path, the parameters percent-encoded
in catalogue order, the API key header exactly when the security type needs it, and
``recvWindow``/``timestamp``/``signature`` last on signed endpoints. Per-family tests of
response decoding belong next to the session's own tests.
"""

from __future__ import annotations

import contextlib
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl

import msgspec
import pytest

from binance_async._encoding import encode_params
from binance_async.errors import InvalidResponse
from binance_async.rest import endpoints as E
from binance_async.rest.endpoints import Endpoint, Param
from binance_async.rest.session import Client
from binance_async.rest.transport import HttpRequest, HttpResponse, MockTransport

KEY = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"
SECRET = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"


def sample(param: Param) -> Any:
    if param.choices:
        return param.choices[0]
    return {
        "STRING": "BTCUSDT",
        "INT": 5,
        "LONG": 123456789,
        "DECIMAL": Decimal("1.5"),
        "BOOLEAN": True,
        "ENUM": "X",
        "ARRAY": ["BTCUSDT", "ETHUSDT"],
    }[param.type]


def answer(ep: Endpoint) -> bytes:
    """A body the endpoint's response type accepts where that is easy ([] for lists)."""
    if ep.envelope == "copy_leader":
        return b'{"code":200,"msg":"success","data":null}'
    if ep.response and "list[" in ep.response:
        return b"[]"
    return b"{}"


async def call(ep: Endpoint, **params: Any) -> HttpRequest:
    seen: list[HttpRequest] = []

    def handler(request: HttpRequest) -> HttpResponse:
        seen.append(request)
        return HttpResponse(200, {}, answer(ep))

    async with Client(KEY, SECRET, transport=MockTransport(handler), time_sync=False) as client:
        method = getattr(getattr(client, ep.family), ep.name)
        with contextlib.suppress(InvalidResponse):  # {} is not every model's body
            await method(**params)
    (request,) = seen
    return request


@pytest.mark.parametrize("ep", E.all_endpoints(), ids=lambda ep: f"{ep.family}.{ep.name}")
async def test_request_exactness(ep: Endpoint) -> None:
    if any(p.explode for p in ep.params):
        pytest.skip("explode=True arrays: see test_exploded_array_parameter")
    mandatory = {p.name: sample(p) for p in ep.params if p.mandatory}
    request = await call(ep, **mandatory)
    path, rest = ep.render_path(E.validate(ep, mandatory))
    assert request.method == ep.method
    assert request.path == path
    assert ("X-MBX-APIKEY" in request.headers) == ep.needs_api_key
    if ep.needs_api_key:
        assert request.headers["X-MBX-APIKEY"] == KEY
    query = request.query_string
    if ep.body == "json":
        assert request.body is not None
        assert msgspec.json.decode(request.body) == msgspec.json.decode(
            msgspec.json.encode(rest)
        )
        rest = {}
    else:
        assert not request.body
    expected = encode_params(rest)
    if ep.signed:
        names = [k for k, _ in parse_qsl(query, keep_blank_values=True)]
        assert names[-3:] == ["recvWindow", "timestamp", "signature"], query
        assert query.startswith(expected), query
    else:
        assert query == expected


async def test_optional_parameters_keep_catalogue_order() -> None:
    ep = E.get("trade", "new_order")
    request = await call(
        ep, symbol="LTCBTC", side="BUY", type="LIMIT", price="0.1", quantity=Decimal("1"),
        timeInForce="GTC", recvWindow=5000,
    )
    assert request.query_string.startswith(
        "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1"
        "&recvWindow=5000&timestamp="
    )


async def test_symbols_sent_as_json() -> None:
    request = await call(E.get("market", "ticker_24hr"), symbols=["BTCUSDT", "BNBBTC"])
    assert request.query_string == "symbols=%5B%22BTCUSDT%22%2C%22BNBBTC%22%5D"


async def test_leader_config_json_body() -> None:
    ep = E.get("copy_leader", "update_config")
    request = await call(
        ep, unLeadType=0, leadPositionType=0, tradeProtect=1, profitPeriod=7,
        profitRate=Decimal("0.1"), followAssetLowerLimit="100", fixedAmountFollowMin="10",
        fixedRateFollowMin="10", isNeedInvite=0, inviteScope=0,
        symbolIds=["BTC-SWAP-USDT", "ETH-SWAP-USDT"],
    )
    assert request.method == "PUT"
    assert request.headers["Content-Type"] == "application/json"
    assert request.body is not None
    body = msgspec.json.decode(request.body)
    assert body["symbolIds"] == ["BTC-SWAP-USDT", "ETH-SWAP-USDT"]
    assert body["profitRate"] == "0.1"
    assert [k for k, _ in parse_qsl(request.query_string)] == [
        "recvWindow", "timestamp", "signature"
    ]


async def test_exploded_array_parameter() -> None:
    request = await call(E.get("wallet", "dust_transfer"), asset=["BTC", "USDT"])
    assert request.query_string.startswith("asset=BTC&asset=USDT&recvWindow=")
