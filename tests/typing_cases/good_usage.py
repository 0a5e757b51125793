"""Correct use of the typed API: `mypy --strict` must accept this file (see test_catalogue)."""

from __future__ import annotations

from decimal import Decimal

from binance_async import models
from binance_async.rest.session import Client


async def main(client: Client) -> None:
    book: models.DepthSnapshot = await client.market.depth("BTCUSDT", limit=1000)
    best_bid: Decimal = book.bids[0].price
    klines = await client.market.klines("BTCUSDT", "1m", limit=10)
    first: models.Kline = klines[0]
    order = await client.trade.new_order(
        "BTCUSDT", "BUY", "LIMIT", timeInForce="GTC", quantity="0.001",
        price=Decimal("30000"), newClientOrderId="my-id-1", recvWindow=5000,
    )
    if isinstance(order, models.OrderFull):
        print(order.fills)
    tickers = await client.market.ticker_24hr(symbols=["BTCUSDT", "ETHUSDT"], type="MINI")
    await client.copy_leader.trade_data(type=30)
    await client.copy_leader.remove_follower(123456789)
    await client.wallet.dust_transfer(["BTC", "USDT"])
    print(best_bid, first, tickers)
