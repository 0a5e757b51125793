"""OrderBook against a naive reference (a dict per side, sorted on every read), hypothesis-driven.

The tier sizes are shrunk to a few levels so that every way a level moves between the tiers
(top spill and refill, mid spill and refill from the rest dict, re-packing, reads that grow the
top) happens many times per example. After every operation each read of the book equals the
reference: ``bids(n)`` / ``asks(n)`` for several n, the text reads, best levels, counts.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from binance_async.book import OrderBook
from binance_async.book import book as book_module

Side = dict[int, tuple[int, str]]  # price tick -> (quantity units, quantity wire text)


@pytest.fixture(autouse=True)
def tiny_tiers(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name, value in {
        "_TOP_LO": 2,
        "_TOP_TARGET": 4,
        "_TOP_HI": 7,
        "_MID_TARGET": 6,
        "_MID_HI": 12,
        "_READ_GROW": 9,
        "_LOG_MAX": 3,
        "_PACK_RATIO": 0,  # re-pack at every check that sees a change
    }.items():
        monkeypatch.setattr(book_module, name, value)
    yield


def price(tick: int) -> float:
    return tick / 100


def price_text(tick: int) -> str:
    return f"{tick // 100}.{tick % 100:02d}000000"


def qty_text(units: int) -> str:
    return f"{units // 1000}.{units % 1000:03d}00000"


def qty_spelling(units: int, style: int) -> str:
    """The canonical text (style 0) or an unusual spelling the book must keep as it came."""
    if style == 0 or units == 0:
        return qty_text(units) if units else ("0", "0.000", "0.00000000", "0E-8")[style % 4]
    return f"{units / 1000}"  # e.g. "1.5": not 8 decimals


def best_first(side: Side, bid: bool, limit: int | None) -> list[int]:
    ticks = sorted(side, reverse=bid)
    return ticks if limit is None else ticks[:limit]


def check(book: OrderBook, bids: Side, asks: Side, limit: int | None) -> None:
    rb, ra = best_first(bids, True, limit), best_first(asks, False, limit)
    assert (book.bid_count, book.ask_count) == (len(rb), len(ra))
    for n in (0, 1, 2, 3, 5, 8, 13, 40, None):
        want_b = [(price(t), bids[t][0] / 1000) for t in rb[:n]]
        want_a = [(price(t), asks[t][0] / 1000) for t in ra[:n]]
        assert book.bids(n) == want_b, n
        assert book.asks(n) == want_a, n
    if book.price_decimals is not None and book.qty_decimals is not None:  # text learned
        assert book.bids_text() == [(price_text(t), bids[t][1]) for t in rb]
        assert book.asks_text(4) == [(price_text(t), asks[t][1]) for t in ra[:4]]
    assert book.best_bid() == ((price(rb[0]), bids[rb[0]][0] / 1000) if rb else None)
    assert book.best_ask() == ((price(ra[0]), asks[ra[0]][0] / 1000) if ra else None)
    assert book.crossed() == bool(rb and ra and rb[0] >= ra[0])


ticks = st.integers(1, 80)
units = st.one_of(st.just(0), st.integers(1, 10**6))
levels = st.lists(st.tuples(ticks, units, st.sampled_from([0, 0, 0, 0, 1, 2, 3])), max_size=40)
Change = list[tuple[int, int, int]]  # (tick, units, spelling style)


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_book_matches_reference(data: st.DataObject) -> None:
    limit = data.draw(st.one_of(st.none(), st.integers(1, 12)), label="max_levels")
    book = OrderBook("btcusdt", max_levels=limit)
    assert book.max_levels == limit
    bids: Side = {}
    asks: Side = {}

    def load(side: Side, changes: Change, as_text: bool) -> None:
        for t, u, style in changes:
            if u:
                side[t] = (u, qty_spelling(u, style) if as_text else qty_text(u))
            else:
                side.pop(t, None)

    def text(changes: Change) -> list[tuple[str, str]]:
        return [(price_text(t), qty_spelling(u, style)) for t, u, style in changes]

    def plain(changes: Change) -> Change:
        """The book learns the decimals from the first text it sees: keep that one plain."""
        if book.qty_decimals is not None:
            return changes
        return [(t, u, 0 if u else style) for t, u, style in changes]

    def trim(side: Side, bid: bool) -> None:
        if limit is not None:
            for t in best_first(side, bid, None)[limit:]:
                del side[t]

    snap_b, snap_a = plain(data.draw(levels, label="snapshot bids")), plain(data.draw(levels))
    book.load_snapshot(text(snap_b), text(snap_a), 1)
    load(bids, snap_b, True)
    load(asks, snap_a, True)
    trim(bids, True)
    trim(asks, False)
    check(book, bids, asks, limit)
    for _ in range(data.draw(st.integers(1, 30), label="operations")):
        op = data.draw(st.sampled_from(["values", "values", "text", "read", "resize"]))
        if op == "read":  # reads may grow the top tier: the next checks must not notice
            n = data.draw(st.integers(0, 20))
            book.bids(n)
            book.asks(n)
        elif op == "resize":
            limit = data.draw(st.one_of(st.none(), st.integers(1, 12)))
            book.max_levels = limit
        else:
            cb, ca = plain(data.draw(levels)), plain(data.draw(levels))
            if op == "values":
                book.apply_values(
                    [(price(t), u / 1000) for t, u, _ in cb],
                    [(price(t), u / 1000) for t, u, _ in ca],
                )
            else:
                book.apply(text(cb), text(ca))
            load(bids, cb, op == "text")
            load(asks, ca, op == "text")
        trim(bids, True)
        trim(asks, False)
        check(book, bids, asks, limit)


@pytest.mark.parametrize("bid", [True, False])
def test_draining_one_side_from_the_best_level(bid: bool) -> None:
    """Every level deleted best first: each tier runs dry in turn, on both sides."""
    book = OrderBook("x")
    texts = [(price_text(t), qty_text(1000)) for t in range(1, 60)]
    book.load_snapshot(texts if bid else [], [] if bid else texts, 1)
    for t in range(59, 0, -1) if bid else range(1, 60):
        change = [(price(t), 0.0)]
        book.apply_values(change if bid else [], [] if bid else change)
        left = list(range(t - 1, 0, -1)) if bid else list(range(t + 1, 60))
        assert (book.bids(3) if bid else book.asks(3)) == [(price(x), 1.0) for x in left[:3]]
        assert (book.bid_count if bid else book.ask_count) == len(left)
