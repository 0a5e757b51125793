"""Order book apply benchmark: microseconds per diff-depth event, and bytes per price level.

    .venv/bin/python benchmarks/book_apply.py [--events 20000] [--runs 5] [--no-real]
        [--no-peers] [--no-memory] [--breakdown]

Per event: median, mean and 99th percentile over all events (each the best of ``--runs``
runs; the runs of all loops interleaved, so a noisy stretch of a shared machine falls on each
alike), and the median as a multiple of the floor:

- floor:        msgspec decode alone: the combined-stream frame decoded in one pass into the
                typed float event (``DEPTH_FRAME_FLOAT_DECODER``; envelope then event, the
                two-pass way, is printed too, about 0.5 us more);
- (a) apply:    ``DepthSync.feed_event(frame)`` (that decode + sync checks + apply + crossed
                check);
- (b) +read10:  (a) + ``book.bids(10)`` and ``book.asks(10)`` after every event;

on a seeded, generated BTCUSDT-like stream (1,000 levels per side, ~16 changed levels per event,
changes concentrated near the top like the real capture) and on the real hftbacktest BTCUSDT
capture (shared/data/real/hftbacktest, 6,493 diffs). The same loop runs through ccxt's
``OrderBook``, cryptofeed's C ``order_book.OrderBook`` and python-binance's ``DepthCache`` when
they are importable (never installed by this project), each decoding the frame in one pass
too. Memory: tracemalloc bytes per level for
1 book x 5,000 levels per side and 1,500 books x 1,000 levels per side, fresh and after churn.
``--breakdown`` splits our loop on the generated stream into its parts and measures a lower
bound for any pure-Python book: the floor, plus the sync checks alone (events with no levels),
plus one bare dict set/pop per changed level (no order kept at all), plus the two top-10 reads.
No assertion on any timing: this script only prints. `rows` gives the figures as
`benchmarks._table.Row` for ``python -m benchmarks``.
"""

from __future__ import annotations

import argparse
import bisect
import gc
import os
import random
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import msgspec

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks._table import Row  # noqa: E402
from binance_async.book import DepthSync, OrderBook  # noqa: E402
from binance_async.book.capture import read_hftbacktest  # noqa: E402
from binance_async.models.depth import (  # noqa: E402
    DEPTH_EVENT_DECODER,
    DEPTH_EVENT_FLOAT_DECODER,
    DEPTH_FRAME_FLOAT_DECODER,
    DEPTH_SNAPSHOT_FLOAT_DECODER,
    DEPTH_SNAPSHOT_RAW_DECODER,
    ENVELOPE_DECODER,
    DepthEvent,
)


class _TextFrame(msgspec.Struct, frozen=True, gc=False):
    """A combined-stream frame with a text-level event, decoded in one pass (python-binance's
    loop wants text levels)."""

    stream: str
    data: DepthEvent


_TEXT_FRAME_DECODER = msgspec.json.Decoder(_TextFrame)

SHARED = Path(os.environ.get("BINANCE_ASYNC_SHARED", ROOT.parent / "shared"))
REAL = SHARED / "data" / "real" / "hftbacktest" / "examples" / "spot"
REAL_FILES = [REAL / "btcusdt_20240808.gz", REAL / "btcusdt_20240809.gz"]


# ---------------------------------------------------------------------------- the stream


def generate(
    n_events: int = 20_000, levels: int = 1000, changes: float = 17.0, seed: int = 20240808
) -> tuple[bytes, list[bytes]]:
    """A seeded BTCUSDT-like snapshot and diff stream (combined-stream frames).

    Prices on a 0.01 grid around 61,837.63 written "%.8f"; quantities with 5 decimals. Each
    event changes ~16 distinct levels: 12% quantity updates, ~40% new levels, ~40% removals and
    8% removals of levels the book never had (as in the real capture); the rank of a change
    from the top is exponential (mean 6) half the time, exponential (mean 100) 35% of the time,
    uniform otherwise. The book stays near ``levels`` per side and never crosses.
    """
    rng = random.Random(seed)
    mid = 6_183_763

    def ladder(start: int, step: int) -> dict[int, float]:
        out: dict[int, float] = {}
        p = start
        for _ in range(levels):
            out[p] = rng.expovariate(2.0)
            p += step * rng.choice((1, 1, 1, 2, 3, 5))
        return out

    bq, aq = ladder(mid - 1, -1), ladder(mid, 1)
    bk, ak = sorted(bq), sorted(aq)

    def fp(c: int) -> str:
        return f"{c // 100}.{c % 100:02d}000000"

    def fq(q: float) -> str:
        return f"{q:.5f}000"

    snapshot = {
        "lastUpdateId": 1000,
        "bids": [[fp(p), fq(bq[p])] for p in reversed(bk)],
        "asks": [[fp(p), fq(aq[p])] for p in ak],
    }
    frames: list[bytes] = []
    uid = 1000
    for n in range(n_events):
        changed: tuple[dict[int, str], dict[int, str]] = ({}, {})
        for _ in range(max(1, round(rng.gauss(changes, 4)))):
            is_bid = rng.random() < 0.5
            keys, qty = (bk, bq) if is_bid else (ak, aq)
            out = changed[0 if is_bid else 1]
            size = len(keys)
            r = rng.random()
            if r < 0.5:
                rank = int(rng.expovariate(1 / 6))
            elif r < 0.85:
                rank = int(rng.expovariate(1 / 100))
            else:
                rank = rng.randrange(size)
            rank = min(rank, size - 1)
            idx = size - 1 - rank if is_bid else rank
            op = rng.random()
            grow = 0.05 if size < levels else -0.05
            away = -1 if is_bid else 1
            if op < 0.12:
                p = keys[idx]
                qty[p] = rng.expovariate(2.0) + 1e-5
                out[p] = fq(qty[p])
            elif op < 0.52 + grow:
                p = keys[idx] + away * rng.choice((1, 2, 3))
                if rank == 0 and rng.random() < 0.5:
                    p = keys[idx] - away
                    if (is_bid and p >= ak[0]) or (not is_bid and p <= bk[-1]):
                        continue
                while p in qty:
                    p += away
                qty[p] = rng.expovariate(2.0) + 1e-5
                bisect.insort(keys, p)
                out[p] = fq(qty[p])
            elif op < 0.92:
                if size <= 20:
                    continue
                p = keys[idx]
                del qty[p]
                del keys[idx]
                out[p] = "0.00000000"
            else:
                p = keys[0] - rng.randint(1, 50) if is_bid else keys[-1] + rng.randint(1, 50)
                if p not in qty:
                    out[p] = "0.00000000"
        first = uid + 1
        uid += rng.randint(1, 30)
        event = {
            "e": "depthUpdate",
            "E": 1_723_161_255_208 + 100 * n,
            "s": "BTCUSDT",
            "U": first,
            "u": uid,
            "b": [[fp(p), q] for p, q in sorted(changed[0].items(), reverse=True)],
            "a": [[fp(p), q] for p, q in sorted(changed[1].items())],
        }
        frames.append(msgspec.json.encode({"stream": "btcusdt@depth@100ms", "data": event}))
    return msgspec.json.encode(snapshot), frames


def load_real() -> tuple[bytes, list[bytes]] | None:
    """The hftbacktest capture: its REST snapshot and the diffs past it, as frames."""
    if not all(p.exists() for p in REAL_FILES):
        return None
    snapshot: bytes | None = None
    frames: list[bytes] = []
    for rec in read_hftbacktest(*REAL_FILES):
        if rec.kind == "snapshot" and snapshot is None:
            snapshot = rec.data
        elif rec.kind == "depth":
            frame = {"stream": rec.stream, "data": msgspec.Raw(rec.data)}
            frames.append(msgspec.json.encode(frame))
    if snapshot is None:
        return None
    lid = DEPTH_SNAPSHOT_RAW_DECODER.decode(snapshot).last_update_id
    kept = [
        f
        for f in frames
        if DEPTH_EVENT_DECODER.decode(ENVELOPE_DECODER.decode(f).data).final_update_id > lid
    ]
    return snapshot, kept


# ---------------------------------------------------------------------------- timing

Step = Callable[[Any], object]
PEER_EVENTS = 5_000  # peers run on the first events only (the slow ones take ~1 ms/event)


class Timing:
    """Microseconds per event: median, mean, 99th percentile (each the best over the runs)."""

    def __init__(self) -> None:
        self.median = self.mean = self.p99 = float("inf")

    def add(self, times_ns: list[int]) -> None:
        times_ns.sort()
        self.median = min(self.median, statistics.median(times_ns) / 1000)
        self.mean = min(self.mean, statistics.fmean(times_ns) / 1000)
        self.p99 = min(self.p99, times_ns[int(len(times_ns) * 0.99)] / 1000)


def timing(make_step: Callable[[], Step], items: Sequence[Any], runs: int) -> Timing:
    """``step(item)`` timed on every item, ``runs`` times (a fresh step each run)."""
    return timings({"": make_step}, items, runs)[""]


def timings(
    makers: dict[str, Callable[[], Step]], items: Sequence[Any], runs: int
) -> dict[str, Timing]:
    """`timing` of several loops with their runs interleaved (floor, ours, floor, ours, ...),
    so that a noisy stretch of a shared machine falls on every loop alike. A loop that raises
    is left out of the result (a peer whose API changed)."""
    results = {label: Timing() for label in makers}
    clock = time.perf_counter_ns
    for label, make in makers.items():  # an untimed pass: the first timed one would run cold
        try:
            warm = make()
            for item in items[:2000]:
                warm(item)
        except Exception as exc:
            print(f"  {label:34s} failed: {exc!r}", file=sys.stderr)
            del results[label]
    for _ in range(runs):
        for label in list(results):
            step = makers[label]()
            times = [0] * len(items)
            gc.collect()
            for i, item in enumerate(items):
                t0 = clock()
                step(item)
                times[i] = clock() - t0
            results[label].add(times)
    return results


def floor_step() -> Step:
    """msgspec decode alone: the frame in one pass into the typed float event."""
    decode = DEPTH_FRAME_FLOAT_DECODER.decode

    def step(frame: bytes) -> object:
        return decode(frame).data

    return step


def floor_two_pass() -> Step:
    """The envelope, then its ``data`` into the typed float event (for reference)."""
    env_decode = ENVELOPE_DECODER.decode
    ev_decode = DEPTH_EVENT_FLOAT_DECODER.decode

    def step(frame: bytes) -> object:
        return ev_decode(env_decode(frame).data)

    return step


def ours(snapshot: bytes, read: bool) -> Callable[[], Step]:
    def make() -> Step:
        sync = DepthSync("BTCUSDT", max_buffer=100_000)
        sync.feed_snapshot(snapshot)
        feed = sync.feed_event  # decodes the frame itself (one pass)
        book = sync.book
        if not read:
            return feed

        bids, asks = book.bids, book.asks

        def step_read(frame: bytes) -> object:
            feed(frame)
            return bids(10), asks(10)

        return step_read

    return make


def competitors(snapshot: bytes) -> dict[str, tuple[Callable[[bool], Callable[[], Step]], str]]:
    """Constructors of the same loop through other libraries that are importable here."""
    snap = DEPTH_SNAPSHOT_RAW_DECODER.decode(snapshot)
    fdecode = DEPTH_FRAME_FLOAT_DECODER.decode
    tdecode = _TEXT_FRAME_DECODER.decode
    found: dict[str, tuple[Callable[[bool], Callable[[], Step]], str]] = {}

    try:  # ccxt (ccxt.pro is part of ccxt): pure-Python OrderBook with bisect-kept sides
        import ccxt  # type: ignore[import-not-found, import-untyped, unused-ignore]
        from ccxt.async_support.base.ws.order_book import (  # type: ignore[import-not-found, import-untyped, unused-ignore]
            OrderBook as CcxtBook,
        )

        def ccxt_loop(read: bool) -> Callable[[], Step]:
            def make() -> Step:
                ob: Any = CcxtBook(
                    {
                        "bids": [[float(p), float(q)] for p, q in snap.bids],
                        "asks": [[float(p), float(q)] for p, q in snap.asks],
                        "nonce": snap.last_update_id,
                    }
                )
                b_store, a_store = ob["bids"].store, ob["asks"].store

                def step(frame: bytes) -> object:
                    ev = fdecode(frame).data
                    for p, q in ev.bids:
                        b_store(p, q)
                    for p, q in ev.asks:
                        a_store(p, q)
                    ob["nonce"] = ev.final_update_id
                    if read:
                        return ob["bids"][:10], ob["asks"][:10]
                    return None

                return step

            return make

        found["ccxt OrderBook"] = (ccxt_loop, f"ccxt {ccxt.__version__}")
    except Exception:  # not installed, or a different layout: skip silently
        pass

    try:  # cryptofeed's C extension (package "order-book")
        from order_book import (  # type: ignore[import-not-found, import-untyped, unused-ignore]
            OrderBook as CfBook,
        )

        def cf_loop(read: bool) -> Callable[[], Step]:
            def make() -> Step:
                ob: Any = CfBook()
                for p, q in snap.bids:
                    ob.bids[float(p)] = float(q)
                for p, q in snap.asks:
                    ob.asks[float(p)] = float(q)
                bids, asks = ob.bids, ob.asks
                top = range(10)

                def step(frame: bytes) -> object:
                    ev = fdecode(frame).data
                    for p, q in ev.bids:
                        if q:
                            bids[p] = q
                        elif p in bids:
                            del bids[p]
                    for p, q in ev.asks:
                        if q:
                            asks[p] = q
                        elif p in asks:
                            del asks[p]
                    if read:  # SortedDict.index(i): i-th best level
                        bi, ai = bids.index, asks.index
                        return [bi(i) for i in top], [ai(i) for i in top]
                    return None

                return step

            return make

        found["cryptofeed order_book (C)"] = (cf_loop, "order-book")
    except Exception:  # not installed: skip silently
        pass

    try:  # python-binance's DepthCache (dict per side, sorts on every read)
        try:
            from binance.ws.depthcache import (  # type: ignore[import-not-found, import-untyped, unused-ignore]
                DepthCache,
            )
        except ImportError:
            from binance.depthcache import (  # type: ignore[import-not-found, import-untyped, unused-ignore]
                DepthCache,  # older releases
            )

        def pb_loop(read: bool) -> Callable[[], Step]:
            def make() -> Step:
                dc: Any = DepthCache("BTCUSDT")
                for level in snap.bids:
                    dc.add_bid(list(level))
                for level in snap.asks:
                    dc.add_ask(list(level))

                def step(frame: bytes) -> object:
                    ev = tdecode(frame).data
                    for level in ev.bids:
                        dc.add_bid(level)
                    for level in ev.asks:
                        dc.add_ask(level)
                    if read:
                        return dc.get_bids()[:10], dc.get_asks()[:10]
                    return None

                return step

            return make

        found["python-binance DepthCache"] = (pb_loop, "python-binance")
    except Exception:  # not installed: skip silently
        pass

    try:  # unicorn-binance-local-depth-cache: a dict per side, sorted on apply and on read
        import threading

        from unicorn_binance_local_depth_cache import (  # type: ignore[import-not-found, import-untyped, unused-ignore]
            BinanceLocalDepthCacheManager as Ubldc,
        )

        def ubldc_loop(read: bool) -> Callable[[], Step]:
            def make() -> Step:
                # its manager connects to Binance when constructed: build only the book state
                m: Any = Ubldc.__new__(Ubldc)
                m.stop_request = False
                m.depth_caches = {"btcusdt": {
                    "bids": {p: float(q) for p, q in snap.bids},
                    "asks": {p: float(q) for p, q in snap.asks},
                    "is_synchronized": True, "stop_request": False,
                }}  # fmt: skip
                m.threading_lock_ask = {"btcusdt": threading.Lock()}
                m.threading_lock_bid = {"btcusdt": threading.Lock()}
                apply, get_bids, get_asks = m._apply_updates, m.get_bids, m.get_asks

                decode = msgspec.json.decode  # plain lists: its Cython signature wants list

                def step(frame: bytes) -> object:
                    ev = decode(frame)["data"]
                    apply(asks=ev["a"], bids=ev["b"], market="btcusdt")
                    if read:
                        return (get_bids(market="btcusdt", limit_count=10),
                                get_asks(market="btcusdt", limit_count=10))  # fmt: skip
                    return None

                return step

            return make

        found["unicorn-binance-local-depth-cache"] = (ubldc_loop, "ubldc")
    except Exception:  # not installed, or its internals changed: skip silently
        pass
    return found


# ---------------------------------------------------------------------------- memory


def snapshot_body(levels: int, seed: int) -> bytes:
    rng = random.Random(seed)
    mid = 6_183_763
    bids = [[f"{(mid - 1 - i) / 100:.8f}", f"{rng.expovariate(2.0):.5f}000"] for i in range(levels)]
    asks = [[f"{(mid + i) / 100:.8f}", f"{rng.expovariate(2.0):.5f}000"] for i in range(levels)]
    return msgspec.json.encode({"lastUpdateId": 1, "bids": bids, "asks": asks})


def bytes_per_level(books: int, levels: int, churn: Sequence[bytes] = ()) -> tuple[float, float]:
    """tracemalloc bytes per price level held by ``books`` OrderBooks of ``levels`` per side:
    freshly loaded, then after applying ``churn`` (decoded float events) to each."""
    snaps = [DEPTH_SNAPSHOT_RAW_DECODER.decode(snapshot_body(levels, i % 7)) for i in range(books)]
    events = [DEPTH_EVENT_FLOAT_DECODER.decode(ENVELOPE_DECODER.decode(f).data) for f in churn]
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    held = []
    for i, snap in enumerate(snaps):
        book = OrderBook(f"SYM{i}")
        book.load_snapshot(snap.bids, snap.asks, snap.last_update_id)
        held.append(book)
    gc.collect()
    fresh = tracemalloc.get_traced_memory()[0] - base
    total_fresh = sum(b.bid_count + b.ask_count for b in held)
    for book in held:
        for ev in events:
            book.apply_values(ev.bids, ev.asks)
    gc.collect()
    churned = tracemalloc.get_traced_memory()[0] - base
    total_churned = sum(b.bid_count + b.ask_count for b in held)
    tracemalloc.stop()
    return fresh / total_fresh, churned / total_churned


# ---------------------------------------------------------------------------- main


def run_stream(name: str, snapshot: bytes, frames: list[bytes], runs: int, peers: bool) -> None:
    nlev = [
        len(ev.bids) + len(ev.asks)
        for ev in (DEPTH_EVENT_DECODER.decode(ENVELOPE_DECODER.decode(f).data) for f in frames)
    ]
    snap = DEPTH_SNAPSHOT_RAW_DECODER.decode(snapshot)
    print(
        f"\n{name}: {len(frames)} events, {statistics.mean(nlev):.1f} changed levels/event "
        f"(median {statistics.median(nlev):.0f}), snapshot {len(snap.bids)}+{len(snap.asks)} levels"
    )
    makers: dict[str, Callable[[], Step]] = {
        "floor: msgspec decode alone": floor_step,
        "  (two-pass: envelope, then event)": floor_two_pass,
        "binance_async (a) decode+apply": ours(snapshot, False),
        "binance_async (b) +read top 10": ours(snapshot, True),
    }
    results = timings(makers, frames, runs)
    floor = results["floor: msgspec decode alone"]
    print(f"  {'loop (us/event)':34s} {'median':>8s} {'mean':>8s} {'p99':>8s} {'x floor':>8s}")
    for label, t in results.items():
        show(label, t, floor)
    if peers:  # on the first events only: the slow ones sort on every read (~1 ms/event)
        part = frames[:PEER_EVENTS]
        theirs: dict[str, Callable[[], Step]] = {}
        for label, (loop, _version) in competitors(snapshot).items():
            theirs[f"{label} (a)"] = loop(False)
            theirs[f"{label} (b)"] = loop(True)
        if len(part) < len(frames):
            print(f"  peers, on the first {len(part)} events:")
        for label, t in timings(theirs, part, runs).items():
            show(label, t, floor)


def show(label: str, t: Timing, floor: Timing) -> None:
    print(
        f"  {label:34s} {t.median:8.2f} {t.mean:8.2f} {t.p99:8.2f} {t.median / floor.median:8.2f}"
    )


def breakdown(snapshot: bytes, frames: list[bytes], runs: int) -> None:
    """Our loop in parts, and the least any pure-Python book could cost (see the module doc)."""
    events = [DEPTH_EVENT_FLOAT_DECODER.decode(ENVELOPE_DECODER.decode(f).data) for f in frames]
    empty = [msgspec.structs.replace(ev, bids=[], asks=[]) for ev in events]
    snap = DEPTH_SNAPSHOT_FLOAT_DECODER.decode(snapshot)

    def synced() -> DepthSync:
        sync = DepthSync("BTCUSDT", max_buffer=100_000)
        sync.feed_snapshot(snapshot)
        return sync

    def sync_only() -> Step:
        return synced().feed_event

    def apply_only() -> Step:
        apply = synced().book.apply_values
        return lambda ev: apply(ev.bids, ev.asks)

    def read_only() -> Step:
        book = synced().book
        bids, asks = book.bids, book.asks
        return lambda _: (bids(10), asks(10))

    def dict_bound() -> Step:
        bd, ad = dict(snap.bids), dict(snap.asks)

        def step(ev: Any) -> None:
            for p, q in ev.bids:
                if q:
                    bd[p] = q
                else:
                    bd.pop(p, None)
            for p, q in ev.asks:
                if q:
                    ad[p] = q
                else:
                    ad.pop(p, None)

        return step

    by_event = timings({"apply": apply_only, "dict": dict_bound, "read": read_only}, events, runs)
    floor = timing(floor_step, frames, runs)
    parts = [
        ("floor: msgspec decode alone", floor),
        ("sync checks alone (no levels)", timing(sync_only, empty, runs)),
        ("apply_values alone", by_event["apply"]),
        ("bound: dict set/pop, no order", by_event["dict"]),
        ("read bids(10) + asks(10)", by_event["read"]),
    ]
    print("\nbreakdown, generated stream (us/event)")
    print(f"  {'part':34s} {'median':>8s} {'mean':>8s} {'p99':>8s} {'x floor':>8s}")
    for label, t in parts:
        show(label, t, floor)
    bound = sum(parts[i][1].median for i in (0, 1, 3, 4))
    print(f"  lower bound (b), medians of floor + sync + dict bound + read: {bound:.2f}")


def _apply_rows(
    bench: str, snapshot: bytes, frames: list[bytes], runs: int, note: str, peer_cap: int
) -> list[Row]:
    """Floor, ours and every importable peer's (b) loop (peers on ``peer_cap`` events)."""
    us = "us/event"
    mine = timings({"floor": floor_step, "ours": ours(snapshot, True)}, frames, runs)
    out = [
        Row(bench, "msgspec decode alone (frame, one pass)", "floor",
            mine["floor"].median, us, False, note),
        Row(bench, "binance_async DepthSync + OrderBook", "ours", mine["ours"].median, us, False,
            "decode + sync checks + apply + bids(10)/asks(10), median; target <= 5"),
    ]  # fmt: skip
    found = competitors(snapshot)
    part = frames[:peer_cap]
    theirs = timings({label: loop(True) for label, (loop, _) in found.items()}, part, runs)
    extra = f", first {len(part)} events" if len(part) < len(frames) else ""
    for label, t in theirs.items():  # a peer whose API changed is left out (said on stderr)
        version = found[label][1]
        out.append(Row(bench, label, "peer", t.median, us, False, f"{version}, same loop{extra}"))
    return out


def rows(quick: bool = False) -> list[Row]:
    """The figures as table rows: (b) us/event median on the generated stream (floor, ours,
    every importable peer), on the real capture (not ``quick``), and bytes per level.
    ``quick``: 5,000 events, 2 runs, peers on 2,000 events (well under a minute); the full run
    times peers on 5,000 events (the slow ones sort on every read: ~1 ms/event)."""
    n_events, runs, peer_cap = (5_000, 2, 2_000) if quick else (20_000, 5, PEER_EVENTS)
    snapshot, frames = generate(n_events)
    out = _apply_rows(
        "book apply (b) us/event", snapshot, frames, runs,
        f"generated BTCUSDT-like stream, {len(frames)} events, ~16 levels/event", peer_cap,
    )  # fmt: skip
    if not quick:
        real = load_real()
        if real is not None:
            out += _apply_rows(
                "book apply (b) us/event, real capture", real[0], real[1], runs,
                f"hftbacktest BTCUSDT, {len(real[1])} events", peer_cap,
            )  # fmt: skip
    churn = generate(2000 if not quick else 1000)[1]
    sizes = ((1, 5000),) if quick else ((1, 5000), (1500, 1000))
    for books, levels in sizes:
        fresh, churned = bytes_per_level(books, levels, churn if books == 1 else churn[:200])
        out.append(
            Row(f"book memory bytes/level ({books} x {levels} levels/side)",
                "binance_async OrderBook", "ours", churned, "bytes/level", False,
                f"tracemalloc after churn; {fresh:.1f} fresh; target <= 100")
        )  # fmt: skip
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-real", action="store_true")
    parser.add_argument("--no-memory", action="store_true")
    parser.add_argument("--no-peers", action="store_true")
    parser.add_argument("--breakdown", action="store_true")
    args = parser.parse_args(argv)

    print(f"Python {sys.version.split()[0]}, msgspec {msgspec.__version__}")
    snapshot, frames = generate(args.events)
    run_stream("generated BTCUSDT-like stream", snapshot, frames, args.runs, not args.no_peers)
    if args.breakdown:
        breakdown(snapshot, frames, args.runs)
    if not args.no_real:
        real = load_real()
        if real is None:
            print("\nreal capture not found (set BINANCE_ASYNC_SHARED)")
        else:
            run_stream(
                "real hftbacktest BTCUSDT capture", real[0], real[1], args.runs, not args.no_peers
            )
    if not args.no_memory:
        churn = generate(2000)[1]
        print("\nmemory (tracemalloc, OrderBook only; bytes per price level, bids + asks)")
        for books, levels in ((1, 5000), (1500, 1000)):
            fresh, churned = bytes_per_level(books, levels, churn if books == 1 else churn[:200])
            print(
                f"  {books:5d} book(s) x {levels:5d} levels/side: {fresh:6.1f} fresh, "
                f"{churned:6.1f} after churn"
            )


if __name__ == "__main__":
    main()
