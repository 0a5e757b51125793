"""One typed call per API family through the real aiohttp transport, patched by aioresponses.

For every family: the exact method, path and query string (order and percent-encoded values)
as aiohttp was asked to send them, the JSON body where there is one, the signature (present and
recomputed here with hmac, or absent), the X-MBX-APIKEY header (present or absent), the weight
charged to the limiter's pools (the mocked responses carry no weight headers, so the charge is
the catalogue's alone), and the decoding of the seed's example response (typed models where the
catalogue names one, plain JSON otherwise).

The examples are the 2022 spot API seed's and the copy-trading leader v2 seed's (comments
stripped); the seed's copy-trading SAPI document shows no response, so that example is
developers.binance.com's.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import msgspec
import pytest
from aiohttp import ClientResponse
from aioresponses import aioresponses

from binance_async import models as m
from binance_async.clock import ServerClock
from binance_async.rest import endpoints as E
from binance_async.rest.session import Client

KEY = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"
SECRET = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"
BASE = "https://api.binance.com"
NOW = 1717200000.0
STAMP = "recvWindow=5000&timestamp=1717200000000"
D = Decimal


class Recording(aioresponses):
    """aioresponses that also keeps each URL exactly as aiohttp got it (before it sorts the
    query to match mocks)."""

    def __init__(self) -> None:
        super().__init__()
        self.raw_urls: list[tuple[str, str]] = []

    async def _request_mock(self, orig_self: Any, method: str, url: Any, *args: Any,
                            **kwargs: Any) -> Any:  # fmt: skip
        self.raw_urls.append((method, str(orig_self._build_url(url))))
        return await super()._request_mock(orig_self, method, url, *args, **kwargs)


class _StreamWriterStub:
    output_size = 0


class CompatResponse(ClientResponse):
    """aioresponses 0.7.9 builds responses without the ``stream_writer`` argument aiohttp 3.14
    requires (pnuckowski/aioresponses#289, fix pending in #288); aiohttp only reads its
    ``output_size``."""

    def __init__(self, method: str, url: Any, **kwargs: Any) -> None:
        kwargs.setdefault("stream_writer", _StreamWriterStub())
        super().__init__(method, url, **kwargs)


Call = Callable[[Client], Awaitable[Any]]


@dataclass
class Case:
    family: str
    call: Call
    method: str
    path: str
    query: str  # business parameters, before recvWindow/timestamp/signature
    signed: bool
    key: bool
    charges: dict[str, int]
    response: Any  # the seed's example (JSON value)
    expected: Any = None  # the decoded result; None: the example itself (plain JSON)
    body: bytes | None = None
    envelope: bool = False
    name: str = field(default="")


SEED_DEPTH = {"lastUpdateId": 1027024, "bids": [["4.00000000", "431.00000000"]],
              "asks": [["4.00000200", "12.00000000"]]}  # fmt: skip
SEED_ACK = {"symbol": "BTCUSDT", "orderId": 28, "orderListId": -1,
            "clientOrderId": "6gCrw2kRUAF9CvJDGP16IP", "transactTime": 1507725176595}
SEED_LISTEN_KEY = {"listenKey": "pqia91ma19a5s61cv6a81va65sdf19v8a65a1a5s61cv6a81va65sdf19v8a65a1"}
SEED_LEADER_HISTORY = {"pages": "3", "total": "21", "list": [{
    "symbolId": "BTC-SWAP-USDT", "isLong": 1, "positionType": 0, "leverage": "20",
    "openPrice": "51110.77", "closePrice": "52246.217", "openTime": "1717200000000",
    "closeTime": "1717203600000", "profit": "12.34", "status": 2, "openQty": "0.1",
    "closeQty": "0.1", "positionProfit": "12.34", "openFee": "0.1", "closeFee": "0.1"}]}
LEADER_CONFIG: dict[str, Any] = {
    "unLeadType": 1, "unLeadStartTime": 1717200000000, "unLeadEndTime": 1717286400000,
    "leadPositionType": 0, "tradeProtect": 1, "profitPeriod": 7, "profitRate": D("0.1"),
    "followAssetLowerLimit": D("100"), "fixedAmountFollowMin": D("10"),
    "fixedRateFollowMin": D("10"), "isNeedInvite": 1, "inviteScope": 2,
    "symbolIds": ["BTC-SWAP-USDT", "ETH-SWAP-USDT"], "recommendShare": 1,
    "recommendShareRate": D("0.2"), "inviteCode": "LEADER2026",
}  # fmt: skip
LEADER_CONFIG_BODY = (
    b'{"unLeadType":1,"unLeadStartTime":1717200000000,"unLeadEndTime":1717286400000,'
    b'"leadPositionType":0,"tradeProtect":1,"profitPeriod":7,"profitRate":"0.1",'
    b'"followAssetLowerLimit":"100","fixedAmountFollowMin":"10","fixedRateFollowMin":"10",'
    b'"isNeedInvite":1,"inviteScope":2,"symbolIds":["BTC-SWAP-USDT","ETH-SWAP-USDT"],'
    b'"recommendShare":1,"recommendShareRate":"0.2","inviteCode":"LEADER2026"}'
)

CASES: list[Case] = [
    Case("market", lambda c: c.market.depth("BTCUSDT", limit=500), "GET", "/api/v3/depth",
         "symbol=BTCUSDT&limit=500", False, False, {"REQUEST_WEIGHT": 25}, SEED_DEPTH,
         m.DepthSnapshot(last_update_id=1027024,
                         bids=[m.PriceLevel(D("4.00000000"), D("431.00000000"))],
                         asks=[m.PriceLevel(D("4.00000200"), D("12.00000000"))])),
    Case("trade", lambda c: c.trade.new_order(
            "BTCUSDT", "BUY", "LIMIT", timeInForce="GTC", quantity=D("1"), price=D("0.1"),
            newClientOrderId="my order/1", newOrderRespType="ACK"),
         "POST", "/api/v3/order",
         "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1"
         "&newClientOrderId=my%20order%2F1&newOrderRespType=ACK", True, True,
         {"REQUEST_WEIGHT": 1, "ORDERS_10S": 1, "ORDERS_1D": 1}, SEED_ACK,
         m.OrderAck(symbol="BTCUSDT", order_id=28, order_list_id=-1,
                    client_order_id="6gCrw2kRUAF9CvJDGP16IP", transact_time=1507725176595)),
    Case("user_stream", lambda c: c.user_stream.new_listen_key(), "POST",
         "/api/v3/userDataStream", "", False, True, {"REQUEST_WEIGHT": 2}, SEED_LISTEN_KEY,
         m.ListenKey(listen_key=SEED_LISTEN_KEY["listenKey"])),
    Case("wallet", lambda c: c.wallet.universal_transfer("MAIN_UMFUTURE", "USDT", D("1.5")),
         "POST", "/sapi/v1/asset/transfer", "type=MAIN_UMFUTURE&asset=USDT&amount=1.5", True,
         True, {"SAPI_IP": 1}, {"tranId": 13526853623}),
    Case("sub_account", lambda c: c.sub_account.futures_transfer(
            "alice@example.com", "USDT", D("1E-8"), 1),
         "POST", "/sapi/v1/sub-account/futures/transfer",
         "email=alice%40example.com&asset=USDT&amount=0.00000001&type=1", True, True,
         {"SAPI_IP": 1}, {"txnId": "2966662589"}),
    Case("margin", lambda c: c.margin.borrow("BTC", D("1.01"), isIsolated="TRUE",
                                             symbol="BTCUSDT"),
         "POST", "/sapi/v1/margin/loan", "asset=BTC&isIsolated=TRUE&symbol=BTCUSDT&amount=1.01",
         True, True, {"SAPI_UID": 3000}, {"tranId": 100000001}),
    Case("savings", lambda c: c.savings.flexible_left_purchase_quota("BUSD001"), "GET",
         "/sapi/v1/lending/daily/userLeftQuota", "productId=BUSD001", True, True,
         {"SAPI_IP": 1}, {"asset": "BUSD", "leftQuota": "50000.00000000"}),
    Case("staking", lambda c: c.staking.personal_left_quota("STAKING", "Axs*90"), "GET",
         "/sapi/v1/staking/personalLeftQuota", "product=STAKING&productId=Axs%2A90", True, True,
         {"SAPI_IP": 1}, [{"leftPersonalQuota": "1000"}]),
    Case("mining", lambda c: c.mining.algo_list(), "GET", "/sapi/v1/mining/pub/algoList", "",
         False, True, {"SAPI_IP": 1},
         {"code": 0, "msg": "", "data": [{"algoName": "sha256", "algoId": 1, "poolIndex": 0,
                                          "unit": "h/s"}]}),
    Case("futures", lambda c: c.futures.transfer("USDT", D("40.84624400"), 1), "POST",
         "/sapi/v1/futures/transfer", "asset=USDT&amount=40.84624400&type=1", True, True,
         {"SAPI_IP": 1}, {"tranId": 100000001}),
    Case("futures_algo", lambda c: c.futures_algo.cancel_order(14511), "DELETE",
         "/sapi/v1/algo/futures/order", "algoId=14511", True, True, {"SAPI_IP": 1},
         {"algoId": 14511, "success": True, "code": 0, "msg": "OK"}),
    Case("portfolio_margin", lambda c: c.portfolio_margin.collateral_rate(), "GET",
         "/sapi/v1/portfolio/collateralRate", "", False, True, {"SAPI_IP": 50},
         [{"asset": "USDC", "collateralRate": "1.0000"},
          {"asset": "BUSD", "collateralRate": "1.0000"}]),
    Case("blvt", lambda c: c.blvt.subscribe("LINKUP", D("9.99999995")), "POST",
         "/sapi/v1/blvt/subscribe", "tokenName=LINKUP&cost=9.99999995", True, True,
         {"SAPI_IP": 1},
         {"id": 123, "status": "S", "tokenName": "LINKUP", "amount": "0.95590905",
          "cost": "9.99999995", "timestamp": 1600249972899}),
    Case("bswap", lambda c: c.bswap.swap("USDT", "BUSD", D("300000")), "POST",
         "/sapi/v1/bswap/swap", "quoteAsset=USDT&baseAsset=BUSD&quoteQty=300000", True, True,
         {"SAPI_UID": 1000}, {"swapId": 2314}),
    Case("fiat", lambda c: c.fiat.deposit_withdraw_history("0", beginTime=1626144956000,
                                                         rows=100),
         "GET", "/sapi/v1/fiat/orders", "transactionType=0&beginTime=1626144956000&rows=100",
         True, True, {"SAPI_UID": 90000},
         {"code": "000000", "message": "success", "data": [{
             "orderNo": "7d76d611-0568-4f43-afb6-24cac7767365", "fiatCurrency": "BRL",
             "indicatedAmount": "10.00", "amount": "10.00", "totalFee": "0.00",
             "method": "BankAccount", "status": "Expired", "createTime": 1626144956000,
             "updateTime": 1626400907000}], "total": 1, "success": True}),
    Case("c2c", lambda c: c.c2c.trade_history("SELL", page=1, rows=20), "GET",
         "/sapi/v1/c2c/orderMatch/listUserOrderHistory", "tradeType=SELL&page=1&rows=20", True,
         True, {"SAPI_IP": 1},
         {"code": "000000", "message": "success", "data": [{
             "orderNumber": "20219644646554779648", "advNo": "11218246497340923904",
             "tradeType": "SELL", "asset": "BUSD", "fiat": "CNY", "fiatSymbol": "¥",
             "amount": "5000.00000000", "totalPrice": "33400.00000000", "unitPrice": "6.68",
             "orderStatus": "COMPLETED", "createTime": 1619361369000, "commission": "0",
             "counterPartNickName": "ab***", "advertisementRole": "TAKER"}],
          "total": 1, "success": True}),
    Case("crypto_loans", lambda c: c.crypto_loans.adjust_ltv(756783308056935434, D("5.235"),
                                                             "ADDITIONAL"),
         "POST", "/sapi/v1/loan/adjust/ltv",
         "orderId=756783308056935434&amount=5.235&direction=ADDITIONAL", True, True,
         {"SAPI_UID": 6000},
         {"loanCoin": "BUSD", "collateralCoin": "BNB", "direction": "ADDITIONAL",
          "amount": "5.235", "currentLTV": "0.52"}),
    Case("pay", lambda c: c.pay.trade_history(limit=100), "GET", "/sapi/v1/pay/transactions",
         "limit=100", True, True, {"SAPI_UID": 3000},
         {"code": "000000", "message": "success", "data": [{
             "orderType": "C2C", "transactionId": "M_P_71505104267788288",
             "transactionTime": 1610090460133, "amount": "23.72469206", "currency": "BNB",
             "walletType": 1, "fundsDetail": [{"currency": "USDT", "amount": "1.2"},
                                              {"currency": "ETH", "amount": "0.0001"}]}],
          "success": True}),
    Case("convert", lambda c: c.convert.trade_history(1623824139000, 1626416139000, limit=100),
         "GET", "/sapi/v1/convert/tradeFlow",
         "startTime=1623824139000&endTime=1626416139000&limit=100", True, True,
         {"SAPI_UID": 3000},
         {"list": [{"quoteId": "f3b91c525b2644c7bc1e1cd31b6e1aa6",
                    "orderId": 940708407462087195, "orderStatus": "SUCCESS",
                    "fromAsset": "USDT", "fromAmount": "20", "toAsset": "BNB",
                    "toAmount": "0.06154036", "ratio": "0.00307702", "inverseRatio": "324.99",
                    "createTime": 1624248872184}],
          "startTime": 1623824139000, "endTime": 1626416139000, "limit": 100,
          "moreData": False}),
    Case("rebate", lambda c: c.rebate.spot_rebate_history(page=1), "GET",
         "/sapi/v1/rebate/taxQuery", "page=1", True, True, {"SAPI_UID": 12000},
         {"status": "OK", "type": "GENERAL", "code": "000000000", "data": {
             "page": 1, "totalRecords": 2, "totalPageNum": 1, "data": [
                 {"asset": "USDT", "type": 1, "amount": "0.0001126", "updateTime": 1637651320000},
                 {"asset": "ETH", "type": 1, "amount": "0.00000056",
                  "updateTime": 1637928379000}]}}),
    Case("nft", lambda c: c.nft.assets(limit=50, page=1), "GET", "/sapi/v1/nft/user/getAsset",
         "limit=50&page=1", True, True, {"SAPI_UID": 3000},
         {"total": 347, "list": [
             {"network": "BSC", "contractAddress": "REGULAR11234567891779",
              "tokenId": "100900000017"},
             {"network": "BSC", "contractAddress": "SSMDQ8W59", "tokenId": "200500000011"},
             {"network": "BSC", "contractAddress": "SSMDQ8W59", "tokenId": "200500000019"}]}),
    Case("gift_card", lambda c: c.gift_card.verify_code("0033002327977405"), "GET",
         "/sapi/v1/giftcard/verify", "referenceNo=0033002327977405", True, True, {"SAPI_IP": 1},
         {"code": "000000", "message": "success",
          "data": {"valid": True, "token": "BNB", "amount": "0.00000001"}, "success": True}),
    Case("copy_trading", lambda c: c.copy_trading.user_status(), "GET",
         "/sapi/v1/copyTrading/futures/userStatus", "", True, True, {"SAPI_UID": 20},
         {"code": "000000", "message": "success",
          "data": {"isLeadTrader": True, "time": 1717382310843}, "success": True},
         m.CopyTradingUserStatus(code="000000", message="success", success=True,
                                 data=m.LeadTraderStatus(is_lead_trader=True,
                                                         time=1717382310843))),
    Case("copy_trading", lambda c: c.copy_trading.lead_symbols(), "GET",
         "/sapi/v1/copyTrading/futures/leadSymbol", "", True, True, {"SAPI_IP": 20},
         {"code": "000000", "message": "success", "success": True,
          "data": [{"symbol": "BTCUSDT", "baseAsset": "BTC", "quoteAsset": "USDT"}]},
         m.CopyTradingLeadSymbols(code="000000", message="success", success=True, data=[
             m.CopyTradingLeadSymbol(symbol="BTCUSDT", base_asset="BTC", quote_asset="USDT")])),
    Case("copy_leader", lambda c: c.copy_leader.update_config(**LEADER_CONFIG), "PUT",
         "/api/v2/copy-trading/leader/config", "", True, True, {"REQUEST_WEIGHT": 1}, None,
         None, body=LEADER_CONFIG_BODY, envelope=True, name="update_config"),
    Case("copy_leader", lambda c: c.copy_leader.remove_follower(123456789), "DELETE",
         "/api/v2/copy-trading/leader/followers/123456789", "", True, True,
         {"REQUEST_WEIGHT": 1}, None, None, envelope=True, name="remove_follower"),
    Case("copy_leader", lambda c: c.copy_leader.order_history(page=1, size=10), "GET",
         "/api/v2/copy-trading/leader/orders/history", "page=1&size=10", True, True,
         {"REQUEST_WEIGHT": 1}, SEED_LEADER_HISTORY,
         m.LeadOrderHistoryPage(pages=3, total=21, items=[m.LeadOrderRecord(
             symbol_id="BTC-SWAP-USDT", is_long=1, position_type=0, leverage=D("20"),
             open_price=D("51110.77"), close_price=D("52246.217"), open_time=1717200000000,
             close_time=1717203600000, profit=D("12.34"), status=2, open_qty=D("0.1"),
             close_qty=D("0.1"), position_profit=D("12.34"), open_fee=D("0.1"),
             close_fee=D("0.1"))]),
         envelope=True, name="order_history"),
]  # fmt: skip


def case_id(case: Case) -> str:
    return f"{case.family}.{case.name}" if case.name else f"{case.family}-{case.path}"


def test_every_family_is_covered() -> None:
    assert {c.family for c in CASES} == set(E.families())
    assert len(E.families()) == 24


def used(client: Client) -> dict[str, int]:
    return {name: s.used for name, s in client.statistics()["limits"].items()}


@pytest.mark.parametrize("case", CASES, ids=case_id)
async def test_family_request_through_aiohttp(case: Case) -> None:
    ep = E.lookup(case.method, case.path)
    assert ep is not None and ep.family == case.family
    body = msgspec.json.encode(
        {"code": 200, "msg": "success", "data": case.response} if case.envelope else case.response
    )
    clock = ServerClock(time_source=lambda: NOW)
    mocked = Recording()
    with mocked:
        mocked.add(re.compile(r"^https://api\.binance\.com/.*$"), method=case.method,
                   body=body, status=200, content_type="application/json",
                   response_class=CompatResponse)  # fmt: skip
        async with Client(KEY, SECRET, clock=clock, time_sync=False) as client:
            before = used(client)
            result = await case.call(client)
            after = used(client)

    # exactly one request, as aiohttp was asked to send it
    [(method, url)] = mocked.raw_urls
    assert method == case.method
    path, _, query = url.removeprefix(BASE).partition("?")
    assert path == case.path
    [calls] = mocked.requests.values()
    [call] = calls
    headers = call.kwargs["headers"]
    sent_body = call.kwargs.get("data")
    if case.signed:
        prefix = f"{case.query}&{STAMP}" if case.query else STAMP
        payload = prefix + (case.body or b"").decode()
        signature = hmac.new(SECRET.encode(), payload.encode(), hashlib.sha256).hexdigest()
        assert query == f"{prefix}&signature={signature}"
    else:
        assert query == case.query
        assert "signature=" not in url and "timestamp=" not in url
    assert ("X-MBX-APIKEY" in headers) is case.key
    if case.key:
        assert headers["X-MBX-APIKEY"] == KEY
    assert sent_body == case.body
    if case.body is not None:
        assert headers["Content-Type"] == "application/json"

    # the weight charged (no weight headers in the response: the catalogue's charge stands)
    charged = {pool: after[pool] - before[pool] for pool in after if after[pool] != before[pool]}
    assert charged == {**case.charges, "RAW_REQUESTS": 1}

    # the seed's example, decoded
    expected = case.response if case.expected is None else case.expected
    assert result == expected
    if case.expected is not None:
        assert type(result) is type(case.expected)
