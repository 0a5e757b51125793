"""``binance_async.sim``: a local Binance-compatible exchange.

The core (`Engine`, `SyntheticFlow`, ...) is the exchange itself, with no networking; the REST
layer (`LocalExchange`, aiohttp.web) sits on top and only translates requests into calls on
`Engine`, with the real exchange's security, parameter checks and rate limits.

::

    LocalExchange               REST + WebSocket server: routes, keys, limits, listenKeys,
                                copy trading, market streams, user data, the WebSocket API
    ├── WsCore / WsLimits       connections: attempts, message rate, ping/pong, lifetime
    ├── StreamHub               /ws, /stream: control messages, fan-out (MarketSources)
    ├── UserStreams             listenKey streams, account event fan-out
    ├── WsApi                   /ws-api/v3: session logon, orders, user-data subscriptions
    └── Faults                  faults on demand (+ /_sim/faults/<name>, /_sim/book)
    ReplayServer                a recorded capture served as streams + /api/v3/depth

::

    Engine                      symbols, accounts, matching, market data, user events
    ├── Market                  per symbol: Book (levels + change log), MarketData, stops
    ├── Account                 balances (free/locked), open orders, bounded history
    └── StreamCursor            incremental reads for the market streams
    SyntheticFlow               seeded market maker + noise traders: `advance(now_ms)`
    SymbolSpec                  trading rules; synthetic_symbols(), symbols_from_exchange_info()
    SimError                    Binance code/msg/HTTP status of a rejected request

Quick start (a server)::

    async with LocalExchange(symbols=["BTCUSDT", "ETHUSDT"], seed=1) as ex:
        async with Client(ex.api_key, ex.api_secret, base_url=ex.rest_url) as client:
            await client.market.depth("BTCUSDT")

Quick start (the core alone)::

    from binance_async.sim import Engine, SyntheticFlow, synthetic_symbols

    engine = Engine(synthetic_symbols(["BTCUSDT", "ETHUSDT"], seed=1), now_ms=0)
    flow = SyntheticFlow(engine, seed=1)
    flow.advance(5_000)                           # 5 s of synthetic trading
    engine.depth("BTCUSDT", 10)                   # {"lastUpdateId", "bids", "asks"}
    engine.new_order("demo", {"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET",
                              "quantity": "0.01"}, now_ms=5_000)

Conventions: all times are integer milliseconds passed in by the caller (no clock, no await);
parameters use Binance's names and string values; results are JSON-ready dicts in Binance's
exact shapes; errors are `SimError(code, msg, http_status)`.
"""

from .accounts import Account, Balance
from .book import Book, BookChanges, TopOfBook
from .clock import SimClock
from .engine import BookSnapshot, Engine
from .errors import HistoryUnavailable, SimError
from .faults import Faults
from .flow import FlowConfig, SyntheticFlow
from .limits import SimLimits
from .market_data import INTERVALS, MarketData
from .matching import Market
from .orders import Order, OrderList
from .replay import ReplayServer, read_capture
from .security import ApiKey
from .server import LocalExchange
from .stream_sources import MarketSources, parse_stream
from .symbols import (
    DEFAULT_RATE_LIMITS,
    SymbolSpec,
    exchange_info_json,
    load_exchange_info,
    symbols_from_exchange_info,
    synthetic_symbols,
)
from .user_streams import UserStreams
from .views import StreamCursor
from .ws_api import WsApi
from .ws_conn import WsCore, WsLimits
from .ws_streams import StreamHub

__all__ = [
    "DEFAULT_RATE_LIMITS",
    "INTERVALS",
    "Account",
    "ApiKey",
    "Balance",
    "Book",
    "BookChanges",
    "BookSnapshot",
    "Engine",
    "Faults",
    "FlowConfig",
    "HistoryUnavailable",
    "LocalExchange",
    "Market",
    "MarketData",
    "MarketSources",
    "Order",
    "OrderList",
    "ReplayServer",
    "SimClock",
    "SimError",
    "SimLimits",
    "StreamCursor",
    "StreamHub",
    "SymbolSpec",
    "SyntheticFlow",
    "TopOfBook",
    "UserStreams",
    "WsApi",
    "WsCore",
    "WsLimits",
    "exchange_info_json",
    "load_exchange_info",
    "parse_stream",
    "read_capture",
    "symbols_from_exchange_info",
    "synthetic_symbols",
]
