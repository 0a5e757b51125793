"""Local order books: the price-level structure and the sans-I/O depth sync state machine.

- `OrderBook`: bids and asks of one symbol in numeric order, exact wire text recoverable.
- `BookManager` (``client.books([...])``): many books synced over one subscription.
- `DepthSync`: snapshot + diff-depth procedure (spot rule, futures ``pu`` rule); returns
  `NeedSnapshot` / `Buffered` / `Applied` / `Ignored` / `ResyncNeeded` for every input.
- `binance_async.book.capture`: readers for recorded captures (replay, tests, benchmarks).
"""

from .book import OrderBook
from .manager import BookManager, BookStats, BookUpdate
from .sync import (
    Action,
    Applied,
    Buffered,
    DepthSync,
    Ignored,
    NeedSnapshot,
    ResyncNeeded,
    SyncState,
    SyncStats,
)

__all__ = [
    "Action",
    "Applied",
    "BookManager",
    "BookStats",
    "BookUpdate",
    "Buffered",
    "DepthSync",
    "Ignored",
    "NeedSnapshot",
    "OrderBook",
    "ResyncNeeded",
    "SyncState",
    "SyncStats",
]
