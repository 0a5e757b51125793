"""Market-stream endpoints of the local exchange: ``/ws``, ``/ws/<streams>``, ``/stream?streams=``.

A `StreamHub` owns the stream side of every connection: which streams each connection holds,
the control messages (``SUBSCRIBE``, ``UNSUBSCRIBE``, ``LIST_SUBSCRIPTIONS``, ``SET_PROPERTY``,
``GET_PROPERTY``) with the exchange's replies, and the fan-out. What a stream *carries* comes
from a resolver (`stream_sources.MarketSources` for the live exchange, the replay for a
recorded capture), which turns a stream name into a `StreamSource` or refuses it.

Wire behaviour (facts doc section 3, the official stream docs, and what clients observed):

- ``/ws/<name>[/<name>...]`` opens raw streams (bare payloads); ``/stream?streams=a/b`` opens
  combined streams (``{"stream": name, "data": payload}``); ``SET_PROPERTY ["combined", bool]``
  switches the envelope on a live connection. ``/ws`` alone opens a connection with no stream.
- Replies: ``{"result": null, "id": 1}``; ``LIST_SUBSCRIPTIONS`` ``{"result": [names], "id"}``;
  ``GET_PROPERTY`` ``{"result": true, "id"}``; errors ``{"error": {"code", "msg"}, "id"}`` with
  codes 0 (unknown property), 1 (invalid value type), 2 (invalid request), 3 (invalid JSON).
- ``id``: a signed 64-bit integer, a string of at most 36 letters, digits or ``-`` (UUIDs),
  or null; anything else (or a missing id) is code 2.
- Stream names: a malformed name (unknown type, interval, window, speed suffix) is refused
  with code 2 ``Invalid request: invalid stream`` (the whole request; nothing is subscribed).
  A well-formed name whose symbol is not listed is *accepted and never sends anything*, as the
  real exchange does; ``strict_symbols=True`` refuses it instead. Retired streams
  (``!ticker@arr``, ``!bookTicker``) are refused.
- At most ``max_streams`` (1024) streams per connection: past it, code 2.
- A malformed stream name in the URL closes the new connection with 1008 and the reason.

Fan-out: each pump asks every stream with subscribers for its payloads once, builds the raw
and (if anyone wants it) the combined frame once, and writes the same bytes to each
subscriber; a connection's frames of one pump go out in a single transport write.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from typing import Any, Protocol
from urllib.parse import unquote

from aiohttp import web

from .ws_conn import Conn, WsCore, text_frame

__all__ = [
    "InvalidStream",
    "Stream",
    "StreamHub",
    "StreamResolver",
    "StreamSource",
    "control_error",
    "control_result",
]

log = logging.getLogger("binance_async.sim")

METHODS = ("SUBSCRIBE", "UNSUBSCRIBE", "LIST_SUBSCRIPTIONS", "SET_PROPERTY", "GET_PROPERTY")
_ID_TEXT = re.compile(r"^[A-Za-z0-9-]{1,36}$")
_INT64 = (-(2**63), 2**63 - 1)
_METHOD_VALUE = re.compile(r'"method"\s*:\s*"(?:[^"\\]|\\.)*"')
_INVALID_ID = "Invalid request: request ID must be an unsigned integer"


class InvalidStream(ValueError):
    """A stream name the exchange refuses (code 2 with this message)."""

    def __init__(self, msg: str = "Invalid request: invalid stream") -> None:
        super().__init__(msg)
        self.msg = msg


class StreamSource:
    """What one stream carries.

    ``period_ms`` > 0: `produce` runs when the simulated time reaches ``next_due`` (aligned to
    the period); 0: on every pump (real-time streams); -1: never polled, the source pushes
    with `Stream.publish` itself (user data, replay). `open` / `close` run when the stream
    gets its first subscriber and loses its last one.
    """

    __slots__ = ("next_due", "period_ms")

    def __init__(self, period_ms: int = 0) -> None:
        self.period_ms = period_ms
        self.next_due = 0

    def produce(self, now_ms: int) -> list[bytes]:
        """The payloads due at ``now_ms`` (ms, simulated); the base class has none."""
        return []

    def open(self, stream: Stream) -> None:
        """The stream got its first subscriber; a push source keeps ``stream`` to publish to."""
        pass

    def close(self) -> None:
        """The stream lost its last subscriber."""
        pass


class StreamResolver(Protocol):
    """Turns a stream name into its `StreamSource` (live exchange or replay)."""

    def resolve(self, name: str) -> StreamSource | None:
        """The source of a stream, None (valid, silent), or raise `InvalidStream`."""


class Stream:
    """One stream name with subscribers: its source and the connections to write to."""

    __slots__ = ("hub", "name", "prefix", "source", "subs")

    def __init__(self, hub: StreamHub, name: str, source: StreamSource | None) -> None:
        self.hub = hub
        self.name = name
        self.prefix = b'{"stream":' + json.dumps(name).encode() + b',"data":'
        self.source = source
        self.subs: dict[int, Conn] = {}

    def frames(self, payload: bytes) -> tuple[bytes | None, bytes | None]:
        """(raw frame, combined frame), each built only if a subscriber needs it."""
        raw = comb = None
        for conn in self.subs.values():
            if conn.combined:
                if comb is None:
                    comb = text_frame(self.prefix + payload + b"}")
            elif raw is None:
                raw = text_frame(payload)
        return raw, comb

    def publish(self, payloads: list[bytes]) -> None:
        """Write `payloads` to every subscriber now (push sources)."""
        if not payloads or not self.subs:
            return
        if len(payloads) == 1:
            raw, comb = self.frames(payloads[0])
            for conn in list(self.subs.values()):
                data = comb if conn.combined else raw
                if data is not None:
                    conn.send(data)
            return
        built = [self.frames(p) for p in payloads]
        raws = b"".join(r for r, _ in built if r is not None)
        combs = b"".join(c for _, c in built if c is not None)
        n = len(payloads)
        for conn in list(self.subs.values()):
            conn.send(combs if conn.combined else raws, n)


def control_result(result: Any, req_id: Any) -> bytes:
    """A control reply: ``{"result": result, "id": req_id}``, compact JSON."""
    return json.dumps({"result": result, "id": req_id}, separators=(",", ":")).encode()


def control_error(code: int, msg: str, req_id: Any) -> bytes:
    """A control error: ``{"error": {"code", "msg"}, "id": req_id}``, compact JSON."""
    return json.dumps({"error": {"code": code, "msg": msg}, "id": req_id},
                      separators=(",", ":")).encode()  # fmt: skip


def _json_error_msg(exc: json.JSONDecodeError) -> str:
    """A serde_json-like description of a JSON syntax error."""
    m = exc.msg
    if exc.pos >= len(exc.doc.rstrip()):
        what = "EOF while parsing a value"
    elif m.startswith("Expecting value"):
        what = "expected value"
    elif m.startswith("Extra data"):
        what = "trailing characters"
    elif m.startswith("Expecting property name"):
        what = "key must be a string"
    elif m.startswith("Expecting ',' delimiter") or m.startswith("Expecting ':' delimiter"):
        what = "expected `,` or `}`" if "','" in m else "expected `:`"
    elif m.startswith("Unterminated string"):
        what = "EOF while parsing a string"
    else:
        what = m[0].lower() + m[1:]
    return f"Invalid JSON: {what} at line {exc.lineno} column {exc.colno}"


def _type_name(v: Any) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return f"boolean `{str(v).lower()}`"
    if isinstance(v, int | float):
        return f"integer `{v}`" if isinstance(v, int) else f"floating point `{v}`"
    if isinstance(v, str):
        return f"string {json.dumps(v)}"
    return "sequence" if isinstance(v, list) else "map"


def valid_id(v: Any) -> bool:
    """Whether ``v`` is an accepted request id: None, a 64-bit int, or 1-36 ``[A-Za-z0-9-]``."""
    if v is None:
        return True
    if isinstance(v, bool):
        return False
    if isinstance(v, int):
        return _INT64[0] <= v <= _INT64[1]
    return isinstance(v, str) and _ID_TEXT.match(v) is not None


class StreamHub:
    """Stream subscriptions, control messages and fan-out over a `WsCore`'s connections."""

    def __init__(self, core: WsCore, resolver: StreamResolver, *, kind: str = "stream") -> None:
        self.core = core
        self.resolver = resolver
        self.kind: Any = kind
        self.streams: dict[str, Stream] = {}
        self.frames_out = 0
        self.control_messages = 0
        #: called after a connection's streams changed (tests and statistics)
        self.on_change: list[Callable[[Conn], None]] = []

    # --- routes ---------------------------------------------------------------------------------

    def add_routes(self, app: web.Application, prefix: str = "") -> None:
        """Add ``/ws``, ``/ws/<streams>`` and ``/stream`` (under ``prefix``) to ``app``."""
        app.router.add_get(prefix + "/ws", self.handle_ws)
        app.router.add_get(prefix + "/ws/{streams:.+}", self.handle_ws)
        app.router.add_get(prefix + "/stream", self.handle_combined)

    async def handle_ws(self, request: web.Request) -> web.StreamResponse:
        """A raw stream connection: ``/ws`` or ``/ws/<stream>/<stream>...``."""
        names = [n for n in request.match_info.get("streams", "").split("/") if n]
        return await self._serve(request, names, combined=False)

    async def handle_combined(self, request: web.Request) -> web.StreamResponse:
        """A combined stream connection: ``/stream?streams=a/b`` (``+`` kept literal)."""
        # parse the raw query: "+" is a literal plus here (kline_1h@+08:00), not a space
        raw = request.raw_path.partition("?")[2]
        value = ""
        for part in raw.split("&"):
            key, _, val = part.partition("=")
            if key == "streams":
                value = unquote(val)
        names = [n for n in value.split("/") if n]
        return await self._serve(request, names, combined=True)

    async def _serve(self, request: web.Request, names: list[str], *, combined: bool
                     ) -> web.StreamResponse:  # fmt: skip
        def on_open(conn: Conn, _: web.Request) -> None:
            conn.combined = combined
            if not names:
                return
            try:
                self.subscribe(conn, names)
            except InvalidStream as exc:
                conn.close(1008, exc.msg)

        return await self.core.serve(request, self.kind, self.on_text, on_open=on_open,
                                     on_close=self.drop_conn)  # fmt: skip

    # --- subscriptions --------------------------------------------------------------------------

    def check(self, conn: Conn, names: list[str]) -> list[tuple[str, StreamSource | None]]:
        """Resolve every name (all-or-nothing); InvalidStream on the first bad one."""
        out: list[tuple[str, StreamSource | None]] = []
        seen = set(conn.streams)
        added = 0
        for name in names:
            if not isinstance(name, str):
                raise InvalidStream(f"Invalid request: invalid type: {_type_name(name)}, "
                                    "expected a string")  # fmt: skip
            if name in seen:
                continue
            st = self.streams.get(name)
            out.append((name, st.source if st is not None else self.resolver.resolve(name)))
            seen.add(name)
            added += 1
        if len(conn.streams) + added > self.core.limits.max_streams:
            raise InvalidStream(
                f"Invalid request: too many streams; a connection can listen to at most "
                f"{self.core.limits.max_streams} streams"
            )
        return out

    def subscribe(self, conn: Conn, names: list[str]) -> None:
        """Subscribe ``conn`` to ``names`` (all-or-nothing); InvalidStream on a bad one."""
        for name, source in self.check(conn, names):
            st = self.streams.get(name)
            if st is None:
                st = self.streams[name] = Stream(self, name, source)
                if source is not None:
                    source.open(st)
            st.subs[conn.id] = conn
            conn.streams[name] = None
        for cb in self.on_change:
            cb(conn)

    def unsubscribe(self, conn: Conn, names: list[str]) -> None:
        """Unsubscribe ``conn`` from ``names`` (unknown names ignored); closes unused sources."""
        for name in names:
            if name not in conn.streams:
                continue
            del conn.streams[name]
            st = self.streams.get(name)
            if st is None:
                continue
            st.subs.pop(conn.id, None)
            if not st.subs:
                del self.streams[name]
                if st.source is not None:
                    st.source.close()
        for cb in self.on_change:
            cb(conn)

    def drop_conn(self, conn: Conn) -> None:
        """Forget a closed connection's subscriptions."""
        self.unsubscribe(conn, list(conn.streams))

    # --- control messages -----------------------------------------------------------------------

    def on_text(self, conn: Conn, text: str) -> None:
        """Handle one control message from ``conn`` and send its reply, if any."""
        self.control_messages += 1
        reply = self.control(conn, text)
        if reply is not None:
            conn.send(text_frame(reply))

    def control(self, conn: Conn, text: str) -> bytes | None:
        """The reply to one control message (None: nothing to say)."""
        try:
            req = json.loads(text)
        except json.JSONDecodeError as exc:
            return control_error(3, _json_error_msg(exc), None)
        if not isinstance(req, dict):
            return control_error(2, f"Invalid request: invalid type: {_type_name(req)}, "
                                    "expected struct Request", None)  # fmt: skip
        method = req.get("method")
        if "method" not in req:
            col = len(text.rstrip())
            return control_error(2, f"Invalid request: missing field `method` at line 1 "
                                    f"column {col}", None)  # fmt: skip
        if method not in METHODS:
            m = _METHOD_VALUE.search(text)
            col = m.end() if m else len(text)
            shown = method if isinstance(method, str) else _type_name(method)
            expected = ", ".join(f"`{x}`" for x in METHODS)
            return control_error(2, f"Invalid request: unknown variant `{shown}`, expected one "
                                    f"of {expected} at line 1 column {col}", None)  # fmt: skip
        if "id" not in req or not valid_id(req["id"]):
            return control_error(2, _INVALID_ID, None)
        req_id = req["id"]
        params = req.get("params")
        if method in ("SUBSCRIBE", "UNSUBSCRIBE"):
            if not isinstance(params, list):
                what = "missing field `params`" if params is None else (
                    f"invalid type: {_type_name(params)}, expected a sequence")
                return control_error(2, f"Invalid request: {what}", req_id)
            try:
                if method == "SUBSCRIBE":
                    self.subscribe(conn, params)
                else:
                    self.unsubscribe(conn, [p for p in params if isinstance(p, str)])
            except InvalidStream as exc:
                return control_error(2, exc.msg, req_id)
            return control_result(None, req_id)
        if method == "LIST_SUBSCRIPTIONS":
            return control_result(list(conn.streams), req_id)
        if not isinstance(params, list) or not params:
            return control_error(2, "Invalid request: property name must be a string", req_id)
        name = params[0]
        want = 2 if method == "SET_PROPERTY" else 1
        if len(params) > want:
            return control_error(2, "Invalid request: too many parameters", req_id)
        if not isinstance(name, str):
            return control_error(2, "Invalid request: property name must be a string", req_id)
        if name != "combined":
            return control_error(0, "Unknown property", req_id)
        if method == "GET_PROPERTY":
            return control_result(conn.combined, req_id)
        if len(params) < 2 or not isinstance(params[1], bool):
            return control_error(1, "Invalid value type: expected Boolean", req_id)
        conn.combined = params[1]
        return control_result(None, req_id)

    # --- fan-out --------------------------------------------------------------------------------

    def pump(self, now_ms: int) -> None:
        """Poll every subscribed stream that is due; write each connection's frames at once."""
        out: dict[int, tuple[Conn, list[bytes]]] = {}
        for st in list(self.streams.values()):
            src = st.source
            if src is None or src.period_ms < 0 or not st.subs:
                continue
            period = src.period_ms
            if period:
                if now_ms < src.next_due:
                    continue
                src.next_due = (now_ms // period + 1) * period
            try:
                payloads = src.produce(now_ms)
            except Exception:
                log.exception("stream %s failed", st.name)
                continue
            if not payloads:
                continue
            for payload in payloads:
                raw, comb = st.frames(payload)
                for cid, conn in st.subs.items():
                    slot = out.get(cid)
                    if slot is None:
                        slot = out[cid] = (conn, [])
                    slot[1].append(comb if conn.combined else raw)  # type: ignore[arg-type]
        for conn, frames in out.values():
            self.frames_out += len(frames)
            conn.send(frames[0] if len(frames) == 1 else b"".join(frames), len(frames))

    def broadcast(self, payload: bytes, conns: list[Conn] | None = None) -> int:
        """Send one payload to connections of this hub (combined ones get a bare payload too,
        as the exchange sends its own events such as ``serverShutdown``)."""
        targets = conns if conns is not None else self.core.select(self.kind)
        frame = text_frame(payload)
        for conn in targets:
            conn.send(frame)
        return len(targets)

    def server_shutdown(self) -> int:
        """Send ``{"e": "serverShutdown", "E": now}`` to every connection of this hub (the
        exchange's notice before it closes them: clients should reconnect); returns how many."""
        now = self.core.clock.now_ms()
        return self.broadcast(b'{"e":"serverShutdown","E":%d}' % now)

    def statistics(self) -> dict[str, int]:
        """Counters: streams with subscribers, frames sent, control messages received."""
        return {"streams": len(self.streams), "frames_out": self.frames_out,
                "control_messages": self.control_messages}  # fmt: skip
