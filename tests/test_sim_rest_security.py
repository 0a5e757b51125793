"""LocalExchange security: API keys, signatures (HMAC / RSA / Ed25519, official vectors),
timestamp and recvWindow rules, read-only keys, parameter errors with Binance's messages."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import quote

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from binance_async.sim import ApiKey, LocalExchange, SimClock

from .sim_helpers import hmac_hex, send, signed

MANDATORY_SYMBOL = "Mandatory parameter 'symbol' was not sent, was empty/null, or malformed."
OFFICIAL_SECRET = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"
OFFICIAL_KEY = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"


@pytest.fixture
async def ex() -> AsyncIterator[LocalExchange]:
    async with LocalExchange(seed=2, flow_rate=0) as ex:
        yield ex


def _vectors(real_data: Path) -> dict[str, object]:
    path = real_data / "binance-spot-api-docs" / "EXTRACTED_signature_vectors.json"
    data: dict[str, object] = json.loads(path.read_text())
    return data


# --- keys -----------------------------------------------------------------------------------


async def test_api_key_errors(ex: LocalExchange) -> None:
    r = await send(ex, "GET", "/api/v3/account", f"timestamp={ex.clock.now_ms()}&signature=x")
    assert (r.status, r.body) == (401, {"code": -2014, "msg": "API-key format invalid."})
    r = await send(ex, "GET", "/api/v3/account", "timestamp=1&signature=x", api_key="short")
    assert r.code == -2014
    r = await signed(ex, "GET", "/api/v3/account", api_key="A" * 64)
    assert (r.status, r.body) == (
        401, {"code": -2015, "msg": "Invalid API-key, IP, or permissions for action."})
    # MARKET_DATA: a key, no signature
    r = await send(ex, "GET", "/api/v3/historicalTrades", "symbol=BTCUSDT")
    assert r.code == -2014
    r = await send(ex, "GET", "/api/v3/historicalTrades", "symbol=BTCUSDT", api_key=ex.api_key)
    assert r.status == 200 and isinstance(r.body, list)
    # NONE: no key needed, a key is ignored
    r = await send(ex, "GET", "/api/v3/depth", "symbol=BTCUSDT", api_key="junk")
    assert r.status == 200


async def test_read_only_key(ex: LocalExchange) -> None:
    ro, ro_secret = ex.read_only_api_key, ex.read_only_api_secret
    r = await signed(ex, "GET", "/api/v3/account", api_key=ro, secret=ro_secret)
    assert r.status == 200
    order = {"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC",
             "quantity": "0.01", "price": "30000"}  # fmt: skip
    for method, path, params in (
        ("POST", "/api/v3/order", order),
        ("POST", "/api/v3/order/test", order),
        ("DELETE", "/api/v3/openOrders", {"symbol": "BTCUSDT"}),
        ("POST", "/sapi/v1/asset/transfer", {"type": "MAIN_UMFUTURE", "asset": "USDT",
                                            "amount": "1"}),
    ):
        r = await signed(ex, method, path, params, api_key=ro, secret=ro_secret)
        assert (r.status, r.body) == (
            401, {"code": -2015, "msg": "Invalid API-key, IP, or permissions for action."}
        ), path
    r = await signed(ex, "DELETE", "/api/v2/copy-trading/leader/followers/123",
                     api_key=ro, secret=ro_secret)  # fmt: skip
    assert r.body == {"code": -1020, "msg": "This operation is not supported.", "data": None}
    # a USER_STREAM key-only call is allowed
    r = await send(ex, "POST", "/api/v3/userDataStream", api_key=ro)
    assert r.status == 200


# --- signatures -----------------------------------------------------------------------------


async def test_bad_and_missing_signature(ex: LocalExchange) -> None:
    r = await signed(ex, "GET", "/api/v3/account", secret="wrong")
    assert (r.status, r.body) == (400, {"code": -1022,
                                        "msg": "Signature for this request is not valid."})
    q = f"timestamp={ex.clock.now_ms()}"
    r = await send(ex, "GET", "/api/v3/account", q, api_key=ex.api_key)
    assert r.body == {"code": -1102, "msg": "Mandatory parameter 'signature' was not sent, "
                      "was empty/null, or malformed."}  # fmt: skip
    sig = hmac_hex(ex.api_secret, q)
    r = await send(ex, "GET", "/api/v3/account", f"{q}&signature={sig.upper()}",
                   api_key=ex.api_key)  # fmt: skip
    assert r.status == 200  # hex is case-insensitive
    r = await send(ex, "GET", "/api/v3/account", f"{q}&signature={sig}&signature={sig}",
                   api_key=ex.api_key)  # fmt: skip
    assert r.code == -1101
    # the signature covers the bytes as sent: re-ordering after signing breaks it
    q2 = f"omitZeroBalances=true&timestamp={ex.clock.now_ms()}"
    sig2 = hmac_hex(ex.api_secret, q2)
    r = await send(ex, "GET", "/api/v3/account",
                   f"timestamp={q2.split('timestamp=')[1]}&omitZeroBalances=true&signature={sig2}",
                   api_key=ex.api_key)  # fmt: skip
    assert r.code == -1022


async def test_signature_in_body_and_query_plus_body(ex: LocalExchange) -> None:
    order = {"symbol": "BTCUSDT", "side": "SELL", "type": "LIMIT", "timeInForce": "GTC",
             "quantity": "0.01", "price": "90000"}  # fmt: skip
    r = await signed(ex, "POST", "/api/v3/order", order, in_body=True)
    assert r.status == 200, r.body
    # query + body, concatenated without a separator, signature at the end of the body
    query = "symbol=BTCUSDT&side=SELL&type=LIMIT&timeInForce=GTC"
    body = f"quantity=0.01&price=91000&recvWindow=5000&timestamp={ex.clock.now_ms()}"
    sig = hmac_hex(ex.api_secret, query + body)
    r = await send(ex, "POST", "/api/v3/order", query, body=f"{body}&signature={sig}",
                   api_key=ex.api_key)  # fmt: skip
    assert r.status == 200, r.body
    assert r.body["price"] == "91000.00000000"
    # a parameter in both places: the query's value wins (and is what was signed)
    query = f"symbol=BTCUSDT&timestamp={ex.clock.now_ms()}"
    body = "symbol=ETHUSDT"
    sig = hmac_hex(ex.api_secret, query + body)
    r = await send(ex, "DELETE", "/api/v3/openOrders", query, body=f"{body}&signature={sig}",
                   api_key=ex.api_key)  # fmt: skip
    assert r.status == 200 and {o["symbol"] for o in r.body} == {"BTCUSDT"}


async def test_official_hmac_vector_end_to_end(real_data: Path) -> None:
    """Binance's documented query+body request, byte for byte, at its own timestamp."""
    vec = next(v for v in _vectors(real_data)["hmac_official"]  # type: ignore[attr-defined]
               if v["id"] == "rest-hmac-mixed-query-and-body")  # fmt: skip
    clock = SimClock(start_ms=1499827319559 + 20)
    async with LocalExchange(["LTCBTC"], clock=clock, flow_rate=0) as ex:
        ex.keys.add(ApiKey(OFFICIAL_KEY, "demo", "HMAC", secret=OFFICIAL_SECRET))
        body = f"{vec['request_body']}&signature={vec['expected_hex']}"
        r = await send(ex, "POST", "/api/v3/order", vec["query_string"], body=body,
                       api_key=OFFICIAL_KEY)  # fmt: skip
        assert r.code not in (-1021, -1022, -2014, -2015), r.body
        assert r.status == 200 or r.code in (-1013, -2010)
        # the percent-encoded non-ASCII vector: verified on the raw bytes (then: no such symbol)
        nonascii = next(v for v in _vectors(real_data)["hmac_official"]  # type: ignore[attr-defined]
                        if v["id"] == "rest-hmac-nonascii-percent-encoded")  # fmt: skip
        r = await send(ex, "POST", "/api/v3/order",
                       f"{nonascii['payload']}&signature={nonascii['expected_hex']}",
                       api_key=OFFICIAL_KEY)  # fmt: skip
        assert r.body == {"code": -1121, "msg": "Invalid symbol."}
        bad = body.replace(vec["expected_hex"][:4], "0000")
        r = await send(ex, "POST", "/api/v3/order", vec["query_string"], body=bad,
                       api_key=OFFICIAL_KEY)  # fmt: skip
        assert r.code == -1022


def test_server_verifies_official_vectors(real_data: Path) -> None:
    vectors = _vectors(real_data)
    key = ApiKey(OFFICIAL_KEY, "demo", "HMAC", secret=OFFICIAL_SECRET)
    for v in vectors["hmac_official"]:  # type: ignore[attr-defined]
        assert key.verify(v["payload"].encode(), v["expected_hex"]), v["id"]
        assert not key.verify(v["payload"].encode() + b"x", v["expected_hex"])
    pem = (real_data / "binance-signature-examples" / "python" / "private_key.pem").read_bytes()
    private = serialization.load_pem_private_key(pem, password=None)
    public_pem = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    ex = LocalExchange(flow_rate=0)
    rsa_key = ex.create_api_key("demo", "RSA", public_key_pem=public_pem)
    for v in vectors["rsa_derived_from_official_sample_key"]:  # type: ignore[attr-defined]
        assert rsa_key.verify(v["payload"].encode(), v["signature_b64"]), v["id"]
        assert not rsa_key.verify(v["payload"].encode()[:-1], v["signature_b64"])


async def test_rsa_sample_key_end_to_end(real_data: Path) -> None:
    """Binance's sample RSA key signs ``timestamp=1578963600000``: accepted at that time."""
    vec = next(v for v in _vectors(real_data)["rsa_derived_from_official_sample_key"]  # type: ignore[attr-defined]
               if v["id"] == "derived-rsa-signature-examples-timestamp")  # fmt: skip
    pem = (real_data / "binance-signature-examples" / "python" / "private_key.pem").read_bytes()
    private = serialization.load_pem_private_key(pem, password=None)
    public_pem = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    async with LocalExchange(clock=SimClock(start_ms=1578963600000 + 10), flow_rate=0) as ex:
        key = ex.create_api_key("demo", "RSA", public_key_pem=public_pem)
        sig = quote(vec["signature_b64"], safe="")
        r = await send(ex, "GET", "/api/v3/account", f"{vec['payload']}&signature={sig}",
                       api_key=key.api_key)  # fmt: skip
        assert r.status == 200, r.body
        # not percent-encoded: '+' reads as a space and '/' is harmless, so it fails
        raw = vec["signature_b64"]
        assert "+" in raw
        r = await send(ex, "GET", "/api/v3/account", f"{vec['payload']}&signature={raw}",
                       api_key=key.api_key)  # fmt: skip
        assert r.code == -1022


async def test_ed25519_wrong_key_rejected(ex: LocalExchange) -> None:
    other = ed25519.Ed25519PrivateKey.generate()
    q = f"timestamp={ex.clock.now_ms()}"
    sig = quote(base64.b64encode(other.sign(q.encode())).decode(), safe="")
    r = await send(ex, "GET", "/api/v3/account", f"{q}&signature={sig}",
                   api_key=ex.ed25519_api_key)  # fmt: skip
    assert r.code == -1022
    r = await send(ex, "GET", "/api/v3/account", f"{q}&signature=notbase64!",
                   api_key=ex.ed25519_api_key)  # fmt: skip
    assert r.code == -1022


# --- timing ---------------------------------------------------------------------------------


async def test_timestamp_and_recv_window_rules(ex: LocalExchange) -> None:
    now = ex.clock.now_ms()
    old = {"code": -1021, "msg": "Timestamp for this request is outside of the recvWindow."}
    ahead = {"code": -1021,
             "msg": "Timestamp for this request was 1000ms ahead of the server's time."}
    r = await signed(ex, "GET", "/api/v3/account", timestamp=now - 6_000)
    assert (r.status, r.body) == (400, old)
    r = await signed(ex, "GET", "/api/v3/account", timestamp=now - 6_000, recv_window=10_000)
    assert r.status == 200
    r = await signed(ex, "GET", "/api/v3/account", timestamp=ex.clock.now_ms() + 1_500)
    assert r.body == ahead
    r = await signed(ex, "GET", "/api/v3/account", timestamp=ex.clock.now_ms() + 700)
    assert r.status == 200
    r = await signed(ex, "GET", "/api/v3/account", recv_window=60_001)
    assert r.body == {"code": -1131, "msg": "recvWindow must be less than 60000"}
    r = await signed(ex, "GET", "/api/v3/account", recv_window=60_000)
    assert r.status == 200
    r = await signed(ex, "GET", "/api/v3/account", recv_window="6000.346")
    assert r.status == 200
    r = await signed(ex, "GET", "/api/v3/account", recv_window="6000.3456")
    assert r.code == -1100
    r = await signed(ex, "GET", "/api/v3/account", timestamp=ex.clock.now_ms() * 1000 + 123)
    assert r.status == 200  # microseconds
    r = await signed(ex, "GET", "/api/v3/account", timestamp=(now - 70_000) * 1000)
    assert r.body == old
    r = await send(ex, "GET", "/api/v3/account", "signature=abc", api_key=ex.api_key)
    assert r.body == {"code": -1102, "msg": "Mandatory parameter 'timestamp' was not sent, "
                      "was empty/null, or malformed."}  # fmt: skip


# --- parameters -----------------------------------------------------------------------------


async def test_parameter_errors(ex: LocalExchange) -> None:
    r = await send(ex, "GET", "/api/v3/depth")
    assert (r.status, r.body) == (400, {"code": -1102, "msg": MANDATORY_SYMBOL})
    r = await send(ex, "GET", "/api/v3/depth", "symbol=")
    assert r.body == {"code": -1102, "msg": MANDATORY_SYMBOL}
    r = await signed(ex, "POST", "/api/v3/order", {"side": "BUY", "type": "MARKET"})
    assert r.body == {"code": -1102, "msg": MANDATORY_SYMBOL}
    r = await send(ex, "GET", "/api/v3/depth", "symbol=NOPEUSDT")
    assert r.body == {"code": -1121, "msg": "Invalid symbol."}
    r = await send(ex, "GET", "/api/v3/depth", "symbol=BTCUSDT&limit=abc")
    assert r.body == {"code": -1100, "msg": "Illegal characters found in parameter 'limit'; "
                      "legal range is '^[0-9]{1,20}$'."}  # fmt: skip
    r = await send(ex, "GET", "/api/v3/depth", "symbol=BTCUSDT&limit=")
    assert r.body == {"code": -1105, "msg": "Parameter 'limit' was empty."}
    r = await send(ex, "GET", "/api/v3/depth", "symbol=BTCUSDT&symbol=ETHUSDT")
    assert r.body == {"code": -1101, "msg": "Duplicate values for a parameter detected."}
    r = await send(ex, "GET", "/api/v3/depth", "symbol=BTCUSDT&foo=1")
    assert r.body == {"code": -1104, "msg": "Not all sent parameters were read; read '1' "
                      "parameter(s) but was sent '2'."}  # fmt: skip
    r = await signed(ex, "POST", "/api/v3/order", {"symbol": "BTCUSDT", "side": "BUY",
                                                   "type": "LIMIT", "quantity": "1",
                                                   "price": "1", "timeInforce": "GTC"})
    assert r.body == {"code": -1104, "msg": "Not all sent parameters were read; read '7' "
                      "parameter(s) but was sent '8'."}  # fmt: skip
    r = await signed(ex, "POST", "/api/v3/order", {"symbol": "BTCUSDT", "side": "BUY",
                                                   "type": "LIMIT", "quantity": "1",
                                                   "price": "1"})
    assert r.body == {"code": -1102, "msg": "Mandatory parameter 'timeInForce' was not sent, "
                      "was empty/null, or malformed."}  # fmt: skip
    r = await signed(ex, "POST", "/api/v3/order", {"symbol": "BTCUSDT", "side": "BUY",
                                                   "type": "LIMIT", "timeInForce": "GTC",
                                                   "quantity": "1.5x", "price": "1"})
    assert r.code == -1100
    r = await send(ex, "GET", "/api/v3/klines", "symbol=BTCUSDT&interval=7m")
    assert r.body == {"code": -1120, "msg": "Invalid interval."}
    r = await signed(ex, "GET", "/sapi/v1/capital/withdraw/history", {"status": "x"})
    assert r.code == -1100
    r = await signed(ex, "GET", "/sapi/v1/lending/daily/product/list", {"status": "BOGUS"})
    assert r.body == {"code": -1130, "msg": "Data sent for parameter 'status' is not valid."}
    r = await signed(ex, "POST", "/sapi/v1/margin/order", {"symbol": "BTCUSDT", "side": "UP",
                                                           "type": "MARKET"})
    assert r.body == {"code": -1117, "msg": "Invalid side."}
    r = await send(ex, "GET", "/api/v3/ticker",
                   "symbols=" + quote(json.dumps([f"S{i}" for i in range(101)])))  # fmt: skip
    assert r.code == -1101
