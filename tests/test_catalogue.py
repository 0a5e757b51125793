"""The endpoint catalogue: seed coverage, weights, validation, generated code, static typing."""

from __future__ import annotations

import csv
import inspect
import os
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from binance_async.errors import ValidationError
from binance_async.rest import endpoints as E
from binance_async.rest.api import FAMILIES, TypedApiMixin
from binance_async.rest.endpoints import Endpoint, Param, codegen

SHARED = Path(
    os.environ.get("BINANCE_ASYNC_SHARED", Path(__file__).resolve().parents[2] / "shared")
)
TSV = SHARED / "endpoints.tsv"
TYPING_CASES = Path(__file__).resolve().parent / "typing_cases"
SECURITY = {"NONE", "MARKET_DATA", "USER_STREAM", "TRADE", "USER_DATA", "MARGIN"}
POOLS = {"REQUEST_WEIGHT", "SAPI_IP", "SAPI_UID", "ORDERS_10S", "ORDERS_1D"}


def sample(param: Param) -> Any:
    """A valid value for a parameter."""
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


def typical(ep: Endpoint) -> dict[str, Any]:
    return {p.name: sample(p) for p in ep.params}


class Recorder:
    """A fake client: records `call_endpoint` calls."""

    def __init__(self) -> None:
        self.calls: list[tuple[Endpoint, dict[str, Any]]] = []

    async def call_endpoint(self, endpoint: Endpoint, params: Any, *, validate: Any = False) -> Any:
        self.calls.append((endpoint, dict(params)))
        self.validate = validate
        return {"ok": True}


# -- coverage --------------------------------------------------------------------------------


def test_every_tsv_row_has_an_entry_and_nothing_else() -> None:
    with TSV.open(newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    assert len(rows) == 248
    eps = E.all_endpoints()
    assert len(eps) == 248
    routes = {(ep.method, ep.seed_path or ep.path) for ep in eps}
    assert {(r["method"], r["path"]) for r in rows} == routes
    for r in rows:
        ep = E.lookup(r["method"], r["path"])
        assert ep is not None and ep.seed == r["seed"]


def test_names_unique_per_family_and_fields_valid() -> None:
    seen: set[tuple[str, str]] = set()
    for ep in E.all_endpoints():
        assert (ep.family, ep.name) not in seen
        seen.add((ep.family, ep.name))
        assert ep.name.isidentifier() and ep.name == ep.name.lower()
        assert ep.security in SECURITY
        assert ep.title
        assert ep.weights
        assert ep.body in ("query", "json")
        names = [p.name for p in ep.params]
        assert len(names) == len(set(names)), ep.key
        assert not {"timestamp", "signature", "recvWindow"} & set(names), ep.key
        assert set(ep.path_params) == {p.name for p in ep.params if p.location == "path"}
        assert E.get(ep.family, ep.name) is ep


def test_families() -> None:
    fams = E.families()
    assert set(fams) == set(FAMILIES)
    assert {"market", "trade", "user_stream", "wallet", "margin", "copy_trading",
            "copy_leader", "gift_card"} <= set(fams)
    assert len(E.by_family("copy_trading")) == 2
    assert len(E.by_family("copy_leader")) == 8
    assert all(ep.envelope == "copy_leader" and ep.signed for ep in E.by_family("copy_leader"))
    assert all(ep.signed for ep in E.by_family("copy_trading"))
    assert E.get("copy_leader", "update_config").body == "json"


def test_security_properties() -> None:
    assert not E.get("market", "depth").needs_api_key
    assert not E.get("market", "depth").signed
    hist = E.get("market", "historical_trades")
    assert hist.needs_api_key and not hist.signed
    stream = E.get("user_stream", "new_listen_key")
    assert stream.needs_api_key and not stream.signed
    for name in ("new_order", "account", "my_trades"):
        assert E.get("trade", name).signed
    assert E.get("margin", "transfer").security == "MARGIN" and E.get("margin", "transfer").signed
    # every endpoint whose seed section takes a timestamp is signed
    assert all(ep.signed for ep in E.by_family("sub_account"))


def test_lookup() -> None:
    assert E.lookup("GET", "/api/v3/depth") is E.get("market", "depth")
    assert E.lookup("get", "/api/v3/depth?symbol=BTCUSDT") is E.get("market", "depth")
    assert E.lookup("POST", "/api/v3/depth") is None
    assert E.lookup("GET", "/api/v3/nope") is None
    follower = E.lookup("DELETE", "/api/v2/copy-trading/leader/followers/123456789")
    assert follower is E.get("copy_leader", "remove_follower")
    assert E.lookup("GET", "/api/v2/copy-trading/leader/followers") is E.get(
        "copy_leader", "followers"
    )
    assert E.lookup("DELETE", "/api/v2/copy-trading/leader/followers/1/x") is None
    with pytest.raises(KeyError, match=r"market\.nope"):
        E.get("market", "nope")


def test_render_path() -> None:
    ep = E.get("copy_leader", "remove_follower")
    assert ep.render_path({"followerUserId": 42, "recvWindow": 5000}) == (
        "/api/v2/copy-trading/leader/followers/42", {"recvWindow": 5000}
    )
    with pytest.raises(ValidationError, match="followerUserId"):
        ep.render_path({})
    depth = E.get("market", "depth")
    assert depth.render_path({"symbol": "X"}) == ("/api/v3/depth", {"symbol": "X"})


def test_responses_resolve() -> None:
    from binance_async import models

    for ep in E.all_endpoints():
        if ep.response is not None:
            assert ep.response_type() is not None
        for case in ep.response_cases:
            assert E.spec.resolve_response(case.response) is not None
    assert E.get("market", "depth").response_type() is models.DepthSnapshot
    new_order = E.get("trade", "new_order")
    assert new_order.response_type() is models.OrderAck
    assert new_order.response_type({"type": "MARKET"}) is models.OrderFull
    assert new_order.response_type({"type": "STOP_LOSS"}) is models.OrderAck
    assert new_order.response_type({"type": "LIMIT", "newOrderRespType": "RESULT"}) is (
        models.OrderResult
    )
    mini = E.get("market", "ticker_24hr").response_type({"type": "MINI"})
    assert mini == models.Ticker24hrMini | list[models.Ticker24hrMini]
    with pytest.raises(ValueError):
        E.spec.resolve_response("list[models.Trade")


# -- weights ---------------------------------------------------------------------------------


def test_every_weight_rule_evaluates() -> None:
    for ep in E.all_endpoints():
        for params in ({}, typical(ep)):
            charges = ep.charges(params)
            assert charges, ep.key
            for pool, weight in charges:
                assert pool in POOLS, ep.key
                assert isinstance(weight, int) and weight >= 1, ep.key
        pools = {pool for pool, _ in ep.charges({})}
        if ep.path.startswith("/sapi/"):
            assert pools <= {"SAPI_IP", "SAPI_UID"}, ep.key
        else:
            assert pools <= {"REQUEST_WEIGHT", "ORDERS_10S", "ORDERS_1D"}, ep.key
        assert ep.weight_text()


@pytest.mark.parametrize(
    ("limit", "weight"),
    [(None, 5), (1, 5), (100, 5), (101, 25), (500, 25), (501, 50), (1000, 50), (1001, 250),
     (5000, 250), (10000, 250), ("500", 25)],
)
def test_depth_weight_by_limit(limit: Any, weight: int) -> None:
    params = {"symbol": "BTCUSDT"} if limit is None else {"symbol": "BTCUSDT", "limit": limit}
    assert E.get("market", "depth").charges(params) == (("REQUEST_WEIGHT", weight),)


@pytest.mark.parametrize(
    ("params", "weight"),
    [
        ({"symbol": "BTCUSDT"}, 1),
        ({}, 40),
        ({"symbols": ["A"] * 20}, 1),
        ({"symbols": ["A"] * 21}, 20),
        ({"symbols": ["A"] * 100}, 20),
        ({"symbols": ["A"] * 101}, 40),
        ({"symbols": '["BTCUSDT","BNBBTC"]'}, 1),
    ],
)
def test_ticker_24hr_weight_by_symbols(params: dict[str, Any], weight: int) -> None:
    assert E.get("market", "ticker_24hr").charges(params) == (("REQUEST_WEIGHT", weight),)


def test_other_ticker_weights() -> None:
    for name in ("ticker_price", "book_ticker"):
        ep = E.get("market", name)
        assert ep.charges({"symbol": "X"}) == (("REQUEST_WEIGHT", 1),)
        assert ep.charges({}) == (("REQUEST_WEIGHT", 2),)
        assert ep.charges({"symbols": ["A", "B", "C"]}) == (("REQUEST_WEIGHT", 2),)
    rolling = E.get("market", "rolling_window_ticker")
    assert rolling.charges({"symbol": "X"}) == (("REQUEST_WEIGHT", 2),)
    assert rolling.charges({"symbols": ["A"] * 10}) == (("REQUEST_WEIGHT", 20),)
    assert rolling.charges({"symbols": ["A"] * 51}) == (("REQUEST_WEIGHT", 100),)
    assert rolling.charges({}) == (("REQUEST_WEIGHT", 100),)


def test_weight_with_and_without_a_parameter() -> None:
    ep = E.get("trade", "open_orders")
    assert ep.charges({"symbol": "BTCUSDT"}) == (("REQUEST_WEIGHT", 3),)
    assert ep.charges({}) == (("REQUEST_WEIGHT", 40),)
    assert ep.charges({"symbol": None}) == (("REQUEST_WEIGHT", 40),)
    cross = E.get("margin", "cross_margin_data")
    assert cross.charges({"coin": "BNB"}) == (("SAPI_IP", 1),)
    assert cross.charges({}) == (("SAPI_IP", 5),)
    assert E.get("bswap", "liquidity").charges({}) == (("SAPI_IP", 10),)


def test_sapi_pools() -> None:
    assert E.get("margin", "borrow").charges({}) == (("SAPI_UID", 3000),)
    assert E.get("wallet", "account_snapshot").charges({}) == (("SAPI_IP", 2400),)
    assert E.get("fiat", "deposit_withdraw_history").charges({}) == (("SAPI_UID", 90000),)
    assert E.get("user_stream", "new_margin_listen_key").charges({}) == (("SAPI_UID", 1),)
    assert E.get("copy_leader", "followers").charges({}) == (("REQUEST_WEIGHT", 1),)


def test_order_placement_charges_order_pools() -> None:
    new_order = E.get("trade", "new_order")
    assert new_order.counts_as_order
    assert new_order.charges({"symbol": "X"}) == (
        ("REQUEST_WEIGHT", 1), ("ORDERS_10S", 1), ("ORDERS_1D", 1),
    )
    oco = E.get("trade", "new_oco")
    assert oco.charges({}) == (("REQUEST_WEIGHT", 1), ("ORDERS_10S", 2), ("ORDERS_1D", 2))
    assert E.get("trade", "cancel_replace").counts_as_order
    for name in ("test_new_order", "cancel_order", "get_order", "open_orders"):
        assert not E.get("trade", name).counts_as_order
    ordering = {ep.key for ep in E.all_endpoints() if ep.counts_as_order}
    assert ordering == {"POST /api/v3/order", "POST /api/v3/order/oco",
                        "POST /api/v3/order/cancelReplace"}


def test_today_weights_and_notes() -> None:
    assert E.get("trade", "order_rate_limit").charges({}) == (("REQUEST_WEIGHT", 40),)
    assert E.get("user_stream", "new_listen_key").charges({}) == (("REQUEST_WEIGHT", 2),)
    for name, family in (("depth", "market"), ("order_rate_limit", "trade"),
                         ("new_listen_key", "user_stream")):
        assert "Seed" in E.get(family, name).note


# -- validation ------------------------------------------------------------------------------


def test_validate_returns_catalogue_order_without_none() -> None:
    ep = E.get("trade", "new_order")
    out = E.validate(ep, {"recvWindow": 5000, "price": "0.1", "type": "LIMIT", "side": "BUY",
                          "symbol": "LTCBTC", "quantity": 1, "timeInForce": "GTC",
                          "icebergQty": None})
    assert list(out) == ["symbol", "side", "type", "timeInForce", "quantity", "price",
                         "recvWindow"]


def test_validate_missing_mandatory() -> None:
    with pytest.raises(ValidationError, match="missing mandatory parameter 'symbol'") as info:
        E.validate(E.get("market", "depth"), {"limit": 5})
    assert info.value.param == "symbol"
    with pytest.raises(ValidationError, match="'symbol'"):
        E.validate(E.get("market", "depth"), {"symbol": None})


def test_validate_unknown_suggests_closest() -> None:
    with pytest.raises(ValidationError, match="unknown parameter 'limt'; did you mean 'limit'"):
        E.validate(E.get("market", "depth"), {"symbol": "BTCUSDT", "limt": 5})
    with pytest.raises(ValidationError, match="did you mean 'timeInForce'") as info:
        E.validate(E.get("trade", "new_order"),
                   {"symbol": "X", "side": "BUY", "type": "LIMIT", "timeinforce": "GTC"})
    assert info.value.param == "timeinforce"
    with pytest.raises(ValidationError, match="the client adds it"):
        E.validate(E.get("trade", "account"), {"timestamp": 1})
    # recvWindow only on signed endpoints
    with pytest.raises(ValidationError, match="recvWindow"):
        E.validate(E.get("market", "depth"), {"symbol": "X", "recvWindow": 5000})
    assert E.validate(E.get("trade", "account"), {"recvWindow": 5000}) == {"recvWindow": 5000}


@pytest.mark.parametrize(
    ("endpoint", "params", "bad"),
    [
        (("market", "depth"), {"symbol": "X", "limit": "5"}, "limit"),
        (("market", "depth"), {"symbol": "X", "limit": True}, "limit"),
        (("market", "depth"), {"symbol": 5}, "symbol"),
        (("trade", "new_order"), {"symbol": "X", "side": "BUY", "type": "LIMIT",
                                  "price": "abc"}, "price"),
        (("trade", "new_order"), {"symbol": "X", "side": "BUY", "type": "LIMIT",
                                  "price": float("nan")}, "price"),
        (("trade", "new_order"), {"symbol": "X", "side": "BUY", "type": "LIMIT",
                                  "quantity": True}, "quantity"),
        (("sub_account", "enable_blvt"), {"email": "a@b", "enableBlvt": "true"}, "enableBlvt"),
        (("market", "exchange_info"), {"symbols": "BTCUSDT"}, "symbols"),
        (("market", "exchange_info"), {"symbols": ["BTCUSDT", 1]}, "symbols"),
        (("copy_leader", "trade_data"), {"type": "30"}, "type"),
    ],
)
def test_validate_wrong_type(endpoint: tuple[str, str], params: dict[str, Any], bad: str) -> None:
    with pytest.raises(ValidationError, match=f"parameter '{bad}'") as info:
        E.validate(E.get(*endpoint), params)
    assert info.value.param == bad


def test_validate_accepts_decimal_forms() -> None:
    ep = E.get("trade", "new_order")
    base = {"symbol": "X", "side": "BUY", "type": "LIMIT"}
    for price in (Decimal("0.1"), "0.1", 0.1, 1):
        assert E.validate(ep, {**base, "price": price})["price"] == price


def test_validate_enum_lists_choices() -> None:
    ep = E.get("trade", "new_order")
    with pytest.raises(ValidationError, match="must be one of BUY, SELL; got 'buy'") as info:
        E.validate(ep, {"symbol": "X", "side": "buy", "type": "LIMIT"})
    assert info.value.param == "side"
    assert info.value.choices == ("BUY", "SELL")
    with pytest.raises(ValidationError, match="GTC, IOC, FOK"):
        E.validate(ep, {"symbol": "X", "side": "BUY", "type": "LIMIT", "timeInForce": "GTX"})
    with pytest.raises(ValidationError, match="1s, 1m, 3m"):
        E.validate(E.get("market", "klines"), {"symbol": "X", "interval": "2m"})
    with pytest.raises(ValidationError, match="7, 30, 90, 180, 365") as info:
        E.validate(E.get("copy_leader", "trade_data"), {"type": 31})
    assert info.value.choices == ("7", "30", "90", "180", "365")
    assert E.validate(E.get("copy_leader", "trade_data"), {"type": 30}) == {"type": 30}


def test_validate_accepts_enum_members() -> None:
    import enum

    class Side(enum.Enum):
        BUY = "BUY"

    out = E.validate(E.get("trade", "new_order"), {"symbol": "X", "side": Side.BUY,
                                                   "type": "MARKET"})
    assert out["side"] == "BUY"


def test_every_typical_call_validates() -> None:
    for ep in E.all_endpoints():
        assert E.validate(ep, typical(ep)).keys() == typical(ep).keys()


# -- typed API -------------------------------------------------------------------------------


async def test_every_endpoint_has_a_typed_method() -> None:
    rec = Recorder()
    for ep in E.all_endpoints():
        api = FAMILIES[ep.family](rec)
        method = getattr(api, ep.name)
        sig = inspect.signature(method)
        expected = [p.name for p in ep.params] + (["recvWindow"] if ep.signed else [])
        options = ["validate"] if ep.order_filters else []
        assert sorted(sig.parameters) == sorted(expected + options), ep.key
        if options:
            assert sig.parameters["validate"].kind is inspect.Parameter.KEYWORD_ONLY
            assert sig.parameters["validate"].default is False
        for p in ep.params:
            sp = sig.parameters[p.name]
            if p.mandatory:
                assert sp.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD, ep.key
                assert sp.default is inspect.Parameter.empty
            else:
                assert sp.kind is inspect.Parameter.KEYWORD_ONLY, ep.key
                assert sp.default is None
        assert method.__doc__ and ep.title.rstrip(".") in method.__doc__
        mandatory = {p.name: sample(p) for p in ep.params if p.mandatory}
        result = await method(**mandatory)
        assert result == (None if ep.response == "None" else {"ok": True}), ep.key
        called, params = rec.calls[-1]
        assert called is ep
        assert {k: v for k, v in params.items() if v is not None} == mandatory
        assert set(params) == set(expected)
        assert "validate" not in params  # an option, never a wire parameter
    assert len(rec.calls) == 248


async def test_typed_method_passes_optional_params() -> None:
    rec = Recorder()
    market = FAMILIES["market"](rec)
    await market.depth("BTCUSDT", limit=1000)
    assert rec.calls[-1] == (E.get("market", "depth"), {"symbol": "BTCUSDT", "limit": 1000})


def test_mixin_builds_family_objects_once() -> None:
    class Host(TypedApiMixin):
        async def call_endpoint(self, endpoint: Endpoint, params: Any) -> Any:
            return None

    host = Host()
    assert host.market is host.market
    for family, cls in FAMILIES.items():
        assert isinstance(getattr(host, family), cls)


def test_generated_code_is_up_to_date(tmp_path: Path) -> None:
    generated = codegen.generate()
    assert set(generated) == {"__init__.py", *(f"{f}.py" for f in E.families())}
    on_disk = {p.name for p in codegen.API_DIR.glob("*.py")}
    assert on_disk == set(generated), "stale or missing modules in binance_async/rest/api"
    for name, text in generated.items():
        assert (codegen.API_DIR / name).read_text() == text, (
            f"{name} is out of date: run python -m binance_async.rest.endpoints.codegen"
        )
    assert codegen.main(["--out", str(tmp_path)]) == 0
    assert codegen.main(["--out", str(tmp_path), "--check"]) == 0
    (tmp_path / "market.py").write_text("# edited\n")
    assert codegen.main(["--out", str(tmp_path), "--check"]) == 1


def test_generated_files_are_marked() -> None:
    for path in codegen.API_DIR.glob("*.py"):
        assert path.read_text().startswith("# Generated by"), path


# -- static typing ---------------------------------------------------------------------------


@pytest.mark.timeout(300)
def test_mypy_catches_misspelt_parameter_and_accepts_correct_usage() -> None:
    from mypy import api

    root = Path(__file__).resolve().parents[1]
    good = TYPING_CASES / "good_usage.py"
    bad = TYPING_CASES / "bad_usage.py"
    stdout, stderr, status = api.run(
        ["--strict", "--config-file", str(root / "pyproject.toml"), "--no-error-summary",
         "--hide-error-context", str(good), str(bad)]
    )
    assert status in (0, 1), stderr
    errors = [line for line in stdout.splitlines() if ": error:" in line]
    assert not [e for e in errors if "good_usage.py" in e], stdout
    bad_errors = "\n".join(e for e in errors if "bad_usage.py" in e)
    assert 'Unexpected keyword argument "limt"' in bad_errors, stdout
    assert '"klines"' in bad_errors and "Literal['2m']" in bad_errors, stdout
    assert '"new_order"' in bad_errors, stdout
    assert len(errors) == 3, stdout
