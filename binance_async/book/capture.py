"""Readers for recorded Binance captures, and a replay of one symbol through `DepthSync`.

Formats (see shared/data/real/README.md):

- **hftbacktest** (``*.gz`` or plain): ``<recv_ns> <raw JSON>`` per line; the JSON is either a
  REST depth body (``{"lastUpdateId": ...}``) or a combined-stream frame.
- **cryptofeed** ``*.http.0.0``: ``<url> -> <epoch_s>: <JSON>`` per line (REST bodies; the
  symbol is in the URL's ``symbol=`` parameter).
- **cryptofeed** ``*.ws.1.0``: a header line ``<wss url> <-> <epoch>``, then
  ``<epoch_s>: <combined-stream JSON>`` per line.

Every reader yields `Record` s (receive time in seconds, kind, upper-case symbol, the raw JSON of
the event or snapshot *without* the envelope); `merge` orders several readers by time.
`replay` feeds one symbol's snapshot and depth events through a `DepthSync` in recorded order
and cross-checks the book against every recorded bookTicker whose ``u`` equals an applied
event's ``u``.
"""

from __future__ import annotations

import gzip
import heapq
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, TypeAlias
from urllib.parse import parse_qs, urlsplit

from ..models.depth import DEPTH_SNAPSHOT_RAW_DECODER, ENVELOPE_DECODER
from ..models.streams import BookTickerEvent, StreamKind, decoder_for_kind
from .sync import AnyEvent, DepthSync, Rule

__all__ = [
    "Record",
    "ReplayResult",
    "merge",
    "read_cryptofeed_http",
    "read_cryptofeed_ws",
    "read_hftbacktest",
    "replay",
    "stream_kind",
]

Kind: TypeAlias = Literal["snapshot", "depth", "partial_depth", "book_ticker", "other"]


@dataclass(frozen=True, slots=True)
class Record:
    """One recorded message: ``data`` is the raw JSON of the event or REST body."""

    time: float
    kind: Kind
    symbol: str
    data: bytes
    stream: str = ""


_BOOK_TICKER_DECODER = decoder_for_kind(StreamKind.BOOK_TICKER)


def stream_kind(stream: str) -> tuple[str, Kind]:
    """``"btcusdt@depth@100ms"`` -> ``("BTCUSDT", "depth")``."""
    symbol, _, rest = stream.partition("@")
    name = rest.split("@", 1)[0]
    kind: Kind
    if name == "depth":
        kind = "depth"
    elif name.startswith("depth"):
        kind = "partial_depth"
    elif name == "bookTicker":
        kind = "book_ticker"
    else:
        kind = "other"
    return symbol.upper(), kind


def _stream_record(time: float, frame: bytes) -> Record:
    env = ENVELOPE_DECODER.decode(frame)
    symbol, kind = stream_kind(env.stream)
    return Record(time, kind, symbol, bytes(env.data), env.stream)


def _open_lines(path: str | Path) -> Iterator[bytes]:
    p = Path(path)
    opener = gzip.open if p.suffix == ".gz" else open
    with opener(p, "rb") as fh:
        for line in fh:
            line = line.rstrip(b"\r\n")
            if line:
                yield line


def read_hftbacktest(*paths: str | Path, symbol: str | None = None) -> Iterator[Record]:
    """Records of hftbacktest files read as one stream (pass consecutive days in order).

    A REST body has no symbol: it gets ``symbol`` or, by default, that of the stream frames
    around it (the files hold one symbol).
    """
    pending: list[Record] = []
    current = symbol.upper() if symbol else ""
    for path in paths:
        for line in _open_lines(path):
            ns, _, payload = line.partition(b" ")
            t = int(ns) / 1e9
            if payload.startswith(b'{"lastUpdateId"'):
                rec = Record(t, "snapshot", current, payload)
                if current:
                    yield rec
                else:
                    pending.append(rec)
                continue
            rec = _stream_record(t, payload)
            if not current:
                current = rec.symbol
                for snap in pending:
                    yield Record(snap.time, snap.kind, current, snap.data)
                pending.clear()
            yield rec
    yield from pending


def read_cryptofeed_http(path: str | Path) -> Iterator[Record]:
    """Snapshot records of a cryptofeed ``*.http.0.0`` file (depth bodies only)."""
    for line in _open_lines(path):
        head, sep, payload = line.partition(b": ")
        if not sep:
            continue
        url, _, when = head.decode().partition(" -> ")
        query = parse_qs(urlsplit(url).query)
        if "depth" not in urlsplit(url).path or "symbol" not in query:
            continue
        yield Record(float(when), "snapshot", query["symbol"][0].upper(), payload, url)


def read_cryptofeed_ws(path: str | Path) -> Iterator[Record]:
    """Stream records of a cryptofeed ``*.ws.1.0`` file (the header line is skipped)."""
    for line in _open_lines(path):
        if line.startswith(b"wss://") or line.startswith(b"ws://"):
            continue
        when, sep, payload = line.partition(b": ")
        if sep and payload.startswith(b"{"):
            yield _stream_record(float(when), payload)


def merge(*sources: Iterable[Record]) -> Iterator[Record]:
    """Records of several readers in receive-time order (stable for equal times)."""
    return heapq.merge(*sources, key=lambda r: r.time)


@dataclass
class ReplayResult:
    """What a replay saw; compare with ``orderbook_expectations.json``."""

    symbol: str
    snapshot_last_update_id: int | None = None
    snapshot_levels: tuple[int, int] = (0, 0)
    events_total: int = 0
    events_applied: int = 0
    events_dropped: int = 0
    events_ignored: int = 0
    first_applied: tuple[int, int] | None = None
    final_u: int = 0
    final_top: tuple[str, str, str, str] | None = None
    final_levels: tuple[int, int] = (0, 0)
    synced: bool = False
    crosschecks: int = 0
    mismatches: list[str] = field(default_factory=list)
    actions: Counter[str] = field(default_factory=Counter)
    reasons: list[str] = field(default_factory=list)


def replay(
    records: Iterable[Record],
    symbol: str,
    *,
    rule: Rule = "spot",
    max_buffer: int = 10_000,
) -> ReplayResult:
    """Feed one symbol's snapshots and diff events through a fresh `DepthSync`, in order.

    After every applied event whose ``u`` equals a recorded bookTicker's ``u`` (the bookTicker
    may come before or after it in the recording), the book's best bid/ask text must equal the
    bookTicker's ``b``/``B``/``a``/``A``; each difference is listed in ``mismatches``.
    """
    symbol = symbol.upper()
    mine = [r for r in records if r.symbol == symbol]
    tickers: dict[int, BookTickerEvent] = {}
    for r in mine:
        if r.kind == "book_ticker":
            bt = _BOOK_TICKER_DECODER.decode(r.data)
            tickers[bt.update_id] = bt
    result = ReplayResult(symbol)
    sync = DepthSync(symbol, rule=rule, max_buffer=max_buffer)
    book = sync.book

    def on_applied(ev: AnyEvent) -> None:
        u = ev.final_update_id
        if result.first_applied is None:
            result.first_applied = (ev.first_update_id, u)
        bt = tickers.get(u)
        if bt is None:
            return
        result.crosschecks += 1
        bid, ask = book.best_bid_text(), book.best_ask_text()
        want = ((bt.bid_price, bt.bid_quantity), (bt.ask_price, bt.ask_quantity))
        if (bid, ask) != want:
            result.mismatches.append(f"u={u}: book {bid} {ask} != bookTicker {want}")

    sync.on_applied = on_applied
    for r in mine:
        if r.kind == "depth":
            result.events_total += 1
            action = sync.feed_event(r.data)
        elif r.kind == "snapshot":
            if result.snapshot_last_update_id is None:
                snap = DEPTH_SNAPSHOT_RAW_DECODER.decode(r.data)
                result.snapshot_last_update_id = snap.last_update_id
                result.snapshot_levels = (len(snap.bids), len(snap.asks))
            action = sync.feed_snapshot(r.data)
        else:
            continue
        name = type(action).__name__
        result.actions[name] += 1
        reason = getattr(action, "reason", None)
        if name in ("ResyncNeeded", "NeedSnapshot") and reason is not None:
            result.reasons.append(reason)
    stats = sync.statistics()
    result.events_applied = stats.applied
    result.events_dropped = stats.dropped
    result.events_ignored = stats.ignored
    result.final_u = book.update_id
    result.synced = book.synced
    bid, ask = book.best_bid_text(), book.best_ask_text()
    if bid is not None and ask is not None:
        result.final_top = (bid[0], bid[1], ask[0], ask[1])
    result.final_levels = (book.bid_count, book.ask_count)
    return result
