"""The endpoint catalogue: one source of truth for paths, security, weights and parameters.

The catalogue is data: ``catalogue.json`` (shipped with the package) lists all 248 REST
endpoints of the seed documents, decoded once, on first use, into frozen `Endpoint` Structs
(see `binance_async.rest.endpoints.spec`). It feeds the REST session (signing, weights), the
typed API classes in `binance_async.rest.api` (generated from it by
``python -m binance_async.rest.endpoints.codegen``) and client-side validation.

- ``lookup(method, path) -> Endpoint | None``: path without query; templates such as
  ``/api/v2/copy-trading/leader/followers/{followerUserId}`` match concrete paths.
- ``get(family, name) -> Endpoint``: e.g. ``get("market", "depth")``; KeyError if unknown.
- ``all_endpoints()``, ``families()``, ``by_family(family)``.
- ``validate(endpoint, params) -> dict``: raises `binance_async.errors.ValidationError`
  (catalogue checks, then the extra rules of `binance_async.rest.endpoints.rules`).
- ``Endpoint.signed``, ``.needs_api_key``, ``.charges(params)`` ((pool, weight) pairs),
  ``.render_path(params)``, ``.response_type(params)``.

Families follow the seed's sections: market, trade, user_stream, wallet, sub_account, margin,
savings, staking, mining, futures, futures_algo, portfolio_margin, blvt, bswap, fiat, c2c,
crypto_loans, pay, convert, rebate, nft, gift_card (Binance Code), copy_trading (the two SAPI
copy-trading endpoints) and copy_leader (copy-trading leader API v2).
"""

from __future__ import annotations

import functools
import importlib.resources
import re

import msgspec

from . import rules as _rules  # noqa: F401  (registers the extra checks)
from .spec import (
    ORDER_POOLS,
    ByLimit,
    ByPresence,
    BySymbols,
    Endpoint,
    EndpointCaller,
    Fixed,
    Param,
    ResponseCase,
    WeightRule,
)
from .validate import RECV_WINDOW, validate

__all__ = [
    "ORDER_POOLS",
    "RECV_WINDOW",
    "ByLimit",
    "ByPresence",
    "BySymbols",
    "Catalogue",
    "Endpoint",
    "EndpointCaller",
    "Fixed",
    "Param",
    "ResponseCase",
    "WeightRule",
    "all_endpoints",
    "by_family",
    "catalogue",
    "families",
    "get",
    "load_catalogue",
    "lookup",
    "validate",
]

CATALOGUE_FILE = "catalogue.json"


class _CatalogueFile(msgspec.Struct, frozen=True):
    format: int
    endpoints: tuple[Endpoint, ...]
    about: str = ""


class Catalogue:
    """Indexed, immutable view of the endpoints (by method + path, by family + name)."""

    def __init__(self, endpoints: tuple[Endpoint, ...]) -> None:
        self.endpoints = endpoints
        self._by_route: dict[tuple[str, str], Endpoint] = {}
        self._by_name: dict[tuple[str, str], Endpoint] = {}
        self._templates: list[tuple[str, re.Pattern[str], Endpoint]] = []
        self._families: dict[str, tuple[Endpoint, ...]] = {}
        grouped: dict[str, list[Endpoint]] = {}
        for ep in endpoints:
            for path in ep.paths:
                if (ep.method, path) in self._by_route:
                    raise ValueError(f"duplicate endpoint {ep.key}")
                self._by_route[(ep.method, path)] = ep
            if (ep.family, ep.name) in self._by_name:
                raise ValueError(f"duplicate name {ep.family}.{ep.name}")
            self._by_name[(ep.family, ep.name)] = ep
            grouped.setdefault(ep.family, []).append(ep)
            if "{" in ep.path:
                pattern = re.escape(ep.path).replace(r"\{", "{").replace(r"\}", "}")
                pattern = re.sub(r"\{[A-Za-z0-9_]+\}", r"[^/]+", pattern)
                self._templates.append((ep.method, re.compile(f"^{pattern}$"), ep))
        self._families = {name: tuple(eps) for name, eps in grouped.items()}

    def lookup(self, method: str, path: str) -> Endpoint | None:
        """The endpoint serving ``method path`` (query ignored, templates matched), or None."""
        path = path.split("?", 1)[0]
        method = method.upper()
        ep = self._by_route.get((method, path))
        if ep is not None:
            return ep
        for tmethod, pattern, tep in self._templates:
            if tmethod == method and pattern.match(path):
                return tep
        return None

    def get(self, family: str, name: str) -> Endpoint:
        """The endpoint ``family.name``; KeyError when the catalogue has none."""
        try:
            return self._by_name[(family, name)]
        except KeyError:
            raise KeyError(f"no endpoint {family}.{name} in the catalogue") from None

    def families(self) -> tuple[str, ...]:
        """The family names (``market``...), in order of first appearance in the catalogue."""
        return tuple(self._families)

    def by_family(self, family: str) -> tuple[Endpoint, ...]:
        """The endpoints of ``family``, in catalogue order (empty for an unknown family)."""
        return self._families.get(family, ())


def load_catalogue(data: bytes | None = None) -> Catalogue:
    """Decode a catalogue (the shipped ``catalogue.json`` by default) and index it."""
    if data is None:
        data = importlib.resources.files(__package__).joinpath(CATALOGUE_FILE).read_bytes()
    decoded = msgspec.json.decode(data, type=_CatalogueFile)
    return Catalogue(decoded.endpoints)


@functools.cache
def catalogue() -> Catalogue:
    """The shipped catalogue, loaded once."""
    return load_catalogue()


def lookup(method: str, path: str) -> Endpoint | None:
    """The catalogue entry for a method and path (no query string), or None."""
    return catalogue().lookup(method, path)


def get(family: str, name: str) -> Endpoint:
    """The entry named `name` in `family`, e.g. ``get("market", "depth")``."""
    return catalogue().get(family, name)


def all_endpoints() -> tuple[Endpoint, ...]:
    """Every entry, grouped by family."""
    return catalogue().endpoints


def families() -> tuple[str, ...]:
    """The family names, in catalogue order."""
    return catalogue().families()


def by_family(family: str) -> tuple[Endpoint, ...]:
    """The entries of one family (empty if unknown)."""
    return catalogue().by_family(family)
