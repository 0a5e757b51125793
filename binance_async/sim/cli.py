"""``binance-async sim``: run the local exchange until interrupted.

    binance-async sim [--host 127.0.0.1] [--port 8080] [--symbols BTCUSDT,ETHUSDT | N]
                      [--seed S] [--exchange-info FILE] [--rate R] [--speed X]
    binance-async sim --replay FILE [--replay FILE ...] [--pace X] [--loops N]

Prints the REST URL and the demo keys (HMAC, RSA, Ed25519, read-only), then serves until
Ctrl-C (or SIGTERM), and stops cleanly. `add_sim_parser` registers the sub-command on the main
CLI's sub-parsers; `run_sim` runs it and returns the exit code.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from typing import Any, TextIO

__all__ = ["add_sim_parser", "run_sim"]


def _symbols(text: str) -> list[str] | int:
    text = text.strip()
    if text.isdigit():
        n = int(text)
        if not 1 <= n <= 5000:
            raise argparse.ArgumentTypeError("a symbol count must be in 1..5000")
        return n
    names = [s.strip().upper() for s in text.split(",") if s.strip()]
    if not names:
        raise argparse.ArgumentTypeError("give symbol names (BTCUSDT,ETHUSDT) or a count")
    return names


def _speed(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError("a number, e.g. 60") from None
    if not 0 < value <= 1_000_000:
        raise argparse.ArgumentTypeError("the speed must be in (0, 1000000]")
    return value


def add_sim_parser(subparsers: Any) -> None:
    """Add the ``sim`` sub-command to `subparsers` (from ``parser.add_subparsers()``)."""
    p = subparsers.add_parser(
        "sim",
        help="run the local Binance-compatible exchange",
        description="Run a local Binance-compatible exchange (REST) with synthetic order flow "
        "until interrupted. Prints its URL and demo API keys. Binds 127.0.0.1 unless told "
        "otherwise; never connects anywhere.",
    )
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8080, help="port (default 8080; 0: any free)")
    p.add_argument(
        "--symbols",
        type=_symbols,
        default=None,
        help="comma-separated names (default BTCUSDT,ETHUSDT) or a count N of synthetic "
        "symbols; with --exchange-info, a subset of its symbols (default: all)",
    )
    p.add_argument("--seed", type=int, default=1, help="seed of the synthetic flow (default 1)")
    p.add_argument("--exchange-info", metavar="FILE",
                   help="adopt the symbols and filters of a recorded exchangeInfo JSON")
    p.add_argument("--rate", type=float, default=None, metavar="R",
                   help="synthetic actions per second per symbol (default: scaled to the "
                   "symbol count; 0: static books)")  # fmt: skip
    p.add_argument("--speed", type=_speed, default=1.0, metavar="X",
                   help="simulated seconds per wall second (default 1): listenKey "
                   "validity, connection lifetime, pings, bans, klines, tickers scale")  # fmt: skip
    p.add_argument("--replay", action="append", metavar="FILE",
                   help="serve a recorded capture instead (hftbacktest .gz, cryptofeed "
                   ".ws.1.0); repeat for consecutive files")  # fmt: skip
    p.add_argument("--pace", type=float, default=1.0, metavar="X",
                   help="replay pace: 1 recorded speed, 10 ten times faster, 0 as fast as "
                   "possible (default 1)")  # fmt: skip
    p.add_argument("--loops", type=int, default=1, metavar="N",
                   help="replay the capture N times (default 1)")
    p.set_defaults(func=run_sim)


def _banner(ex: Any, started_in: float, out: TextIO) -> None:
    w = out.write
    w(f"binance-async local exchange: {len(ex.engine.markets)} symbols, seed {ex.seed}, "
      f"started in {started_in * 1000:.0f} ms\n")  # fmt: skip
    w(f"  REST      {ex.rest_url}   (/api/v3/..., /sapi/v1/..., /api/v2/copy-trading/...)\n")
    w(f"  streams   {ex.ws_url}/ws/<stream>   {ex.ws_url}/stream?streams=<a>/<b>\n")
    w(f"  WS API    {ex.ws_api_url}\n")
    if ex.clock.speed != 1:
        w(f"  speed     {ex.clock.speed:g}x simulated time\n")
    w("  account   demo (generous balances; copy-trading leader)\n")
    w(f"  HMAC      api key    {ex.api_key}\n")
    w(f"            secret     {ex.api_secret}\n")
    w(f"  read-only api key    {ex.read_only_api_key}\n")
    w(f"            secret     {ex.read_only_api_secret}\n")
    w(f"  Ed25519   api key    {ex.ed25519_api_key}\n")
    w(ex.ed25519_private_key_pem)
    w(f"  RSA       api key    {ex.rsa_api_key}\n")
    w(ex.rsa_private_key_pem)
    w("Press Ctrl-C to stop.\n")
    out.flush()


def _replay_banner(rp: Any, started_in: float, out: TextIO) -> None:
    st = rp.statistics()
    w = out.write
    w(f"binance-async replay: {st['events']:,} recorded events, loaded in "
      f"{started_in * 1000:.0f} ms, pace {'max' if rp.pace is None else rp.pace}\n")  # fmt: skip
    w(f"  streams   {rp.ws_url}/stream?streams={'/'.join(st['streams'][:3])}\n")
    w(f"            recorded: {', '.join(st['streams'])}\n")
    w(f"  REST      {rp.rest_url}/api/v3/depth?symbol=..."
      f"  (snapshots: {', '.join(st['snapshots']) or 'none'})\n")  # fmt: skip
    w("  the replay starts at the first subscription. Press Ctrl-C to stop.\n")
    out.flush()


async def _serve(args: argparse.Namespace, out: TextIO) -> int:
    from .replay import ReplayServer
    from .server import LocalExchange

    t0 = time.perf_counter()
    if getattr(args, "replay", None):
        rp = ReplayServer.from_files(*args.replay, pace=args.pace or None, loops=args.loops,
                                     host=args.host, port=args.port)  # fmt: skip
        return await _until_stopped(rp, lambda: _replay_banner(rp, time.perf_counter() - t0, out),
                                    out)  # fmt: skip
    ex = LocalExchange(
        args.symbols,
        seed=args.seed,
        host=args.host,
        port=args.port,
        flow_rate=args.rate,
        exchange_info=args.exchange_info,
        speed=getattr(args, "speed", None),
    )
    return await _until_stopped(ex, lambda: _banner(ex, time.perf_counter() - t0, out), out)


async def _until_stopped(server: Any, banner: Any, out: TextIO) -> int:
    from ..cli._run import stop_signals

    stop = asyncio.Event()
    with stop_signals(stop):
        async with server:
            banner()
            await stop.wait()
    out.write("stopped\n")
    return 0


def run_sim(args: argparse.Namespace, out: TextIO | None = None) -> int:
    """Run the exchange until interrupted; 0 on a clean stop, 1 if it could not start."""
    out = out or sys.stdout
    try:
        return asyncio.run(_serve(args, out))
    except KeyboardInterrupt:
        out.write("stopped\n")
        return 0
    except (OSError, ValueError) as exc:
        sys.stderr.write(f"error: cannot start the local exchange: {exc}\n")
        return 1
