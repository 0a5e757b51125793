"""`python -m benchmarks`: every benchmark module has ``rows``; the table shows the ratios."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.__main__ import BENCHMARKS  # noqa: E402
from benchmarks._table import Row, render  # noqa: E402


def test_every_benchmark_script_is_in_the_table() -> None:
    scripts = {p.stem for p in (ROOT / "benchmarks").glob("*.py") if not p.stem.startswith("_")}
    assert scripts == {name for name, _ in BENCHMARKS}
    for name, _ in BENCHMARKS:
        assert callable(importlib.import_module(f"benchmarks.{name}").rows)


def test_render_ratios() -> None:
    text = render(
        [
            Row("apply", "decode", "floor", 2.0, "us"),
            Row("apply", "ours", "ours", 6.0, "us"),
            Row("apply", "peer", "peer", 12.0, "us"),
            Row("stream", "recv", "floor", 100.0, "ev/s", True),
            Row("stream", "ours", "ours", 80.0, "ev/s", True),
            Row("stream", "peer", "peer", 20.0, "ev/s", True),
        ]
    )
    lines = text.splitlines()
    assert lines[0].split()[:3] == ["benchmark", "subject", "value"]
    assert "3.00x floor" in lines[3] and "6.00x floor" in lines[4] and "2.00x" in lines[4]
    assert "80% of floor" in lines[6] and "4.00x" in lines[7]
