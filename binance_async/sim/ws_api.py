"""The WebSocket API of the local exchange: ``ws://HOST:PORT/ws-api/v3`` (facts doc section 6).

One JSON text frame per request, ``{"id", "method", "params"}``; one frame per response,
``{"id", "status", "result" | "error", "rateLimits"}``. ``rateLimits`` lists the REQUEST_WEIGHT
window of the IP (shared with REST, as on the exchange) and, for order methods, the account's
ORDERS windows, each ``{rateLimitType, interval, intervalNum, limit, count}``; it is left out
with ``"returnRateLimits": false`` (in the request or its params) or ``?returnRateLimits=false``
on the URL. A version prefix (``v3/order.place``) is accepted.

Methods backed by a REST endpoint (`METHODS`: ``ping``, ``time``, ``exchangeInfo``, market
data, ``order.*``, ``openOrders.*``, ``allOrders``, ``myTrades``, ``account.*``, order lists,
the legacy ``userDataStream.start/ping/stop``) run through the *same* pieces as the REST
pipeline: the IP weight and ban checks of `ServerLimits`, parameter validation and the order
count of `RestApi`, and the same engine handler; only the security step differs:

- **signing**: every param but ``signature`` (``apiKey`` included), sorted by name, joined as
  ``k=v&...`` with the values as sent and *not* percent-encoded (`binance_async.auth.
  ws_api_payload`); HMAC hex, RSA / Ed25519 base64. Numbers are signed as their JSON text;
- ``timestamp`` / ``recvWindow`` as on REST (-1021), bad signature -1022, unknown key or a
  read-only key on a write -2015 (401), malformed key -2014;
- **session**: ``session.logon`` (Ed25519 keys only; others get -4056 / -4057 as the
  derivatives API documents) authenticates the connection; later requests omit ``apiKey`` and
  ``signature`` (``timestamp`` is still required on signed methods). ``session.status``,
  ``session.logout`` (the connection stays open) report ``apiKey``, ``authorizedSince``,
  ``connectedSince``, ``returnRateLimits``, ``serverTime``, ``userDataStream``.

User data: ``userDataStream.subscribe`` (after logon) and ``userDataStream.subscribe.signature``
(any key type, signed ad hoc) return ``{"subscriptionId": n}``; the account's events then come
as ``{"subscriptionId": n, "event": {...}}``. One subscription per account per connection
(-2035 otherwise). ``userDataStream.unsubscribe`` (all, or one ``subscriptionId``; -2036 if
not active) and ``session.logout`` (the subscriptions made through the session) send
``eventStreamTerminated`` for each subscription they end. ``session.subscriptions`` lists them.

Rate limits: 429 / 418 carry ``error.data.retryAfter`` (epoch ms) and ``serverTime``; a banned
IP (418) is disconnected after the reply. Opening a connection costs weight 2.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import msgspec
from aiohttp import web

from ..rest.endpoints import Endpoint, lookup
from .errors import SimError, mandatory
from .limits import LimitError
from .rest_routes import Call, _is_write
from .security import ApiKey, bad_key, check_timestamp
from .ws_conn import Conn, text_frame

if TYPE_CHECKING:
    from .server import LocalExchange

__all__ = ["METHODS", "WsApi", "ws_signature_payload"]

log = logging.getLogger("binance_async.sim")

#: WebSocket API method -> the REST endpoint whose handler it shares
METHODS: dict[str, str] = {
    "ping": "GET /api/v3/ping",
    "time": "GET /api/v3/time",
    "exchangeInfo": "GET /api/v3/exchangeInfo",
    "depth": "GET /api/v3/depth",
    "trades.recent": "GET /api/v3/trades",
    "trades.historical": "GET /api/v3/historicalTrades",
    "trades.aggregate": "GET /api/v3/aggTrades",
    "klines": "GET /api/v3/klines",
    "uiKlines": "GET /api/v3/uiKlines",
    "avgPrice": "GET /api/v3/avgPrice",
    "ticker.24hr": "GET /api/v3/ticker/24hr",
    "ticker": "GET /api/v3/ticker",
    "ticker.price": "GET /api/v3/ticker/price",
    "ticker.book": "GET /api/v3/ticker/bookTicker",
    "order.place": "POST /api/v3/order",
    "order.test": "POST /api/v3/order/test",
    "order.status": "GET /api/v3/order",
    "order.cancel": "DELETE /api/v3/order",
    "order.cancelReplace": "POST /api/v3/order/cancelReplace",
    "openOrders.status": "GET /api/v3/openOrders",
    "openOrders.cancelAll": "DELETE /api/v3/openOrders",
    "allOrders": "GET /api/v3/allOrders",
    "myTrades": "GET /api/v3/myTrades",
    "account.status": "GET /api/v3/account",
    "account.rateLimits.orders": "GET /api/v3/rateLimit/order",
    "orderList.place": "POST /api/v3/order/oco",
    "orderList.status": "GET /api/v3/orderList",
    "orderList.cancel": "DELETE /api/v3/orderList",
    "openOrderLists.status": "GET /api/v3/openOrderList",
    "allOrderLists": "GET /api/v3/allOrderList",
    "userDataStream.start": "POST /api/v3/userDataStream",
    "userDataStream.ping": "PUT /api/v3/userDataStream",
    "userDataStream.stop": "DELETE /api/v3/userDataStream",
}
#: methods of the session itself, with their weights
_SESSION = {
    "session.logon": 2,
    "session.status": 2,
    "session.logout": 2,
    "session.subscriptions": 2,
    "userDataStream.subscribe": 2,
    "userDataStream.subscribe.signature": 2,
    "userDataStream.unsubscribe": 2,
}
_CONNECT_WEIGHT = 2


class _Request(msgspec.Struct):
    id: Any = None
    method: Any = None
    params: msgspec.Raw = msgspec.Raw(b"null")
    returnRateLimits: Any = None


_REQUEST = msgspec.json.Decoder(_Request)
_PARAMS = msgspec.json.Decoder(dict[str, msgspec.Raw])
_enc = msgspec.json.encode


def _text(raw: msgspec.Raw) -> str | None:
    """A parameter's text: strings decoded, numbers and booleans as sent, arrays compact."""
    b = bytes(raw)
    head = b[:1]
    if head == b'"':
        value: str = msgspec.json.decode(b)
        return value
    if b == b"null":
        return None
    if head in (b"[", b"{"):
        return _enc(msgspec.json.decode(b)).decode()
    return b.decode()


def ws_signature_payload(params: dict[str, str]) -> str:
    """The WebSocket API signing payload: every param but ``signature``, sorted, not encoded."""
    return "&".join(f"{k}={v}" for k, v in sorted(params.items()) if k != "signature")


@dataclass(slots=True)
class _Sub:
    account_id: str
    stop: Callable[[], None]
    via_session: bool


@dataclass(slots=True)
class _Session:
    connected_since: int
    return_rate_limits: bool
    key: ApiKey | None = None
    authorized_since: int | None = None
    subs: dict[int, _Sub] = field(default_factory=dict)
    next_sub: int = 0


class WsApi:
    """The ``/ws-api/v3`` endpoint of one `LocalExchange`."""

    def __init__(self, ex: LocalExchange) -> None:
        self.ex = ex
        self.endpoints: dict[str, Endpoint] = {}
        for method, key in METHODS.items():
            verb, path = key.split(" ", 1)
            ep = lookup(verb, path)
            if ep is not None:
                self.endpoints[method] = ep
        self.requests = 0

    def add_routes(self, app: web.Application) -> None:
        """Add the ``/ws-api/v3`` route to ``app``."""
        app.router.add_get("/ws-api/v3", self.handle)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """Serve one WebSocket API connection (``?returnRateLimits=false`` honoured)."""
        flag = request.query.get("returnRateLimits", "true").lower() != "false"

        def on_open(conn: Conn, _: web.Request) -> None:
            now = self.ex.clock.now_ms()
            conn.state = _Session(now, flag)
            try:
                self.ex.server_limits.admit_api(conn.ip, _CONNECT_WEIGHT, now)
            except SimError as exc:
                conn.close(1008, exc.msg)

        return await self.ex.ws.serve(request, "api", self.on_text, on_open=on_open,
                                      on_close=self._on_close)  # fmt: skip

    def _on_close(self, conn: Conn) -> None:
        sess: _Session | None = conn.state
        if sess is not None:
            for sub in sess.subs.values():
                sub.stop()
            sess.subs.clear()

    # --- requests -----------------------------------------------------------------------------

    def on_text(self, conn: Conn, text: str) -> None:
        """Handle one request frame from ``conn`` and send its response."""
        self.requests += 1
        sess: _Session = conn.state
        ex = self.ex
        now = ex.clock.now_ms() + ex.rest.skew_ms
        try:
            req = _REQUEST.decode(text)
        except msgspec.DecodeError:
            self._send(conn, None, 400, error={"code": -1135, "msg": "Invalid JSON request"})
            return
        except msgspec.ValidationError:
            self._send(conn, None, 400, error={"code": -1135, "msg": "Invalid JSON request; "
                                                "expected an object."})  # fmt: skip
            return
        req_id = req.id
        if req_id is not None and (isinstance(req_id, bool) or not isinstance(req_id, int | str)):
            self._send(conn, None, 400, error={"code": -1100, "msg": "Illegal characters found in "
                                                "parameter 'id'; legal range is '^[a-zA-Z0-9-_]"
                                                "{1,36}$'."})  # fmt: skip
            return
        params: dict[str, str] = {}
        if bytes(req.params) != b"null":
            try:
                raw = _PARAMS.decode(req.params)
            except (msgspec.DecodeError, msgspec.ValidationError):
                msg = "Invalid 'params' in JSON request; expected an object."
                self._send(conn, req_id, 400, error={"code": -1135, "msg": msg})
                return
            for k, v in raw.items():
                t = _text(v)
                if t is not None:
                    params[k] = t
        show = sess.return_rate_limits
        flag = params.pop("returnRateLimits", None)
        if req.returnRateLimits is not None:
            show = req.returnRateLimits is not False
        elif flag is not None:
            show = flag != "false"
        method = req.method if isinstance(req.method, str) else ""
        if method.startswith("v3/"):
            method = method[3:]
        status, body, account, orders = self._dispatch(conn, sess, method, params, now)
        limits = self._rate_limits(conn.ip, account, orders, now) if show else None
        if status == 200:
            self._send(conn, req_id, 200, result=body, rate_limits=limits)
        else:
            self._send(conn, req_id, status, error=body, rate_limits=limits)
            if status == 418:
                conn.close(1008, "IP banned")

    def _dispatch(self, conn: Conn, sess: _Session, method: str, params: dict[str, str],
                  now: int) -> tuple[int, Any, str | None, bool]:  # fmt: skip
        """(status, result or error body, account for ORDERS limits, is an order method)."""
        ex = self.ex
        limits = ex.server_limits
        ep = self.endpoints.get(method)
        account: str | None = sess.key.account_id if sess.key is not None else None
        orders = False
        try:
            limits.check_ban(conn.ip, now)
            if ep is None:
                weight = _SESSION.get(method)
                if weight is None:
                    raise SimError(-1020, f"Unknown method '{method}'.")
                limits.admit_api(conn.ip, weight, now)
                result, account = self._session(conn, sess, method, params, now)
                return 200, result, account, False
            charges = ep.charges(params)
            limits.admit_api(conn.ip, sum(w for p, w in charges if p == "REQUEST_WEIGHT"), now)
            key = self._authenticate(sess, ep, params, now) if ep.security != "NONE" else None
            if key is not None:
                account = key.account_id
            ex.rest._validate(ep, params, set())
            n_orders = max((w for p, w in charges if p == "ORDERS_10S"), default=0)
            if n_orders and key is not None:
                orders = True
                limits.admit_orders(key.account_id, n_orders, now)
            handler = ex.rest.handlers.get(ep.key)
            if handler is None:
                raise SimError(-1020, "This operation is not supported.")
            result = handler(Call(ep, params, now, conn.ip, key))
            return 200, result, account, orders
        except SimError as exc:
            body = exc.to_json()
            if isinstance(exc, LimitError):
                secs = int(exc.headers.get("Retry-After", "0"))
                body["data"] = {"serverTime": now, "retryAfter": now + secs * 1000}
            return exc.http_status, body, account, orders
        except Exception:
            log.exception("ws-api %s failed", method)
            return 500, {"code": -1000, "msg": "An unknown error occurred while processing the "
                                               "request."}, account, orders  # fmt: skip

    def _send(self, conn: Conn, req_id: Any, status: int, *, result: Any = None, error: Any = None,
              rate_limits: list[dict[str, Any]] | None = None) -> None:  # fmt: skip
        body: dict[str, Any] = {"id": req_id, "status": status}
        if error is None:
            body["result"] = result
        else:
            body["error"] = error
        if rate_limits is not None:
            body["rateLimits"] = rate_limits
        conn.send(text_frame(_enc(body)))

    def _rate_limits(self, ip: str, account: str | None, orders: bool, now: int
                     ) -> list[dict[str, Any]]:  # fmt: skip
        sl = self.ex.server_limits
        out: list[dict[str, Any]] = []
        if orders and account is not None:
            out.extend(sl.order_rate_limit_json(account, now))
        for rl in self.ex.limits.rate_limits_json():
            if rl["rateLimitType"] == "REQUEST_WEIGHT":
                out.append({**rl, "count": sl.used_weight(ip, now)})
        return out

    # --- security -----------------------------------------------------------------------------

    def _key(self, api_key: str) -> ApiKey:
        err = bad_key(api_key)
        if err is not None:
            raise err
        key = self.ex.keys.get(api_key)
        if key is None:
            raise SimError(-2015, "Invalid API-key, IP, or permissions for action.", 401)
        return key

    def _signed_key(self, params: dict[str, str], now: int) -> ApiKey:
        """Check an ad hoc signed request (apiKey + signature in params); pops both."""
        api_key = params.get("apiKey")
        if api_key is None:
            raise mandatory("apiKey")
        sig = params.get("signature")
        if sig is None:
            raise mandatory("signature")
        key = self._key(api_key)
        check_timestamp(params, now)
        if not key.verify(ws_signature_payload(params).encode(), sig):
            raise SimError(-1022, "Signature for this request is not valid.")
        del params["apiKey"], params["signature"]
        return key

    def _authenticate(self, sess: _Session, ep: Endpoint, params: dict[str, str], now: int
                      ) -> ApiKey:  # fmt: skip
        if "apiKey" in params:
            signed = ep.signed
            key = self._signed_key(params, now) if signed else self._key(params.pop("apiKey"))
        elif sess.key is not None:
            key = sess.key
            params.pop("signature", None)
            if ep.signed:
                check_timestamp(params, now)
        else:
            raise mandatory("apiKey")
        if not key.can_trade and _is_write(ep):
            raise SimError(-2015, "Invalid API-key, IP, or permissions for action.", 401)
        return key

    # --- session and user data ------------------------------------------------------------------

    def _status(self, sess: _Session, now: int) -> dict[str, Any]:
        return {
            "apiKey": sess.key.api_key if sess.key is not None else None,
            "authorizedSince": sess.authorized_since,
            "connectedSince": sess.connected_since,
            "returnRateLimits": sess.return_rate_limits,
            "serverTime": now,
            "userDataStream": any(s.via_session for s in sess.subs.values()),
        }

    def _session(self, conn: Conn, sess: _Session, method: str, params: dict[str, str],
                 now: int) -> tuple[Any, str | None]:  # fmt: skip
        """Session methods: (result, account id)."""
        if method == "session.logon":
            key = self._key(params["apiKey"]) if "apiKey" in params else None
            if key is not None and key.key_type != "ED25519":
                code = -4056 if key.key_type == "HMAC" else -4057
                raise SimError(code, f"{'HMAC_SHA256' if code == -4056 else 'RSA'} API key is "
                                     "not supported.")  # fmt: skip
            key = self._signed_key(params, now)
            if sess.key is not None and sess.key is not key:
                self._end_subs(conn, sess, now, only_session=True)
            sess.key = key
            sess.authorized_since = now
            return self._status(sess, now), key.account_id
        if method == "session.status":
            return self._status(sess, now), None
        if method == "session.logout":
            self._end_subs(conn, sess, now, only_session=True)
            sess.key = None
            sess.authorized_since = None
            return self._status(sess, now), None
        if method == "session.subscriptions":
            return [{"subscriptionId": n} for n in sess.subs], None
        if method == "userDataStream.unsubscribe":
            sid = params.get("subscriptionId")
            if sid is not None:
                if not sid.isdigit() or int(sid) not in sess.subs:
                    raise SimError(-2036, "User Data Stream subscription not active.")
                self._end_sub(conn, sess, int(sid), now)
            else:
                self._end_subs(conn, sess, now)
            return {}, None
        # userDataStream.subscribe[.signature]
        if method == "userDataStream.subscribe":
            if sess.key is None:
                raise SimError(-1002, "You are not authorized to execute this request.", 401)
            key, via_session = sess.key, True
        else:
            key, via_session = self._signed_key(params, now), False
        account = key.account_id
        if any(s.account_id == account for s in sess.subs.values()):
            raise SimError(-2035, "User Data Stream subscription already active.")
        new_id = sess.next_sub
        sess.next_sub += 1
        prefix = b'{"subscriptionId":%d,"event":' % new_id

        def deliver(payload: bytes) -> None:
            conn.send(text_frame(prefix + payload + b"}"))

        stop = self.ex.user_streams.listen(account, deliver)
        sess.subs[new_id] = _Sub(account, stop, via_session)
        return {"subscriptionId": new_id}, account

    def _end_sub(self, conn: Conn, sess: _Session, sid: int, now: int) -> None:
        sub = sess.subs.pop(sid)
        sub.stop()
        conn.send(text_frame(_enc({"subscriptionId": sid, "event": {
            "e": "eventStreamTerminated", "E": now}})))  # fmt: skip

    def _end_subs(self, conn: Conn, sess: _Session, now: int, *, only_session: bool = False
                  ) -> None:  # fmt: skip
        for sid, sub in list(sess.subs.items()):
            if sub.via_session or not only_session:
                self._end_sub(conn, sess, sid, now)
