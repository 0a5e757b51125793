"""The exception tree: every seed error code maps to a class, messages carry no secrets."""

from __future__ import annotations

import asyncio
import pickle

import pytest

from binance_async import errors as E
from binance_async._error_codes import ERROR_CODE_NAMES, SEED_ERROR_CODES


def test_every_seed_code_has_a_specific_class_and_name() -> None:
    assert len(SEED_ERROR_CODES) >= 160
    for code in SEED_ERROR_CODES:
        cls = E.error_class_for(code)
        assert issubclass(cls, E.APIError)
        assert cls is not E.APIError, code
        assert ERROR_CODE_NAMES[code], code


@pytest.mark.parametrize(
    ("code", "cls"),
    [
        (-1021, E.InvalidTimestamp),
        (-1022, E.InvalidSignature),
        (-1121, E.BadSymbol),
        (-2010, E.NewOrderRejected),
        (-2011, E.CancelRejected),
        (-2013, E.NoSuchOrder),
        (-2015, E.RejectedMbxKey),
        (-1013, E.FilterFailure),
        (-1125, E.InvalidListenKey),
        (-1006, E.ExecutionStatusUnknown),
        (-1007, E.ExecutionStatusUnknown),
        (-1015, E.TooManyOrders),
        (-3045, E.MarginError),
        (-4018, E.WalletError),
        (-5012, E.SubAccountError),
        (-6012, E.SavingsError),
        (-7002, E.FuturesError),
        (-20121, E.FuturesAlgoError),
        (-120041, E.CopyTradingError),
        (-32045, E.CopyTradingError),
        (-1020, E.UnsupportedOperation),
        (-1131, E.BadRecvWindow),
    ],
)
def test_code_lookup(code: int, cls: type[E.APIError]) -> None:
    assert E.error_class_for(code) is cls
    err = E.api_error_from_response(400, code, "m")
    if code in (-1006, -1007):
        assert isinstance(err, E.ExecutionStatusUnknown)
    elif code != -1015:
        assert type(err) is cls


def test_status_classification() -> None:
    err = E.api_error_from_response(
        429, -1003, "Too much request weight used", {"Retry-After": "17"}
    )
    assert type(err) is E.RateLimited and err.retry_after == 17.0
    err = E.api_error_from_response(429, -1015, "Too many new orders")
    assert isinstance(err, E.TooManyOrders) and err.retry_after is None
    ban = E.api_error_from_response(
        418, -1003, "Way too much request weight used; IP banned", {"retry-after": "120"}
    )
    assert isinstance(ban, E.IPBanned) and ban.retry_after == 120.0
    assert ban.banned_until is not None
    assert isinstance(E.api_error_from_response(503, 0, "busy"), E.ExecutionStatusUnknown)
    err = E.api_error_from_response(400, -1121, "Invalid symbol.")
    assert str(err) == "HTTP 400, code -1121 BAD_SYMBOL: Invalid symbol."
    assert (err.status, err.code, err.code_name) == (400, -1121, "BAD_SYMBOL")


def test_tree_and_stdlib_bases() -> None:
    assert issubclass(E.RequestTimeout, asyncio.TimeoutError)
    assert issubclass(E.RequestTimeout, E.TransportError)
    assert issubclass(E.ConnectError, ConnectionError)
    assert issubclass(E.ValidationError, ValueError)
    for name in E.__all__:
        obj = getattr(E, name)
        if isinstance(obj, type):
            assert issubclass(obj, E.BinanceError), name
            assert name in (E.__doc__ or ""), f"{name} missing from the drawn tree"


def test_headers_scrubbed_and_picklable() -> None:
    err = E.api_error_from_response(
        400,
        -2015,
        "Invalid API-key, IP, or permissions for action.",
        {"X-MBX-APIKEY": "secretkey", "X-MBX-USED-WEIGHT-1M": "3"},
    )
    assert "X-MBX-APIKEY" not in err.headers and err.headers["X-MBX-USED-WEIGHT-1M"] == "3"
    assert "secretkey" not in repr(err) + str(err)
    for e in (err, E.api_error_from_response(418, -1003, "x", {"Retry-After": "5"})):
        again = pickle.loads(pickle.dumps(e))
        assert type(again) is type(e) and again.code == e.code and str(again) == str(e)
