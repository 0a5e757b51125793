"""Local order books: the price-level structure and the sans-I/O depth sync state machine.

- `OrderBook`: bids and asks of one symbol in numeric order, exact wire text recoverable.
- `BookManager` (``client.books([...])``): many books synced over one subscription.
- `DepthSync`: snapshot + diff-depth procedure (spot rule, futures ``pu`` rule); returns
  `NeedSnapshot` / `Buffered` / `Applied` / `Ignored` / `ResyncNeeded` for every input.
- `CrossCheck`: the book against the partial depth stream (``lastUpdateId`` + top levels);
  returns `Agree` / `Pending` / `Skipped` / `Suspect` / `Disagree` (``cross_check=True``).
- `binance_async.book.capture`: readers for recorded captures (replay, tests, benchmarks).
"""

from .book import OrderBook
from .crosscheck import (
    Agree,
    CrossCheck,
    CrossCheckStats,
    Disagree,
    Pending,
    Skipped,
    Suspect,
    Verdict,
)
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
    "Agree",
    "Applied",
    "BookManager",
    "BookStats",
    "BookUpdate",
    "Buffered",
    "CrossCheck",
    "CrossCheckStats",
    "DepthSync",
    "Disagree",
    "Ignored",
    "NeedSnapshot",
    "OrderBook",
    "Pending",
    "ResyncNeeded",
    "Skipped",
    "Suspect",
    "SyncState",
    "SyncStats",
    "Verdict",
]
