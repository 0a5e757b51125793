"""Per-call overhead of `Client.request` over raw aiohttp, on loopback.

Both loops hit the same local aiohttp server with a signed-GET-shaped request
(``GET /api/v3/account?...&timestamp=..&signature=..``, ~200-byte JSON answer). The raw loop's
URLs are distinct and signed in advance (real signed URLs never repeat; a repeated URL would hit
yarl's caches), so the floor is aiohttp's own cost of sending such a request. Batches of the two
are interleaved so machine noise hits both alike; each call is timed and the medians compared.
A second measurement runs the client's pipeline alone (encode, sign, limiter, decode) over an
in-memory transport, which is the overhead without the network's noise. Where python-binance is
installed, its ``AsyncClient.get_account()`` joins the interleaved batches (same server, same
answer), as a peer.

Run: python benchmarks/rest_overhead.py [--calls N]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestServer

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._table import Row
from binance_async.auth import HmacSigner
from binance_async.rest.ratelimit import DEFAULT_LIMITS, Limit, LimiterState, RateLimiter
from binance_async.rest.session import Client
from binance_async.rest.transport import HttpRequest, HttpResponse, MockTransport

BODY = (
    b'{"makerCommission":15,"takerCommission":15,"buyerCommission":0,"sellerCommission":0,'
    b'"canTrade":true,"canWithdraw":true,"canDeposit":true,"updateTime":123456789,'
    b'"accountType":"SPOT","balances":[{"asset":"BTC","free":"4723846.89208129",'
    b'"locked":"0.00000000"}],"permissions":["SPOT"]}'
)
KEY = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"
SECRET = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"
HEADERS = {"X-MBX-USED-WEIGHT-1M": "20", "Content-Type": "application/json"}


def unlimited() -> RateLimiter:
    """The real limiter with limits so high that the benchmark never waits (same code path)."""
    limits = [Limit(lim.pool, lim.interval_seconds, 10**12) for lim in DEFAULT_LIMITS]
    return RateLimiter(LimiterState(limits))


async def _handler(_: web.Request) -> web.Response:
    return web.Response(body=BODY, headers=HEADERS)


async def _raw_call(session: aiohttp.ClientSession, url: str) -> None:
    async with session.get(url, headers={"X-MBX-APIKEY": KEY}) as resp:
        await resp.read()


def _python_binance(base: str) -> object | None:
    """python-binance's AsyncClient pointed at ``base`` (None when it is not installed)."""
    try:
        from binance import AsyncClient
    except ImportError:
        return None
    client = AsyncClient(KEY, SECRET)
    client.API_URL = base + "/api"
    return client


async def measure(calls: int, batch: int = 50) -> dict[str, float]:
    app = web.Application()
    app.router.add_route("GET", "/{tail:.*}", _handler)
    server = TestServer(app, host="127.0.0.1", port=0)
    await server.start_server()
    base = str(server.make_url("")).rstrip("/")
    # The floor sends signed-GET-shaped URLs that are all distinct (as real signed requests are:
    # the timestamp changes), signed in advance so the floor pays no signing. Reusing one URL
    # would let yarl's and aiohttp's caches skip URL parsing, a saving no signed call gets.
    signer = HmacSigner(SECRET)
    raw_urls = []
    for i in range(calls + 20):
        query = f"symbol=BTCUSDT&recvWindow=5000&timestamp={1499827319559 + i}"
        raw_urls.append(f"{base}/api/v3/account?{query}&signature={signer.sign(query)}")
    urls = iter(raw_urls)
    raw_times: list[float] = []
    lib_times: list[float] = []
    peer_times: list[float] = []
    peer: Any = _python_binance(base)
    try:
        async with (
            aiohttp.ClientSession() as session,
            Client(KEY, SECRET, base_url=base, time_sync=False, limiter=unlimited()) as client,
        ):
            for _ in range(20):  # warm up both paths (connections, caches)
                await _raw_call(session, next(urls))
                await client.request("GET", "/api/v3/account", {"symbol": "BTCUSDT"})
                if peer is not None:
                    await peer.get_account()
            done = 0
            while done < calls:
                for _ in range(batch):
                    t0 = time.perf_counter_ns()
                    await _raw_call(session, next(urls))
                    raw_times.append(time.perf_counter_ns() - t0)
                for _ in range(batch):
                    t0 = time.perf_counter_ns()
                    await client.request("GET", "/api/v3/account", {"symbol": "BTCUSDT"})
                    lib_times.append(time.perf_counter_ns() - t0)
                if peer is not None:
                    for _ in range(batch):
                        t0 = time.perf_counter_ns()
                        await peer.get_account()
                        peer_times.append(time.perf_counter_ns() - t0)
                done += batch
    finally:
        if peer is not None:
            await peer.close_connection()
        await server.close()

    def handler(_: HttpRequest) -> HttpResponse:
        return HttpResponse(200, HEADERS, BODY)

    pipeline: list[float] = []
    async with Client(
        KEY, SECRET, base_url="http://x.invalid", transport=MockTransport(handler),
        time_sync=False, limiter=unlimited(),
    ) as client:  # fmt: skip
        for _ in range(calls):
            t0 = time.perf_counter_ns()
            await client.request("GET", "/api/v3/account", {"symbol": "BTCUSDT"})
            pipeline.append(time.perf_counter_ns() - t0)
    raw = statistics.median(raw_times) / 1000
    lib = statistics.median(lib_times) / 1000
    out = {
        "raw_aiohttp_us": raw,
        "client_us": lib,
        "overhead_us": lib - raw,
        "ratio": lib / raw,
        "pipeline_only_us": statistics.median(pipeline) / 1000,
    }
    if peer_times:
        out["python_binance_us"] = statistics.median(peer_times) / 1000
    return out


def rows(quick: bool = False) -> list[Row]:
    """Rows for ``python -m benchmarks``: floor, this library, python-binance (if installed)."""
    r = asyncio.run(measure(600 if quick else 3000))
    name = "REST signed GET, loopback"
    out = [
        Row(name, "raw aiohttp, pre-signed URLs", "floor", r["raw_aiohttp_us"], "us/call"),
        Row(name, "binance_async Client.request", "ours", r["client_us"], "us/call",
            note=f"overhead {r['overhead_us']:.1f} us (target <= 30)"),
    ]  # fmt: skip
    if "python_binance_us" in r:
        out.append(Row(name, "python-binance AsyncClient", "peer", r["python_binance_us"],
                       "us/call"))  # fmt: skip
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=3000)
    args = parser.parse_args()
    r = asyncio.run(measure(args.calls))
    print(f"signed GET on loopback, median of {args.calls} calls each (interleaved batches)")
    print(f"  raw aiohttp (floor)        {r['raw_aiohttp_us']:8.1f} us/call")
    print(
        f"  Client.request             {r['client_us']:8.1f} us/call   "
        f"ratio {r['ratio']:.2f}x the floor"
    )
    print(f"  overhead over raw aiohttp  {r['overhead_us']:8.1f} us/call   (target <= 30 us)")
    print(
        f"  pipeline alone (in-memory transport: encode+sign+limiter+decode) "
        f"{r['pipeline_only_us']:.1f} us/call"
    )
    if "python_binance_us" in r:
        print(f"  python-binance AsyncClient {r['python_binance_us']:8.1f} us/call (peer)")


if __name__ == "__main__":
    main()
