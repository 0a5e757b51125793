"""Account responses: balances and commissions, own trades, order-count usage, listenKey."""

from __future__ import annotations

from decimal import Decimal

from ._base import BinanceStruct
from .exchange_info import RateLimit

__all__ = [
    "Account",
    "Balance",
    "CommissionRates",
    "ListenKey",
    "MyTrade",
    "OrderRateLimitUsage",
]


class Balance(BinanceStruct, frozen=True, kw_only=True, gc=False):
    """One asset balance of `Account`."""

    asset: str
    free: Decimal
    locked: Decimal

    @property
    def total(self) -> Decimal:
        """``free + locked``."""
        return self.free + self.locked


class CommissionRates(BinanceStruct, frozen=True, kw_only=True):
    """``commissionRates`` of `Account` (fractions, e.g. ``0.00100000``; added 2023)."""

    maker: Decimal
    taker: Decimal
    buyer: Decimal
    seller: Decimal


class Account(BinanceStruct, frozen=True, kw_only=True):
    """``GET /api/v3/account``.

    The integer ``*_commission`` fields are in basis points (legacy); ``commission_rates``,
    ``uid`` and the STP/SOR flags exist only in newer responses.
    """

    maker_commission: int
    taker_commission: int
    buyer_commission: int
    seller_commission: int
    commission_rates: CommissionRates | None = None
    can_trade: bool
    can_withdraw: bool
    can_deposit: bool
    brokered: bool = False
    require_self_trade_prevention: bool = False
    prevent_sor: bool = False
    update_time: int
    account_type: str
    balances: list[Balance]
    permissions: list[str] = []
    uid: int | None = None

    def balance(self, asset: str) -> Balance | None:
        """The `Balance` of ``asset``, or None if the account does not list it."""
        for b in self.balances:
            if b.asset == asset:
                return b
        return None


class MyTrade(BinanceStruct, frozen=True, kw_only=True, gc=False):
    """A row of ``GET /api/v3/myTrades``."""

    symbol: str
    id: int
    order_id: int
    order_list_id: int = -1
    price: Decimal
    qty: Decimal
    quote_qty: Decimal
    commission: Decimal
    commission_asset: str
    time: int
    is_buyer: bool
    is_maker: bool
    is_best_match: bool


class OrderRateLimitUsage(RateLimit, frozen=True, kw_only=True):
    """A row of ``GET /api/v3/rateLimit/order``: a `RateLimit` plus the current ``count``."""

    count: int


class ListenKey(BinanceStruct, frozen=True, kw_only=True):
    """``POST /api/v3/userDataStream``: ``{"listenKey": ...}``."""

    listen_key: str
