"""Every benchmark of the project, one table: ``python -m benchmarks [--quick] [--only NAME ...]``.

Each benchmark module has ``rows(quick) -> list[Row]``; its rows are a floor (what no client can
beat: a bare websockets receive loop, msgspec decode alone, raw aiohttp), this library, and the
peers installed (``pip install -e '.[bench]'``: python-binance, ccxt, cryptofeed,
unicorn-binance-local-depth-cache), all measured in the same run, printed as ratios. A benchmark
that fails prints its error and the others go on. The machine is shared and noisy: compare
ratios, not absolute figures, and rerun before believing a small difference.
"""

from __future__ import annotations

import argparse
import importlib
import os
import platform
import sys
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._table import Row, render

#: (module, what it measures), in the order they run
BENCHMARKS = (
    ("book_apply", "order book: decode + apply + read top 10 per event, memory per level"),
    ("stream_throughput", "streams: events/s delivered to async for, vs bare websockets"),
    ("rest_overhead", "REST: per-call cost of a signed GET over loopback"),
    ("book_cold_start", "order books: cold start of many symbols within the weight budget"),
    ("replay_throughput", "local exchange: frames/s its replay server pushes"),
    ("sim_startup", "local exchange: start-up time"),
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller runs (about 3 minutes)")
    parser.add_argument("--only", nargs="+", choices=[name for name, _ in BENCHMARKS],
                        help="run only these benchmarks")  # fmt: skip
    args = parser.parse_args(argv)
    print(f"binance_async benchmarks: Python {platform.python_version()}, "
          f"{platform.machine()}, {os.cpu_count()} CPUs, quick={args.quick}")  # fmt: skip
    rows: list[Row] = []
    failed = 0
    for name, what in BENCHMARKS:
        if args.only and name not in args.only:
            continue
        print(f"\n== {name}: {what}", flush=True)
        t0 = time.perf_counter()
        try:
            module = importlib.import_module(f"benchmarks.{name}")
            got = module.rows(args.quick)
        except Exception:
            failed += 1
            traceback.print_exc()
            continue
        rows.extend(got)
        print(f"   {len(got)} rows in {time.perf_counter() - t0:.0f} s", flush=True)
    print()
    print(render(rows))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
