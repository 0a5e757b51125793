"""One row format for every benchmark, so ``python -m benchmarks`` can print one table."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal, NamedTuple

Kind = Literal["floor", "ours", "peer"]


class Row(NamedTuple):
    """One measured figure: ``kind`` says whether it is a floor, this library or a peer."""

    benchmark: str
    subject: str
    kind: Kind
    value: float
    unit: str
    higher_is_better: bool = False
    note: str = ""


def _speedup(row: Row, ours: Row | None) -> str:
    """How many times faster ``ours`` is than ``row`` (a peer), direction-aware."""
    if ours is None or row.kind != "peer" or not row.value or not ours.value:
        return ""
    ratio = ours.value / row.value if row.higher_is_better else row.value / ours.value
    return f"{ratio:.2f}x"


def _vs_floor(row: Row, floor: Row | None) -> str:
    if floor is None or row.kind == "floor" or not floor.value:
        return ""
    if row.higher_is_better:
        return f"{row.value / floor.value:.0%} of floor"
    return f"{row.value / floor.value:.2f}x floor"


def render(rows: Iterable[Row]) -> str:
    """Format rows as one plain-text table, grouped by benchmark, with ratios in each group."""
    rows = list(rows)
    groups: dict[str, list[Row]] = {}
    for row in rows:
        groups.setdefault(row.benchmark, []).append(row)
    header = ("benchmark", "subject", "value", "vs floor", "ours faster by", "note")
    table: list[tuple[str, ...]] = [header]
    for name, group in groups.items():
        floor = next((r for r in group if r.kind == "floor"), None)
        ours = next((r for r in group if r.kind == "ours"), None)
        for i, row in enumerate(group):
            table.append(
                (
                    name if i == 0 else "",
                    row.subject,
                    f"{row.value:,.2f} {row.unit}",
                    _vs_floor(row, floor),
                    _speedup(row, ours),
                    row.note,
                )
            )
    widths = [max(len(r[i]) for r in table) for i in range(len(header))]
    lines = [
        "  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip() for r in table
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
