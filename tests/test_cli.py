"""The ``binance-async`` CLI: ``main([...])`` against the loopback fake server.

``main`` runs its own event loop (``asyncio.run``), so the fake server runs in a thread with
its own loop for the duration of each test.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from aiohttp import web

from binance_async.cli import main

from .fake_binance import FakeBinance, Seen, error, json_handler, serve, verify_hmac

KEY = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"
SECRET = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"


@pytest.fixture
def fake() -> Iterator[FakeBinance]:
    """A FakeBinance served from a background thread."""
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    holder: dict[str, Any] = {}

    async def run() -> None:
        stop = asyncio.Event()
        holder["stop"] = stop
        async with serve() as server:
            holder["fake"] = server
            ready.set()
            await stop.wait()

    thread = threading.Thread(target=loop.run_until_complete, args=(run(),), daemon=True)
    thread.start()
    assert ready.wait(10), "fake server did not start"
    try:
        yield holder["fake"]
    finally:
        loop.call_soon_threadsafe(holder["stop"].set)
        thread.join(10)
        loop.close()


@pytest.fixture
def keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BINANCE_API_KEY", KEY)
    monkeypatch.setenv("BINANCE_API_SECRET", SECRET)
    monkeypatch.delenv("BINANCE_PRIVATE_KEY_FILE", raising=False)


@pytest.fixture(autouse=True)
def no_env_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("BINANCE_API_KEY", "BINANCE_API_SECRET", "BINANCE_PRIVATE_KEY_FILE"):
        monkeypatch.delenv(name, raising=False)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# -- endpoints ---------------------------------------------------------------------------------


def test_endpoints_lists_all_248(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "endpoints")
    lines = out.splitlines()
    assert code == 0 and lines[-1] == "248 endpoints" and len(lines) == 249
    assert any("/api/v3/depth" in line and "market.depth" in line for line in lines)


def test_endpoints_json_fields(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "endpoints", "--json")
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and len(rows) == 248
    for row in rows:
        for field in ("method", "path", "security", "weight", "family", "name"):
            assert isinstance(row[field], str) and row[field], (field, row)
    assert len({(r["method"], r["path"]) for r in rows}) == 248
    depth = next(r for r in rows if r["path"] == "/api/v3/depth")
    assert depth["weight"].startswith("REQUEST_WEIGHT 5 for limit 1-100")
    code, out, _ = run(capsys, "endpoints", "--json", "--family", "copy_leader")
    assert [json.loads(line)["name"] for line in out.splitlines()] == [
        "current_orders", "order_history", "trade_data", "profit_sharing_history", "symbols",
        "update_config", "followers", "remove_follower",
    ]  # fmt: skip


# -- call ------------------------------------------------------------------------------------


def test_call_public_coerces_types_and_prints_plain_decimals(
    fake: FakeBinance, capsys: pytest.CaptureFixture[str]
) -> None:
    depth = {"lastUpdateId": 7, "bids": [["0.00000001", "1E+2"]], "asks": [["12.50", "3"]]}
    fake.route("GET", "/api/v3/depth", json_handler(depth))
    code, out, err = run(capsys, "call", "GET", "/api/v3/depth", "symbol=BTCUSDT", "limit=5",
                         "--base-url", fake.base_url)  # fmt: skip
    assert (code, err) == (0, "")
    assert json.loads(out) == {
        "lastUpdateId": 7, "bids": [["0.00000001", "100"]], "asks": [["12.50", "3"]]
    }  # fmt: skip
    assert '"0.00000001"' in out and "E" not in out
    (seen,) = fake.calls("/api/v3/depth")
    assert seen.query == "symbol=BTCUSDT&limit=5"
    assert "X-MBX-APIKEY" not in seen.headers


def test_call_arrays_json_or_comma_separated(
    fake: FakeBinance, capsys: pytest.CaptureFixture[str]
) -> None:
    prices = [{"symbol": "BTCUSDT", "price": "1.0"}, {"symbol": "ETHUSDT", "price": "2"}]
    fake.route("GET", "/api/v3/ticker/price", json_handler(prices))
    for value in ('["BTCUSDT","ETHUSDT"]', "BTCUSDT,ETHUSDT"):
        code, out, _ = run(capsys, "call", "GET", "/api/v3/ticker/price", f"symbols={value}",
                           "--base-url", fake.base_url)  # fmt: skip
        assert code == 0 and json.loads(out) == prices
    assert [s.query for s in fake.calls("/api/v3/ticker/price")] == [
        "symbols=%5B%22BTCUSDT%22%2C%22ETHUSDT%22%5D"
    ] * 2


def test_call_signed_with_path_parameter(
    fake: FakeBinance, keys: None, capsys: pytest.CaptureFixture[str]
) -> None:
    path = "/api/v2/copy-trading/leader/followers/123"
    fake.route("DELETE", path, json_handler({"code": 200, "msg": "success", "data": None}))
    code, out, err = run(capsys, "call", "delete", path, "recvWindow=7000",
                         "--base-url", fake.base_url)  # fmt: skip
    assert (code, out, err) == (0, "null\n", "")
    (seen,) = fake.calls(path)
    assert seen.method == "DELETE" and seen.headers["X-MBX-APIKEY"] == KEY
    assert seen.query.startswith("recvWindow=7000&timestamp=")
    assert verify_hmac(seen, SECRET)


def test_call_signed_typed_response_and_json_body(
    fake: FakeBinance, keys: None, capsys: pytest.CaptureFixture[str]
) -> None:
    history = {"code": 200, "msg": "success", "data": {"pages": "3", "total": "21", "list": [
        {"symbolId": "BTC-SWAP-USDT", "isLong": 1, "positionType": 0, "leverage": "20",
         "openPrice": "51110.77", "openTime": "1717200000000", "status": 2, "openQty": "0.1"}]}}
    fake.route("GET", "/api/v2/copy-trading/leader/orders/history", json_handler(history))
    code, out, err = run(capsys, "call", "GET", "/api/v2/copy-trading/leader/orders/history",
                         "page=1", "size=10", "--base-url", fake.base_url)  # fmt: skip
    assert (code, err) == (0, "")
    data = json.loads(out)
    assert (data["pages"], data["total"]) == (3, 21)  # 64-bit strings -> ints
    assert data["list"][0]["openTime"] == 1717200000000
    assert data["list"][0]["openPrice"] == "51110.77"

    config = "/api/v2/copy-trading/leader/config"
    fake.route("PUT", config, json_handler({"code": 200, "msg": "success", "data": None}))
    code, out, err = run(
        capsys, "call", "PUT", config, "unLeadType=0", "leadPositionType=-1", "tradeProtect=1",
        "profitPeriod=7", "profitRate=0.10", "followAssetLowerLimit=100",
        "fixedAmountFollowMin=10", "fixedRateFollowMin=1E+1", "isNeedInvite=0", "inviteScope=0",
        "symbolIds=BTC-SWAP-USDT,ETH-SWAP-USDT", "--base-url", fake.base_url,
    )  # fmt: skip
    assert (code, out, err) == (0, "null\n", "")
    (seen,) = fake.calls(config)
    assert json.loads(seen.body) == {
        "unLeadType": 0, "leadPositionType": -1, "tradeProtect": 1, "profitPeriod": 7,
        "profitRate": "0.10", "followAssetLowerLimit": "100", "fixedAmountFollowMin": "10",
        "fixedRateFollowMin": "10", "isNeedInvite": 0, "inviteScope": 0,
        "symbolIds": ["BTC-SWAP-USDT", "ETH-SWAP-USDT"],
    }  # fmt: skip
    assert seen.headers["Content-Type"] == "application/json"
    assert verify_hmac(seen, SECRET)


def test_call_boolean_coercion(
    fake: FakeBinance, keys: None, capsys: pytest.CaptureFixture[str]
) -> None:
    fake.route("POST", "/sapi/v3/asset/getUserAsset", json_handler([{"asset": "BTC"}]))
    code, out, _ = run(capsys, "call", "POST", "/sapi/v3/asset/getUserAsset", "asset=BTC",
                       "needBtcValuation=TRUE", "--base-url", fake.base_url)  # fmt: skip
    assert code == 0 and json.loads(out) == [{"asset": "BTC"}]
    (seen,) = fake.calls("/sapi/v3/asset/getUserAsset")
    assert seen.query.startswith("asset=BTC&needBtcValuation=true&recvWindow=5000&timestamp=")


def test_api_error_is_one_line_with_the_code(
    fake: FakeBinance, keys: None, capsys: pytest.CaptureFixture[str]
) -> None:
    fake.route("GET", "/api/v3/depth", lambda _s: error(400, -1121, "Invalid\nsymbol."))
    code, out, err = run(capsys, "call", "GET", "/api/v3/depth", "symbol=NOPE",
                         "--base-url", fake.base_url)  # fmt: skip
    assert (code, out) == (2, "")
    assert err == "error: Binance code -1121 BAD_SYMBOL: Invalid symbol. (HTTP 400)\n"

    def not_a_leader(_s: Seen) -> web.Response:
        return web.json_response({"code": -120041, "msg": "Copy trading leader is not available."})

    fake.route("GET", "/api/v2/copy-trading/leader/symbols", not_a_leader)
    code, out, err = run(capsys, "call", "GET", "/api/v2/copy-trading/leader/symbols",
                         "--base-url", fake.base_url)  # fmt: skip
    assert (code, out) == (2, "")
    assert err.count("\n") == 1 and "Binance code -120041" in err and "(HTTP 200)" in err


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["GET", "/api/v3/depth", "symbol=BTCUSDT", "limit=abc"], "'limit' (INT) must be an"),
        (["GET", "/api/v3/depth", "symbol=BTCUSDT", "limt=5"], "did you mean 'limit'"),
        (["GET", "/api/v3/depth"], "missing mandatory parameter 'symbol'"),
        (["GET", "/api/v3/depth", "symbol"], "expected key=value"),
        (["DELETE", "/api/v2/copy-trading/leader/followers/0"], "'followerUserId' must be >= 1"),
        (["GET", "/api/v2/copy-trading/leader/trade-data", "type=14"], "must be one of"),
        (["POST", "/sapi/v3/asset/getUserAsset", "needBtcValuation=maybe"], "true or false"),
        (["GET", "/api/v3/avgPrice", "symbol=BTCUSDT", "recvWindow=1"], "unknown parameter"),
        (["GET", "/api/v3/account"], "needs an API key"),
        (["PUT", "/api/v2/copy-trading/leader/config", "symbolIds=[1"], "not a JSON list"),
    ],
)
def test_validation_errors_are_one_line_and_send_nothing(
    fake: FakeBinance, capsys: pytest.CaptureFixture[str], argv: list[str], words: str
) -> None:
    code, out, err = run(capsys, "call", *argv, "--base-url", fake.base_url)
    assert (code, out) == (1, "")
    assert err.startswith("error: invalid request: ") and err.count("\n") == 1, err
    assert words in err
    assert fake.seen == []


def test_unknown_path_goes_through_the_escape_hatch(
    fake: FakeBinance, capsys: pytest.CaptureFixture[str]
) -> None:
    fake.route("GET", "/api/v3/somethingNew", json_handler({"value": 0.00000001, "n": 12}))
    code, out, _ = run(capsys, "call", "GET", "/api/v3/somethingNew", "a=1", 'list=["x","y"]',
                       "--base-url", fake.base_url)  # fmt: skip
    assert code == 0 and out == '{"value":0.00000001,"n":12}\n'
    (seen,) = fake.calls("/api/v3/somethingNew")
    assert seen.query == "a=1&list=%5B%22x%22%2C%22y%22%5D"


def test_missing_key_file_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "call", "GET", "/api/v3/account", "--key-file",
                         "/nonexistent/key.pem")  # fmt: skip
    assert (code, out) == (1, "") and err.count("\n") == 1
    assert err.startswith("error: FileNotFoundError")
