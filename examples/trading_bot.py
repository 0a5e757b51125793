"""Trading-bot skeleton: a local book, the user data stream, orders, and reactions to fills.

    python examples/trading_bot.py [--url URL] [--symbol BTCUSDT] [--round-trips 2]

The strategy is a placeholder (buy at the best ask with a GTC limit order, so that a partial
fill rests until the rest fills, then sell the whole position with a market order: never a dust
remainder below the symbol's minimum notional); the skeleton around it is the point:

- the book (``client.books``) and the user data stream (``client.user_data("spot")``: the
  WebSocket API on today's exchange) are open before the first order;
- the position changes only on fills (``executionReport`` with ``execution_type == "TRADE"``),
  never on order acknowledgements;
- the next action is decided when an order reaches a final status (FILLED, EXPIRED, ...);
- a `StreamGap` (reconnect) means fills may have been missed: the bot re-reads its open orders
  and account over REST before going on;
- orders are never retried blindly: an `ExecutionStatusUnknown` is resolved by querying the
  order by its client order id.

Against production this trades real money: it runs against an in-process local exchange unless
``--url`` (or ``BINANCE_URL``) says otherwise.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from _connect import connect

from binance_async import Client, ExecutionStatusUnknown, StreamGap
from binance_async.models.user_data import ExecutionReport

Side = Literal["BUY", "SELL"]
OrderType = Literal["LIMIT", "MARKET"]
FINAL = {"FILLED", "EXPIRED", "CANCELED", "REJECTED", "EXPIRED_IN_MATCH"}


@dataclass
class Fill:
    side: str
    price: Decimal
    quantity: Decimal
    client_order_id: str


class Bot:
    """Round trips on one symbol, driven by user-data events."""

    def __init__(self, client: Client, symbol: str, quantity: str, round_trips: int) -> None:
        self.client = client
        self.symbol = symbol
        self.quantity = quantity
        self.round_trips = round_trips
        self.position = Decimal(0)
        self.fills: list[Fill] = []
        self.completed = 0
        self._ids = itertools.count(1)

    async def place(self, side: Side, order_type: OrderType, **params: Any) -> None:
        """Send one order; an unknown outcome is resolved by querying it, never by resending."""
        client_id = f"bot-{side.lower()}-{next(self._ids)}"
        try:
            await self.client.trade.new_order(
                self.symbol, side, order_type, newClientOrderId=client_id, **params
            )
        except ExecutionStatusUnknown:
            order = await self.client.trade.get_order(self.symbol, origClientOrderId=client_id)
            print(f"order {client_id} status after an unknown outcome: {order.status}")

    async def enter(self, best_ask: str) -> None:
        await self.place("BUY", "LIMIT", timeInForce="GTC", quantity=self.quantity, price=best_ask)

    async def on_report(self, report: ExecutionReport, best_ask: str | None) -> bool:
        """React to an order update; True when the bot is done."""
        if report.execution_type == "TRADE":
            qty = Decimal(report.last_executed_quantity)
            self.position += qty if report.side == "BUY" else -qty
            fill = Fill(report.side, Decimal(report.last_executed_price), qty,
                        report.client_order_id)  # fmt: skip
            self.fills.append(fill)
            print(f"fill: {fill.side} {fill.quantity} @ {fill.price}  position {self.position:f}")
        if report.order_status not in FINAL:
            return False
        if self.position > 0:  # an entry filled (fully or partly): get out
            await self.place("SELL", "MARKET", quantity=format(self.position, "f"))
            return False
        if report.side == "SELL":
            self.completed += 1
            print(f"round trip {self.completed}/{self.round_trips} done")
            if self.completed >= self.round_trips:
                return True
        if best_ask is not None:  # flat: next entry (also after an entry that was cancelled)
            await self.enter(best_ask)
        return False

    async def resync(self) -> None:
        """After a gap in the user stream: re-read open orders and balances over REST."""
        open_orders = await self.client.trade.open_orders(symbol=self.symbol)
        print(f"user stream gap: {len(open_orders)} open orders, re-reading the account")
        await self.client.trade.account()


async def run_bot(
    client: Client, symbol: str = "BTCUSDT", quantity: str = "0.001", round_trips: int = 2,
    give_up_after: float = 60.0,
) -> Bot:  # fmt: skip
    """Open the book and the user stream, then trade ``round_trips`` round trips."""
    bot = Bot(client, symbol, quantity, round_trips)
    async with client.books([symbol], depth=100) as books, client.user_data("spot") as events:
        await books.wait_synced(timeout=30)
        book = books[symbol]
        ask = book.best_ask_text()
        assert ask is not None, "the book has no asks"
        await bot.enter(ask[0])
        async with asyncio.timeout(give_up_after):
            async for event in events:
                if isinstance(event, StreamGap):
                    await bot.resync()
                    continue
                if isinstance(event, ExecutionReport) and event.symbol == symbol:
                    top = book.best_ask_text() if book.synced else None
                    if await bot.on_report(event, top[0] if top else None):
                        break
    return bot


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="exchange REST URL (default: an in-process local exchange)")
    parser.add_argument("--symbol", default="BTCUSDT")
    parser.add_argument("--quantity", default="0.001")
    parser.add_argument("--round-trips", type=int, default=2)
    args = parser.parse_args()
    async with connect(args.url, [args.symbol]) as client:
        bot = await run_bot(client, args.symbol, args.quantity, args.round_trips)
    print(f"{len(bot.fills)} fills, position {bot.position:f}")


if __name__ == "__main__":
    asyncio.run(main())
