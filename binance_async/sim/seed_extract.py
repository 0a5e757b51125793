"""Extract the example response of every catalogue endpoint from the seed documents.

Writes ``binance_async/sim/seed_examples.json``: ``{"GET /sapi/v1/system/status": <json>, ...}``,
the body the local exchange serves for endpoints it does not simulate with state. Run it again
only when the seeds or the catalogue change::

    python -m binance_async.sim.seed_extract [SEEDS_DIR]

How: in the 2022 Spot API seed each endpoint section is ``Title (SECURITY)``, ``Response:``, the
example JSON, then the route line (``GET /sapi/v1/... (HMAC SHA256)``). For each route line the
first JSON block after the nearest preceding ``Response`` heading of the same section is taken;
``//`` comments and trailing commas are removed and truncated examples are repaired by closing
their open brackets. The copy-trading leader seed uses fenced ``json`` blocks after each route.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

from ..rest.endpoints import all_endpoints

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SEEDS = ROOT.parent / "shared" / "seeds"
OUT = Path(__file__).resolve().parent / "seed_examples.json"

_ROUTE = re.compile(r"^(GET|POST|PUT|DELETE) (/(?:api|sapi)/[^\s(]+)")


def _strip_comments(text: str) -> str:
    out: list[str] = []
    for line in text.splitlines():
        in_str = False
        cut = len(line)
        i = 0
        while i < len(line):
            c = line[i]
            if c == '"' and (i == 0 or line[i - 1] != "\\"):
                in_str = not in_str
            elif not in_str and line.startswith("//", i):
                cut = i
                break
            i += 1
        out.append(line[:cut])
    return "\n".join(out)


def _repair(text: str) -> Any:
    """Parse a seed JSON example: comments, trailing commas, ``...`` and lost closers."""
    text = _strip_comments(text)
    text = re.sub(r"\.\.\.,?", "", text)
    text = re.sub(r",(\s*[}\]])", r"\1", text)
    text = re.sub(r'("\w+")(true|false|null|[0-9"])', r"\1:\2", text)  # lost colon
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        pass
    # rebalance: walk the text, drop unmatched closers, close what is still open
    stack: list[str] = []
    out: list[str] = []
    in_str = False
    for i, c in enumerate(text):
        if c == '"' and (i == 0 or text[i - 1] != "\\"):
            in_str = not in_str
        elif not in_str and c in "{[":
            stack.append("}" if c == "{" else "]")
        elif not in_str and c in "}]":
            while stack and stack[-1] != c:
                out.append(stack.pop())
            if not stack:
                continue
            stack.pop()
        out.append(c)
    fixed = "".join(out).rstrip().rstrip(",") + "".join(reversed(stack))
    fixed = re.sub(r",(\s*[}\]])", r"\1", fixed)
    fixed = re.sub(r"([}\]\"0-9el])(\s*\n\s*[\"{\[])", r"\1,\2", fixed)
    return json.loads(fixed)


def _first_json(lines: list[str]) -> str | None:
    """The first JSON value in ``lines`` (from its first ``{``/``[`` line to the balance)."""
    start = None
    for i, line in enumerate(lines):
        s = line.strip()
        if s.startswith(("{", "[")):
            start = i
            break
    if start is None:
        return None
    depth = 0
    buf: list[str] = []
    for line in lines[start:]:
        code = _strip_comments(line)
        buf.append(line)
        in_str = False
        for j, c in enumerate(code):
            if c == '"' and (j == 0 or code[j - 1] != "\\"):
                in_str = not in_str
            elif not in_str and c in "{[":
                depth += 1
            elif not in_str and c in "}]":
                depth -= 1
        if depth <= 0:
            break
    return "\n".join(buf)


def spot_examples(seed: Path) -> dict[str, Any]:
    """``{"METHOD /path": example}`` from the 2022 Spot API seed."""
    lines = seed.read_text().splitlines()
    out: dict[str, Any] = {}
    routes = [(i, m) for i, line in enumerate(lines) if (m := _ROUTE.match(line.strip()))]
    prev_route = 0
    for i, m in routes:
        key = f"{m.group(1)} {m.group(2)}"
        # the section: from the previous route line (exclusive) to this one
        lo = prev_route + 1
        prev_route = i
        if key in out:
            continue
        section = lines[lo:i]
        resp = next((k for k, s in enumerate(section) if s.strip().startswith("Response")), None)
        if resp is None:
            continue
        text = _first_json(section[resp + 1 :])
        if text is None:
            continue
        try:
            out[key] = _repair(text)
        except json.JSONDecodeError as exc:
            print(f"warning: {key}: unparsable example ({exc})", file=sys.stderr)
    return out


def leader_examples(seed: Path) -> dict[str, Any]:
    """``{"METHOD /path": example}`` from the copy-trading leader v2 seed."""
    text = seed.read_text()
    out: dict[str, Any] = {}
    blocks = re.split(r"\nRequest URL\n", text)
    for block in blocks[1:]:
        m = re.match(r"\s*(GET|POST|PUT|DELETE) (\S+)", block)
        if m is None:
            continue
        key = f"{m.group(1)} {m.group(2)}"
        for jm in re.finditer(r"\njson\n(\{.*?\n\})\n", block, re.S):
            body = json.loads(jm.group(1))
            if isinstance(body, dict) and "code" in body and "data" in body:
                out[key] = body
                break
    return out


def main() -> int:
    """Write ``seed_examples.json`` (seeds directory from ``argv[1]``); returns 0."""
    seeds = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_SEEDS
    found = spot_examples(seeds / "binance-spot-api-2022.txt")
    found.update(leader_examples(seeds / "copy-trading-leader-v2.en.txt"))
    result: dict[str, Any] = {}
    missing = []
    for ep in all_endpoints():
        if ep.key in found:
            result[ep.key] = found[ep.key]
        else:
            missing.append(ep.key)
    OUT.write_text(json.dumps(result, indent=1, sort_keys=True) + "\n")
    print(f"{len(result)} examples written to {OUT.relative_to(ROOT)}; no example for "
          f"{len(missing)}: {', '.join(missing)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
