"""Symbol specifications: synthetic ones, ones read from a real exchangeInfo, and the wire form.

`SymbolSpec` holds a symbol's trading rules as Decimals (the filters of Binance's exchangeInfo
flattened into fields). Three ways to get specs:

- `synthetic_symbols(["BTCUSDT", "ETHBTC", "FOOUSDT"], seed)` or `synthetic_symbols(50, seed)`:
  well-known names get realistic prices and ticks, other names (or ``SYM0001USDT``... for a count)
  get made-up but sensible rules and a deterministic start price;
- `symbols_from_exchange_info(data)`: every symbol of a real exchangeInfo JSON (see
  `load_exchange_info` for recorded files);
- by hand: ``SymbolSpec(symbol="XUSDT", base_asset="X", quote_asset="USDT", tick_size=...)``.

`exchange_info_json(specs, rate_limits)` renders specs back into Binance's exchangeInfo shape.
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

__all__ = [
    "ALL_ORDER_TYPES",
    "DEFAULT_RATE_LIMITS",
    "SymbolSpec",
    "estimate_start_price",
    "exchange_info_json",
    "load_exchange_info",
    "symbols_from_exchange_info",
    "synthetic_symbols",
]

ALL_ORDER_TYPES: tuple[str, ...] = (
    "LIMIT",
    "LIMIT_MAKER",
    "MARKET",
    "STOP_LOSS",
    "STOP_LOSS_LIMIT",
    "TAKE_PROFIT",
    "TAKE_PROFIT_LIMIT",
)

DEFAULT_RATE_LIMITS: tuple[dict[str, Any], ...] = (
    {"rateLimitType": "REQUEST_WEIGHT", "interval": "MINUTE", "intervalNum": 1, "limit": 6000},
    {"rateLimitType": "ORDERS", "interval": "SECOND", "intervalNum": 10, "limit": 50},
    {"rateLimitType": "ORDERS", "interval": "DAY", "intervalNum": 1, "limit": 160000},
    {"rateLimitType": "RAW_REQUESTS", "interval": "MINUTE", "intervalNum": 5, "limit": 61000},
)

_ZERO = Decimal(0)


@dataclass(frozen=True, slots=True, kw_only=True)
class SymbolSpec:
    """One symbol's trading rules. A zero bound disables that rule, as in Binance's filters."""

    symbol: str
    base_asset: str
    quote_asset: str
    tick_size: Decimal
    step_size: Decimal
    status: str = "TRADING"
    min_price: Decimal = _ZERO
    max_price: Decimal = _ZERO
    min_qty: Decimal = _ZERO
    max_qty: Decimal = _ZERO
    #: MARKET_LOT_SIZE; ``has_market_lot_size=False`` omits the filter.
    has_market_lot_size: bool = True
    market_min_qty: Decimal = _ZERO
    market_max_qty: Decimal = _ZERO
    market_step_size: Decimal = _ZERO
    #: "NOTIONAL" (min and max) or "MIN_NOTIONAL" (the pre-2023 filter, min only).
    notional_filter: str = "NOTIONAL"
    min_notional: Decimal = _ZERO
    max_notional: Decimal = _ZERO
    apply_min_to_market: bool = True
    apply_max_to_market: bool = False
    avg_price_mins: int = 5
    #: PERCENT_PRICE (None disables it); ``percent_price_by_side`` uses the four bid/ask ones.
    multiplier_up: Decimal | None = Decimal(5)
    multiplier_down: Decimal | None = Decimal("0.2")
    percent_price_by_side: bool = False
    bid_multiplier_up: Decimal = Decimal(5)
    bid_multiplier_down: Decimal = Decimal("0.2")
    ask_multiplier_up: Decimal = Decimal(5)
    ask_multiplier_down: Decimal = Decimal("0.2")
    percent_price_avg_mins: int = 5
    max_num_orders: int = 200
    max_num_algo_orders: int = 5
    iceberg_parts: int = 10
    max_position: Decimal | None = None
    base_precision: int = 8
    quote_precision: int = 8
    base_commission_precision: int = 8
    quote_commission_precision: int = 8
    order_types: tuple[str, ...] = ALL_ORDER_TYPES
    iceberg_allowed: bool = False
    oco_allowed: bool = True
    quote_order_qty_market_allowed: bool = True
    allow_trailing_stop: bool = False
    cancel_replace_allowed: bool = True
    is_spot_trading_allowed: bool = True
    is_margin_trading_allowed: bool = False
    permissions: tuple[str, ...] = ("SPOT",)
    #: Where synthetic flow starts (and the reference price before any trade); None = estimate.
    start_price: Decimal | None = None

    # --- wire form --------------------------------------------------------------------------

    def filters(self) -> list[dict[str, Any]]:
        """The symbol's filters in Binance's exchangeInfo wire format."""
        p = _fmt(self.quote_precision)
        q = _fmt(self.base_precision)
        out: list[dict[str, Any]] = [
            {
                "filterType": "PRICE_FILTER",
                "minPrice": p(self.min_price),
                "maxPrice": p(self.max_price),
                "tickSize": p(self.tick_size),
            }
        ]
        if self.percent_price_by_side:
            out.append(
                {
                    "filterType": "PERCENT_PRICE_BY_SIDE",
                    "bidMultiplierUp": _plain(self.bid_multiplier_up),
                    "bidMultiplierDown": _plain(self.bid_multiplier_down),
                    "askMultiplierUp": _plain(self.ask_multiplier_up),
                    "askMultiplierDown": _plain(self.ask_multiplier_down),
                    "avgPriceMins": self.percent_price_avg_mins,
                }
            )
        elif self.multiplier_up is not None and self.multiplier_down is not None:
            out.append(
                {
                    "filterType": "PERCENT_PRICE",
                    "multiplierUp": _plain(self.multiplier_up),
                    "multiplierDown": _plain(self.multiplier_down),
                    "avgPriceMins": self.percent_price_avg_mins,
                }
            )
        out.append(
            {
                "filterType": "LOT_SIZE",
                "minQty": q(self.min_qty),
                "maxQty": q(self.max_qty),
                "stepSize": q(self.step_size),
            }
        )
        if self.notional_filter == "MIN_NOTIONAL":
            out.append(
                {
                    "filterType": "MIN_NOTIONAL",
                    "minNotional": p(self.min_notional),
                    "applyToMarket": self.apply_min_to_market,
                    "avgPriceMins": self.avg_price_mins,
                }
            )
        else:
            out.append(
                {
                    "filterType": "NOTIONAL",
                    "minNotional": p(self.min_notional),
                    "applyMinToMarket": self.apply_min_to_market,
                    "maxNotional": p(self.max_notional),
                    "applyMaxToMarket": self.apply_max_to_market,
                    "avgPriceMins": self.avg_price_mins,
                }
            )
        out.append({"filterType": "ICEBERG_PARTS", "limit": self.iceberg_parts})
        if self.has_market_lot_size:
            out.append(
                {
                    "filterType": "MARKET_LOT_SIZE",
                    "minQty": q(self.market_min_qty),
                    "maxQty": q(self.market_max_qty),
                    "stepSize": q(self.market_step_size),
                }
            )
        out.append({"filterType": "MAX_NUM_ORDERS", "maxNumOrders": self.max_num_orders})
        out.append(
            {"filterType": "MAX_NUM_ALGO_ORDERS", "maxNumAlgoOrders": self.max_num_algo_orders}
        )
        if self.max_position is not None:
            out.append({"filterType": "MAX_POSITION", "maxPosition": q(self.max_position)})
        return out

    def to_json(self) -> dict[str, Any]:
        """The symbol's entry of exchangeInfo ``symbols``."""
        return {
            "symbol": self.symbol,
            "status": self.status,
            "baseAsset": self.base_asset,
            "baseAssetPrecision": self.base_precision,
            "quoteAsset": self.quote_asset,
            "quotePrecision": self.quote_precision,
            "quoteAssetPrecision": self.quote_precision,
            "baseCommissionPrecision": self.base_commission_precision,
            "quoteCommissionPrecision": self.quote_commission_precision,
            "orderTypes": list(self.order_types),
            "icebergAllowed": self.iceberg_allowed,
            "ocoAllowed": self.oco_allowed,
            "otoAllowed": False,
            "quoteOrderQtyMarketAllowed": self.quote_order_qty_market_allowed,
            "allowTrailingStop": self.allow_trailing_stop,
            "cancelReplaceAllowed": self.cancel_replace_allowed,
            "amendAllowed": False,
            "isSpotTradingAllowed": self.is_spot_trading_allowed,
            "isMarginTradingAllowed": self.is_margin_trading_allowed,
            "filters": self.filters(),
            "permissions": list(self.permissions),
            "permissionSets": [list(self.permissions)],
            "defaultSelfTradePreventionMode": "NONE",
            "allowedSelfTradePreventionModes": ["NONE"],
        }


def _fmt(decimals: int) -> Any:
    def f(d: Decimal) -> str:
        return f"{d:.{decimals}f}"

    return f


def _plain(d: Decimal) -> str:
    """``Decimal("5.000")`` -> ``"5"``, ``Decimal("0.2")`` -> ``"0.2"`` (as Binance prints them)."""
    s = f"{d:f}"
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return s


def exchange_info_json(
    specs: Iterable[SymbolSpec],
    rate_limits: Sequence[Mapping[str, Any]] | None = None,
    *,
    server_time: int = 0,
    exchange_filters: Sequence[Mapping[str, Any]] = (),
) -> dict[str, Any]:
    """A Binance-shaped ``GET /api/v3/exchangeInfo`` body for ``specs``."""
    limits = DEFAULT_RATE_LIMITS if rate_limits is None else rate_limits
    return {
        "timezone": "UTC",
        "serverTime": server_time,
        "rateLimits": [dict(r) for r in limits],
        "exchangeFilters": [dict(f) for f in exchange_filters],
        "symbols": [s.to_json() for s in specs],
    }


# --- real exchangeInfo ----------------------------------------------------------------------


def load_exchange_info(path: str | Path) -> dict[str, Any]:
    """Read an exchangeInfo JSON file: plain JSON, or a recorded ``<url> -> <ts>: <json>`` line."""
    text = Path(path).read_text()
    stripped = text.lstrip()
    if stripped.startswith("{"):
        data = json.loads(stripped)
        if not isinstance(data, dict):
            raise ValueError(f"{path}: not an exchangeInfo object")
        return data
    for line in text.splitlines():
        if "exchangeInfo" in line.split(" -> ", 1)[0] and "{" in line:
            data = json.loads(line[line.index("{") :])
            if isinstance(data, dict) and "symbols" in data:
                return data
    raise ValueError(f"{path}: no exchangeInfo body found")


def _dec(v: Any, default: Decimal = _ZERO) -> Decimal:
    return default if v is None else Decimal(str(v))


def _dec_places(d: Decimal) -> int:
    exp = d.normalize().as_tuple().exponent
    return max(0, -exp) if isinstance(exp, int) else 0


def symbols_from_exchange_info(data: Mapping[str, Any]) -> list[SymbolSpec]:
    """Every symbol of a real exchangeInfo body, with its real filters."""
    out: list[SymbolSpec] = []
    for s in data["symbols"]:
        f = {flt["filterType"]: flt for flt in s.get("filters", ())}
        price = f.get("PRICE_FILTER", {})
        lot = f.get("LOT_SIZE", {})
        mlot = f.get("MARKET_LOT_SIZE")
        pp = f.get("PERCENT_PRICE")
        pps = f.get("PERCENT_PRICE_BY_SIDE")
        notional = f.get("NOTIONAL")
        min_notional = f.get("MIN_NOTIONAL")
        kw: dict[str, Any] = {}
        if notional is not None:
            kw.update(
                notional_filter="NOTIONAL",
                min_notional=_dec(notional.get("minNotional")),
                max_notional=_dec(notional.get("maxNotional")),
                apply_min_to_market=bool(notional.get("applyMinToMarket", True)),
                apply_max_to_market=bool(notional.get("applyMaxToMarket", False)),
                avg_price_mins=int(notional.get("avgPriceMins", 5)),
            )
        elif min_notional is not None:
            kw.update(
                notional_filter="MIN_NOTIONAL",
                min_notional=_dec(min_notional.get("minNotional")),
                apply_min_to_market=bool(min_notional.get("applyToMarket", True)),
                avg_price_mins=int(min_notional.get("avgPriceMins", 5)),
            )
        if pps is not None:
            kw.update(
                percent_price_by_side=True,
                bid_multiplier_up=_dec(pps.get("bidMultiplierUp")),
                bid_multiplier_down=_dec(pps.get("bidMultiplierDown")),
                ask_multiplier_up=_dec(pps.get("askMultiplierUp")),
                ask_multiplier_down=_dec(pps.get("askMultiplierDown")),
                percent_price_avg_mins=int(pps.get("avgPriceMins", 5)),
            )
        elif pp is not None:
            kw.update(
                multiplier_up=_dec(pp.get("multiplierUp")),
                multiplier_down=_dec(pp.get("multiplierDown")),
                percent_price_avg_mins=int(pp.get("avgPriceMins", 5)),
            )
        else:
            kw.update(multiplier_up=None, multiplier_down=None)
        if mlot is not None:
            kw.update(
                market_min_qty=_dec(mlot.get("minQty")),
                market_max_qty=_dec(mlot.get("maxQty")),
                market_step_size=_dec(mlot.get("stepSize")),
            )
        if "MAX_POSITION" in f:
            kw["max_position"] = _dec(f["MAX_POSITION"].get("maxPosition"))
        out.append(
            SymbolSpec(
                symbol=s["symbol"],
                base_asset=s["baseAsset"],
                quote_asset=s["quoteAsset"],
                status=s.get("status", "TRADING"),
                tick_size=_dec(price.get("tickSize")),
                min_price=_dec(price.get("minPrice")),
                max_price=_dec(price.get("maxPrice")),
                step_size=_dec(lot.get("stepSize")),
                min_qty=_dec(lot.get("minQty")),
                max_qty=_dec(lot.get("maxQty")),
                has_market_lot_size=mlot is not None,
                iceberg_parts=int(f.get("ICEBERG_PARTS", {}).get("limit", 10)),
                max_num_orders=int(f.get("MAX_NUM_ORDERS", {}).get("maxNumOrders", 200)),
                max_num_algo_orders=int(
                    f.get("MAX_NUM_ALGO_ORDERS", {}).get("maxNumAlgoOrders", 5)
                ),
                base_precision=int(s.get("baseAssetPrecision", 8)),
                quote_precision=int(s.get("quoteAssetPrecision", s.get("quotePrecision", 8))),
                base_commission_precision=int(s.get("baseCommissionPrecision", 8)),
                quote_commission_precision=int(s.get("quoteCommissionPrecision", 8)),
                order_types=tuple(s.get("orderTypes", ALL_ORDER_TYPES)),
                iceberg_allowed=bool(s.get("icebergAllowed", False)),
                oco_allowed=bool(s.get("ocoAllowed", False)),
                quote_order_qty_market_allowed=bool(s.get("quoteOrderQtyMarketAllowed", False)),
                allow_trailing_stop=bool(s.get("allowTrailingStop", False)),
                cancel_replace_allowed=bool(s.get("cancelReplaceAllowed", True)),
                is_spot_trading_allowed=bool(s.get("isSpotTradingAllowed", True)),
                is_margin_trading_allowed=bool(s.get("isMarginTradingAllowed", False)),
                permissions=tuple(s.get("permissions", ("SPOT",))),
                **kw,
            )
        )
    return out


# --- synthetic symbols ----------------------------------------------------------------------

# name: (price, tick, step) -- realistic 2024 values.
_KNOWN: dict[str, tuple[str, str, str]] = {
    "BTCUSDT": ("65000", "0.01", "0.00001"),
    "ETHUSDT": ("3200", "0.01", "0.0001"),
    "BNBUSDT": ("580", "0.01", "0.001"),
    "SOLUSDT": ("150", "0.01", "0.001"),
    "XRPUSDT": ("0.52", "0.0001", "1"),
    "DOGEUSDT": ("0.12", "0.00001", "1"),
    "ADAUSDT": ("0.45", "0.0001", "0.1"),
    "TRXUSDT": ("0.12", "0.0001", "0.1"),
    "LTCUSDT": ("80", "0.01", "0.001"),
    "LINKUSDT": ("14", "0.01", "0.01"),
    "DOTUSDT": ("6.5", "0.001", "0.01"),
    "AVAXUSDT": ("28", "0.01", "0.01"),
    "MATICUSDT": ("0.55", "0.0001", "0.1"),
    "ETHBTC": ("0.05", "0.00001", "0.0001"),
    "BNBBTC": ("0.009", "0.000001", "0.001"),
    "SOLBTC": ("0.0023", "0.0000001", "0.001"),
    "XRPBTC": ("0.000008", "0.00000001", "1"),
    "BNBETH": ("0.18", "0.00001", "0.001"),
}
_USD = ("USDT", "BUSD", "USDC", "FDUSD", "TUSD", "USDP", "DAI", "USD")
_QUOTES = (*_USD, "BTC", "ETH", "BNB", "EUR", "TRY", "BRL", "GBP", "AUD")
_USD_PRICE = {"BTC": 65000.0, "ETH": 3200.0, "BNB": 580.0, "EUR": 1.08, "TRY": 0.031,
              "BRL": 0.19, "GBP": 1.27, "AUD": 0.66, "SOL": 150.0, "XRP": 0.52, "DOGE": 0.12,
              "ADA": 0.45, "TRX": 0.12, "LTC": 80.0, "LINK": 14.0, "DOT": 6.5, "AVAX": 28.0,
              "MATIC": 0.55}  # fmt: skip


def _split(name: str) -> tuple[str, str]:
    for q in sorted(_QUOTES, key=len, reverse=True):
        if name.endswith(q) and len(name) > len(q):
            return name[: -len(q)], q
    return name[:-4] or name, name[-4:] if len(name) > 4 else "USDT"


def _pow10(e: int) -> Decimal:
    return Decimal(1).scaleb(e)


def _usd(asset: str, rng: random.Random) -> float:
    if asset in _USD:
        return 1.0
    if asset in _USD_PRICE:
        return _USD_PRICE[asset]
    return 10 ** rng.uniform(-2.0, 3.0)


def _round_sig(x: float, tick: Decimal) -> Decimal:
    return (Decimal(repr(x)) / tick).to_integral_value() * tick


def synthetic_symbols(names: Sequence[str] | int, seed: int | str = 0) -> list[SymbolSpec]:
    """Specs for ``names`` (or ``SYM0001USDT``... ``SYM<n>USDT`` for a count).

    Known names (BTCUSDT, ETHBTC, ...) get realistic prices, ticks and steps; others get a
    deterministic (seeded) start price, a tick of 0.1-1 bp of it and a step worth about 1 quote
    unit / 10. Every symbol supports all seven order types, OCO, quoteOrderQty and cancelReplace.
    """
    if isinstance(names, int):
        names = [f"SYM{i:04d}USDT" for i in range(1, names + 1)]
    out: list[SymbolSpec] = []
    for name in names:
        rng = random.Random(f"{seed}:{name}")
        base, quote = _split(name)
        known = _KNOWN.get(name)
        if known is not None:
            price, tick, step = (Decimal(x) for x in known)
        else:
            px = _usd(base, rng) / _usd(quote, rng)
            tick = _pow10(max(-8, math.floor(math.log10(px)) - 4))
            step = _pow10(min(3, max(-8, math.floor(math.log10(1.0 / px)))))
            price = max(_round_sig(px, tick), tick * 100)
        quote_usd = _usd(quote, rng)
        min_notional = max(_round_sig(5.0 / quote_usd, _pow10(-8)), _pow10(-8))
        max_qty = step * 900_000_000 if step < 1 else Decimal(90_000_000)
        out.append(
            SymbolSpec(
                symbol=name,
                base_asset=base,
                quote_asset=quote,
                tick_size=tick,
                min_price=tick,
                max_price=max(min(tick * 10**9, Decimal(10_000_000)), price * 1000),
                step_size=step,
                min_qty=step,
                max_qty=max_qty.min(Decimal(90_000_000)),
                market_min_qty=_ZERO,
                market_max_qty=(max_qty / 10).min(Decimal(9_000_000)).quantize(step),
                market_step_size=_ZERO,
                min_notional=min_notional,
                max_notional=Decimal(9_000_000),
                start_price=price,
                is_margin_trading_allowed=name in _KNOWN,
                permissions=("SPOT", "MARGIN") if name in _KNOWN else ("SPOT",),
            )
        )
    return out


def estimate_start_price(spec: SymbolSpec) -> Decimal:
    """A plausible start price: ``spec.start_price``, a known one, or ~10^4 ticks."""
    if spec.start_price is not None:
        return spec.start_price
    known = _KNOWN.get(spec.symbol)
    if known is not None:
        return Decimal(known[0])
    base, quote = spec.base_asset, spec.quote_asset
    if base in _USD_PRICE and (quote in _USD or quote in _USD_PRICE):
        px = _USD_PRICE[base] / (1.0 if quote in _USD else _USD_PRICE[quote])
        tick = spec.tick_size if spec.tick_size > 0 else _pow10(-8)
        return max(_round_sig(px, tick), tick)
    tick = spec.tick_size if spec.tick_size > 0 else _pow10(-8)
    rng = random.Random(spec.symbol)
    price = tick * int(10 ** rng.uniform(3.5, 4.5))
    if spec.max_price > 0:
        price = min(price, spec.max_price)
    return max(price, spec.min_price, tick)
