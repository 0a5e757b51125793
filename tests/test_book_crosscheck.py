"""CrossCheck (sans-I/O): a book against the partial depth stream, timing and verdicts."""

from __future__ import annotations

import msgspec
import pytest

from binance_async.book import (
    Agree,
    CrossCheck,
    Disagree,
    OrderBook,
    Pending,
    Skipped,
    Suspect,
)
from binance_async.models.depth import PartialDepth, PartialDepthFloat


def _book(uid: int = 100, n: int = 30, max_levels: int | None = None) -> OrderBook:
    book = OrderBook("BTCUSDT", max_levels=max_levels)
    bids = [(f"{100 - i:.8f}", f"{1 + i:.8f}") for i in range(n)]
    asks = [(f"{101 + i:.8f}", f"{2 + i:.8f}") for i in range(n)]
    book.load_snapshot(bids, asks, uid)
    book.synced = True
    return book


def _partial(book: OrderBook, uid: int | None = None, levels: int = 20) -> PartialDepthFloat:
    """What the exchange would send for ``book`` as it is now."""
    return PartialDepthFloat(
        book.update_id if uid is None else uid, book.bids(levels), book.asks(levels)
    )


def _step(book: OrderBook, uid: int, bids: list[tuple[float, float]]) -> None:
    book.apply_values(bids, [])
    book.update_id = uid


def test_agree_now_and_every_input_spelling() -> None:
    book = _book()
    cc = CrossCheck("btcusdt")
    assert cc.feed_partial(_partial(book), book) == Agree(100)
    text = PartialDepth(100, book.bids_text(20), book.asks_text(20))
    assert cc.feed_partial(text, book) == Agree(100)
    raw = msgspec.json.encode(
        {"lastUpdateId": 100, "bids": book.bids_text(20), "asks": book.asks_text(20)}
    )
    assert cc.feed_partial(raw, book) == Agree(100)
    assert cc.feed_partial(raw.decode(), book) == Agree(100)
    st = cc.statistics()
    assert (st.partials, st.checks, st.agreed, st.mismatches, st.pending) == (4, 4, 4, 0, 0)
    with pytest.raises(msgspec.DecodeError):
        cc.feed_partial(b"{not json", book)
    with pytest.raises(msgspec.ValidationError):
        cc.feed_partial(object(), book)  # type: ignore[arg-type]


def test_pending_until_the_book_reaches_the_id() -> None:
    book = _book()
    truth = _book()
    _step(truth, 105, [(100.0, 9.0)])
    cc = CrossCheck("BTCUSDT")
    assert cc.feed_partial(_partial(truth), book) == Pending(105)
    assert cc.waiting_for == 105 and cc.pending == 1
    _step(book, 103, [(100.0, 5.0)])  # the book moves, not there yet
    assert cc.waiting_for > book.update_id
    assert cc.on_book(book) is None
    _step(book, 105, [(100.0, 9.0)])
    assert cc.on_book(book) == Agree(105)
    assert cc.pending == 0 and cc.on_book(book) is None


def test_partial_at_an_id_the_book_jumps_over_is_skipped() -> None:
    book = _book()
    truth = _book()
    _step(truth, 103, [(100.0, 3.0)])
    cc = CrossCheck("BTCUSDT")
    assert cc.feed_partial(_partial(truth), book) == Pending(103)
    _step(truth, 106, [(100.0, 6.0)])
    assert cc.feed_partial(_partial(truth), book) == Pending(106)
    # one diff event U=101..u=106 takes the book past 103 without stopping there
    _step(book, 106, [(100.0, 6.0)])
    assert cc.on_book(book) == Agree(106)
    assert cc.statistics().skipped == 1 and cc.statistics().checks == 1
    # a partial the book already passed: never compared
    assert cc.feed_partial(_partial(truth, uid=104), book) == Skipped(104, "book already past")


def test_disagree_needs_confirmation_and_heals() -> None:
    book = _book()
    cc = CrossCheck("BTCUSDT")
    good = _partial(book)
    book.apply_values([(99.5, 7.0)], [])  # a level the exchange never had
    v = cc.feed_partial(good, book)
    assert isinstance(v, Suspect) and "bids level 1" in v.detail and cc.strikes == 1
    # the next check at a later id agrees (the wrong level was overwritten): suspicion cleared
    _step(book, 101, [(99.5, 0.0)])
    assert cc.feed_partial(_partial(book), book) == Agree(101)
    assert cc.strikes == 0
    # two disagreeing checks in a row: confirmed
    book.apply_values([], [(101.0, 0.5)])
    assert isinstance(cc.feed_partial(_partial(_book(101)), book), Suspect)
    _step(book, 102, [])
    v = cc.feed_partial(_partial(_book(102)), book)
    assert isinstance(v, Disagree) and "asks level 0" in v.detail
    st = cc.statistics()
    assert st.mismatches == 1 and st.suspects == 3 and cc.strikes == 0
    assert st.last_detail is not None and "BTCUSDT@102" in st.last_detail


def test_confirm_one_and_missing_levels() -> None:
    book = _book()
    cc = CrossCheck("BTCUSDT", confirm=1)
    truth = _partial(book)
    book.apply_values([(97.0, 0.0)], [])  # the book lost a level the exchange has
    v = cc.feed_partial(truth, book)
    assert isinstance(v, Disagree) and "book (96.0" in v.detail
    # a side shorter than the partial: the exchange has a level the book lacks at the end
    thin = _book(n=5)
    cc5 = CrossCheck("BTCUSDT", levels=5, confirm=1)
    p = PartialDepthFloat(100, [*thin.bids(5)], thin.asks(5))
    assert cc5.feed_partial(p, thin) == Agree(100)
    thin.apply_values([(96.0, 0.0)], [])
    v = cc5.feed_partial(p, thin)
    # the partial is full (5 levels): bound at its 5th price, so the lost one is found
    assert isinstance(v, Disagree) and "book has none" in v.detail


def test_race_partial_before_and_after_the_diff_never_disagrees() -> None:
    """Both streams carry the same ids; whichever comes first, a correct book agrees."""
    truth = _book()
    book = _book()
    cc = CrossCheck("BTCUSDT", confirm=1)
    verdicts = []
    for uid in range(101, 161):
        change = [(100.0 - (uid % 7), float(uid % 5))]
        _step(truth, uid, change)
        partial = _partial(truth)
        if uid % 2:  # the partial first: pending, then the diff event arrives
            verdicts.append(cc.feed_partial(partial, book))
            _step(book, uid, change)
            if cc.waiting_for <= book.update_id:
                verdicts.append(cc.on_book(book))
        else:  # the diff first: compared at once
            _step(book, uid, change)
            verdicts.append(cc.feed_partial(partial, book))
    assert not any(isinstance(v, Suspect | Disagree) for v in verdicts)
    assert cc.statistics().checks == 60 and cc.statistics().agreed == 60


def test_not_synced_history_and_reset() -> None:
    book = _book()
    cc = CrossCheck("BTCUSDT", history=2)
    book.synced = False
    assert cc.feed_partial(_partial(book), book) == Skipped(100, "book not synced")
    book.synced = True
    assert cc.feed_partial(_partial(book, uid=103), book) == Pending(103)
    assert cc.feed_partial(_partial(book, uid=102), book) == Pending(102)
    assert cc.waiting_for == 102
    assert cc.feed_partial(_partial(book, uid=104), book) == Skipped(104, "history full")
    assert cc.feed_partial(_partial(book, uid=101), book) == Pending(101)  # 103 dropped
    assert cc.pending == 2 and cc.waiting_for == 101
    book.synced = False
    _step(book, 101, [])
    assert cc.on_book(book) is None and cc.pending == 0  # an unsynced book: forget them
    book.synced = True
    assert cc.feed_partial(_partial(book, uid=105), book) == Pending(105)
    cc.reset()
    assert cc.pending == 0 and cc.waiting_for > 10**15
    with pytest.raises(ValueError):
        CrossCheck("X", confirm=0)
    with pytest.raises(ValueError):
        CrossCheck("X", levels=0)
    with pytest.raises(ValueError):
        CrossCheck("X", history=0)
    assert "mismatches=0" in repr(cc)


def test_only_the_known_range_is_compared() -> None:
    # a 5-level snapshot: levels past its last one are unknown to a correct book
    book = OrderBook("BTCUSDT")
    book.load_snapshot([(f"{100 - i}.00", "1.00") for i in range(5)],
                       [(f"{101 + i}.00", "1.00") for i in range(5)], 100)  # fmt: skip
    book.synced = True
    assert book.known_range == (96.0, 105.0)
    exchange_bids = [(100.0 - i, 1.0) for i in range(20)]
    exchange_asks = [(101.0 + i, 1.0) for i in range(20)]
    cc = CrossCheck("BTCUSDT", confirm=1)
    assert cc.feed_partial(PartialDepthFloat(100, exchange_bids, exchange_asks), book) == Agree(100)
    # a wrong level inside the known range is still found
    book.apply_values([(97.0, 2.0)], [])
    assert isinstance(
        cc.feed_partial(PartialDepthFloat(100, exchange_bids, exchange_asks), book), Disagree
    )
    # trimming forgets levels: the known range shrinks to what is kept
    trimmed = _book(max_levels=10)
    assert trimmed.known_range == (91.0, 110.0)
    trimmed.apply_values([(100.5, 1.0)], [])  # pushes 91 out: 92 is the last known bid
    assert trimmed.known_range[0] == 92.0
    trimmed.apply_values([(100.5, 0.0)], [])  # 91 comes back on the exchange, not here
    full = _book()
    assert CrossCheck("X", confirm=1).feed_partial(_partial(full), trimmed) == Agree(100)
    trimmed.clear()
    assert trimmed.known_range == (float("-inf"), float("inf"))
