"""DepthSync against a naive reference (dict + sort on read) under random streams (hypothesis).

A random history of single-level updates (ids 1..N, zero = delete) is cut into diff events
(spot ``U``/``u`` ranges; futures also ``pu``). The delivered stream drops, duplicates and swaps
events; snapshots at random update ids are handed over whenever DepthSync asks for one. After
every input: if DepthSync says synced, its book equals the reference book after exactly
``book.update_id`` updates; an event that skips ids while synced (spot ``U > id + 1``, futures
``pu != id``) is always answered with `ResyncNeeded`; ``book.synced`` mirrors the sync state.
"""

from __future__ import annotations

from typing import Any

import msgspec
from hypothesis import event, given, settings
from hypothesis import strategies as st

from binance_async.book import Applied, DepthSync, NeedSnapshot, ResyncNeeded
from binance_async.book.sync import Rule

ZEROS = ("0", "0.0", "0.000", "0.00000000", "0E-8")
Side = dict[int, int]  # price tick -> quantity units


def price_text(tick: int) -> str:
    return f"{tick // 100}.{tick % 100:02d}000000"


def qty_text(units: int) -> str:
    return f"{units // 100_000}.{units % 100_000:05d}000"


def reference_text(state: tuple[Side, Side]) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The naive book: a dict per side, sorted on read."""
    bids, asks = state
    return (
        [(price_text(t), qty_text(bids[t])) for t in sorted(bids, reverse=True)],
        [(price_text(t), qty_text(asks[t])) for t in sorted(asks)],
    )


@settings(max_examples=250, deadline=None)
@given(st.data())
def test_depth_sync_matches_reference(data: st.DataObject) -> None:
    rule: Rule = data.draw(st.sampled_from(["spot", "futures"]), label="rule")
    # ---- the true history: bids on ticks 1..60, asks on 61..120 (never crossed)
    bids: Side = {t: data.draw(st.integers(1, 10**6)) for t in range(20, 40, 3)}
    asks: Side = {t: data.draw(st.integers(1, 10**6)) for t in range(70, 90, 4)}
    truth: list[tuple[Side, Side]] = [(dict(bids), dict(asks))]
    n_updates = data.draw(st.integers(5, 60), label="updates")
    touched: list[tuple[bool, int]] = []
    for _ in range(n_updates):
        is_bid = data.draw(st.booleans())
        tick = data.draw(st.integers(1, 60) if is_bid else st.integers(61, 120))
        qty = data.draw(st.one_of(st.just(0), st.integers(1, 10**7)))
        side = bids if is_bid else asks
        if qty:
            side[tick] = qty
        else:
            side.pop(tick, None)
        touched.append((is_bid, tick))
        truth.append((dict(bids), dict(asks)))
    # ---- cut into events [U, u]
    events: list[bytes] = []
    ranges: list[tuple[int, int, int]] = []  # (U, u, pu)
    first, prev_u = 1, 0
    while first <= n_updates:
        last = min(n_updates, first + data.draw(st.integers(0, 3)))
        state = truth[last]
        levels: dict[tuple[bool, int], str] = {}
        for is_bid, tick in touched[first - 1 : last]:
            qty = (state[0] if is_bid else state[1]).get(tick, 0)
            levels[(is_bid, tick)] = qty_text(qty) if qty else data.draw(st.sampled_from(ZEROS))
        body: dict[str, Any] = {
            "e": "depthUpdate",
            "E": last,
            "s": "BTCUSDT",
            "U": first,
            "u": last,
            "b": [[price_text(t), q] for (b, t), q in levels.items() if b],
            "a": [[price_text(t), q] for (b, t), q in levels.items() if not b],
        }
        if rule == "futures":
            body["pu"] = prev_u
        events.append(msgspec.json.encode(body))
        ranges.append((first, last, prev_u))
        prev_u = last
        first = last + 1
    # ---- perturb the delivery: drops, duplicates, swaps
    order = list(range(len(events)))
    for op in data.draw(st.lists(st.sampled_from(["drop", "dup", "swap"]), max_size=4)):
        if not order:
            break
        i = data.draw(st.integers(0, len(order) - 1))
        if op == "drop":
            del order[i]
        elif op == "dup":
            order.insert(min(len(order), i + 1 + data.draw(st.integers(0, 3))), order[i])
        elif i + 1 < len(order):
            order[i], order[i + 1] = order[i + 1], order[i]

    sync = DepthSync("BTCUSDT", rule=rule, max_buffer=data.draw(st.integers(1, 8)))
    asked = False
    max_seen = 0

    def check() -> None:
        assert sync.book.synced == sync.synced
        if sync.synced:
            uid = sync.book.update_id
            assert (sync.book.bids_text(), sync.book.asks_text()) == reference_text(truth[uid])

    def maybe_snapshot() -> None:
        nonlocal asked
        if asked and data.draw(st.booleans(), label="deliver snapshot now"):
            lid = min(n_updates, max(0, max_seen + data.draw(st.integers(-3, 2))))
            ref_bids, ref_asks = reference_text(truth[lid])
            body = {"lastUpdateId": lid, "bids": ref_bids, "asks": ref_asks}
            action = sync.feed_snapshot(msgspec.json.encode(body))
            asked = isinstance(action, NeedSnapshot | ResyncNeeded) or sync.state.name != "SYNCED"
            check()

    for k in order:
        U, u, pu = ranges[k]
        max_seen = max(max_seen, u)
        was_synced, uid = sync.synced, sync.book.update_id
        action = sync.feed_event(events[k])
        if isinstance(action, NeedSnapshot | ResyncNeeded):
            asked = True
        if was_synced and u > uid:
            skips = pu != uid if rule == "futures" else uid + 1 < U
            if skips:  # an injected gap (drop or swap) must never be applied
                assert isinstance(action, ResyncNeeded), (action, U, u, uid)
            else:
                assert isinstance(action, Applied)
        check()
        maybe_snapshot()
    maybe_snapshot()
    stats = sync.statistics()
    event(f"{rule}: synced at end={sync.synced}")
    event(f"{rule}: gaps detected={min(stats.gaps, 2)}, applied>0={stats.applied > 0}")
    assert stats.events == len(order)
    assert stats.buffered <= sync.max_buffer
