"""Synthetic order flow: seeded participants that keep every book alive and realistic.

Per symbol, actions arrive as a Poisson process of ``rate`` actions per second:

- a **market maker** (account ``mm``) quotes a ladder of LIMIT_MAKER orders, one per price level,
  around a mid that follows a random walk (``volatility`` ticks per sqrt-second): it pulls quotes
  the new mid makes too aggressive, adds quotes near the touch and deeper, trims the far end and
  churns random deep levels, so the book is hundreds of levels deep with a spread of a few ticks;
- **noise traders** (accounts ``noise-1``..) send small LIMIT orders around the touch (a few
  crossing it and trading), MARKET orders (by quantity or quoteOrderQty) and cancels.

`SyntheticFlow.advance(now_ms)` runs every action due up to ``now_ms`` in time order, each at its
own scheduled millisecond. Everything derives from ``seed``: the same seed and the same calls
give identical orders, trades, books and update ids.
"""

from __future__ import annotations

import heapq
import math
import random
from bisect import bisect_left, insort
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from ._num import SCALE, from_units
from .accounts import Account
from .book import BUY, SELL
from .engine import Engine
from .errors import SimError
from .matching import Market
from .orders import Order

__all__ = ["FlowConfig", "SyntheticFlow"]


@dataclass(frozen=True, slots=True)
class FlowConfig:
    """Knobs of the synthetic flow (per symbol)."""

    #: actions (orders and cancels) per second per symbol
    rate: float = 200.0
    #: price levels per side the market maker quotes
    depth_levels: int = 300
    #: fraction of the ladder filled when the flow starts
    initial_fill: float = 0.7
    #: spread in ticks, drawn uniformly from this range at each requote
    spread_ticks: tuple[int, int] = (1, 4)
    #: random-walk volatility of the mid in ticks per sqrt(second)
    volatility: float = 4.0
    #: number of noise-trader accounts
    noise_traders: int = 3
    #: open orders a noise trader keeps per symbol before cancelling its oldest
    max_noise_orders: int = 40
    #: action mix: market-maker requote, market-maker churn cancel, noise limit, noise cancel,
    #: noise market
    weights: tuple[float, float, float, float, float] = (0.35, 0.12, 0.33, 0.12, 0.08)
    #: USD value of each asset credited to every participant
    funding_usd: int = 10**10


@dataclass(slots=True)
class _Sym:
    mk: Market
    rng: random.Random
    mid: float  # in ticks
    tick: int
    step: int
    lot: int  # typical order quantity (units)
    next_t: int
    last_mm: int
    mm_bids: dict[int, Order] = field(default_factory=dict)
    mm_asks: dict[int, Order] = field(default_factory=dict)
    bid_px: list[int] = field(default_factory=list)  # ascending
    ask_px: list[int] = field(default_factory=list)  # ascending
    noise: list[list[Order]] = field(default_factory=list)


class SyntheticFlow:
    """Seeded market maker and noise traders on ``symbols`` (default: all TRADING symbols)."""

    def __init__(
        self,
        engine: Engine,
        symbols: Sequence[str] | None = None,
        *,
        seed: int | str = 0,
        config: FlowConfig | None = None,
        start_ms: int | None = None,
    ) -> None:
        self.engine = engine
        self.config = cfg = config or FlowConfig()
        self.seed = seed
        names = (
            [s for s, mk in engine.markets.items() if mk.trading] if symbols is None else symbols
        )
        now = engine.now if start_ms is None else start_ms
        self.now = now
        self.mm = self._participant("mm", names)
        self.noise = [self._participant(f"noise-{i + 1}", names) for i in range(cfg.noise_traders)]
        self.actions = 0
        #: engine calls made: orders placed, cancels sent
        self.orders = 0
        self.cancels = 0
        self._syms: list[_Sym] = []
        self._heap: list[tuple[int, int]] = []
        for i, name in enumerate(names):
            mk = engine.market(name)
            rng = random.Random(f"{seed}:{name}")
            tick = mk.tick or 1
            step = mk.step or 1
            mid_px = mk.md.last_price or mk.reference_price
            notional = max(mk.min_notional * 10, 1)
            lot = max(step, notional * SCALE // max(mid_px, 1))
            lot = -(-lot // step) * step
            lot = max(lot, mk.min_qty)
            st = _Sym(mk, rng, mid_px / tick, tick, step, lot, now, now,
                      noise=[[] for _ in self.noise])  # fmt: skip
            self._syms.append(st)
            self._seed_ladder(st, now)
            st.next_t = now + self._gap(st)
            heapq.heappush(self._heap, (st.next_t, i))

    # --- setup --------------------------------------------------------------------------------

    def _participant(self, name: str, symbols: Sequence[str]) -> Account:
        eng = self.engine
        usd = Decimal(self.config.funding_usd)
        bal = eng.demo_balances(int(usd))
        wanted = {a for s in symbols for a in (eng.market(s).base, eng.market(s).quote)}
        acct = eng.create_account(
            name, {a: v for a, v in bal.items() if a in wanted}, history_cap=200
        )
        return acct

    def _gap(self, st: _Sym) -> int:
        return max(0, int(st.rng.expovariate(self.config.rate) * 1000))

    def _qty(self, st: _Sym, scale: float) -> int:
        q = int(st.lot * st.rng.lognormvariate(0.0, 0.8) * scale)
        q -= q % st.step
        return max(q, st.lot)

    def _seed_ladder(self, st: _Sym, t: int) -> None:
        cfg = self.config
        s = st.rng.randint(*cfg.spread_ticks)
        bid_t = math.floor(st.mid - s / 2)
        ask_t = bid_t + s
        for k in range(cfg.depth_levels):
            for side, base in ((BUY, bid_t), (SELL, ask_t)):
                if k == 0 or st.rng.random() < cfg.initial_fill:
                    ticks = base - k if side == BUY else base + k
                    if ticks > 0:
                        self._mm_place(st, side, ticks * st.tick, t, 4.0)

    # --- running ------------------------------------------------------------------------------

    def advance(self, now_ms: int) -> int:
        """Run every action due up to ``now_ms``; returns how many ran."""
        heap = self._heap
        syms = self._syms
        n = 0
        while heap and heap[0][0] <= now_ms:
            t, i = heap[0]
            st = syms[i]
            self._act(st, t)
            n += 1
            st.next_t = t + self._gap(st)
            heapq.heapreplace(heap, (st.next_t, i))
        if now_ms > self.now:
            self.now = now_ms
        self.actions += n
        return n

    def _act(self, st: _Sym, t: int) -> None:
        r = st.rng.random()
        w = self.config.weights
        try:
            if r < w[0]:
                self._mm_requote(st, t)
            elif r < w[0] + w[1]:
                self._mm_churn(st, t)
            elif r < w[0] + w[1] + w[2]:
                self._noise_limit(st, t)
            elif r < w[0] + w[1] + w[2] + w[3]:
                self._noise_cancel(st, t)
            else:
                self._noise_market(st, t)
        except SimError:
            pass  # e.g. a participant ran out of funds: skip the action

    # --- market maker -------------------------------------------------------------------------

    def _mm_place(self, st: _Sym, side: int, price: int, t: int, scale: float = 3.0) -> None:
        book = st.mk.book
        quotes = st.mm_bids if side == BUY else st.mm_asks
        old = quotes.get(price)
        if old is not None and old.is_open:
            return
        if side == BUY:
            if book.ask_keys and price >= -book.ask_keys[-1]:
                return
        elif book.bid_keys and price <= book.bid_keys[-1]:
            return
        self.orders += 1
        o = self.engine.place(self.mm, st.mk, side, "LIMIT_MAKER", price, self._qty(st, scale), t)
        if old is None:
            insort(st.bid_px if side == BUY else st.ask_px, price)
        quotes[price] = o

    def _mm_pull(self, st: _Sym, side: int, price: int, t: int) -> None:
        quotes = st.mm_bids if side == BUY else st.mm_asks
        o = quotes.pop(price, None)
        if o is None:
            return
        px = st.bid_px if side == BUY else st.ask_px
        del px[bisect_left(px, price)]
        if o.is_open:
            self.cancels += 1
            self.engine.cancel(o, t)

    def _mm_requote(self, st: _Sym, t: int) -> None:
        cfg = self.config
        rng = st.rng
        dt = max(t - st.last_mm, 1) / 1000
        st.last_mm = t
        st.mid = max(st.mid + rng.gauss(0.0, cfg.volatility * math.sqrt(dt)), 50.0)
        s = rng.randint(*cfg.spread_ticks)
        bid_t = math.floor(st.mid - s / 2)
        ask_t = bid_t + s
        tick = st.tick
        while st.bid_px and st.bid_px[-1] > bid_t * tick:
            self._mm_pull(st, BUY, st.bid_px[-1], t)
        while st.ask_px and st.ask_px[0] < ask_t * tick:
            self._mm_pull(st, SELL, st.ask_px[0], t)
        far = cfg.depth_levels
        while st.bid_px and st.bid_px[0] < (bid_t - far) * tick:
            self._mm_pull(st, BUY, st.bid_px[0], t)
        while st.ask_px and st.ask_px[-1] > (ask_t + far) * tick:
            self._mm_pull(st, SELL, st.ask_px[-1], t)
        mean = max(1.0, far / 6)
        for side, base in ((BUY, bid_t), (SELL, ask_t)):
            ks = [0] if rng.random() < 0.7 else []
            ks.append(min(far - 1, int(rng.expovariate(1.0 / mean))))
            for k in ks:
                ticks = base - k if side == BUY else base + k
                if ticks > 0:
                    self._mm_place(st, side, ticks * tick, t)

    def _mm_churn(self, st: _Sym, t: int) -> None:
        rng = st.rng
        side = BUY if rng.random() < 0.5 else SELL
        px = st.bid_px if side == BUY else st.ask_px
        if len(px) < 2:
            return
        price = px[rng.randrange(len(px))]
        self._mm_pull(st, side, price, t)
        if rng.random() < 0.8:  # re-quote the level with a new size (a level change, no gap)
            self._mm_place(st, side, price, t)

    # --- noise traders ------------------------------------------------------------------------

    def _noise_limit(self, st: _Sym, t: int) -> None:
        rng = st.rng
        j = rng.randrange(len(self.noise))
        book = st.mk.book
        side = BUY if rng.random() < 0.5 else SELL
        tick = st.tick
        bb = book.best_bid() or math.floor(st.mid - 1) * tick
        ba = book.best_ask() or math.ceil(st.mid + 1) * tick
        if rng.random() < 0.12:  # aggressive: cross the touch
            k = rng.randint(0, 2)
            price = ba + k * tick if side == BUY else bb - k * tick
        else:
            k = int(rng.expovariate(0.25))
            price = bb - k * tick if side == BUY else ba + k * tick
        if price <= 0:
            return
        mine = st.noise[j]
        if len(mine) >= self.config.max_noise_orders:
            self.cancels += 1
            self.engine.cancel(mine.pop(0), t)
        self.orders += 1
        o = self.engine.place(self.noise[j], st.mk, side, "LIMIT", price, self._qty(st, 1.0), t)
        if o.is_open:
            mine.append(o)

    def _noise_cancel(self, st: _Sym, t: int) -> None:
        rng = st.rng
        mine = st.noise[rng.randrange(len(self.noise))]
        while mine:
            o = mine.pop(rng.randrange(len(mine)) if rng.random() < 0.5 else 0)
            if o.is_open:
                self.cancels += 1
                self.engine.cancel(o, t)
                return

    def _noise_market(self, st: _Sym, t: int) -> None:
        rng = st.rng
        acct = self.noise[rng.randrange(len(self.noise))]
        side = BUY if rng.random() < 0.5 else SELL
        self.orders += 1
        if rng.random() < 0.3:
            mk = st.mk
            price = mk.book.best_ask() or mk.reference_price
            quote = mk.quote_of(price, self._qty(st, 1.0))
            self.engine.place(acct, mk, side, "MARKET", 0, 0, t, quote_qty=max(quote, 1))
        else:
            self.engine.place(acct, st.mk, side, "MARKET", 0, self._qty(st, 1.0), t)

    # --- introspection ------------------------------------------------------------------------

    def mid(self, symbol: str) -> Decimal:
        """The market maker's current mid price."""
        for st in self._syms:
            if st.mk.symbol == symbol:
                return from_units(int(st.mid * st.tick))
        raise KeyError(symbol)
