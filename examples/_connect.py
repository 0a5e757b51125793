"""How every example gets a `Client`: a given exchange URL, or a local exchange in-process.

``BINANCE_URL`` (or ``--url``) points the examples at an exchange: production
(``https://api.binance.com``), the testnet (``https://testnet.binance.vision``) or a
``binance-async sim`` (``http://127.0.0.1:8080``), with keys from ``BINANCE_API_KEY`` /
``BINANCE_API_SECRET`` (or ``BINANCE_PRIVATE_KEY_FILE`` for RSA/Ed25519). Without a URL, a
`LocalExchange` starts in this process and its demo keys are used: every example runs as is.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from binance_async import Client
from binance_async.sim import LocalExchange


@asynccontextmanager
async def connect(
    url: str | None = None, symbols: Sequence[str] = ("BTCUSDT", "ETHUSDT")
) -> AsyncIterator[Client]:
    """A running `Client` against ``url`` (or ``$BINANCE_URL``), else an in-process exchange."""
    url = (url or os.environ.get("BINANCE_URL") or "").rstrip("/")
    if url:  # keys from the environment; the stream and WebSocket API URLs follow the URL
        async with Client.from_env(url) as client:
            yield client
        return
    async with (
        LocalExchange(list(symbols), seed=7) as ex,
        Client(ex.api_key, ex.api_secret, base_url=ex.rest_url) as client,
    ):
        client.local_exchange = ex  # type: ignore[attr-defined]  # the copy-trading example uses it
        yield client
