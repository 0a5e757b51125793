"""The market-data CLI: demo, book, stream, record, replay and limits, against the local exchange.

``main`` runs its own event loop, so the exchange runs in a thread (`exchange_thread`); the
commands that must survive Ctrl-C run as subprocesses and get a real SIGINT. Real data:
hftbacktest (MIT) and cryptofeed ("This product includes software developed by Bryant Moscon").
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from binance_async.cli import main
from binance_async.recording import read_recording
from binance_async.sim import LocalExchange

from .cli_helpers import exchange_thread, post_fault

CLI = [sys.executable, "-m", "binance_async.cli"]


@pytest.fixture(scope="module")
def ex() -> Iterator[LocalExchange]:
    with exchange_thread("BTCUSDT", "ETHUSDT", seed=3) as exchange:
        yield exchange


def run(capfd: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capfd.readouterr()
    return code, out, err


def one_error_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    return lines[0]


# -- demo and book ------------------------------------------------------------------------------


def test_demo_runs_for_its_duration_and_prints_a_summary(capfd: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capfd, "demo", "--duration", "2", "--symbols", "BTCUSDT,ethusdt")
    assert code == 0, err
    assert "local exchange at http://127.0.0.1:" in out
    summary = out[out.index("summary:") :].splitlines()
    assert summary[0].startswith("summary: 2 symbols in ")
    assert "resyncs" in summary[0] and "events applied" in summary[0]
    for symbol, line in zip(("BTCUSDT", "ETHUSDT"), summary[1:3], strict=True):
        assert line.split()[0] == symbol and "best bid" in line and "best ask" in line
        assert line.rstrip().endswith("synced") and "not synced" not in line
    # not a terminal: one plain status line per second, with rate, lag and weight, no colour codes
    status = [line for line in out.splitlines() if "books " in line and "REST weight" in line]
    assert status and "\x1b[" not in out
    assert "frames/s" in status[-1] and "lag" in status[-1]


def test_demo_stops_cleanly_on_ctrl_c(tmp_path: Path) -> None:
    env = {**os.environ, "NO_COLOR": "1", "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [*CLI, "demo", "--symbols", "BTCUSDT"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        env=env, text=True,
    )  # fmt: skip
    assert proc.stdout is not None
    deadline = time.monotonic() + 30
    lines: list[str] = []
    while time.monotonic() < deadline:  # wait until a book is live
        line = proc.stdout.readline()
        lines.append(line)
        if "books 1/1 synced" in line:
            break
    assert any("books 1/1 synced" in line for line in lines), lines
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "Traceback" not in err and "summary: 1 symbol in" in out


def test_live_view_renders_books_trades_and_status() -> None:
    import asyncio

    from rich.console import Console

    from binance_async import Client
    from binance_async.cli.live import LiveView

    async def scenario() -> str:
        async with (
            LocalExchange(["BTCUSDT"], seed=2) as exchange,
            Client(base_url=exchange.rest_url, stream_url=exchange.ws_url) as client,
            client.books(["BTCUSDT"], depth=50) as books,
            client.streams.subscribe("btcusdt@trade") as sub,
        ):
            await books.wait_synced(timeout=10)
            view = LiveView(client, books, ["BTCUSDT"], title="test view", levels=5)
            async for event in sub:
                view.on_trade(event)
                if view.trade_count >= 3:
                    break
            view.tick()
            console = Console(record=True, width=120, force_terminal=True, no_color=True)
            console.print(view.render())
            return console.export_text()

    text = asyncio.run(scenario())
    assert "test view" in text and "BTCUSDT" in text and "synced" in text
    assert "spread" in text and "mid" in text and "█" in text
    assert "last trades" in text and (" x " in text)
    assert "REST weight 5/6000" in text


def test_book_against_a_url(ex: LocalExchange, capfd: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capfd, "book", "btcusdt", "--url", ex.rest_url, "--duration", "1.5")
    assert code == 0, err
    assert "summary: 1 symbol" in out and "BTCUSDT" in out.split("summary:")[1]


def test_book_unknown_symbol_is_one_line(
    ex: LocalExchange, capfd: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capfd, "book", "NOPEUSDT", "--url", ex.rest_url, "--duration", "1")
    assert code == 1 and out == ""
    assert one_error_line(err) == "error: unknown symbol NOPEUSDT"


def test_no_network_is_one_line(capfd: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capfd, "book", "BTCUSDT", "--url", "http://127.0.0.1:9", "--duration", "1")
    assert code == 1
    assert "127.0.0.1:9" in one_error_line(err)


def test_banned_ip_says_until_when(ex: LocalExchange, capfd: pytest.CaptureFixture[str]) -> None:
    post_fault(ex, "force_rate_limit", status=418, retry_after=120)
    try:
        code, _, err = run(capfd, "limits", "--url", ex.rest_url)
    finally:
        post_fault(ex, "clear")
    line = one_error_line(err)
    assert code == 3 and "IP banned until " in line and "UTC" in line and "120" in line


def test_bad_key_is_one_line(
    ex: LocalExchange, capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BINANCE_API_KEY", "not-a-key")
    monkeypatch.setenv("BINANCE_API_SECRET", "not-a-secret")
    code, _, err = run(capfd, "call", "GET", "/api/v3/account", "--base-url", ex.rest_url)
    line = one_error_line(err)
    assert code == 2 and ("Binance code -2014" in line or "Binance code -2015" in line)
    assert "not-a-secret" not in err


def test_limits_prints_every_pool(ex: LocalExchange, capfd: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capfd, "limits", "--url", ex.rest_url)
    assert code == 0, err
    names = [line.split()[0] for line in out.splitlines()]
    assert names[:2] == ["REQUEST_WEIGHT", "RAW_REQUESTS"] and "ORDERS_10S" in names
    code, out, err = run(capfd, "limits", "--url", ex.rest_url, "--json")
    pools = json.loads(out)["pools"]
    assert code == 0 and pools["REQUEST_WEIGHT"]["used"] >= 1
    assert pools["REQUEST_WEIGHT"]["limit"] == 6000


def test_limits_with_keys_shows_order_counts(
    ex: LocalExchange, capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BINANCE_API_KEY", ex.api_key)
    monkeypatch.setenv("BINANCE_API_SECRET", ex.api_secret)
    code, out, err = run(capfd, "limits", "--url", ex.rest_url)
    assert code == 0, err
    assert "order count" in out and "ORDERS" in out


# -- stream -------------------------------------------------------------------------------------


def test_stream_prints_typed_json_lines(
    ex: LocalExchange, capfd: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(
        capfd, "stream", "btcusdt@trade", "ethusdt@bookTicker", "--url", ex.rest_url,
        "--count", "6",
    )  # fmt: skip
    assert code == 0, err
    events = [json.loads(line) for line in out.splitlines()]
    assert len(events) == 6
    assert {e["s"] for e in events} <= {"BTCUSDT", "ETHUSDT"}
    assert all(None not in e.values() for e in events)
    trades = [e for e in events if e.get("e") == "trade"]
    assert all(isinstance(t["p"], str) and "t" in t for t in trades)


def test_stream_raw_prints_frames_as_received(
    ex: LocalExchange, capfd: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(
        capfd, "stream", "btcusdt@depth@100ms", "--raw", "--url", ex.rest_url, "--count", "3"
    )
    assert code == 0, err
    frames = [json.loads(line) for line in out.splitlines()]
    assert len(frames) == 3
    assert all(f["stream"] == "btcusdt@depth@100ms" and f["data"]["e"] == "depthUpdate"
               for f in frames)  # fmt: skip


def test_stream_duration_ends_a_quiet_stream(
    ex: LocalExchange, capfd: pytest.CaptureFixture[str]
) -> None:
    start = time.monotonic()
    code, _, _ = run(capfd, "stream", "btcusdt@kline_1d", "--url", ex.rest_url, "--duration", "1")
    assert code == 0 and time.monotonic() - start < 20


# -- record and replay ----------------------------------------------------------------------------


STREAMS = ("btcusdt@depth@100ms", "ethusdt@depth@100ms", "btcusdt@bookTicker", "btcusdt@trade")


def test_record_then_replay_rebuilds_books(
    ex: LocalExchange, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    out_dir = tmp_path / "rec"
    code, _, err = run(
        capfd, "record", *STREAMS, "--out", str(out_dir), "--url", ex.rest_url,
        "--duration", "3", "--rotate-minutes", "0.02", "--snapshot-limit", "100",
    )  # fmt: skip
    assert code == 0, err
    files = sorted(out_dir.iterdir())
    assert len(files) >= 2 and all(f.name.endswith(".jsonl.gz") for f in files)
    assert "recorded " in err and "messages" in err
    # every file starts with the header and holds a snapshot of each depth symbol
    for f in files:
        records = list(read_recording(f))
        snaps = {r.symbol for r in records if r.kind == "snapshot"}
        assert snaps == {"BTCUSDT", "ETHUSDT"} or f == files[-1], f
        assert any(r.kind == "depth" for r in records)
    code, out, err = run(capfd, "replay", *map(str, files))
    assert code == 0, err
    lines = {line.split(":")[0]: line for line in out.splitlines()[1:]}
    for symbol in ("BTCUSDT", "ETHUSDT"):
        assert "synced True" in lines[symbol] and "mismatches 0" in lines[symbol]
    assert "bookTicker checks 0," not in lines["BTCUSDT"]


def test_record_zstd(ex: LocalExchange, tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("zstandard")
    code, _, err = run(
        capfd, "record", "btcusdt@depth@100ms", "--out", str(tmp_path), "--url", ex.rest_url,
        "--duration", "1.5", "--compress", "zstd",
    )  # fmt: skip
    assert code == 0, err
    (path,) = tmp_path.iterdir()
    assert path.name.endswith(".jsonl.zst")
    kinds = {r.kind for r in read_recording(path)}
    assert kinds == {"snapshot", "depth"}


def test_record_is_safe_on_ctrl_c(ex: LocalExchange, tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [*CLI, "record", *STREAMS, "--out", str(tmp_path), "--url", ex.rest_url],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True,
    )  # fmt: skip
    assert proc.stderr is not None
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if "messages" in line and not line.startswith("0 messages"):
            break
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    files = list(tmp_path.iterdir())
    assert files and not any(f.name.endswith(".partial") for f in files)
    records = list(read_recording(*sorted(files)))
    assert {r.kind for r in records} >= {"snapshot", "depth"}


def test_replay_reads_a_truncated_partial_file(tmp_path: Path) -> None:
    from binance_async.recording import RecordingWriter

    frame = (
        b'{"stream":"btcusdt@trade","data":{"e":"trade","E":1,"s":"BTCUSDT","t":1,"p":"1.0",'
        b'"q":"1.0","T":1,"m":true,"M":true}}'
    )
    writer = RecordingWriter(tmp_path, ["btcusdt@trade"])
    for i in range(2000):
        writer.write_frame(i, frame)
    assert writer.current is not None
    partial = tmp_path / (writer.current.name + ".partial")
    writer._fh.flush()  # type: ignore[union-attr]  # what a crash would leave: no gzip trailer
    data = partial.read_bytes()
    cut = tmp_path / "cut.jsonl.gz.partial"
    cut.write_bytes(data[: len(data) // 2 or len(data)])
    records = list(read_recording(cut))
    assert all(r.kind == "other" and r.symbol == "BTCUSDT" for r in records)
    writer.close()
    assert len(list(read_recording(writer.files[0]))) == 2000


def test_replay_real_hftbacktest_capture(
    real_data: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    path = real_data / "hftbacktest/examples/spot/btcusdt_20240808.gz"
    code, out, err = run(capfd, "replay", str(path))
    assert code == 0, err
    (line,) = [x for x in out.splitlines() if x.startswith("BTCUSDT:")]
    assert "synced True" in line and "mismatches 0" in line and "bookTicker checks 0," not in line


def test_replay_real_cryptofeed_capture(real_data: Path, capfd: pytest.CaptureFixture[str]) -> None:
    path = real_data / "cryptofeed/sample_data/BINANCE.ws.1.0"
    code, out, err = run(capfd, "replay", str(path))
    assert code == 0, err
    books = [x for x in out.splitlines() if "depth events" in x]
    assert len(books) >= 3 and all("synced True" in x and "mismatches 0" in x for x in books)


def test_replay_serve_and_view(
    tmp_path: Path, real_data: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    path = real_data / "hftbacktest/examples/spot/btcusdt_20240808.gz"
    code, out, err = run(capfd, "replay", str(path), "--serve", "--duration", "1", "--speed", "0")
    assert code == 0, err
    assert "ws://127.0.0.1:" in out and "btcusdt@depth@100ms" in out
    code, out, err = run(capfd, "replay", str(path), "--view", "--duration", "2", "--speed", "50")
    assert code == 0, err
    assert "summary: 1 symbol" in out and "BTCUSDT" in out


def test_replay_missing_file_is_one_line(capfd: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capfd, "replay", "/nonexistent/file.jsonl.gz")
    assert code == 1 and one_error_line(err) == "error: no such file: /nonexistent/file.jsonl.gz"


@pytest.mark.parametrize(
    "command", ["demo", "book", "stream", "record", "replay", "limits", "sim", "call", "time"]
)
def test_every_command_has_help(command: str, capfd: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main([command, "--help"])
    out, _ = capfd.readouterr()
    assert exc.value.code == 0 and out.startswith("usage: binance-async " + command)


def test_demo_help_mentions_duration(capfd: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["demo", "--help"])
    out, _ = capfd.readouterr()
    assert "--duration" in out and "--no-color" in out


def test_stream_without_network_is_one_line(capfd: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(
        capfd, "stream", "btcusdt@trade", "--url", "http://127.0.0.1:9", "--connect-timeout", "2"
    )
    line = one_error_line(err)
    assert code == 1 and out == ""
    assert line.startswith("error: cannot reach ws://127.0.0.1:9: no acknowledged subscription")


def test_ctrl_c_while_connecting_exits_cleanly() -> None:
    proc = subprocess.Popen(
        [*CLI, "stream", "btcusdt@trade", "--url", "http://127.0.0.1:9", "--connect-timeout", "60"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    time.sleep(2)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=20)
    assert proc.returncode == 0 and "Traceback" not in err


# -- call, time and endpoints against the local exchange ------------------------------------------


def test_time_against_the_local_exchange(
    ex: LocalExchange, capfd: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capfd, "time", "--base-url", ex.rest_url)
    data = json.loads(out)
    assert code == 0, err
    assert abs(data["serverTime"] - time.time() * 1000) < 60_000 and "offsetMs" in data


def test_call_against_the_local_exchange(
    ex: LocalExchange, capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, err = run(capfd, "call", "GET", "/api/v3/depth", "symbol=BTCUSDT", "limit=5",
                         "--base-url", ex.rest_url)  # fmt: skip
    book = json.loads(out)
    assert code == 0, err
    assert len(book["bids"]) == 5 and float(book["bids"][0][0]) < float(book["asks"][0][0])
    monkeypatch.setenv("BINANCE_API_KEY", ex.api_key)
    monkeypatch.setenv("BINANCE_API_SECRET", ex.api_secret)
    code, out, err = run(capfd, "call", "GET", "/api/v3/account", "--base-url", ex.rest_url)
    assert code == 0, err
    assert any(b["asset"] == "USDT" for b in json.loads(out)["balances"])
    code, out, err = run(capfd, "call", "GET", "/api/v3/depth", "symbol=BTCUSDT", "limit=x",
                         "--base-url", ex.rest_url)  # fmt: skip
    assert code == 1 and "limit" in one_error_line(err)


def test_endpoints_lists_the_catalogue(capfd: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capfd, "endpoints", "--family", "market")
    assert code == 0 and "/api/v3/depth" in out and out.rstrip().endswith("endpoints")
