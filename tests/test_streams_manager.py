"""StreamManager against the local exchange (real sockets on 127.0.0.1)."""

# ruff: noqa: SIM117

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from binance_async import Client
from binance_async.errors import BinanceError, StreamOverflow, SubscriptionRefused
from binance_async.sim import LocalExchange
from binance_async.sim.ws_conn import WsLimits
from binance_async.streams import StreamConfig
from binance_async.streams.manager import Lifecycle, StreamGap, StreamManager, Subscription


@pytest.fixture
async def ex() -> AsyncIterator[LocalExchange]:
    async with LocalExchange(symbols=["BTCUSDT", "ETHUSDT"], seed=1) as ex:
        yield ex


def _config(ex: LocalExchange, **kw: Any) -> StreamConfig:
    base: dict[str, Any] = {"backoff_base": 0.05, "backoff_cap": 0.2, "healthy_after": 0.5}
    base.update(kw)
    return StreamConfig(base_url=ex.ws_url, **base)


async def _next_event(sub: Subscription, wait: float = 5.0) -> Any:
    async with asyncio.timeout(wait):
        return await anext(sub)


async def _until_gap(sub: Subscription, wait: float = 10.0) -> StreamGap:
    async with asyncio.timeout(wait):
        async for ev in sub:
            if isinstance(ev, StreamGap):
                return ev
    raise AssertionError("iteration ended")


async def _typed_after(sub: Subscription, wait: float = 10.0) -> Any:
    async with asyncio.timeout(wait):
        async for ev in sub:
            if not isinstance(ev, StreamGap):
                return ev
    raise AssertionError("iteration ended")


async def test_client_streams_typed_events(ex: LocalExchange) -> None:
    async with Client(stream_url=ex.ws_url, base_url=ex.rest_url) as client:
        async with client.streams.subscribe("btcusdt@trade", "ETHUSDT@depth@100ms") as sub:
            assert sub.streams == {"btcusdt@trade", "ethusdt@depth@100ms"}
            seen: set[str] = set()
            async with asyncio.timeout(10):
                async for ev in sub:
                    seen.add(type(ev).__name__)
                    assert ev.symbol in ("BTCUSDT", "ETHUSDT")
                    if len(seen) == 2:
                        break
            assert seen == {"TradeEvent", "DepthEvent"}
        assert client.streams.protocol.desired_streams() == frozenset()
        stats = client.streams.statistics()
        assert stats["streams"]["btcusdt@trade"]["messages"] >= 1
    with pytest.raises(RuntimeError):
        _ = client.streams


async def test_refusal_raises(ex: LocalExchange) -> None:
    async with StreamManager(ex.ws_url, config=_config(ex)) as m:
        async with m.subscribe("btcusdt@trade") as sub:
            with pytest.raises(SubscriptionRefused) as info:
                async with m.subscribe("btcusdt@kline_7x"):
                    pass
            assert isinstance(info.value, BinanceError)
            assert info.value.streams == ("btcusdt@kline_7x",)
            with pytest.raises(SubscriptionRefused):
                await sub.add("ethusdt@trade", "ethusdt@kline_7x")
            assert (await _typed_after(sub)).symbol in ("BTCUSDT", "ETHUSDT")


async def test_add_remove_live(ex: LocalExchange) -> None:
    async with StreamManager(ex.ws_url, config=_config(ex)) as m:
        async with m.subscribe("btcusdt@trade") as sub:
            await sub.add("ethusdt@trade")
            syms: set[str] = set()
            async with asyncio.timeout(10):
                async for ev in sub:
                    syms.add(ev.symbol)
                    if len(syms) == 2:
                        break
            await sub.remove("btcusdt@trade")
            assert sub.streams == {"ethusdt@trade"}
            # drain what was queued before the removal, then only ETH arrives
            while sub.qsize():
                await anext(sub)
            for _ in range(5):
                assert (await _next_event(sub)).symbol == "ETHUSDT"


@pytest.mark.parametrize("fault", ["abrupt", "going_away", "normal", "stall", "shutdown"])
async def test_recovery(ex: LocalExchange, fault: str) -> None:
    signals: list[Lifecycle] = []
    cfg = _config(ex, stale_after=1.0)
    async with StreamManager(ex.ws_url, config=cfg, on_lifecycle=signals.append) as m:
        gaps: list[StreamGap] = []
        async with m.subscribe("btcusdt@trade", "ethusdt@trade", on_gap=gaps.append) as sub:
            await _next_event(sub)
            if fault == "stall":
                ex.faults.stall_connections()
            elif fault == "shutdown":
                ex.faults.server_shutdown()
            else:
                ex.faults.close_connections(fault)
            if fault == "shutdown":
                # make-before-break: no gap, the stream keeps flowing on the new connection
                async with asyncio.timeout(10):
                    while m.statistics()["rotations"] < 1:
                        assert not isinstance(await anext(sub), StreamGap)
            else:
                gap = await _until_gap(sub)
                assert set(gap.streams) == {"btcusdt@trade", "ethusdt@trade"}
                assert gaps
                if fault == "stall":
                    ex.faults.stall_connections(stalled=False)
            syms: set[str] = set()
            async with asyncio.timeout(10):
                async for ev in sub:
                    if not isinstance(ev, StreamGap):
                        syms.add(ev.symbol)
                    if len(syms) == 2:
                        break
            assert sub.streams == {"btcusdt@trade", "ethusdt@trade"}
        kinds = {s.kind for s in signals}
        assert {"connected", "subscribed"} <= kinds


async def test_overflow_drop_oldest(ex: LocalExchange) -> None:
    async with StreamManager(ex.ws_url, config=_config(ex)) as m:
        async with m.subscribe("btcusdt@depth@100ms", "ethusdt@trade", "btcusdt@trade",
                               overflow="drop_oldest", maxsize=3) as sub:  # fmt: skip
            async with asyncio.timeout(10):
                while sub.dropped == 0:  # noqa: ASYNC110
                    await asyncio.sleep(0.05)
            assert sub.qsize() <= 3
            first = await anext(sub)
            assert isinstance(first, StreamGap) and first.reason == "overflow"
            assert m.statistics()["dropped"] >= 1


async def test_overflow_raise(ex: LocalExchange) -> None:
    async with StreamManager(ex.ws_url, config=_config(ex)) as m:
        async with m.subscribe("btcusdt@depth@100ms", "btcusdt@trade",
                               overflow="raise", maxsize=2) as sub:  # fmt: skip
            await asyncio.sleep(1.0)
            with pytest.raises(StreamOverflow):
                async for _ in sub:
                    pass


async def test_overflow_wait_slows_connection(ex: LocalExchange) -> None:
    async with StreamManager(ex.ws_url, config=_config(ex)) as m:
        async with m.subscribe("btcusdt@depth@100ms", "btcusdt@trade",
                               overflow="wait", maxsize=2) as sub:  # fmt: skip
            await asyncio.sleep(1.0)
            assert sub.qsize() <= 3  # at most one frame's events beyond maxsize
            assert sub.dropped == 0
            for _ in range(10):
                assert not isinstance(await _next_event(sub), StreamGap)


async def test_raw_mode(ex: LocalExchange) -> None:
    async with StreamManager(ex.ws_url, config=_config(ex)) as m:
        async with m.subscribe("btcusdt@trade", raw=True) as sub:
            ns, frame = await _next_event(sub)
            assert isinstance(ns, int) and ns > 0
            assert frame.startswith(b'{"stream":"btcusdt@trade"')


async def test_malformed_frame_skipped(ex: LocalExchange) -> None:
    async with StreamManager(ex.ws_url, config=_config(ex)) as m:
        async with m.subscribe("btcusdt@trade") as sub:
            await _next_event(sub)
            ex.faults.send_malformed()
            async with asyncio.timeout(5):
                while m.statistics()["malformed"] < 1:
                    await anext(sub)
            for _ in range(3):
                assert not isinstance(await _next_event(sub), StreamGap)
            assert m.statistics()["reconnects"] == 0


async def test_many_streams_sharded_and_throttled() -> None:
    limits = WsLimits(max_messages=5, message_window_s=1.0)
    async with LocalExchange(symbols=600, seed=2, ws_limits=limits) as ex:
        cfg = _config(ex, max_url_length=8192)
        body: Any = ex.exchange_info_body(0)
        symbols = [s["symbol"].lower() for s in body["symbols"]][:600]
        streams = [f"{s}@trade" for s in symbols] + [f"{s}@bookTicker" for s in symbols]
        assert len(streams) >= 1100
        async with StreamManager(ex.ws_url, config=cfg) as m:
            async with asyncio.timeout(60):
                async with m.subscribe(*streams[:10], overflow="drop_oldest") as sub:
                    await sub.add(*streams[10:])
                    conns = m.protocol.connections()
                    assert len({c.conn_id for c in conns}) >= 2
                    await _typed_after(sub)
            stats = m.statistics()
            assert stats["reconnects"] == 0, stats["connections"]


async def test_rotation_make_before_break_no_loss_no_dup(ex: LocalExchange) -> None:
    signals: list[Lifecycle] = []
    async with StreamManager(ex.ws_url, config=_config(ex), on_lifecycle=signals.append) as m:
        async with m.subscribe("btcusdt@trade", maxsize=100_000) as sub:
            ids: list[int] = [(await _next_event(sub)).trade_id]
            m.rotate_all("test")
            async with asyncio.timeout(10):
                while m.statistics()["rotations"] < 1 or len(ids) < 30:
                    ev = await anext(sub)
                    assert not isinstance(ev, StreamGap)
                    ids.append(ev.trade_id)
            assert ids == list(range(ids[0], ids[0] + len(ids)))
    assert "rotated" in {s.kind for s in signals}


async def test_rotation_at_the_configured_lifetime_no_loss_no_dup(ex: LocalExchange) -> None:
    """A connection nearing `max_lifetime` (24 h on the exchange; 1.5 s here) is replaced
    make-before-break on its own: trade ids stay contiguous, no gap, a "rotated" signal."""
    signals: list[Lifecycle] = []
    config = _config(ex, max_lifetime=1.5)
    async with StreamManager(ex.ws_url, config=config, on_lifecycle=signals.append) as m:
        async with m.subscribe("btcusdt@trade", maxsize=100_000) as sub:
            ids: list[int] = [(await _next_event(sub)).trade_id]
            async with asyncio.timeout(15):
                while m.statistics()["rotations"] < 2 or len(ids) < 30:
                    ev = await anext(sub)
                    assert not isinstance(ev, StreamGap)
                    ids.append(ev.trade_id)
            assert ids == list(range(ids[0], ids[0] + len(ids)))
    assert [s.kind for s in signals].count("rotated") >= 2


async def test_plain_recv_path_when_websockets_internals_differ(
    ex: LocalExchange, monkeypatch: pytest.MonkeyPatch
) -> None:
    from binance_async.streams import connection

    monkeypatch.setattr(connection, "supports_direct_mode", lambda queued: False)
    async with Client(stream_url=ex.ws_url, base_url=ex.rest_url) as client:
        async with client.streams.subscribe("btcusdt@bookTicker", "ethusdt@bookTicker") as sub:
            events = [await _typed_after(sub) for _ in range(5)]
    assert {e.symbol for e in events} <= {"BTCUSDT", "ETHUSDT"} and len(events) == 5
