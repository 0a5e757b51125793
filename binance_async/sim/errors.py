"""Errors raised by the local exchange core, with Binance's codes and messages.

`SimError` carries exactly what the REST layer puts on the wire: ``{"code": code, "msg": msg}``
(plus ``data`` for cancelReplace failures) with ``http_status``. `HistoryUnavailable` is raised by
the ground-truth API (`Book.true_book`, depth cursors) when an update id is outside the retention
window; it is a programming/test error, never sent to a client.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "ILLEGAL_NUMBER_RANGE",
    "HistoryUnavailable",
    "SimError",
    "bad_precision",
    "filter_failure",
    "illegal_chars",
    "invalid_param",
    "mandatory",
    "mandatory_either",
    "not_required",
    "rejected",
]

ILLEGAL_NUMBER_RANGE = "^([0-9]{1,20})(\\.[0-9]{1,20})?$"
CLIENT_ORDER_ID_RANGE = "^[a-zA-Z0-9-_]{1,36}$"


class SimError(Exception):
    """An error response of the local exchange: Binance ``code``, ``msg`` and HTTP status."""

    def __init__(
        self, code: int, msg: str, http_status: int = 400, data: dict[str, Any] | None = None
    ) -> None:
        super().__init__(code, msg)
        self.code = code
        self.msg = msg
        self.http_status = http_status
        self.data = data

    def to_json(self) -> dict[str, Any]:
        """The response body: ``{"code", "msg"}`` and ``data`` when present."""
        body: dict[str, Any] = {"code": self.code, "msg": self.msg}
        if self.data is not None:
            body["data"] = self.data
        return body

    def __str__(self) -> str:
        return f"SimError({self.code}, {self.msg!r})"


class HistoryUnavailable(LookupError):
    """The requested update id is older than the retention window (or in the future)."""


# --- constructors for the common messages ---------------------------------------------------


def mandatory(name: str) -> SimError:
    """-1102: mandatory parameter ``name`` missing, empty or malformed."""
    return SimError(
        -1102, f"Mandatory parameter '{name}' was not sent, was empty/null, or malformed."
    )


def mandatory_either(a: str, b: str) -> SimError:
    """-1102: neither ``a`` nor ``b`` was sent."""
    return SimError(-1102, f"Param '{a}' or '{b}' must be sent, but both were empty/null!")


def illegal_chars(name: str, legal: str = ILLEGAL_NUMBER_RANGE) -> SimError:
    """-1100: illegal characters in ``name`` (``legal``: the accepted pattern)."""
    return SimError(
        -1100, f"Illegal characters found in parameter '{name}'; legal range is '{legal}'."
    )


def not_required(name: str) -> SimError:
    """-1106: ``name`` sent when not required."""
    return SimError(-1106, f"Parameter '{name}' sent when not required.")


def bad_precision(name: str) -> SimError:
    """-1111: ``name`` has too much precision."""
    return SimError(-1111, f"Parameter '{name}' has too much precision.")


def invalid_param(name: str) -> SimError:
    """-1130: the value of ``name`` is not valid."""
    return SimError(-1130, f"Data sent for parameter '{name}' is not valid.")


def filter_failure(name: str) -> SimError:
    """-1013: filter ``name`` failed."""
    return SimError(-1013, f"Filter failure: {name}")


def rejected(msg: str) -> SimError:
    """-2010 NEW_ORDER_REJECTED with one of the matching engine's messages."""
    return SimError(-2010, msg)


INSUFFICIENT_BALANCE = "Account has insufficient balance for requested action."
WOULD_TAKE = "Order would immediately match and take."
DUPLICATE_ORDER = "Duplicate order sent."
UNKNOWN_ORDER = "Unknown order sent."
MARKET_CLOSED = "Market is closed."
WOULD_TRIGGER = "Order would trigger immediately."
OCO_PRICES = "The relationship of the prices for the orders is not correct."
