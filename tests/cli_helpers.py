"""A `LocalExchange` served from a background thread, for CLI tests (``main`` runs its own loop)."""

from __future__ import annotations

import asyncio
import json
import threading
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from binance_async.sim import LocalExchange


@contextmanager
def exchange_thread(*symbols: str, **kwargs: Any) -> Iterator[LocalExchange]:
    """Run ``LocalExchange(symbols, **kwargs)`` on 127.0.0.1 in a thread for the block."""
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    holder: dict[str, Any] = {}

    async def run() -> None:
        stop = asyncio.Event()
        holder["stop"] = stop
        async with LocalExchange(list(symbols), **kwargs) as ex:
            holder["ex"] = ex
            ready.set()
            await stop.wait()

    thread = threading.Thread(target=loop.run_until_complete, args=(run(),), daemon=True)
    thread.start()
    assert ready.wait(15), "the local exchange did not start"
    try:
        yield holder["ex"]
    finally:
        loop.call_soon_threadsafe(holder["stop"].set)
        thread.join(15)
        loop.close()


def post_fault(ex: LocalExchange, name: str, **kwargs: Any) -> Any:
    """Arm a fault over HTTP (``POST /_sim/faults/<name>``), thread-safe by construction."""
    req = urllib.request.Request(
        f"{ex.rest_url}/_sim/faults/{name}",
        data=json.dumps(kwargs).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.loads(resp.read())
