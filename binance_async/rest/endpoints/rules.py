"""Extra client-side rules the seeds state plainly, checked before anything is sent.

Registered by endpoint name with `register_check`, run by `validate` after the catalogue
checks (names, mandatory parameters, types, choices). Each raises `ValidationError` naming the
offending parameter.

Copy-trading leader API v2 (copy-trading-leader-v2 seed):

- ``update_config`` (``PUT /api/v2/copy-trading/leader/config``):

  - ``unLeadType=1`` needs ``unLeadEndTime``, not 0, and ``>= unLeadStartTime`` (when sent);
  - ``profitPeriod`` 1 or 7, ``tradeProtect`` / ``isNeedInvite`` / ``recommendShare`` 0 or 1,
    ``leadPositionType`` -1, 0 or 1 (catalogue choices);
  - ``recommendShareRate`` at most 8 decimal places (trailing zeros do not count); with
    ``recommendShare=1`` it is required and ``0 < rate <= 1``;
  - ``inviteCode`` is processed by the server only when ``isNeedInvite=1``; then, when not
    empty, it must be 6 to 10 characters with no CJK characters (Han ideographs, CJK
    punctuation, kana, hangul, bopomofo, full-width forms). Sensitive words and uniqueness are
    checked by the server only (-120511, -120510).
  - ``symbolIds`` is the full list: pairs left out are disabled (nothing to check locally).

- ``remove_follower``: ``followerUserId >= 1``.
- ``order_history``, ``followers``: ``page >= 1`` and ``size >= 1`` (the seed gives no upper
  bound for ``size``; the server answers -1130 if it has one).
- ``trade_data``: ``type`` in 7, 30, 90, 180, 365 (catalogue choices).

Rules that depend on server state (leader level limits for ``profitRate`` and the follow
minimums, a private leader with a custom profit share switching to public, pairs with active
lead orders, current positions for ``leadPositionType``) cannot be checked client-side.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from ...errors import ValidationError
from .spec import Endpoint
from .validate import register_check

__all__ = ["has_cjk", "significant_decimals"]

_CJK_RANGES: tuple[tuple[int, int], ...] = (
    (0x1100, 0x11FF),  # Hangul Jamo
    (0x2E80, 0x2FDF),  # CJK radicals, Kangxi radicals
    (0x2FF0, 0x303F),  # ideographic description, CJK symbols and punctuation
    (0x3040, 0x30FF),  # Hiragana, Katakana
    (0x3100, 0x31BF),  # Bopomofo, Hangul compatibility Jamo, Kanbun, Bopomofo extended
    (0x31C0, 0x9FFF),  # CJK strokes ... CJK unified ideographs (incl. extension A)
    (0xA960, 0xA97F),  # Hangul Jamo extended-A
    (0xAC00, 0xD7FF),  # Hangul syllables, Jamo extended-B
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
    (0xFE30, 0xFE4F),  # CJK compatibility forms
    (0xFF00, 0xFFEF),  # half-width and full-width forms
    (0x20000, 0x323AF),  # CJK unified ideographs extensions B-H, compatibility supplement
)


def has_cjk(text: str) -> bool:
    """Whether `text` contains a CJK character (see the module docstring for the ranges)."""
    for ch in text:
        code = ord(ch)
        if code < 0x1100:
            continue
        for low, high in _CJK_RANGES:
            if low <= code <= high:
                return True
    return False


def _decimal(value: Any) -> Decimal:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        return Decimal(repr(value))
    try:
        return Decimal(str(value).strip())
    except InvalidOperation:  # pragma: no cover - the catalogue checks DECIMAL values first
        raise ValidationError(f"{value!r} is not a number") from None


def significant_decimals(value: Decimal) -> int:
    """Decimal places without trailing zeros: ``0.10`` -> 1, ``5`` -> 0, ``1E-9`` -> 9."""
    if value.is_zero():
        return 0
    exponent = value.normalize().as_tuple().exponent
    assert isinstance(exponent, int)
    return max(0, -exponent)


def _fail(ep: Endpoint, param: str, message: str) -> ValidationError:
    return ValidationError(f"{ep.key}: parameter {param!r} {message}", param=param)


@register_check("copy_leader", "update_config")
def _leader_config(ep: Endpoint, params: Mapping[str, Any]) -> None:
    if params.get("unLeadType") == 1:
        end = params.get("unLeadEndTime")
        start = params.get("unLeadStartTime")
        if end is None:
            raise _fail(ep, "unLeadEndTime", "is mandatory when unLeadType=1 (custom cool-down)")
        if end == 0:
            raise _fail(ep, "unLeadEndTime", "must not be 0 when unLeadType=1")
        if start is not None and end < start:
            raise _fail(
                ep, "unLeadEndTime", f"must be >= unLeadStartTime ({end} < {start})"
            )
    rate_value = params.get("recommendShareRate")
    rate = None if rate_value is None else _decimal(rate_value)
    if rate is not None and significant_decimals(rate) > 8:
        raise _fail(
            ep, "recommendShareRate", f"must have at most 8 decimal places, got {rate_value}"
        )
    if params.get("recommendShare") == 1:
        if rate is None:
            raise _fail(ep, "recommendShareRate", "is mandatory when recommendShare=1")
        if not 0 < rate <= 1:
            raise _fail(
                ep, "recommendShareRate", f"must be > 0 and <= 1 when recommendShare=1, got {rate}"
            )
    code = params.get("inviteCode")
    if params.get("isNeedInvite") == 1 and code:
        if not 6 <= len(code) <= 10:
            raise _fail(ep, "inviteCode", f"must be 6 to 10 characters long, got {len(code)}")
        if has_cjk(code):
            raise _fail(ep, "inviteCode", "must not contain Chinese (CJK) characters")


@register_check("copy_leader", "remove_follower")
def _remove_follower(ep: Endpoint, params: Mapping[str, Any]) -> None:
    user_id = params.get("followerUserId")
    if user_id is not None and user_id < 1:
        raise _fail(ep, "followerUserId", f"must be >= 1, got {user_id}")


def _paging(ep: Endpoint, params: Mapping[str, Any]) -> None:
    for name in ("page", "size"):
        value = params.get(name)
        if value is not None and value < 1:
            raise _fail(ep, name, f"must be >= 1, got {value}")


register_check("copy_leader", "order_history")(_paging)
register_check("copy_leader", "followers")(_paging)
