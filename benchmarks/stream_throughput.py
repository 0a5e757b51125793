"""Stream throughput: events/s delivered to ``async for`` through ``client.streams.subscribe``
(typed decode included) next to a bare ``websockets`` receive loop (the floor), same capture,
and the same measurement for python-binance and ccxt.pro when they are installed.

Run: python benchmarks/stream_throughput.py [--loops N] [--repeat R] [--no-peers]

Each measurement starts its own `ReplayServer` replaying the real hftbacktest BTCUSDT capture
(shared/data/real, ~99.6k frames: depth@100ms, bookTicker, trade) as fast as it can
(``pace=None``), ``--loops`` times, server and client in one event loop. The clock runs from the
first event to the last expected one (frames in the capture x loops). The best of ``--repeat``
runs of each is printed, with the ratio client/floor (target >= 80 %).

Peers (events handed to user code, same server, same frames):

- python-binance ``BinanceSocketManager.multiplex_socket`` on the three streams (its
  ``STREAM_URL`` pointed at the server; ``max_queue_size`` raised so the flood does not end its
  read loop with a queue overflow): every frame, JSON-decoded to a ``dict``.
- ccxt.pro ``binance.watch_trades`` on the trade stream only (its ``urls['api']['ws']['spot']``
  pointed at the server, one market set by hand since the replay has no exchangeInfo): ccxt
  delivers trades per ``watch_trades`` call and folds order-book and bookTicker updates into
  state (``watch_order_book`` / ``watch_bids_asks`` return the latest book or ticker, not one
  result per event), so only trades are counted one per event; the floor and this library are
  measured again on the trade stream alone for that row.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from websockets.asyncio.client import connect

from benchmarks._table import Row
from binance_async.sim.replay import ReplayServer, read_capture
from binance_async.streams.manager import StreamGap, StreamManager

DATA = Path(os.environ.get("BINANCE_ASYNC_SHARED", Path(__file__).resolve().parents[2] / "shared"))
FILES = [DATA / "data/real/hftbacktest/examples/spot" / f"btcusdt_2024080{d}.gz" for d in (8, 9)]
STREAMS = ("btcusdt@depth@100ms", "btcusdt@trade", "btcusdt@bookTicker")
TRADES = ("btcusdt@trade",)
BENCH = "stream_throughput"

_records: list[Any] = []


def _server(loops: int) -> ReplayServer:
    if not _records:  # read (and gunzip) the capture once per process
        _records.extend(read_capture(*FILES))
    return ReplayServer(_records, pace=None, loops=loops, close_at_end=False)


def _expected(rp: ReplayServer, streams: tuple[str, ...], loops: int) -> int:
    return sum(1 for s in rp.stream_names if s in streams) * loops


async def floor(loops: int, streams: tuple[str, ...] = STREAMS) -> tuple[int, float]:
    """A bare websockets receive loop on the combined stream: (frames, seconds)."""
    async with _server(loops) as rp:
        expected = _expected(rp, streams, loops)
        url = f"{rp.ws_url}/stream?streams={'/'.join(streams)}"
        n = 0
        t0 = 0.0
        async with connect(url, ping_interval=None, compression=None, max_size=None) as ws:
            while n < expected:
                await ws.recv(decode=False)
                if n == 0:
                    t0 = time.perf_counter()
                n += 1
        return n, time.perf_counter() - t0


async def manager(loops: int, streams: tuple[str, ...] = STREAMS) -> tuple[int, float, int]:
    """`StreamManager.subscribe` + ``async for`` (typed events): (events, seconds, gaps)."""
    async with _server(loops) as rp:
        expected = _expected(rp, streams, loops)
        n = gaps = 0
        t0 = 0.0
        async with StreamManager(rp.ws_url) as m, m.subscribe(*streams, maxsize=8192) as sub:
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


class Skip(Exception):
    """A peer that cannot be measured here (not installed, cannot be pointed at the server)."""


async def python_binance(loops: int) -> tuple[int, float]:
    """python-binance ``BinanceSocketManager.multiplex_socket``: (events, seconds)."""
    try:
        import binance  # type: ignore[import-untyped]
        from binance.ws.reconnecting_websocket import (  # type: ignore[import-untyped]
            ReconnectingWebsocket,
        )
    except ImportError as exc:
        raise Skip(f"python-binance is not installed ({exc})") from None
    async with _server(loops) as rp:
        expected = _expected(rp, STREAMS, loops)

        class LocalSocketManager(binance.BinanceSocketManager):  # type: ignore[misc]
            STREAM_URL = rp.ws_url + "/"

        client = binance.AsyncClient()  # no request is made: the sockets need no REST
        # its read loop notices the end only between receive timeouts (10 s): shorten them
        timeout = ReconnectingWebsocket.TIMEOUT
        ReconnectingWebsocket.TIMEOUT = 0.5
        n = 0
        t0 = 0.0
        try:
            bsm = LocalSocketManager(client, max_queue_size=1 << 30)
            async with bsm.multiplex_socket(list(STREAMS)) as s:
                while n < expected:
                    msg = await s.recv()
                    if msg.get("e") == "error":
                        raise RuntimeError(f"python-binance read loop: {msg}")
                    if n == 0:
                        t0 = time.perf_counter()
                    n += 1
                t1 = time.perf_counter()
        finally:
            ReconnectingWebsocket.TIMEOUT = timeout
            await client.close_connection()
        return n, t1 - t0


_CCXT_MARKET = {
    "id": "BTCUSDT", "lowercaseId": "btcusdt", "symbol": "BTC/USDT", "base": "BTC",
    "quote": "USDT", "baseId": "BTC", "quoteId": "USDT", "type": "spot", "spot": True,
    "margin": False, "swap": False, "future": False, "option": False, "contract": False,
    "linear": None, "inverse": None, "active": True, "settle": None, "settleId": None,
    "contractSize": None, "expiry": None, "expiryDatetime": None, "strike": None,
    "optionType": None, "taker": 0.001, "maker": 0.001,
    "precision": {"amount": 1e-05, "price": 0.01},
    "limits": {"amount": {"min": None, "max": None}, "price": {"min": None, "max": None},
               "cost": {"min": None, "max": None}, "leverage": {"min": None, "max": None}},
    "info": {},
}  # fmt: skip


async def ccxt_trades(loops: int) -> tuple[int, float]:
    """ccxt.pro ``binance.watch_trades`` (trade stream only): (trades, seconds)."""
    try:
        import ccxt.pro as ccxtpro  # type: ignore[import-not-found, import-untyped, unused-ignore]
    except ImportError as exc:
        raise Skip(f"ccxt is not installed ({exc})") from None
    async with _server(loops) as rp:
        expected = _expected(rp, TRADES, loops)
        ex = ccxtpro.binance({"options": {"tradesLimit": 1 << 30}})
        # it connects to <urls.api.ws.spot>/<n> and SUBSCRIBEs: keep the replay's /ws path
        ex.urls["api"]["ws"]["spot"] = rp.ws_url + "/ws?ccxt="
        ex.set_markets([_CCXT_MARKET])
        n = 0
        t0 = t1 = 0.0
        try:
            while n < expected:
                try:
                    trades = await asyncio.wait_for(ex.watch_trades("BTC/USDT"), 2.0)
                except TimeoutError:
                    if n == 0:
                        raise
                    print(f"ccxt.pro: {n:,} of {expected:,} trades delivered, then none")
                    break  # the rate is over what was delivered
                if n == 0:
                    t0 = time.perf_counter()
                n += len(trades)
                t1 = time.perf_counter()
        finally:
            await ex.close()
        return n, t1 - t0


def _best(run: Callable[[], Awaitable[tuple[Any, ...]]], repeat: int) -> tuple[float, int]:
    """Run ``repeat`` times; (best events/s, events of that run)."""
    best, count = 0.0, 0
    for _ in range(repeat):
        r = asyncio.run(run())
        rate = r[0] / r[1]
        if rate > best:
            best, count = rate, r[0]
    return best, count


def _peer(name: str, run: Callable[[], Awaitable[tuple[Any, ...]]], repeat: int) -> float | None:
    try:
        rate, n = _best(run, repeat)
    except Skip as exc:
        print(f"peer {name}: skipped: {exc}")
        return None
    except Exception as exc:  # an API change in a peer must not fail the benchmark
        print(f"peer {name}: failed: {type(exc).__name__}: {exc}")
        return None
    print(f"peer {name}: {n:,} events, best {rate:,.0f} events/s")
    return rate


def rows(quick: bool = False, *, loops: int | None = None, repeat: int | None = None,
         peers: bool = True) -> list[Row]:  # fmt: skip
    """The measurement as `Row` s (floor, ours, peers; events/s). ``quick``: one pass, one run
    of each (well under a minute)."""
    loops = loops if loops is not None else (1 if quick else 3)
    repeat = repeat if repeat is not None else (1 if quick else 3)
    out: list[Row] = []
    best_floor = best_ours = 0.0
    for _ in range(repeat):  # interleaved, so drift on a shared machine hits both
        n, secs = asyncio.run(floor(loops))
        best_floor = max(best_floor, n / secs)
        print(f"floor   (bare websockets recv): {n:,} frames in {secs:.2f} s = "
              f"{n / secs:,.0f} frames/s")  # fmt: skip
        n, secs, gaps = asyncio.run(manager(loops))
        best_ours = max(best_ours, n / secs)
        print(f"streams (subscribe + async for, typed): {n:,} events in {secs:.2f} s = "
              f"{n / secs:,.0f} events/s, {gaps} gaps")  # fmt: skip
    print(f"best: floor {best_floor:,.0f} frames/s, client.streams {best_ours:,.0f} events/s, "
          f"ratio {best_ours / best_floor:.1%} (target >= 80%)")  # fmt: skip
    three = "3 streams (depth@100ms, trade, bookTicker), combined"
    out.append(Row(BENCH, "websockets recv loop", "floor", best_floor, "events/s", True,
                   f"{three}; bytes only, no decode"))  # fmt: skip
    out.append(Row(BENCH, "binance_async streams.subscribe", "ours", best_ours, "events/s", True,
                   f"{three}; typed msgspec events"))  # fmt: skip
    if not peers:
        return out
    rate = _peer("python-binance", lambda: python_binance(loops), repeat)
    if rate is not None:
        out.append(Row(BENCH, "python-binance BinanceSocketManager", "peer", rate, "events/s",
                       True, f"{three}; dicts (json)"))  # fmt: skip
    try:
        import ccxt.pro  # type: ignore[import-not-found, import-untyped, unused-ignore]  # noqa: F401
    except ImportError as exc:
        print(f"peer ccxt.pro: skipped: ccxt is not installed ({exc})")
        return out
    bench = BENCH + " (trade only)"
    f, _ = _best(lambda: floor(loops, TRADES), repeat)
    o, _ = _best(lambda: manager(loops, TRADES), repeat)
    print(f"trade stream only: floor {f:,.0f} frames/s, client.streams {o:,.0f} events/s")
    rate = _peer("ccxt.pro watch_trades", lambda: ccxt_trades(loops), repeat)
    out.append(Row(bench, "websockets recv loop", "floor", f, "events/s", True, "btcusdt@trade"))
    out.append(Row(bench, "binance_async streams.subscribe", "ours", o, "events/s", True,
                   "btcusdt@trade; typed"))  # fmt: skip
    if rate is not None:
        out.append(Row(bench, "ccxt.pro watch_trades", "peer", rate, "events/s", True,
                       "btcusdt@trade (raw /ws + SUBSCRIBE); unified trade dicts"))  # fmt: skip
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    ap.add_argument("--loops", type=int, default=3)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-peers", action="store_true", help="floor and this library only")
    a = ap.parse_args()
    result = rows(loops=a.loops, repeat=a.repeat, peers=not a.no_peers)
    with contextlib.suppress(ImportError):
        from benchmarks._table import render

        print()
        print(render(result))


if __name__ == "__main__":
    main()
