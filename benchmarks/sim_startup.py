"""Local exchange start-up: seconds until it serves, and until every book is seeded.

Run: python benchmarks/sim_startup.py [N ...]   (default: 2 and 1500 synthetic symbols)
"""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._table import Row
from binance_async.sim import LocalExchange


async def measure(symbols: int) -> tuple[float, float]:
    """(seconds until serving, seconds until all books are seeded)."""
    t0 = time.perf_counter()
    ex = LocalExchange(symbols=symbols, seed=1)
    await ex.start()
    serving = time.perf_counter() - t0
    await ex.wait_ready()
    ready = time.perf_counter() - t0
    await ex.stop()
    return serving, ready


def rows(quick: bool = False) -> list[Row]:
    """Rows for ``python -m benchmarks``: milliseconds until the local exchange serves and until
    every book is seeded, for 2 symbols and 1,500 (``quick``: 300)."""
    out = []
    for n in (2, 300 if quick else 1500):
        serving, ready = asyncio.run(measure(n))
        name = f"local exchange start-up ms ({n} symbols)"
        out.append(Row(name, "LocalExchange serving", "ours", serving * 1000, "ms"))
        out.append(Row(name, "all books seeded", "ours", ready * 1000, "ms"))
    return out


def main() -> None:
    counts = [int(a) for a in sys.argv[1:]] or [2, 1500]
    for n in counts:
        serving, ready = asyncio.run(measure(n))
        print(
            f"{n:>6} symbols: serving after {serving * 1000:7.1f} ms, "
            f"all books seeded after {ready * 1000:7.1f} ms"
        )


if __name__ == "__main__":
    main()
