"""The shapes of the endpoint catalogue: frozen msgspec Structs decoded from ``catalogue.json``.

An `Endpoint` is pure data (method, path, security type, weight rules, parameters, response
model) plus a few cheap derived views used on every request: `Endpoint.signed`,
`Endpoint.needs_api_key`, `Endpoint.charges` (what the rate limiter must reserve) and
`Endpoint.render_path` (path parameters substituted).

Weight rules are a tagged union on ``kind``:

- ``fixed``: a constant weight;
- ``by_limit``: by the value of a ``limit``-like parameter, in steps (``GET /api/v3/depth``);
- ``by_symbols``: by how many symbols are asked for (``symbol``, ``symbols`` or neither, the
  all-symbols weight), in steps or per symbol with the all-symbols weight as the cap;
- ``by_presence``: one weight with a parameter, another without (``GET /api/v3/openOrders``).

Pools: ``REQUEST_WEIGHT`` (the /api IP weight), ``SAPI_IP`` and ``SAPI_UID`` (the /sapi IP and
UID weights) and ``ORDERS``, the order count, which `Endpoint.charges` expands into the two
limiter pools ``ORDERS_10S`` and ``ORDERS_1D``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, Protocol
from urllib.parse import quote

import msgspec

if TYPE_CHECKING:
    from ..filters import OrderContext

__all__ = [
    "ORDER_POOLS",
    "ByLimit",
    "ByPresence",
    "BySymbols",
    "Endpoint",
    "EndpointCaller",
    "Fixed",
    "Param",
    "ResponseCase",
    "WeightRule",
]

Method = Literal["GET", "POST", "PUT", "DELETE"]
Security = Literal["NONE", "MARKET_DATA", "USER_STREAM", "TRADE", "USER_DATA", "MARGIN"]
Pool = Literal["REQUEST_WEIGHT", "SAPI_IP", "SAPI_UID", "ORDERS"]
ParamType = Literal["STRING", "INT", "LONG", "DECIMAL", "BOOLEAN", "ENUM", "ARRAY"]

SIGNED_SECURITY: frozenset[str] = frozenset({"TRADE", "USER_DATA", "MARGIN"})
"""Security types that need a signature (USER_STREAM and MARKET_DATA only need the key)."""

ORDER_POOLS: tuple[str, str] = ("ORDERS_10S", "ORDERS_1D")
"""The limiter pools an ``ORDERS`` rule charges."""

_PATH_PARAM = re.compile(r"\{([A-Za-z0-9_]+)\}")


def _as_int(value: Any, default: int) -> int:
    if value is None or isinstance(value, bool):
        return default
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _symbol_count(value: Any) -> int:
    """How many symbols a ``symbols`` value names: a list, or its JSON text."""
    if value is None:
        return 0
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return 0
        try:
            decoded = msgspec.json.decode(text)
        except msgspec.DecodeError:
            return text.count(",") + 1
        return len(decoded) if isinstance(decoded, list) else 1
    try:
        return len(value)
    except TypeError:
        return 1


class Fixed(msgspec.Struct, frozen=True, tag="fixed", tag_field="kind"):
    """A constant weight."""

    pool: Pool
    weight: int

    def evaluate(self, params: Mapping[str, Any]) -> int:
        """The constant weight, whatever the parameters."""
        return self.weight

    def describe(self) -> str:
        """The weight as the docs state it (``"5"``)."""
        return str(self.weight)


class ByLimit(msgspec.Struct, frozen=True, tag="by_limit", tag_field="kind"):
    """Weight by a numeric parameter: the first step whose bound is >= the value.

    Values above the last bound cost the last step (the server truncates them).
    """

    pool: Pool
    steps: tuple[tuple[int, int], ...]
    default: int
    param: str = "limit"

    def evaluate(self, params: Mapping[str, Any]) -> int:
        """The weight of the first step whose bound covers the parameter (``default`` if absent)."""
        value = _as_int(params.get(self.param), self.default)
        for bound, weight in self.steps:
            if value <= bound:
                return weight
        return self.steps[-1][1]

    def describe(self) -> str:
        """The steps in words (``"5 for limit 1-100, ..."``)."""
        parts = []
        low = 1
        for bound, weight in self.steps:
            parts.append(f"{weight} for {self.param} {low}-{bound}")
            low = bound + 1
        return ", ".join(parts) + f" (default {self.param} {self.default})"


class BySymbols(msgspec.Struct, frozen=True, tag="by_symbols", tag_field="kind"):
    """Weight by the number of symbols asked for.

    ``symbol`` costs `single`; ``symbols`` with n entries costs the first step whose bound is
    >= n, or ``per_symbol * n`` when `per_symbol` is set; neither parameter (all symbols), or
    more symbols than the last step covers, costs `all_symbols`, which also caps `per_symbol`.
    """

    pool: Pool
    single: int
    all_symbols: int
    steps: tuple[tuple[int, int], ...] = ()
    per_symbol: int = 0

    def evaluate(self, params: Mapping[str, Any]) -> int:
        """The weight for ``symbols`` (per symbol or by steps), one ``symbol``, or all symbols."""
        count = _symbol_count(params.get("symbols"))
        if count:
            if self.per_symbol:
                return min(self.per_symbol * count, self.all_symbols)
            for bound, weight in self.steps:
                if count <= bound:
                    return weight
            return self.all_symbols
        if params.get("symbol") is not None:
            return self.single
        return self.all_symbols

    def describe(self) -> str:
        """The rule in words (one symbol, a symbols list, all symbols)."""
        parts = [f"{self.single} for one symbol"]
        if self.per_symbol:
            parts.append(f"{self.per_symbol} per symbol in symbols, at most {self.all_symbols}")
        elif self.steps:
            low = 1
            for bound, weight in self.steps:
                parts.append(f"{weight} for {low}-{bound} symbols")
                low = bound + 1
            parts.append(f"{self.all_symbols} for more")
        else:
            parts.append(f"{self.all_symbols} for a symbols list")
        parts.append(f"{self.all_symbols} for all symbols")
        return ", ".join(parts)


class ByPresence(msgspec.Struct, frozen=True, tag="by_presence", tag_field="kind"):
    """One weight when `param` is sent, another when it is omitted."""

    pool: Pool
    param: str
    present: int
    absent: int

    def evaluate(self, params: Mapping[str, Any]) -> int:
        """``present`` when the parameter is sent (not None), else ``absent``."""
        return self.present if params.get(self.param) is not None else self.absent

    def describe(self) -> str:
        """The rule in words (``"3 with symbol, 40 without"``)."""
        return f"{self.present} with {self.param}, {self.absent} without"


WeightRule = Fixed | ByLimit | BySymbols | ByPresence


class Param(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """One request parameter, named as on the wire (camelCase).

    ``ARRAY`` values are lists of strings, sent as compact JSON (``["BTCUSDT","BNBBTC"]``), or,
    when `explode` is set, as the key repeated once per item (``asset=BTC&asset=USDT``).
    `location` is ``path`` for parameters substituted into the path template.
    """

    name: str
    type: ParamType
    mandatory: bool = False
    default: str | int | bool | None = None
    choices: tuple[str | int, ...] = ()
    location: Literal["query", "path"] = "query"
    explode: bool = False
    description: str = ""


class ResponseCase(msgspec.Struct, frozen=True, kw_only=True):
    """The response model when parameter `param` equals `equals` (first match wins)."""

    param: str
    equals: str | int
    response: str


class Endpoint(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """One REST endpoint of the catalogue.

    `response` names the response model as a type expression over ``models`` (e.g.
    ``"list[models.Trade]"``), resolved lazily by `response_type`; `response_cases` pick
    another model by a parameter's value (``newOrderRespType``, ``type=MINI``). `envelope`
    ``"copy_leader"`` means the body arrives as ``{"code":200,"msg":"success","data":...}``.
    `body` ``"json"`` means the parameters go in a JSON request body (``recvWindow``,
    ``timestamp`` and ``signature`` stay in the query string). `order_filters` marks the
    order-placing endpoints whose typed methods take ``validate=`` (client-side exchange filter
    checks, see `binance_async.rest.filters`): ``"order"`` (one order), ``"oco"`` (the legacy
    OCO pair) or ``"cancel_replace"`` (one new order replacing one open order).
    `seed_path` is the seed's spelling where today's exchange serves the endpoint at another
    path (`path`, which the client sends); both are looked up and both are served by the sim.
    """

    family: str
    name: str
    method: Method
    path: str
    security: Security
    title: str
    seed: str
    weights: tuple[WeightRule, ...]
    params: tuple[Param, ...] = ()
    response: str | None = None
    response_cases: tuple[ResponseCase, ...] = ()
    body: Literal["query", "json"] = "query"
    envelope: Literal["copy_leader"] | None = None
    data_source: str | None = None
    note: str = ""
    order_filters: Literal["order", "oco", "cancel_replace"] | None = None
    seed_path: str | None = None

    @property
    def key(self) -> str:
        """``"GET /api/v3/depth"``."""
        return f"{self.method} {self.path}"

    @property
    def paths(self) -> tuple[str, ...]:
        """Every path this endpoint answers at: `path`, then `seed_path` if it differs."""
        return (self.path, self.seed_path) if self.seed_path else (self.path,)

    @property
    def signed(self) -> bool:
        """Whether requests carry ``timestamp`` and ``signature`` (TRADE, USER_DATA, MARGIN)."""
        return self.security in SIGNED_SECURITY

    @property
    def needs_api_key(self) -> bool:
        """Whether requests carry the ``X-MBX-APIKEY`` header (every type but NONE)."""
        return self.security != "NONE"

    @property
    def counts_as_order(self) -> bool:
        """Whether the endpoint charges the ORDERS_10S / ORDERS_1D order-count pools."""
        return any(rule.pool == "ORDERS" for rule in self.weights)

    @property
    def path_params(self) -> tuple[str, ...]:
        """Names of the ``{param}`` placeholders in the path."""
        return tuple(_PATH_PARAM.findall(self.path))

    def param(self, name: str) -> Param | None:
        """The parameter called `name`, or None."""
        for p in self.params:
            if p.name == name:
                return p
        return None

    def charges(self, params: Mapping[str, Any]) -> tuple[tuple[str, int], ...]:
        """The (pool, weight) pairs to reserve for a call with `params`."""
        out: list[tuple[str, int]] = []
        for rule in self.weights:
            weight = rule.evaluate(params)
            if rule.pool == "ORDERS":
                out.extend((pool, weight) for pool in ORDER_POOLS)
            else:
                out.append((rule.pool, weight))
        return tuple(out)

    def weight_text(self) -> str:
        """The weight rules in words, e.g. ``"REQUEST_WEIGHT 10"``."""
        return "; ".join(f"{rule.pool} {rule.describe()}" for rule in self.weights)

    def describe(self) -> dict[str, Any]:
        """A plain-data summary (for listings and ``--json`` output)."""
        return {
            "family": self.family,
            "name": self.name,
            "method": self.method,
            "path": self.path,
            "security": self.security,
            "signed": self.signed,
            "weight": self.weight_text(),
            "title": self.title,
            "params": [p.name for p in self.params],
            "mandatory": [p.name for p in self.params if p.mandatory],
            "response": self.response,
        }

    def render_path(self, params: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
        """Substitute path parameters; return the concrete path and the remaining parameters."""
        rest = dict(params)
        if "{" not in self.path:
            return self.path, rest

        def sub(match: re.Match[str]) -> str:
            name = match.group(1)
            value = rest.pop(name, None)
            if value is None:
                from ...errors import ValidationError

                raise ValidationError(
                    f"{self.key}: missing path parameter {name!r}", param=name
                )
            return quote(str(value), safe="")

        return _PATH_PARAM.sub(sub, self.path), rest

    def path_values(self, path: str) -> dict[str, str] | None:
        """The path parameters a concrete `path` gives, or None if it does not match.

        ``/api/v2/copy-trading/leader/followers/123`` -> ``{"followerUserId": "123"}``
        (percent-decoded). A placeholder left as is (``{followerUserId}``) is not a value.
        """
        from urllib.parse import unquote

        if "{" not in self.path:
            return {} if path == self.path else None
        pattern = ""
        last = 0
        for match in _PATH_PARAM.finditer(self.path):
            pattern += re.escape(self.path[last : match.start()])
            pattern += f"(?P<{match.group(1)}>[^/]+)"
            last = match.end()
        pattern += re.escape(self.path[last:])
        found = re.fullmatch(pattern, path)
        if found is None:
            return None
        return {
            name: unquote(value)
            for name, value in found.groupdict().items()
            if value != "{" + name + "}"
        }

    def response_expr(self, params: Mapping[str, Any] | None = None) -> str | None:
        """The response type expression for a call with `params` (cases first)."""
        if params is not None:
            for case in self.response_cases:
                if params.get(case.param) == case.equals:
                    return case.response
        return self.response

    def response_type(self, params: Mapping[str, Any] | None = None) -> Any:
        """The response model (a msgspec type) for a call with `params`, None for raw JSON.

        Without `params`, the default model: for new orders that is the ACK shape, which the
        RESULT and FULL bodies also decode into, so pass the call's parameters to get more.
        """
        expr = self.response_expr(params)
        return None if expr is None else resolve_response(expr)


class EndpointCaller(Protocol):
    """What the typed API classes need from a client: `Client.call_endpoint`."""

    async def call_endpoint(
        self,
        endpoint: Endpoint,
        params: Mapping[str, Any],
        *,
        validate: bool | OrderContext = False,
    ) -> Any:
        """Validate, sign, charge, send and decode one call of `endpoint`.

        `validate` (order-placing endpoints only) checks the order against the symbol's
        exchange filters first; an `OrderContext` adds what the filters need beyond
        ``exchangeInfo`` (reference price, open-order counts, position).
        """
        ...


_TERM = re.compile(r"^(list\[)?models\.([A-Za-z0-9_]+)(\])?$")
_NONE_TYPE: Any = type(None)


@functools.cache
def resolve_response(expr: str) -> Any:
    """Resolve a response type expression such as ``"list[models.Trade]"`` (cached).

    The grammar is deliberately tiny: terms ``models.Name``, ``list[models.Name]`` or ``None``
    (the body must be JSON ``null``) joined by ``|``. Raises ValueError for anything else and
    AttributeError for an unknown model.
    """
    from ... import models

    resolved: Any = None
    for term in expr.split("|"):
        if term.strip() == "None":
            resolved = _NONE_TYPE if resolved is None else resolved | None
            continue
        match = _TERM.match(term.strip())
        if match is None or bool(match.group(1)) != bool(match.group(3)):
            raise ValueError(f"bad response type expression: {expr!r}")
        tp: Any = getattr(models, match.group(2))
        if match.group(1):
            tp = list[tp]
        resolved = tp if resolved is None else resolved | tp
    return resolved
