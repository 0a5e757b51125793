"""Request signers: HMAC-SHA256, RSA (PKCS#1 v1.5, SHA-256) and Ed25519.

Each signer has ``sign(payload) -> str``: hex for HMAC, base64 for RSA and Ed25519. The REST
payload is the percent-encoded query string concatenated (no separator) with the request body,
exactly the bytes sent; the WebSocket API payload is the parameters sorted by name, joined as
``k=v&...`` without percent-encoding (`ws_api_payload`).

Keys never appear in ``repr()``, ``str()``, logs or exception messages.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from typing import Any, Literal, Protocol

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa

from ._encoding import format_value
from .errors import ValidationError

__all__ = [
    "Ed25519Signer",
    "HmacSigner",
    "RsaSigner",
    "Signer",
    "load_private_key_signer",
    "ws_api_payload",
]

KeyType = Literal["HMAC", "RSA", "ED25519"]


class Signer(Protocol):
    """Anything that signs a request payload."""

    key_type: KeyType

    def sign(self, payload: str) -> str:
        """The signature of ``payload``: hex for HMAC, base64 for RSA and Ed25519."""


class HmacSigner:
    """HMAC-SHA256 with the API secret; hex output."""

    key_type: KeyType = "HMAC"
    __slots__ = ("_mac",)

    def __init__(self, secret: str) -> None:
        if not isinstance(secret, str) or not secret:
            raise ValidationError("HmacSigner needs the API secret as a non-empty str")
        self._mac = hmac.new(secret.encode(), digestmod=hashlib.sha256)

    def sign(self, payload: str) -> str:
        """Hex HMAC-SHA256 of the UTF-8 payload."""
        mac = self._mac.copy()
        mac.update(payload.encode())
        return mac.hexdigest()

    def __repr__(self) -> str:
        return "HmacSigner(secret=<hidden>)"


def _load_pem(private_key_pem: bytes | str, password: bytes | None, wanted: str) -> Any:
    data = private_key_pem.encode() if isinstance(private_key_pem, str) else private_key_pem
    if not isinstance(data, bytes) or b"PRIVATE KEY" not in data:
        raise ValidationError(
            f"{wanted}Signer needs a PEM private key (-----BEGIN PRIVATE KEY-----)"
        )
    try:
        return serialization.load_pem_private_key(data, password=password)
    except TypeError:
        hint = "the key is encrypted: pass password=" if password is None else (
            "the key is not encrypted: pass password=None")
        raise ValidationError(f"{wanted}Signer could not load the private key: {hint}") from None
    except ValueError:
        raise ValidationError(
            f"{wanted}Signer could not load the private key: bad PEM data or wrong password"
        ) from None


class RsaSigner:
    """RSASSA-PKCS1-v1_5 with SHA-256 over the payload; base64 output."""

    key_type: KeyType = "RSA"
    __slots__ = ("_key",)

    def __init__(self, private_key_pem: bytes | str, password: bytes | None = None) -> None:
        key = _load_pem(private_key_pem, password, "Rsa")
        if not isinstance(key, rsa.RSAPrivateKey):
            raise ValidationError(
                f"RsaSigner needs an RSA private key, got {_key_kind(key)}"
                + (" (use Ed25519Signer)" if isinstance(key, ed25519.Ed25519PrivateKey) else "")
            )
        self._key = key

    def sign(self, payload: str) -> str:
        """Base64 RSA PKCS#1 v1.5 SHA-256 signature of the UTF-8 payload."""
        raw = self._key.sign(payload.encode(), padding.PKCS1v15(), hashes.SHA256())
        return base64.b64encode(raw).decode()

    def __repr__(self) -> str:
        return f"RsaSigner(key=<hidden {self._key.key_size}-bit>)"


class Ed25519Signer:
    """Ed25519 over the payload; base64 output."""

    key_type: KeyType = "ED25519"
    __slots__ = ("_key",)

    def __init__(self, private_key_pem: bytes | str, password: bytes | None = None) -> None:
        key = _load_pem(private_key_pem, password, "Ed25519")
        if not isinstance(key, ed25519.Ed25519PrivateKey):
            raise ValidationError(
                f"Ed25519Signer needs an Ed25519 private key, got {_key_kind(key)}"
                + (" (use RsaSigner)" if isinstance(key, rsa.RSAPrivateKey) else "")
            )
        self._key = key

    def sign(self, payload: str) -> str:
        """Base64 Ed25519 signature of the UTF-8 payload."""
        return base64.b64encode(self._key.sign(payload.encode())).decode()

    def __repr__(self) -> str:
        return "Ed25519Signer(key=<hidden>)"


def _key_kind(key: object) -> str:
    name = type(key).__name__.lstrip("_")
    return {"RSAPrivateKey": "an RSA key", "Ed25519PrivateKey": "an Ed25519 key"}.get(
        name, f"a {name.replace('PrivateKey', '')} key"
    )


def load_private_key_signer(
    private_key_pem: bytes | str, password: bytes | None = None
) -> RsaSigner | Ed25519Signer:
    """A signer for an RSA or Ed25519 PEM private key, chosen by the key's type."""
    key = _load_pem(private_key_pem, password, "")
    if isinstance(key, rsa.RSAPrivateKey):
        return RsaSigner(private_key_pem, password)
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return Ed25519Signer(private_key_pem, password)
    raise ValidationError(f"private key must be RSA or Ed25519, got {_key_kind(key)}")


def ws_api_payload(params: Mapping[str, Any]) -> str:
    """The WebSocket API signing payload: params sorted by name, ``k=v&...``, not encoded."""
    return "&".join(
        f"{k}={format_value(v, param=k)}" for k, v in sorted(params.items()) if v is not None
    )
