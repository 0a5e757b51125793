"""ListenKeys of the user data streams: spot, cross margin and isolated margin (per symbol).

The seed's rules: ``POST`` creates a key valid for 60 minutes, or, when the account already has
an active key of that kind, returns it and extends it; ``PUT`` extends it by 60 minutes;
``DELETE`` closes it. An unknown, closed or expired key is -1125 "This listenKey does not
exist.". Time comes from the exchange's clock (``now_ms`` is passed in), so a test can jump an
hour ahead; `expire_due` reports keys that lapsed (the stream layer sends ``listenKeyExpired``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from .errors import SimError

__all__ = ["VALIDITY_MS", "ListenKey", "ListenKeys", "StreamKind"]

StreamKind = Literal["spot", "margin", "isolated"]
VALIDITY_MS = 60 * 60 * 1000
_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


@dataclass(slots=True)
class ListenKey:
    """One listenKey: who owns it, which stream, and until when it is valid."""

    key: str
    account_id: str
    kind: StreamKind
    symbol: str | None
    created_ms: int
    expires_ms: int
    closed: bool = False

    def active(self, now_ms: int) -> bool:
        """Whether the key is neither closed nor expired at ``now_ms``."""
        return not self.closed and now_ms < self.expires_ms


def _missing() -> SimError:
    return SimError(-1125, "This listenKey does not exist.")


class ListenKeys:
    """Every listenKey the exchange issued, with the one active key per (account, stream)."""

    def __init__(self, seed: int | str = 0, validity_ms: int = VALIDITY_MS) -> None:
        self.validity_ms = validity_ms
        self._seed = seed
        self._n = 0
        self._keys: dict[str, ListenKey] = {}
        self._active: dict[tuple[str, StreamKind, str | None], ListenKey] = {}
        #: called with each key that expires or is closed (the stream layer hooks in here)
        self.on_end: list[Callable[[ListenKey, str], None]] = []

    def _new_key(self) -> str:
        self._n += 1
        h = hashlib.sha256(f"binance_async.sim:listenKey:{self._seed}:{self._n}".encode())
        digest = h.digest() + hashlib.sha256(h.digest()).digest()
        return "".join(_ALNUM[b % len(_ALNUM)] for b in digest[:60])

    def get(self, key: str) -> ListenKey | None:
        """The key, active or not, or None if it was never issued."""
        return self._keys.get(key)

    def active(self, key: str, now_ms: int) -> ListenKey | None:
        """The key if it is currently valid."""
        lk = self._keys.get(key)
        return lk if lk is not None and lk.active(now_ms) else None

    def create(
        self, account_id: str, kind: StreamKind, now_ms: int, symbol: str | None = None
    ) -> ListenKey:
        """``POST``: the account's active key of this kind (extended) or a new one."""
        slot = (account_id, kind, symbol)
        lk = self._active.get(slot)
        if lk is not None and lk.active(now_ms):
            lk.expires_ms = now_ms + self.validity_ms
            return lk
        lk = ListenKey(self._new_key(), account_id, kind, symbol, now_ms,
                       now_ms + self.validity_ms)  # fmt: skip
        self._keys[lk.key] = lk
        self._active[slot] = lk
        return lk

    def _find(self, key: str, account_id: str, kind: StreamKind, symbol: str | None,
              now_ms: int) -> ListenKey:  # fmt: skip
        lk = self._keys.get(key)
        if (
            lk is None
            or not lk.active(now_ms)
            or lk.account_id != account_id
            or lk.kind != kind
            or lk.symbol != symbol
        ):
            raise _missing()
        return lk

    def keepalive(self, key: str, account_id: str, kind: StreamKind, now_ms: int,
                  symbol: str | None = None) -> ListenKey:  # fmt: skip
        """``PUT``: extend a valid key by the validity (-1125 otherwise)."""
        lk = self._find(key, account_id, kind, symbol, now_ms)
        lk.expires_ms = now_ms + self.validity_ms
        return lk

    def close(self, key: str, account_id: str, kind: StreamKind, now_ms: int,
              symbol: str | None = None) -> ListenKey:  # fmt: skip
        """``DELETE``: close a valid key (-1125 otherwise)."""
        lk = self._find(key, account_id, kind, symbol, now_ms)
        lk.closed = True
        self._active.pop((lk.account_id, lk.kind, lk.symbol), None)
        for cb in list(self.on_end):
            cb(lk, "closed")
        return lk

    def expire_due(self, now_ms: int) -> list[ListenKey]:
        """Keys that lapsed since the last call (each reported once)."""
        out = []
        for slot, lk in list(self._active.items()):
            if now_ms >= lk.expires_ms:
                del self._active[slot]
                out.append(lk)
                for cb in list(self.on_end):
                    cb(lk, "expired")
        return out
