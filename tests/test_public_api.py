"""The public names: `__all__` lists exactly what the package exports, each documented."""

from __future__ import annotations

import binance_async


def test_all_is_complete_and_documented() -> None:
    exported = set(binance_async.__all__)
    assert {"Client", "HmacSigner", "RsaSigner", "Ed25519Signer", "BinanceError"} <= exported
    for name in exported:
        assert hasattr(binance_async, name), name
        obj = getattr(binance_async, name)
        if callable(obj):
            assert obj.__doc__, f"{name} has no docstring"
    public = {n for n in vars(binance_async) if not n.startswith("_")}
    modules = {"auth", "clock", "errors", "rest", "models", "sim", "book", "cli", "streams",
               "recording"}  # fmt: skip
    assert public - modules - exported == set()
