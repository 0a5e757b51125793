"""Raw HTTP helpers for the local exchange tests: exact bytes in, status/JSON/headers out."""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

import aiohttp
from yarl import URL

from binance_async.rest.endpoints import Endpoint
from binance_async.sim import LocalExchange


@dataclass
class Reply:
    status: int
    body: Any
    headers: dict[str, str]
    text: str

    @property
    def code(self) -> Any:
        return self.body.get("code") if isinstance(self.body, dict) else None

    @property
    def msg(self) -> Any:
        return self.body.get("msg") if isinstance(self.body, dict) else None


def hmac_hex(secret: str, payload: str) -> str:
    return hmac.new(secret.encode(), payload.encode(), hashlib.sha256).hexdigest()


async def send(
    ex: LocalExchange,
    method: str,
    path: str,
    query: str = "",
    *,
    body: bytes | str | None = None,
    headers: dict[str, str] | None = None,
    api_key: str | None = None,
    content_type: str = "application/x-www-form-urlencoded",
) -> Reply:
    """Send exactly `query` / `body` (no re-encoding) and return the reply."""
    h = dict(headers or {})
    if api_key is not None:
        h["X-MBX-APIKEY"] = api_key
    data = body.encode() if isinstance(body, str) else body
    if data is not None:
        h.setdefault("Content-Type", content_type)
    url = ex.rest_url + path + (f"?{query}" if query else "")
    async with aiohttp.ClientSession() as s, s.request(
        method, URL(url, encoded=True), data=data, headers=h
    ) as r:
        text = await r.text()
        try:
            parsed = json.loads(text)
        except ValueError:
            parsed = None
        return Reply(r.status, parsed, dict(r.headers), text)


async def signed(
    ex: LocalExchange,
    method: str,
    path: str,
    params: dict[str, Any] | None = None,
    *,
    api_key: str | None = None,
    secret: str | None = None,
    timestamp: int | None = None,
    recv_window: Any = None,
    in_body: bool = False,
) -> Reply:
    """A HMAC-signed request with the demo key (or the given one), signature last."""
    items = [(k, str(v)) for k, v in (params or {}).items()]
    if recv_window is not None:
        items.append(("recvWindow", str(recv_window)))
    items.append(("timestamp", str(ex.clock.now_ms() if timestamp is None else timestamp)))
    encoded = urlencode(items, quote_via=quote, safe="")
    sig = hmac_hex(secret or ex.api_secret, encoded)
    full = f"{encoded}&signature={sig}"
    key = api_key or ex.api_key
    if in_body:
        return await send(ex, method, path, body=full, api_key=key)
    return await send(ex, method, path, full, api_key=key)


def minimal_params(ep: Endpoint, ex: LocalExchange) -> dict[str, Any]:
    """The mandatory parameters of `ep` with plausible values from the catalogue's specs."""
    out: dict[str, Any] = {}
    for p in ep.params:
        if not p.mandatory or p.location == "path":
            continue
        if p.choices:
            out[p.name] = p.choices[0]
        elif p.name == "symbol":
            out[p.name] = "BTCUSDT"
        elif p.type in ("INT", "LONG"):
            out[p.name] = 1 if "Time" not in p.name else ex.clock.now_ms() - 60_000
        elif p.type == "DECIMAL":
            out[p.name] = "1"
        elif p.type == "BOOLEAN":
            out[p.name] = "true"
        elif p.type == "ARRAY":
            out[p.name] = '["BTCUSDT"]' if not p.explode else "BTC"
        else:
            out[p.name] = "BTC" if "asset" in p.name.lower() or "coin" in p.name.lower() else "x1"
    return out


async def wait_for_trades(ex: LocalExchange, symbol: str = "BTCUSDT", within: float = 3.0) -> None:
    """Wait until the synthetic flow has traded `symbol` at least once."""
    import asyncio

    for _ in range(int(within / 0.02)):
        if ex.engine.markets[symbol].md.last_price:
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"no trade on {symbol} within {within} s")
