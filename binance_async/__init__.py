"""binance_async: an asyncio Binance client.

Weight-aware REST, a stream multiplexer, local order books, and a local Binance-compatible
exchange (`binance_async.sim`) so that everything runs offline.
"""

from .auth import Ed25519Signer, HmacSigner, RsaSigner
from .book.manager import BookManager, BookUpdate
from .clock import ServerClock
from .errors import (
    APIError,
    BinanceError,
    ExecutionStatusUnknown,
    IPBanned,
    OrderFilterError,
    RateLimited,
    StreamError,
    StreamOverflow,
    SubscriptionRefused,
    TransportError,
    UserStreamError,
    ValidationError,
)
from .rest.filters import OrderContext, round_price, round_qty
from .rest.ratelimit import RateLimiter
from .rest.session import Client, RetryPolicy
from .streams.manager import StreamGap, StreamManager, Subscription
from .streams.user import UserDataStream
from .streams.ws_api import WsApiClient

__version__ = "0.1.0"

__all__ = [
    "APIError",
    "BinanceError",
    "BookManager",
    "BookUpdate",
    "Client",
    "Ed25519Signer",
    "ExecutionStatusUnknown",
    "HmacSigner",
    "IPBanned",
    "OrderContext",
    "OrderFilterError",
    "RateLimited",
    "RateLimiter",
    "RetryPolicy",
    "RsaSigner",
    "ServerClock",
    "StreamError",
    "StreamGap",
    "StreamManager",
    "StreamOverflow",
    "Subscription",
    "SubscriptionRefused",
    "TransportError",
    "UserDataStream",
    "UserStreamError",
    "ValidationError",
    "WsApiClient",
    "__version__",
    "round_price",
    "round_qty",
]
