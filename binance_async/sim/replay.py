"""Replay: a recorded capture served as Binance streams, with its REST depth snapshots.

::

    async with ReplayServer.from_files("btcusdt_20240808.gz", "btcusdt_20240809.gz") as rp:
        # ws://127.0.0.1:PORT/stream?streams=btcusdt@depth@100ms/btcusdt@trade
        # http://127.0.0.1:PORT/api/v3/depth?symbol=BTCUSDT  (the snapshot embedded in the capture)
        await rp.finished.wait()

Inputs: any `binance_async.book.capture.Record` iterable, or files (`from_files` picks the
reader by name): hftbacktest ``<recv_ns> <json>`` lines (``.gz`` or plain; the REST depth body
written into the stream becomes the snapshot), cryptofeed ``*.ws.1.0`` (with the
``*.http.0.0`` next to it for snapshots), or the project's own recordings
(`binance_async.recording`, written by ``binance-async record``). Every recorded stream name
can be subscribed to, through the URL or ``SUBSCRIBE``, raw or combined, with the live
exchange's control messages and connection rules (`StreamHub`, `WsCore`); other well-formed
names are accepted and stay silent.

Pace: ``pace=1.0`` replays at the recorded pace (``2.0`` twice as fast); ``pace=None`` as fast
as the sockets take it (for throughput benchmarks: frames are written in batches of
``batch`` events, each connection's frames of a batch in one write, and the replay waits for
the slowest subscriber's socket buffer to drain below ``high_water`` bytes). The replay starts
at the first subscription (``start_on="subscribe"``, so a client sees the capture from its
first event) or at `start` (``start_on="start"``), runs ``loops`` times over the capture, then
sets `finished` and, with ``close_at_end``, closes every connection with 1000.

REST: ``GET /api/v3/depth?symbol=&limit=`` answers the latest recorded snapshot of the symbol
at the replay position (the first one before it is reached; ``limit`` truncates the levels);
``/api/v3/time`` gives the recorded time of the position; ``/api/v3/ping``;
``GET /_sim/replay`` the progress (`statistics`); ``POST /_sim/replay/start`` starts a
``start_on="manual"`` replay.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal

import msgspec
from aiohttp import web

from ..book.capture import (
    Record,
    merge,
    read_cryptofeed_http,
    read_cryptofeed_ws,
    read_hftbacktest,
)
from ._web import start_site
from .clock import SimClock
from .stream_sources import parse_stream
from .ws_conn import Conn, WsCore, WsLimits
from .ws_streams import InvalidStream, StreamHub, StreamSource

__all__ = ["ReplayServer", "read_capture"]

log = logging.getLogger("binance_async.sim")

StartOn = Literal["subscribe", "start", "manual"]


def read_capture(*paths: str | Path) -> list[Record]:
    """Records of capture files, the reader chosen by name, merged in receive-time order."""
    sources: list[Iterable[Record]] = []
    hft: list[Path] = []
    from ..recording import is_recording, read_recording

    for raw in paths:
        p = Path(raw)
        if is_recording(p):
            sources.append(read_recording(p))
        elif p.name.endswith(".ws.1.0"):
            sources.append(read_cryptofeed_ws(p))
            http = p.with_name(p.name[: -len(".ws.1.0")] + ".http.0.0")
            if http.exists():
                sources.append(read_cryptofeed_http(http))
        elif p.name.endswith(".http.0.0"):
            sources.append(read_cryptofeed_http(p))
        else:
            hft.append(p)
    if hft:
        sources.append(read_hftbacktest(*hft))
    return list(merge(*sources)) if len(sources) > 1 else list(sources[0]) if sources else []


class _Recorded(StreamSource):
    """A recorded stream: pushed by the replay, never polled."""

    __slots__ = ()

    def __init__(self) -> None:
        super().__init__(-1)


class _Resolver:
    def __init__(self, names: set[str]) -> None:
        self.names = names

    def resolve(self, name: str) -> StreamSource | None:
        if name in self.names:
            return _Recorded()
        parse_stream(name)  # InvalidStream when malformed
        if "@" not in name:
            raise InvalidStream()
        return None


class ReplayServer:
    """Serve `records` as streams and snapshots on 127.0.0.1 (see the module docstring)."""

    def __init__(
        self,
        records: Iterable[Record],
        *,
        pace: float | None = 1.0,
        loops: int = 1,
        start_on: StartOn = "subscribe",
        close_at_end: bool = False,
        host: str = "127.0.0.1",
        port: int = 0,
        ws_limits: WsLimits | None = None,
        batch: int = 2048,
        high_water: int = 1 << 20,
    ) -> None:
        if pace is not None and not pace > 0:
            raise ValueError("pace must be > 0 (or None: as fast as possible)")
        if loops < 1:
            raise ValueError("loops must be >= 1")
        self.pace = pace
        self.loops = loops
        self.start_on: StartOn = start_on
        self.close_at_end = close_at_end
        self.host = host
        self.port = port
        self.batch = max(1, batch)
        self.high_water = high_water
        self.times: list[float] = []
        self.stream_names: list[str] = []
        self.payloads: list[bytes] = []
        self.snapshots: dict[str, list[tuple[float, bytes]]] = {}
        for r in records:
            if r.kind == "snapshot":
                self.snapshots.setdefault(r.symbol.upper(), []).append((r.time, r.data))
            elif r.stream:
                self.times.append(r.time)
                self.stream_names.append(r.stream)
                self.payloads.append(r.data)
        self.clock = SimClock()
        self.ws = WsCore(self.clock, ws_limits)
        self.hub = StreamHub(self.ws, _Resolver(set(self.stream_names)), kind="replay")
        self.hub.on_change.append(self._on_subscribe)
        self.position = 0
        self.position_time = self.times[0] if self.times else 0.0
        self.frames_sent = 0
        self.events_done = 0
        self.started_at: float | None = None
        self.finished_at: float | None = None
        self.finished = asyncio.Event()
        self._go = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._task: asyncio.Task[None] | None = None
        self.app = self._make_app()

    @classmethod
    def from_files(cls, *paths: str | Path, **kwargs: Any) -> ReplayServer:
        """A replay of capture files (`read_capture`)."""
        return cls(read_capture(*paths), **kwargs)

    # --- lifecycle ------------------------------------------------------------------------------

    @property
    def rest_url(self) -> str:
        """``http://host:port`` of the running server; RuntimeError before `start`."""
        if self._runner is None:
            raise RuntimeError("the replay server is not started")
        return f"http://{self.host}:{self.port}"

    @property
    def ws_url(self) -> str:
        """``ws://host:port`` of the running server; RuntimeError before `start`."""
        return "ws" + self.rest_url[4:]

    async def __aenter__(self) -> ReplayServer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def start(self) -> None:
        """Bind the server and start the replay task (playing now if ``start_on="start"``)."""
        self._runner, self.port = await start_site(self.app, self.host, self.port)
        self.ws.start()
        self._task = asyncio.create_task(self._play(), name="binance_async.sim replay")
        if self.start_on == "start":
            self._go.set()

    def begin(self) -> None:
        """Start a ``start_on="manual"`` replay now."""
        self._go.set()

    async def stop(self) -> None:
        """Stop the replay, close every connection and unbind the server."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.ws.stop()
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    def _on_subscribe(self, conn: Conn) -> None:
        if self.start_on == "subscribe" and conn.streams:
            self._go.set()

    # --- the replay loop ------------------------------------------------------------------------

    async def _play(self) -> None:
        try:
            await self._go.wait()
            self.started_at = time.perf_counter()
            for _ in range(self.loops):
                await self._one_pass()
            self.finished_at = time.perf_counter()
            self.finished.set()
            if self.close_at_end:
                for conn in self.ws.select("replay"):
                    conn.close(1000, "end of the replay")
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("the replay failed")
            raise

    async def _one_pass(self) -> None:
        times = self.times
        n = len(times)
        if not n:
            return
        t0 = times[0]
        pace = self.pace
        batch = self.batch
        wall0 = time.perf_counter()
        i = 0
        while i < n:
            if pace is None:
                j = min(n, i + batch)
            else:
                elapsed = time.perf_counter() - wall0
                due = (times[i] - t0) / pace
                if due > elapsed:
                    await asyncio.sleep(min(due - elapsed, 0.05))
                    continue
                horizon = t0 + elapsed * pace
                j = i + 1
                while j < n and j - i < batch and times[j] <= horizon:
                    j += 1
            self._send(i, j)
            self.position = j
            self.position_time = times[j - 1]
            self.events_done += j - i
            i = j
            await self._drain()

    def _send(self, i: int, j: int) -> None:
        streams = self.hub.streams
        names = self.stream_names
        payloads = self.payloads
        out: dict[int, tuple[Conn, list[bytes]]] = {}
        for k in range(i, j):
            st = streams.get(names[k])
            if st is None or not st.subs:
                continue
            raw, comb = st.frames(payloads[k])
            for cid, conn in st.subs.items():
                slot = out.get(cid)
                if slot is None:
                    slot = out[cid] = (conn, [])
                slot[1].append(comb if conn.combined else raw)  # type: ignore[arg-type]
        for conn, frames in out.values():
            self.frames_sent += len(frames)
            conn.send(b"".join(frames), len(frames))

    async def _drain(self) -> None:
        high = self.high_water
        slow = [c for c in self.ws.select("replay") if c.writable and c.buffered() > high]
        if slow:
            await asyncio.gather(*(c.drain(high) for c in slow))
        else:
            await asyncio.sleep(0)

    # --- REST -----------------------------------------------------------------------------------

    def _make_app(self) -> web.Application:
        app = web.Application()
        self.hub.add_routes(app)
        app.router.add_get("/api/v3/depth", self._depth)
        app.router.add_get("/api/v3/time", self._time)
        app.router.add_get("/api/v3/ping", self._ping)
        app.router.add_get("/_sim/replay", self._status)
        app.router.add_post("/_sim/replay/start", self._start)
        return app

    def snapshot(self, symbol: str) -> bytes | None:
        """The latest recorded snapshot of `symbol` at the replay position (or the first)."""
        snaps = self.snapshots.get(symbol.upper())
        if not snaps:
            return None
        best = snaps[0][1]
        for t, body in snaps:
            if t > self.position_time:
                break
            best = body
        return best

    async def _depth(self, request: web.Request) -> web.StreamResponse:
        symbol = request.query.get("symbol", "")
        body = self.snapshot(symbol)
        if body is None:
            return _json(400, b'{"code":-1121,"msg":"Invalid symbol."}')
        limit = request.query.get("limit")
        if limit and limit.isdigit():
            snap = msgspec.json.decode(body)
            n = int(limit)
            if len(snap.get("bids", ())) > n or len(snap.get("asks", ())) > n:
                snap["bids"] = snap["bids"][:n]
                snap["asks"] = snap["asks"][:n]
                body = msgspec.json.encode(snap)
        return _json(200, body)

    async def _time(self, request: web.Request) -> web.StreamResponse:
        return _json(200, b'{"serverTime":%d}' % int(self.position_time * 1000))

    async def _ping(self, request: web.Request) -> web.StreamResponse:
        return _json(200, b"{}")

    async def _status(self, request: web.Request) -> web.StreamResponse:
        return _json(200, msgspec.json.encode(self.statistics()))

    async def _start(self, request: web.Request) -> web.StreamResponse:
        self.begin()
        return _json(200, b'{"ok":true}')

    def statistics(self) -> dict[str, Any]:
        """Progress and throughput: events, frames written, frames per second."""
        end = self.finished_at or time.perf_counter()
        elapsed = end - self.started_at if self.started_at is not None else 0.0
        return {
            "events": len(self.times),
            "streams": sorted(set(self.stream_names)),
            "snapshots": {s: len(v) for s, v in self.snapshots.items()},
            "position": self.position,
            "events_done": self.events_done,
            "frames_sent": self.frames_sent,
            "elapsed_s": round(elapsed, 6),
            "frames_per_s": round(self.frames_sent / elapsed) if elapsed > 0 else 0,
            "finished": self.finished.is_set(),
            "connections": len(self.ws.conns),
        }


def _json(status: int, body: bytes) -> web.Response:
    return web.Response(status=status, body=body, content_type="application/json")
