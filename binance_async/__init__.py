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
    RateLimited,
    TransportError,
    ValidationError,
)
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
    "RateLimited",
    "RateLimiter",
    "RetryPolicy",
    "RsaSigner",
    "ServerClock",
    "TransportError",
    "ValidationError",
    "__version__",
]
