"""Market-stream control messages on the wire: encoding, batching, and parsing frames.

Requests: ``{"method": "SUBSCRIBE", "params": [...], "id": n}`` (also ``UNSUBSCRIBE``,
``LIST_SUBSCRIPTIONS`` without params, ``SET_PROPERTY ["combined", true]``,
``GET_PROPERTY ["combined"]``). Replies: ``{"result": ..., "id": n}``; errors
``{"error": {"code": c, "msg": m}, "id": n}`` or, in older servers, ``{"code": c, "msg": m,
"id": n}`` (codes: 0 unknown property, 1 bad value type, 2 invalid request, 3 invalid JSON).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, Final

import msgspec

__all__ = ["ControlErr", "Frame", "batches", "encode_control", "parse_frame"]

_OVERHEAD: Final = 48  # '{"method":"UNSUBSCRIBE","params":[],"id":9223372036854775807}'


class ControlErr(msgspec.Struct, frozen=True):
    code: int | None = None
    msg: str = ""


class Frame(msgspec.Struct, frozen=True):
    """Any text frame of a market-stream connection (fields absent stay at their defaults)."""

    stream: str | None = None
    data: msgspec.Raw | None = None
    id: int | str | None = None
    result: Any = msgspec.UNSET
    error: ControlErr | None = None
    code: int | None = None
    msg: str | None = None
    e: str | None = None

    @property
    def err(self) -> ControlErr | None:
        """The error of a reply, in either spelling."""
        if self.error is None and self.code is not None:
            return ControlErr(self.code, self.msg or "")
        return self.error


_FRAME_DECODER: Final = msgspec.json.Decoder(Frame)
_ENCODER: Final = msgspec.json.Encoder()


def parse_frame(data: bytes | bytearray | memoryview | str) -> Frame:
    """Decode a frame; raises ``msgspec.DecodeError`` / ``ValidationError`` when malformed."""
    return _FRAME_DECODER.decode(data)


def encode_control(method: str, params: Sequence[Any] | None, request_id: int) -> bytes:
    body: dict[str, Any] = {"method": method}
    if params is not None:
        body["params"] = list(params)
    body["id"] = request_id
    return _ENCODER.encode(body)


def batches(names: Sequence[str], max_params: int, max_bytes: int) -> Iterator[list[str]]:
    """Split ``names`` into lists of at most ``max_params`` names whose encoded message stays
    within ``max_bytes`` (a single over-long name still gets a message of its own)."""
    batch: list[str] = []
    size = _OVERHEAD
    for name in names:
        cost = len(name.encode()) + 3
        if batch and (len(batch) >= max_params or size + cost > max_bytes):
            yield batch
            batch, size = [], _OVERHEAD
        batch.append(name)
        size += cost
    if batch:
        yield batch
