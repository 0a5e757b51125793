"""Stream throughput: events/s delivered to ``async for`` through ``client.streams.subscribe``
(typed decode included) next to a bare ``websockets`` receive loop (the floor), same capture.

Run: python benchmarks/stream_throughput.py [--loops N] [--repeat R]

Each measurement starts its own `ReplayServer` replaying the real hftbacktest BTCUSDT capture
(shared/data/real, ~99.6k frames: depth@100ms, bookTicker, trade) as fast as it can
(``pace=None``), ``--loops`` times, server and client in one event loop. The clock runs from the
first event to the last expected one (frames in the capture x loops). The best of ``--repeat``
runs of each is printed, with the ratio client/floor (target >= 80 %).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from websockets.asyncio.client import connect

from binance_async.sim.replay import ReplayServer
from binance_async.streams.manager import StreamGap, StreamManager

DATA = Path(os.environ.get("BINANCE_ASYNC_SHARED", Path(__file__).resolve().parents[2] / "shared"))
FILES = [DATA / "data/real/hftbacktest/examples/spot" / f"btcusdt_2024080{d}.gz" for d in (8, 9)]
STREAMS = ("btcusdt@depth@100ms", "btcusdt@trade", "btcusdt@bookTicker")


def _server(loops: int) -> ReplayServer:
    return ReplayServer.from_files(*FILES, pace=None, loops=loops, close_at_end=False)


async def floor(loops: int) -> tuple[int, float]:
    """A bare websockets receive loop on the combined stream: (frames, seconds)."""
    async with _server(loops) as rp:
        expected = len(rp.payloads) * loops
        url = f"{rp.ws_url}/stream?streams={'/'.join(STREAMS)}"
        n = 0
        t0 = 0.0
        async with connect(url, ping_interval=None, compression=None, max_size=None) as ws:
            while n < expected:
                await ws.recv(decode=False)
                if n == 0:
                    t0 = time.perf_counter()
                n += 1
        return n, time.perf_counter() - t0


async def manager(loops: int) -> tuple[int, float, int]:
    """`StreamManager.subscribe` + ``async for`` (typed events): (events, seconds, gaps)."""
    async with _server(loops) as rp:
        expected = len(rp.payloads) * loops
        n = gaps = 0
        t0 = 0.0
        async with StreamManager(rp.ws_url) as m, m.subscribe(*STREAMS, maxsize=8192) as sub:
            async for ev in sub:
                if type(ev) is StreamGap:
                    gaps += 1
                    continue
                if n == 0:
                    t0 = time.perf_counter()
                n += 1
                if n >= expected:
                    break
        return n, time.perf_counter() - t0, gaps


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--loops", type=int, default=3)
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()
    best_floor = best_mgr = 0.0
    for _ in range(a.repeat):
        n, secs = asyncio.run(floor(a.loops))
        best_floor = max(best_floor, n / secs)
        print(f"floor   (bare websockets recv): {n:,} frames in {secs:.2f} s = "
              f"{n / secs:,.0f} frames/s")  # fmt: skip
        n, secs, gaps = asyncio.run(manager(a.loops))
        best_mgr = max(best_mgr, n / secs)
        print(f"streams (subscribe + async for, typed): {n:,} events in {secs:.2f} s = "
              f"{n / secs:,.0f} events/s, {gaps} gaps")  # fmt: skip
    print(f"best: floor {best_floor:,.0f} frames/s, client.streams {best_mgr:,.0f} events/s, "
          f"ratio {best_mgr / best_floor:.1%} (target >= 80%)")  # fmt: skip


if __name__ == "__main__":
    main()
