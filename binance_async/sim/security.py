"""API keys and request security of the local exchange, checked the way Binance checks them.

`KeyStore` holds the API keys (HMAC secrets, RSA / Ed25519 public keys, read-only flag), each
bound to an engine account. `check_timestamp` applies the timing rule and `verify_signature`
checks a signature over the exact bytes received.

Timing (facts doc section 1): ``timestamp`` in ms (or µs, 16+ digits), ``recvWindow`` default
5000, at most 60000 (-1131), up to 3 decimals; accepted when
``timestamp < serverTime + 1000`` and ``serverTime - timestamp <= recvWindow``, else -1021.

Signature payload: the raw (still percent-encoded) query string followed, with no separator, by
the raw body, with the ``signature`` parameter cut out of whichever part carries it. HMAC-SHA256
hex (case-insensitive), RSA PKCS#1 v1.5 SHA-256 base64, Ed25519 base64; the value is
percent-decoded first (form rules: ``+`` is a space, so an unencoded base64 ``+`` fails).
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import hmac
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal
from urllib.parse import unquote_plus

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa

from .errors import SimError, illegal_chars, mandatory

__all__ = [
    "API_KEY_FORMAT",
    "ApiKey",
    "KeyStore",
    "KeyType",
    "bad_key",
    "check_timestamp",
    "split_signature",
    "verify_signature",
]

KeyType = Literal["HMAC", "RSA", "ED25519"]

API_KEY_FORMAT = re.compile(r"^[A-Za-z0-9]{64}$")
MAX_RECV_WINDOW = 60_000
DEFAULT_RECV_WINDOW = 5_000
_RECV_WINDOW = re.compile(r"^[0-9]{1,20}(\.[0-9]{1,3})?$")
_TIMESTAMP = re.compile(r"^[0-9]{1,20}$")
_MICROS = 10**15  # 16+ digits: microseconds (ms timestamps have 13 until the year 2286)
_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


def _alnum(material: bytes, n: int) -> str:
    """``n`` alphanumeric characters derived from ``material`` (deterministic)."""
    out: list[str] = []
    counter = 0
    while len(out) < n:
        digest = hashlib.sha256(material + counter.to_bytes(4, "big")).digest()
        out.extend(_ALNUM[b % len(_ALNUM)] for b in digest)
        counter += 1
    return "".join(out[:n])


@functools.cache
def _shared_rsa_key() -> rsa.RSAPrivateKey:
    """One 2048-bit RSA key per process, generated on first use (~0.1 s, kept off startup)."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass(eq=False)
class ApiKey:
    """One API key: its account, type, credentials and permissions.

    HMAC keys carry `secret`; RSA / Ed25519 keys carry the public key the server verifies with
    and, for the demo keys the server hands out, the private key PEM.
    """

    api_key: str
    account_id: str
    key_type: KeyType
    secret: str | None = None
    can_trade: bool = True
    label: str = ""
    _private: Any = field(default=None, repr=False)
    _public: Any = field(default=None, repr=False)
    _lazy_rsa: bool = field(default=False, repr=False)

    @property
    def public_key(self) -> Any:
        """The RSA / Ed25519 public key signatures are verified with; None for HMAC."""
        if self._public is None and self._lazy_rsa:
            self._private = _shared_rsa_key()
            self._public = self._private.public_key()
        return self._public

    @property
    def private_key_pem(self) -> str | None:
        """The PEM (PKCS#8) private key of an RSA / Ed25519 demo key, None for HMAC."""
        if self._private is None and self._lazy_rsa:
            _ = self.public_key
        if self._private is None:
            return None
        pem: bytes = self._private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        return pem.decode()

    def verify(self, payload: bytes, signature: str) -> bool:
        """Whether `signature` (already percent-decoded) signs `payload` with this key."""
        if self.key_type == "HMAC":
            assert self.secret is not None
            expected = hmac.new(self.secret.encode(), payload, hashlib.sha256).hexdigest()
            return hmac.compare_digest(expected, signature.strip().lower())
        try:
            raw = base64.b64decode(signature, validate=True)
        except (binascii.Error, ValueError):
            return False
        key = self.public_key
        try:
            if self.key_type == "RSA":
                key.verify(raw, payload, padding.PKCS1v15(), hashes.SHA256())
            else:
                key.verify(raw, payload)
        except InvalidSignature:
            return False
        return True

    def __repr__(self) -> str:
        return (
            f"ApiKey({self.key_type}, account={self.account_id!r}, "
            f"can_trade={self.can_trade}, label={self.label!r})"
        )


class KeyStore:
    """The exchange's API keys by key string. Demo keys derive from the exchange's seed."""

    def __init__(self, seed: int | str = 0) -> None:
        self.seed = seed
        self._keys: dict[str, ApiKey] = {}
        self._n = 0

    def __len__(self) -> int:
        return len(self._keys)

    def get(self, api_key: str) -> ApiKey | None:
        """The key registered as ``api_key``, or None."""
        return self._keys.get(api_key)

    def add(self, key: ApiKey) -> ApiKey:
        """Register a key (-> ValueError if the key string is taken or malformed)."""
        if not API_KEY_FORMAT.match(key.api_key):
            raise ValueError("an API key is 64 letters and digits")
        if key.api_key in self._keys:
            raise ValueError("duplicate API key")
        self._keys[key.api_key] = key
        return key

    def create(
        self,
        account_id: str,
        key_type: KeyType = "HMAC",
        *,
        can_trade: bool = True,
        label: str = "",
        public_key_pem: bytes | str | None = None,
    ) -> ApiKey:
        """A new key for `account_id`: generated credentials, or your own RSA / Ed25519 public
        key (`public_key_pem`, then the server holds no private key)."""
        self._n += 1
        material = f"binance_async.sim:{self.seed}:{account_id}:{key_type}:{self._n}".encode()
        api_key = _alnum(material + b":key", 64)
        if key_type == "HMAC":
            return self.add(ApiKey(api_key, account_id, "HMAC", _alnum(material + b":secret", 64),
                                   can_trade, label))  # fmt: skip
        if public_key_pem is not None:
            data = public_key_pem.encode() if isinstance(public_key_pem, str) else public_key_pem
            public = serialization.load_pem_public_key(data)
            want = rsa.RSAPublicKey if key_type == "RSA" else ed25519.Ed25519PublicKey
            if not isinstance(public, want):
                raise ValueError(f"public_key_pem is not a {key_type} public key")
            return self.add(ApiKey(api_key, account_id, key_type, None, can_trade, label,
                                   _public=public))  # fmt: skip
        if key_type == "RSA":
            return self.add(ApiKey(api_key, account_id, "RSA", None, can_trade, label,
                                   _lazy_rsa=True))  # fmt: skip
        seed32 = hashlib.sha256(material + b":ed25519").digest()
        private = ed25519.Ed25519PrivateKey.from_private_bytes(seed32)
        return self.add(ApiKey(api_key, account_id, "ED25519", None, can_trade, label,
                               _private=private, _public=private.public_key()))  # fmt: skip


# --- request checks ---------------------------------------------------------------------------


def bad_key(header: str | None) -> SimError | None:
    """-2014 when the ``X-MBX-APIKEY`` header is missing or malformed, else None."""
    if header is None or not API_KEY_FORMAT.match(header):
        return SimError(-2014, "API-key format invalid.", 401)
    return None


def check_timestamp(params: dict[str, Any], now_ms: int) -> None:
    """Apply Binance's timing rule to ``timestamp`` / ``recvWindow`` (raises SimError)."""
    ts_s = params.get("timestamp")
    if not isinstance(ts_s, str) or not _TIMESTAMP.match(ts_s):
        raise mandatory("timestamp")
    rw_s = params.get("recvWindow")
    if rw_s is None or rw_s == "":
        recv_window = Decimal(DEFAULT_RECV_WINDOW)
    elif not isinstance(rw_s, str) or not _RECV_WINDOW.match(rw_s):
        raise illegal_chars("recvWindow", _RECV_WINDOW.pattern)
    else:
        recv_window = Decimal(rw_s)
        if recv_window > MAX_RECV_WINDOW:
            raise SimError(-1131, "recvWindow must be less than 60000")
    ts = int(ts_s)
    # compare in microseconds so µs timestamps and fractional windows stay exact
    ts_us = ts if ts >= _MICROS else ts * 1000
    now_us = now_ms * 1000
    if ts_us >= now_us + 1_000_000:
        raise SimError(-1021, "Timestamp for this request was 1000ms ahead of the server's time.")
    if now_us - ts_us > recv_window * 1000:
        raise SimError(-1021, "Timestamp for this request is outside of the recvWindow.")


def split_signature(raw: str) -> tuple[str, list[str]]:
    """Cut every ``signature=`` parameter out of a raw urlencoded string.

    Returns the rest, exactly as received (the separators around the signature removed), and
    the raw signature values found.
    """
    if "signature=" not in raw:
        return raw, []
    kept: list[str] = []
    found: list[str] = []
    for part in raw.split("&"):
        if part.startswith("signature="):
            found.append(part[len("signature=") :])
        else:
            kept.append(part)
    return "&".join(kept), found


def verify_signature(key: ApiKey, payload: bytes, raw_signature: str) -> None:
    """-1022 unless `raw_signature` (as received, percent-encoded) signs `payload`."""
    if not key.verify(payload, unquote_plus(raw_signature)):
        raise SimError(-1022, "Signature for this request is not valid.")
