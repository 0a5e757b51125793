"""Copy trading: leader API v2 models, envelope errors, client-side config rules, JSON signing.

The leader examples are the copy-trading-leader-v2 seed's, verbatim. The seed's SAPI document
(an OpenAPI stub) shows no response; its two examples here are developers.binance.com's.
"""

from __future__ import annotations

import hashlib
import hmac
from decimal import Decimal
from typing import Any

import msgspec
import pytest

from binance_async import errors as E
from binance_async import models as m
from binance_async.clock import ServerClock
from binance_async.rest import endpoints
from binance_async.rest.session import Client
from binance_async.rest.transport import HttpRequest, HttpResponse, MockTransport

KEY = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"
SECRET = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"
D = Decimal
NOW = 1717200000.0  # the fixed local clock: timestamp=1717200000000


def envelope(data: str) -> bytes:
    return ('{"code": 200, "msg": "success", "data": ' + data + "}").encode()


SEED_CURRENT = envelope("""[{"symbolId": "BTC-SWAP-USDT", "symbolName": "BTCUSDT Perpetual",
  "isLong": 1, "positionType": 0, "leverage": "20", "openTime": "1717200000000",
  "quantity": "0.000058242", "newPrice": "52246.217", "openPrice": "51110.77",
  "totalFollowerCount": "12", "totalFollowerMargin": "1000", "profitRate": "0.0123",
  "markPrice": "68100.2"}]""")
SEED_HISTORY = envelope("""{"pages": "3", "total": "21", "list": [{"symbolId": "BTC-SWAP-USDT",
  "isLong": 1, "positionType": 0, "leverage": "20", "openPrice": "51110.77",
  "closePrice": "52246.217", "openTime": "1717200000000", "closeTime": "1717203600000",
  "profit": "12.34", "status": 2, "openQty": "0.1", "closeQty": "0.1", "positionProfit": "12.34",
  "openFee": "0.1", "closeFee": "0.1"}]}""")
SEED_TRADE_DATA = envelope("""[{"profitRate": "0.1234", "accumulatedProfit": "888.1234",
  "orderCount": 18, "winRate": "0.6111", "currentFollowerCount": "21",
  "followerTotalProfit": "100.1234", "sharpeRatio": "1.2345", "totalFollowerCount": "89",
  "assetManagementScale": "12345.6789", "profitLossRatio": "2.18:1", "tradingFrequency": "0.6",
  "tradingDays": 30}]""")
SEED_PROFIT_SHARING = envelope("""[{"totalProfitSharing": "10.5", "weekOfYear": 22,
  "year": 2026, "sharingDate": "2026-06-01", "recommendUserShare": "1.5",
  "realProfitShare": "9"}]""")
SEED_SYMBOLS = envelope('[{"symbolId": "BTC-SWAP-USDT", "leverage": "20", "isLead": 1}]')
SEED_FOLLOWERS = envelope("""{"pages": "1", "total": "1", "list": [{"followerNickname": "****644",
  "followAmountLimit": "880", "totalFollowMargin": "0", "totalProfit": "0",
  "followRunningMills": "61200000"}]}""")
SEED_NULL = envelope("null")
DOCS_USER_STATUS = b"""{"code": "000000", "message": "success",
  "data": {"isLeadTrader": true, "time": 1717382310843}, "success": true}"""
DOCS_LEAD_SYMBOLS = b"""{"code": "000000", "message": "success", "data": [
  {"symbol": "BTCUSDT", "baseAsset": "BTC", "quoteAsset": "USDT"},
  {"symbol": "ETHUSDT", "baseAsset": "ETH", "quoteAsset": "USDT"}], "success": true}"""

CONFIG: dict[str, Any] = {  # the seed's PUT example
    "unLeadType": 1, "unLeadStartTime": 1717200000000, "unLeadEndTime": 1717286400000,
    "leadPositionType": 0, "tradeProtect": 1, "profitPeriod": 7, "profitRate": "0.1",
    "followAssetLowerLimit": "100", "fixedAmountFollowMin": "10", "fixedRateFollowMin": "10",
    "isNeedInvite": 1, "inviteScope": 2, "symbolIds": ["BTC-SWAP-USDT", "ETH-SWAP-USDT"],
    "recommendShare": 1, "recommendShareRate": "0.2", "inviteCode": "LEADER2026",
}  # fmt: skip


class Server:
    """A MockTransport handler answering `body` (with `status`); records requests."""

    def __init__(self, body: bytes, status: int = 200) -> None:
        self.body, self.status = body, status
        self.seen: list[HttpRequest] = []

    def __call__(self, request: HttpRequest) -> HttpResponse:
        self.seen.append(request)
        return HttpResponse(self.status, {}, self.body)


def client_for(server: Server) -> Client:
    clock = ServerClock(time_source=lambda: NOW)
    return Client(KEY, SECRET, transport=MockTransport(server), time_sync=False, clock=clock)


async def test_leader_responses_decode_into_typed_models() -> None:
    async with client_for(Server(SEED_CURRENT)) as client:
        [order] = await client.copy_leader.current_orders()
    assert order == m.LeadOrder(
        symbol_id="BTC-SWAP-USDT", symbol_name="BTCUSDT Perpetual", is_long=1, position_type=0,
        leverage=D("20"), open_time=1717200000000, quantity=D("0.000058242"),
        new_price=D("52246.217"), open_price=D("51110.77"), total_follower_count=12,
        total_follower_margin=D("1000"), profit_rate=D("0.0123"), mark_price=D("68100.2"),
    )  # fmt: skip
    assert type(order.open_time) is int and type(order.total_follower_count) is int

    async with client_for(Server(SEED_HISTORY)) as client:
        page = await client.copy_leader.order_history(page=1, size=10)
    assert (page.pages, page.total) == (3, 21)
    [rec] = page.items
    assert (rec.open_time, rec.close_time, rec.status) == (1717200000000, 1717203600000, 2)
    assert (rec.close_price, rec.open_qty, rec.close_fee) == (D("52246.217"), D("0.1"), D("0.1"))

    async with client_for(Server(SEED_TRADE_DATA)) as client:
        [stats] = await client.copy_leader.trade_data(type=30)
    assert (stats.order_count, stats.current_follower_count, stats.total_follower_count) == (
        18, 21, 89)  # fmt: skip
    assert stats.profit_loss_ratio == "2.18:1" and stats.trading_days == 30
    assert stats.asset_management_scale == D("12345.6789")

    async with client_for(Server(SEED_PROFIT_SHARING)) as client:
        [share] = await client.copy_leader.profit_sharing_history()
    assert share == m.ProfitSharingRecord(
        total_profit_sharing=D("10.5"), week_of_year=22, year=2026, sharing_date="2026-06-01",
        recommend_user_share=D("1.5"), real_profit_share=D("9"),
    )  # fmt: skip

    async with client_for(Server(SEED_SYMBOLS)) as client:
        symbols = await client.copy_leader.symbols()
    assert symbols == [m.LeaderSymbol(symbol_id="BTC-SWAP-USDT", leverage=D("20"), is_lead=1)]

    async with client_for(Server(SEED_FOLLOWERS)) as client:
        followers = await client.copy_leader.followers(page=1, size=10)
    assert (followers.pages, followers.total) == (1, 1)
    assert followers.items == [m.LeaderFollower(
        follower_nickname="****644", follow_amount_limit=D("880"), total_follow_margin=D("0"),
        total_profit=D("0"), follow_running_mills=61200000,
    )]  # fmt: skip

    server = Server(SEED_NULL)
    async with client_for(server) as client:
        results = [
            await client.call_endpoint(endpoints.get("copy_leader", "update_config"), CONFIG),
            await client.call_endpoint(
                endpoints.get("copy_leader", "remove_follower"), {"followerUserId": 123456789}
            ),
        ]
        await client.copy_leader.update_config(**CONFIG)  # typed: returns None
    assert results == [None, None] and len(server.seen) == 3


async def test_sapi_copy_trading_responses_decode() -> None:
    async with client_for(Server(DOCS_USER_STATUS)) as client:
        status = await client.copy_trading.user_status()
    assert status.code == "000000" and status.success
    assert status.data == m.LeadTraderStatus(is_lead_trader=True, time=1717382310843)
    async with client_for(Server(DOCS_LEAD_SYMBOLS)) as client:
        symbols = await client.copy_trading.lead_symbols()
    assert [s.symbol for s in symbols.data] == ["BTCUSDT", "ETHUSDT"]
    assert symbols.data[1] == m.CopyTradingLeadSymbol(
        symbol="ETHUSDT", base_asset="ETH", quote_asset="USDT"
    )


def test_strings_for_64_bit_integers_need_lax_mode() -> None:
    body = msgspec.json.decode(SEED_HISTORY)["data"]
    raw = msgspec.json.encode(body)
    with pytest.raises(msgspec.ValidationError):
        m.decoder_for(m.LeadOrderHistoryPage).decode(raw)
    assert m.decoder_for(m.LeadOrderHistoryPage, strict=False).decode(raw).total == 21
    assert endpoints.get("copy_leader", "order_history").envelope == "copy_leader"


# -- the envelope's code: every code of the seed ---------------------------------------------

SEED_CODES: list[tuple[int, type[E.APIError]]] = [
    (-1020, E.UnsupportedOperation),
    (-1102, E.MandatoryParamMissing),
    (-1130, E.InvalidParameter),
    (-120041, E.CopyTradingError),
    (-120047, E.CopyTradingError),
    (-120055, E.CopyTradingError),
    (-120067, E.CopyTradingError),
    (-120072, E.CopyTradingError),
    (-120073, E.CopyTradingError),
    (-120078, E.CopyTradingError),
    (-32045, E.CopyTradingError),
    (-32090, E.CopyTradingError),
    (-32093, E.CopyTradingError),
    (-120510, E.CopyTradingError),
    (-120511, E.CopyTradingError),
    (-120512, E.CopyTradingError),
    (-1000, E.GeneralError),
]


@pytest.mark.parametrize(("code", "cls"), SEED_CODES, ids=[str(c) for c, _ in SEED_CODES])
async def test_every_seed_code_raises_even_with_http_200(
    code: int, cls: type[E.APIError]
) -> None:
    body = msgspec.json.encode({"code": code, "msg": f"message {code}", "data": None})
    server = Server(body)
    async with client_for(server) as client:
        with pytest.raises(cls) as info:
            await client.copy_leader.symbols()
    exc = info.value
    assert type(exc) is cls
    assert (exc.status, exc.code, exc.msg) == (200, code, f"message {code}")
    assert exc.code_name, f"no name for {code} in ERROR_CODE_NAMES"
    assert len(server.seen) == 1  # an answered error is never retried


async def test_envelope_edge_cases() -> None:
    # a string code, HTTP 4xx with the envelope, a body that is no envelope
    body = b'{"code": "200", "msg": "success", "data": [{"symbolId": "X", "leverage": "5", '
    body += b'"isLead": 0}]}'
    async with client_for(Server(body)) as client:
        assert (await client.copy_leader.symbols())[0].leverage == D("5")
    async with client_for(Server(b'{"code": -120041, "msg": "not a leader"}', 400)) as client:
        with pytest.raises(E.CopyTradingError, match="COPY_LEADER_NOT_AVAILABLE"):
            await client.copy_leader.current_orders()
    async with client_for(Server(b"<html>gateway</html>")) as client:
        with pytest.raises(E.InvalidResponse, match=r"not a \{code,msg,data\} body"):
            await client.copy_leader.current_orders()


# -- client-side rules, before sending ---------------------------------------------------------

BAD_CONFIGS: list[tuple[str, dict[str, Any], str]] = [
    ("cool-down-end-missing", {"unLeadEndTime": None}, "unLeadEndTime"),
    ("cool-down-end-zero", {"unLeadEndTime": 0, "unLeadStartTime": None}, "unLeadEndTime"),
    ("cool-down-end-before-start", {"unLeadEndTime": 1717199999999}, "unLeadEndTime"),
    ("profit-period", {"profitPeriod": 30}, "profitPeriod"),
    ("lead-position-type", {"leadPositionType": 2}, "leadPositionType"),
    ("trade-protect", {"tradeProtect": 2}, "tradeProtect"),
    ("rate-missing", {"recommendShareRate": None}, "recommendShareRate"),
    ("rate-zero", {"recommendShareRate": "0"}, "recommendShareRate"),
    ("rate-above-one", {"recommendShareRate": "1.00000001"}, "recommendShareRate"),
    ("rate-negative", {"recommendShareRate": D("-0.1")}, "recommendShareRate"),
    ("rate-9-decimals", {"recommendShareRate": "0.123456789"}, "recommendShareRate"),
    ("rate-9-decimals-no-share", {"recommendShare": 0, "recommendShareRate": "0.000000001"},
     "recommendShareRate"),
    ("invite-short", {"inviteCode": "ABCDE"}, "inviteCode"),
    ("invite-long", {"inviteCode": "ABCDEFGHIJK"}, "inviteCode"),
    ("invite-chinese", {"inviteCode": "带单员2026"}, "inviteCode"),
    ("invite-fullwidth", {"inviteCode": "LEADER２０２６"}, "inviteCode"),
    ("invite-kana", {"inviteCode": "LEADERカナ"}, "inviteCode"),
    ("symbol-ids-type", {"symbolIds": "BTC-SWAP-USDT"}, "symbolIds"),
]  # fmt: skip


@pytest.mark.parametrize(("changes", "param"), [b[1:] for b in BAD_CONFIGS],
                         ids=[b[0] for b in BAD_CONFIGS])  # fmt: skip
async def test_config_rules_raise_naming_the_parameter_and_send_nothing(
    changes: dict[str, Any], param: str
) -> None:
    server = Server(SEED_NULL)
    params = {k: v for k, v in {**CONFIG, **changes}.items() if v is not None}
    async with client_for(server) as client:
        with pytest.raises(E.ValidationError) as info:
            await client.copy_leader.update_config(**params)
    assert info.value.param == param
    assert param in str(info.value)
    assert server.seen == []


async def test_config_mandatory_none_is_missing() -> None:
    server = Server(SEED_NULL)
    async with client_for(server) as client:
        with pytest.raises(E.ValidationError, match="missing mandatory parameter 'inviteScope'"):
            await client.copy_leader.update_config(**{**CONFIG, "inviteScope": None})
    assert server.seen == []


GOOD_CONFIGS: list[tuple[str, dict[str, Any]]] = [
    ("seed-example", {}),
    ("no-cool-down", {"unLeadType": 0, "unLeadStartTime": None, "unLeadEndTime": None}),
    ("no-cool-down-times-ignored", {"unLeadType": 0, "unLeadEndTime": 0}),
    ("end-equals-start", {"unLeadEndTime": 1717200000000}),
    ("end-without-start", {"unLeadStartTime": None}),
    ("rate-one", {"recommendShareRate": D("1")}),
    ("rate-8-decimals", {"recommendShareRate": "0.12345678"}),
    ("rate-trailing-zeros", {"recommendShareRate": "0.200000000000"}),
    ("share-unchanged", {"recommendShare": None, "recommendShareRate": None}),
    ("share-off", {"recommendShare": 0, "recommendShareRate": None}),
    ("invite-6", {"inviteCode": "ABC123"}),
    ("invite-10", {"inviteCode": "ABCDEFGHIJ"}),
    ("invite-empty", {"inviteCode": ""}),
    ("invite-ignored-when-public", {"isNeedInvite": 0, "inviteCode": "带单"}),
    ("all-pairs-disabled", {"symbolIds": []}),
]  # fmt: skip


@pytest.mark.parametrize("changes", [g[1] for g in GOOD_CONFIGS], ids=[g[0] for g in GOOD_CONFIGS])
async def test_valid_configs_are_sent(changes: dict[str, Any]) -> None:
    server = Server(SEED_NULL)
    params = {k: v for k, v in {**CONFIG, **changes}.items() if v is not None}
    async with client_for(server) as client:
        await client.copy_leader.update_config(**params)
    assert len(server.seen) == 1


@pytest.mark.parametrize(
    ("method", "kwargs", "param"),
    [
        ("remove_follower", {"followerUserId": 0}, "followerUserId"),
        ("remove_follower", {"followerUserId": -5}, "followerUserId"),
        ("order_history", {"page": 0}, "page"),
        ("order_history", {"size": 0}, "size"),
        ("followers", {"page": -1}, "page"),
        ("followers", {"size": 0}, "size"),
        ("trade_data", {"type": 14}, "type"),
    ],
)
async def test_other_leader_rules(method: str, kwargs: dict[str, Any], param: str) -> None:
    server = Server(SEED_NULL)
    async with client_for(server) as client:
        with pytest.raises(E.ValidationError) as info:
            await getattr(client.copy_leader, method)(**kwargs)
    assert info.value.param == param and server.seen == []


def test_update_config_docstring_says_omitted_pairs_are_disabled() -> None:
    from binance_async.rest.api.copy_leader import CopyLeaderApi

    doc = " ".join((CopyLeaderApi.update_config.__doc__ or "").split())
    assert "symbolIds is the FULL list" in doc and "left out is disabled" in doc


# -- signing a JSON body -----------------------------------------------------------------------


async def test_json_body_signature_covers_query_then_exact_body_bytes() -> None:
    server = Server(SEED_NULL)
    async with client_for(server) as client:
        await client.copy_leader.update_config(
            **{**CONFIG, "recommendShareRate": D("1E-8"), "profitRate": 0.1}
        )
    [request] = server.seen
    assert request.method == "PUT"
    assert request.path == "/api/v2/copy-trading/leader/config"
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["X-MBX-APIKEY"] == KEY
    body = (
        b'{"unLeadType":1,"unLeadStartTime":1717200000000,"unLeadEndTime":1717286400000,'
        b'"leadPositionType":0,"tradeProtect":1,"profitPeriod":7,"profitRate":"0.1",'
        b'"followAssetLowerLimit":"100","fixedAmountFollowMin":"10","fixedRateFollowMin":"10",'
        b'"isNeedInvite":1,"inviteScope":2,"symbolIds":["BTC-SWAP-USDT","ETH-SWAP-USDT"],'
        b'"recommendShare":1,"recommendShareRate":"0.00000001","inviteCode":"LEADER2026"}'
    )
    assert request.body == body  # catalogue order, compact, decimals as plain strings
    query = "recvWindow=5000&timestamp=1717200000000"
    expected = hmac.new(SECRET.encode(), (query + body.decode()).encode(), hashlib.sha256)
    assert request.query_string == f"{query}&signature={expected.hexdigest()}"


async def test_remove_follower_path_parameter_and_signature() -> None:
    server = Server(SEED_NULL)
    async with client_for(server) as client:
        await client.copy_leader.remove_follower(123456789, recvWindow=10000)
    [request] = server.seen
    assert (request.method, request.path) == (
        "DELETE", "/api/v2/copy-trading/leader/followers/123456789")  # fmt: skip
    query = "recvWindow=10000&timestamp=1717200000000"
    signature = hmac.new(SECRET.encode(), query.encode(), hashlib.sha256).hexdigest()
    assert request.query_string == f"{query}&signature={signature}"
    assert not request.body
