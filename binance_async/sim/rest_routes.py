"""The REST layer of the local exchange: every catalogue endpoint, one pipeline.

Each of the catalogue's 248 endpoints is an aiohttp route. A request goes through, in order:

1. **parse** the raw query string and body (form or, for the copy-trading config, JSON); a
   parameter in both places takes the query's value;
2. **limits**: a banned IP gets 418; ``/api`` charges RAW_REQUESTS and REQUEST_WEIGHT per IP
   (the catalogue's weight rule for these parameters), ``/sapi`` its endpoint's IP pool (429);
3. **security** (every type but NONE): ``X-MBX-APIKEY`` (-2014 malformed or missing, -2015
   unknown); for SIGNED types ``timestamp`` / ``recvWindow`` (-1102, -1131, -1021) and the
   signature over the raw bytes (-1102, -1022); a read-only key on a write: -2015 (-1020 on the
   copy-trading leader API); then the /sapi UID pool;
4. **parameters**: duplicates (-1101), mandatory ones (-1102, Binance's exact message), unknown
   ones on ``/api/v3`` (-1104), empty (-1105), number formats (-1100), enum values (-1130);
5. **orders**: endpoints that place orders count against the account's ORDERS windows (-1015);
6. the **handler**: engine-backed state for market data, trading, listenKeys and copy trading,
   the seed's example response for everything else.

Every response carries ``X-MBX-USED-WEIGHT-1M`` (and the legacy ``X-MBX-USED-WEIGHT``);
``/sapi`` responses ``X-SAPI-USED-IP-WEIGHT-1M`` or ``X-SAPI-USED-UID-WEIGHT-1M``; successful
orders ``X-MBX-ORDER-COUNT-10S`` and ``-1D``; 429 / 418 ``Retry-After`` (seconds).
"""

from __future__ import annotations

import functools
import importlib.resources
import json
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

import msgspec
from aiohttp import web

from ..rest.endpoints import Endpoint, all_endpoints
from .copy_leader import LeaderError
from .errors import ILLEGAL_NUMBER_RANGE, SimError, illegal_chars, invalid_param, mandatory
from .params import get_int, get_str
from .security import ApiKey, bad_key, check_timestamp, split_signature, verify_signature

if TYPE_CHECKING:
    from .server import LocalExchange

__all__ = ["RestApi", "load_seed_examples"]

log = logging.getLogger("binance_async.sim")

JSON_CONTENT_TYPE = "application/json;charset=UTF-8"
_SIGNED_EXTRA = ("recvWindow", "timestamp", "signature")
_INT = re.compile(r"^[0-9]{1,20}$")
_DEC = re.compile(ILLEGAL_NUMBER_RANGE)
_SYMBOLS_RANGE = '^\\[("[A-Z0-9-_.]{1,20}"(,"[A-Z0-9-_.]{1,20}"){0,}){0,1}\\]$'
_ORDER_POOL = "ORDERS_10S"
_ENUM_ERRORS = {
    "side": (-1117, "Invalid side."),
    "type": (-1116, "Invalid orderType."),
    "timeInForce": (-1115, "Invalid timeInForce."),
    "interval": (-1120, "Invalid interval."),
}
#: parameters the real exchange added after the 2022 seed, accepted (and mostly ignored) so that
#: current clients do not get -1104 for them
_LATER_PARAMS: dict[str, tuple[str, ...]] = {
    "GET /api/v3/exchangeInfo": ("showPermissionSets", "symbolStatus"),
    "GET /api/v3/klines": ("timeZone",),
    "GET /api/v3/uiKlines": ("timeZone",),
    "GET /api/v3/ticker/24hr": ("symbolStatus",),
    "GET /api/v3/ticker/price": ("symbolStatus",),
    "GET /api/v3/ticker/bookTicker": ("symbolStatus",),
    "GET /api/v3/ticker": ("symbolStatus",),
    "POST /api/v3/order": ("selfTradePreventionMode",),
    "POST /api/v3/order/test": ("selfTradePreventionMode", "computeCommissionRates"),
    "POST /api/v3/order/cancelReplace": (
        "selfTradePreventionMode",
        "cancelRestrictions",
        "orderRateLimitExceededMode",
    ),
    "DELETE /api/v3/order": ("cancelRestrictions",),
    "POST /api/v3/order/oco": ("selfTradePreventionMode",),
    "GET /api/v3/account": ("omitZeroBalances",),
}


@functools.cache
def load_seed_examples() -> dict[str, Any]:
    """``{"METHOD /path": example response}`` extracted from the seeds (sim/seed_examples.json,
    made by tools/extract_seed_examples.py)."""
    data = importlib.resources.files(__package__).joinpath("seed_examples.json").read_bytes()
    out: dict[str, Any] = json.loads(data)
    return out


@dataclass(slots=True)
class Call:
    """One request on its way through the pipeline."""

    ep: Endpoint
    params: dict[str, Any]
    now: int
    ip: str
    key: ApiKey | None = None
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def account(self) -> str:
        """The account id of the request's API key (the endpoint must take a key)."""
        assert self.key is not None, "handler of an endpoint without a key"
        return self.key.account_id

    def text(self, name: str) -> str | None:
        """Parameter ``name`` as a string; None when absent or empty."""
        return get_str(self.params, name)

    def num(self, name: str) -> int | None:
        """Parameter ``name`` as an integer; None when absent, -1100 when malformed."""
        return get_int(self.params, name)


Handler = Callable[[Call], Any]


def _is_write(ep: Endpoint) -> bool:
    """What a read-only key may not call: TRADE / MARGIN, and non-GET USER_DATA."""
    if ep.security in ("TRADE", "MARGIN"):
        return True
    return ep.security == "USER_DATA" and ep.method != "GET"


def _json_list(params: dict[str, Any], name: str) -> list[str] | None:
    """An ARRAY parameter sent as JSON (``["BTCUSDT","BNBBTC"]``); -1100 when malformed."""
    raw = params.get(name)
    if raw is None or raw == "":
        return None
    if isinstance(raw, list):
        return [str(x) for x in raw]
    try:
        value = json.loads(raw)
    except ValueError:
        value = None
    if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
        legal = _SYMBOLS_RANGE if name == "symbols" else "^\\[(\"[A-Z0-9_]{1,20}\",?)*\\]$"
        raise illegal_chars(name, legal)
    return value


class RestApi:
    """The REST routes of one `LocalExchange`."""

    def __init__(self, ex: LocalExchange) -> None:
        self.ex = ex
        self.examples = load_seed_examples()
        self.handlers: dict[str, Handler] = self._stateful()
        self.requests = 0
        #: added to the clock for every request (the faults' server clock skew)
        self.skew_ms = 0

    # --- routing --------------------------------------------------------------------------------

    def add_routes(self, app: web.Application) -> None:
        """One aiohttp route per catalogue endpoint (templates such as ``{followerUserId}``)."""
        by_path: dict[str, list[Endpoint]] = {}
        for ep in all_endpoints():
            for path in ep.paths:
                by_path.setdefault(path, []).append(ep)
        for path, eps in by_path.items():
            resource = app.router.add_resource(path)
            for ep in eps:
                resource.add_route(ep.method, self._route(ep))

    def _route(self, ep: Endpoint) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        async def handle(request: web.Request) -> web.StreamResponse:
            return await self.dispatch(request, ep)

        return handle

    def stateful_keys(self) -> frozenset[str]:
        """The ``"METHOD /path"`` of every endpoint backed by state (the rest: seed examples)."""
        return frozenset(self.handlers)

    # --- the pipeline ---------------------------------------------------------------------------

    async def dispatch(self, request: web.Request, ep: Endpoint) -> web.Response:
        """Run one request through the pipeline and return the response."""
        ex = self.ex
        self.requests += 1
        now = ex.clock.now_ms() + self.skew_ms
        ip = request.remote or "unknown"
        raw_path = request.raw_path
        raw_query = raw_path.split("?", 1)[1] if "?" in raw_path else ""
        body = await request.read() if request.can_read_body else b""
        limits = ex.server_limits
        status = 200
        headers: dict[str, str] = {}
        result: Any
        call = Call(ep, {}, now, ip)
        try:
            params, dups, parse_error = self._parse(request, ep, raw_query, body)
            call.params = params
            charges = ep.charges(params)
            limits.check_ban(ip, now)
            if ep.path.startswith("/api/"):
                limits.admit_api(ip, sum(w for p, w in charges if p == "REQUEST_WEIGHT"), now)
            for pool, w in charges:
                if pool == "SAPI_IP":
                    headers.update(limits.sapi_header(pool, limits.admit_sapi(
                        pool, ip, ep.key, w, now)))  # fmt: skip
            if parse_error is not None:
                raise parse_error
            if ep.security != "NONE":
                call.key = self._authenticate(request, ep, params, raw_query, body, now)
            for pool, w in charges:
                if pool == "SAPI_UID":
                    owner = call.key.account_id if call.key is not None else ip
                    headers.update(limits.sapi_header(pool, limits.admit_sapi(
                        pool, owner, ep.key, w, now)))  # fmt: skip
            self._validate(ep, params, dups)
            orders = max((w for p, w in charges if p == _ORDER_POOL), default=0)
            if orders:
                limits.admit_orders(call.account, orders, now)
            handler = self.handlers.get(ep.key)
            result = handler(call) if handler is not None else self.examples.get(ep.key, {})
            if ep.envelope == "copy_leader":
                result = {"code": 200, "msg": "success", "data": result}
            if orders:
                headers.update(limits.order_headers(call.account, now))
            headers.update(call.headers)
        except SimError as exc:
            status = exc.http_status
            result = exc.to_json()
            if isinstance(exc, LeaderError) or (
                ep.envelope == "copy_leader" and exc.code in (-1102, -1020)
            ):
                result = {"code": exc.code, "msg": exc.msg, "data": None}
            headers.update(getattr(exc, "headers", {}))
        except Exception:  # a bug in the simulator: answer like the exchange's 5xx
            log.exception("%s failed", ep.key)
            status = 500
            result = {"code": -1000, "msg": "An unknown error occurred while processing the "
                      "request."}  # fmt: skip
        headers.update(limits.weight_headers(ip, now))
        headers["Content-Type"] = JSON_CONTENT_TYPE
        ex.responses[status] = ex.responses.get(status, 0) + 1
        return web.Response(body=msgspec.json.encode(result), status=status, headers=headers)

    @staticmethod
    def _parse(
        request: web.Request, ep: Endpoint, raw_query: str, body: bytes
    ) -> tuple[dict[str, Any], set[str], SimError | None]:
        """Parameters from the query string and the body (the query wins), the names sent
        twice in one place (exploded arrays excepted), and a parse error to report later."""
        exploded = {p.name for p in ep.params if p.explode}
        dups: set[str] = set()
        error: SimError | None = None

        def collect(items: list[tuple[str, str]]) -> dict[str, Any]:
            out: dict[str, Any] = {}
            for k, v in items:
                if k in exploded:
                    out.setdefault(k, []).append(v)
                elif k in out:
                    dups.add(k)
                else:
                    out[k] = v
            return out

        params: dict[str, Any] = {}
        if body:
            ctype = request.headers.get("Content-Type", "")
            if "json" in ctype:
                try:
                    decoded = json.loads(body)
                except ValueError:
                    decoded = None
                if isinstance(decoded, dict):
                    params.update({str(k): v for k, v in decoded.items() if v is not None})
                else:
                    error = SimError(-1100, "Illegal characters found in a parameter.")
            else:
                params.update(collect(parse_qsl(body.decode("latin-1"), keep_blank_values=True)))
        params.update(collect(parse_qsl(raw_query, keep_blank_values=True)))
        params.update(request.match_info)
        return params, dups, error

    def _authenticate(
        self,
        request: web.Request,
        ep: Endpoint,
        params: dict[str, Any],
        raw_query: str,
        body: bytes,
        now: int,
    ) -> ApiKey:
        header = request.headers.get("X-MBX-APIKEY")
        err = bad_key(header)
        if err is not None:
            raise err
        assert header is not None
        key = self.ex.keys.get(header)
        if key is None:
            raise SimError(-2015, "Invalid API-key, IP, or permissions for action.", 401)
        if ep.signed:
            check_timestamp(params, now)
            query_rest, sigs = split_signature(raw_query)
            payload = query_rest.encode()
            if body:
                if "json" in request.headers.get("Content-Type", ""):
                    payload += body
                else:
                    body_rest, body_sigs = split_signature(body.decode("latin-1"))
                    sigs += body_sigs
                    payload += body_rest.encode("latin-1")
            if not sigs or not sigs[0]:
                raise mandatory("signature")
            if len(sigs) > 1:
                raise SimError(-1101, "Duplicate values for a parameter detected.")
            verify_signature(key, payload, sigs[0])
        if not key.can_trade and _is_write(ep):
            if ep.envelope == "copy_leader":
                raise LeaderError(-1020, "This operation is not supported.")
            raise SimError(-2015, "Invalid API-key, IP, or permissions for action.", 401)
        return key

    def _validate(self, ep: Endpoint, params: dict[str, Any], dups: set[str]) -> None:
        if dups:
            raise SimError(-1101, "Duplicate values for a parameter detected.")
        for p in ep.params:
            if p.mandatory:
                v = params.get(p.name)
                if v is None or v == "" or v == []:
                    raise mandatory(p.name)
        if ep.path.startswith("/api/v3/"):
            known = {p.name for p in ep.params}
            known.update(_LATER_PARAMS.get(ep.key, ()))
            if ep.signed:
                known.update(_SIGNED_EXTRA)
            unread = [k for k in params if k not in known]
            if unread:
                sent = len(params)
                raise SimError(
                    -1104,
                    f"Not all sent parameters were read; read '{sent - len(unread)}' "
                    f"parameter(s) but was sent '{sent}'.",
                )
        if ep.family == "copy_leader":
            return  # the leader API checks its own fields, with its own messages
        stateful = ep.key in self.handlers
        for p in ep.params:
            v = params.get(p.name)
            if v is None:
                continue
            if v == "":
                raise SimError(-1105, f"Parameter '{p.name}' was empty.")
            if isinstance(v, list):
                continue
            kind = p.type
            if kind in ("INT", "LONG") and not _INT.match(v):
                raise illegal_chars(p.name, _INT.pattern)
            if kind == "DECIMAL" and not _DEC.match(v):
                raise illegal_chars(p.name, ILLEGAL_NUMBER_RANGE)
            if kind == "BOOLEAN" and v.lower() not in ("true", "false"):
                raise invalid_param(p.name)
            if kind == "ARRAY" and not p.explode:
                _json_list(params, p.name)
            if kind == "ENUM" and p.choices and not stateful and v not in map(str, p.choices):
                special = _ENUM_ERRORS.get(p.name)
                raise SimError(*special) if special else invalid_param(p.name)

    # --- stateful handlers ------------------------------------------------------------------------

    def _stateful(self) -> dict[str, Handler]:
        ex = self.ex
        eng = ex.engine
        desk = ex.copy_trading
        lks = ex.listen_keys

        def exchange_info(c: Call) -> Any:
            symbol = c.text("symbol")
            symbols = _json_list(c.params, "symbols")
            if symbol is not None and symbols is not None:
                raise SimError(-1128, "Combination of optional parameters invalid.")
            names = [symbol] if symbol is not None else symbols
            for n in names or ():
                eng.market(n)
            return ex.exchange_info_body(c.now, names, _json_list(c.params, "permissions"))

        def ticker_symbols(c: Call, cap: int | None = None) -> list[str] | None:
            symbols = _json_list(c.params, "symbols")
            if cap is not None and symbols is not None and len(symbols) > cap:
                raise SimError(-1101, f"Too many values sent for parameter 'symbols', maximum "
                                      f"allowed up to {cap}.")  # fmt: skip
            return symbols

        def new_order(c: Call) -> Any:
            return eng.new_order(c.account, c.params, c.now)

        def listen_key(kind: Any, op: str) -> Handler:
            def handle(c: Call) -> Any:
                symbol = None
                if kind == "isolated":
                    symbol = eng.market(c.text("symbol")).symbol
                if op == "POST":
                    return {"listenKey": lks.create(c.account, kind, c.now, symbol).key}
                key = c.text("listenKey") or ""
                if op == "PUT":
                    lks.keepalive(key, c.account, kind, c.now, symbol)
                else:
                    lks.close(key, c.account, kind, c.now, symbol)
                return {}

            return handle

        h: dict[str, Handler] = {
            "GET /api/v3/ping": lambda c: {},
            "GET /api/v3/time": lambda c: {"serverTime": c.now},
            "GET /api/v3/exchangeInfo": exchange_info,
            "GET /api/v3/depth": lambda c: eng.depth(c.text("symbol") or "", c.num("limit")),
            "GET /api/v3/trades": lambda c: eng.recent_trades(c.text("symbol") or "",
                                                              c.num("limit")),
            "GET /api/v3/historicalTrades": lambda c: eng.historical_trades(
                c.text("symbol") or "", c.num("limit"), c.num("fromId")),
            "GET /api/v3/aggTrades": lambda c: eng.agg_trades(
                c.text("symbol") or "", from_id=c.num("fromId"), start_time=c.num("startTime"),
                end_time=c.num("endTime"), limit=c.num("limit")),
            "GET /api/v3/klines": lambda c: eng.klines(
                c.text("symbol") or "", c.text("interval") or "", start_time=c.num("startTime"),
                end_time=c.num("endTime"), limit=c.num("limit")),
            "GET /api/v3/uiKlines": lambda c: eng.klines(
                c.text("symbol") or "", c.text("interval") or "", start_time=c.num("startTime"),
                end_time=c.num("endTime"), limit=c.num("limit")),
            "GET /api/v3/avgPrice": lambda c: eng.avg_price(c.text("symbol") or "", c.now),
            "GET /api/v3/ticker/24hr": lambda c: eng.ticker_24hr(
                c.text("symbol"), c.now, symbols=ticker_symbols(c),
                type=c.text("type") or "FULL"),
            "GET /api/v3/ticker/price": lambda c: eng.ticker_price(c.text("symbol"),
                                                                   ticker_symbols(c)),
            "GET /api/v3/ticker/bookTicker": lambda c: eng.book_ticker(c.text("symbol"),
                                                                       ticker_symbols(c)),
            "GET /api/v3/ticker": lambda c: eng.ticker_window(
                c.text("symbol"), c.now, symbols=ticker_symbols(c, 100),
                window_size=c.text("windowSize") or "1d", type=c.text("type") or "FULL"),
            "POST /api/v3/order/test": lambda c: eng.test_order(c.account, c.params, c.now),
            "POST /api/v3/order": new_order,
            "GET /api/v3/order": lambda c: eng.query_order(c.account, c.params),
            "DELETE /api/v3/order": lambda c: eng.cancel_order(c.account, c.params, c.now),
            "POST /api/v3/order/cancelReplace": lambda c: eng.cancel_replace(
                c.account, c.params, c.now),
            "GET /api/v3/openOrders": lambda c: eng.open_orders(c.account, c.params),
            "DELETE /api/v3/openOrders": lambda c: eng.cancel_open_orders(
                c.account, c.params, c.now),
            "GET /api/v3/allOrders": lambda c: eng.all_orders(c.account, c.params),
            "POST /api/v3/order/oco": lambda c: eng.new_oco(c.account, c.params, c.now),
            "DELETE /api/v3/orderList": lambda c: eng.cancel_order_list(
                c.account, c.params, c.now),
            "GET /api/v3/orderList": lambda c: eng.query_order_list(c.account, c.params),
            "GET /api/v3/allOrderList": lambda c: eng.all_order_lists(c.account, c.params),
            "GET /api/v3/openOrderList": lambda c: eng.open_order_lists(c.account),
            "GET /api/v3/account": lambda c: eng.account_info(
                c.account, c.now, omit_zero=(c.text("omitZeroBalances") or "") == "true"),
            "GET /api/v3/myTrades": lambda c: eng.my_trades(c.account, c.params),
            "GET /api/v3/rateLimit/order": lambda c: ex.server_limits.order_rate_limit_json(
                c.account, c.now),
            # copy trading (SAPI) and the leader API v2
            "GET /sapi/v1/copyTrading/futures/userStatus": lambda c: desk.user_status(
                c.account, c.now),
            "GET /sapi/v1/copyTrading/futures/leadSymbol": lambda c: desk.lead_symbols(),
            "GET /api/v2/copy-trading/leader/orders/current": lambda c: desk.current_orders(
                c.account),
            "GET /api/v2/copy-trading/leader/orders/history": lambda c: desk.order_history(
                c.account, c.params),
            "GET /api/v2/copy-trading/leader/trade-data": lambda c: desk.trade_data(
                c.account, c.params, c.now),
            "GET /api/v2/copy-trading/leader/profit-sharings/history":
                lambda c: desk.profit_sharing_history(c.account),
            "GET /api/v2/copy-trading/leader/symbols": lambda c: desk.symbols(c.account),
            "PUT /api/v2/copy-trading/leader/config": lambda c: desk.update_config(
                c.account, c.params),
            "GET /api/v2/copy-trading/leader/followers": lambda c: desk.followers(
                c.account, c.params, c.now),
            "DELETE /api/v2/copy-trading/leader/followers/{followerUserId}":
                lambda c: desk.remove_follower(c.account, c.params.get("followerUserId")),
        }  # fmt: skip
        for path, kind in (("/api/v3/userDataStream", "spot"),
                           ("/sapi/v1/userDataStream", "margin"),
                           ("/sapi/v1/userDataStream/isolated", "isolated")):  # fmt: skip
            for op in ("POST", "PUT", "DELETE"):
                h[f"{op} {path}"] = listen_key(kind, op)
        return h

