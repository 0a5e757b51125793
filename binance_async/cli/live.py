"""The live order-book view of ``binance-async demo`` and ``binance-async book``.

`LiveView` reads the books of a `BookManager`, the trades of a trade subscription and the
client's statistics, and renders them with rich: per symbol the top levels of bids and asks with
their sizes as bars, the spread, the sync state and the last trades; below, the stream rate and
lag and the REST weight used against its limit. On a terminal it redraws in place (``rich.live``);
elsewhere (a pipe, CI) it prints one status line per second, so scripts get readable logs.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import AsyncIterator, Sequence
from typing import TYPE_CHECKING, Any

from rich.console import Console, Group, RenderableType
from rich.live import Live
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from ..streams.manager import StreamGap
from ._run import stop_signals, until

if TYPE_CHECKING:
    from ..book.manager import BookManager
    from ..models.streams import TradeEvent
    from ..rest.session import Client

__all__ = ["LiveView", "run_live"]

_BAR = "█"


def short(number: str) -> str:
    """Wire text without trailing zeros: ``"64999.96000000"`` -> ``"64999.96"``."""
    if "." in number:
        number = number.rstrip("0").rstrip(".")
    return number or "0"


def aligned(number: str, places: int) -> str:
    """``number`` with its decimals padded with zeros to ``places`` (for a column of prices)."""
    whole, _, frac = number.partition(".")
    return f"{whole}.{frac.ljust(places, '0')}" if places else whole


class LiveView:
    """State and rendering of the live view (no I/O but reading the objects it is given)."""

    def __init__(
        self,
        client: Client,
        books: BookManager,
        symbols: Sequence[str],
        *,
        title: str,
        levels: int = 8,
        trades: int = 6,
        show_lag: bool = True,
    ) -> None:
        self.client = client
        self.books = books
        self.symbols = [s.upper() for s in symbols]
        self.title = title
        self.levels = levels
        self.show_lag = show_lag  # False for replays: recorded event times are in the past
        self.started = time.monotonic()
        self.trades: dict[str, deque[TradeEvent]] = {s: deque(maxlen=trades) for s in self.symbols}
        self.trade_count = 0
        self._rate_at = self.started
        self._rate_frames = 0
        self.rate = 0.0

    def on_trade(self, event: TradeEvent) -> None:
        """Remember a trade for its symbol's panel."""
        recent = self.trades.get(event.symbol)
        if recent is not None:
            recent.append(event)
            self.trade_count += 1

    def tick(self) -> None:
        """Update the stream rate (frames per second since the last tick)."""
        now = time.monotonic()
        frames = int(self.client.streams.statistics().get("frames", 0))
        if now > self._rate_at:
            self.rate = (frames - self._rate_frames) / (now - self._rate_at)
        self._rate_at, self._rate_frames = now, frames

    # ------------------------------------------------------------------------- figures

    def weight(self) -> tuple[int, int, float]:
        """REQUEST_WEIGHT (used, limit, seconds until the window resets)."""
        pool = self.client.statistics()["limits"]["REQUEST_WEIGHT"]
        return pool.used, pool.limit, max(0.0, pool.resets_at - time.time())

    def footer(self) -> str:
        """The one-line status: books, resyncs, stream rate and lag, REST weight."""
        stats = self.books.statistics()
        used, limit, reset = self.weight()
        lag = self.client.streams.max_lag_ms() if self.show_lag else None
        lag_text = f"{lag:.1f} ms" if lag is not None else "-"
        return (
            f"{time.monotonic() - self.started:5.1f} s | books {stats['synced']}/"
            f"{stats['symbols']} synced, {stats['applied']:,} events applied, "
            f"{stats['resyncs']} resyncs | streams {self.rate:,.0f} frames/s, lag {lag_text} | "
            f"REST weight {used}/{limit} (window resets in {reset:.0f} s)"
        )

    # ------------------------------------------------------------------------- rendering

    def _book_table(self, symbol: str, width: int) -> RenderableType:
        book = self.books[symbol]
        asks = [(short(p), short(q), float(q)) for p, q in book.asks_text(self.levels)]
        bids = [(short(p), short(q), float(q)) for p, q in book.bids_text(self.levels)]
        places = max((len(p.partition(".")[2]) for p, _, _ in asks + bids), default=0)
        asks = [(aligned(p, places), q, size) for p, q, size in asks]
        bids = [(aligned(p, places), q, size) for p, q, size in bids]
        levels = asks + bids
        top = max((size for _, _, size in levels), default=1.0) or 1.0
        pw = max((len(p) for p, _, _ in levels), default=1)
        qw = max((len(q) for _, q, _ in levels), default=1)
        text = Text(no_wrap=True)
        bar_max = max(3, min(16, width - pw - qw - 2))

        def line(price: str, qty: str, size: float, style: str) -> None:
            bar = _BAR * max(1, round(size / top * bar_max))
            text.append(f"{price:>{pw}} ", style=style)
            text.append(f"{qty:>{qw}} ")
            text.append(bar + "\n", style=style)

        for price, qty, size in reversed(asks):
            line(price, qty, size, "red")
        spread, mid = book.spread(), book.mid()
        label = f"spread {short(format(spread, 'f'))}" if spread is not None else "spread -"
        if mid is not None:
            label += f"  mid {short(format(mid, 'f'))}"
        text.append(label + "\n", style="bold")
        for price, qty, size in bids:
            line(price, qty, size, "green")
        text.rstrip()
        return text

    def _trades(self, symbol: str) -> RenderableType:
        lines = Text()
        for tr in reversed(self.trades[symbol]):
            side = "sell" if tr.is_buyer_maker else "buy "
            style = "red" if tr.is_buyer_maker else "green"
            lines.append(f"{side} {short(tr.price)} x {short(tr.quantity)}\n", style=style)
        return lines if lines.plain else Text("no trades yet", style="dim")

    def _panel(self, symbol: str, width: int) -> RenderableType:
        book = self.books[symbol]
        stats = self.books.book_stats(symbol)
        state = (
            Text("synced", style="bold green")
            if book.synced
            else Text("syncing", style="bold yellow")
        )
        head = Text.assemble(
            state, f"  id {book.update_id}  resyncs {stats.resyncs}  applied {stats.applied:,}"
        )
        body = Group(head, self._book_table(symbol, width), Text("last trades", style="bold"),
                     self._trades(symbol))  # fmt: skip
        return Panel(body, title=symbol, expand=False)

    def render(self, width: int = 120) -> RenderableType:
        """The whole view for a terminal ``width`` columns wide: one panel per symbol side by
        side (the size bars shrink to fit), then the status line."""
        inner = max(20, width // max(1, len(self.symbols)) - 5)
        panels = Table.grid(padding=(0, 1))
        for _ in self.symbols:
            panels.add_column()
        panels.add_row(*(self._panel(s, inner) for s in self.symbols))
        return Group(Text(self.title, style="bold"), panels, Text(self.footer()))

    def summary(self) -> str:
        """The closing summary: symbols, events applied, resyncs, best bid/ask per symbol."""
        stats = self.books.statistics()
        elapsed = time.monotonic() - self.started
        plural = "s" if len(self.symbols) != 1 else ""
        lines = [
            f"summary: {len(self.symbols)} symbol{plural} in {elapsed:.1f} s, "
            f"{stats['applied']:,} events applied, {stats['resyncs']} resyncs, "
            f"{self.trade_count:,} trades seen, {stats['synced']}/{stats['symbols']} synced"
        ]
        for symbol in self.symbols:
            book = self.books[symbol]
            bid, ask = book.best_bid_text(), book.best_ask_text()
            bid_text = f"{short(bid[0])} x {short(bid[1])}" if bid else "-"
            ask_text = f"{short(ask[0])} x {short(ask[1])}" if ask else "-"
            state = "synced" if book.synced else "not synced"
            lines.append(f"  {symbol:<12} best bid {bid_text:<24} best ask {ask_text:<24} {state}")
        return "\n".join(lines)


async def _read_trades(view: LiveView, events: AsyncIterator[Any]) -> None:
    async for event in events:
        if not isinstance(event, StreamGap):
            view.on_trade(event)


async def run_live(
    client: Client,
    symbols: Sequence[str],
    *,
    title: str,
    duration: float | None,
    console: Console,
    depth: int = 100,
    show_lag: bool = True,
) -> LiveView | None:
    """Keep books and trades of ``symbols`` and show them until ``duration`` or Ctrl-C (which
    also ends it while it connects); the view, or None if it was stopped before it started."""
    stop = asyncio.Event()
    trades = [f"{s.lower()}@trade" for s in symbols]
    started: list[LiveView] = []

    async def work() -> None:
        async with (
            client.books(list(symbols), depth=depth) as books,
            client.streams.subscribe(*trades, overflow="drop_oldest", maxsize=4096) as sub,
        ):
            view = LiveView(client, books, symbols, title=title, show_lag=show_lag)
            started.append(view)
            async with asyncio.TaskGroup() as tg:
                reader = tg.create_task(_read_trades(view, sub))
                deadline = None if duration is None else time.monotonic() + duration
                await _show(view, console, stop, deadline)
                reader.cancel()

    with stop_signals(stop):
        await until(work(), stop)
    return started[0] if started else None


async def _show(
    view: LiveView, console: Console, stop: asyncio.Event, deadline: float | None
) -> None:
    async def wait(seconds: float) -> bool:
        if deadline is not None:
            seconds = min(seconds, deadline - time.monotonic())
        if seconds > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), seconds)
        return stop.is_set() or (deadline is not None and time.monotonic() >= deadline)

    if console.is_terminal:
        with Live(
            view.render(console.width), console=console, auto_refresh=False, transient=False
        ) as live:
            while True:
                done = await wait(0.25)
                view.tick()
                live.update(view.render(console.width), refresh=True)
                if done:
                    return
    while True:
        done = await wait(1.0)
        view.tick()
        console.print(view.footer(), markup=False, highlight=False, soft_wrap=True)
        if done:
            return
