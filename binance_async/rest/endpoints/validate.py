"""Client-side parameter validation against the catalogue: fail before anything is sent.

`validate` checks names (unknown names get a did-you-mean from difflib), mandatory parameters,
Python types per catalogue type, and enum choices, and returns the parameters with None
dropped, in catalogue order (``recvWindow`` last). Cross-parameter rules are not
checked in general (``symbol`` vs ``symbols``, type-dependent mandatory fields): the server's
messages for those are precise, and the rules changed over time. Where a seed states such rules
plainly (the copy-trading leader config), an extra check registered by endpoint name with
`register_check` runs after the catalogue checks (see `binance_async.rest.endpoints.rules`).

Accepted Python types:

======== =====================================================================
STRING   str
INT/LONG int (not bool)
DECIMAL  Decimal, int (not bool), float (finite), or a str that parses as a number
BOOLEAN  bool
ENUM     str (or an `enum.Enum` whose value is), one of the choices when listed
ARRAY    list or tuple of str
======== =====================================================================
"""

from __future__ import annotations

import difflib
import enum
import math
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from ...errors import ValidationError
from .spec import Endpoint, Param

__all__ = ["RECV_WINDOW", "ExtraCheck", "register_check", "validate"]

ExtraCheck = Callable[[Endpoint, Mapping[str, Any]], None]
"""An extra rule: ``check(endpoint, params)`` raises `ValidationError` or returns None.

`params` are the cleaned parameters (catalogue order, no Nones, types already checked)."""

_EXTRA_CHECKS: dict[tuple[str, str], list[ExtraCheck]] = {}


def register_check(family: str, name: str) -> Callable[[ExtraCheck], ExtraCheck]:
    """Decorator: run the function after the catalogue checks of endpoint ``family.name``."""

    def deco(check: ExtraCheck) -> ExtraCheck:
        _EXTRA_CHECKS.setdefault((family, name), []).append(check)
        return check

    return deco

RECV_WINDOW = Param(
    name="recvWindow",
    type="DECIMAL",
    description="Milliseconds the request stays valid after timestamp (max 60000, up to 3 "
    "decimals); the client sends its default when omitted.",
)
"""The implicit parameter every signed endpoint accepts."""

_SESSION_PARAMS = frozenset({"timestamp", "signature"})

_TYPE_WORDS = {
    "STRING": "a str",
    "INT": "an int",
    "LONG": "an int",
    "DECIMAL": "a Decimal, int, float or numeric str",
    "BOOLEAN": "a bool",
    "ENUM": "a str",
    "ARRAY": "a list of str",
}


def _type_ok(param: Param, value: Any) -> bool:
    kind = param.type
    if kind in ("INT", "LONG"):
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "STRING":
        return isinstance(value, str)
    if kind == "BOOLEAN":
        return isinstance(value, bool)
    if kind == "DECIMAL":
        if isinstance(value, bool):
            return False
        if isinstance(value, int | Decimal):
            return not isinstance(value, Decimal) or value.is_finite()
        if isinstance(value, float):
            return math.isfinite(value)
        if isinstance(value, str):
            try:
                return Decimal(value.strip()).is_finite()
            except InvalidOperation:
                return False
        return False
    if kind == "ENUM":
        if param.choices and all(isinstance(c, int) for c in param.choices):
            return isinstance(value, int) and not isinstance(value, bool)
        return isinstance(value, str)
    if kind == "ARRAY":
        return isinstance(value, list | tuple) and all(isinstance(v, str) for v in value)
    return False  # pragma: no cover - ParamType is closed


def _unknown(endpoint: Endpoint, name: str, known: list[str]) -> ValidationError:
    where = endpoint.key
    if name in _SESSION_PARAMS:
        return ValidationError(
            f"{where}: do not pass {name!r}, the client adds it when signing", param=name
        )
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    valid = ", ".join(known) if known else "none"
    return ValidationError(
        f"{where}: unknown parameter {name!r}{hint} (valid parameters: {valid})",
        param=name,
        choices=tuple(known),
    )


def _check_value(endpoint: Endpoint, param: Param, value: Any) -> Any:
    if isinstance(value, enum.Enum) and param.type == "ENUM":
        value = value.value
    if not _type_ok(param, value):
        raise ValidationError(
            f"{endpoint.key}: parameter {param.name!r} ({param.type}) must be "
            f"{_TYPE_WORDS[param.type]}, got {type(value).__name__} {value!r}",
            param=param.name,
        )
    if param.choices and value not in param.choices:
        choices = tuple(str(c) for c in param.choices)
        raise ValidationError(
            f"{endpoint.key}: parameter {param.name!r} must be one of "
            f"{', '.join(choices)}; got {value!r}",
            param=param.name,
            choices=choices,
        )
    return value


def validate(endpoint: Endpoint, params: Mapping[str, Any]) -> dict[str, Any]:
    """Check `params` against `endpoint`; return them without Nones, in catalogue order.

    Raises `ValidationError` (with ``param`` and, where relevant, ``choices``) for an unknown
    parameter, a missing mandatory one, a wrong type, a value outside the enum's choices, or a
    rule of the endpoint's registered extra checks.
    """
    allowed: dict[str, Param] = {p.name: p for p in endpoint.params}
    if endpoint.signed:
        allowed.setdefault(RECV_WINDOW.name, RECV_WINDOW)
    for name in params:
        if name not in allowed:
            raise _unknown(endpoint, name, list(allowed))
    out: dict[str, Any] = {}
    for name, param in allowed.items():
        value = params.get(name)
        if value is None:
            if param.mandatory:
                raise ValidationError(
                    f"{endpoint.key}: missing mandatory parameter {name!r}", param=name
                )
            continue
        out[name] = _check_value(endpoint, param, value)
    for check in _EXTRA_CHECKS.get((endpoint.family, endpoint.name), ()):
        check(endpoint, out)
    return out
