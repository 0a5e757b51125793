"""Hot-path depth models: diff-depth events, partial-depth events, REST depth snapshots.

Two spellings of each shape, decoders built once:

- **Text** (`DepthEvent`, `PartialDepth`, `DepthSnapshotRaw`): price levels are
  ``(price, qty)`` tuples of the exact wire strings (``("61837.63000000", "3.78826000")``).
  Exact, and what you hand to anything that must keep Binance's text.
- **Float** (`DepthEventFloat`, `PartialDepthFloat`, `DepthSnapshotFloat`, and
  `DepthFrameFloat`, a combined-stream frame decoded in one pass): price levels are
  ``(price, qty)`` float tuples parsed by msgspec in C (lax mode: decimal strings become
  floats). This is the order book's hot path. Values are validated while decoding: a price
  must be ``> 0``, a quantity ``>= 0``, both finite and below `FLOAT_EXACT_LIMIT` (2**26).
  Below that bound a value written with up to 8 decimals comes back as exactly the same text
  from ``format(x, ".8f")``; a level outside it makes the float decoder fail, and
  `binance_async.book.DepthSync` then takes the exact text path for that event instead (see
  `binance_async.book.OrderBook`).

These are distinct from ``binance_async.models.market.DepthSnapshot`` (Decimal levels, REST
convenience): the names here say which variant you hold.

The combined-stream envelope is decoded once into `StreamEnvelope` (``data`` stays
``msgspec.Raw``), then ``data`` goes through the typed decoder of its stream::

    env = ENVELOPE_DECODER.decode(frame)
    event = DEPTH_EVENT_FLOAT_DECODER.decode(env.data)

Futures diff-depth events carry ``pu`` (previous final update id) and ``T`` (transaction time);
spot events leave them None. Futures REST snapshots also carry ``E``/``T``.
"""

from __future__ import annotations

import sys
from typing import Annotated, Final

import msgspec

__all__ = [
    "DEPTH_EVENT_DECODER",
    "DEPTH_EVENT_FLOAT_DECODER",
    "DEPTH_FRAME_FLOAT_DECODER",
    "DEPTH_SNAPSHOT_FLOAT_DECODER",
    "DEPTH_SNAPSHOT_RAW_DECODER",
    "ENVELOPE_DECODER",
    "FLOAT_EXACT_LIMIT",
    "PARTIAL_DEPTH_DECODER",
    "PARTIAL_DEPTH_FLOAT_DECODER",
    "DepthEvent",
    "DepthEventFloat",
    "DepthFrameFloat",
    "DepthSnapshotFloat",
    "DepthSnapshotRaw",
    "FloatLevel",
    "PartialDepth",
    "PartialDepthFloat",
    "StreamEnvelope",
    "TextLevel",
    "levels_to_float",
]

#: Values below this bound, written with at most 8 decimals, survive text -> float -> text
#: (``format(x, ".8f")``): the spacing of doubles below 2**26 is under 1e-8.
FLOAT_EXACT_LIMIT: Final = float(2**26)

FloatPrice = Annotated[float, msgspec.Meta(gt=0.0, lt=FLOAT_EXACT_LIMIT)]
FloatQty = Annotated[float, msgspec.Meta(ge=0.0, lt=FLOAT_EXACT_LIMIT)]
AnyPrice = Annotated[float, msgspec.Meta(gt=0.0, le=sys.float_info.max)]
AnyQty = Annotated[float, msgspec.Meta(ge=0.0, le=sys.float_info.max)]

TextLevel = tuple[str, str]
FloatLevel = tuple[float, float]


class StreamEnvelope(msgspec.Struct, frozen=True, gc=False):
    """A combined-stream frame ``{"stream": ..., "data": ...}``; ``data`` is left undecoded."""

    stream: str
    data: msgspec.Raw


class DepthEvent(msgspec.Struct, frozen=True, gc=False):
    """A diff-depth event (``<symbol>@depth[@100ms]``), levels as exact wire text."""

    event_type: str = msgspec.field(name="e")
    event_time: int = msgspec.field(name="E")
    symbol: str = msgspec.field(name="s")
    first_update_id: int = msgspec.field(name="U")
    final_update_id: int = msgspec.field(name="u")
    bids: list[TextLevel] = msgspec.field(name="b")
    asks: list[TextLevel] = msgspec.field(name="a")
    prev_final_update_id: int | None = msgspec.field(default=None, name="pu")
    transaction_time: int | None = msgspec.field(default=None, name="T")


class DepthEventFloat(msgspec.Struct, frozen=True, gc=False):
    """The same event with float levels (the order book's hot path; see the module doc)."""

    event_type: str = msgspec.field(name="e")
    event_time: int = msgspec.field(name="E")
    symbol: str = msgspec.field(name="s")
    first_update_id: int = msgspec.field(name="U")
    final_update_id: int = msgspec.field(name="u")
    bids: list[tuple[FloatPrice, FloatQty]] = msgspec.field(name="b")
    asks: list[tuple[FloatPrice, FloatQty]] = msgspec.field(name="a")
    prev_final_update_id: int | None = msgspec.field(default=None, name="pu")
    transaction_time: int | None = msgspec.field(default=None, name="T")


class PartialDepth(msgspec.Struct, frozen=True, gc=False):
    """A partial-depth event (``<symbol>@depth<5|10|20>[@100ms]``): the top levels, best first."""

    last_update_id: int = msgspec.field(name="lastUpdateId")
    bids: list[TextLevel] = msgspec.field(name="bids")
    asks: list[TextLevel] = msgspec.field(name="asks")


class PartialDepthFloat(msgspec.Struct, frozen=True, gc=False):
    """The same partial-depth event with float levels (any finite magnitude; what
    `binance_async.book.CrossCheck` compares with a book)."""

    last_update_id: int = msgspec.field(name="lastUpdateId")
    bids: list[tuple[AnyPrice, AnyQty]] = msgspec.field(name="bids")
    asks: list[tuple[AnyPrice, AnyQty]] = msgspec.field(name="asks")


class DepthFrameFloat(msgspec.Struct, frozen=True, gc=False):
    """A combined-stream frame around a diff-depth event, decoded in one pass (``data`` typed:
    no `msgspec.Raw` in between, about 0.5 us less than envelope then event)."""

    stream: str
    data: DepthEventFloat


class DepthSnapshotRaw(msgspec.Struct, frozen=True, gc=False):
    """``GET /api/v3/depth`` (or ``/fapi/v1/depth``) with levels as exact wire text."""

    last_update_id: int = msgspec.field(name="lastUpdateId")
    bids: list[TextLevel] = msgspec.field(name="bids")
    asks: list[TextLevel] = msgspec.field(name="asks")
    event_time: int | None = msgspec.field(default=None, name="E")
    transaction_time: int | None = msgspec.field(default=None, name="T")


class DepthSnapshotFloat(msgspec.Struct, frozen=True, gc=False):
    """The same snapshot with float levels (any finite magnitude; no exactness bound)."""

    last_update_id: int = msgspec.field(name="lastUpdateId")
    bids: list[tuple[AnyPrice, AnyQty]] = msgspec.field(name="bids")
    asks: list[tuple[AnyPrice, AnyQty]] = msgspec.field(name="asks")
    event_time: int | None = msgspec.field(default=None, name="E")
    transaction_time: int | None = msgspec.field(default=None, name="T")


ENVELOPE_DECODER: Final = msgspec.json.Decoder(StreamEnvelope)
DEPTH_EVENT_DECODER: Final = msgspec.json.Decoder(DepthEvent)
DEPTH_EVENT_FLOAT_DECODER: Final = msgspec.json.Decoder(DepthEventFloat, strict=False)
DEPTH_FRAME_FLOAT_DECODER: Final = msgspec.json.Decoder(DepthFrameFloat, strict=False)
PARTIAL_DEPTH_DECODER: Final = msgspec.json.Decoder(PartialDepth)
PARTIAL_DEPTH_FLOAT_DECODER: Final = msgspec.json.Decoder(PartialDepthFloat, strict=False)
DEPTH_SNAPSHOT_RAW_DECODER: Final = msgspec.json.Decoder(DepthSnapshotRaw)
DEPTH_SNAPSHOT_FLOAT_DECODER: Final = msgspec.json.Decoder(DepthSnapshotFloat, strict=False)

_FLOAT_LEVELS: Final = list[tuple[AnyPrice, AnyQty]]


def levels_to_float(levels: list[TextLevel]) -> list[FloatLevel]:
    """Parse text levels to floats in C; `msgspec.ValidationError` on a bad number.

    A price must be finite and ``> 0``, a quantity finite and ``>= 0``. Only plain JSON-style
    numbers are accepted (no ``"1_000"``, no spaces, no ``"nan"``).
    """
    result: list[FloatLevel] = msgspec.convert(levels, _FLOAT_LEVELS, strict=False)
    return result
