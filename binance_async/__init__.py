"""binance_async: an asyncio Binance client.

Weight-aware REST, a stream multiplexer, local order books, and a local Binance-compatible
exchange (`binance_async.sim`) so that everything runs offline.
"""

from .auth import Ed25519Signer, HmacSigner, RsaSigner
from .errors import (
    APIError,
    BinanceError,
    ExecutionStatusUnknown,
    IPBanned,
    RateLimited,
    TransportError,
    ValidationError,
)

__version__ = "0.1.0"

__all__ = [
    "APIError",
    "BinanceError",
    "Ed25519Signer",
    "ExecutionStatusUnknown",
    "HmacSigner",
    "IPBanned",
    "RateLimited",
    "RsaSigner",
    "TransportError",
    "ValidationError",
    "__version__",
]
