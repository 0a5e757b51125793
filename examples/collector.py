"""Market-data collector: trades and diff depth (with snapshots) of many symbols to files.

    python examples/collector.py [--url URL] [--symbols BTCUSDT ...] [--out DIR] [--seconds 10]

Streams are multiplexed over few connections by ``client.streams``; frames are written exactly
as received with their receive times, to rotating gzip JSON-lines files that
``binance-async replay DIR/*.jsonl.gz`` turns back into books. A gap (reconnect, overflow) is
recorded and the affected books get a fresh snapshot.
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from _connect import connect

from binance_async import Client
from binance_async.recording import Recorder, RecorderStatus, RecordingWriter


async def collect(
    client: Client, symbols: list[str], out: Path, seconds: float
) -> tuple[RecorderStatus, list[Path]]:
    """Record ``@trade`` and ``@depth@100ms`` of ``symbols`` for ``seconds``."""
    streams = [f"{s.lower()}@{kind}" for s in symbols for kind in ("trade", "depth@100ms")]
    writer = RecordingWriter(out, streams, prefix="collector", rotate_seconds=600)
    recorder = Recorder(client, streams, writer, snapshot_limit=1000)

    async def report() -> None:
        for _ in range(int(seconds)):
            await asyncio.sleep(1)
            print(recorder.status().line())
        recorder.stop()

    async with asyncio.TaskGroup() as tg:
        tg.create_task(report())
        status = await recorder.run()
    return status, writer.files


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="exchange REST URL (default: an in-process local exchange)")
    parser.add_argument("--symbols", nargs="+", default=["BTCUSDT", "ETHUSDT", "BNBUSDT"])
    parser.add_argument("--out", type=Path, default=Path("recordings"))
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    async with connect(args.url, args.symbols) as client:
        status, files = await collect(client, args.symbols, args.out, args.seconds)
    print(f"done: {status.line()}")
    for path in files:
        print(f"  {path}")


if __name__ == "__main__":
    asyncio.run(main())
