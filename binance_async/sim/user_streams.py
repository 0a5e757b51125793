"""User data on the local exchange: listenKey streams and the account event fan-out.

`UserStreams` holds one engine subscription per account (``Engine.subscribe_user``) and fans
each event out, encoded once, to every listener of that account: the listenKey streams served
here and the WebSocket API's ``userDataStream.subscribe`` sessions (`ws_api`).

listenKey streams (facts doc section 5): ``/ws/<listenKey>`` (or the listenKey as a stream
name in ``/stream?streams=`` or ``SUBSCRIBE``) carries the account's ``executionReport``,
``outboundAccountPosition``, ``balanceUpdate`` and ``listStatus`` events as bare objects (in
the ``{"stream", "data"}`` envelope on combined connections). A spot key carries the spot
account's events; margin and isolated-margin keys connect, keep alive and expire the same
way but carry no order events (the simulator has no margin trading).

When a key lapses (60 simulated minutes without keepalive, see `ListenKeys`), its streams get
``{"e": "listenKeyExpired", "E": ..., "listenKey": ...}``, the key is removed from every
connection, and connections left with no stream are closed; a key closed with ``DELETE`` ends
the same way without the event. A name without ``@`` that is not an active key is refused
with code 2 ``Invalid request: invalid stream``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import msgspec

from .listen_keys import ListenKey
from .ws_streams import InvalidStream, Stream, StreamHub, StreamSource

if TYPE_CHECKING:
    from .server import LocalExchange

__all__ = ["Listener", "UserStreams"]

log = logging.getLogger("binance_async.sim")

#: receives each user event of an account as encoded JSON bytes
Listener = Callable[[bytes], None]


class _ListenKeySource(StreamSource):
    __slots__ = ("key", "stop", "users")

    def __init__(self, users: UserStreams, key: ListenKey) -> None:
        super().__init__(-1)
        self.users = users
        self.key = key
        self.stop: Callable[[], None] | None = None

    def open(self, stream: Stream) -> None:
        if self.key.kind == "spot":
            self.stop = self.users.listen(self.key.account_id,
                                          lambda payload: stream.publish([payload]))  # fmt: skip

    def close(self) -> None:
        stop, self.stop = self.stop, None
        if stop is not None:
            stop()


class UserStreams:
    """Account event fan-out and the listenKey stream resolver of one exchange."""

    def __init__(self, ex: LocalExchange) -> None:
        self.ex = ex
        self.hub: StreamHub | None = None
        self._listeners: dict[str, list[Listener]] = {}
        self._unsubscribe: dict[str, Callable[[], None]] = {}
        self.events = 0
        self.expired_sent = 0
        ex.listen_keys.on_end.append(self._on_key_end)

    # --- account fan-out ------------------------------------------------------------------------

    def listen(self, account_id: str, listener: Listener) -> Callable[[], None]:
        """Deliver `account_id`'s events to `listener`; returns the function that stops it."""
        lst = self._listeners.get(account_id)
        if lst is None:
            lst = self._listeners[account_id] = []
            self._unsubscribe[account_id] = self.ex.engine.subscribe_user(
                account_id, self._deliver(account_id, lst))
        lst.append(listener)

        def stop() -> None:
            if listener in lst:
                lst.remove(listener)
            if not lst and self._listeners.get(account_id) is lst:
                del self._listeners[account_id]
                self._unsubscribe.pop(account_id)()

        return stop

    def _deliver(self, account_id: str, lst: list[Listener]) -> Callable[[dict[str, Any]], None]:
        enc = msgspec.json.encode

        def on_event(ev: dict[str, Any]) -> None:
            if not lst:
                return
            payload = enc(ev)
            self.events += 1
            for listener in list(lst):
                try:
                    listener(payload)
                except Exception:
                    log.exception("user-data listener of %s failed", account_id)

        return on_event

    # --- listenKey streams ----------------------------------------------------------------------

    def resolve(self, name: str) -> StreamSource:
        """The source of listenKey ``name``; `InvalidStream` unless the key is active."""
        lk = self.ex.listen_keys.active(name, self.ex.clock.now_ms())
        if lk is None:
            raise InvalidStream()
        return _ListenKeySource(self, lk)

    def _on_key_end(self, lk: ListenKey, reason: str) -> None:
        hub = self.hub
        st = hub.streams.get(lk.key) if hub is not None else None
        if hub is None or st is None:
            return
        if reason == "expired":
            now = self.ex.clock.now_ms()
            st.publish([msgspec.json.encode({"e": "listenKeyExpired", "E": now,
                                             "listenKey": lk.key})])  # fmt: skip
            self.expired_sent += 1
        for conn in list(st.subs.values()):
            hub.unsubscribe(conn, [lk.key])
            if not conn.streams:
                conn.close(1000, f"listenKey {reason}")
