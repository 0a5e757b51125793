"""binance_async.book.OrderBook: numeric order, zero removal, exact text, trimming, reads."""

from __future__ import annotations

from decimal import Decimal

import msgspec
import pytest

from binance_async.book import OrderBook
from binance_async.models.depth import levels_to_float


def book_with(
    bids: list[tuple[str, str]], asks: list[tuple[str, str]], max_levels: int | None = None
) -> OrderBook:
    b = OrderBook("btcusdt", max_levels=max_levels)
    b.load_snapshot(bids, asks, 100)
    return b


def test_empty_book() -> None:
    b = OrderBook("x")
    assert b.symbol == "X"
    assert b.best_bid() is None and b.best_ask() is None
    assert b.bids() == [] and b.asks(5) == [] and b.bids_text(3) == []
    assert b.spread() is None and b.mid() is None and not b.crossed()
    assert (b.bid_count, b.ask_count, b.update_id, b.synced) == (0, 0, 0, False)


def test_numeric_not_string_order() -> None:
    b = book_with(
        [("9.50000000", "1.00000000"), ("10.00000000", "2.00000000"), ("100.00000000", "3.0")],
        [("1000.00000000", "1.00000000"), ("200.00000000", "1.00000000")],
    )
    assert [p for p, _ in b.bids()] == [100.0, 10.0, 9.5]
    assert [p for p, _ in b.asks()] == [200.0, 1000.0]
    assert b.best_bid() == (100.0, 3.0)
    assert b.best_ask() == (200.0, 1.0)
    assert b.update_id == 100


@pytest.mark.parametrize("zero", ["0", "0.0", "0.000", "0.00000000", "0E-8", "0.0e0"])
def test_zero_in_any_spelling_removes(zero: str) -> None:
    b = book_with([("1.00000000", "5.00000000"), ("2.00000000", "5.00000000")], [])
    b.apply([("2.00000000", zero)], [])
    assert b.bids_text() == [("1.00000000", "5.00000000")]
    b.apply_values([(1.0, 0.0)], [])
    assert b.bids() == []


def test_removing_absent_level_is_harmless() -> None:
    b = book_with([("1.00000000", "5.00000000")], [("3.00000000", "1.00000000")])
    b.apply([("0.50000000", "0.00000000")], [("9.00000000", "0")])
    b.apply_values([(0.25, 0.0)], [(10.0, 0.0)])
    assert b.bid_count == 1 and b.ask_count == 1


def test_insert_update_delete_mix_keeps_order() -> None:
    b = book_with([("5.00000000", "1.00000000")], [("6.00000000", "1.00000000")])
    b.apply_values([(4.0, 2.0), (5.5, 3.0), (5.0, 7.0), (3.0, 1.0)], [(7.0, 1.0), (6.5, 2.0)])
    b.apply_values([(4.0, 0.0)], [(6.0, 0.0)])
    assert b.bids() == [(5.5, 3.0), (5.0, 7.0), (3.0, 1.0)]
    assert b.asks() == [(6.5, 2.0), (7.0, 1.0)]
    assert b.bids(2) == [(5.5, 3.0), (5.0, 7.0)]
    assert b.bids(0) == [] and b.asks(100) == b.asks()
    with pytest.raises(ValueError):
        b.bids(-1)


def test_exact_text_round_trip_and_decimal() -> None:
    b = book_with(
        [("61837.63000000", "3.78826000"), ("0.00000001", "99999.99999999")],
        [("61837.64000000", "0.00100000")],
    )
    assert b.price_decimals == 8 and b.qty_decimals == 8 and b.fast_path_exact
    assert b.bids_text() == [("61837.63000000", "3.78826000"), ("0.00000001", "99999.99999999")]
    assert b.best_ask_text() == ("61837.64000000", "0.00100000")
    assert b.spread() == Decimal("0.01000000")
    assert b.mid() == Decimal("61837.635")
    assert b.bids_decimal(1) == [(Decimal("61837.63000000"), Decimal("3.78826000"))]
    assert str(b.asks_decimal()[0][1]) == "0.00100000"
    b.apply_values([(61837.62, 0.1)], [])  # fast path: text rebuilt from the learned decimals
    assert b.bids_text(2)[1] == ("61837.62000000", "0.10000000")


def test_futures_style_decimals() -> None:
    b = book_with([("7.6110", "6"), ("7.6080", "161")], [("7.6120", "297")])
    assert (b.price_decimals, b.qty_decimals) == (4, 0)
    b.apply_values([(7.609, 12.0)], [])
    assert b.bids_text() == [("7.6110", "6"), ("7.6090", "12"), ("7.6080", "161")]


def test_unusual_spelling_keeps_its_text_and_leaves_fast_path() -> None:
    b = book_with([("1.00000000", "2.00000000")], [("3.00000000", "1.00000000")])
    b.apply([("1.5", "2.50")], [])
    assert b.bids_text(1) == [("1.5", "2.50")]
    assert not b.fast_path_exact  # DepthSync now decodes this book's events as text
    b.apply([("1.50000000", "0")], [])
    assert b.bids_text() == [("1.00000000", "2.00000000")]


def test_huge_values_keep_their_text() -> None:
    big = "123456789.12345678"  # 17 significant digits: a double cannot carry it
    b = book_with([("1.00000000", big)], [("3.00000000", "98765432109.00000001")])
    assert b.bids_text() == [("1.00000000", big)]
    assert b.asks_text() == [("3.00000000", "98765432109.00000001")]
    assert b.fast_path_exact  # such values never pass the float decoder's bound anyway
    b.apply_values([(1.0, 2.0)], [])  # overwritten by a plain value: text rebuilt again
    assert b.bids_text() == [("1.00000000", "2.00000000")]


def test_max_levels_keeps_best_numerically() -> None:
    b = book_with(
        [("9.90000000", "1"), ("10.10000000", "1"), ("10.00000000", "1"), ("2.00000000", "1")],
        [("11.00000000", "1"), ("100.00000000", "1"), ("12.00000000", "1")],
        max_levels=2,
    )
    assert [p for p, _ in b.bids()] == [10.1, 10.0]
    assert [p for p, _ in b.asks()] == [11.0, 12.0]
    b.apply_values([(10.05, 1.0)], [(10.5, 1.0)])
    assert [p for p, _ in b.bids()] == [10.1, 10.05]
    assert [p for p, _ in b.asks()] == [10.5, 11.0]
    b.apply([("10.20000000", "1.00000000")], [])
    assert [p for p, _ in b.bids()] == [10.2, 10.1]
    with pytest.raises(ValueError):
        OrderBook("x", max_levels=0)


def test_bad_numbers_raise_before_any_change() -> None:
    b = book_with([("1.00000000", "2.00000000")], [("3.00000000", "1.00000000")])
    for bad in (("abc", "1"), ("1", "-1"), ("nan", "1"), ("0", "1"), ("1", "inf")):
        with pytest.raises(msgspec.ValidationError):
            b.apply([("2.00000000", "1.00000000"), bad], [])
        with pytest.raises(msgspec.ValidationError):
            b.load_snapshot([bad], [], 5)
    assert b.bids_text() == [("1.00000000", "2.00000000")] and b.update_id == 100


def test_crossed_and_clear() -> None:
    b = book_with([("2.00000000", "1.00000000")], [("3.00000000", "1.00000000")])
    assert not b.crossed()
    b.apply_values([(3.0, 1.0)], [])
    assert b.crossed()
    b.clear()
    assert b.bid_count == b.ask_count == 0 and b.price_decimals is None and not b.crossed()


def test_snapshot_duplicates_and_zero_levels() -> None:
    b = book_with(
        [("1.00000000", "1.00000000"), ("1.00000000", "2.00000000"), ("0.50000000", "0")],
        [],
    )
    assert b.bids_text() == [("1.00000000", "2.00000000")]


def test_float_parse_matches_text_order_on_tiny_ticks() -> None:
    prices = [f"0.000000{i:02d}" for i in range(1, 100)]
    values = levels_to_float([(p, "1") for p in prices])
    b = OrderBook("x")
    b.load_snapshot([(p, "1.00000000") for p in prices], [], 1)
    assert [p for p, _ in b.bids_text()] == prices[::-1]
    assert [v for v, _ in b.bids()] == sorted((v for v, _ in values), reverse=True)


def test_repr() -> None:
    b = book_with([("2.00000000", "1.00000000")], [("3.00000000", "1.00000000")])
    assert "BTCUSDT" in repr(b) and "2.00000000" in repr(b)


def test_default_tiers_on_a_deep_book() -> None:
    """A 3,000-level side drained from the top, 7 levels at a time, down to nothing."""
    book = OrderBook("x")
    ticks_ = list(range(1, 3001))
    book.load_snapshot([(f"{t / 100:.8f}", "1.00000000") for t in ticks_], [], 1)
    assert book.bid_count == 3000
    for top in range(3000, 0, -7):
        book.apply_values([(t / 100, 0.0) for t in range(top, max(0, top - 7), -1)], [])
        left = max(0, top - 7)
        assert book.bid_count == left
        assert book.bids(3) == [(t / 100, 1.0) for t in range(left, max(0, left - 3), -1)]


def test_a_zero_first_level_teaches_no_decimals() -> None:
    """A zero quantity in any spelling says nothing about the quantity text (it removes)."""
    b = book_with([("1.00000000", "0E-8"), ("0.50000000", "2.00000000")], [])
    assert b.qty_decimals == 8
    b.apply_values([(0.75, 3.0)], [])
    assert b.bids_text() == [("0.75000000", "3.00000000"), ("0.50000000", "2.00000000")]


def test_deep_changes_are_logged_then_applied_in_order() -> None:
    """Changes below the top tier wait in a bounded log; every read past the top, count or
    refill sees them applied in arrival order (a level set, removed and set again)."""
    from binance_async.book import book as book_module

    book = OrderBook("x")
    book.load_snapshot([(f"{t / 100:.8f}", "1.00000000") for t in range(1, 1001)], [], 1)
    deep = 1.505  # far below the top tier, and new
    book.apply_values([(deep, 2.0)], [])
    book.apply_values([(deep, 0.0)], [])
    book.apply_values([(deep, 3.0)], [])
    assert 0 < len(book._b.log) <= book_module._LOG_MAX
    assert dict(book.bids())[deep] == 3.0
    assert not book._b.log
    assert book.bid_count == 1001
    for n in range(4 * book_module._LOG_MAX):
        book.apply_values([(2.0 + (n % 300) / 1000, float(n % 2))], [])
        assert len(book._b.log) <= book_module._LOG_MAX
    assert book.bids(2) == [(10.0, 1.0), (9.99, 1.0)]  # the top tier never waited
