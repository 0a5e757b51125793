"""binance_async.book.DepthSync: every branch of the spot and futures procedures."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import msgspec
import pytest

from binance_async.book import (
    Applied,
    Buffered,
    DepthSync,
    Ignored,
    NeedSnapshot,
    ResyncNeeded,
    SyncState,
)
from binance_async.models.depth import DEPTH_EVENT_DECODER, DEPTH_EVENT_FLOAT_DECODER

Level = tuple[str, str]


def ev(
    first: int,
    last: int,
    bids: list[Level] | None = None,
    asks: list[Level] | None = None,
    *,
    pu: int | None = None,
    symbol: str = "BTCUSDT",
) -> bytes:
    body: dict[str, object] = {
        "e": "depthUpdate",
        "E": 1,
        "s": symbol,
        "U": first,
        "u": last,
        "b": [list(x) for x in bids or []],
        "a": [list(x) for x in asks or []],
    }
    if pu is not None:
        body["pu"] = pu
        body["T"] = 1
    return msgspec.json.encode(body)


def snap(lid: int, bids: list[Level] | None = None, asks: list[Level] | None = None) -> bytes:
    return msgspec.json.encode(
        {
            "lastUpdateId": lid,
            "bids": [list(x) for x in bids or [("100.00000000", "1.00000000")]],
            "asks": [list(x) for x in asks or [("101.00000000", "1.00000000")]],
        }
    )


def synced_at(lid: int = 100, **kw: object) -> DepthSync:
    s = DepthSync("btcusdt", **kw)  # type: ignore[arg-type]
    assert isinstance(s.feed_snapshot(snap(lid)), Buffered)
    assert isinstance(s.feed_event(ev(lid + 1, lid + 2)), Applied)
    assert s.synced and s.book.synced and s.book.update_id == lid + 2
    return s


def test_first_event_asks_for_snapshot_then_buffers() -> None:
    s = DepthSync("BTCUSDT")
    assert s.feed_event(ev(10, 12)) == NeedSnapshot("no snapshot yet")
    assert s.feed_event(ev(13, 15)) == Buffered()
    assert s.state is SyncState.WAIT_SNAPSHOT and s.buffered == 2 and not s.book.synced


def test_buffered_events_dropped_then_bridged() -> None:
    s = DepthSync("BTCUSDT")
    for first, last in ((5, 8), (9, 11), (12, 14), (15, 20)):
        s.feed_event(ev(first, last, [("100.00000000", f"{last}.00000000")]))
    assert s.feed_snapshot(snap(12)) == Applied()  # (5,8),(9,11) dropped; (12,14) bridges 13
    st = s.statistics()
    assert (st.dropped, st.applied, st.update_id, st.state) == (2, 2, 20, SyncState.SYNCED)
    assert s.book.bids_text() == [("100.00000000", "20.00000000")]
    assert s.book.synced


def test_snapshot_too_old_keeps_buffer_and_asks_again() -> None:
    s = DepthSync("BTCUSDT")
    s.feed_event(ev(50, 55))
    s.feed_event(ev(56, 60))
    action = s.feed_snapshot(snap(48))  # 48 + 1 < 50: events 49.. are missing
    assert isinstance(action, NeedSnapshot) and "too old" in action.reason
    assert s.buffered == 2 and s.statistics().snapshots_rejected == 1 and not s.book.synced
    assert s.feed_snapshot(snap(57)) == Applied()
    assert s.book.update_id == 60


def test_snapshot_just_before_first_event_bridges() -> None:
    s = DepthSync("BTCUSDT")
    s.feed_event(ev(50, 55))
    assert s.feed_snapshot(snap(49)) == Applied()  # U <= lastUpdateId + 1 <= u
    assert s.book.update_id == 55


def test_snapshot_before_any_event() -> None:
    s = DepthSync("BTCUSDT")
    assert s.feed_snapshot(snap(100)) == Buffered()
    assert s.state is SyncState.WAIT_BRIDGE and not s.book.synced
    assert s.feed_event(ev(90, 100)) == Ignored("dropped")
    assert s.feed_event(ev(101, 103)) == Applied()
    assert s.synced


def test_first_event_past_snapshot_means_snapshot_too_old() -> None:
    s = DepthSync("BTCUSDT")
    s.feed_snapshot(snap(100))
    action = s.feed_event(ev(105, 110))
    assert isinstance(action, NeedSnapshot) and "too old" in action.reason
    assert s.state is SyncState.WAIT_SNAPSHOT and s.buffered == 1
    assert s.feed_snapshot(snap(107)) == Applied()


def test_gap_restarts_buffering_with_the_gap_event() -> None:
    s = synced_at(100)
    action = s.feed_event(ev(104, 106))  # 103 missing
    assert isinstance(action, ResyncNeeded) and "gap" in action.reason
    assert not s.synced and not s.book.synced and s.buffered == 1
    assert s.book.bid_count == 1  # levels kept, flagged not synced
    assert s.feed_event(ev(107, 108)) == Buffered()  # already asked for a snapshot
    assert s.feed_snapshot(snap(105)) == Applied()
    st = s.statistics()
    assert (st.gaps, st.resyncs, st.snapshots, st.update_id) == (1, 1, 2, 108)


def test_gap_inside_the_buffer_is_detected_at_snapshot_time() -> None:
    s = DepthSync("BTCUSDT")
    s.feed_event(ev(10, 12))
    s.feed_event(ev(16, 18))  # 13..15 lost before the snapshot came
    action = s.feed_snapshot(snap(11))
    assert isinstance(action, ResyncNeeded) and "gap" in action.reason
    assert not s.book.synced and s.buffered == 1


def test_stale_and_duplicate_events_are_ignored() -> None:
    s = synced_at(100)
    assert s.feed_event(ev(101, 102)) == Ignored("stale")  # exact duplicate of the last one
    assert s.feed_event(ev(95, 99)) == Ignored("stale")
    assert s.feed_event(ev(103, 103)) == Applied()
    assert s.statistics().ignored == 2 and s.synced


def test_overlapping_event_is_applied() -> None:
    s = synced_at(100)  # update id 102
    assert s.feed_event(ev(101, 105, [("99.00000000", "1.00000000")])) == Applied()
    assert s.book.update_id == 105


def test_buffer_overflow_is_bounded() -> None:
    s = DepthSync("BTCUSDT", max_buffer=3)
    results = [s.feed_event(ev(i * 10, i * 10 + 9)) for i in range(1, 8)]
    assert any(isinstance(r, ResyncNeeded) and "overflow" in r.reason for r in results)
    assert s.buffered <= 3
    st = s.statistics()
    assert st.overflows == 2 and st.resyncs == 2


def test_crossed_book_needs_resync() -> None:
    s = synced_at(100)
    action = s.feed_event(ev(103, 104, [("101.00000000", "1.00000000")]))
    assert isinstance(action, ResyncNeeded) and "crossed" in action.reason
    assert not s.book.synced and s.statistics().crossed == 1 and s.buffered == 0


@pytest.mark.parametrize(
    "raw",
    [
        b"{not json",
        b'{"e":"depthUpdate","E":1,"s":"BTCUSDT","U":103,"b":[],"a":[]}',
        ev(103, 104, [("abc", "1")]),
        ev(103, 104, [("100.00000000", "-1")]),
        ev(103, 104, [("nan", "1")]),
        ev(103, 104, [("100.00000000", "1e999")]),
        ev(105, 104),
        b'{"e":"depthUpdate","E":1,"s":"BTCUSDT","U":103,"u":104,"b":[["1"]],"a":[]}',
        b"",
    ],
)
def test_malformed_event_is_reported_without_touching_the_book(raw: bytes) -> None:
    s = synced_at(100)
    before = (s.book.bids_text(), s.book.asks_text(), s.book.update_id)
    action = s.feed_event(raw)
    assert isinstance(action, ResyncNeeded) and action.reason.startswith("malformed")
    assert (s.book.bids_text(), s.book.asks_text(), s.book.update_id) == before
    assert not s.book.synced and s.statistics().malformed == 1


def test_malformed_text_struct_is_reported() -> None:
    s = synced_at(100)
    bad = DEPTH_EVENT_DECODER.decode(ev(103, 104, [("x", "1")]))
    assert isinstance(s.feed_event(bad), ResyncNeeded)
    assert s.book.bids_text() == [("100.00000000", "1.00000000")]


def test_malformed_snapshot() -> None:
    s = DepthSync("BTCUSDT")
    for bad in (b"nope", b'{"lastUpdateId":1,"bids":[["x","1"]],"asks":[]}', b'{"bids":[]}'):
        action = s.feed_snapshot(bad)
        assert isinstance(action, NeedSnapshot) and "malformed" in action.reason
    assert s.statistics().snapshots_rejected == 3 and s.book.bid_count == 0


def test_foreign_symbol_is_ignored() -> None:
    s = synced_at(100)
    assert s.feed_event(ev(103, 104, symbol="ETHUSDT")) == Ignored("foreign symbol")
    assert s.synced and s.statistics().foreign == 1


def test_snapshot_while_synced_is_ignored() -> None:
    s = synced_at(100)
    assert s.feed_snapshot(snap(500)) == Ignored("already synced")
    assert s.book.update_id == 102


def test_reset() -> None:
    s = synced_at(100)
    assert isinstance(s.reset("operator"), ResyncNeeded)
    assert not s.book.synced and s.last_reason == "operator"


def test_inputs_bytes_structs_and_frames_are_equivalent() -> None:
    raw = ev(103, 104, [("99.50000000", "2.00000000")], [("101.50000000", "3.00000000")])
    books = []
    for form in (
        raw,
        bytearray(raw),
        memoryview(raw),
        msgspec.Raw(raw),
        raw.decode(),
        DEPTH_EVENT_DECODER.decode(raw),
        DEPTH_EVENT_FLOAT_DECODER.decode(raw),
        b'{"stream":"btcusdt@depth@100ms","data":' + raw + b"}",
    ):
        s = synced_at(100)
        assert s.feed_event(form) == Applied(), form
        books.append((s.book.bids_text(), s.book.asks_text(), s.book.update_id))
    assert all(b == books[0] for b in books)
    assert books[0][0] == [("100.00000000", "1.00000000"), ("99.50000000", "2.00000000")]


def test_huge_quantity_takes_the_exact_path() -> None:
    s = synced_at(100)
    big = "123456789.12345678"
    assert s.feed_event(ev(103, 103, [("99.00000000", big)])) == Applied()
    assert s.book.bids_text()[1] == ("99.00000000", big)


def test_unusual_spelling_switches_to_text_decoding() -> None:
    s = synced_at(100)
    text_event = DEPTH_EVENT_DECODER.decode(ev(103, 103, [("99.5", "1.0")]))
    assert s.feed_event(text_event) == Applied()
    assert not s.book.fast_path_exact
    assert s.feed_event(ev(104, 104, [("99.25", "2")])) == Applied()
    assert s.book.bids_text() == [("100.00000000", "1.00000000"), ("99.5", "1.0"), ("99.25", "2")]


def test_snapshot_from_decimal_levels() -> None:
    @dataclass
    class Lvl:
        price: Decimal
        qty: Decimal

    @dataclass
    class Snap:
        last_update_id: int
        bids: list[Lvl]
        asks: list[Lvl]

    s = DepthSync("BTCUSDT")
    snapshot = Snap(7, [Lvl(Decimal("1.00000000"), Decimal("2.00000000"))], [])
    assert s.feed_snapshot(snapshot) == Buffered()
    assert s.book.bids_text() == [("1.00000000", "2.00000000")]


def test_on_applied_sees_every_applied_event() -> None:
    seen: list[int] = []
    s = DepthSync("BTCUSDT", on_applied=lambda e: seen.append(e.final_update_id))
    s.feed_event(ev(1, 5))
    s.feed_event(ev(6, 9))
    s.feed_snapshot(snap(4))
    s.feed_event(ev(10, 12))
    assert seen == [5, 9, 12]


def test_constructor_validation() -> None:
    with pytest.raises(ValueError):
        DepthSync("X", rule="margin")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        DepthSync("X", max_buffer=0)


# ---------------------------------------------------------------------------- futures rule


def test_futures_bridge_and_pu_chain() -> None:
    s = DepthSync("BTCUSDT", rule="futures")
    s.feed_event(ev(90, 95, pu=89))
    s.feed_event(ev(96, 99, pu=95))  # u < lastUpdateId: dropped
    s.feed_event(ev(100, 104, pu=99))  # U <= 100 <= u: bridges
    s.feed_event(ev(107, 110, pu=104))
    assert s.feed_snapshot(snap(100)) == Applied()
    assert s.book.update_id == 110 and s.statistics().dropped == 2
    assert s.feed_event(ev(111, 115, pu=110)) == Applied()
    action = s.feed_event(ev(120, 125, pu=118))
    assert isinstance(action, ResyncNeeded) and "pu=118" in action.reason
    assert not s.book.synced


def test_futures_event_ending_at_snapshot_id_bridges() -> None:
    s = DepthSync("BTCUSDT", rule="futures")
    s.feed_event(ev(95, 100, pu=94))  # futures keeps u == lastUpdateId (spot drops it)
    assert s.feed_snapshot(snap(100)) == Applied()
    assert s.statistics().dropped == 0


def test_futures_snapshot_too_old() -> None:
    s = DepthSync("BTCUSDT", rule="futures")
    s.feed_event(ev(100, 104, pu=99))
    action = s.feed_snapshot(snap(99))  # lastUpdateId < first U
    assert isinstance(action, NeedSnapshot) and "too old" in action.reason


def test_futures_event_without_pu_breaks_the_chain() -> None:
    s = DepthSync("BTCUSDT", rule="futures")
    s.feed_snapshot(snap(100))
    assert s.feed_event(ev(100, 102, pu=99)) == Applied()
    assert isinstance(s.feed_event(ev(103, 104)), ResyncNeeded)


def test_futures_duplicate_is_stale() -> None:
    s = DepthSync("BTCUSDT", rule="futures")
    s.feed_snapshot(snap(100))
    s.feed_event(ev(100, 102, pu=99))
    assert s.feed_event(ev(100, 102, pu=99)) == Ignored("stale")
    assert s.synced


@pytest.mark.parametrize(
    ("rule", "raw"),
    [
        ("spot", ev(103, 99)),  # stale as well: still malformed, not ignored
        ("spot", ev(200, 150)),  # past the book: malformed, not a gap
        ("futures", ev(130, 120, pu=110)),  # follows the pu chain, yet U > u
    ],
)
def test_first_id_past_final_id_is_malformed_while_synced(rule: str, raw: bytes) -> None:
    s = DepthSync("BTCUSDT", rule=rule)  # type: ignore[arg-type]
    s.feed_snapshot(snap(100))
    s.feed_event(ev(95, 110, pu=94) if rule == "futures" else ev(101, 110))
    assert s.synced and s.book.update_id == 110
    action = s.feed_event(raw)
    assert isinstance(action, ResyncNeeded) and "U=" in action.reason, action
    assert s.statistics().malformed == 1 and s.statistics().gaps == 0


def test_first_id_past_final_id_is_malformed_before_a_snapshot() -> None:
    s = DepthSync("BTCUSDT")
    action = s.feed_event(ev(20, 10))
    assert isinstance(action, ResyncNeeded) and action.reason == "malformed event: U=20 > u=10"
    assert s.buffered == 0
