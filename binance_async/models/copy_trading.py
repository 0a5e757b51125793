"""Copy trading: the leader API v2 (``/api/v2/copy-trading/leader``) and the two SAPI endpoints.

**Leader API v2.** Every response arrives as ``{"code":200,"msg":"success","data":...}``; the
session unwraps it (a ``code`` other than 200 raises the matching `APIError` subclass even with
HTTP 200) and decodes ``data`` into the models below in msgspec's lax mode
(``strict=False``), because the leader API serialises 64-bit integers as JSON strings
(``"openTime": "1717200000000"``, ``"pages": "3"``). Such fields are exposed as ``int``;
money, prices, rates and quantities as ``Decimal`` (exact text kept). Flags documented as
``0``/``1`` stay ``int`` as on the wire (``is_long``, ``is_lead``). Page objects keep the wire's
``list`` under the attribute ``items``.

The config update and the follower removal answer ``data: null``: their typed methods return
None.

**SAPI** (``/sapi/v1/copy-trading/futures/...``): the body is Binance's older
``{"code":"000000","message":"success","data":...,"success":true}`` wrapper, decoded whole
(`CopyTradingUserStatus`, `CopyTradingLeadSymbols`); ``data`` holds the payload.
"""

from __future__ import annotations

from decimal import Decimal

import msgspec

from ._base import BinanceStruct

__all__ = [
    "CopyTradingLeadSymbol",
    "CopyTradingLeadSymbols",
    "CopyTradingUserStatus",
    "LeadOrder",
    "LeadOrderHistoryPage",
    "LeadOrderRecord",
    "LeadTraderStatus",
    "LeaderFollower",
    "LeaderFollowerPage",
    "LeaderSymbol",
    "LeaderTradeData",
    "ProfitSharingRecord",
]


# --- leader API v2 ----------------------------------------------------------------------------


class LeadOrder(BinanceStruct, frozen=True, kw_only=True):
    """One current lead order (``GET /api/v2/copy-trading/leader/orders/current``)."""

    symbol_id: str
    symbol_name: str = ""
    is_long: int
    """1 long, 0 short."""
    position_type: int
    leverage: Decimal
    open_time: int
    """Epoch milliseconds."""
    quantity: Decimal
    new_price: Decimal | None = None
    open_price: Decimal
    total_follower_count: int = 0
    total_follower_margin: Decimal | None = None
    profit_rate: Decimal | None = None
    mark_price: Decimal | None = None


class LeadOrderRecord(BinanceStruct, frozen=True, kw_only=True):
    """One historical lead order (an item of `LeadOrderHistoryPage.items`)."""

    symbol_id: str
    is_long: int
    """1 long, 0 short."""
    position_type: int
    """0 cross, 1 isolated."""
    leverage: Decimal
    open_price: Decimal
    close_price: Decimal | None = None
    open_time: int
    close_time: int | None = None
    profit: Decimal | None = None
    status: int
    """1 partially closed, 2 fully closed."""
    open_qty: Decimal
    """Maximum position quantity."""
    close_qty: Decimal | None = None
    position_profit: Decimal | None = None
    open_fee: Decimal | None = None
    close_fee: Decimal | None = None


class LeadOrderHistoryPage(BinanceStruct, frozen=True, kw_only=True):
    """``GET /api/v2/copy-trading/leader/orders/history``: one page of historical lead orders."""

    pages: int
    total: int
    items: list[LeadOrderRecord] = msgspec.field(default_factory=list, name="list")


class LeaderTradeData(BinanceStruct, frozen=True, kw_only=True):
    """Trade statistics of the leader over a period (``GET .../leader/trade-data``)."""

    profit_rate: Decimal
    accumulated_profit: Decimal
    """In USDT."""
    order_count: int
    win_rate: Decimal
    current_follower_count: int
    follower_total_profit: Decimal
    sharpe_ratio: Decimal | None = None
    total_follower_count: int
    asset_management_scale: Decimal
    profit_loss_ratio: str
    """A ratio as text, e.g. ``"2.18:1"``."""
    trading_frequency: Decimal | None = None
    trading_days: int


class ProfitSharingRecord(BinanceStruct, frozen=True, kw_only=True):
    """One profit-sharing period (``GET .../leader/profit-sharings/history``, latest 100)."""

    total_profit_sharing: Decimal
    week_of_year: int
    year: int
    sharing_date: str
    """``YYYY-MM-DD``."""
    recommend_user_share: Decimal
    """Referral share amount."""
    real_profit_share: Decimal
    """Actual leader share amount."""


class LeaderSymbol(BinanceStruct, frozen=True, kw_only=True):
    """One OpenAPI-available leader trading pair (``GET .../leader/symbols``)."""

    symbol_id: str
    leverage: Decimal
    is_lead: int
    """1 lead trading enabled, 0 not."""


class LeaderFollower(BinanceStruct, frozen=True, kw_only=True):
    """One follower of the leader (an item of `LeaderFollowerPage.items`)."""

    follower_nickname: str
    """Masked display name, e.g. ``"****644"``."""
    follow_amount_limit: Decimal
    """Total follow investment, in USDT."""
    total_follow_margin: Decimal
    total_profit: Decimal
    """In USDT."""
    follow_running_mills: int
    """Running duration in milliseconds (the wire's spelling, ``followRunningMills``)."""


class LeaderFollowerPage(BinanceStruct, frozen=True, kw_only=True):
    """``GET /api/v2/copy-trading/leader/followers``: one page of followers."""

    pages: int
    total: int
    items: list[LeaderFollower] = msgspec.field(default_factory=list, name="list")


# --- SAPI ---------------------------------------------------------------------------------------


class LeadTraderStatus(BinanceStruct, frozen=True, kw_only=True):
    """``data`` of `CopyTradingUserStatus`."""

    is_lead_trader: bool
    time: int
    """Server time, epoch milliseconds."""


class CopyTradingUserStatus(BinanceStruct, frozen=True, kw_only=True):
    """``GET /sapi/v1/copy-trading/futures/userStatus``: whether the user is a lead trader."""

    code: str
    """``"000000"`` on success."""
    message: str = ""
    data: LeadTraderStatus
    success: bool = True
    message_detail: str | None = None


class CopyTradingLeadSymbol(BinanceStruct, frozen=True, kw_only=True):
    """One symbol of the futures lead-trading whitelist."""

    symbol: str
    base_asset: str
    quote_asset: str


class CopyTradingLeadSymbols(BinanceStruct, frozen=True, kw_only=True):
    """``GET /sapi/v1/copy-trading/futures/leadSymbol``: the lead-trading symbol whitelist."""

    code: str
    """``"000000"`` on success."""
    message: str = ""
    data: list[CopyTradingLeadSymbol] = []
    success: bool = True
    message_detail: str | None = None
