"""The ``binance-async`` command line.

Subcommands:
  endpoints   the endpoint catalogue, one line (or JSON object) per endpoint
  call        any catalogue call, signed when needed, printing the JSON response
  time        the server time and this machine's clock offset
  limits      the server's current weight and order-count usage
  sim         run the local Binance-compatible exchange
  demo        live order books against an in-process local exchange
  book        the same live view against any exchange URL
  stream      stream events as JSON lines
  record      record raw frames and depth snapshots to compressed rotating files
  replay      rebuild books from a recording, or serve it through the local exchange
"""

from __future__ import annotations

import argparse
import asyncio
import math
import sys
import time
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

import msgspec

from .. import __version__
from ..errors import APIError, BinanceError, IPBanned, TransportError, ValidationError
from ..rest.endpoints.validate import RECV_WINDOW
from ..rest.session import DEFAULT_BASE_URL, Client

if TYPE_CHECKING:
    from ..rest.endpoints import Endpoint

__all__ = ["main"]


def _split_kv(pairs: Sequence[str]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise ValidationError(f"expected key=value, got {pair!r}", param=pair)
        out.append((key, value))
    return out


def _json_list(key: str, text: str) -> list[Any]:
    try:
        value = msgspec.json.decode(text.encode())
    except msgspec.DecodeError:
        raise ValidationError(f"parameter {key!r}: not a JSON list: {text!r}", param=key) from None
    if not isinstance(value, list):
        raise ValidationError(f"parameter {key!r}: not a JSON list: {text!r}", param=key)
    return value


def _coerce(ep: Endpoint | None, key: str, text: str) -> Any:
    """A command-line string as the catalogue type of parameter `key` of `ep`.

    INT/LONG (and ENUMs with integer choices) -> int, DECIMAL -> Decimal, BOOLEAN -> bool
    (true/false, 1/0, yes/no), ARRAY -> list (JSON ``["A","B"]`` or comma-separated ``A,B``);
    ``recvWindow`` -> int (Decimal with decimals). Other text stays a str; a ``[...]`` value of
    a parameter the catalogue does not know is decoded as JSON.
    """
    param = ep.param(key) if ep is not None else None
    if param is None and ep is not None and key == RECV_WINDOW.name and ep.signed:
        param = RECV_WINDOW
    if param is None:
        if text.startswith("[") and text.endswith("]"):
            return _json_list(key, text)
        return text
    kind = param.type
    if kind == "ENUM" and param.choices and all(isinstance(c, int) for c in param.choices):
        kind = "INT"
    if kind in ("INT", "LONG"):
        try:
            return int(text)
        except ValueError:
            raise ValidationError(
                f"parameter {key!r} ({param.type}) must be an integer, got {text!r}", param=key
            ) from None
    if kind == "DECIMAL":
        try:
            number = Decimal(text.strip())
        except InvalidOperation:
            number = Decimal("NaN")
        if not number.is_finite():
            raise ValidationError(
                f"parameter {key!r} (DECIMAL) must be a number, got {text!r}", param=key
            )
        if param is RECV_WINDOW and number == number.to_integral_value():
            return int(number)
        return number
    if kind == "BOOLEAN":
        word = text.strip().lower()
        if word in ("true", "1", "yes"):
            return True
        if word in ("false", "0", "no"):
            return False
        raise ValidationError(
            f"parameter {key!r} (BOOLEAN) must be true or false, got {text!r}", param=key
        )
    if kind == "ARRAY":
        if text.startswith("["):
            return [v if isinstance(v, str) else str(v) for v in _json_list(key, text)]
        return [item.strip() for item in text.split(",") if item.strip()]
    return text


def _call_params(ep: Endpoint | None, path: str, pairs: Sequence[str]) -> dict[str, Any]:
    """key=value pairs (and the values of a concrete templated path) as typed parameters."""
    params: dict[str, Any] = {}
    if ep is not None:
        for key, text in (ep.path_values(path) or {}).items():
            params[key] = _coerce(ep, key, text)
    for key, text in _split_kv(pairs):
        params[key] = _coerce(ep, key, text)
    return params


def _plain(value: Any) -> Any:
    """Builtins with Decimals as plain-text strings and floats as plain JSON numbers."""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, float):
        if math.isfinite(value):
            return msgspec.Raw(format(Decimal(repr(value)), "f").encode())
        return None
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _print_json(data: Any) -> None:
    builtins = msgspec.to_builtins(data, builtin_types=(Decimal,))
    sys.stdout.write(msgspec.json.encode(_plain(builtins)).decode() + "\n")


async def _cmd_call(args: argparse.Namespace) -> int:
    from ..rest import endpoints

    method = args.method.upper()
    path = args.path.split("?", 1)[0]
    ep = endpoints.lookup(method, path)
    params = _call_params(ep, path, args.params)
    async with Client.from_env(args.base_url, key_file=args.key_file) as client:
        if ep is None:
            result = await client.request(method, path, params)
        else:
            result = await client.call_endpoint(ep, params)
    _print_json(result)
    return 0


async def _cmd_time(args: argparse.Namespace) -> int:
    async with Client(base_url=args.base_url) as client:
        await client.sync_time()
        _print_json(
            {
                "serverTime": client.clock.now_ms(),
                "offsetMs": round(client.clock.offset_ms, 1),
                "roundTripMs": round(client.clock.round_trip_ms or 0.0, 1),
            }
        )
    return 0


async def _cmd_limits(args: argparse.Namespace) -> int:
    async with Client.from_env(args.base_url, key_file=args.key_file) as client:
        await client.market.ping()
        orders: Any = None
        if client.has_credentials:
            orders = await client.trade.order_rate_limit()
        pools = client.statistics()["limits"]
    if args.json:
        _print_json({"pools": pools,
                     "orders": orders})  # fmt: skip
        return 0
    now = time.time()
    out = sys.stdout
    for name, pool in pools.items():
        blocked = (
            f", blocked for {pool.blocked_until - now:.0f} s" if pool.blocked_until > now else ""
        )
        out.write(
            f"{name:<15} {pool.used:>7,} / {pool.limit:<9,} per {pool.interval_seconds:g} s, "
            f"window resets in {max(0.0, pool.resets_at - now):.0f} s{blocked}\n"
        )
    for entry in orders or []:
        out.write(f"order count     {msgspec.json.encode(entry).decode()}\n")
    return 0


def _cmd_endpoints(args: argparse.Namespace) -> int:
    from ..rest import endpoints

    rows = endpoints.all_endpoints()
    if args.family:
        rows = tuple(ep for ep in rows if ep.family == args.family)
    out = sys.stdout
    for ep in rows:
        if args.json:
            out.write(msgspec.json.encode(ep.describe()).decode() + "\n")
        else:
            d = ep.describe()
            out.write(
                f"{d['method']:<6} {d['path']:<58} {d['security']:<11} "
                f"{d['family']}.{d['name']}  weight: {d['weight']}\n"
            )
    if not args.json:
        out.write(f"{len(rows)} endpoints\n")
    return 0


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="binance-async",
        description="Asyncio Binance client: REST, streams, order books, local exchange.",
    )
    parser.add_argument("--version", action="version", version=f"binance-async {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("endpoints", help="list the REST endpoint catalogue")
    p.add_argument("--json", action="store_true", help="one JSON object per line")
    p.add_argument("--family", help="only this API family (e.g. market, trade, wallet)")
    p.set_defaults(func=_cmd_endpoints)

    p = sub.add_parser(
        "call",
        help="call any REST endpoint (keys from BINANCE_API_KEY / BINANCE_API_SECRET)",
        description="Call a REST endpoint. Parameters as key=value, converted to the "
        "catalogue's types (integers, decimals, true/false); lists as JSON "
        '(symbols=["BTCUSDT","ETHUSDT"]) or comma-separated (symbols=BTCUSDT,ETHUSDT). '
        "Path parameters may be given in the path "
        "(/api/v2/copy-trading/leader/followers/123). Keys come from BINANCE_API_KEY and "
        "BINANCE_API_SECRET, or BINANCE_PRIVATE_KEY_FILE (RSA/Ed25519 PEM). Prints the "
        "response as one JSON line (decimals as plain-text strings); errors as one line on "
        "stderr, exit code 1 (invalid request), 2 (Binance error) or 3 (IP banned).",
    )
    p.add_argument("method", help="GET, POST, PUT or DELETE")
    p.add_argument("path", help="e.g. /api/v3/depth")
    p.add_argument("params", nargs="*", metavar="key=value")
    p.add_argument("--base-url", default=DEFAULT_BASE_URL, help="REST base URL")
    p.add_argument("--key-file", help="RSA or Ed25519 private key (PEM)")
    p.set_defaults(func=_cmd_call, is_async=True)

    p = sub.add_parser("time", help="server time and this machine's clock offset")
    p.add_argument("--base-url", default=DEFAULT_BASE_URL, help="REST base URL")
    p.set_defaults(func=_cmd_time, is_async=True)

    p = sub.add_parser(
        "limits",
        help="the server's current request-weight (and, with keys, order-count) usage",
        description="Make one weight-1 request (GET /api/v3/ping) and print every rate-limit "
        "pool as the server reports it (X-MBX-USED-WEIGHT-1M, ...). With keys "
        "(BINANCE_API_KEY / BINANCE_API_SECRET) also GET /api/v3/rateLimit/order.",
    )
    p.add_argument("--base-url", "--url", dest="base_url", default=DEFAULT_BASE_URL,
                   help="REST base URL")  # fmt: skip
    p.add_argument("--key-file", help="RSA or Ed25519 private key (PEM)")
    p.add_argument("--json", action="store_true", help="one JSON object")
    p.set_defaults(func=_cmd_limits, is_async=True)

    from ..sim.cli import add_sim_parser
    from .market import add_market_parsers

    add_sim_parser(sub)
    add_market_parsers(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``binance-async``; returns the process exit code."""
    parser = _build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    try:
        if getattr(args, "is_async", False):
            return int(asyncio.run(args.func(args)))
        return int(args.func(args))
    except KeyboardInterrupt:
        return 130
    except BaseException as exc:  # every error becomes one line and an exit code
        return _report(exc, getattr(args, "url", None) or getattr(args, "base_url", None))


def _leaf(exc: BaseException) -> BaseException:
    """The first real error inside (nested) exception groups from task groups."""
    while isinstance(exc, BaseExceptionGroup):
        inner = [e for e in exc.exceptions if not isinstance(e, asyncio.CancelledError)]
        exc = (inner or list(exc.exceptions))[0]
    return exc


def _report(error: BaseException, url: str | None = None) -> int:
    """Print ``error`` as one line on stderr; the exit code (re-raises what is not an error)."""
    exc = _leaf(error)
    if isinstance(exc, IPBanned):
        until = ""
        if exc.banned_until:
            stamp = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(exc.banned_until))
            until = f" until {stamp}"
        _error(f"IP banned{until} (retry after {exc.retry_after} s): {exc.msg or exc}")
        return 3
    if isinstance(exc, APIError):
        name = f" {exc.code_name}" if exc.code_name else ""
        _error(
            f"Binance code {exc.code}{name}: {exc.msg or type(exc).__name__} (HTTP {exc.status})"
        )
        return 2
    if isinstance(exc, ValidationError):
        _error(f"invalid request: {exc}")
        return 1
    if isinstance(exc, TransportError) and url:
        text = str(exc)
        _error(text if text.startswith("cannot reach") else f"cannot reach {url}: {text}")
        return 1
    if isinstance(exc, BinanceError):
        _error(str(exc))
        return 1
    if isinstance(exc, BrokenPipeError):
        return 0
    if isinstance(exc, OSError | ValueError):
        _error(f"{type(exc).__name__}: {exc}" if isinstance(exc, OSError) else str(exc))
        return 1
    if isinstance(exc, KeyboardInterrupt):
        return 130
    raise error


def _error(text: str) -> None:
    """One line on stderr, whatever the message holds."""
    sys.stderr.write("error: " + " ".join(text.split()) + "\n")


if __name__ == "__main__":
    sys.exit(main())
