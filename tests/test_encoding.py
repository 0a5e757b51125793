"""Parameter encoding: exact wire text for every value type."""

from __future__ import annotations

import enum
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from binance_async import ValidationError
from binance_async._encoding import encode_params, format_value


class Side(enum.Enum):
    BUY = "BUY"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (True, "true"),
        (False, "false"),
        (5, "5"),
        ("BTCUSDT", "BTCUSDT"),
        (Decimal("1E-8"), "0.00000001"),
        (Decimal("1E+3"), "1000"),
        (Decimal("0.10"), "0.10"),
        (1e-05, "0.00001"),
        (0.1, "0.1"),
        (Side.BUY, "BUY"),
        (["BTCUSDT", "BNBBTC"], '["BTCUSDT","BNBBTC"]'),
    ],
)
def test_format_value(value: object, text: str) -> None:
    assert format_value(value) == text


def test_encode_params_drops_none_keeps_order_and_percent_encodes() -> None:
    q = encode_params({"symbols": ["BTCUSDT", "BNBBTC"], "skip": None, "symbol": "１２", "b": True})
    assert q == "symbols=%5B%22BTCUSDT%22%2C%22BNBBTC%22%5D&symbol=%EF%BC%91%EF%BC%92&b=true"
    assert encode_params({}) == "" and encode_params(None) == ""
    assert encode_params([("z", 1), ("a", 2)]) == "z=1&a=2"


def test_bad_values_name_the_parameter() -> None:
    with pytest.raises(ValidationError, match=r"'price'.*finite"):
        encode_params({"price": float("nan")})
    with pytest.raises(ValidationError, match=r"'price'.*finite"):
        encode_params({"price": Decimal("Infinity")})
    with pytest.raises(ValidationError, match=r"'x'.*type dict"):
        encode_params({"x": {"a": 1}})


@given(st.decimals(allow_nan=False, allow_infinity=False, places=None))
def test_decimal_never_exponent_and_round_trips(d: Decimal) -> None:
    text = format_value(d)
    assert "E" not in text and "e" not in text
    assert Decimal(text) == d


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_float_never_exponent_and_round_trips(f: float) -> None:
    text = format_value(f)
    assert "e" not in text.lower()
    assert float(text) == f
