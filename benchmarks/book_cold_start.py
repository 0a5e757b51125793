"""Cold start of a whole market of local order books: ``client.books(all symbols)``.

Against ``LocalExchange(symbols=N)`` (in-process, on 127.0.0.1): seconds until every book is
synced, the snapshot weight used, the 429/418 responses (must be 0), and how close the run gets
to the physical limit set by the REQUEST_WEIGHT budget (total snapshot weight / budget).

The same REQUEST_WEIGHT limit (``--weight-limit`` per ``--interval`` seconds) is configured on
the local exchange and on the client's limiter. Binance's is 6000 per 60 s: 1,500 books at
depth 1000 (weight 50) need 75,000 weight, 12.5 minutes; ``--depth 100`` (weight 5) 1.25.

Run: python benchmarks/book_cold_start.py [--symbols 1500] [--depth 1000]
         [--weight-limit 6000] [--interval 60] [--concurrency 8] [--timeout 900]

`rows` gives the figures as `benchmarks._table.Row` for ``python -m benchmarks`` (``quick``:
150 symbols at depth 100 under 100 weight per 1 s, a 7.5 s physical limit).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._table import Row
from binance_async import Client
from binance_async.book.manager import depth_weight
from binance_async.rest.ratelimit import (
    RAW_REQUESTS,
    REQUEST_WEIGHT,
    Limit,
    LimiterState,
    RateLimiter,
)
from binance_async.sim import LocalExchange, SimLimits


async def run(args: argparse.Namespace, *, verbose: bool = True) -> dict[str, float]:
    limits = SimLimits(request_weight=args.weight_limit, request_weight_interval=args.interval)
    limiter = RateLimiter(
        LimiterState(
            (
                Limit(REQUEST_WEIGHT, float(args.interval), args.weight_limit),
                Limit(RAW_REQUESTS, 300.0, 300_000),
            ),
            boundary_guard=0.05,  # a charge near a window boundary counts in both windows
        )
    )
    ex = LocalExchange(symbols=args.symbols, seed=1, limits=limits)
    await ex.start()
    await ex.wait_ready()
    symbols = list(ex.engine.markets)
    w = depth_weight(args.depth)
    total = len(symbols) * w
    try:
        async with Client(base_url=ex.rest_url, stream_url=ex.ws_url, limiter=limiter) as client:
            t0 = time.time()
            async with client.books(
                symbols, depth=args.depth, snapshot_concurrency=args.concurrency
            ) as books:
                subscribed = time.time() - t0
                last = 0.0
                async with asyncio.timeout(args.timeout):
                    while not books.synced():
                        await asyncio.sleep(0.05)
                        if verbose and time.time() - last >= 5:
                            last = time.time()
                            st = books.statistics()
                            print(
                                f"  t={last - t0:6.1f}s synced {st['synced']}/{len(symbols)}"
                                f" snapshot weight {st['snapshot_weight']}",
                                flush=True,
                            )
                elapsed = time.time() - t0
                stats = books.statistics()
            cstats = client.statistics()
    finally:
        await ex.stop()
    sim = ex.statistics()
    # Physical limit: the budget as a rate, and with epoch-aligned windows from this start.
    rate_bound = total / args.weight_limit * args.interval
    windows = math.ceil(total / args.weight_limit)
    first_left = args.interval - (t0 % args.interval)
    window_bound = first_left + (windows - 2) * args.interval if windows > 1 else 0.0
    print(f"symbols                 {len(symbols)} (depth {args.depth}, weight {w} each)")
    print(f"budget                  {args.weight_limit} REQUEST_WEIGHT per {args.interval} s")
    print(f"streams subscribed in   {subscribed:.2f} s")
    print(f"all synced after        {elapsed:.2f} s")
    print(f"snapshots               {stats['snapshots']} (weight {stats['snapshot_weight']};"
          f" books need {total})")  # fmt: skip
    print(f"resyncs                 {stats['resyncs']}")
    print(f"client requests/errors  {cstats['requests']} / {cstats['errors']}")
    print(f"server 429 / 418        {sim['refused_429']} / {sim['refused_418']}")
    print(f"server responses        {sim['responses']}")
    print(f"physical limit (rate)   {rate_bound:.2f} s = {total} / {args.weight_limit}"
          f" x {args.interval} s -> {elapsed / rate_bound:.2f}x of it")  # fmt: skip
    over = elapsed - window_bound
    print(f"physical limit (windows) {window_bound:.2f} s ({windows} windows, first one"
          f" {first_left:.1f} s from the start) -> {over:+.2f} s over")  # fmt: skip
    return {
        "elapsed": elapsed,
        "refused": sim["refused_429"] + sim["refused_418"],
        "refused_429": sim["refused_429"],
        "refused_418": sim["refused_418"],
        "symbols": len(symbols),
        "weight_needed": total,
        "weight_used": stats["snapshot_weight"],
        "rate_bound": rate_bound,
        "window_bound": window_bound,
    }


def rows(quick: bool = False) -> list[Row]:
    """Seconds to all synced (ours) next to the physical limit (floor: total snapshot weight /
        budget; its note gives the bound with epoch-aligned windows, where the first window's budget
    is there at once). Full: 1,500 symbols at depth 100 against 6000/min (about a minute);
    ``quick``: 150 symbols, depth 100 (weight 5), 100 weight per 1 s: ~7 s."""
    if quick:
        argv = ["--symbols", "150", "--depth", "100", "--weight-limit", "100",
                "--interval", "1", "--timeout", "50"]  # fmt: skip
    else:  # depth 100 (weight 5): 7,500 weight, 1.25 budget minutes; depth 1000 takes 12.5
        argv = ["--depth", "100"]
    args = parser().parse_args(argv)
    with contextlib.redirect_stdout(sys.stderr):  # the detailed report, off the table
        res = asyncio.run(run(args, verbose=False))
    bench = f"books cold start s ({args.symbols} symbols, depth {args.depth})"
    budget = f"{args.weight_limit} weight / {args.interval} s"
    return [
        Row(bench, "physical limit: snapshot weight / budget", "floor", res["rate_bound"], "s",
            False, f"{int(res['weight_needed'])} weight at {budget}; windowed bound"
            f" {res['window_bound']:.2f} s"),
        Row(bench, "binance_async client.books, all synced", "ours", res["elapsed"], "s", False,
            f"429: {int(res['refused_429'])}, 418: {int(res['refused_418'])}; "
            f"weight used {int(res['weight_used'])}"),
    ]  # fmt: skip


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--symbols", type=int, default=1500)
    ap.add_argument("--depth", type=int, default=1000)
    ap.add_argument("--weight-limit", type=int, default=6000)
    ap.add_argument("--interval", type=int, default=60, help="window seconds (Binance: 60)")
    ap.add_argument("--concurrency", type=int, default=8, help="snapshots in flight")
    ap.add_argument("--timeout", type=float, default=900.0)
    return ap


def main() -> None:
    res = asyncio.run(run(parser().parse_args()))
    sys.exit(1 if res["refused"] else 0)


if __name__ == "__main__":
    main()
