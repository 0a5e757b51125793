"""binance_async.sim engine invariants under random order flow (hypothesis).

Random sequences of LIMIT / LIMIT_MAKER / MARKET (quantity and quoteOrderQty) / stop / OCO orders,
cancels and cancel-alls from several accounts. After every step: no negative balance, locks equal
what open orders hold, the book is consistent and never crossed, every asset is conserved, and a
full ledger replay of the trade records reproduces every balance (so every fill is balanced).
At the end: update ids are gap-free and increasing, `true_book(uid)` equals both the snapshot
taken at that uid and a naive replay of the change log, depth() equals the true book, and a
diff-depth consumer tracking the stream ends up with the true book.
"""

from __future__ import annotations

from decimal import Decimal as D
from itertools import pairwise
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from binance_async.sim import Engine, SimError, SymbolSpec
from binance_async.sim._num import SCALE, units_str
from binance_async.sim.book import BUY

SPECS = [
    SymbolSpec(symbol="PROPUSDT", base_asset="PROP", quote_asset="USDT", tick_size=D("0.01"),
               step_size=D("0.01"), min_qty=D("0.01"), multiplier_up=None, multiplier_down=None,
               max_num_orders=60, max_num_algo_orders=10, start_price=D("10")),
    # quote precision 2 (like the real *BIDR pairs): quote amounts and fees are truncated
    SymbolSpec(symbol="PROPBIDR", base_asset="PROP", quote_asset="BIDR", tick_size=D("1"),
               step_size=D("0.0001"), min_qty=D("0.0001"), quote_precision=2,
               quote_commission_precision=2, multiplier_up=None, multiplier_down=None,
               max_num_orders=60, max_num_algo_orders=10, start_price=D("1000")),
]  # fmt: skip
ACCOUNTS = ("a", "b", "c")
START = {"USDT": "1000", "BIDR": "200000", "PROP": "100"}

acct = st.sampled_from(ACCOUNTS)
side = st.sampled_from(("BUY", "SELL"))
offset = st.integers(-12, 12)
qty = st.integers(1, 400)
action = st.one_of(
    st.tuples(st.just("limit"), acct, side, offset, qty, st.sampled_from(("GTC", "IOC", "FOK"))),
    st.tuples(st.just("maker"), acct, side, offset, qty),
    st.tuples(st.just("market"), acct, side, qty),
    st.tuples(st.just("quote"), acct, side, st.integers(1, 3000)),
    st.tuples(st.just("stop"), acct, side, offset, qty, st.booleans()),
    st.tuples(st.just("oco"), acct, side, st.integers(1, 6), qty),
    st.tuples(st.just("cancel"), acct, st.integers(0, 99)),
    st.tuples(st.just("cancel_all"), acct),
)  # fmt: skip


def _engine(spec: SymbolSpec) -> Engine:
    e = Engine([spec], demo_account=None, maker_fee="0.001", taker_fee="0.00075",
               checkpoint_every=5, retention_updates=10**9)  # fmt: skip
    for a in ACCOUNTS:
        e.create_account(a, START)
    for k in range(1, 6):  # some resting liquidity to trade against
        for side, ticks in (("BUY", -k), ("SELL", k)):
            e.new_order("c", {"symbol": spec.symbol, "side": side, "type": "LIMIT",
                              "timeInForce": "GTC", "price": _price(spec, ticks),
                              "quantity": str(40 * spec.step_size)}, 0)  # fmt: skip
    return e


def _price(spec: SymbolSpec, ticks: int) -> str:
    assert spec.start_price is not None
    return str(spec.start_price + ticks * spec.tick_size)


def _run(e: Engine, spec: SymbolSpec, act: tuple[Any, ...], t: int) -> None:
    kind, who = act[0], act[1]
    s = spec.symbol
    step = spec.step_size
    p: dict[str, Any] = {"symbol": s}
    if kind == "limit":
        p.update(side=act[2], type="LIMIT", price=_price(spec, act[3]), quantity=str(act[4] * step),
                 timeInForce=act[5])  # fmt: skip
    elif kind == "maker":
        p.update(side=act[2], type="LIMIT_MAKER", price=_price(spec, act[3]),
                 quantity=str(act[4] * step))  # fmt: skip
    elif kind == "market":
        p.update(side=act[2], type="MARKET", quantity=str(act[3] * step))
    elif kind == "quote":
        p.update(side=act[2], type="MARKET", quoteOrderQty=str(D(act[3]) / 10))
    elif kind == "stop":
        p.update(side=act[2], stopPrice=_price(spec, act[3]), quantity=str(act[4] * step))
        if act[5]:
            p.update(type="STOP_LOSS_LIMIT", price=_price(spec, act[3]), timeInForce="GTC")
        else:
            p.update(type="STOP_LOSS")
    elif kind == "oco":
        d = act[3]
        sign = 1 if act[2] == "SELL" else -1
        last = e.market(s).md.last_price or e.market(s).reference_price
        assert spec.start_price is not None
        ticks = int((D(last) / SCALE - spec.start_price) / spec.tick_size)
        e.new_oco(who, {"symbol": s, "side": act[2], "quantity": str(act[4] * step),
                        "price": _price(spec, ticks + sign * d),
                        "stopPrice": _price(spec, ticks - sign * d)}, t)  # fmt: skip
        return
    elif kind == "cancel":
        opened = sorted(e.account(who).open.get(s, {}))
        if opened:
            e.cancel_order(who, {"symbol": s, "orderId": opened[act[2] % len(opened)]}, t)
        return
    else:
        e.cancel_open_orders(who, {"symbol": s}, t)
        return
    e.new_order(who, p, t)


def _check(e: Engine, spec: SymbolSpec, start_totals: dict[str, D]) -> None:
    mk = e.market(spec.symbol)
    book = mk.book
    # balances: never negative; locks equal what open orders hold
    for account in e.accounts.values():
        for dct in (account.free, account.locked):
            assert all(v >= 0 for v in dct.values()), (account.account_id, dct)
        held = {mk.base: 0, mk.quote: 0}
        for o in account.open.get(spec.symbol, {}).values():
            assert o.is_open
            held[mk.quote if o.side == BUY else mk.base] += o.locked
        for asset, units in held.items():
            assert account.locked.get(asset, 0) == units, (account.account_id, asset)
    # the book: levels hold exactly their open orders, never crossed
    for side, levels in ((0, book.bids), (1, book.asks)):
        for price, lv in levels.items():
            assert lv.qty == sum(o.qty - o.executed for o in lv.orders) > 0
            assert all(o.on_book and o.is_open and o.side == side and o.price == price
                       for o in lv.orders)  # fmt: skip
    assert sorted(book.bids) == book.bid_keys and sorted(-p for p in book.asks) == book.ask_keys
    if book.bid_keys and book.ask_keys:
        assert book.best_bid() < book.best_ask()
    # conservation (fee account included)
    assert e.totals() == start_totals
    # ledger replay: every fill balanced, fees only to the fee account
    expect: dict[str, dict[str, int]] = {}
    fees: dict[str, int] = {}
    by_trade: dict[int, list[tuple[Any, ...]]] = {}
    for a in ACCOUNTS:
        bal = expect.setdefault(a, {k: int(D(v) * SCALE) for k, v in START.items()})
        for r in e.account(a).trades.get(spec.symbol, ()):
            tid, _, _, _price_u, q, quote, fee, fee_asset, _, is_buyer, _ = r
            by_trade.setdefault(tid, []).append(r)
            if is_buyer:
                bal[mk.base] += q - fee
                bal[mk.quote] -= quote
                assert fee_asset == mk.base
            else:
                bal[mk.base] -= q
                bal[mk.quote] += quote - fee
                assert fee_asset == mk.quote
            fees[fee_asset] = fees.get(fee_asset, 0) + fee
    for recs in by_trade.values():
        assert len(recs) == 2
        (b,) = [r for r in recs if r[9]]
        (s_,) = [r for r in recs if not r[9]]
        assert b[3:6] == s_[3:6] and b[10] != s_[10]  # same price/qty/quote, one maker
        assert s_[5] == mk.quote_of(s_[3], s_[4])
    for a in ACCOUNTS:
        acc = e.account(a)
        for asset, units in expect[a].items():
            assert acc.free.get(asset, 0) + acc.locked.get(asset, 0) == units, (a, asset)
    fee_acct = e.account("fee")
    for asset, units in fees.items():
        assert fee_acct.free.get(asset, 0) == units


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=st.sampled_from(SPECS), actions=st.lists(action, max_size=60))
def test_random_flow_invariants(spec: SymbolSpec, actions: list[tuple[Any, ...]]) -> None:
    e = _engine(spec)
    mk = e.market(spec.symbol)
    book = mk.book
    start_totals = e.totals()
    cursor = e.stream_cursor(spec.symbol)
    local: tuple[dict[D, D], dict[D, D]] = ({}, {})
    snapshots: dict[int, tuple[dict[int, int], dict[int, int]]] = {0: ({}, {})}
    snapshots[book.update_id] = book.true_book()
    local[0].update((D(p), D(q)) for p, q in e.depth(spec.symbol, 100)["bids"])
    local[1].update((D(p), D(q)) for p, q in e.depth(spec.symbol, 100)["asks"])
    uids = [book.update_id]
    last_u = book.update_id
    for i, act in enumerate(actions):
        try:
            _run(e, spec, act, 1000 + i * 250)
        except SimError as exc:
            assert exc.code in (-2010, -2011, -1013), exc
        _check(e, spec, start_totals)
        uids.append(book.update_id)
        snapshots[book.update_id] = book.true_book()
        ev = cursor.depth_update(1000 + i * 250)
        if ev is not None:
            assert ev["U"] == last_u + 1 and ev["u"] == book.update_id  # events chain
            last_u = ev["u"]
            for j, key in enumerate(("b", "a")):
                for p, q in ev[key]:
                    if D(q) == 0:
                        local[j].pop(D(p), None)
                    else:
                        local[j][D(p)] = D(q)
            truth = book.true_book(ev["u"])
            assert local == tuple(
                {D(units_str(p)): D(units_str(q)) for p, q in side.items()} for side in truth
            )
    # update ids: non-decreasing per operation, gap-free in the change log
    assert uids == sorted(uids)
    log_uids = [entry[0] for entry in book.log]
    assert all(b - a in (0, 1) for a, b in pairwise(log_uids))
    assert not log_uids or (log_uids[0] == 1 and log_uids[-1] == book.update_id)
    # true_book at every recorded uid = the snapshot = a naive replay of the whole log
    for uid, snap in snapshots.items():
        assert book.true_book(uid) == snap
        naive: tuple[dict[int, int], dict[int, int]] = ({}, {})
        for u, sd, price, q in book.log:
            if u > uid:
                break
            if q:
                naive[sd][price] = q
            else:
                naive[sd].pop(price, None)
        assert naive == snap
    # depth() = the true book, formatted and truncated
    now = e.true_book(spec.symbol)
    d = e.depth(spec.symbol, 5000)
    assert d["lastUpdateId"] == now.update_id
    fp, fq = mk.fp, mk.fq
    assert d["bids"] == [[fp(int(p * SCALE)), fq(int(q * SCALE))] for p, q in now.bids]
    assert d["asks"] == [[fp(int(p * SCALE)), fq(int(q * SCALE))] for p, q in now.asks]
    assert e.depth(spec.symbol, 3)["bids"] == d["bids"][:3]
