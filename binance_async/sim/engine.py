"""`Engine`: the local exchange's sans-I/O core (accounts, matching, market data, events).

Every account call takes Binance's own parameter names in a mapping (strings as the REST layer
receives them) and returns the exact JSON-ready dict Binance would, or raises `SimError` with
Binance's code and message. Time is always passed in (``now_ms``); nothing here awaits, sleeps or
reads a clock.

User data: ``engine.subscribe_user(account_id, callback)`` delivers ``executionReport``,
``listStatus``, ``outboundAccountPosition`` and ``balanceUpdate`` dicts after each operation.
Market streams read through `StreamCursor` (diff depth, trades, aggTrades, bookTicker) and the
event builders of `MarketData` (klines, tickers).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ._num import from_units, to_units, units_str
from .accounts import Account, Balance, UserCallback
from .book import BUY
from .errors import (
    DUPLICATE_ORDER,
    OCO_PRICES,
    UNKNOWN_ORDER,
    WOULD_TAKE,
    WOULD_TRIGGER,
    SimError,
    mandatory,
    mandatory_either,
    not_required,
    rejected,
)
from .matching import Market
from .orders import (
    Fill,
    Order,
    OrderList,
    cancel_report,
    list_json,
    new_order_response,
    query_json,
)
from .params import (
    OrderRequest,
    check_filters,
    get_int,
    get_str,
    parse_cid,
    parse_order,
)
from .symbols import DEFAULT_RATE_LIMITS, SymbolSpec, exchange_info_json
from .views import MarketViews

__all__ = ["BookSnapshot", "Engine"]


@dataclass(frozen=True, slots=True)
class BookSnapshot:
    """The exact book at ``update_id``: every level, best first, as Decimals."""

    symbol: str
    update_id: int
    bids: list[tuple[Decimal, Decimal]]
    asks: list[tuple[Decimal, Decimal]]


def _rate(v: Decimal | str | float) -> int:
    return to_units(Decimal(str(v)))


class Engine(MarketViews):
    """The exchange core: symbols, accounts, matching, market data and user events."""

    def __init__(
        self,
        symbols: Sequence[SymbolSpec],
        *,
        seed: int | str = 0,
        maker_fee: Decimal | str = "0.001",
        taker_fee: Decimal | str = "0.001",
        fee_account: str = "fee",
        demo_account: str | None = "demo",
        retention_updates: int = 10_000,
        retention_ms: int = 60_000,
        checkpoint_every: int = 1_000,
        trade_history: int = 10_000,
        kline_history: int = 1_000,
        order_history: int = 10_000,
        rate_limits: Sequence[Mapping[str, Any]] = DEFAULT_RATE_LIMITS,
        now_ms: int = 0,
    ) -> None:
        super().__init__(fee_account=fee_account)
        self.seed = seed
        self.now = now_ms
        self.maker_rate = _rate(maker_fee)
        self.taker_rate = _rate(taker_fee)
        self.order_history = order_history
        self.rate_limits = list(rate_limits)
        self.specs: list[SymbolSpec] = list(symbols)
        for spec in self.specs:
            self.markets[spec.symbol] = Market(
                spec,
                retention_updates=retention_updates,
                retention_ms=retention_ms,
                checkpoint_every=checkpoint_every,
                trade_history=trade_history,
                kline_history=kline_history,
            )
        self.next_list_id = 1
        self._cid_salt = f"binance_async.sim:{seed}:".encode()
        self._cid_seq = 0
        if demo_account is not None:
            self.create_account(demo_account, self.demo_balances())

    # --- time, ids ----------------------------------------------------------------------------

    def new_client_order_id(self) -> str:
        """A deterministic Binance-like 22-character client order id."""
        self._cid_seq += 1
        h = hashlib.blake2b(self._cid_salt + self._cid_seq.to_bytes(8, "big"), digest_size=16)
        return base64.urlsafe_b64encode(h.digest())[:22].decode()

    # --- accounts -----------------------------------------------------------------------------

    def demo_balances(self, usd_value: int = 10_000_000) -> dict[str, Decimal]:
        """Generous balances: ``usd_value`` of each quote asset and a tenth of it in each base."""
        prices: dict[str, Decimal] = {}
        usd = ("USDT", "BUSD", "USDC", "FDUSD", "TUSD", "USDP", "DAI", "USD")
        for a in usd:
            prices[a] = Decimal(1)
        for _ in range(3):  # propagate USD prices through quote chains
            for mk in self.markets.values():
                px = from_units(mk.reference_price)
                if mk.quote in prices and mk.base not in prices and px > 0:
                    prices[mk.base] = px * prices[mk.quote]
        out: dict[str, Decimal] = {}
        for mk in self.markets.values():
            for asset, share in ((mk.quote, 1), (mk.base, 10)):
                if asset in out:
                    continue
                usd_px = prices.get(asset)
                amount = Decimal(usd_value) / share / (usd_px or 1)
                out[asset] = amount.quantize(Decimal("0.00000001"))
        out.setdefault("USDT", Decimal(usd_value))
        return out

    def create_account(
        self,
        account_id: str,
        balances: Mapping[str, Decimal | str | int] | None = None,
        *,
        maker_fee: Decimal | str | None = None,
        taker_fee: Decimal | str | None = None,
        history_cap: int | None = None,
    ) -> Account:
        """Create (or return) an account, crediting ``balances`` (no events)."""
        acct = self.accounts.get(account_id)
        if acct is None:
            acct = self._new_account(
                account_id,
                self.maker_rate if maker_fee is None else _rate(maker_fee),
                self.taker_rate if taker_fee is None else _rate(taker_fee),
            )
            acct.history_cap = self.order_history if history_cap is None else history_cap
        for asset, amount in (balances or {}).items():
            acct.free[asset] = acct.free.get(asset, 0) + to_units(Decimal(str(amount)))
            acct.locked.setdefault(asset, 0)
        return acct

    def account(self, account_id: str) -> Account:
        """The account (KeyError when unknown)."""
        return self.accounts[account_id]

    def balances(self, account_id: str) -> dict[str, Balance]:
        """Every asset the account has held, as Decimals (KeyError when unknown)."""
        return self.accounts[account_id].balances()

    def totals(self) -> dict[str, Decimal]:
        """Sum of free + locked of every asset over all accounts (fee account included)."""
        units: dict[str, int] = {}
        for acct in self.accounts.values():
            for d in (acct.free, acct.locked):
                for a, v in d.items():
                    units[a] = units.get(a, 0) + v
        return {a: from_units(v) for a, v in sorted(units.items())}

    def deposit(
        self, account_id: str, asset: str, amount: Decimal | str, now_ms: int | None = None
    ) -> None:
        """Credit (or, negative, debit) ``amount``; emits ``balanceUpdate``."""
        now = self._tick(now_ms)
        acct = self.accounts[account_id]
        units = to_units(Decimal(str(amount)))
        if acct.free.get(asset, 0) + units < 0:
            raise rejected("Account has insufficient balance for requested action.")
        acct.credit(asset, units)
        acct.locked.setdefault(asset, 0)
        acct.update_time = now
        if acct.subscribers:
            self._outbox.append(
                (acct, {"e": "balanceUpdate", "E": now, "a": asset, "d": units_str(units),
                        "T": now})
            )  # fmt: skip
        self._flush()

    def subscribe_user(self, account_id: str, callback: UserCallback) -> Callable[[], None]:
        """Deliver ``account_id``'s user-data events to ``callback``; returns an unsubscriber."""
        acct = self.accounts[account_id]
        acct.subscribers.append(callback)
        if acct.touched is None:
            acct.touched = set()
            self._subscribed.append(acct)

        def unsubscribe() -> None:
            if callback in acct.subscribers:
                acct.subscribers.remove(callback)
            if not acct.subscribers and acct in self._subscribed:
                self._subscribed.remove(acct)
                acct.touched = None

        return unsubscribe

    def account_info(
        self, account_id: str, now_ms: int | None = None, *, omit_zero: bool = False
    ) -> dict[str, Any]:
        """``GET /api/v3/account``."""
        acct = self.accounts[account_id]
        balances = []
        for a in sorted(set(acct.free) | set(acct.locked)):
            f = acct.free.get(a, 0)
            lk = acct.locked.get(a, 0)
            if omit_zero and not f and not lk:
                continue
            balances.append({"asset": a, "free": units_str(f), "locked": units_str(lk)})
        uid = int.from_bytes(hashlib.blake2b(account_id.encode(), digest_size=4).digest(), "big")
        return {
            **acct.commission_json(),
            "canTrade": True,
            "canWithdraw": True,
            "canDeposit": True,
            "brokered": False,
            "requireSelfTradePrevention": False,
            "preventSor": False,
            "updateTime": acct.update_time,
            "accountType": "SPOT",
            "balances": balances,
            "permissions": ["SPOT"],
            "uid": uid,
        }

    # --- new orders ---------------------------------------------------------------------------

    def _order(self, mk: Market, acct: Account, req: OrderRequest, cid: str | None) -> Order:
        o = Order(
            mk, acct, mk.next_order_id, cid or self.new_client_order_id(), req.side, req.type,
            req.tif, req.price, req.qty, self.now, quote_qty=req.quote_qty,
            stop_price=req.stop_price,
        )  # fmt: skip
        mk.next_order_id += 1
        o.strategy_id = req.strategy_id
        o.strategy_type = req.strategy_type
        return o

    def _check_new(self, mk: Market, acct: Account, req: OrderRequest) -> None:
        """Engine-side rejections that precede funds: duplicate id, trigger, maker-take."""
        if req.cid is not None and (mk.symbol, req.cid) in acct.cids:
            raise rejected(DUPLICATE_ORDER)
        last = mk.md.last_price
        if req.stop_price and last:
            up = req.type.startswith("STOP_LOSS") == (req.side == BUY)
            if (up and last >= req.stop_price) or (not up and last <= req.stop_price):
                raise rejected(WOULD_TRIGGER)
        if req.type == "LIMIT_MAKER":
            book = mk.book
            if req.side == BUY:
                if book.ask_keys and req.price >= book.best_ask():
                    raise rejected(WOULD_TAKE)
            elif book.bid_keys and req.price <= book.best_bid():
                raise rejected(WOULD_TAKE)

    def _new(
        self, acct: Account, mk: Market, req: OrderRequest, *, validate_only: bool = False
    ) -> dict[str, Any]:
        check_filters(mk, req, acct, self.now)
        self._check_new(mk, acct, req)
        if validate_only:
            return {}
        o = self._order(mk, acct, req, req.cid)
        fills: list[Fill] | None = [] if req.resp_type == "FULL" else None
        try:
            self._submit(o, fills)
        finally:
            self._flush()
        return new_order_response(o, req.resp_type, self.now, fills)

    def new_order(
        self, account_id: str, params: Mapping[str, Any], now_ms: int | None = None
    ) -> dict[str, Any]:
        """``POST /api/v3/order``."""
        self._tick(now_ms)
        acct = self.accounts[account_id]
        mk = self.market(get_str(params, "symbol"))
        return self._new(acct, mk, parse_order(params, mk))

    def test_order(
        self, account_id: str, params: Mapping[str, Any], now_ms: int | None = None
    ) -> dict[str, Any]:
        """``POST /api/v3/order/test``: validate (params, filters) without placing."""
        self._tick(now_ms)
        acct = self.accounts[account_id]
        mk = self.market(get_str(params, "symbol"))
        return self._new(acct, mk, parse_order(params, mk), validate_only=True)

    # --- fast path (synthetic participants) -----------------------------------------------------

    def place(
        self,
        account: Account,
        mk: Market,
        side: int,
        type_: str,
        price: int,
        qty: int,
        now_ms: int,
        *,
        tif: str = "GTC",
        quote_qty: int = 0,
    ) -> Order:
        """Place an order of integer units without parsing or filters (raises -2010 if unfunded
        or, for LIMIT_MAKER, if it would take). Used by `SyntheticFlow`."""
        if now_ms > self.now:
            self.now = now_ms
        if type_ == "LIMIT_MAKER":
            if side == BUY:
                if mk.book.ask_keys and price >= -mk.book.ask_keys[-1]:
                    raise rejected(WOULD_TAKE)
            elif mk.book.bid_keys and price <= mk.book.bid_keys[-1]:
                raise rejected(WOULD_TAKE)
        oid = mk.next_order_id
        mk.next_order_id = oid + 1
        o = Order(mk, account, oid, "", side, type_, tif, price, qty, self.now,
                  quote_qty=quote_qty)  # fmt: skip
        o.cid = f"sim{mk.symbol}x{oid}"
        try:
            self._submit(o, None, index_cid=False)
        finally:
            if self._subscribed:
                self._flush()
        return o

    def cancel(self, o: Order, now_ms: int) -> None:
        """Cancel an open order object (no-op if it is closed). Used by `SyntheticFlow`."""
        if not o.is_open:
            return
        if now_ms > self.now:
            self.now = now_ms
        mk = o.mk
        mk.book.begin()
        if o.list is not None and o.list.is_open:
            self._cancel_list(o.list)
        else:
            self._cancel(o)
        mk.book.end(self.now)
        if self._subscribed:
            self._flush()

    # --- cancels --------------------------------------------------------------------------------

    def _find(self, acct: Account, mk: Market, params: Mapping[str, Any], id_key: str,
              cid_key: str, code: int) -> Order:  # fmt: skip
        oid = get_int(params, id_key)
        ocid = get_str(params, cid_key)
        if oid is None and ocid is None:
            raise mandatory_either(id_key, cid_key)
        if oid is not None:
            o = acct.orders.get(mk.symbol, {}).get(oid)
            if o is None:
                raise SimError(code, UNKNOWN_ORDER if code == -2011 else "Order does not exist.")
            if ocid is not None and o.cid != ocid:
                raise SimError(-2039, "Client order ID is not correct for this order ID.")
            return o
        assert ocid is not None
        o = acct.cids.get((mk.symbol, ocid))
        if o is None:
            for cand in reversed(acct.orders.get(mk.symbol, {}).values()):
                if cand.cid == ocid:
                    o = cand
                    break
        if o is None:
            raise SimError(code, UNKNOWN_ORDER if code == -2011 else "Order does not exist.")
        return o

    def _cancel_one(self, acct: Account, mk: Market, o: Order, cancel_cid: str | None
                    ) -> dict[str, Any]:  # fmt: skip
        if not o.is_open:
            raise SimError(-2011, UNKNOWN_ORDER)
        cid = cancel_cid or self.new_client_order_id()
        mk.book.begin()
        try:
            if o.list is not None and o.list.is_open:
                ol = o.list
                self._cancel_list(ol, cid)
                return list_json(ol, self.now, [cancel_report(x, cid, self.now) for x in ol.orders])
            self._cancel(o, cid)
            return cancel_report(o, cid, self.now)
        finally:
            mk.book.end(self.now)
            self._flush()

    def cancel_order(
        self, account_id: str, params: Mapping[str, Any], now_ms: int | None = None
    ) -> dict[str, Any]:
        """``DELETE /api/v3/order`` (cancelling an OCO leg cancels the list: list body)."""
        self._tick(now_ms)
        acct = self.accounts[account_id]
        mk = self.market(get_str(params, "symbol"))
        cancel_cid = parse_cid(params, "newClientOrderId")
        o = self._find(acct, mk, params, "orderId", "origClientOrderId", -2011)
        return self._cancel_one(acct, mk, o, cancel_cid)

    def cancel_open_orders(
        self, account_id: str, params: Mapping[str, Any], now_ms: int | None = None
    ) -> list[dict[str, Any]]:
        """``DELETE /api/v3/openOrders``: every open order and OCO of the symbol."""
        self._tick(now_ms)
        acct = self.accounts[account_id]
        mk = self.market(get_str(params, "symbol"))
        opened = sorted(acct.open.get(mk.symbol, {}).values(), key=lambda o: o.order_id)
        if not opened:
            raise SimError(-2011, UNKNOWN_ORDER)
        out: list[dict[str, Any]] = []
        for o in opened:
            if o.is_open:
                out.append(self._cancel_one(acct, mk, o, None))
        return out

    def cancel_replace(
        self, account_id: str, params: Mapping[str, Any], now_ms: int | None = None
    ) -> dict[str, Any]:
        """``POST /api/v3/order/cancelReplace`` (-2021 HTTP 409 / -2022 HTTP 400 on failures)."""
        self._tick(now_ms)
        acct = self.accounts[account_id]
        mk = self.market(get_str(params, "symbol"))
        mode = get_str(params, "cancelReplaceMode")
        if mode is None:
            raise mandatory("cancelReplaceMode")
        if mode not in ("STOP_ON_FAILURE", "ALLOW_FAILURE"):
            raise SimError(-1130, "Data sent for parameter 'cancelReplaceMode' is not valid.")
        if not mk.spec.cancel_replace_allowed:
            raise rejected("Order cancel-replace is not supported for this symbol.")
        req = parse_order(params, mk)
        cancel_cid = parse_cid(params, "cancelNewClientOrderId")
        check_filters(mk, req, acct, self.now, new_orders=0)
        cancel_resp: dict[str, Any]
        try:
            o = self._find(acct, mk, params, "cancelOrderId", "cancelOrigClientOrderId", -2011)
            cancel_resp = self._cancel_one(acct, mk, o, cancel_cid)
            cancel_ok = True
        except SimError as exc:
            if exc.code in (-1102, -1100):
                raise
            cancel_resp = {"code": exc.code, "msg": exc.msg}
            cancel_ok = False
        if not cancel_ok and mode == "STOP_ON_FAILURE":
            raise SimError(-2022, "Order cancel-replace failed.", 400, {
                "cancelResult": "FAILURE", "newOrderResult": "NOT_ATTEMPTED",
                "cancelResponse": cancel_resp, "newOrderResponse": None})  # fmt: skip
        try:
            new_resp = self._new(acct, mk, req)
            new_ok = True
        except SimError as exc:
            new_resp = {"code": exc.code, "msg": exc.msg}
            new_ok = False
        body = {
            "cancelResult": "SUCCESS" if cancel_ok else "FAILURE",
            "newOrderResult": "SUCCESS" if new_ok else "FAILURE",
            "cancelResponse": cancel_resp,
            "newOrderResponse": new_resp,
        }
        if cancel_ok and new_ok:
            return body
        if cancel_ok or new_ok:
            raise SimError(-2021, "Order cancel-replace partially failed.", 409, body)
        raise SimError(-2022, "Order cancel-replace failed.", 400, body)

    # --- OCO ------------------------------------------------------------------------------------

    def new_oco(
        self, account_id: str, params: Mapping[str, Any], now_ms: int | None = None
    ) -> dict[str, Any]:
        """``POST /api/v3/order/oco``: a LIMIT_MAKER leg and a STOP_LOSS(_LIMIT) leg."""
        self._tick(now_ms)
        acct = self.accounts[account_id]
        mk = self.market(get_str(params, "symbol"))
        for name in ("side", "quantity", "price", "stopPrice"):
            if get_str(params, name) is None:
                raise mandatory(name)
        stop_limit = get_str(params, "stopLimitPrice")
        stop_tif = get_str(params, "stopLimitTimeInForce")
        if stop_limit is not None and stop_tif is None:
            raise mandatory("stopLimitTimeInForce")
        if stop_limit is None and stop_tif is not None:
            raise not_required("stopLimitTimeInForce")
        if not mk.spec.oco_allowed:
            raise rejected("OCO orders are not supported for this symbol")
        common = {"symbol": mk.symbol, "side": params["side"], "quantity": params["quantity"]}
        limit_req = parse_order(
            {**common, "type": "LIMIT_MAKER", "price": params["price"],
             "newClientOrderId": params.get("limitClientOrderId")}, mk)  # fmt: skip
        stop_params = {**common, "stopPrice": params["stopPrice"],
                       "newClientOrderId": params.get("stopClientOrderId")}  # fmt: skip
        if stop_limit is not None:
            stop_params.update(type="STOP_LOSS_LIMIT", price=stop_limit, timeInForce=stop_tif)
        else:
            stop_params["type"] = "STOP_LOSS"
        stop_req = parse_order(stop_params, mk)
        list_cid = parse_cid(params, "listClientOrderId")
        resp_type = get_str(params, "newOrderRespType") or "RESULT"
        check_filters(mk, limit_req, acct, self.now, new_orders=2, new_algo=1)
        check_filters(mk, stop_req, acct, self.now, new_orders=2, new_algo=1)
        for r in (limit_req, stop_req):
            if r.cid is not None and (mk.symbol, r.cid) in acct.cids:
                raise rejected(DUPLICATE_ORDER)
        last = mk.md.last_price or mk.reference_price
        p, sp = limit_req.price, stop_req.stop_price
        ok = p > last > sp if limit_req.side != BUY else p < last < sp
        if not ok:
            raise rejected(OCO_PRICES)
        self._check_new(mk, acct, limit_req)
        lock = mk.quote_of(p, limit_req.qty) if limit_req.side == BUY else limit_req.qty
        if stop_req.side == BUY:
            lock = max(lock, mk.quote_of(stop_req.price or sp, stop_req.qty))
        asset = mk.quote if limit_req.side == BUY else mk.base
        if lock > acct.free.get(asset, 0):
            raise rejected("Account has insufficient balance for requested action.")
        ol = OrderList(mk, acct, self.next_list_id, list_cid or self.new_client_order_id(),
                       self.now)  # fmt: skip
        self.next_list_id += 1
        stop = self._order(mk, acct, stop_req, stop_req.cid)
        lim = self._order(mk, acct, limit_req, limit_req.cid)
        ol.orders = [stop, lim]
        stop.list = lim.list = ol
        acct.lock(asset, lock)
        lim.locked = lock
        acct.lists.setdefault(mk.symbol, {})[ol.list_id] = ol
        mk.book.begin()
        self._park(stop)
        lim.working_time = self.now
        lim.on_book = True
        mk.book.add(lim, lim.side, lim.price, lim.qty)
        acct.add_open(lim)
        self._report(lim, "NEW")
        self._list_event(ol)
        mk.book.end(self.now)
        self._flush()
        reports = [new_order_response(x, "RESULT", self.now, None) for x in ol.orders]
        if resp_type == "ACK":
            reports = [{k: r[k] for k in ("symbol", "orderId", "orderListId", "clientOrderId",
                                          "transactTime")} for r in reports]  # fmt: skip
        return list_json(ol, self.now, reports)

    def _find_list(self, acct: Account, params: Mapping[str, Any]) -> OrderList:
        lid = get_int(params, "orderListId")
        lcid = get_str(params, "listClientOrderId") or get_str(params, "origClientOrderId")
        if lid is None and lcid is None:
            raise mandatory_either("orderListId", "listClientOrderId")
        for lists in acct.lists.values():
            for ol in lists.values():
                if (lid is not None and ol.list_id == lid) or (lid is None and ol.cid == lcid):
                    return ol
        raise SimError(-2011, "Order list does not exist.")

    def cancel_order_list(
        self, account_id: str, params: Mapping[str, Any], now_ms: int | None = None
    ) -> dict[str, Any]:
        """``DELETE /api/v3/orderList``."""
        self._tick(now_ms)
        acct = self.accounts[account_id]
        mk = self.market(get_str(params, "symbol"))
        ol = self._find_list(acct, params)
        if ol.mk is not mk or not ol.is_open:
            raise SimError(-2011, UNKNOWN_ORDER)
        cid = parse_cid(params, "newClientOrderId") or self.new_client_order_id()
        return self._cancel_one(acct, mk, next(o for o in ol.orders if o.is_open), cid)

    def query_order_list(self, account_id: str, params: Mapping[str, Any]) -> dict[str, Any]:
        """``GET /api/v3/orderList``."""
        ol = self._find_list(self.accounts[account_id], params)
        return list_json(ol, ol.time, None)

    def all_order_lists(self, account_id: str, params: Mapping[str, Any] | None = None
                        ) -> list[dict[str, Any]]:  # fmt: skip
        """``GET /api/v3/allOrderList``."""
        params = params or {}
        from_id = get_int(params, "fromId")
        start, end = get_int(params, "startTime"), get_int(params, "endTime")
        limit = min(get_int(params, "limit") or 500, 1000)
        lists = sorted(
            (ol for d in self.accounts[account_id].lists.values() for ol in d.values()),
            key=lambda ol: ol.list_id,
        )
        sel = [
            ol
            for ol in lists
            if (from_id is None or ol.list_id >= from_id)
            and (start is None or ol.time >= start)
            and (end is None or ol.time <= end)
        ]
        return [list_json(ol, ol.time, None) for ol in sel[:limit]]  # fmt: skip

    def open_order_lists(self, account_id: str) -> list[dict[str, Any]]:
        """``GET /api/v3/openOrderList``."""
        acct = self.accounts[account_id]
        lists = sorted((ol for d in acct.lists.values() for ol in d.values() if ol.is_open),
                       key=lambda ol: ol.list_id)  # fmt: skip
        return [list_json(ol, ol.time, None) for ol in lists]

    # --- order queries --------------------------------------------------------------------------

    def query_order(self, account_id: str, params: Mapping[str, Any]) -> dict[str, Any]:
        """``GET /api/v3/order`` (-2013 "Order does not exist.")."""
        acct = self.accounts[account_id]
        mk = self.market(get_str(params, "symbol"))
        return query_json(self._find(acct, mk, params, "orderId", "origClientOrderId", -2013))

    def open_orders(self, account_id: str, params: Mapping[str, Any] | None = None
                    ) -> list[dict[str, Any]]:  # fmt: skip
        """``GET /api/v3/openOrders`` (all symbols when no ``symbol``)."""
        acct = self.accounts[account_id]
        symbol = get_str(params or {}, "symbol")
        if symbol is not None:
            self.market(symbol)
            orders = list(acct.open.get(symbol, {}).values())
        else:
            orders = [o for d in acct.open.values() for o in d.values()]
        orders.sort(key=lambda o: (o.mk.symbol, o.order_id))
        return [query_json(o) for o in orders]

    def all_orders(self, account_id: str, params: Mapping[str, Any]) -> list[dict[str, Any]]:
        """``GET /api/v3/allOrders`` (bounded history)."""
        acct = self.accounts[account_id]
        mk = self.market(get_str(params, "symbol"))
        oid = get_int(params, "orderId")
        start, end = get_int(params, "startTime"), get_int(params, "endTime")
        limit = min(get_int(params, "limit") or 500, 1000)
        orders = sorted(acct.orders.get(mk.symbol, {}).values(), key=lambda o: o.order_id)
        if oid is not None:
            orders = [o for o in orders if o.order_id >= oid][:limit]
        elif start is not None or end is not None:
            orders = [o for o in orders if (start is None or o.time >= start)
                      and (end is None or o.time <= end)][:limit]  # fmt: skip
        else:
            orders = orders[-limit:]
        return [query_json(o) for o in orders]

    def my_trades(self, account_id: str, params: Mapping[str, Any]) -> list[dict[str, Any]]:
        """``GET /api/v3/myTrades`` (bounded history)."""
        acct = self.accounts[account_id]
        mk = self.market(get_str(params, "symbol"))
        oid = get_int(params, "orderId")
        from_id = get_int(params, "fromId")
        start, end = get_int(params, "startTime"), get_int(params, "endTime")
        limit = min(get_int(params, "limit") or 500, 1000)
        rows = list(acct.trades.get(mk.symbol, ()))
        if oid is not None:
            rows = [r for r in rows if r[1] == oid]
        if from_id is not None:
            rows = [r for r in rows if r[0] >= from_id][:limit]
        elif start is not None or end is not None:
            rows = [r for r in rows if (start is None or r[8] >= start)
                    and (end is None or r[8] <= end)][:limit]  # fmt: skip
        else:
            rows = rows[-limit:]
        fp, fq, fquote, fc = mk.fp, mk.fq, mk.fquote, mk.fcomm
        return [
            {"symbol": mk.symbol, "id": r[0], "orderId": r[1], "orderListId": r[2],
             "price": fp(r[3]), "qty": fq(r[4]), "quoteQty": fquote(r[5]),
             "commission": fc(r[6]), "commissionAsset": r[7], "time": r[8], "isBuyer": r[9],
             "isMaker": r[10], "isBestMatch": True}
            for r in rows
        ]  # fmt: skip

    # --- ground truth -------------------------------------------------------------------------

    def true_book(self, symbol: str, update_id: int | None = None) -> BookSnapshot:
        """The exact book at ``update_id`` (default: now); `HistoryUnavailable` if too old."""
        mk = self.market(symbol)
        uid = mk.book.update_id if update_id is None else update_id
        bids, asks = mk.book.true_book(uid)
        return BookSnapshot(
            symbol,
            uid,
            [(from_units(p), from_units(q)) for p, q in sorted(bids.items(), reverse=True)],
            [(from_units(p), from_units(q)) for p, q in sorted(asks.items())],
        )

    def exchange_info(self, now_ms: int | None = None, symbols: Sequence[str] | None = None
                      ) -> dict[str, Any]:  # fmt: skip
        """``GET /api/v3/exchangeInfo`` for all (or the given) symbols."""
        specs = self.specs if symbols is None else [self.market(s).spec for s in symbols]
        return exchange_info_json(specs, self.rate_limits, server_time=self._tick(now_ms))
