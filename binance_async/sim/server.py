"""`LocalExchange`: a Binance-compatible REST + WebSocket server on aiohttp.web, backed by the
sim `Engine`.

::

    async with LocalExchange(symbols=["BTCUSDT", "ETHUSDT"], seed=1) as ex:
        async with Client(ex.api_key, ex.api_secret, base_url=ex.rest_url) as client:
            print(await client.market.depth("BTCUSDT", limit=5))

It binds 127.0.0.1 on a free port by default and never connects anywhere. While it runs, a
background task (owned by the ``async with`` / `start` ... `stop`) advances the seeded
`SyntheticFlow` every ~75 ms of wall time, so books, trades and klines move. All time comes
from one `SimClock` (``ex.clock``): tests jump it forward to expire listenKeys or reset
rate-limit windows.

The demo account ``"demo"`` has generous balances and is a copy-trading leader; its keys:
``api_key`` / ``api_secret`` (HMAC), ``rsa_api_key`` + ``rsa_private_key_pem``,
``ed25519_api_key`` + ``ed25519_private_key_pem``, and a read-only HMAC key
``read_only_api_key`` / ``read_only_api_secret``. `create_api_key` makes more (other accounts,
your own public keys).

WebSocket (same port): market streams and listenKey user streams at ``ex.ws_url``
(``/ws/<stream>``, ``/stream?streams=a/b``; `ws_streams`, `stream_sources`, `user_streams`),
the WebSocket API at ``ex.ws_api_url`` (`ws_api`), with the exchange's connection rules
(``ws_limits``, `ws_conn.WsLimits`). ``ex.faults`` injects faults (`faults`, also at
``POST /_sim/faults/<name>``); ``ex.true_book(symbol, update_id)`` and ``GET /_sim/book`` give
the ground truth. ``speed=60`` runs simulated time 60x faster: listenKey validity, connection
lifetime, pings, bans, kline and ticker windows all follow ``ex.clock``.

Many symbols: the flow's per-symbol rate and book depth scale down with the symbol count
(``flow_rate`` overrides the rate, ``flow`` the whole config) and, past 64 symbols, the books
beyond the first 64 are seeded by the background task in chunks, so even 1,500 symbols start
in a fraction of a second; ``await ex.wait_ready()`` waits until every book is seeded.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from aiohttp import web

from ._web import start_site
from .clock import SimClock
from .copy_leader import CopyTradingDesk
from .engine import BookSnapshot, Engine
from .faults import Faults
from .flow import FlowConfig, SyntheticFlow
from .limits import ServerLimits, SimLimits
from .listen_keys import ListenKeys
from .rest_routes import RestApi
from .security import ApiKey, KeyStore, KeyType
from .stream_sources import MarketSources
from .symbols import (
    SymbolSpec,
    load_exchange_info,
    symbols_from_exchange_info,
    synthetic_symbols,
)
from .user_streams import UserStreams
from .ws_api import WsApi
from .ws_conn import WsCore, WsLimits
from .ws_streams import StreamHub

__all__ = ["DEFAULT_SYMBOLS", "LocalExchange", "make_app"]

log = logging.getLogger("binance_async.sim")

DEFAULT_SYMBOLS = ("BTCUSDT", "ETHUSDT")
DEMO_ACCOUNT = "demo"
_SYNC_SEED = 64  # books seeded before start() returns; the rest in the background
_CHUNK = 200
_MAX_CATCH_UP_MS = 2_000
_NOT_FOUND = b"<html><body><h2>404 Not found</h2></body></html>"


def _auto_flow(n: int, rate: float | None) -> FlowConfig:
    """Flow knobs for `n` symbols: ~4,000 actions/s in all, books 10-300 levels deep."""
    per_symbol = rate if rate else min(200.0, max(1.0, 4000.0 / max(n, 1)))
    depth = 300 if n <= 20 else max(10, min(300, 6000 // n))
    return FlowConfig(rate=per_symbol, depth_levels=depth)



class LocalExchange:
    """A local Binance: REST on aiohttp, state in an `Engine`, synthetic order flow.

    `symbols`: names (well-known ones get realistic prices, made-up ones sensible rules), a
    count N (``SYM0001USDT``...), or None for BTCUSDT and ETHUSDT (or, with `exchange_info`,
    every symbol of that file). `exchange_info`: a recorded exchangeInfo (path or parsed
    dict) whose symbols and filters the exchange adopts. `flow_rate`: actions per second per
    symbol (0: books are seeded once and never move). `limits`: the rate limits enforced.
    """

    def __init__(
        self,
        symbols: Sequence[str] | int | None = None,
        *,
        seed: int = 1,
        host: str = "127.0.0.1",
        port: int = 0,
        flow_rate: float | None = None,
        flow: FlowConfig | None = None,
        exchange_info: str | Path | Mapping[str, Any] | None = None,
        limits: SimLimits | None = None,
        clock: SimClock | None = None,
        tick_seconds: float = 0.075,
        speed: float | None = None,
        ws_limits: WsLimits | None = None,
        strict_symbols: bool = False,
    ) -> None:
        self.seed = seed
        self.host = host
        self.port = port
        self.clock = clock or SimClock(speed=speed or 1.0)
        if clock is not None and speed is not None:
            self.clock.speed = speed
        self.limits = limits or SimLimits()
        self.tick_seconds = tick_seconds
        now = self.clock.now_ms()
        specs, self._raw_symbols = self._specs(symbols, exchange_info, seed)
        self.engine = Engine(specs, seed=seed, rate_limits=self.limits.rate_limits_json(),
                             now_ms=now)  # fmt: skip
        self.server_limits = ServerLimits(self.limits)
        self.keys = KeyStore(seed)
        self.listen_keys = ListenKeys(seed)
        # WebSocket side: one connection registry, the market / listenKey stream hub
        self.ws = WsCore(self.clock, ws_limits, self.server_limits)
        self.user_streams = UserStreams(self)
        self.market_sources = MarketSources(self.engine, strict_symbols=strict_symbols,
                                            user=self.user_streams)  # fmt: skip
        self.streams = StreamHub(self.ws, self.market_sources)
        self.user_streams.hub = self.streams
        self.ws.pumps.append(self.streams.pump)
        self.ws_api = WsApi(self)
        self.copy_trading = CopyTradingDesk(seed)
        self.copy_trading.add_leader(DEMO_ACCOUNT, now)
        self._hooked: set[str] = set()
        self._hmac = self.create_api_key(DEMO_ACCOUNT, "HMAC", label="demo HMAC")
        self._rsa = self.create_api_key(DEMO_ACCOUNT, "RSA", label="demo RSA")
        self._ed25519 = self.create_api_key(DEMO_ACCOUNT, "ED25519", label="demo Ed25519")
        self._read_only = self.create_api_key(DEMO_ACCOUNT, "HMAC", can_trade=False,
                                              label="demo read-only")  # fmt: skip
        trading = [s.symbol for s in specs if self.engine.markets[s.symbol].trading]
        self.flow_rate = flow_rate
        self.flow_config = flow or _auto_flow(len(trading), flow_rate)
        self.flows: list[SyntheticFlow] = []
        self._pending = [trading[i : i + _CHUNK] for i in range(_SYNC_SEED, len(trading), _CHUNK)]
        self._first = trading[:_SYNC_SEED]
        self._ready = asyncio.Event()
        self._symbol_json: dict[str, dict[str, Any]] = {}
        self.responses: dict[int, int] = {}
        self.rest = RestApi(self)
        self.faults = Faults(self)
        self.app = make_app(self)
        self._runner: web.AppRunner | None = None
        self._task: asyncio.Task[None] | None = None

    # --- construction helpers -------------------------------------------------------------------

    @staticmethod
    def _specs(
        symbols: Sequence[str] | int | None,
        exchange_info: str | Path | Mapping[str, Any] | None,
        seed: int,
    ) -> tuple[list[SymbolSpec], dict[str, dict[str, Any]]]:
        if exchange_info is None:
            names: Sequence[str] | int = DEFAULT_SYMBOLS if symbols is None else symbols
            if isinstance(names, str):
                names = [names]
            return synthetic_symbols(names, seed), {}
        data = (load_exchange_info(exchange_info) if isinstance(exchange_info, str | Path)
                else dict(exchange_info))  # fmt: skip
        raw = {s["symbol"]: s for s in data["symbols"]}
        specs = symbols_from_exchange_info(data)
        if symbols is not None:
            wanted = list(raw)[:symbols] if isinstance(symbols, int) else list(symbols)
            unknown = [s for s in wanted if s not in raw]
            if unknown:
                raise ValueError(f"not in the exchangeInfo: {', '.join(unknown[:5])}")
            keep = set(wanted)
            specs = [s for s in specs if s.symbol in keep]
        return specs, raw

    # --- keys -----------------------------------------------------------------------------------

    def create_api_key(
        self,
        account_id: str = DEMO_ACCOUNT,
        key_type: KeyType = "HMAC",
        *,
        can_trade: bool = True,
        label: str = "",
        balances: Mapping[str, Decimal | str | int] | None = None,
        public_key_pem: bytes | str | None = None,
    ) -> ApiKey:
        """A new API key for `account_id` (created, with `balances`, if new to the engine)."""
        if account_id not in self.engine.accounts or balances:
            self.engine.create_account(account_id, balances)
        if account_id not in self._hooked:
            self._hooked.add(account_id)
            self.engine.subscribe_user(account_id, self._order_events(account_id))
        return self.keys.create(account_id, key_type, can_trade=can_trade, label=label,
                                public_key_pem=public_key_pem)  # fmt: skip

    def _order_events(self, account_id: str) -> Any:
        limits = self.server_limits
        clock = self.clock

        def on_event(ev: dict[str, Any]) -> None:
            # an order's first fill gives one back to the unfilled order count
            if (
                ev.get("e") == "executionReport"
                and ev.get("x") == "TRADE"
                and Decimal(ev["z"]) == Decimal(ev["l"])
            ):
                limits.order_filled(account_id, clock.now_ms())

        return on_event

    @property
    def api_key(self) -> str:
        """The demo account's HMAC API key."""
        return self._hmac.api_key

    @property
    def api_secret(self) -> str:
        """The secret of `api_key`."""
        assert self._hmac.secret is not None
        return self._hmac.secret

    @property
    def rsa_api_key(self) -> str:
        """The demo account's RSA API key (its private key: `rsa_private_key_pem`)."""
        return self._rsa.api_key

    @property
    def rsa_private_key_pem(self) -> str:
        """The demo RSA key (PKCS#8 PEM, 2048 bits; generated on first use)."""
        pem = self._rsa.private_key_pem
        assert pem is not None
        return pem

    @property
    def ed25519_api_key(self) -> str:
        """The demo account's Ed25519 API key (its private key: `ed25519_private_key_pem`)."""
        return self._ed25519.api_key

    @property
    def ed25519_private_key_pem(self) -> str:
        """The demo Ed25519 key (PKCS#8 PEM)."""
        pem = self._ed25519.private_key_pem
        assert pem is not None
        return pem

    @property
    def read_only_api_key(self) -> str:
        """The demo account's read-only HMAC API key (trading refused)."""
        return self._read_only.api_key

    @property
    def read_only_api_secret(self) -> str:
        """The secret of `read_only_api_key`."""
        assert self._read_only.secret is not None
        return self._read_only.secret

    # --- URLs -----------------------------------------------------------------------------------

    @property
    def rest_url(self) -> str:
        """``http://127.0.0.1:PORT``: ``/api/...`` and ``/sapi/...`` live under it."""
        if self._runner is None:
            raise RuntimeError("the exchange is not started: use 'async with' or start()")
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def ws_url(self) -> str:
        """``ws://127.0.0.1:PORT``: the stream base (``/ws/<stream>``, ``/stream?streams=``)."""
        return "ws" + self.rest_url[4:]

    @property
    def ws_api_url(self) -> str:
        """``ws://127.0.0.1:PORT/ws-api/v3``: the WebSocket API."""
        return self.ws_url + "/ws-api/v3"

    # --- ground truth ---------------------------------------------------------------------------

    def true_book(self, symbol: str, update_id: int | None = None) -> BookSnapshot:
        """The exact book of `symbol` at `update_id` (default: now), every level, as Decimals.

        `HistoryUnavailable` when the id is older than the book's retention (or in the future).
        """
        return self.engine.true_book(symbol, update_id)

    # --- exchangeInfo -------------------------------------------------------------------------

    def exchange_info_body(
        self, now_ms: int, symbols: Sequence[str] | None = None,
        permissions: Sequence[str] | None = None,
    ) -> dict[str, Any]:  # fmt: skip
        """``GET /api/v3/exchangeInfo``: the configured rate limits, the (filtered) symbols."""
        names = list(self.engine.markets) if symbols is None else list(symbols)
        out = []
        wanted = set(permissions or ())
        for name in names:
            js = self._symbol_json.get(name)
            if js is None:
                js = self._raw_symbols.get(name) or self.engine.markets[name].spec.to_json()
                self._symbol_json[name] = js
            if wanted:
                perms = set(js.get("permissions") or ())
                for group in js.get("permissionSets") or ():
                    perms.update(group)
                if not perms & wanted:
                    continue
            out.append(js)
        return {
            "timezone": "UTC",
            "serverTime": now_ms,
            "rateLimits": self.limits.rate_limits_json(),
            "exchangeFilters": [],
            "symbols": out,
        }

    # --- lifecycle ------------------------------------------------------------------------------

    async def __aenter__(self) -> LocalExchange:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def started(self) -> bool:
        """Whether the server is bound (between `start` and `stop`)."""
        return self._runner is not None

    async def start(self) -> None:
        """Seed the first books, bind the server, start the flow task."""
        if self._runner is not None:
            raise RuntimeError("LocalExchange already started")
        self._ready = asyncio.Event()
        if self._first and not self.flows:
            self._add_flow(self._first)
        self._runner, self.port = await start_site(self.app, self.host, self.port)
        if not self._pending:
            self._ready.set()
        self._task = asyncio.create_task(self._run(), name="binance_async.sim flow")
        self.ws.start()

    async def stop(self) -> None:
        """Stop the flow task and the server. Idempotent."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.ws.stop()
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    async def wait_ready(self) -> None:
        """Wait until every symbol's book is seeded (immediate up to 64 symbols)."""
        await self._ready.wait()

    def _add_flow(self, names: list[str]) -> None:
        self.flows.append(SyntheticFlow(self.engine, names, seed=self.seed,
                                        config=self.flow_config,
                                        start_ms=self.clock.now_ms()))  # fmt: skip

    async def _run(self) -> None:
        try:
            await self._loop()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("the local exchange's flow task failed; books stop moving")
            raise

    async def _loop(self) -> None:
        moving = self.flow_rate != 0
        while True:
            if self._pending:
                self._add_flow(self._pending.pop(0))
                if not self._pending:
                    self.exchange_info_body(self.clock.now_ms())  # warm the symbol cache
                    self._ready.set()
            now = self.clock.now_ms()
            if moving:
                for flow in self.flows:
                    if now - flow.now > _MAX_CATCH_UP_MS:
                        _skip_ahead(flow, now - _MAX_CATCH_UP_MS // 2)
                    flow.advance(now)
            self.listen_keys.expire_due(now)
            await asyncio.sleep(0 if self._pending else self.tick_seconds)

    def statistics(self) -> dict[str, Any]:
        """Requests served (by HTTP status), flow actions, keys and limits refusals."""
        return {
            "requests": self.rest.requests,
            "responses": dict(sorted(self.responses.items())),
            "flow_actions": sum(f.actions for f in self.flows),
            "symbols": len(self.engine.markets),
            "api_keys": len(self.keys),
            "refused_429": self.server_limits.refused_429,
            "refused_418": self.server_limits.refused_418,
            "ws": {
                **self.ws.statistics(),
                **self.streams.statistics(),
                "ws_api_requests": self.ws_api.requests,
                "user_events": self.user_streams.events,
                "faults_injected": self.faults.injected,
            },
        }

    def __repr__(self) -> str:
        where = self.rest_url if self._runner is not None else "stopped"
        return f"LocalExchange({len(self.engine.markets)} symbols, seed={self.seed}, {where})"


def _skip_ahead(flow: SyntheticFlow, t: int) -> None:
    """Reschedule a flow that fell far behind (the clock jumped) so it resumes at `t` instead of
    replaying every missed action (an hour at 200 actions/s per symbol would stall the loop)."""
    heap = [(max(due, t), i) for due, i in flow._heap]
    flow._heap = sorted(heap)
    for due, i in heap:
        st = flow._syms[i]
        st.next_t = due
        st.last_mm = max(st.last_mm, t)
    flow.now = max(flow.now, t)


@web.middleware
async def _not_found(request: web.Request, handler: Any) -> web.StreamResponse:
    """404 / 405 like the exchange's front end (an HTML body), with the weight headers."""
    try:
        response: web.StreamResponse = await handler(request)
        return response
    except web.HTTPException as exc:
        if exc.status not in (404, 405):
            raise
        ex: LocalExchange = request.app[_EXCHANGE]
        now = ex.clock.now_ms()
        headers = dict(ex.server_limits.weight_headers(request.remote or "unknown", now))
        if "Allow" in exc.headers:
            headers["Allow"] = exc.headers["Allow"]
        ex.responses[exc.status] = ex.responses.get(exc.status, 0) + 1
        body = _NOT_FOUND if exc.status == 404 else b""
        return web.Response(status=exc.status, body=body, headers=headers,
                            content_type="text/html" if body else None)  # fmt: skip


_EXCHANGE: web.AppKey[Any] = web.AppKey("binance_async.sim.exchange")


def make_app(ex: LocalExchange) -> web.Application:
    """The aiohttp application of `ex`: every catalogue route, plus Binance-like 404 / 405, the
    WebSocket endpoints (``/ws``, ``/stream``, ``/ws-api/v3``) and the ``/_sim`` control routes."""
    app = web.Application(middlewares=[_not_found, ex.faults.middleware], client_max_size=1 << 20)
    app[_EXCHANGE] = ex
    ex.rest.add_routes(app)
    ex.streams.add_routes(app)
    ex.ws_api.add_routes(app)
    ex.faults.add_routes(app)
    return app
