"""The matching core: per-symbol `Market` state and the `Matcher` that executes orders.

`Matcher` works on already-validated integer orders (the parameter parsing and filters live in
`params` / `engine`): price-time priority matching, settlement with commissions, stop triggers,
OCO legs, cancels, and the user-data events of subscribed accounts. No I/O, no clock: the current
time is ``self.now`` (ms), advanced by the public calls.
"""

from __future__ import annotations

from heapq import heapify, heappop, heappush
from typing import Any

from ._num import SCALE, formatter, to_units
from .accounts import Account
from .book import BUY, SELL, Book
from .errors import INSUFFICIENT_BALANCE, rejected
from .market_data import MarketData
from .orders import (
    Fill,
    Order,
    OrderList,
    execution_report,
    list_status_event,
)
from .symbols import SymbolSpec, estimate_start_price

__all__ = ["Market", "Matcher"]

_MARKET_TYPES = frozenset({"MARKET", "STOP_LOSS", "TAKE_PROFIT"})


class Market:
    """One symbol: spec, integer rules, book, market data, stops and id counters."""

    def __init__(
        self,
        spec: SymbolSpec,
        *,
        retention_updates: int = 10_000,
        retention_ms: int = 60_000,
        checkpoint_every: int = 1_000,
        trade_history: int = 10_000,
        kline_history: int = 1_000,
    ) -> None:
        self.spec = spec
        self.symbol = spec.symbol
        self.base = spec.base_asset
        self.quote = spec.quote_asset
        self.tick = to_units(spec.tick_size)
        self.step = to_units(spec.step_size)
        self.min_price = to_units(spec.min_price)
        self.max_price = to_units(spec.max_price)
        self.min_qty = to_units(spec.min_qty)
        self.max_qty = to_units(spec.max_qty)
        self.m_min_qty = to_units(spec.market_min_qty)
        self.m_max_qty = to_units(spec.market_max_qty)
        self.m_step = to_units(spec.market_step_size)
        self.min_notional = to_units(spec.min_notional)
        self.max_notional = to_units(spec.max_notional)
        self.quote_unit: int = 10 ** (8 - min(8, spec.quote_precision))
        self.base_fee_unit: int = 10 ** (8 - min(8, spec.base_commission_precision))
        self.quote_fee_unit: int = 10 ** (8 - min(8, spec.quote_commission_precision))
        self.fp = formatter(spec.quote_precision)
        self.fq = formatter(spec.base_precision)
        self.fquote = formatter(spec.quote_precision)
        self.fcomm = formatter(8)
        ref = to_units(estimate_start_price(spec))
        if self.tick:
            ref = max(self.tick, ref - ref % self.tick)
        self.reference_price = ref
        self.book = Book(
            retention_updates=retention_updates,
            retention_ms=retention_ms,
            checkpoint_every=checkpoint_every,
        )
        self.md = MarketData(
            spec.symbol,
            self.fp,
            self.fq,
            self.fquote,
            reference_price=ref,
            avg_price_mins=spec.avg_price_mins,
            trade_history=trade_history,
            kline_history=kline_history,
        )
        self.next_order_id = 1
        self.next_trade_id = 1
        self.next_list_id = 1
        #: pending stops as heaps: fire when last >= stop / last <= stop
        self.stops_up: list[tuple[int, int, Order]] = []
        self.stops_down: list[tuple[int, int, Order]] = []

    @property
    def trading(self) -> bool:
        """Whether the symbol's status is ``TRADING`` (orders accepted)."""
        return self.spec.status == "TRADING"

    def quote_of(self, price: int, qty: int) -> int:
        """price * qty in quote units, truncated to the quote asset's precision."""
        q = price * qty // SCALE
        u = self.quote_unit
        return q - q % u if u > 1 else q

    def fires_up(self, o: Order) -> bool:
        """Does this stop order fire on a rising price (last >= stop)?"""
        stop_loss = o.type.startswith("STOP_LOSS")
        return stop_loss == (o.side == BUY)

    def buy_cost(self, qty: int, limit: int = 0) -> tuple[int, int]:
        """Walk the asks: (quote cost, qty available) to buy up to ``qty`` (within ``limit``)."""
        book = self.book
        asks = book.asks
        cost = got = 0
        for k in reversed(book.ask_keys):
            price = -k
            if limit and price > limit:
                break
            take = min(qty - got, asks[price].qty)
            cost += self.quote_of(price, take)
            got += take
            if got >= qty:
                break
        return cost, got

    def buy_qty_for_quote(self, quote: int) -> int:
        """Walk the asks: base quantity ``quote`` buys (whole steps)."""
        book = self.book
        asks = book.asks
        step = self.step or 1
        got = 0
        left = quote
        for k in reversed(book.ask_keys):
            price = -k
            want = left * SCALE // price
            want -= want % step
            take = min(want, asks[price].qty)
            if take <= 0:
                break
            got += take
            left -= self.quote_of(price, take)
            if take < asks[price].qty:
                break
        return got

    def sell_qty_for_quote(self, quote: int) -> int:
        """Walk the bids: base quantity needed to receive ``quote``."""
        book = self.book
        bids = book.bids
        step = self.step or 1
        got = 0
        left = quote
        for price in reversed(book.bid_keys):
            want = left * SCALE // price
            want -= want % step
            take = min(want, bids[price].qty)
            if take <= 0:
                break
            got += take
            left -= self.quote_of(price, take)
            if take < bids[price].qty:
                break
        return got

    def available(self, side: int, qty: int, limit: int) -> bool:
        """Can ``qty`` be filled at once within ``limit`` (FOK)?"""
        book = self.book
        got = 0
        if side == BUY:
            for k in reversed(book.ask_keys):
                if limit and -k > limit:
                    return False
                got += book.asks[-k].qty
                if got >= qty:
                    return True
        else:
            for p in reversed(book.bid_keys):
                if limit and p < limit:
                    return False
                got += book.bids[p].qty
                if got >= qty:
                    return True
        return False


class Matcher:
    """Executes validated orders on markets; settles accounts; emits user events."""

    def __init__(self, *, fee_account: str = "fee") -> None:
        self.markets: dict[str, Market] = {}
        self.accounts: dict[str, Account] = {}
        self.now = 0
        self._outbox: list[tuple[Account, dict[str, Any]]] = []
        self._subscribed: list[Account] = []
        self._event_seq = 0
        self.fee = self._new_account(fee_account, 0, 0)

    def _new_account(self, account_id: str, maker: int, taker: int) -> Account:
        acct = Account(account_id, maker_rate=maker, taker_rate=taker)
        self.accounts[account_id] = acct
        return acct

    # --- events -------------------------------------------------------------------------------

    def _report(self, o: Order, x: str, **kw: Any) -> None:
        acct = o.account
        if acct.subscribers:
            self._event_seq += 1
            self._outbox.append(
                (acct, execution_report(o, self.now, x, event_seq=self._event_seq, **kw))
            )

    def _list_event(self, ol: OrderList) -> None:
        acct = ol.account
        if acct.subscribers:
            self._outbox.append((acct, list_status_event(ol, self.now, self.now)))

    def _flush(self) -> None:
        """Deliver the events of the finished operation (positions after the reports)."""
        now = self.now
        out = self._outbox
        for acct in self._subscribed:
            ev = acct.position_event(now)
            if ev is not None:
                out.append((acct, ev))
        if not out:
            return
        self._outbox = []
        error: BaseException | None = None
        for acct, ev in out:
            for cb in list(acct.subscribers):
                try:
                    cb(ev)
                except Exception as exc:  # deliver the rest, re-raise the first
                    error = error or exc
        if error is not None:
            raise error

    # --- placement ----------------------------------------------------------------------------

    def _lock_for(self, o: Order) -> tuple[str, int]:
        """(asset, units) an order needs locked at placement."""
        mk = o.mk
        if o.quote_qty:
            o.qty = (mk.buy_qty_for_quote if o.side == BUY else mk.sell_qty_for_quote)(o.quote_qty)
        if o.side == BUY:
            if o.quote_qty:
                return mk.quote, o.quote_qty
            if o.type == "MARKET":
                return mk.quote, mk.buy_cost(o.qty)[0]
            if o.type in ("STOP_LOSS", "TAKE_PROFIT"):
                return mk.quote, mk.quote_of(o.stop_price, o.qty)
            return mk.quote, mk.quote_of(o.price, o.qty)
        return mk.base, o.qty

    def _submit(self, o: Order, fills: list[Fill] | None, *, index_cid: bool = True) -> None:
        """Lock funds and execute (or park, for stops) a validated order. -2010 if unfunded."""
        acct = o.account
        asset, need = self._lock_for(o)
        if need > acct.free.get(asset, 0):
            raise rejected(INSUFFICIENT_BALANCE)
        acct.lock(asset, need)
        acct.update_time = self.now
        o.locked = need
        mk = o.mk
        book = mk.book
        book.begin()
        if o.stop_price:
            self._park(o, index_cid)
        else:
            o.working_time = self.now
            self._report(o, "NEW", working=o.type not in _MARKET_TYPES and o.tif == "GTC")
            self._take(o, fills, index_cid)
        book.end(self.now)
        self._process_triggers(mk)

    def _park(self, o: Order, index_cid: bool = True) -> None:
        """A stop order waits for its trigger (not on the book, ``isWorking`` false)."""
        mk = o.mk
        o.account.add_open(o, index_cid)
        heap = mk.stops_up if mk.fires_up(o) else mk.stops_down
        if len(heap) >= 1024:  # drop cancelled stops (lazily deleted) now and then
            live = [e for e in heap if e[2].status == "NEW" and e[2].working_time < 0]
            if len(live) < len(heap) // 2:
                heapify(live)
                heap[:] = live
        heappush(heap, (o.stop_price if heap is mk.stops_up else -o.stop_price, o.order_id, o))
        self._report(o, "NEW")

    def _take(
        self,
        o: Order,
        fills: list[Fill] | None,
        index_cid: bool = True,
        already_open: bool = False,
    ) -> None:
        """Match ``o`` as a taker, then rest, expire or finish it."""
        mk = o.mk
        market = o.type in _MARKET_TYPES
        limit = 0 if market else o.price
        if o.tif == "FOK" and not mk.available(o.side, o.qty - o.executed, limit):
            self._expire_taker(o, index_cid)
            return
        if o.qty > o.executed:
            self._match(o, limit, fills)
        if o.executed == o.qty and o.executed:
            self._finish(o, index_cid)
        elif market or o.tif != "GTC":
            self._expire_taker(o, index_cid)
        else:
            rem = o.qty - o.executed
            if o.side == BUY and o.executed:
                # filled at better prices: keep only what the rest costs at the limit price
                excess = o.locked - mk.quote_of(o.price, rem)
                if excess > 0:
                    o.account.unlock(mk.quote, excess)
                    o.locked -= excess
            o.on_book = True
            mk.book.add(o, o.side, o.price, rem)
            if not already_open:
                o.account.add_open(o, index_cid)

    def _expire_taker(self, o: Order, index_cid: bool) -> None:
        o.status = "EXPIRED"
        o.update_time = self.now
        self._release(o)
        self._close(o, index_cid)
        self._report(o, "EXPIRED")

    def _finish(self, o: Order, index_cid: bool) -> None:
        """A taker order filled completely while matching."""
        self._release(o)
        self._close(o, index_cid)

    def _close(self, o: Order, index_cid: bool) -> None:
        acct = o.account
        sym = o.mk.symbol
        opened = acct.open.get(sym)
        if opened is not None and o.order_id in opened:
            acct.close(o)
        else:
            acct.record_closed(o)

    def _release(self, o: Order) -> None:
        if o.locked:
            mk = o.mk
            acct = o.account
            acct.unlock(mk.quote if o.side == BUY else mk.base, o.locked)
            acct.update_time = self.now
            o.locked = 0

    # --- matching -----------------------------------------------------------------------------

    def _match(self, o: Order, limit: int, fills: list[Fill] | None) -> None:
        mk = o.mk
        book = mk.book
        buy = o.side == BUY
        if buy:
            keys = book.ask_keys
            levels = book.asks
            opp = SELL
        else:
            keys = book.bid_keys
            levels = book.bids
            opp = BUY
        # quote-budgeted buys: quoteOrderQty, and triggered stop-market buys (lock may be capped)
        budget = buy and (o.quote_qty > 0 or (o.stop_price > 0 and o.type in _MARKET_TYPES))
        step = mk.step or 1
        fill = self._fill
        done = False
        while keys and not done:
            price = -keys[-1] if buy else keys[-1]
            if limit and (price > limit if buy else price < limit):
                break
            lv = levels[price]
            q = lv.orders
            start_qty = lv.qty
            while q:
                m = q[0]
                mrem = m.qty - m.executed
                want = o.qty - o.executed
                if budget:
                    afford = o.locked * SCALE // price
                    afford -= afford % step
                    if afford < want:
                        want = afford
                if want <= 0:
                    done = True
                    break
                qty = want if want < mrem else mrem
                fill(mk, o, m, price, qty, fills)
                lv.qty -= qty
                if qty == mrem:
                    q.popleft()
                    m.on_book = False
                    self._release(m)
                    m.account.close(m)
                if o.executed == o.qty:
                    done = True
                    break
            if lv.qty == start_qty:
                break
            book.note(opp, price, lv.qty)
            if lv.qty == 0:
                del levels[price]
                keys.pop()

    def _fill(
        self, mk: Market, taker: Order, maker: Order, price: int, qty: int, fills: list[Fill] | None
    ) -> None:
        quote = price * qty // SCALE
        if mk.quote_unit > 1:
            quote -= quote % mk.quote_unit
        tid = mk.next_trade_id
        mk.next_trade_id = tid + 1
        now = self.now
        base = mk.base
        qa = mk.quote
        if taker.side == BUY:
            buyer, seller = taker, maker
            b_acct = taker.account
            s_acct = maker.account
            b_rate = b_acct.taker_rate
            s_rate = s_acct.maker_rate
        else:
            buyer, seller = maker, taker
            b_acct = maker.account
            s_acct = taker.account
            b_rate = b_acct.maker_rate
            s_rate = s_acct.taker_rate
        fee_b = qty * b_rate // SCALE
        if mk.base_fee_unit > 1:
            fee_b -= fee_b % mk.base_fee_unit
        fee_s = quote * s_rate // SCALE
        if mk.quote_fee_unit > 1:
            fee_s -= fee_s % mk.quote_fee_unit
        # settle: buyer pays locked quote, receives base; seller the reverse; fees to the fee acct
        b_acct.locked[qa] -= quote
        buyer.locked -= quote
        bf = b_acct.free
        bf[base] = bf.get(base, 0) + qty - fee_b
        s_acct.locked[base] -= qty
        seller.locked -= qty
        sf = s_acct.free
        sf[qa] = sf.get(qa, 0) + quote - fee_s
        ff = self.fee.free
        ff[base] = ff.get(base, 0) + fee_b
        ff[qa] = ff.get(qa, 0) + fee_s
        b_acct.update_time = s_acct.update_time = now
        for acct in (b_acct, s_acct, self.fee):
            if acct.touched is not None:
                acct.touched.add(base)
                acct.touched.add(qa)
        for o in (taker, maker):
            o.executed += qty
            o.cum_quote += quote
            o.update_time = now
            o.status = "FILLED" if o.executed == o.qty else "PARTIALLY_FILLED"
        buyer_maker = buyer is maker
        mk.md.on_trade(tid, price, qty, quote, now, buyer_maker, taker.order_id)
        sym = mk.symbol
        b_acct.record_trade(
            sym,
            (tid, buyer.order_id, buyer.list_id, price, qty, quote, fee_b, base, now, True,
             buyer_maker),
        )  # fmt: skip
        s_acct.record_trade(
            sym,
            (tid, seller.order_id, seller.list_id, price, qty, quote, fee_s, qa, now, False,
             not buyer_maker),
        )  # fmt: skip
        if fills is not None:
            if taker.side == BUY:
                fills.append((price, qty, fee_b, base, tid))
            else:
                fills.append((price, qty, fee_s, qa, tid))
        if b_acct.subscribers:
            self._report(buyer, "TRADE", last_qty=qty, last_price=price, last_quote=quote,
                         commission=fee_b, commission_asset=base, trade_id=tid,
                         is_maker=buyer_maker)  # fmt: skip
        if s_acct.subscribers:
            self._report(seller, "TRADE", last_qty=qty, last_price=price, last_quote=quote,
                         commission=fee_s, commission_asset=qa, trade_id=tid,
                         is_maker=not buyer_maker)  # fmt: skip
        ol = maker.list
        if ol is not None and ol.is_open:
            self._oco_done(ol, maker)

    # --- stops and OCO ------------------------------------------------------------------------

    def _process_triggers(self, mk: Market) -> None:
        """Fire the stops the last trade price has crossed (repeatedly: fills move the price)."""
        while True:
            last = mk.md.last_price
            if not last:
                return
            fired: list[Order] = []
            up = mk.stops_up
            while up and up[0][0] <= last:
                o = heappop(up)[2]
                if o.status == "NEW" and o.working_time < 0:
                    fired.append(o)
            down = mk.stops_down
            while down and -down[0][0] >= last:
                o = heappop(down)[2]
                if o.status == "NEW" and o.working_time < 0:
                    fired.append(o)
            if not fired:
                return
            fired.sort(key=lambda x: x.order_id)
            for o in fired:
                if o.status != "NEW" or o.working_time >= 0:
                    continue
                mk.book.begin()
                self._trigger(o)
                mk.book.end(self.now)

    def _trigger(self, o: Order) -> None:
        mk = o.mk
        acct = o.account
        o.working_time = o.update_time = self.now
        ol = o.list
        if ol is not None and ol.is_open:
            self._oco_done(ol, o)
        if o.type in _MARKET_TYPES and o.side == BUY:
            # re-size the lock to what the market buy will really cost (capped by funds)
            cost = mk.buy_cost(o.qty - o.executed)[0]
            want = min(cost, acct.free.get(mk.quote, 0) + o.locked)
            if want > o.locked:
                acct.lock(mk.quote, want - o.locked)
            elif want < o.locked:
                acct.unlock(mk.quote, o.locked - want)
            o.locked = want
        self._report(o, "NEW", working=o.type not in _MARKET_TYPES and o.tif == "GTC")
        self._take(o, None, already_open=True)

    def _oco_done(self, ol: OrderList, active: Order) -> None:
        """One OCO leg filled or triggered: expire the other, the list is ALL_DONE."""
        ol.list_status_type = "ALL_DONE"
        ol.list_order_status = "ALL_DONE"
        for other in ol.orders:
            if other is active or not other.is_open:
                continue
            if other.on_book:
                other.mk.book.remove(other, other.side, other.price, other.qty - other.executed)
                other.on_book = False
            # the legs share one lock, held by the limit leg: hand it to the active leg
            active.locked += other.locked
            other.locked = 0
            other.status = "EXPIRED"
            other.update_time = self.now
            other.account.close(other)
            self._report(other, "EXPIRED")
        self._list_event(ol)

    # --- cancel -------------------------------------------------------------------------------

    def _cancel(self, o: Order, cancel_cid: str | None = None, status: str = "CANCELED") -> None:
        """Cancel one open order (not list-aware; see `_cancel_list`)."""
        if o.on_book:
            o.mk.book.remove(o, o.side, o.price, o.qty - o.executed)
            o.on_book = False
        o.status = status
        o.update_time = self.now
        self._release(o)
        o.account.close(o)
        if cancel_cid is None:
            self._report(o, status)
        else:
            self._report(o, status, cid=cancel_cid, orig_cid=o.cid)

    def _cancel_list(self, ol: OrderList, cancel_cid: str | None = None) -> None:
        ol.list_status_type = "ALL_DONE"
        ol.list_order_status = "ALL_DONE"
        for o in ol.orders:
            if o.is_open:
                self._cancel(o, cancel_cid)
        self._list_event(ol)
