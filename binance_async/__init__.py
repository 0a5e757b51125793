"""binance_async: an asyncio Binance client.

Weight-aware REST, a stream multiplexer, local order books, and a local Binance-compatible
exchange (`binance_async.sim`) so that everything runs offline.
"""

from .auth import Ed25519Signer, HmacSigner, RsaSigner
from .clock import ServerClock
from .errors import (
    APIError,
    BinanceError,
    ExecutionStatusUnknown,
    IPBanned,
    OrderFilterError,
    RateLimited,
    TransportError,
    ValidationError,
)
from .rest.filters import OrderContext, round_price, round_qty
from .rest.ratelimit import RateLimiter
from .rest.session import Client, RetryPolicy

__version__ = "0.1.0"

__all__ = [
    "APIError",
    "BinanceError",
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
    "TransportError",
    "ValidationError",
    "__version__",
    "round_price",
    "round_qty",
]
