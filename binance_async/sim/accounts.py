"""Accounts: balances (free / locked, integer 1e-8 units), commissions, order and trade history.

Balances only move through the engine: placing an order locks funds (quote for a BUY at its limit
price, base for a SELL), fills settle locked funds into the counterparty's free balance minus
commission (credited to the fee account), cancels and expiries unlock the rest. Deposits and
withdrawals (`Engine.deposit`) are the only other changes. Hence the invariants the tests check:
no balance is ever negative, and the total of every asset over all accounts (fee account
included) only changes by deposits.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ._num import SCALE, from_units, units_str

if TYPE_CHECKING:
    from .orders import Order, OrderList

__all__ = ["Account", "Balance", "TradeRecord", "UserCallback"]

UserCallback = Callable[[dict[str, Any]], None]

#: (tradeId, orderId, orderListId, price, qty, quoteQty, commission, commissionAsset, time,
#:  isBuyer, isMaker)
TradeRecord = tuple[int, int, int, int, int, int, int, str, int, bool, bool]


class Balance(tuple[Decimal, Decimal]):
    """``(free, locked)`` of one asset as Decimals."""

    __slots__ = ()

    @property
    def free(self) -> Decimal:
        """The free amount."""
        return self[0]

    @property
    def locked(self) -> Decimal:
        """The amount locked by open orders."""
        return self[1]


class Account:
    """One account's balances, commission rates, open orders and bounded history."""

    __slots__ = (
        "account_id",
        "cids",
        "closed",
        "free",
        "history_cap",
        "lists",
        "locked",
        "maker_rate",
        "open",
        "open_count",
        "orders",
        "subscribers",
        "taker_rate",
        "touched",
        "trades",
        "update_time",
    )

    def __init__(
        self,
        account_id: str,
        *,
        maker_rate: int,
        taker_rate: int,
        history_cap: int = 10_000,
    ) -> None:
        self.account_id = account_id
        self.free: dict[str, int] = {}
        self.locked: dict[str, int] = {}
        self.maker_rate = maker_rate  # commission rate in 1e-8 units (0.001 -> 100_000)
        self.taker_rate = taker_rate
        self.history_cap = history_cap
        #: symbol -> orderId -> open order (resting, or a pending stop)
        self.open: dict[str, dict[int, Order]] = {}
        self.open_count: dict[str, int] = {}
        #: (symbol, clientOrderId) -> open order
        self.cids: dict[tuple[str, str], Order] = {}
        #: symbol -> orderId -> order (open and recent closed ones)
        self.orders: dict[str, dict[int, Order]] = {}
        self.closed: dict[str, deque[int]] = {}
        self.trades: dict[str, deque[TradeRecord]] = {}
        #: symbol -> orderListId -> order list
        self.lists: dict[str, dict[int, OrderList]] = {}
        self.subscribers: list[UserCallback] = []
        #: assets changed during the current operation (only tracked while subscribed)
        self.touched: set[str] | None = None
        self.update_time = 0

    # --- balances -----------------------------------------------------------------------------

    def balance(self, asset: str) -> Balance:
        """``(free, locked)`` of ``asset`` as Decimals."""
        return Balance((from_units(self.free.get(asset, 0)), from_units(self.locked.get(asset, 0))))

    def balances(self) -> dict[str, Balance]:
        """Every asset the account has held, as Decimals."""
        assets = sorted(set(self.free) | set(self.locked))
        return {a: self.balance(a) for a in assets}

    def credit(self, asset: str, units: int) -> None:
        """Add to free (negative = debit); the caller checks a debit is covered."""
        self.free[asset] = self.free.get(asset, 0) + units
        if self.touched is not None:
            self.touched.add(asset)

    def lock(self, asset: str, units: int) -> None:
        """Move ``units`` from free to locked (the caller checked they are free)."""
        self.free[asset] -= units
        self.locked[asset] = self.locked.get(asset, 0) + units
        if self.touched is not None:
            self.touched.add(asset)

    def unlock(self, asset: str, units: int) -> None:
        """Move ``units`` from locked back to free."""
        self.locked[asset] -= units
        self.free[asset] += units
        if self.touched is not None:
            self.touched.add(asset)

    def position_event(self, event_time: int) -> dict[str, Any] | None:
        """``outboundAccountPosition`` for the assets touched since the last call, or None."""
        touched = self.touched
        if not touched:
            return None
        assets = sorted(touched)
        touched.clear()
        return {
            "e": "outboundAccountPosition",
            "E": event_time,
            "u": self.update_time,
            "B": [
                {
                    "a": a,
                    "f": units_str(self.free.get(a, 0)),
                    "l": units_str(self.locked.get(a, 0)),
                }
                for a in assets
            ],
        }

    # --- orders -------------------------------------------------------------------------------

    def add_open(self, o: Order, index_cid: bool = True) -> None:
        """Add ``o`` to the open orders and the history; ``index_cid``: also index its client id."""
        sym = o.mk.symbol
        d = self.open.get(sym)
        if d is None:
            d = self.open[sym] = {}
            self.orders[sym] = {}
            self.closed[sym] = deque()
        d[o.order_id] = o
        self.orders[sym][o.order_id] = o
        if index_cid:
            self.cids[(sym, o.cid)] = o

    def close(self, o: Order) -> None:
        """The order left the open set: keep it in the bounded history."""
        sym = o.mk.symbol
        opened = self.open[sym]
        if opened.pop(o.order_id, None) is None:
            return
        key = (sym, o.cid)
        if self.cids.get(key) is o:
            del self.cids[key]
        closed = self.closed[sym]
        closed.append(o.order_id)
        if len(closed) > self.history_cap:
            self.orders[sym].pop(closed.popleft(), None)

    def record_closed(self, o: Order) -> None:
        """An order that never rested (filled/expired at once) enters the history directly."""
        sym = o.mk.symbol
        hist = self.orders.get(sym)
        if hist is None:
            self.open[sym] = {}
            hist = self.orders[sym] = {}
            self.closed[sym] = deque()
        hist[o.order_id] = o
        closed = self.closed[sym]
        closed.append(o.order_id)
        if len(closed) > self.history_cap:
            hist.pop(closed.popleft(), None)

    def record_trade(self, symbol: str, rec: TradeRecord) -> None:
        """Append a trade to the bounded trade history of ``symbol``."""
        d = self.trades.get(symbol)
        if d is None:
            d = self.trades[symbol] = deque(maxlen=self.history_cap)
        d.append(rec)

    def commission_json(self) -> dict[str, Any]:
        """``makerCommission``... fields of ``GET /api/v3/account``."""
        return {
            "makerCommission": self.maker_rate * 10_000 // SCALE,
            "takerCommission": self.taker_rate * 10_000 // SCALE,
            "buyerCommission": 0,
            "sellerCommission": 0,
            "commissionRates": {
                "maker": units_str(self.maker_rate),
                "taker": units_str(self.taker_rate),
                "buyer": units_str(0),
                "seller": units_str(0),
            },
        }
