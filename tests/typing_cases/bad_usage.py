"""Misuse of the typed API: `mypy --strict` must report exactly three errors here.

Not checked with the rest of the code base on purpose (see test_catalogue).
"""

from __future__ import annotations

from binance_async.rest.session import Client


async def main(client: Client) -> None:
    await client.market.depth(symbol="BTCUSDT", limt=5)  # misspelt parameter
    await client.market.klines("BTCUSDT", "2m")  # not a kline interval
    await client.trade.new_order("BTCUSDT", "BUY", "LIMIT", price=object())  # wrong type
