"""Replay throughput: frames per second the local exchange's replay server pushes on loopback.

Run: python benchmarks/replay_throughput.py [--loops N] [--clients K ...] [--raw]

Replays the real hftbacktest BTCUSDT capture (shared/data/real, ~99.6k frames: depth@100ms,
bookTicker, trade) as fast as possible (``pace=None``) ``--loops`` times to each client, which
reads every frame with aiohttp and stops when the server closes at the end. Two setups:

- ``in-process``: server and one client in one event loop (one core for both);
- ``K clients``: the server in its own process, K client processes; the rate is the frames
  all clients received divided by the longest client's time.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import os
import socket
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aiohttp

from benchmarks._table import Row
from binance_async.sim.replay import ReplayServer

DATA = Path(os.environ.get("BINANCE_ASYNC_SHARED", Path(__file__).resolve().parents[2] / "shared"))
FILES = [DATA / "data/real/hftbacktest/examples/spot" / f"btcusdt_2024080{d}.gz" for d in (8, 9)]
STREAMS = "btcusdt@depth@100ms/btcusdt@trade/btcusdt@bookTicker"


async def _client(url: str) -> tuple[int, int, float]:
    """(frames, bytes, seconds from the first frame to the close)."""
    n = nbytes = 0
    t0 = 0.0
    async with aiohttp.ClientSession() as s, s.ws_connect(url, max_msg_size=0) as ws:
        async for msg in ws:
            if n == 0:
                t0 = time.perf_counter()
            n += 1
            nbytes += len(msg.data)
    return n, nbytes, time.perf_counter() - t0


def _client_proc(url: str, out: mp.Queue) -> None:  # type: ignore[type-arg]
    out.put(asyncio.run(_client(url)))


def _server_proc(port: int, loops: int, clients: int, ready: mp.Event) -> None:  # type: ignore[valid-type]
    async def serve() -> None:
        rp = ReplayServer.from_files(*FILES, pace=None, loops=loops, close_at_end=True,
                                     port=port, start_on="manual")  # fmt: skip
        async with rp:
            ready.set()  # type: ignore[attr-defined]
            while len(rp.ws.conns) < clients:  # noqa: ASYNC110 - polling a count
                await asyncio.sleep(0.01)
            await asyncio.sleep(0.2)  # every client subscribed
            rp.begin()
            await rp.finished.wait()
            await asyncio.sleep(1.0)

    asyncio.run(serve())


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def cross_process(loops: int, clients: int, combined: bool) -> tuple[int, float, int]:
    port = _free_port()
    ctx = mp.get_context("spawn")
    ready = ctx.Event()
    server = ctx.Process(target=_server_proc, args=(port, loops, clients, ready))
    server.start()
    if not ready.wait(30):
        raise RuntimeError("the replay server did not start")
    base = f"ws://127.0.0.1:{port}"
    url = f"{base}/stream?streams={STREAMS}" if combined else f"{base}/ws/{STREAMS}"
    out: mp.Queue = ctx.Queue()  # type: ignore[type-arg]
    procs = [ctx.Process(target=_client_proc, args=(url, out)) for _ in range(clients)]
    for p in procs:
        p.start()
    results = [out.get(timeout=600) for _ in procs]
    for p in procs:
        p.join()
    server.join(10)
    frames = sum(r[0] for r in results)
    return frames, max(r[2] for r in results), sum(r[1] for r in results)


async def in_process(loops: int, combined: bool) -> tuple[int, float, int]:
    async with ReplayServer.from_files(*FILES, pace=None, loops=loops, close_at_end=True) as rp:
        base = rp.ws_url
        url = f"{base}/stream?streams={STREAMS}" if combined else f"{base}/ws/{STREAMS}"
        frames, nbytes, secs = await _client(url)
    return frames, secs, nbytes


def rows(quick: bool = False) -> list[Row]:
    """Rows for ``python -m benchmarks``: frames/s the replay server pushes (in-process, and
    to 2 client processes), the capture replayed 2 times (``quick``: once, in-process only)."""
    loops = 1 if quick else 2
    name = "local exchange replay, frames/s"
    frames, secs, _ = asyncio.run(in_process(loops, True))
    out = [Row(name, "ReplayServer -> 1 aiohttp client, one process", "ours", frames / secs,
               "frames/s", True, "server and client share one core")]  # fmt: skip
    if not quick:
        frames, secs, _ = cross_process(loops, 2, True)
        out.append(Row(name, "ReplayServer -> 2 client processes", "ours", frames / secs,
                       "frames/s", True, "server in its own process"))  # fmt: skip
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--loops", type=int, default=5)
    ap.add_argument("--clients", type=int, nargs="*", default=[1, 4])
    ap.add_argument("--raw", action="store_true", help="raw /ws streams (default: combined)")
    a = ap.parse_args()
    combined = not a.raw
    kind = "combined" if combined else "raw"
    frames, secs, nbytes = asyncio.run(in_process(a.loops, combined))
    print(f"in-process, 1 client ({kind}): {frames:,} frames in {secs:.2f} s = "
          f"{frames / secs:,.0f} frames/s, {nbytes / secs / 1e6:,.1f} MB/s")  # fmt: skip
    for k in a.clients:
        frames, secs, nbytes = cross_process(a.loops, k, combined)
        rate, mbs = frames / secs, nbytes / secs / 1e6
        print(f"server process, {k} client process(es) ({kind}): {frames:,} frames in "
              f"{secs:.2f} s = {rate:,.0f} frames/s, {mbs:,.1f} MB/s")  # fmt: skip


if __name__ == "__main__":
    main()
