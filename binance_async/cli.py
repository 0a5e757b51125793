"""The ``binance-async`` command line.

Subcommands:
  endpoints   the endpoint catalogue, one line (or JSON object) per endpoint
  call        any catalogue call, signed when needed, printing the JSON response
  time        the server time and this machine's clock offset
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import msgspec

from . import __version__
from .errors import APIError, BinanceError, IPBanned, ValidationError
from .rest.session import DEFAULT_BASE_URL, Client

__all__ = ["main"]


def _parse_kv(pairs: Sequence[str]) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise ValidationError(f"expected key=value, got {pair!r}", param=pair)
        if value.startswith("[") and value.endswith("]"):
            params[key] = msgspec.json.decode(value.encode())
        else:
            params[key] = value
    return params


def _client_from_env(base_url: str, key_file: str | None) -> Client:
    api_key = os.environ.get("BINANCE_API_KEY")
    secret = os.environ.get("BINANCE_API_SECRET")
    key_path = key_file or os.environ.get("BINANCE_PRIVATE_KEY_FILE")
    private_key = Path(key_path).read_bytes() if key_path else None
    password = os.environ.get("BINANCE_PRIVATE_KEY_PASSWORD")
    return Client(
        api_key,
        None if private_key else secret,
        private_key=private_key,
        private_key_password=password.encode() if password else None,
        base_url=base_url,
    )


def _print_json(data: Any) -> None:
    sys.stdout.write(msgspec.json.encode(data).decode() + "\n")


async def _cmd_call(args: argparse.Namespace) -> int:
    from .rest import endpoints

    params = _parse_kv(args.params)
    method = args.method.upper()
    ep = endpoints.lookup(method, args.path)
    async with _client_from_env(args.base_url, args.key_file) as client:
        if ep is None:
            result = await client.request(method, args.path, params)
        else:
            path_params = dict(params)
            result = await client.call_endpoint(ep, path_params)
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


def _cmd_endpoints(args: argparse.Namespace) -> int:
    from .rest import endpoints

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
        description="Call a REST endpoint. Parameters as key=value; lists as JSON "
        '(symbols=["BTCUSDT","ETHUSDT"]). Keys come from BINANCE_API_KEY and '
        "BINANCE_API_SECRET, or BINANCE_PRIVATE_KEY_FILE (RSA/Ed25519 PEM).",
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
    except IPBanned as exc:
        until = f" until epoch {exc.banned_until:.0f}" if exc.banned_until else ""
        sys.stderr.write(f"error: IP banned{until} (retry after {exc.retry_after} s): {exc}\n")
        return 3
    except APIError as exc:
        sys.stderr.write(f"error: Binance code {exc.code}: {exc}\n")
        return 2
    except BinanceError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
