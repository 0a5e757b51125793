"""``GET /api/v3/exchangeInfo``: rate limits, exchange filters and per-symbol trading rules.

Fields added after 2021 (``permissionSets``, ``otoAllowed``, ``amendAllowed``, self-trade
prevention modes, ...) have defaults, so both the 2021 and the 2025 responses decode. ``filters``
hold `Filter` objects; decode through this package's decoders (they pass the filter hook).
"""

from __future__ import annotations

from decimal import Decimal
from typing import TypeVar, overload

from ._base import BinanceStruct
from .filters import Filter, LotSizeFilter, PriceFilter

__all__ = ["ExchangeInfo", "RateLimit", "SymbolInfo"]

_F = TypeVar("_F", bound=Filter)


class RateLimit(BinanceStruct, frozen=True, kw_only=True):
    """One limiter, e.g. REQUEST_WEIGHT 6000 per 1 MINUTE."""

    rate_limit_type: str
    interval: str
    interval_num: int
    limit: int


class SymbolInfo(BinanceStruct, frozen=True, kw_only=True):
    """Trading rules of one symbol (an entry of ``exchangeInfo.symbols``).

    Capability flags missing from an older response default to False (the capability did not
    exist then); other later additions default to None or empty.
    """

    symbol: str
    status: str
    base_asset: str
    base_asset_precision: int
    quote_asset: str
    quote_asset_precision: int
    order_types: list[str]
    filters: list[Filter] = []
    quote_precision: int | None = None
    base_commission_precision: int | None = None
    quote_commission_precision: int | None = None
    iceberg_allowed: bool = False
    oco_allowed: bool = False
    oto_allowed: bool = False
    opo_allowed: bool = False
    quote_order_qty_market_allowed: bool = False
    allow_trailing_stop: bool = False
    cancel_replace_allowed: bool = False
    amend_allowed: bool = False
    peg_instructions_allowed: bool = False
    is_spot_trading_allowed: bool = False
    is_margin_trading_allowed: bool = False
    permissions: list[str] = []
    permission_sets: list[list[str]] = []
    default_self_trade_prevention_mode: str | None = None
    allowed_self_trade_prevention_modes: list[str] = []

    @overload
    def filter(self, kind: type[_F]) -> _F | None:
        """Typed overload: the first filter of class ``kind``, or None."""

    @overload
    def filter(self, kind: str) -> Filter | None:
        """Overload: the first filter of wire name ``kind`` (``"PRICE_FILTER"``), or None."""

    def filter(self, kind: type[Filter] | str) -> Filter | None:
        """The first filter of a class (``PriceFilter``) or wire name (``"PRICE_FILTER"``)."""
        for f in self.filters:
            if f.filter_type == kind if isinstance(kind, str) else isinstance(f, kind):
                return f
        return None

    @property
    def tick_size(self) -> Decimal | None:
        """PRICE_FILTER ``tickSize``, or None without a price filter."""
        pf = self.filter(PriceFilter)
        return pf.tick_size if pf is not None else None

    @property
    def step_size(self) -> Decimal | None:
        """LOT_SIZE ``stepSize``, or None without a lot-size filter."""
        lf = self.filter(LotSizeFilter)
        return lf.step_size if lf is not None else None


class ExchangeInfo(BinanceStruct, frozen=True, kw_only=True):
    """The whole ``exchangeInfo`` response."""

    timezone: str
    server_time: int
    rate_limits: list[RateLimit] = []
    exchange_filters: list[Filter] = []
    symbols: list[SymbolInfo] = []

    def symbol(self, name: str) -> SymbolInfo | None:
        """The `SymbolInfo` for ``name`` (linear scan; build a dict for repeated lookups)."""
        for s in self.symbols:
            if s.symbol == name:
                return s
        return None
