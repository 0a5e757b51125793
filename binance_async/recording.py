"""Recordings: raw stream frames with receive times, and depth snapshots, in rotating files.

The format (``*.jsonl.gz`` or ``*.jsonl.zst``; one JSON object per line)::

    {"format":"binance-async/recording","version":1,"created_ns":...,"streams":[...]}
    {"t":1723075200123456789,"frame":{"stream":"btcusdt@depth@100ms","data":{...}}}
    {"t":1723075200234567890,"symbol":"BTCUSDT","snapshot":{"lastUpdateId":...,"bids":...}}
    {"t":1723075201000000000,"gap":["btcusdt@depth@100ms"],"reason":"reconnect"}

``t`` is the receive time in nanoseconds since the epoch; ``frame`` is the combined-stream frame
exactly as received (its bytes are copied, never re-encoded); ``snapshot`` is a REST depth body.
Each file starts with the header and, for depth streams, is followed by a fresh snapshot of each
symbol, so every file can rebuild books on its own.

A file is written as ``<name>.partial`` and renamed when it is complete (on rotation and on a
clean stop), so a finished name never holds a truncated file. `read_recording` yields the
`binance_async.book.capture.Record` s of the frames and snapshots (a truncated ``.partial`` is
read up to its last complete line), which the book replay and the local exchange's
`ReplayServer` consume.
"""

from __future__ import annotations

import asyncio
import gzip
import io
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, Literal, cast

import msgspec

from .book.capture import Record, stream_kind
from .models.depth import ENVELOPE_DECODER

__all__ = [
    "FORMAT",
    "Compression",
    "Recorder",
    "RecorderStatus",
    "RecordingWriter",
    "depth_symbols",
    "is_recording",
    "read_recording",
]

FORMAT = "binance-async/recording"
Compression = Literal["gzip", "zstd"]
_SUFFIX = {"gzip": ".jsonl.gz", "zstd": ".jsonl.zst"}


def _zstandard() -> Any:
    try:
        import zstandard
    except ImportError:
        raise ValueError(
            "zstd compression needs the 'zstandard' package (pip install 'binance-async[zstd]');"
            " use gzip instead"
        ) from None
    return zstandard


def _open_write(path: Path, compression: Compression) -> IO[bytes]:
    if compression == "gzip":
        return cast("IO[bytes]", gzip.open(path, "wb", compresslevel=5))
    raw = open(path, "wb")  # noqa: SIM115 - closed by the stream writer
    writer: IO[bytes] = _zstandard().ZstdCompressor(level=3).stream_writer(raw)
    return writer


def _open_read(path: Path) -> IO[bytes]:
    name = path.name.removesuffix(".partial")
    if name.endswith(".zst"):
        raw = open(path, "rb")  # noqa: SIM115 - closed by the reader
        return io.BufferedReader(_zstandard().ZstdDecompressor().stream_reader(raw))
    if name.endswith(".gz"):
        return cast("IO[bytes]", gzip.open(path, "rb"))
    return open(path, "rb")


class RecordingWriter:
    """Rotating, compressed writer of a recording (see the module docstring).

    ``rotate_bytes`` (uncompressed) and ``rotate_seconds`` bound each file; ``write_*`` return
    True when the line just written started a new file after the first (a rotation: the caller
    then writes fresh snapshots).
    Not thread-safe; one writer per recording.
    """

    def __init__(
        self,
        directory: str | Path,
        streams: list[str],
        *,
        prefix: str = "binance",
        compression: Compression = "gzip",
        rotate_bytes: int = 256 * 1024 * 1024,
        rotate_seconds: float = 3600.0,
    ) -> None:
        if compression not in _SUFFIX:
            raise ValueError(f"unknown compression {compression!r}: use 'gzip' or 'zstd'")
        if compression == "zstd":
            _zstandard()
        if rotate_bytes <= 0 or rotate_seconds <= 0:
            raise ValueError("rotate_bytes and rotate_seconds must be positive")
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.streams = list(streams)
        self.prefix = prefix
        self.compression: Compression = compression
        self.rotate_bytes = rotate_bytes
        self.rotate_seconds = rotate_seconds
        self.files: list[Path] = []  # completed files, in order
        self.messages = 0
        self.bytes = 0  # uncompressed, all files
        self._fh: IO[bytes] | None = None
        self._partial: Path | None = None
        self._file_bytes = 0
        self._opened_at = 0.0
        self._seq = 0

    @property
    def current(self) -> Path | None:
        """The file being written (its final name), or None when closed."""
        return self._partial.with_suffix("") if self._partial else None

    def _open(self) -> None:
        self._seq += 1
        stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
        name = f"{self.prefix}-{stamp}-{self._seq:04d}{_SUFFIX[self.compression]}"
        self._partial = self.directory / (name + ".partial")
        self._fh = _open_write(self._partial, self.compression)
        self._file_bytes = 0
        self._opened_at = time.monotonic()
        header = {
            "format": FORMAT,
            "version": 1,
            "created_ns": time.time_ns(),
            "streams": self.streams,
        }
        self._line(msgspec.json.encode(header))

    def _line(self, line: bytes) -> None:
        assert self._fh is not None
        self._fh.write(line + b"\n")
        self._file_bytes += len(line) + 1
        self.bytes += len(line) + 1

    def _maybe_rotate(self) -> bool:
        if self._fh is None:
            self._open()
            return bool(self.files)  # the first file is not a rotation
        if (
            self._file_bytes >= self.rotate_bytes
            or time.monotonic() - self._opened_at >= self.rotate_seconds
        ):
            self._finish()
            self._open()
            return True
        return False

    def write_frame(self, recv_ns: int, frame: bytes) -> bool:
        """Record one combined-stream frame as received; True if a new file was started."""
        rotated = self._maybe_rotate()
        self._line(b'{"t":%d,"frame":%s}' % (recv_ns, frame))
        self.messages += 1
        return rotated

    def write_snapshot(self, recv_ns: int, symbol: str, body: bytes) -> bool:
        """Record one REST depth snapshot body of ``symbol``; True if a new file was started."""
        rotated = self._maybe_rotate()
        self._line(b'{"t":%d,"symbol":%s,"snapshot":%s}' % (recv_ns, _quote(symbol), body))
        return rotated

    def write_gap(self, recv_ns: int, streams: list[str], reason: str) -> bool:
        """Record that ``streams`` may have lost events (a reconnect, an overflow)."""
        rotated = self._maybe_rotate()
        self._line(msgspec.json.encode({"t": recv_ns, "gap": streams, "reason": reason}))
        return rotated

    def _finish(self) -> None:
        if self._fh is None or self._partial is None:
            return
        fh, partial = self._fh, self._partial
        self._fh = self._partial = None
        fh.close()
        final = partial.with_suffix("")
        os.replace(partial, final)
        self.files.append(final)

    def close(self) -> None:
        """Complete the current file (flush, close, rename); safe to call twice."""
        self._finish()

    def __enter__(self) -> RecordingWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _quote(text: str) -> bytes:
    return msgspec.json.encode(text)


class _Line(msgspec.Struct, gc=False):
    t: int = 0
    frame: msgspec.Raw = msgspec.Raw(b"")
    snapshot: msgspec.Raw = msgspec.Raw(b"")
    symbol: str = ""
    format: str = ""


_LINE_DECODER = msgspec.json.Decoder(_Line)


def is_recording(path: str | Path) -> bool:
    """True if ``path`` is a file of this format (its first line is the header)."""
    p = Path(path)
    name = p.name.removesuffix(".partial")
    if not (name.endswith(".jsonl.gz") or name.endswith(".jsonl.zst") or name.endswith(".jsonl")):
        return False
    try:
        with _open_read(p) as fh:
            first = fh.readline()
        return _LINE_DECODER.decode(first).format == FORMAT
    except (OSError, EOFError, ValueError, msgspec.DecodeError):
        return False


def read_recording(*paths: str | Path) -> Iterator[Record]:
    """The frames and snapshots of recording files, in file order, as capture `Record` s.

    A truncated tail (a ``.partial`` left by a crash) ends the file quietly; a line that is not
    valid JSON raises ``ValueError`` naming the file and line.
    """
    for raw_path in paths:
        path = Path(raw_path)
        with _open_read(path) as fh:
            lineno = 0
            while True:
                try:
                    line = fh.readline()
                except (EOFError, OSError):
                    break  # truncated compressed stream
                if not line:
                    break
                lineno += 1
                if not line.endswith(b"\n"):
                    break  # a partial last line
                try:
                    rec = _LINE_DECODER.decode(line)
                except msgspec.DecodeError as exc:
                    raise ValueError(f"{path}:{lineno}: not a recording line: {exc}") from None
                t = rec.t / 1e9
                if rec.frame:
                    env = ENVELOPE_DECODER.decode(rec.frame)
                    symbol, kind = stream_kind(env.stream)
                    yield Record(t, kind, symbol, bytes(env.data), env.stream)
                elif rec.snapshot:
                    yield Record(t, "snapshot", rec.symbol.upper(), bytes(rec.snapshot))


class RecorderStatus(msgspec.Struct, frozen=True):
    """A recorder's progress: messages and uncompressed bytes written, files, lag."""

    messages: int
    bytes: int
    files: int
    snapshots: int
    gaps: int
    current: str
    lag_ms: float | None

    def line(self) -> str:
        """One line for a live status display."""
        lag = f"{self.lag_ms:.0f} ms" if self.lag_ms is not None else "-"
        return (
            f"{self.messages:,} messages, {self.bytes / 1e6:,.1f} MB, {self.files} file(s), "
            f"{self.snapshots} snapshots, {self.gaps} gaps, lag {lag}"
        )


def depth_symbols(streams: list[str]) -> list[str]:
    """Upper-case symbols of the diff-depth streams among ``streams`` (they need snapshots)."""
    out: list[str] = []
    for name in streams:
        symbol, kind = stream_kind(name)
        if kind == "depth" and symbol not in out:
            out.append(symbol)
    return out


class Recorder:
    """Record ``streams`` through ``client.streams`` into a `RecordingWriter` until stopped.

    Diff-depth streams get a REST snapshot (through the client's limiter, ``snapshot_limit``
    levels) after the subscription is acknowledged, at the start of every file and after every
    gap marker that names them (once their next event is written), so the recording can
    rebuild books. `stop` ends it cleanly: the
    current file is completed and renamed.
    """

    def __init__(
        self,
        client: Any,
        streams: list[str],
        writer: RecordingWriter,
        *,
        snapshot_limit: int = 1000,
        maxsize: int = 65_536,
    ) -> None:
        self.client = client
        self.streams = list(streams)
        self.writer = writer
        self.snapshot_limit = snapshot_limit
        self.maxsize = maxsize
        self.snapshots = 0
        self.gaps = 0
        self._depth = depth_symbols(self.streams)
        self._stop = asyncio.Event()
        self._wanted: set[str] = set()
        self._want = asyncio.Event()
        self._after_gap: set[str] = set()

    def stop(self) -> None:
        """Ask `run` to finish (safe from a signal handler)."""
        self._stop.set()

    def status(self) -> RecorderStatus:
        """Counters for a status line."""
        w = self.writer
        lag = self.client.streams.max_lag_ms()
        current = w.current.name if w.current else ""
        return RecorderStatus(
            w.messages, w.bytes, len(w.files) + (1 if w.current else 0), self.snapshots,
            self.gaps, current, lag,
        )  # fmt: skip

    def _request_snapshots(self, symbols: list[str]) -> None:
        self._wanted.update(symbols)
        self._want.set()

    async def _snapshotter(self) -> None:
        while True:
            await self._want.wait()
            self._want.clear()
            while self._wanted:
                symbol = self._wanted.pop()
                body = await self.client.request(
                    "GET", "/api/v3/depth", {"symbol": symbol, "limit": self.snapshot_limit}
                )
                if self.writer.write_snapshot(time.time_ns(), symbol, msgspec.json.encode(body)):
                    self._request_snapshots(self._depth)
                self.snapshots += 1

    def _snapshot_after_gap(self, frame: bytes) -> None:
        symbol, kind = stream_kind(ENVELOPE_DECODER.decode(frame).stream)
        if kind == "depth" and symbol in self._after_gap:
            self._after_gap.discard(symbol)
            self._request_snapshots([symbol])

    async def _record(self) -> None:
        writer = self.writer
        async with self.client.streams.subscribe(
            *self.streams, raw=True, maxsize=self.maxsize
        ) as sub:
            self._request_snapshots(self._depth)
            async for item in sub:
                if isinstance(item, tuple):
                    if writer.write_frame(item[0], item[1]):
                        self._request_snapshots(self._depth)
                    if self._after_gap:
                        self._snapshot_after_gap(item[1])
                    continue
                # a StreamGap: record it; each depth symbol it names is snapshotted again
                # after its next event is written, so that a replay meets the event that shows
                # the gap before the snapshot that heals it (as `BookManager` fetches)
                self.gaps += 1
                names = list(item.streams)
                writer.write_gap(time.time_ns(), names, item.reason)
                self._after_gap.update(s for s in depth_symbols(names) if s in self._depth)

    async def run(self) -> RecorderStatus:
        """Record until `stop` (or an error, which propagates); the files are complete after."""
        try:
            async with asyncio.TaskGroup() as tg:
                record = tg.create_task(self._record())
                snap = tg.create_task(self._snapshotter())
                await self._stop.wait()
                record.cancel()
                snap.cancel()
        finally:
            self.writer.close()
        return self.status()
