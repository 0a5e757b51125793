"""binance_async.models.depth: envelope, diff / partial events, snapshots, float bounds."""

from __future__ import annotations

import gzip
from pathlib import Path

import msgspec
import pytest

from binance_async.models.depth import (
    DEPTH_EVENT_DECODER,
    DEPTH_EVENT_FLOAT_DECODER,
    DEPTH_SNAPSHOT_FLOAT_DECODER,
    DEPTH_SNAPSHOT_RAW_DECODER,
    ENVELOPE_DECODER,
    FLOAT_EXACT_LIMIT,
    PARTIAL_DEPTH_DECODER,
    DepthEvent,
    DepthEventFloat,
    levels_to_float,
)

SPOT = (
    b'{"e":"depthUpdate","E":1723161255208,"s":"BTCUSDT","U":50093239189,"u":50093239202,'
    b'"b":[["61737.63000000","0.00000000"]],"a":[["61837.64000000","1.54698000"]]}'
)
FUTURES = (
    b'{"e":"depthUpdate","E":1626992741037,"T":1626992741024,"s":"SUSHIUSDT","U":600859599090,'
    b'"u":600859600917,"pu":600859598061,"b":[["7.5040","813"],["7.6090","0"]],'
    b'"a":[["7.6150","1563"]]}'
)


def test_text_event_keeps_wire_strings() -> None:
    ev = DEPTH_EVENT_DECODER.decode(SPOT)
    assert isinstance(ev, DepthEvent)
    assert (ev.first_update_id, ev.final_update_id) == (50093239189, 50093239202)
    assert ev.symbol == "BTCUSDT"
    assert ev.bids == [("61737.63000000", "0.00000000")]
    assert ev.asks == [("61837.64000000", "1.54698000")]
    assert ev.prev_final_update_id is None and ev.transaction_time is None


def test_float_event_parses_levels_in_c() -> None:
    ev = DEPTH_EVENT_FLOAT_DECODER.decode(SPOT)
    assert isinstance(ev, DepthEventFloat)
    assert ev.bids == [(61737.63, 0.0)]
    assert ev.asks == [(61837.64, 1.54698)]


def test_futures_fields() -> None:
    ev = DEPTH_EVENT_FLOAT_DECODER.decode(FUTURES)
    assert ev.prev_final_update_id == 600859598061
    assert ev.transaction_time == 1626992741024
    assert ev.bids[1] == (7.609, 0.0)


def test_envelope_then_data() -> None:
    frame = b'{"stream":"btcusdt@depth@100ms","data":' + SPOT + b"}"
    env = ENVELOPE_DECODER.decode(frame)
    assert env.stream == "btcusdt@depth@100ms"
    assert DEPTH_EVENT_DECODER.decode(env.data) == DEPTH_EVENT_DECODER.decode(SPOT)


@pytest.mark.parametrize(
    "level",
    [
        '["abc","1"]',
        '["1","-1"]',
        '["0","1"]',
        '["nan","1"]',
        '["1","inf"]',
        '["1"," 1"]',
        '["1","1_0"]',
        '["1"]',
        "[true,1]",
        f'["1","{int(FLOAT_EXACT_LIMIT)}"]',
    ],
)
def test_float_decoder_refuses_bad_or_inexact_levels(level: str) -> None:
    raw = SPOT.replace(b'["61737.63000000","0.00000000"]', level.encode())
    with pytest.raises(msgspec.ValidationError):
        DEPTH_EVENT_FLOAT_DECODER.decode(raw)


def test_zero_spellings_decode_to_zero() -> None:
    assert (
        levels_to_float([("1", "0"), ("1", "0.000"), ("1", "0.00000000"), ("1", "0E-8")])
        == [(1.0, 0.0)] * 4
    )


def test_snapshot_spot_and_futures_real(real_data: Path) -> None:
    path = real_data / "cryptofeed/sample_data/BINANCE_FUTURES.http.0.0"
    line = path.read_bytes().split(b"\n")[0]
    body = line.partition(b": ")[2]
    snap = DEPTH_SNAPSHOT_RAW_DECODER.decode(body)
    assert snap.last_update_id == 600859605926
    assert snap.event_time == 1626992741264 and snap.transaction_time == 1626992741261
    assert snap.bids[0] == ("7.6110", "6")
    fsnap = DEPTH_SNAPSHOT_FLOAT_DECODER.decode(body)
    assert fsnap.bids[0] == (7.611, 6.0) and len(fsnap.asks) == len(snap.asks)


def test_real_hftbacktest_frames_decode(real_data: Path) -> None:
    path = real_data / "hftbacktest/examples/spot/btcusdt_20240808.gz"
    kinds: dict[str, int] = {}
    with gzip.open(path, "rb") as fh:
        for n, line in enumerate(fh):
            if n >= 400:
                break
            payload = line.partition(b" ")[2]
            if payload.startswith(b'{"lastUpdateId"'):
                snap = DEPTH_SNAPSHOT_RAW_DECODER.decode(payload)
                assert len(snap.bids) == len(snap.asks) == 1000
                kinds["snapshot"] = kinds.get("snapshot", 0) + 1
                continue
            env = ENVELOPE_DECODER.decode(payload)
            if env.stream.endswith("@depth@100ms"):
                text = DEPTH_EVENT_DECODER.decode(env.data)
                fast = DEPTH_EVENT_FLOAT_DECODER.decode(env.data)
                assert [(float(p), float(q)) for p, q in text.bids] == fast.bids
                pairs = zip(text.bids, fast.bids, strict=True)
                assert all(format(p, ".8f") == t for (t, _), (p, _) in pairs)
            kinds[env.stream] = kinds.get(env.stream, 0) + 1
    assert kinds["snapshot"] == 1 and kinds["btcusdt@depth@100ms"] > 10


def test_partial_depth() -> None:
    raw = b'{"lastUpdateId":160,"bids":[["0.0024","10"]],"asks":[["0.0026","100"]]}'
    ev = PARTIAL_DEPTH_DECODER.decode(raw)
    assert ev.last_update_id == 160 and ev.bids == [("0.0024", "10")]
