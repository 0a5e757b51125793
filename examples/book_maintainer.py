"""Order-book maintainer: keep local books in sync and print top of book and imbalance.

    python examples/book_maintainer.py [--url URL] [--symbols BTCUSDT ETHUSDT] [--seconds 10]

Books come from ``client.books`` (diff streams first, snapshots paced by the weight budget,
per-symbol resync). Imbalance is (bid size - ask size) / (bid size + ask size) over the top
``levels`` levels: +1 all bids, -1 all asks. A book that is resyncing prints as such, never as
a wrong price.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from dataclasses import dataclass

from _connect import connect

from binance_async import Client
from binance_async.book import OrderBook


@dataclass
class TopOfBook:
    symbol: str
    update_id: int
    bid: str
    ask: str
    imbalance: float


def top_of_book(symbol: str, book: OrderBook, levels: int = 10) -> TopOfBook | None:
    """Best bid/ask text and the size imbalance of the top ``levels``; None while unsynced."""
    if not book.synced:
        return None
    bids, asks = book.bids_text(levels), book.asks_text(levels)
    if not bids or not asks:
        return None
    bid_size = sum(float(q) for _, q in bids)
    ask_size = sum(float(q) for _, q in asks)
    imbalance = (bid_size - ask_size) / (bid_size + ask_size)
    return TopOfBook(symbol, book.update_id, bids[0][0], asks[0][0], imbalance)


async def maintain(
    client: Client, symbols: list[str], seconds: float, every: float = 1.0
) -> list[TopOfBook]:
    """Print each symbol's top of book at most every ``every`` seconds; return what was printed."""
    printed: list[TopOfBook] = []
    last: dict[str, float] = {}
    deadline = time.monotonic() + seconds
    async with client.books(symbols, depth=100) as books:
        await books.wait_synced(timeout=30)
        updates = books.updates()
        while (left := deadline - time.monotonic()) > 0:
            try:
                update = await asyncio.wait_for(anext(updates), left)
            except TimeoutError:
                break
            now = time.monotonic()
            if now - last.get(update.symbol, 0.0) < every:
                continue
            top = top_of_book(update.symbol, books[update.symbol])
            if top is None:
                print(f"{update.symbol:<10} resyncing")
                continue
            last[update.symbol] = now
            printed.append(top)
            print(f"{top.symbol:<10} id {top.update_id:<12} bid {top.bid:<16} ask {top.ask:<16} "
                  f"imbalance {top.imbalance:+.2f}")  # fmt: skip
        stats = books.statistics()
        print(f"{stats['applied']:,} events applied, {stats['resyncs']} resyncs")
    return printed


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="exchange REST URL (default: an in-process local exchange)")
    parser.add_argument("--symbols", nargs="+", default=["BTCUSDT", "ETHUSDT"])
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    async with connect(args.url, args.symbols) as client:
        await maintain(client, args.symbols, args.seconds)


if __name__ == "__main__":
    asyncio.run(main())
