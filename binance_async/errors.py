"""One exception tree for everything binance_async raises.

::

    BinanceError
    ├── TransportError                      network trouble before a response arrived
    │   ├── ConnectError (ConnectionError)  could not connect / connection dropped
    │   └── RequestTimeout (TimeoutError)   no response in time (asyncio.TimeoutError too)
    ├── StreamError                         a WebSocket stream problem (not an API reply)
    │   ├── SubscriptionRefused             the exchange refused a SUBSCRIBE (code, msg)
    │   ├── StreamOverflow                  a subscriber's bounded queue overflowed ("raise")
    │   └── UserStreamError                 a user-data stream gave up after repeated failures
    ├── ValidationError (ValueError)        bad input caught before anything was sent
    │   └── OrderFilterError                an order breaks an exchange filter (client check)
    └── APIError                            the server answered with an error
        ├── RateLimited                     HTTP 429 (retry_after seconds)
        │   └── TooManyOrders               -1015, unfilled order count
        ├── IPBanned                        HTTP 418 (retry_after, banned_until)
        ├── ExecutionStatusUnknown          5xx, -1006, -1007: the request MAY have succeeded
        ├── InvalidResponse                 body is not the JSON the API sends (HTML, proxy)
        ├── GeneralError                    -10xx
        │   ├── Unauthorized                -1002
        │   ├── FilterFailure               -1013
        │   ├── UnsupportedOperation        -1020 (e.g. read-only key on a write endpoint)
        │   ├── InvalidTimestamp            -1021
        │   └── InvalidSignature            -1022
        ├── RequestError                    -11xx
        │   ├── MandatoryParamMissing       -1102
        │   ├── UnknownParam                -1103
        │   ├── BadSymbol                   -1121
        │   ├── InvalidListenKey            -1125
        │   ├── InvalidParameter            -1130
        │   └── BadRecvWindow               -1131
        ├── OrderError                      -20xx
        │   ├── NewOrderRejected            -2010
        │   ├── CancelRejected              -2011
        │   ├── NoSuchOrder                 -2013
        │   ├── BadApiKeyFormat             -2014
        │   ├── RejectedMbxKey              -2015 (bad key, IP or permissions)
        │   ├── CancelReplacePartialFailure -2021
        │   ├── CancelReplaceFailure        -2022
        │   └── OrderArchived               -2026
        ├── MarginError                     -3xxx
        ├── WalletError                     -4xxx
        ├── SubAccountError                 -5xxx (sub-account, transfers)
        ├── SavingsError                    -6xxx
        ├── FuturesError                    -7xxx
        ├── CopyTradingError                -120xxx, -32xxx (copy-trading leader API)
        └── FuturesAlgoError                -20xxx

`error_class_for(code)` gives the class for any code; every code of the seed's Error
Codes section maps to a class below `APIError` (see `binance_async._error_codes`).
No message built here ever contains an API key, a secret or a signature.
"""

from __future__ import annotations

import time
from collections.abc import Mapping

from ._error_codes import ERROR_CODE_NAMES

__all__ = [
    "APIError",
    "BadApiKeyFormat",
    "BadRecvWindow",
    "BadSymbol",
    "BinanceError",
    "CancelRejected",
    "CancelReplaceFailure",
    "CancelReplacePartialFailure",
    "ConnectError",
    "CopyTradingError",
    "ExecutionStatusUnknown",
    "FilterFailure",
    "FuturesAlgoError",
    "FuturesError",
    "GeneralError",
    "IPBanned",
    "InvalidListenKey",
    "InvalidParameter",
    "InvalidResponse",
    "InvalidSignature",
    "InvalidTimestamp",
    "MandatoryParamMissing",
    "MarginError",
    "NewOrderRejected",
    "NoSuchOrder",
    "OrderArchived",
    "OrderError",
    "OrderFilterError",
    "RateLimited",
    "RejectedMbxKey",
    "RequestError",
    "RequestTimeout",
    "SavingsError",
    "StreamError",
    "StreamOverflow",
    "SubAccountError",
    "SubscriptionRefused",
    "TooManyOrders",
    "TransportError",
    "Unauthorized",
    "UnknownParam",
    "UnsupportedOperation",
    "UserStreamError",
    "ValidationError",
    "WalletError",
    "api_error_from_response",
    "error_class_for",
]

_SENSITIVE_HEADERS = frozenset({"x-mbx-apikey", "authorization", "cookie", "set-cookie"})


class BinanceError(Exception):
    """Root of every exception raised by binance_async."""


class TransportError(BinanceError):
    """The request did not get a response: connection failure, reset or timeout."""


class ConnectError(TransportError, ConnectionError):
    """Could not connect, or the connection was lost before a response."""


class RequestTimeout(TransportError, TimeoutError):
    """No response within the timeout. Also an `asyncio.TimeoutError` (== `TimeoutError`)."""


class StreamError(BinanceError):
    """A WebSocket stream problem that is not an API error reply."""


class SubscriptionRefused(StreamError):
    """The exchange (or a local check) refused to subscribe ``streams``."""

    def __init__(self, streams: tuple[str, ...], code: int | None, msg: str) -> None:
        self.streams = streams
        self.code = code
        self.msg = msg
        super().__init__(f"subscription refused for {', '.join(streams)}: {msg} (code {code})")


class StreamOverflow(StreamError):
    """A subscriber's bounded queue was full under the ``"raise"`` overflow policy."""

    def __init__(self, message: str, *, maxsize: int) -> None:
        self.maxsize = maxsize
        super().__init__(message)



class UserStreamError(StreamError):
    """The user-data stream gave up (``max_failures`` consecutive failures)."""

class ValidationError(BinanceError, ValueError):
    """Bad input caught client-side; nothing was sent.

    `param` names the offending parameter (or filter), `choices` the valid values when known.
    """

    def __init__(
        self, message: str, *, param: str | None = None, choices: tuple[str, ...] | None = None
    ) -> None:
        super().__init__(message)
        self.param = param
        self.choices = choices


class OrderFilterError(ValidationError):
    """An order breaks one of the exchange's filters (checked client-side, nothing sent).

    The message starts with ``Filter failure: <NAME>`` like the exchange's -1013;
    `filter_type` is that name, `param` the offending parameter (the filter name for counts).
    """

    def __init__(self, filter_type: str, detail: str, *, param: str | None = None) -> None:
        super().__init__(f"Filter failure: {filter_type}: {detail}", param=param or filter_type)
        self.filter_type = filter_type


class APIError(BinanceError):
    """The server answered with an error (HTTP status >= 400, or an error body).

    Attributes: `status` (HTTP status), `code` (Binance error code, 0 if none), `msg`
    (server message), `code_name` (the seed's name for the code, e.g. ``BAD_SYMBOL``),
    `headers` (response headers, with credentials removed).
    """

    def __init__(
        self,
        status: int,
        code: int,
        msg: str,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.status = status
        self.code = code
        self.msg = msg
        self.code_name = ERROR_CODE_NAMES.get(code, "")
        self.headers: dict[str, str] = {
            k: v for k, v in (headers or {}).items() if k.lower() not in _SENSITIVE_HEADERS
        }
        super().__init__(self._describe())

    def _describe(self) -> str:
        name = f" {self.code_name}" if self.code_name else ""
        return f"HTTP {self.status}, code {self.code}{name}: {self.msg}"

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), (self.status, self.code, self.msg, self.headers))


def _retry_after(headers: Mapping[str, str]) -> float | None:
    for key, value in headers.items():
        if key.lower() == "retry-after":
            try:
                return float(value)
            except ValueError:
                return None
    return None


class RateLimited(APIError):
    """HTTP 429: a rate limit was broken. Back off for `retry_after` seconds (None if unsent)."""

    def __init__(
        self,
        status: int,
        code: int,
        msg: str,
        headers: Mapping[str, str] | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(status, code, msg, headers)
        self.retry_after = retry_after if retry_after is not None else _retry_after(self.headers)

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), (self.status, self.code, self.msg, self.headers, self.retry_after))


class TooManyOrders(RateLimited):
    """-1015: too many new orders (the account's unfilled order count)."""


class IPBanned(APIError):
    """HTTP 418: the IP is banned until `banned_until` (epoch seconds); `retry_after` seconds."""

    def __init__(
        self,
        status: int,
        code: int,
        msg: str,
        headers: Mapping[str, str] | None = None,
        retry_after: float | None = None,
        banned_until: float | None = None,
    ) -> None:
        super().__init__(status, code, msg, headers)
        self.retry_after = retry_after if retry_after is not None else _retry_after(self.headers)
        if banned_until is None and self.retry_after is not None:
            banned_until = time.time() + self.retry_after
        self.banned_until = banned_until

    def __reduce__(self) -> tuple[object, ...]:
        args = (self.status, self.code, self.msg, self.headers, self.retry_after, self.banned_until)
        return (type(self), args)


class ExecutionStatusUnknown(APIError):
    """5xx, -1006 or -1007: the request may or may not have been executed.

    Never retried blindly for anything but GET. Check with a query or the user data stream;
    `client_order_id` carries the request's ``newClientOrderId`` when it had one.
    """

    client_order_id: str | None = None


class InvalidResponse(APIError):
    """The body was not the JSON Binance sends (an HTML page from a proxy, a cut body...)."""


class GeneralError(APIError):
    """-10xx: general server or network issues."""


class Unauthorized(GeneralError):
    """-1002: not authorized to execute this request."""


class FilterFailure(GeneralError):
    """-1013: an order failed a symbol or exchange filter."""


class UnsupportedOperation(GeneralError):
    """-1020: operation not supported (e.g. a read-only key calling a write endpoint)."""


class InvalidTimestamp(GeneralError):
    """-1021: timestamp outside recvWindow, or ahead of the server's time."""


class InvalidSignature(GeneralError):
    """-1022: the signature is not valid for this request."""


class RequestError(APIError):
    """-11xx: the request was malformed."""


class MandatoryParamMissing(RequestError):
    """-1102: a mandatory parameter was not sent, empty or malformed."""


class UnknownParam(RequestError):
    """-1103: an unknown parameter was sent."""


class BadSymbol(RequestError):
    """-1121: invalid symbol."""


class InvalidListenKey(RequestError):
    """-1125: this listenKey does not exist."""


class InvalidParameter(RequestError):
    """-1130: data sent for a parameter is not valid."""


class BadRecvWindow(RequestError):
    """-1131: recvWindow must be less than 60000."""


class OrderError(APIError):
    """-20xx: order and key errors."""


class NewOrderRejected(OrderError):
    """-2010: the new order was rejected."""


class CancelRejected(OrderError):
    """-2011: the cancel was rejected."""


class NoSuchOrder(OrderError):
    """-2013: the order does not exist."""


class BadApiKeyFormat(OrderError):
    """-2014: the API key format is invalid."""


class RejectedMbxKey(OrderError):
    """-2015: invalid API key, IP, or permissions for the action."""


class CancelReplacePartialFailure(OrderError):
    """-2021: cancelReplace: one of cancel or new order failed (HTTP 409)."""


class CancelReplaceFailure(OrderError):
    """-2022: cancelReplace: both cancel and new order failed."""


class OrderArchived(OrderError):
    """-2026: the order was archived (older than 90 days)."""


class MarginError(APIError):
    """-3xxx: margin account errors."""


class WalletError(APIError):
    """-4xxx: capital, deposit and withdrawal errors."""


class SubAccountError(APIError):
    """-5xxx: sub-account and transfer errors."""


class SavingsError(APIError):
    """-6xxx: savings and staking errors."""


class FuturesError(APIError):
    """-7xxx: futures transfer and loan errors."""


class CopyTradingError(APIError):
    """-120xxx and -32xxx: copy-trading leader errors."""


class FuturesAlgoError(APIError):
    """-20xxx: futures algo errors."""


_BY_CODE: dict[int, type[APIError]] = {
    -1002: Unauthorized,
    -1006: ExecutionStatusUnknown,
    -1007: ExecutionStatusUnknown,
    -1013: FilterFailure,
    -1015: TooManyOrders,
    -1020: UnsupportedOperation,
    -1021: InvalidTimestamp,
    -1022: InvalidSignature,
    -1102: MandatoryParamMissing,
    -1103: UnknownParam,
    -1121: BadSymbol,
    -1125: InvalidListenKey,
    -1130: InvalidParameter,
    -1131: BadRecvWindow,
    -2010: NewOrderRejected,
    -2011: CancelRejected,
    -2013: NoSuchOrder,
    -2014: BadApiKeyFormat,
    -2015: RejectedMbxKey,
    -2021: CancelReplacePartialFailure,
    -2022: CancelReplaceFailure,
    -2026: OrderArchived,
}


def error_class_for(code: int) -> type[APIError]:
    """The exception class for a Binance error code (by exact code, then by range)."""
    exact = _BY_CODE.get(code)
    if exact is not None:
        return exact
    n = -code
    if 100000 <= n < 130000 or 32000 <= n < 33000:
        return CopyTradingError
    if 20000 <= n < 30000:
        return FuturesAlgoError
    if 1000 <= n < 1100:
        return GeneralError
    if 1100 <= n < 2000:
        return RequestError
    if 2000 <= n < 3000:
        return OrderError
    ranges: tuple[tuple[int, type[APIError]], ...] = (
        (3000, MarginError),
        (4000, WalletError),
        (5000, SubAccountError),
        (6000, SavingsError),
        (7000, FuturesError),
    )
    for start, cls in ranges:
        if start <= n < start + 1000:
            return cls
    return APIError


def api_error_from_response(
    status: int, code: int, msg: str, headers: Mapping[str, str] | None = None
) -> APIError:
    """Build the right `APIError` subclass from an HTTP status and an error payload."""
    if status == 418:
        return IPBanned(status, code, msg, headers)
    if status == 429:
        cls = TooManyOrders if code == -1015 else RateLimited
        return cls(status, code, msg, headers)
    if status >= 500:
        return ExecutionStatusUnknown(status, code, msg, headers)
    return error_class_for(code)(status, code, msg, headers)
