"""Market and user-data streams.

- `StreamProtocol` (`binance_async.streams.protocol`): the sans-I/O multiplexer core:
  subscription table with reference counts, sharding (1024 streams per connection),
  SUBSCRIBE/UNSUBSCRIBE batching and reply matching, the 5-messages-per-second throttle, the
  300-connections-per-5-minutes budget, reconnect replay with `Gap` markers, make-before-break
  rotation with deduplication, and liveness. Its inputs take ``now``; its outputs are
  `NetAction` s (`Open`, `Send`, `Pong`, `Close`) and `AppEvent` s (`Deliver`, `Gap`,
  `Resumed`, `Ack`, `Refused`, `Dropped`, `ControlResult`, `ControlError`, `Malformed`).
- `names`: stream-name builders (``names.trade("BTCUSDT") == "btcusdt@trade"``) and
  `combined_url`.
- `Throttle`, `ConnectBudget`, `Backoff` (`binance_async.streams.limits`): the pure rate and
  retry state, reusable by the WebSocket API client.

Event types and decoders live in `binance_async.models.streams` and
`binance_async.models.user_data`.
"""

from . import names
from .actions import (
    Ack,
    AppEvent,
    Close,
    ControlError,
    ControlResult,
    Deliver,
    Dropped,
    Gap,
    Malformed,
    NetAction,
    Open,
    Pong,
    Refused,
    Request,
    Resumed,
    Send,
    SubscriberId,
)
from .config import ConnectionInfo, ProtocolStats, StreamConfig
from .handover import event_key
from .limits import Backoff, ConnectBudget, Throttle
from .names import combined_url
from .protocol import StreamProtocol

__all__ = [
    "Ack",
    "AppEvent",
    "Backoff",
    "Close",
    "ConnectBudget",
    "ConnectionInfo",
    "ControlError",
    "ControlResult",
    "Deliver",
    "Dropped",
    "Gap",
    "Malformed",
    "NetAction",
    "Open",
    "Pong",
    "ProtocolStats",
    "Refused",
    "Request",
    "Resumed",
    "Send",
    "StreamConfig",
    "StreamProtocol",
    "SubscriberId",
    "Throttle",
    "combined_url",
    "event_key",
    "names",
]
