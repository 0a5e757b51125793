"""Shared fixtures: paths to the real recorded data, and a tiny Binance-like server on loopback."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SHARED = Path(
    os.environ.get("BINANCE_ASYNC_SHARED", Path(__file__).resolve().parents[2] / "shared")
)
REAL_DATA = SHARED / "data" / "real"


@pytest.fixture(scope="session")
def real_data() -> Path:
    """The folder of real recorded Binance data (../shared/data/real)."""
    if not REAL_DATA.is_dir():
        pytest.fail(f"real data folder not found at {REAL_DATA} (set BINANCE_ASYNC_SHARED)")
    return REAL_DATA
