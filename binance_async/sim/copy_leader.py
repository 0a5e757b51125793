"""Copy-trading state: leader API v2 (``/api/v2/copy-trading/leader/...``) and the two SAPI
copy-trading endpoints, following the seeds (copy-trading-leader-v2.en.txt, copy-trading-sapi).

`CopyTradingDesk` holds one `Leader` per leading account: its lead symbols, open lead
positions, closed history, followers, profit-sharing records and config. Every method returns
the ``data`` of the v2 envelope (``{"code": 200, "msg": "success", "data": ...}``, built by the
REST layer) with 64-bit integers as strings, or raises `LeaderError` with the seed's codes and
messages (including its spelling "paramter").

Config rules (seed "Update Leader Config"), checked in this order: the leader exists (-120047)
and is active (-120041); its level config exists (-120067); fields well-formed (-1102) and in
range, precision <= 8 decimals (-1130); the cool-down window (-120078); the level's limits and
the referral rate (-120072); a private leader with a custom profit share cannot go public
(-120073); a symbol with open lead positions cannot be disabled (-32090); the position type
cannot change under open positions of another type (-32093); the invite code (-120512 format,
-120511 sensitive words, -120510 taken).
"""

from __future__ import annotations

import datetime as dt
import math
import random
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from typing import Any

from .errors import SimError, mandatory

__all__ = ["CopyTradingDesk", "Follower", "Leader", "LeaderConfig", "LeaderError", "LevelConfig"]

LEADER_SYMBOLS: dict[str, tuple[str, str, str, str]] = {
    # symbolId: (display name, futures symbol, base, default leverage)
    "BTC-SWAP-USDT": ("BTCUSDT Perpetual", "BTCUSDT", "BTC", "20"),
    "ETH-SWAP-USDT": ("ETHUSDT Perpetual", "ETHUSDT", "ETH", "20"),
    "BNB-SWAP-USDT": ("BNBUSDT Perpetual", "BNBUSDT", "BNB", "10"),
    "SOL-SWAP-USDT": ("SOLUSDT Perpetual", "SOLUSDT", "SOL", "10"),
    "XRP-SWAP-USDT": ("XRPUSDT Perpetual", "XRPUSDT", "XRP", "10"),
}
_PRICES = {"BTC": 65000.0, "ETH": 3200.0, "BNB": 580.0, "SOL": 150.0, "XRP": 0.52}
TRADE_DATA_TYPES = (7, 30, 90, 180, 365)
SENSITIVE_WORDS = ("binance", "admin", "official", "support", "scam")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_MAX_DECIMALS = 8


class LeaderError(SimError):
    """A copy-trading error: sent in the v2 envelope ``{"code", "msg", "data": null}``."""


def _invalid(name: str) -> LeaderError:
    # the seed's own spelling
    return LeaderError(-1130, f"Data sent for paramter '{name}' is not valid.")


def _malformed(name: str) -> LeaderError:
    err = mandatory(name)
    return LeaderError(err.code, err.msg)


NOT_AVAILABLE = "Copy trading leader is not available."


@dataclass(frozen=True, slots=True)
class LevelConfig:
    """What a leader level allows (profit share and minimum follow amounts)."""

    level: int
    max_profit_rate: Decimal = Decimal("0.3")
    max_private_profit_rate: Decimal = Decimal("0.5")
    follow_asset_lower_limit: tuple[Decimal, Decimal] = (Decimal(0), Decimal(1_000_000))
    fixed_amount_follow_min: tuple[Decimal, Decimal] = (Decimal(10), Decimal(1_000_000))
    fixed_rate_follow_min: tuple[Decimal, Decimal] = (Decimal(10), Decimal(1_000_000))
    default_profit_rate: Decimal = Decimal("0.1")


LEVELS: dict[int, LevelConfig] = {
    1: LevelConfig(1, max_profit_rate=Decimal("0.1"), max_private_profit_rate=Decimal("0.3")),
    2: LevelConfig(2, max_profit_rate=Decimal("0.2"), max_private_profit_rate=Decimal("0.4")),
    3: LevelConfig(3),
}


@dataclass(frozen=True, slots=True)
class LeaderConfig:
    """A leader's configuration (``PUT .../config`` changes it; rates as fractions)."""

    un_lead_type: int = 0
    un_lead_start_time: int = 0
    un_lead_end_time: int = 0
    lead_position_type: int = -1
    trade_protect: int = 0
    profit_period: int = 7
    profit_rate: Decimal = Decimal("0.1")
    follow_asset_lower_limit: Decimal = Decimal(0)
    fixed_amount_follow_min: Decimal = Decimal(10)
    fixed_rate_follow_min: Decimal = Decimal(10)
    is_need_invite: int = 0
    invite_scope: int = 0
    recommend_share: int = 0
    recommend_share_rate: Decimal = Decimal(0)
    invite_code: str = ""


@dataclass(slots=True)
class Follower:
    """One follower of a leader: follow limit, margin, profit, and since when (ms)."""

    user_id: int
    follow_amount_limit: Decimal
    total_follow_margin: Decimal
    total_profit: Decimal
    since_ms: int
    has_position: bool = False

    def json(self, now_ms: int) -> dict[str, Any]:
        """The follower as a row of the followers list (nickname masked, running ms)."""
        return {
            "followerNickname": "****" + str(self.user_id)[-3:],
            "followAmountLimit": _s(self.follow_amount_limit),
            "totalFollowMargin": _s(self.total_follow_margin),
            "totalProfit": _s(self.total_profit),
            "followRunningMills": str(max(0, now_ms - self.since_ms)),
        }


@dataclass(slots=True)
class Leader:
    """One leading account's copy-trading state."""

    account_id: str
    uid: int
    level: int = 3
    active: bool = True
    config: LeaderConfig = field(default_factory=LeaderConfig)
    custom_profit_share: bool = False
    symbols: dict[str, tuple[str, int]] = field(default_factory=dict)  # id: (leverage, isLead)
    positions: list[dict[str, Any]] = field(default_factory=list)
    history: list[dict[str, Any]] = field(default_factory=list)
    followers: dict[int, Follower] = field(default_factory=dict)
    profit_sharings: list[dict[str, Any]] = field(default_factory=list)


def _s(d: Decimal | float | int) -> str:
    """A decimal as the API prints it: plain, no exponent, no trailing zeros."""
    if isinstance(d, float):
        d = Decimal(repr(d))
    text = format(Decimal(d), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


def _page(params: Mapping[str, Any], rows: list[dict[str, Any]]) -> dict[str, Any]:
    page = _int_param(params, "page", 1)
    size = _int_param(params, "size", 10)
    if page < 1:
        raise _invalid("page")
    if not 1 <= size <= 100:
        raise _invalid("size")
    total = len(rows)
    start = (page - 1) * size
    return {
        "pages": str(math.ceil(total / size)),
        "total": str(total),
        "list": rows[start : start + size],
    }


def _int_param(params: Mapping[str, Any], name: str, default: int) -> int:
    v = params.get(name)
    if v is None or v == "":
        return default
    if isinstance(v, bool):
        raise _invalid(name)
    if isinstance(v, int):
        return v
    if isinstance(v, str) and re.fullmatch(r"-?[0-9]{1,19}", v):
        return int(v)
    raise _invalid(name)


# --- config field parsing (JSON body: ints, numeric strings or numbers) ----------------------


def _req_int(body: Mapping[str, Any], name: str, required: bool = True) -> int | None:
    v = body.get(name)
    if v is None or v == "":
        if required:
            raise _malformed(name)
        return None
    if isinstance(v, bool):
        raise _malformed(name)
    if isinstance(v, int):
        return v
    if isinstance(v, str) and re.fullmatch(r"-?[0-9]{1,19}", v.strip()):
        return int(v)
    raise _malformed(name)


def _req_dec(body: Mapping[str, Any], name: str, required: bool = True) -> Decimal | None:
    v = body.get(name)
    if v is None or v == "":
        if required:
            raise _malformed(name)
        return None
    if isinstance(v, bool) or not isinstance(v, str | int | float):
        raise _malformed(name)
    try:
        d = Decimal(repr(v)) if isinstance(v, float) else Decimal(str(v).strip())
    except InvalidOperation:
        raise _malformed(name) from None
    if not d.is_finite():
        raise _malformed(name)
    exp = d.as_tuple().exponent
    if d < 0 or (isinstance(exp, int) and -exp > _MAX_DECIMALS):
        raise _invalid(name)
    return d


def _choice(value: int | None, name: str, allowed: tuple[int, ...]) -> None:
    if value is not None and value not in allowed:
        raise _invalid(name)


class CopyTradingDesk:
    """All leaders of the exchange (and the invite codes other leaders hold)."""

    def __init__(self, seed: int | str = 0) -> None:
        self.seed = seed
        self.leaders: dict[str, Leader] = {}
        self.taken_invite_codes: set[str] = {"TAKEN123", "LEADER01"}
        self.levels = dict(LEVELS)

    # --- setup --------------------------------------------------------------------------------

    def add_leader(self, account_id: str, now_ms: int, *, uid: int | None = None,
                   followers: int = 12, level: int = 3) -> Leader:  # fmt: skip
        """A leader with deterministic demo data: 5 lead symbols (3 leading), open BTC and ETH
        lead positions, 21 closed ones, `followers` followers (the first one holds a copy
        position) and 8 weeks of profit sharing."""
        rng = random.Random(f"{self.seed}:leader:{account_id}")
        ld = Leader(account_id, uid if uid is not None else rng.randrange(10**8, 10**9), level)
        for i, (sid, (_, _, _, lev)) in enumerate(LEADER_SYMBOLS.items()):
            ld.symbols[sid] = (lev, 1 if i < 3 else 0)
        ld.config = replace(ld.config, profit_rate=self.levels[level].default_profit_rate
                            if level in self.levels else Decimal("0.1"))  # fmt: skip
        for sid, is_long in (("BTC-SWAP-USDT", 1), ("ETH-SWAP-USDT", 0)):
            base = LEADER_SYMBOLS[sid][2]
            px = _PRICES[base] * rng.uniform(0.97, 1.03)
            now_px = px * rng.uniform(0.98, 1.02)
            ld.positions.append({
                "symbolId": sid, "symbolName": LEADER_SYMBOLS[sid][0], "isLong": is_long,
                "positionType": 0, "leverage": ld.symbols[sid][0],
                "openTime": str(now_ms - rng.randrange(3_600_000, 86_400_000)),
                "quantity": _s(round(2000 / px, 6)), "newPrice": _s(round(now_px, 2)),
                "openPrice": _s(round(px, 2)), "totalFollowerCount": str(followers),
                "totalFollowerMargin": _s(round(rng.uniform(500, 5000), 2)),
                "profitRate": _s(round((now_px / px - 1) * (1 if is_long else -1), 4)),
                "markPrice": _s(round(now_px * rng.uniform(0.999, 1.001), 2)),
            })  # fmt: skip
        for k in range(21):
            sid = list(LEADER_SYMBOLS)[k % 3]
            px = _PRICES[LEADER_SYMBOLS[sid][2]] * rng.uniform(0.9, 1.1)
            close = px * rng.uniform(0.97, 1.03)
            opened = now_ms - (k + 1) * 86_400_000
            qty = round(1000 / px, 6)
            fee = round(qty * px * 0.0004, 4)
            profit = round((close - px) * qty, 4)
            ld.history.append({
                "symbolId": sid, "isLong": 1, "positionType": 0, "leverage": ld.symbols[sid][0],
                "openPrice": _s(round(px, 2)), "closePrice": _s(round(close, 2)),
                "openTime": str(opened), "closeTime": str(opened + 3_600_000),
                "profit": _s(profit), "status": 2, "openQty": _s(qty), "closeQty": _s(qty),
                "positionProfit": _s(profit), "openFee": _s(fee), "closeFee": _s(fee),
            })  # fmt: skip
        for k in range(followers):
            fid = rng.randrange(10**8, 10**9)
            ld.followers[fid] = Follower(
                fid, Decimal(rng.choice((500, 880, 1000, 2500, 5000))),
                Decimal(str(round(rng.uniform(0, 800), 2))),
                Decimal(str(round(rng.uniform(-50, 150), 2))),
                now_ms - rng.randrange(3_600_000, 30 * 86_400_000),
                has_position=k == 0,
            )  # fmt: skip
        week = 7 * 86_400_000
        for k in range(8):
            t = now_ms - (k + 1) * week
            total = round(rng.uniform(2, 40), 2)
            ref = round(total * 0.15, 2)
            year, wk, day = _iso_week(t)
            ld.profit_sharings.append({
                "totalProfitSharing": _s(total), "weekOfYear": wk, "year": year,
                "sharingDate": day, "recommendUserShare": _s(ref),
                "realProfitShare": _s(round(total - ref, 2)),
            })  # fmt: skip
        self.leaders[account_id] = ld
        return ld

    # --- access -------------------------------------------------------------------------------

    def _active(self, account_id: str) -> Leader:
        ld = self.leaders.get(account_id)
        if ld is None or not ld.active:
            raise LeaderError(-120041, NOT_AVAILABLE)
        return ld

    def _existing(self, account_id: str) -> Leader:
        ld = self.leaders.get(account_id)
        if ld is None:
            raise LeaderError(-120047, "Leader does not exist.")
        return ld

    # --- queries ------------------------------------------------------------------------------

    def current_orders(self, account_id: str) -> list[dict[str, Any]]:
        """``GET .../orders/current``."""
        return [dict(p) for p in self._active(account_id).positions]

    def order_history(self, account_id: str, params: Mapping[str, Any]) -> dict[str, Any]:
        """``GET .../orders/history`` (page, size)."""
        ld = self._active(account_id)
        return _page(params, [dict(h) for h in ld.history])

    def trade_data(self, account_id: str, params: Mapping[str, Any], now_ms: int
                   ) -> list[dict[str, Any]]:  # fmt: skip
        """``GET .../trade-data`` (type 7, 30, 90, 180 or 365 days)."""
        days = _int_param(params, "type", 7)
        if days not in TRADE_DATA_TYPES:
            raise _invalid("type")
        ld = self._active(account_id)
        cutoff = now_ms - days * 86_400_000
        closed = [h for h in ld.history if int(h["closeTime"]) >= cutoff]
        wins = sum(1 for h in closed if Decimal(h["profit"]) > 0)
        profit = sum((Decimal(h["profit"]) for h in closed), Decimal(0))
        gains = sum((Decimal(h["profit"]) for h in closed if Decimal(h["profit"]) > 0),
                    Decimal(0))  # fmt: skip
        losses = -sum((Decimal(h["profit"]) for h in closed if Decimal(h["profit"]) < 0),
                      Decimal(0))  # fmt: skip
        ratio = f"{(gains / losses).quantize(Decimal('0.01'))}:1" if losses else f"{_s(gains)}:0"
        aum = sum((f.total_follow_margin for f in ld.followers.values()), Decimal(0))
        n = len(closed)
        return [{
            "profitRate": _s((profit / Decimal(10000)).quantize(Decimal("0.0001"))),
            "accumulatedProfit": _s(profit),
            "orderCount": n,
            "winRate": _s((Decimal(wins) / n).quantize(Decimal("0.0001")) if n else 0),
            "currentFollowerCount": str(len(ld.followers)),
            "followerTotalProfit": _s(sum((f.total_profit for f in ld.followers.values()),
                                          Decimal(0))),
            "sharpeRatio": "1.2345" if n else "0",
            "totalFollowerCount": str(len(ld.followers) + 7),
            "assetManagementScale": _s(aum),
            "profitLossRatio": ratio,
            "tradingFrequency": _s(round(n / days, 4)),
            "tradingDays": min(days, n),
        }]  # fmt: skip

    def profit_sharing_history(self, account_id: str) -> list[dict[str, Any]]:
        """``GET .../profit-sharings/history`` (the latest 100 records)."""
        return [dict(r) for r in self._active(account_id).profit_sharings[:100]]

    def symbols(self, account_id: str) -> list[dict[str, Any]]:
        """``GET .../symbols``."""
        ld = self._active(account_id)
        return [{"symbolId": sid, "leverage": lev, "isLead": lead}
                for sid, (lev, lead) in ld.symbols.items()]  # fmt: skip

    def followers(self, account_id: str, params: Mapping[str, Any], now_ms: int
                  ) -> dict[str, Any]:  # fmt: skip
        """``GET .../followers`` (page, size)."""
        ld = self._active(account_id)
        return _page(params, [f.json(now_ms) for f in ld.followers.values()])

    # --- writes -------------------------------------------------------------------------------

    def remove_follower(self, account_id: str, follower_user_id: Any) -> None:
        """``DELETE .../followers/{followerUserId}``."""
        try:
            fid = int(str(follower_user_id))
        except ValueError:
            raise _invalid("followerUserId") from None
        if fid < 1 or not re.fullmatch(r"[0-9]{1,19}", str(follower_user_id)):
            raise _invalid("followerUserId")
        ld = self._existing(account_id)
        f = ld.followers.get(fid)
        if f is None:
            raise LeaderError(-32045, "Copy trading follower not found.")
        if f.has_position:
            raise LeaderError(
                -120055, "The follower currently has copy position, cannot be removed."
            )
        del ld.followers[fid]

    def update_config(self, account_id: str, body: Mapping[str, Any]) -> None:
        """``PUT .../config`` with the JSON body's fields (see the module docstring)."""
        ld = self._existing(account_id)
        if not ld.active:
            raise LeaderError(-120041, NOT_AVAILABLE)
        level = self.levels.get(ld.level)
        if level is None:
            raise LeaderError(-120067, "Copy trading level config not found.")
        un_lead_type = _req_int(body, "unLeadType")
        start = _req_int(body, "unLeadStartTime", False)
        end = _req_int(body, "unLeadEndTime", False)
        position_type = _req_int(body, "leadPositionType")
        trade_protect = _req_int(body, "tradeProtect")
        period = _req_int(body, "profitPeriod")
        profit_rate = _req_dec(body, "profitRate")
        asset_lower = _req_dec(body, "followAssetLowerLimit")
        amount_min = _req_dec(body, "fixedAmountFollowMin")
        rate_min = _req_dec(body, "fixedRateFollowMin")
        need_invite = _req_int(body, "isNeedInvite")
        invite_scope = _req_int(body, "inviteScope")
        recommend = _req_int(body, "recommendShare", False)
        recommend_rate = _req_dec(body, "recommendShareRate", False)
        invite_code = body.get("inviteCode")
        symbol_ids = body.get("symbolIds")
        if isinstance(symbol_ids, str):  # a JSON array sent as text
            symbol_ids = [s.strip().strip('"') for s in symbol_ids.strip("[]").split(",")
                          if s.strip()]  # fmt: skip
        if not isinstance(symbol_ids, list) or not symbol_ids:
            raise _malformed("symbolIds")
        assert un_lead_type is not None and position_type is not None
        assert trade_protect is not None and period is not None and need_invite is not None
        assert invite_scope is not None and profit_rate is not None
        assert asset_lower is not None and amount_min is not None and rate_min is not None
        _choice(un_lead_type, "unLeadType", (0, 1))
        _choice(position_type, "leadPositionType", (-1, 0, 1))
        _choice(trade_protect, "tradeProtect", (0, 1))
        _choice(period, "profitPeriod", (1, 7))
        _choice(need_invite, "isNeedInvite", (0, 1))
        _choice(invite_scope, "inviteScope", (0, 1, 2))
        _choice(recommend, "recommendShare", (0, 1))
        for v, name in ((start, "unLeadStartTime"), (end, "unLeadEndTime")):
            if v is not None and v < 0:
                raise _invalid(name)
        if any(not isinstance(s, str) or s not in ld.symbols for s in symbol_ids):
            raise _invalid("symbolIds")
        if invite_code is not None and not isinstance(invite_code, str):
            raise _invalid("inviteCode")
        # cool-down window
        if un_lead_type == 1:
            if not end or (start is not None and end < start):
                raise LeaderError(-120078, "unLeadStartTime or unLeadEndTime is invalid.")
        else:
            start = end = 0
        # level limits
        cap = level.max_private_profit_rate if need_invite == 1 else level.max_profit_rate
        bounds = ((asset_lower, level.follow_asset_lower_limit),
                  (amount_min, level.fixed_amount_follow_min),
                  (rate_min, level.fixed_rate_follow_min))  # fmt: skip
        if profit_rate > cap or any(not lo <= v <= hi for v, (lo, hi) in bounds):
            raise LeaderError(-120072, "Copy trading leader config is invalid.")
        if recommend == 1 and (recommend_rate is None or not 0 < recommend_rate <= 1):
            raise LeaderError(-120072, "Copy trading leader config is invalid.")
        # private -> public
        if ld.config.is_need_invite == 1 and need_invite == 0 and ld.custom_profit_share:
            raise LeaderError(-120073, "Unable to switch invite setting.")
        # disabled symbols with open lead positions
        open_syms = {p["symbolId"] for p in ld.positions}
        for sid, (_, lead) in ld.symbols.items():
            if lead and sid not in symbol_ids and sid in open_syms:
                raise LeaderError(-32090, "Trading pair change is not allowed.")
        if position_type != -1 and any(p["positionType"] != position_type for p in ld.positions):
            raise LeaderError(-32093, "Copy trading position type cannot be changed.")
        code = ld.config.invite_code
        if need_invite == 1 and invite_code:
            if not 6 <= len(invite_code) <= 10 or _CJK.search(invite_code):
                raise LeaderError(-120512, "Invite code is invalid.")
            if any(w in invite_code.lower() for w in SENSITIVE_WORDS):
                raise LeaderError(-120511, "Invite code contains sensitive content.")
            if invite_code.upper() in self.taken_invite_codes:
                raise LeaderError(-120510, "Invite code already exists.")
            code = invite_code
        # apply
        for sid, (lev, _) in list(ld.symbols.items()):
            ld.symbols[sid] = (lev, 1 if sid in symbol_ids else 0)
        ld.custom_profit_share = need_invite == 1 and profit_rate != level.default_profit_rate
        ld.config = LeaderConfig(
            un_lead_type=un_lead_type, un_lead_start_time=start or 0, un_lead_end_time=end or 0,
            lead_position_type=position_type, trade_protect=trade_protect, profit_period=period,
            profit_rate=profit_rate, follow_asset_lower_limit=asset_lower,
            fixed_amount_follow_min=amount_min, fixed_rate_follow_min=rate_min,
            is_need_invite=need_invite, invite_scope=invite_scope,
            recommend_share=ld.config.recommend_share if recommend is None else recommend,
            recommend_share_rate=(ld.config.recommend_share_rate if recommend_rate is None
                                  else recommend_rate),
            invite_code=code,
        )  # fmt: skip

    # --- SAPI copy trading ----------------------------------------------------------------------

    def user_status(self, account_id: str, now_ms: int) -> dict[str, Any]:
        """``GET /sapi/v1/copyTrading/futures/userStatus`` (seed: ``copy-trading``)."""
        ld = self.leaders.get(account_id)
        return {"code": "000000", "message": "success",
                "data": {"isLeadTrader": ld is not None and ld.active, "time": now_ms},
                "success": True}  # fmt: skip

    def lead_symbols(self) -> dict[str, Any]:
        """``GET /sapi/v1/copyTrading/futures/leadSymbol``: the lead symbol whitelist."""
        data = [{"symbol": sym, "baseAsset": base, "quoteAsset": "USDT"}
                for _, sym, base, _ in LEADER_SYMBOLS.values()]  # fmt: skip
        return {"code": "000000", "message": "success", "data": data, "success": True}


def _iso_week(ms: int) -> tuple[int, int, str]:
    d = dt.datetime.fromtimestamp(ms / 1000, tz=dt.UTC).date()
    iso = d.isocalendar()
    return iso.year, iso.week, d.isoformat()
