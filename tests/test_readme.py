"""The README's code examples run as written (against the local exchange, offline)."""

from __future__ import annotations

import asyncio
import re
import textwrap
from pathlib import Path
from typing import Any

README = Path(__file__).resolve().parents[1] / "README.md"


def _python_block_after(heading: str) -> str:
    text = README.read_text()
    section = text[text.index(heading) :]
    match = re.search(r"```python\n(.*?)```", section, re.S)
    assert match, f"no python block after {heading!r}"
    return match.group(1)


async def test_local_exchange_example_runs() -> None:
    code = _python_block_after("## The local exchange")
    namespace: dict[str, Any] = {}
    exec(  # the README's own example, wrapped in a coroutine
        "async def example():\n" + textwrap.indent(code, "    ") + "    return book, order\n",
        namespace,
    )
    book, order = await namespace["example"]()
    assert book.bids and book.asks and book.bids[0].price < book.asks[0].price
    assert order.symbol == "BTCUSDT" and order.status in ("NEW", "FILLED", "PARTIALLY_FILLED")


def test_quickstart_has_exactly_two_commands() -> None:
    text = README.read_text()
    quick = text[text.index("## Quickstart") : text.index("\n## ", text.index("## Quickstart") + 5)]
    commands = re.findall(r"```\n(.*?)\n```", quick, re.S)
    assert len(commands) == 2
    assert all(c.startswith("python3 -m venv .venv && ") for c in commands)
    assert "pytest" in commands[1]
    # the first runs the live demo, and ends on its own (CI runs it verbatim)
    assert re.search(r"binance-async demo --duration \d+$", commands[0])


def test_readme_names_only_real_cli_commands() -> None:
    from binance_async.cli import _build_parser

    parser = _build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    known = set(sub.choices)  # type: ignore[arg-type]
    text = README.read_text()
    table = text[text.index("## Command line") : text.index("## Examples")]
    named = set(re.findall(r"^\| `([a-z]+)", table, re.M))
    assert named == known


async def test_streams_example_runs(capsys: Any) -> None:
    code = _python_block_after("## Streams")
    namespace: dict[str, Any] = {}
    exec("async def example():\n" + textwrap.indent(code, "    "), namespace)
    await asyncio.wait_for(namespace["example"](), 20)
    out = capsys.readouterr().out.split()
    assert out[0] in ("BTCUSDT", "ETHUSDT") and out[1] in ("TradeEvent", "BookTickerEvent")


async def test_books_and_user_data_example_runs(capsys: Any) -> None:
    code = _python_block_after("## Order books and user data")
    namespace: dict[str, Any] = {}
    exec("async def example():\n" + textwrap.indent(code, "    "), namespace)
    await asyncio.wait_for(namespace["example"](), 30)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and lines[1] in ("ExecutionReport", "OutboundAccountPosition")
