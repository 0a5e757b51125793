"""The sans-I/O stream protocol (`binance_async.streams.protocol`), driven on bytes alone.

`FakeServer` plays Binance: it opens connections (streams from the URL), applies SUBSCRIBE /
UNSUBSCRIBE, replies, and records every frame the client sends, so the tests can check the
server-side set and the outgoing rate after any sequence of events.
"""

from __future__ import annotations

import itertools
import json
from collections import deque
from typing import Any
from urllib.parse import parse_qs, urlsplit

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from binance_async.models.streams import TradeEvent
from binance_async.streams.actions import (
    Ack,
    AppEvent,
    Close,
    ControlError,
    ControlResult,
    Deliver,
    Dropped,
    Gap,
    Malformed,
    Open,
    Pong,
    Refused,
    Resumed,
    Send,
)
from binance_async.streams.limits import Backoff, ConnectBudget, Throttle
from binance_async.streams.protocol import StreamConfig, StreamProtocol

PROP = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)


def trade_frame(stream: str, trade_id: int, event_time: int = 1_700_000_000_000) -> bytes:
    symbol = stream.split("@")[0].upper()
    data = {
        "e": "trade", "E": event_time, "s": symbol, "t": trade_id, "p": "1.00000000",
        "q": "2.00000000", "T": event_time, "m": True, "M": True,
    }  # fmt: skip
    return json.dumps({"stream": stream, "data": data}, separators=(",", ":")).encode()


class FakeServer:
    """A scripted Binance market-stream server around one `StreamProtocol`."""

    def __init__(self, proto: StreamProtocol, *, auto_open: bool = True, auto_reply: bool = True):
        self.p = proto
        self.t = 0.0
        self.auto_open = auto_open
        self.auto_reply = auto_reply
        self.server: dict[int, set[str]] = {}  # open connections -> subscribed streams
        self.connecting: dict[int, str] = {}
        self.urls: dict[int, str] = {}
        self.opens: list[float] = []
        self.sent: dict[int, list[float]] = {}  # every frame the client sent, per connection
        self.messages: list[tuple[int, dict[str, Any]]] = []
        self.replies: deque[tuple[int, bytes]] = deque()
        self.closed: list[Close] = []
        self.events: list[AppEvent] = []
        self.refuse: set[str] = set()  # streams whose SUBSCRIBE gets an error

    def pump(self) -> None:
        """Perform every pending action until the protocol has nothing more to say."""
        for _ in range(10_000):
            actions = self.p.data_to_send(self.t)
            for a in actions:
                self.handle(a)
            progressed = bool(actions)
            if self.auto_open and self.connecting:
                self.open_all()
                progressed = True
            if self.auto_reply and self.replies:
                self.reply_all()
                progressed = True
            if not progressed:
                break
        self.events += self.p.events_received()

    def handle(self, a: object) -> None:
        if isinstance(a, Open):
            self.opens.append(self.t)
            self.connecting[a.conn_id] = a.url
            self.urls[a.conn_id] = a.url
        elif isinstance(a, Send | Pong):
            assert a.conn_id in self.server, "frame sent on a connection that is not open"
            self.sent.setdefault(a.conn_id, []).append(self.t)
            if isinstance(a, Send):
                self.on_message(a.conn_id, json.loads(a.payload))
        elif isinstance(a, Close):
            self.closed.append(a)
            self.server.pop(a.conn_id, None)
            self.connecting.pop(a.conn_id, None)
            self.p.connection_lost(a.conn_id, self.t, "closed by client")

    def on_message(self, cid: int, msg: dict[str, Any]) -> None:
        self.messages.append((cid, msg))
        method, rid = msg["method"], msg["id"]
        params: list[str] = msg.get("params") or []
        assert isinstance(rid, int) and 0 < rid < 2**63
        streams = self.server[cid]
        reply: dict[str, Any] = {"result": None, "id": rid}
        if method == "SUBSCRIBE":
            if self.refuse & set(params):
                reply = {"error": {"code": 2, "msg": "Invalid request: bad stream"}, "id": rid}
            else:
                streams.update(params)
        elif method == "UNSUBSCRIBE":
            streams.difference_update(params)
        elif method == "LIST_SUBSCRIPTIONS":
            reply["result"] = sorted(streams)
        elif method == "GET_PROPERTY":
            reply["result"] = True
        self.replies.append((cid, json.dumps(reply).encode()))

    def open_all(self) -> None:
        for cid, url in list(self.connecting.items()):
            del self.connecting[cid]
            q = parse_qs(urlsplit(url).query)
            self.server[cid] = set(q["streams"][0].split("/")) if "streams" in q else set()
            self.p.connection_opened(cid, self.t)

    def reply_all(self) -> None:
        while self.replies:
            cid, data = self.replies.popleft()
            if cid in self.server:
                self.p.receive_frame(cid, data, self.t)

    def drop(self, cid: int) -> None:
        self.server.pop(cid, None)
        self.p.connection_lost(cid, self.t, "dropped")

    def advance(self, dt: float) -> None:
        self.t += dt
        for cid in self.server:  # the server pings every 20 s: keep connections alive
            self.p.receive_ping(cid, b"", self.t)
        self.p.tick(self.t)
        self.pump()

    def settle(self, limit: float = 3600.0) -> None:
        """Run until nothing is scheduled but liveness/rotation timers (or ``limit`` s)."""
        end = self.t + limit
        while self.t < end:
            self.pump()
            wake = self.p.next_wakeup()
            if not (self.connecting or self.replies) and (wake is None or wake >= self.t + 30):
                return
            self.advance(max(0.05, min(1.0, (wake or self.t) - self.t)))
        raise AssertionError("did not settle")

    def take(self, kind: type) -> list[Any]:
        got = [e for e in self.events if isinstance(e, kind)]
        self.events = [e for e in self.events if not isinstance(e, kind)]
        return got

    def server_union(self) -> set[str]:
        return set().union(*self.server.values()) if self.server else set()


def make(**kw: Any) -> tuple[StreamProtocol, FakeServer]:
    p = StreamProtocol(StreamConfig(**kw), rng=lambda: 0.5)
    return p, FakeServer(p)


# ----------------------------------------------------------------------------- table and acks


def test_subscribe_opens_connection_with_streams_in_url() -> None:
    p, _srv = make()
    req = p.subscribe("a", ["BTCUSDT@trade", "ethusdt@depth@100ms"], 0.0)
    assert req.streams == ("btcusdt@trade", "ethusdt@depth@100ms")
    actions = p.data_to_send()
    assert actions == [
        Open(1, "wss://stream.binance.com:9443/stream?streams=btcusdt@trade/ethusdt@depth@100ms")
    ]
    assert p.events_received() == []  # not live before the connection opens
    p.connection_opened(1, 0.5)
    assert p.events_received() == [Ack(req)]
    assert p.shard_of("btcusdt@trade") == 1
    assert p.data_to_send() == []  # nothing to SUBSCRIBE: the URL did it


def test_refcount_one_subscribe_one_unsubscribe() -> None:
    p, srv = make()
    p.subscribe("a", ["btcusdt@trade"], 0.0)
    srv.settle()
    p.subscribe("b", ["bnbbtc@aggTrade"], 1.0)
    p.subscribe("c", ["bnbbtc@aggTrade"], 1.0)
    srv.pump()
    subs = [m for _, m in srv.messages if m["method"] == "SUBSCRIBE"]
    assert [m["params"] for m in subs] == [["bnbbtc@aggTrade"]]
    assert p.route("bnbbtc@aggTrade") == {"b", "c"}
    p.unsubscribe("b", ["bnbbtc@aggTrade"], 2.0)
    srv.pump()
    assert not any(m["method"] == "UNSUBSCRIBE" for _, m in srv.messages)
    assert p.route("bnbbtc@aggTrade") == {"c"}
    p.unsubscribe("c", ["bnbbtc@aggTrade"], 3.0)
    srv.pump()
    assert [m["params"] for _, m in srv.messages if m["method"] == "UNSUBSCRIBE"] == [
        ["bnbbtc@aggTrade"]
    ]
    assert p.route("bnbbtc@aggTrade") == frozenset()
    assert srv.server_union() == {"btcusdt@trade"}


def test_ack_waits_for_reply_and_ids_increase() -> None:
    p, srv = make()
    p.subscribe("a", ["btcusdt@trade"], 0.0)
    srv.settle()
    srv.take(Ack)
    srv.auto_reply = False
    r1 = p.subscribe("a", ["ethusdt@trade"], 1.0)
    srv.pump()
    p.subscribe("b", ["xrpusdt@trade"], 1.0)
    srv.pump()
    ids = [m["id"] for _, m in srv.messages]
    assert ids == sorted(set(ids)) and ids[0] >= 1
    assert srv.take(Ack) == []
    cid, first = srv.replies.popleft()
    p.receive_frame(cid, first, 1.5)
    assert p.events_received() == [Ack(r1)]


def test_batching_respects_params_and_bytes() -> None:
    p, srv = make(max_params_per_message=50, max_message_bytes=1000, max_url_length=100)
    names = [f"sym{i:04d}usdt@trade" for i in range(230)]
    req = p.subscribe("a", names, 0.0)
    srv.settle()
    subs = [m for _, m in srv.messages if m["method"] == "SUBSCRIBE"]
    assert all(len(m["params"]) <= 50 for m in subs)
    assert all(len(json.dumps(m, separators=(",", ":"))) <= 1000 for m in subs)
    assert len(urlsplit(srv.urls[1]).geturl()) <= 100
    assert srv.server_union() == set(names)
    assert srv.take(Ack) == [Ack(req)]


def test_routing_delivers_decoded_event_to_all_subscribers() -> None:
    p, srv = make()
    p.subscribe("a", ["btcusdt@trade"], 0.0)
    p.subscribe("b", ["btcusdt@trade", "ethusdt@trade"], 0.0)
    srv.settle()
    p.receive_frame(1, trade_frame("btcusdt@trade", 7), 1.0)
    p.receive_frame(1, trade_frame("solusdt@trade", 8), 1.0)  # nobody wants it
    (d,) = [e for e in p.events_received() if isinstance(e, Deliver)]
    assert d.stream == "btcusdt@trade" and d.subscribers == {"a", "b"}
    assert isinstance(d.event, TradeEvent) and d.event.trade_id == 7
    assert d.received_at == 1.0
    assert p.statistics().unrouted == 1


def test_decode_false_delivers_raw() -> None:
    p, srv = make(decode=False)
    p.subscribe("a", ["btcusdt@trade"], 0.0)
    srv.settle()
    p.receive_frame(1, trade_frame("btcusdt@trade", 7), 1.0)
    (d,) = p.events_received()
    assert isinstance(d, Deliver) and isinstance(d.event, msgspec.Raw)
    assert json.loads(bytes(d.event))["t"] == 7


def test_unsubscribe_while_pending_resolves_request() -> None:
    p, srv = make()
    r = p.subscribe("a", ["btcusdt@trade", "ethusdt@trade"], 0.0)
    p.unsubscribe("a", ["ethusdt@trade"], 0.0)
    srv.settle()
    assert Ack(r) in srv.events
    assert srv.server_union() == {"btcusdt@trade"}


def test_resubscribe_during_unsubscribe_acks_after_new_subscribe() -> None:
    p, srv = make()
    p.subscribe("a", ["btcusdt@trade", "ethusdt@trade"], 0.0)
    srv.settle()
    srv.take(Ack)
    srv.auto_reply = False
    p.unsubscribe("a", ["ethusdt@trade"], 1.0)
    srv.pump()
    r = p.subscribe("b", ["ethusdt@trade"], 1.0)
    srv.pump()
    assert [m["method"] for _, m in srv.messages[-2:]] == ["UNSUBSCRIBE", "SUBSCRIBE"]
    srv.take(Ack)
    cid, unsub_reply = srv.replies.popleft()
    p.receive_frame(cid, unsub_reply, 1.1)
    assert [e for e in p.events_received() if isinstance(e, Ack)] == []
    srv.reply_all()
    assert p.events_received() == [Ack(r)]
    assert srv.server_union() == {"btcusdt@trade", "ethusdt@trade"}


def test_retired_stream_refused_locally() -> None:
    p, srv = make()
    r = p.subscribe("a", ["!ticker@arr", "btcusdt@ticker"], 0.0)
    srv.settle()
    (refused,) = srv.take(Refused)
    assert refused.request == r and refused.streams == ("!ticker@arr",)
    assert srv.server_union() == {"btcusdt@ticker"}


# ----------------------------------------------------------------------------- errors


def test_refused_batch_is_split_and_culprit_refused() -> None:
    p, srv = make()
    p.subscribe("z", ["btcusdt@trade"], 0.0)
    srv.settle()
    srv.refuse = {"bad@trade"}
    r = p.subscribe("a", ["ethusdt@trade", "bad@trade"], 1.0)
    srv.settle()
    (refused,) = srv.take(Refused)
    assert refused.request == r and refused.streams == ("bad@trade",)
    assert refused.code == 2 and "Invalid request" in refused.msg
    assert srv.server_union() == {"btcusdt@trade", "ethusdt@trade"}
    assert p.subscriptions("a") == {"ethusdt@trade"}
    single = [m["params"] for _, m in srv.messages if m["params"] == ["bad@trade"]]
    assert single  # retried on its own


def test_refusal_on_resubscribe_drops_for_others() -> None:
    p, srv = make()
    p.subscribe("a", ["btcusdt@trade"], 0.0)
    p.subscribe("b", ["btcusdt@trade", "ethusdt@trade"], 0.0)
    srv.settle()
    srv.refuse = {"btcusdt@trade"}
    srv.drop(1)
    srv.settle()  # the new URL holds both streams, so force a SUBSCRIBE path instead:
    assert srv.server_union() == {"btcusdt@trade", "ethusdt@trade"}
    p2, srv2 = make(max_url_length=10)
    p2.subscribe("a", ["btcusdt@trade"], 0.0)
    p2.subscribe("b", ["ethusdt@trade"], 0.0)
    srv2.settle()
    srv2.take(Ack)
    srv2.refuse = {"ethusdt@trade"}
    srv2.drop(1)
    srv2.settle()
    (dropped,) = srv2.take(Dropped)
    assert dropped.subscribers == {"b"} and dropped.streams == ("ethusdt@trade",)
    assert p2.subscriptions("b") == frozenset()


def test_flat_error_format_and_unmatched_error() -> None:
    p, srv = make()
    p.subscribe("a", ["btcusdt@trade"], 0.0)
    srv.settle()
    rid = p.get_property(1, "nope", 1.0)
    srv.auto_reply = False
    srv.pump()
    srv.replies.clear()
    p.receive_frame(1, json.dumps({"code": 0, "msg": "Unknown property", "id": rid}).encode(), 2)
    p.receive_frame(1, b'{"code":3,"msg":"Invalid JSON: expected value at line 1 column 1"}', 2)
    events = p.events_received()
    assert events == [
        ControlError(1, rid, "GET_PROPERTY", 0, "Unknown property"),
        ControlError(1, None, None, 3, "Invalid JSON: expected value at line 1 column 1"),
    ]


def test_control_requests_encode_and_reply() -> None:
    p, srv = make()
    p.subscribe("a", ["btcusdt@trade"], 0.0)
    srv.settle()
    r1 = p.list_subscriptions(1, 1.0)
    r2 = p.set_property(1, "combined", True, 1.0)
    r3 = p.get_property(1, "combined", 1.0)
    srv.pump()
    sent = [m for _, m in srv.messages[-3:]]
    assert sent == [
        {"method": "LIST_SUBSCRIPTIONS", "id": r1},
        {"method": "SET_PROPERTY", "params": ["combined", True], "id": r2},
        {"method": "GET_PROPERTY", "params": ["combined"], "id": r3},
    ]
    results = srv.take(ControlResult)
    assert results == [
        ControlResult(1, r1, "LIST_SUBSCRIPTIONS", ["btcusdt@trade"]),
        ControlResult(1, r2, "SET_PROPERTY", None),
        ControlResult(1, r3, "GET_PROPERTY", True),
    ]


def test_list_subscriptions_resyncs_server_state() -> None:
    p, srv = make()
    p.subscribe("a", ["btcusdt@trade", "ethusdt@trade"], 0.0)
    srv.settle()
    srv.server[1].discard("ethusdt@trade")  # the server silently lost one
    p.list_subscriptions(1, 1.0)
    srv.settle()
    assert srv.server_union() == {"btcusdt@trade", "ethusdt@trade"}


def test_malformed_frames_reported() -> None:
    p, srv = make()
    p.subscribe("a", ["btcusdt@trade"], 0.0)
    srv.settle()
    p.receive_frame(1, b"not json", 1.0)
    p.receive_frame(1, b'{"stream":"btcusdt@trade","data":{"e":"trade"}}', 1.0)
    p.receive_frame(1, b'{"hello":1}', 1.0)
    events = p.events_received()
    assert [type(e) for e in events] == [Malformed, Malformed, Malformed]
    assert events[1].stream == "btcusdt@trade"  # type: ignore[union-attr]
    assert p.statistics().malformed == 3


def test_request_ids_wrap_at_int64() -> None:
    p, _srv = make()
    p._wire_id = 2**63 - 2
    assert p._new_wire_id() == 2**63 - 1
    assert p._new_wire_id() == 1


# ----------------------------------------------------------------------------- throttle


def test_throttle_counts_pongs_and_orders_them_first() -> None:
    p, srv = make(max_params_per_message=1)
    p.subscribe("a", ["btcusdt@trade"], 0.0)
    srv.settle()
    t0 = srv.t
    p.receive_ping(1, b"abc", t0)
    p.subscribe("a", [f"s{i}@trade" for i in range(8)], t0)
    first = p.data_to_send(t0)
    assert first[0] == Pong(1, b"abc")
    assert len(first) == 5  # pong + 4 SUBSCRIBE
    assert p.next_send_time(1, t0) == pytest.approx(t0 + 1.1)
    assert p.data_to_send(t0 + 1.0) == []
    assert len(p.data_to_send(t0 + 1.1)) == 4


def test_note_sent_is_counted() -> None:
    p, srv = make()
    p.subscribe("a", ["btcusdt@trade"], 0.0)
    srv.settle()
    for _ in range(5):
        p.note_sent(1, srv.t)
    p.subscribe("a", ["ethusdt@trade"], srv.t)
    assert p.data_to_send(srv.t) == []
    assert p.next_wakeup() == pytest.approx(srv.t + 1.1)


@given(
    st.lists(
        st.tuples(st.floats(0.0, 0.7), st.sampled_from(["sub", "ping", "ctl", "unsub"])),
        min_size=5,
        max_size=60,
    )
)
@PROP
def test_throttle_never_exceeded(ops: list[tuple[float, str]]) -> None:
    p, srv = make(max_params_per_message=2)
    counter = itertools.count()
    for dt, op in ops:
        srv.t += dt
        if op == "sub":
            p.subscribe("a", [f"s{next(counter)}@trade" for _ in range(3)], srv.t)
        elif op == "unsub":
            p.unsubscribe_all("a", srv.t)
        elif op == "ping":
            for cid in srv.server:
                p.receive_ping(cid, b"x", srv.t)
        elif srv.server:
            p.list_subscriptions(min(srv.server), srv.t)
        srv.pump()
    srv.settle()
    for times in srv.sent.values():
        for i in range(len(times) - 5):
            assert times[i + 5] - times[i] >= 1.0, times  # Binance: 5 messages per second


def test_throttle_unit() -> None:
    thr = Throttle(5, 1.0)
    for i in range(5):
        assert thr.allowed(0.1 * i)
        thr.record(0.1 * i)
    assert not thr.allowed(0.5)
    assert thr.next_time(0.5) == pytest.approx(1.0)
    assert thr.allowed(1.0)
    with pytest.raises(ValueError):
        Throttle(0, 1.0)


# ----------------------------------------------------------------------------- budget, backoff


def test_connect_budget_and_backoff() -> None:
    budget = ConnectBudget(3, 10.0)
    p = StreamProtocol(StreamConfig(backoff_base=0.1, backoff_cap=0.1), budget=budget)
    srv = FakeServer(p, auto_open=False)
    p.subscribe("a", ["btcusdt@trade"], 0.0)
    for _ in range(3):
        srv.pump()
        cid = max(srv.connecting)
        srv.connecting.clear()
        p.connection_failed(cid, srv.t)
        srv.t += 0.2
        srv.pump()
    assert len(srv.opens) == 3
    assert not p.can_connect(srv.t)
    assert p.next_connect_time(srv.t) == pytest.approx(10.0)
    assert p.next_wakeup() == pytest.approx(10.0)
    srv.t = 10.0
    srv.pump()
    assert len(srv.opens) == 4


def test_backoff_jitter_cap_and_reset() -> None:
    rolls = iter([0.0, 1.0, 0.5, 0.5, 0.5, 0.5, 0.5])
    b = Backoff(base=1.0, factor=2.0, cap=5.0, jitter=0.5, rng=lambda: next(rolls))
    assert b.failure() == pytest.approx(0.5)  # 1 * (0.5 + 0.5*0)
    assert b.failure() == pytest.approx(2.0)  # 2 * (0.5 + 0.5*1)
    assert b.failure() == pytest.approx(3.0)  # 4 * 0.75
    assert b.failure() == pytest.approx(3.75)  # cap 5 * 0.75
    b.reset()
    assert b.failure() == pytest.approx(0.75)


def test_reconnect_backoff_grows_then_resets_after_healthy() -> None:
    p, srv = make(backoff_base=1.0, backoff_cap=8.0, healthy_after=60.0)
    p.subscribe("a", ["btcusdt@trade"], 0.0)
    srv.settle()
    delays = []
    for _ in range(3):
        srv.drop(max(srv.server))
        wake = p.next_wakeup()
        assert wake is not None
        p.tick(wake)
        wake = p.next_wakeup()
        assert wake is not None
        delays.append(wake - srv.t)
        srv.t = wake
        srv.pump()
    assert delays == pytest.approx([0.75, 1.5, 3.0])  # rng 0.5 -> x0.75
    srv.advance(61.0)
    srv.drop(max(srv.server))
    p.tick(srv.t)
    wake = p.next_wakeup()
    assert wake is not None and wake - srv.t == pytest.approx(0.75)


@given(
    st.lists(
        st.tuples(st.floats(0.0, 20.0), st.sampled_from(["fail", "drop", "sub", "wait"])),
        min_size=10,
        max_size=80,
    )
)
@PROP
def test_connection_budget_never_exceeded(ops: list[tuple[float, str]]) -> None:
    p = StreamProtocol(
        StreamConfig(max_connects=6, connect_window=60.0, backoff_base=0.0, backoff_cap=0.5),
        rng=lambda: 0.0,
    )
    srv = FakeServer(p, auto_open=False)
    counter = itertools.count()
    for dt, op in ops:
        srv.t += dt
        if op == "sub":
            p.subscribe(next(counter) % 3, [f"s{next(counter)}@trade"], srv.t)
        elif op == "fail" and srv.connecting:
            cid = min(srv.connecting)
            del srv.connecting[cid]
            p.connection_failed(cid, srv.t)
        elif op == "drop" and srv.server:
            srv.drop(min(srv.server))
        elif op == "wait":
            srv.open_all()
        p.tick(srv.t)
        srv.pump()
    opens = srv.opens
    for i in range(len(opens) - 6):
        assert opens[i + 6] - opens[i] >= 60.0


# ----------------------------------------------------------------------------- reconnect replay


def test_drop_gives_gap_then_replays_and_resumes() -> None:
    p, srv = make()
    p.subscribe("a", ["btcusdt@trade"], 0.0)
    p.subscribe("b", ["ethusdt@depth@100ms", "btcusdt@trade"], 0.0)
    srv.settle()
    srv.drop(1)
    (gap,) = [e for e in p.events_received() if isinstance(e, Gap)]
    assert gap.subscribers == {"a", "b"}
    assert gap.streams == ("btcusdt@trade", "ethusdt@depth@100ms")
    assert "dropped" in gap.reason
    srv.settle()
    assert srv.opens[-1] > srv.opens[0]
    new = max(srv.server)
    assert new != 1 and srv.server[new] == {"btcusdt@trade", "ethusdt@depth@100ms"}
    (resumed,) = srv.take(Resumed)
    assert resumed.streams == gap.streams
    assert p.statistics().reconnects == 1


def test_stale_connection_closed_and_replayed() -> None:
    p, srv = make(stale_after=60.0)
    p.subscribe("a", ["btcusdt@trade"], 0.0)
    srv.settle()
    assert not p.is_stale(1, 59.0)
    assert p.is_stale(1, 60.0)
    p.tick(60.0)
    actions = p.data_to_send()
    assert Close(1, 4000, "stale") in actions
    assert any(isinstance(e, Gap) for e in p.events_received())


def test_idle_connection_closed_after_last_unsubscribe() -> None:
    p, srv = make(idle_close_after=30.0)
    p.subscribe("a", ["btcusdt@trade"], 0.0)
    srv.settle()
    p.unsubscribe("a", ["btcusdt@trade"], srv.t)
    srv.pump()
    assert srv.server[1] == set()
    assert 1 in srv.server
    srv.advance(29.0)
    assert 1 in srv.server
    srv.advance(1.5)
    assert srv.closed == [Close(1, 1000, "idle")]


# ----------------------------------------------------------------------------- sharding


def test_1100_streams_sharded_over_two_connections() -> None:
    p, srv = make()
    names = [f"sym{i:05d}usdt@aggTrade" for i in range(1100)]
    r = p.subscribe("a", names, 0.0)
    srv.settle()
    assert len(srv.server) == 2
    sizes = sorted(len(v) for v in srv.server.values())
    assert sizes == [76, 1024]
    assert srv.server_union() == set(names)
    assert srv.take(Ack) == [Ack(r)]
    cid = p.shard_of(names[-1])
    assert cid is not None and names[-1] in srv.server[cid]


@given(st.integers(1025, 2600), st.integers(1, 3))
@settings(max_examples=6, deadline=None, derandomize=True)
def test_sharding_property(n: int, subscribers: int) -> None:
    p, srv = make(max_params_per_message=400, max_message_bytes=20_000)
    names = [f"s{i:05d}@trade" for i in range(n)]
    for k in range(subscribers):
        p.subscribe(k, names[k::subscribers], 0.0)
    srv.settle()
    assert len(srv.server) == -(-n // 1024) >= 2
    assert all(len(v) <= 1024 for v in srv.server.values())
    assert sum(len(v) for v in srv.server.values()) == n  # no stream on two connections
    assert srv.server_union() == set(names)


# ----------------------------------------------------------------------------- properties


OPS = st.lists(
    st.one_of(
        st.tuples(st.just("sub"), st.integers(0, 3), st.sets(st.integers(0, 11), max_size=4)),
        st.tuples(st.just("unsub"), st.integers(0, 3), st.sets(st.integers(0, 11), max_size=4)),
        st.tuples(st.just("drop"), st.integers(0, 3), st.just(frozenset())),
        st.tuples(st.just("reply"), st.integers(0, 5), st.just(frozenset())),
        st.tuples(st.just("open"), st.integers(0, 3), st.just(frozenset())),
        st.tuples(st.just("time"), st.integers(0, 40), st.just(frozenset())),
        st.tuples(st.just("shutdown"), st.integers(0, 3), st.just(frozenset())),
    ),
    max_size=50,
)


@given(OPS)
@PROP
def test_no_subscription_lost(ops: list[tuple[str, int, frozenset[int]]]) -> None:
    """Random subscribe/unsubscribe/drop/reconnect/ack/rotation sequences: once everything
    settles, the server holds exactly the union of what subscribers want, each stream once."""
    p = StreamProtocol(
        StreamConfig(max_streams_per_connection=5, max_params_per_message=2, max_url_length=80),
        rng=lambda: 0.3,
    )
    srv = FakeServer(p, auto_open=False, auto_reply=False)
    model: dict[int, set[str]] = {}
    requests = []
    for op, n, streams in ops:
        names = [f"s{i}@trade" for i in sorted(streams)]
        if op == "sub":
            requests.append(p.subscribe(n, names, srv.t))
            model.setdefault(n, set()).update(names)
        elif op == "unsub":
            p.unsubscribe(n, names, srv.t)
            model.get(n, set()).difference_update(names)
        elif op == "drop" and srv.server:
            srv.drop(sorted(srv.server)[n % len(srv.server)])
        elif op == "reply":
            for _ in range(n):
                if srv.replies:
                    cid, data = srv.replies.popleft()
                    if cid in srv.server:
                        p.receive_frame(cid, data, srv.t)
        elif op == "open":
            srv.open_all()
        elif op == "time":
            srv.t += n
            p.tick(srv.t)
        elif op == "shutdown" and srv.server:
            cid = sorted(srv.server)[n % len(srv.server)]
            p.receive_frame(cid, b'{"e":"serverShutdown","E":1}', srv.t)
        srv.pump()
    srv.auto_open = srv.auto_reply = True
    srv.settle()
    want = set().union(*model.values()) if model else set()
    assert srv.server_union() == want
    assert sum(len(v) for v in srv.server.values()) == len(want)
    assert all(len(v) <= 5 for v in srv.server.values())
    assert p.desired_streams() == want
    for sub, wanted in model.items():
        assert p.subscriptions(sub) == wanted
    acked = {e.request.id for e in srv.events if isinstance(e, Ack)}
    assert {r.id for r in requests} <= acked


@given(
    st.lists(
        st.tuples(st.booleans(), st.integers(0, 4), st.sets(st.integers(0, 9), max_size=5)),
        max_size=60,
    )
)
@PROP
def test_refcount_matches_model(ops: list[tuple[bool, int, set[int]]]) -> None:
    p, srv = make()
    model: dict[int, set[str]] = {}
    for is_sub, sub, streams in ops:
        names = [f"s{i}@trade" for i in streams]
        if is_sub:
            p.subscribe(sub, names, srv.t)
            model.setdefault(sub, set()).update(names)
        else:
            p.unsubscribe(sub, names, srv.t)
            model.get(sub, set()).difference_update(names)
        srv.pump()
    for i in range(10):
        s = f"s{i}@trade"
        assert p.route(s) == {sub for sub, v in model.items() if s in v}
    srv.settle()
    assert srv.server_union() == set().union(*model.values()) if model else True


# ----------------------------------------------------------------------------- rotation


def delivered_ids(events: list[AppEvent], stream: str = "btcusdt@trade") -> list[int]:
    return [e.event.trade_id for e in events if isinstance(e, Deliver) and e.stream == stream]


def rotated_pair(**kw: Any) -> tuple[StreamProtocol, FakeServer]:
    """Connection 1 active, connection 2 its subscribed replacement (lifetime reached)."""
    p, srv = make(max_lifetime=100.0, handover_grace=5.0, **kw)
    p.subscribe("a", ["btcusdt@trade"], 0.0)
    srv.settle()
    srv.take(Ack)
    srv.advance(100.0)
    assert set(srv.server) == {1, 2} and srv.server[2] == {"btcusdt@trade"}
    assert srv.closed == []
    return p, srv


def test_rotation_make_before_break_dedups_handover() -> None:
    p, srv = rotated_pair()
    t = srv.t
    script = [(1, 1), (1, 2), (1, 3), (2, 2), (1, 4), (2, 3), (2, 4), (2, 5), (1, 5), (1, 6)]
    script += [(2, 6), (2, 7)]
    for cid, tid in script:
        p.receive_frame(cid, trade_frame("btcusdt@trade", tid), t)
    events = p.events_received()
    assert delivered_ids(events) == [1, 2, 3, 4, 5, 6]  # 7 is held: the old one may send it
    assert p.statistics().duplicates == 5
    srv.pump()  # caught up: the old connection is retired at once, before the grace period
    assert srv.closed == [Close(1, 1000, "rotated")]
    assert delivered_ids(srv.events) == [7]
    assert not any(isinstance(e, Gap) for e in events + srv.events)
    assert p.shard_of("btcusdt@trade") == 2
    p.receive_frame(1, trade_frame("btcusdt@trade", 8), t)  # late frame from the old one
    p.receive_frame(2, trade_frame("btcusdt@trade", 8), t)
    assert delivered_ids(p.events_received()) == [8]
    assert p.statistics().rotations == 1


def test_rotation_quiet_stream_retires_after_grace() -> None:
    _p, srv = rotated_pair()
    t0 = srv.t
    srv.advance(4.0)
    assert srv.closed == []
    srv.advance(1.5)
    assert srv.closed == [Close(1, 1000, "rotated")]
    srv.settle()
    assert srv.server == {2: {"btcusdt@trade"}}
    assert srv.t - t0 < 60


def test_rotation_equal_event_times_kept_from_one_connection() -> None:
    p, srv = make(max_lifetime=100.0)
    p.subscribe("a", ["btcusdt@kline_1m"], 0.0)
    srv.settle()
    srv.advance(100.0)

    def kline(close: str) -> bytes:
        k = {
            "t": 0, "T": 59_999, "s": "BTCUSDT", "i": "1m", "f": 1, "L": 2, "o": "1", "c": close,
            "h": "1", "l": "1", "v": "1", "n": 2, "x": False, "q": "1", "V": "1", "Q": "1",
        }  # fmt: skip
        data = {"e": "kline", "E": 1000, "s": "BTCUSDT", "k": k}
        return json.dumps({"stream": "btcusdt@kline_1m", "data": data}).encode()

    for cid, close in [(1, "1.0"), (1, "2.0"), (2, "1.0"), (2, "2.0")]:
        p.receive_frame(cid, kline(close), srv.t)
    got = [e.event.kline.close for e in p.events_received() if isinstance(e, Deliver)]
    assert got == ["1.0", "2.0"]


def test_server_shutdown_triggers_rotation() -> None:
    p, srv = make()
    p.subscribe("a", ["btcusdt@trade", "ethusdt@trade"], 0.0)
    srv.settle()
    p.receive_frame(1, b'{"e":"serverShutdown","E":1746000000000}', srv.t)
    srv.pump()
    assert set(srv.server) == {1, 2}
    for cid in (1, 2):
        for s in ("btcusdt@trade", "ethusdt@trade"):
            p.receive_frame(cid, trade_frame(s, 10), srv.t)
    srv.pump()
    assert srv.closed == [Close(1, 1000, "rotated")]
    assert set(srv.server) == {2}
    assert sum(isinstance(e, Deliver) for e in srv.events) == 2


def test_server_shutdown_inside_envelope_and_introspection() -> None:
    p, srv = make()
    p.subscribe("a", ["btcusdt@trade"], 0.0)
    srv.settle()
    p.receive_frame(1, b'{"stream":"btcusdt@trade","data":{"e":"serverShutdown","E":5}}', srv.t)
    srv.pump()
    infos = {i.conn_id: i for i in p.connections()}
    assert infos[1].role == "active" and infos[2].role == "replacement"
    assert infos[1].server_streams == {"btcusdt@trade"} and infos[1].state == "open"
    assert infos[1].url.endswith("/stream?streams=btcusdt@trade")
    assert p.statistics().opens == 2 and p.statistics().malformed == 0
    p.unsubscribe_all("a", srv.t)
    assert p.subscriptions("a") == frozenset() and p.desired_streams() == frozenset()


def test_old_connection_lost_during_rotation_promotes_replacement() -> None:
    p, srv = make(max_lifetime=100.0, max_url_length=60)
    p.subscribe("a", ["btcusdt@trade", "ethusdt@trade"], 0.0)
    srv.settle()
    srv.auto_reply = False
    srv.advance(100.0)  # the replacement opens with one stream in its URL, SUBSCRIBEs the other
    assert srv.server[2] == {"btcusdt@trade", "ethusdt@trade"} and srv.replies
    srv.take(Gap)
    srv.drop(1)
    (gap,) = p.events_received()
    assert isinstance(gap, Gap) and gap.streams == ("ethusdt@trade",)  # not yet acked on 2
    srv.auto_reply = True
    srv.settle()
    assert srv.server == {2: {"btcusdt@trade", "ethusdt@trade"}}
    assert any(isinstance(e, Resumed) for e in srv.events)


def test_replacement_failure_keeps_old_and_retries() -> None:
    p, srv = make(max_lifetime=100.0)
    p.subscribe("a", ["btcusdt@trade"], 0.0)
    srv.settle()
    srv.auto_open = False
    srv.advance(100.0)
    assert 2 in srv.connecting
    del srv.connecting[2]
    p.connection_failed(2, srv.t)
    assert not any(isinstance(e, Gap) for e in p.events_received())
    srv.auto_open = True
    srv.settle(limit=20)
    srv.advance(6.0)
    assert set(srv.server) == {3}
    assert p.shard_of("btcusdt@trade") == 3


@given(
    st.integers(0, 20),
    st.integers(0, 20),
    st.integers(1, 15),
    st.lists(st.booleans(), min_size=80, max_size=80),
    st.booleans(),
)
@PROP
def test_handover_never_loses_or_duplicates(
    old_len: int, new_start: int, new_extra: int, order: list[bool], cut_old: bool
) -> None:
    """The old connection delivers ids 1..b then stops (retired, or dies if ``cut_old``); the
    replacement delivers c..d, c <= b + 1 <= d. For any interleaving: every id at most once
    and in order, and either all of 1..d or a `Gap`; with a real overlap (c <= b) and the old
    connection alive, all of 1..d, no `Gap`, and the old connection retired at once."""
    p, srv = rotated_pair()
    b = old_len
    c = min(new_start, b) + 1
    d = b + new_extra
    old, new = deque(range(1, b + 1)), deque(range(c, d + 1))
    picks = iter(order + [True] * 100)
    got: list[int] = []
    while old or new:
        use_old = bool(old) and (not new or next(picks))
        q, cid = (old, 1) if use_old else (new, 2)
        p.receive_frame(cid, trade_frame("btcusdt@trade", q.popleft()), srv.t)
        got += delivered_ids(p.events_received())
        if cut_old and not old and 1 in srv.server:
            srv.drop(1)  # the old connection dies right after its last event
    srv.pump()
    if not cut_old and c <= b:
        assert srv.closed == [Close(1, 1000, "rotated")]
    srv.advance(6.0)  # past the grace period: the handover is over in every case
    got += delivered_ids(srv.events)
    gaps = [e for e in srv.events if isinstance(e, Gap)]
    assert got == sorted(set(got))
    assert got == list(range(1, d + 1)) or gaps
    if not cut_old and c <= b:
        assert got == list(range(1, d + 1)) and not gaps
    assert p.shard_of("btcusdt@trade") == 2
