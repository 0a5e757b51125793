"""Recordings: the writer's rotation and completion rules, and a `Recorder` that survives a
reconnect (the gap is recorded, the books re-snapshotted, the recording still rebuilds them)."""

from __future__ import annotations

import asyncio
import gzip
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from binance_async import Client
from binance_async.book.capture import replay
from binance_async.recording import (
    FORMAT,
    Recorder,
    RecordingWriter,
    depth_symbols,
    is_recording,
    read_recording,
)
from binance_async.sim import LocalExchange

FRAME = (
    b'{"stream":"btcusdt@trade","data":{"e":"trade","E":1,"s":"BTCUSDT","t":1,"p":"1.0",'
    b'"q":"1.0","T":1,"m":true,"M":true}}'
)


def read_lines(path: Path) -> list[dict[str, object]]:
    with gzip.open(path) as fh:
        return [json.loads(line) for line in fh]


async def wait_until(condition: Callable[[], bool], seconds: float = 20) -> None:
    async with asyncio.timeout(seconds):
        while not condition():  # noqa: ASYNC110 - polling counters of a running recorder
            await asyncio.sleep(0.05)


def test_rotation_by_size_and_completed_names(tmp_path: Path) -> None:
    writer = RecordingWriter(tmp_path, ["btcusdt@trade"], rotate_bytes=10_000)
    rotations = sum(writer.write_frame(i, FRAME) for i in range(500))
    assert writer.current is not None and list(tmp_path.glob("*.partial"))
    writer.close()
    writer.close()  # twice is harmless
    files = sorted(tmp_path.iterdir())
    assert len(files) == len(writer.files) == rotations + 1 >= 5
    assert not any(f.name.endswith(".partial") for f in files)
    assert all(is_recording(f) for f in files)
    with gzip.open(files[0]) as fh:
        header = json.loads(fh.readline())
    assert header["format"] == FORMAT and header["streams"] == ["btcusdt@trade"]
    assert sum(1 for _ in read_recording(*files)) == 500 == writer.messages


def test_snapshot_and_gap_lines(tmp_path: Path) -> None:
    with RecordingWriter(tmp_path, ["btcusdt@depth"]) as writer:
        writer.write_snapshot(5, "BTCUSDT", b'{"lastUpdateId":1,"bids":[],"asks":[]}')
        writer.write_gap(6, ["btcusdt@depth"], "reconnect")
    (path,) = writer.files
    lines = read_lines(path)
    assert lines[1] == {"t": 5, "symbol": "BTCUSDT", "snapshot": {"lastUpdateId": 1, "bids": [],
                                                                   "asks": []}}  # fmt: skip
    assert lines[2] == {"t": 6, "gap": ["btcusdt@depth"], "reason": "reconnect"}
    (record,) = read_recording(path)
    assert record.kind == "snapshot" and record.symbol == "BTCUSDT" and record.time == 5e-9


def test_bad_options_and_bad_lines_are_clear(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown compression 'lz4'"):
        RecordingWriter(tmp_path, [], compression="lz4")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="positive"):
        RecordingWriter(tmp_path, [], rotate_bytes=0)
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(json.dumps({"format": FORMAT}).encode() + b"\nnot json\n")
    assert is_recording(bad)
    with pytest.raises(ValueError, match=r"bad.jsonl:2: not a recording line"):
        list(read_recording(bad))
    assert not is_recording(tmp_path / "missing.jsonl.gz")


def test_depth_symbols() -> None:
    names = ["btcusdt@depth@100ms", "btcusdt@trade", "ethusdt@depth", "bnbusdt@depth20@100ms"]
    assert depth_symbols(names) == ["BTCUSDT", "ETHUSDT"]


async def test_recorder_records_a_reconnect_and_still_rebuilds_books(tmp_path: Path) -> None:
    streams = ["btcusdt@depth@100ms", "ethusdt@depth@100ms", "btcusdt@bookTicker"]
    async with (
        LocalExchange(["BTCUSDT", "ETHUSDT"], seed=21) as ex,
        Client(base_url=ex.rest_url, stream_url=ex.ws_url) as client,
    ):
        writer = RecordingWriter(tmp_path, streams)
        recorder = Recorder(client, streams, writer, snapshot_limit=100)
        task = asyncio.create_task(recorder.run())
        await wait_until(lambda: recorder.snapshots >= 2 and writer.messages >= 20)
        assert ex.faults.close_connections("abrupt") >= 1
        await wait_until(lambda: recorder.gaps >= 1 and recorder.snapshots >= 4)
        seen = writer.messages
        await wait_until(lambda: writer.messages >= seen + 30)
        recorder.stop()
        status = await task
    assert status.gaps >= 1 and status.snapshots >= 4
    records = list(read_recording(*writer.files))
    raw = [line for f in writer.files for line in read_lines(f)]
    assert any("gap" in line for line in raw)
    for symbol in ("BTCUSDT", "ETHUSDT"):
        result = replay(records, symbol)
        assert result.synced and result.events_applied > 0 and not result.mismatches
