"""Faults on demand for the local exchange, and the ground-truth route.

``ex.faults`` (a `Faults`) breaks things the way networks and exchanges break them, so a
client's recovery paths run in tests. Every fault is also reachable over HTTP:
``POST /_sim/faults/<name>`` with the keyword arguments as a JSON object (``{}`` or no body
for none) answers ``{"ok": true, "result": ...}``; ``GET /_sim/faults`` lists what is armed;
``DELETE /_sim/faults`` clears everything.

Depth stream (per symbol, every diff-depth stream of it, the next `count` events):

- ``drop_depth(symbol, count=1)``: events vanish (the client sees ``U`` > previous ``u`` + 1);
- ``duplicate_depth(symbol, count=1)``: events are sent twice;
- ``reorder_depth(symbol, count=1)``: an event is held back and sent after the next one.

Connections (``kind``: ``"stream"``, ``"api"``, ``"replay"`` or None for all; ``path``: a path
prefix such as ``"/ws-api"``):

- ``close_connections(mode="normal"|"going_away"|"abrupt")``: a 1000 or 1001 close frame, or
  the TCP connection dropped with no close frame;
- ``stall_connections(stalled=True)``: nothing more is sent (no events, no pings, no pongs)
  while the socket stays open; ``stalled=False`` resumes;
- ``send_malformed(data=...)``: a text frame that is not valid JSON;
- ``server_shutdown()``: the ``serverShutdown`` event on every stream connection.

REST (the ``/api`` and ``/sapi`` routes; ``count`` requests, None for all until cleared;
``path``: only paths starting with it; ``method``: only that HTTP method):

- ``delay_rest(seconds)``: answer late;
- ``fail_rest(status=503, execute=False)``: a 5xx with a Binance error body; with ``execute``
  the request is carried out first (execution status unknown, as Binance warns);
- ``timeout_rest(seconds=30)``: hold the request, then drop the connection with no answer;
- ``non_json_rest(status=502)``: an HTML error page, as a proxy in front of the API sends;
- ``force_rate_limit(status=429|418, retry_after=1)``: the -1003 refusal with Retry-After;
- ``slow_snapshots(seconds, symbol=None)``: ``/api/v3/depth`` is computed on arrival and
  delivered `seconds` later, so the snapshot is older than the stream when the client gets it.

Time: ``skew_clock(ms)``: the REST and WebSocket API clock (``serverTime``, the timestamp
check, rate-limit windows) runs `ms` ahead (negative: behind) of the exchange's clock.

Ground truth: ``GET /_sim/book?symbol=BTCUSDT&updateId=N`` gives the exact book at update
``N`` (default: now) as ``{"symbol", "updateId", "bids", "asks"}`` (every level, best first,
price/quantity strings); 404 when ``N`` is outside the retained history. In Python:
``ex.true_book(symbol, update_id)``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import msgspec
from aiohttp import web

from .errors import HistoryUnavailable, SimError
from .ws_conn import Conn, text_frame

if TYPE_CHECKING:
    from .server import LocalExchange

__all__ = ["FAULTS", "Faults"]

log = logging.getLogger("binance_async.sim")

#: the fault names reachable at ``POST /_sim/faults/<name>``
FAULTS = (
    "drop_depth",
    "duplicate_depth",
    "reorder_depth",
    "close_connections",
    "stall_connections",
    "send_malformed",
    "server_shutdown",
    "delay_rest",
    "fail_rest",
    "timeout_rest",
    "non_json_rest",
    "force_rate_limit",
    "slow_snapshots",
    "skew_clock",
    "clear",
)
_CLOSE_CODES = {"normal": 1000, "going_away": 1001}
_5XX = {
    500: (-1000, "An unknown error occurred while processing the request."),
    502: (-1001, "Internal error; unable to process your request. Please try again."),
    503: (-1001, "Internal error; unable to process your request. Please try again."),
    504: (-1007, "Timeout waiting for response from backend server. Send status unknown; "
                 "execution status unknown."),
}  # fmt: skip
_HTML_502 = (b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>"
             b"502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n")  # fmt: skip
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(slots=True)
class _DepthRule:
    mode: str
    remaining: int
    held: list[bytes] = field(default_factory=list)


@dataclass(slots=True)
class _RestRule:
    kind: str
    remaining: int | None
    path: str | None
    method: str | None
    args: dict[str, Any]

    def matches(self, request: web.Request) -> bool:
        return (self.path is None or request.path.startswith(self.path)) and (
            self.method is None or request.method == self.method.upper()
        )

    def describe(self) -> dict[str, Any]:
        return {"kind": self.kind, "remaining": self.remaining, "path": self.path,
                "method": self.method, **self.args}  # fmt: skip


class Faults:
    """The faults of one `LocalExchange` (``ex.faults``)."""

    def __init__(self, ex: LocalExchange) -> None:
        self.ex = ex
        self._depth: dict[str, _DepthRule] = {}
        self._rest: list[_RestRule] = []
        self.injected = 0
        ex.market_sources.depth_filter = self._filter_depth

    # --- depth stream -------------------------------------------------------------------------

    def _arm_depth(self, symbol: str, mode: str, count: int) -> None:
        if count < 1:
            raise ValueError("count must be >= 1")
        self.ex.engine.market(symbol.upper())
        self._depth[symbol.upper()] = _DepthRule(mode, count)

    def drop_depth(self, symbol: str, count: int = 1) -> None:
        """Drop the next `count` diff-depth events of `symbol`."""
        self._arm_depth(symbol, "drop", count)

    def duplicate_depth(self, symbol: str, count: int = 1) -> None:
        """Send each of the next `count` diff-depth events of `symbol` twice."""
        self._arm_depth(symbol, "duplicate", count)

    def reorder_depth(self, symbol: str, count: int = 1) -> None:
        """Swap the next `count` pairs of consecutive diff-depth events of `symbol`."""
        self._arm_depth(symbol, "reorder", count)

    def _filter_depth(self, symbol: str, stream: str, payloads: list[bytes]) -> list[bytes]:
        rule = self._depth.get(symbol)
        if rule is None:
            return payloads
        self.injected += 1
        if rule.mode == "drop":
            out: list[bytes] = []
        elif rule.mode == "duplicate":
            out = payloads + payloads
        elif not rule.held:  # reorder: hold this one back
            rule.held = payloads
            return []
        else:
            out, rule.held = payloads + rule.held, []
        rule.remaining -= 1
        if rule.remaining <= 0:
            del self._depth[symbol]
        return out

    # --- connections --------------------------------------------------------------------------

    def _conns(self, kind: str | None, path: str | None) -> list[Conn]:
        return self.ex.ws.select(kind, path)

    def close_connections(self, mode: str = "normal", kind: str | None = None,
                          path: str | None = None) -> int:  # fmt: skip
        """Close connections: ``normal`` (1000), ``going_away`` (1001) or ``abrupt`` (no close
        frame); returns how many."""
        if mode not in ("normal", "going_away", "abrupt"):
            raise ValueError("mode is normal, going_away or abrupt")
        conns = self._conns(kind, path)
        for c in conns:
            if mode == "abrupt":
                c.abort()
            else:
                c.close(_CLOSE_CODES[mode], "closed by a fault")
        self.injected += len(conns)
        return len(conns)

    def stall_connections(self, kind: str | None = None, path: str | None = None,
                          stalled: bool = True) -> int:  # fmt: skip
        """Stop (or resume) all output to connections, keeping the sockets open."""
        conns = self._conns(kind, path)
        for c in conns:
            c.stalled = stalled
            if not stalled:
                c.last_ping_ms = self.ex.clock.now_ms()
                c.ping_sent_ms = None
        self.injected += len(conns)
        return len(conns)

    def send_malformed(self, kind: str | None = None, path: str | None = None,
                       data: str = '{"e":"trade","E":') -> int:  # fmt: skip
        """Send a text frame that is not valid JSON (even to stalled connections)."""
        frame = text_frame(data.encode())
        conns = self._conns(kind, path)
        for c in conns:
            tr = c.transport
            if tr is not None and not tr.is_closing():
                tr.write(frame)
        self.injected += len(conns)
        return len(conns)

    def server_shutdown(self) -> int:
        """The ``serverShutdown`` event on every market-stream connection."""
        return self.ex.streams.server_shutdown()

    # --- REST -----------------------------------------------------------------------------------

    def _arm(self, kind: str, count: int | None, path: str | None, method: str | None,
             **args: Any) -> None:  # fmt: skip
        if count is not None and count < 1:
            raise ValueError("count must be >= 1 (or None: until cleared)")
        self._rest.append(_RestRule(kind, count, path, method, args))

    def delay_rest(self, seconds: float, count: int | None = None, path: str | None = None,
                   method: str | None = None) -> None:  # fmt: skip
        """Answer REST requests `seconds` late."""
        self._arm("delay", count, path, method, seconds=float(seconds))

    def fail_rest(self, status: int = 503, count: int | None = 1, path: str | None = None,
                  method: str | None = None, execute: bool = False) -> None:  # fmt: skip
        """Answer with a 5xx and a Binance error body (after executing, with `execute`)."""
        if not 500 <= status <= 599:
            raise ValueError("status must be a 5xx")
        self._arm("fail", count, path, method, status=status, execute=execute)

    def timeout_rest(self, seconds: float = 30.0, count: int | None = 1,
                     path: str | None = None, method: str | None = None) -> None:  # fmt: skip
        """Hold requests `seconds`, then drop the connection without an answer."""
        self._arm("timeout", count, path, method, seconds=float(seconds))

    def non_json_rest(self, status: int = 502, count: int | None = 1, path: str | None = None,
                      method: str | None = None) -> None:  # fmt: skip
        """Answer with an HTML error page instead of JSON."""
        self._arm("html", count, path, method, status=status)

    def force_rate_limit(self, status: int = 429, count: int | None = 1, retry_after: int = 1,
                         path: str | None = None, method: str | None = None) -> None:  # fmt: skip
        """Refuse with 429 or 418 (-1003 and ``Retry-After: retry_after``)."""
        if status not in (429, 418):
            raise ValueError("status must be 429 or 418")
        self._arm("limit", count, path, method, status=status, retry_after=int(retry_after))

    def slow_snapshots(self, seconds: float, count: int | None = None,
                       symbol: str | None = None) -> None:  # fmt: skip
        """Compute ``/api/v3/depth`` on arrival but deliver it `seconds` later (stale)."""
        self._arm("slow", count, "/api/v3/depth", "GET", seconds=float(seconds),
                  symbol=symbol.upper() if symbol else None)  # fmt: skip

    def skew_clock(self, ms: int) -> None:
        """Run the REST / WebSocket API clock `ms` ahead of (negative: behind) the exchange's."""
        self.ex.rest.skew_ms = int(ms)

    def clear(self) -> None:
        """Disarm every fault, resume stalled connections, remove the clock skew."""
        self._depth.clear()
        self._rest.clear()
        self.ex.rest.skew_ms = 0
        for c in self.ex.ws.select():
            if c.stalled:
                self.stall_connections(stalled=False)
                break

    def active(self) -> dict[str, Any]:
        """What is armed (for ``GET /_sim/faults``)."""
        depth = {sym: {"mode": r.mode, "remaining": r.remaining} for sym, r in self._depth.items()}
        return {
            "depth": depth,
            "rest": [r.describe() for r in self._rest],
            "skew_ms": self.ex.rest.skew_ms,
            "stalled": [c.id for c in self.ex.ws.select() if c.stalled],
        }

    def _take(self, request: web.Request) -> _RestRule | None:
        for rule in self._rest:
            if not rule.matches(request):
                continue
            sym = rule.args.get("symbol")
            if sym is not None and request.query.get("symbol", "").upper() != sym:
                continue
            if rule.remaining is not None:
                rule.remaining -= 1
                if rule.remaining <= 0:
                    self._rest.remove(rule)
            self.injected += 1
            return rule
        return None

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """The REST faults (installed in the exchange's app; /_sim and WebSocket routes pass)."""
        path = request.path
        if not self._rest or not (path.startswith("/api/") or path.startswith("/sapi/")):
            return await handler(request)
        rule = self._take(request)
        if rule is None:
            return await handler(request)
        kind, args = rule.kind, rule.args
        ex = self.ex
        if kind == "delay":
            await asyncio.sleep(args["seconds"])
            return await handler(request)
        if kind == "slow":
            response = await handler(request)
            await asyncio.sleep(args["seconds"])
            return response
        if kind == "timeout":
            await asyncio.sleep(args["seconds"])
            tr = request.transport
            if tr is not None:
                tr.abort()
            return web.Response(status=504)
        status = int(args.get("status", 503))
        ex.responses[status] = ex.responses.get(status, 0) + 1
        ip = request.remote or "unknown"
        headers = dict(ex.server_limits.weight_headers(ip, ex.clock.now_ms()))
        if kind == "html":
            return web.Response(status=status, body=_HTML_502, headers=headers,
                                content_type="text/html")  # fmt: skip
        if kind == "limit":
            headers["Retry-After"] = str(args["retry_after"])
            msg = ("Way too much request weight used; IP banned until "
                   f"{ex.clock.now_ms() + 1000 * args['retry_after']}. Please use WebSocket "
                   "Streams for live updates to avoid bans." if status == 418 else
                   "Too much request weight used; current limit is "
                   f"{ex.limits.request_weight} request weight per 1 MINUTE. Please use "
                   "WebSocket Streams for live updates to avoid polling the API.")  # fmt: skip
            return _json(status, {"code": -1003, "msg": msg}, headers)
        # fail
        if args.get("execute"):
            await handler(request)
        code, msg = _5XX.get(status, _5XX[500])
        return _json(status, {"code": code, "msg": msg}, headers)

    # --- routes -------------------------------------------------------------------------------

    def add_routes(self, app: web.Application) -> None:
        """Add the ``/_sim/faults`` routes and the ``GET /_sim/book`` ground-truth route."""
        app.router.add_post("/_sim/faults/{name}", self._post)
        app.router.add_get("/_sim/faults", self._get)
        app.router.add_delete("/_sim/faults", self._delete)
        app.router.add_get("/_sim/book", self._book)

    async def _post(self, request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        if name not in FAULTS:
            return _json(404, {"error": f"unknown fault {name!r}", "faults": list(FAULTS)})
        body = await request.read()
        try:
            kwargs = msgspec.json.decode(body) if body.strip() else {}
            if not isinstance(kwargs, dict):
                raise TypeError("the arguments are a JSON object")
            result = getattr(self, name)(**kwargs)
        except (TypeError, ValueError, msgspec.DecodeError, SimError) as exc:
            return _json(400, {"error": str(exc)})
        return _json(200, {"ok": True, "result": result})

    async def _get(self, request: web.Request) -> web.StreamResponse:
        return _json(200, self.active())

    async def _delete(self, request: web.Request) -> web.StreamResponse:
        self.clear()
        return _json(200, {"ok": True})

    async def _book(self, request: web.Request) -> web.StreamResponse:
        symbol = request.query.get("symbol", "").upper()
        raw_id = request.query.get("updateId")
        try:
            update_id = int(raw_id) if raw_id else None
            truth = self.ex.true_book(symbol, update_id)
        except (ValueError, SimError) as exc:
            return _json(400, {"error": str(exc)})
        except HistoryUnavailable as exc:
            return _json(404, {"error": str(exc)})
        return _json(200, {
            "symbol": truth.symbol, "updateId": truth.update_id,
            "bids": [[f"{p:f}", f"{q:f}"] for p, q in truth.bids],
            "asks": [[f"{p:f}", f"{q:f}"] for p, q in truth.asks]})  # fmt: skip


def _json(status: int, body: Any, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(status=status, body=msgspec.json.encode(body), headers=headers,
                        content_type="application/json")  # fmt: skip
