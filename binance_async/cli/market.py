"""Market-data commands: ``demo``, ``book``, ``stream``, ``record`` and ``replay``."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
import time
from pathlib import Path
from typing import Any

import msgspec
from rich.console import Console

from ..errors import APIError, ConnectError
from ..rest.session import DEFAULT_BASE_URL, TESTNET_BASE_URL, Client
from ..streams.manager import StreamGap
from ._run import stop_signals, until
from .live import LiveView, run_live

__all__ = ["add_market_parsers"]

DEMO_SYMBOLS = ("BTCUSDT", "ETHUSDT", "BNBUSDT")


def _client(args: argparse.Namespace) -> Client:
    url = args.url.rstrip("/")
    return Client(base_url=url, stream_url=args.stream_url)  # None: derived from --url


def _console(args: argparse.Namespace) -> Console:
    return Console(no_color=True if getattr(args, "no_color", False) else None)


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"a number of seconds, got {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError("must be greater than 0")
    return value


def _symbol_list(values: list[str]) -> list[str]:
    out: list[str] = []
    for value in values:
        for name in value.replace(",", " ").split():
            name = name.upper()
            if not name.isalnum():
                raise ValueError(f"not a symbol name: {name!r}")
            if name not in out:
                out.append(name)
    return out


async def check_symbols(client: Client, symbols: list[str]) -> None:
    """Raise ``ValueError`` naming the first symbol the exchange does not list (one request
    for all of them; one per symbol only to name the culprit)."""
    try:
        await client.market.exchange_info(symbols=symbols)
        return
    except APIError as exc:
        if exc.code != -1121:
            raise
    for symbol in symbols:
        try:
            await client.market.exchange_info(symbol=symbol)
        except APIError as exc:
            if exc.code == -1121:
                raise ValueError(f"unknown symbol {symbol}") from None
            raise
    raise ValueError(f"unknown symbol among {', '.join(symbols)}")


# --------------------------------------------------------------------------- demo and book


async def _cmd_demo(args: argparse.Namespace) -> int:
    from ..sim import LocalExchange

    console = _console(args)
    symbols = _symbol_list(args.symbols) if args.symbols else list(DEMO_SYMBOLS)
    started = time.perf_counter()
    async with (
        LocalExchange(symbols, seed=args.seed) as ex,
        Client(base_url=ex.rest_url, stream_url=ex.ws_url, ws_api_url=ex.ws_api_url) as client,
    ):
        console.print(
            f"local exchange at {ex.rest_url} ({len(symbols)} symbols, started in "
            f"{(time.perf_counter() - started) * 1000:.0f} ms); Ctrl-C to stop",
            markup=False, highlight=False, soft_wrap=True,
        )  # fmt: skip
        view = await run_live(
            client, symbols, console=console, duration=args.duration, depth=args.depth,
            title=f"binance-async demo: local exchange {ex.rest_url}",
        )  # fmt: skip
    _summary(console, view)
    return 0


def _summary(console: Console, view: LiveView | None) -> None:
    if view is not None:
        console.print(view.summary(), markup=False, highlight=False, soft_wrap=True)


async def _cmd_book(args: argparse.Namespace) -> int:
    console = _console(args)
    symbols = _symbol_list(args.symbols)
    async with _client(args) as client:
        await check_symbols(client, symbols)
        view = await run_live(
            client, symbols, console=console, duration=args.duration, depth=args.depth,
            title=f"binance-async book: {args.url}",
        )  # fmt: skip
    _summary(console, view)
    return 0


# --------------------------------------------------------------------------- stream


async def _cmd_stream(args: argparse.Namespace) -> int:
    out = sys.stdout.buffer
    stop = asyncio.Event()

    async def pump(sub: Any) -> None:
        count = 0
        async for event in sub:
            if isinstance(event, StreamGap):
                line = msgspec.json.encode({"gap": list(event.streams), "reason": event.reason})
            elif args.raw:
                line = event[1]
            else:
                line = encode_event(event)
            out.write(line + b"\n")
            out.flush()
            count += 1
            if args.count is not None and count >= args.count:
                return

    async def session() -> None:
        async with _client(args) as client, contextlib.AsyncExitStack() as stack:
            try:
                async with asyncio.timeout(args.connect_timeout):
                    sub = await stack.enter_async_context(
                        client.streams.subscribe(*args.names, raw=args.raw, maxsize=8192)
                    )
            except TimeoutError:
                raise ConnectError(
                    f"cannot reach {client.stream_url}: no acknowledged subscription "
                    f"after {args.connect_timeout:g} s{_last_close(client)}"
                ) from None
            await pump(sub)

    with stop_signals(stop):  # Ctrl-C ends it anywhere, connecting included
        await until(session(), stop, args.duration)
    return 0


def _last_close(client: Client) -> str:
    """`` (<reason>)`` of the last closed stream connection, if any (for an error line)."""
    conns = client.streams.statistics().get("connections", {})
    reasons = [c.get("closed_reason") for c in conns.values() if c.get("closed_reason")]
    return f" ({reasons[-1]})" if reasons else ""


def encode_event(event: Any) -> bytes:
    """A typed event as JSON with Binance's field names, absent optional fields left out."""
    data = msgspec.to_builtins(event)
    if isinstance(data, dict):
        data = {k: v for k, v in data.items() if v is not None}
    return msgspec.json.encode(data)


# --------------------------------------------------------------------------- record


async def _cmd_record(args: argparse.Namespace) -> int:
    from ..recording import Recorder, RecordingWriter

    writer = RecordingWriter(
        args.out, list(args.names), prefix=args.prefix, compression=args.compress,
        rotate_bytes=int(args.rotate_mb * 1024 * 1024), rotate_seconds=args.rotate_minutes * 60,
    )  # fmt: skip
    err = sys.stderr
    tty = err.isatty()
    async with _client(args) as client:
        await client.market.ping()  # no network or a wrong URL: one clear line, no file
        recorder = Recorder(client, list(args.names), writer, snapshot_limit=args.snapshot_limit)
        stop = asyncio.Event()

        async def status() -> None:
            deadline = time.monotonic() + args.duration if args.duration else None
            while True:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), 1.0)
                line = recorder.status().line()
                err.write(("\r" + line + "\x1b[K") if tty else line + "\n")
                err.flush()
                if stop.is_set() or (deadline is not None and time.monotonic() >= deadline):
                    recorder.stop()
                    return

        with stop_signals(stop):
            async with asyncio.TaskGroup() as tg:
                tg.create_task(status())
                final = await recorder.run()
    if tty:
        err.write("\n")
    err.write(f"recorded {final.line()}\n")
    for path in writer.files:
        err.write(f"  {path}\n")
    return 0


# --------------------------------------------------------------------------- replay


def _records(paths: list[str]) -> list[Any]:
    from ..sim.replay import read_capture

    for p in paths:
        if not Path(p).exists():
            raise ValueError(f"no such file: {p}")
    return read_capture(*paths)


def _cmd_replay_books(args: argparse.Namespace) -> int:
    from ..book.capture import replay

    records = _records(args.files)
    symbols = sorted({r.symbol for r in records if r.kind == "depth"})
    if args.symbol:
        symbols = [s for s in symbols if s in _symbol_list(args.symbol)]
    if not symbols:
        raise ValueError("the recording holds no diff-depth stream to rebuild books from")
    out = sys.stdout
    out.write(f"{len(records):,} records from {len(args.files)} file(s)\n")
    bad = 0
    for symbol in symbols:
        t0 = time.perf_counter()
        res = replay(records, symbol)
        secs = time.perf_counter() - t0
        top = res.final_top
        top_text = f"bid {top[0]} x {top[1]}  ask {top[2]} x {top[3]}" if top else "no top"
        out.write(
            f"{symbol}: {res.events_total:,} depth events, {res.events_applied:,} applied "
            f"({res.events_total / secs if secs else 0:,.0f}/s), synced {res.synced}, "
            f"update id {res.final_u}, {top_text}; bookTicker checks {res.crosschecks:,}, "
            f"mismatches {len(res.mismatches)}\n"
        )
        for line in res.mismatches[:5]:
            out.write(f"  {line}\n")
        bad += len(res.mismatches)
    return 1 if bad else 0


async def _cmd_replay_serve(args: argparse.Namespace) -> int:
    from ..sim.replay import ReplayServer

    records = _records(args.files)
    pace = None if args.speed == 0 else args.speed
    console = _console(args)
    async with ReplayServer(records, pace=pace, host=args.host, port=args.port) as rp:
        streams = rp.statistics()["streams"]
        if args.view:
            symbols = sorted({r.symbol for r in records if r.kind == "depth"})
            async with Client(base_url=rp.rest_url, stream_url=rp.ws_url) as client:
                view = await run_live(
                    client, symbols, console=console, duration=args.duration,
                    title=f"binance-async replay: {', '.join(args.files)}", show_lag=False,
                )  # fmt: skip
            _summary(console, view)
            return 0
        console.print(
            f"replaying {len(records):,} records at {rp.ws_url}/stream?streams="
            f"{'/'.join(streams)} (REST snapshots at {rp.rest_url}/api/v3/depth); Ctrl-C to stop",
            markup=False, highlight=False, soft_wrap=True,
        )  # fmt: skip
        stop = asyncio.Event()
        with stop_signals(stop):
            await until(rp.finished.wait(), stop, args.duration)
    return 0


def _cmd_replay(args: argparse.Namespace) -> int:
    if args.serve or args.view:
        return int(asyncio.run(_cmd_replay_serve(args)))
    return _cmd_replay_books(args)


# --------------------------------------------------------------------------- parsers


def _url_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--url", default=DEFAULT_BASE_URL,
                   help=f"REST base URL (default {DEFAULT_BASE_URL}; testnet "
                   f"{TESTNET_BASE_URL}; or a local exchange: http://127.0.0.1:8080)")  # fmt: skip
    p.add_argument("--stream-url", help="stream base URL (default: derived from --url)")


def _view_options(p: argparse.ArgumentParser, depth: int = 100) -> None:
    p.add_argument("--duration", type=_positive, metavar="SECONDS",
                   help="exit after this many seconds, printing a summary")  # fmt: skip
    p.add_argument("--depth", type=int, default=depth, help=f"snapshot depth (default {depth})")
    p.add_argument("--no-color", action="store_true", help="no colours (also NO_COLOR=1)")


def add_market_parsers(sub: Any) -> None:
    """Register demo, book, stream, record and replay on the main parser's sub-parsers."""
    p = sub.add_parser(
        "demo", help="live order books against an in-process local exchange",
        description="Start the local exchange in this process and show, against it, live "
        "order books (top levels with sizes as bars), spread, last trades, sync state, stream "
        "rate and lag, and REST weight. Needs no network. Ctrl-C (or --duration) ends it with "
        "a summary.",
    )  # fmt: skip
    p.add_argument("--symbols", nargs="+", metavar="SYMBOL",
                   help=f"symbols to show (default {' '.join(DEMO_SYMBOLS)})")  # fmt: skip
    p.add_argument("--seed", type=int, default=1, help="seed of the synthetic order flow")
    _view_options(p)
    p.set_defaults(func=_cmd_demo, is_async=True)

    p = sub.add_parser(
        "book", help="live order books of any exchange URL",
        description="The demo's live view against an exchange: production (default), the "
        "testnet, or a local exchange (--url).",
    )  # fmt: skip
    p.add_argument("symbols", nargs="+", metavar="SYMBOL")
    _url_options(p)
    _view_options(p)
    p.set_defaults(func=_cmd_book, is_async=True)

    p = sub.add_parser(
        "stream", help="print stream events as JSON lines",
        description="Subscribe to streams (e.g. btcusdt@trade ethusdt@depth@100ms) and print "
        "one JSON line per event: typed events re-encoded with Binance's field names, or with "
        "--raw the combined-stream frames exactly as received. A gap marker prints as "
        '{"gap":[...],"reason":...}.',
    )  # fmt: skip
    p.add_argument("names", nargs="+", metavar="NAME")
    p.add_argument("--raw", action="store_true", help="frames exactly as received")
    p.add_argument("--count", type=int, help="exit after this many events")
    p.add_argument("--duration", type=_positive, metavar="SECONDS", help="exit after this time")
    p.add_argument("--connect-timeout", type=_positive, default=20.0, metavar="SECONDS",
                   help="give up if not subscribed by then (default 20)")  # fmt: skip
    _url_options(p)
    p.set_defaults(func=_cmd_stream, is_async=True)

    p = sub.add_parser(
        "record", help="record raw frames (and depth snapshots) to compressed rotating files",
        description="Record streams to JSON-lines files (gzip or zstd) with receive times; "
        "diff-depth streams get REST snapshots at the start of each file and after each gap, so "
        "a recording rebuilds books (binance-async replay). Files are written as .partial and "
        "renamed when complete; Ctrl-C finishes the current file.",
    )  # fmt: skip
    p.add_argument("names", nargs="+", metavar="NAME")
    p.add_argument("--out", required=True, metavar="DIR", help="directory for the files")
    p.add_argument("--prefix", default="binance", help="file name prefix (default binance)")
    p.add_argument("--compress", choices=("gzip", "zstd"), default="gzip",
                   help="gzip (default) or zstd (needs the zstandard package)")  # fmt: skip
    p.add_argument("--rotate-mb", type=_positive, default=256.0, metavar="MB",
                   help="new file after this many uncompressed MB (default 256)")  # fmt: skip
    p.add_argument("--rotate-minutes", type=_positive, default=60.0, metavar="MIN",
                   help="start a new file after this many minutes (default 60)")  # fmt: skip
    p.add_argument("--snapshot-limit", type=int, default=1000, metavar="N",
                   help="levels per depth snapshot (default 1000)")  # fmt: skip
    p.add_argument("--duration", type=_positive, metavar="SECONDS", help="stop after this time")
    _url_options(p)
    p.set_defaults(func=_cmd_record, is_async=True)

    p = sub.add_parser(
        "replay", help="rebuild books from a recording, or serve it as an exchange",
        description="Feed recordings (this project's record files, hftbacktest .gz captures, "
        "cryptofeed .ws.1.0 with their .http.0.0 snapshots) through the decode and book "
        "pipeline and print each book's result, checked against every recorded bookTicker "
        "(exit 1 on a mismatch). --serve serves it through the local exchange's replay server "
        "for a bot to consume; --view shows it in the live view.",
    )  # fmt: skip
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--symbol", nargs="+", help="only these symbols")
    p.add_argument("--serve", action="store_true", help="serve the streams and snapshots")
    p.add_argument("--view", action="store_true", help="serve it and show the live view")
    p.add_argument("--speed", type=float, default=1.0, metavar="X",
                   help="with --serve/--view: 1 recorded pace, 10 ten times faster, 0 as fast "
                   "as possible (default 1)")  # fmt: skip
    p.add_argument("--host", default="127.0.0.1", help="with --serve: address (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=0, help="with --serve: port (default: any free)")
    p.add_argument("--duration", type=_positive, metavar="SECONDS", help="stop after this time")
    p.add_argument("--no-color", action="store_true", help="no colours (also NO_COLOR=1)")
    p.set_defaults(func=_cmd_replay)
