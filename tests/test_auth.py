"""Signers against Binance's official vectors and the published sample RSA key."""

from __future__ import annotations

import base64
import json
import logging
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from binance_async import Ed25519Signer, HmacSigner, RsaSigner, ValidationError
from binance_async._encoding import encode_params
from binance_async.auth import load_private_key_signer, ws_api_payload

SECRET = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"


def _vectors(real_data: Path) -> dict[str, Any]:
    path = real_data / "binance-spot-api-docs" / "EXTRACTED_signature_vectors.json"
    return json.loads(path.read_text())  # type: ignore[no-any-return]


def _sample_key(real_data: Path, encrypted: bool = False) -> bytes:
    name = "encrypted_private_key.pem" if encrypted else "private_key.pem"
    return (real_data / "binance-signature-examples" / "python" / name).read_bytes()


def test_hmac_official_vectors(real_data: Path) -> None:
    vectors = _vectors(real_data)["hmac_official"]
    assert len(vectors) == 6
    for v in vectors:
        assert HmacSigner(v["secret_key"]).sign(v["payload"]) == v["expected_hex"], v["id"]


def test_hmac_nonascii_vector_built_from_unencoded_params(real_data: Path) -> None:
    v = next(
        x
        for x in _vectors(real_data)["hmac_official"]
        if x["id"] == "rest-hmac-nonascii-percent-encoded"
    )
    params = dict(pair.split("=", 1) for pair in v["unencoded_payload"].split("&"))
    assert encode_params(params) == v["payload"]
    assert HmacSigner(SECRET).sign(encode_params(params)) == v["expected_hex"]


def test_query_plus_body_vector(real_data: Path) -> None:
    v = next(
        x
        for x in _vectors(real_data)["hmac_official"]
        if x["id"] == "rest-hmac-mixed-query-and-body"
    )
    payload = v["query_string"] + v["request_body"]
    assert HmacSigner(SECRET).sign(payload) == v["expected_hex"]


def test_ws_api_sorted_payload(real_data: Path) -> None:
    vectors = _vectors(real_data)["hmac_official"]
    v = next(x for x in vectors if x["id"] == "wsapi-hmac-ascii-sorted")
    assert ws_api_payload(v["params"]) == v["payload"]
    assert HmacSigner(SECRET).sign(ws_api_payload(v["params"])) == v["expected_hex"]


@pytest.mark.parametrize("encrypted", [False, True])
def test_rsa_derived_vectors(real_data: Path, encrypted: bool) -> None:
    pem = _sample_key(real_data, encrypted)
    signer = RsaSigner(pem, b"password" if encrypted else None)
    for v in _vectors(real_data)["rsa_derived_from_official_sample_key"]:
        assert signer.sign(v["payload"]) == v["signature_b64"], v["id"]


def test_rsa_key_as_str(real_data: Path) -> None:
    pem = _sample_key(real_data).decode()
    v = _vectors(real_data)["rsa_derived_from_official_sample_key"][0]
    assert RsaSigner(pem).sign(v["payload"]) == v["signature_b64"]


def _ed25519_pem() -> tuple[bytes, ed25519.Ed25519PrivateKey]:
    key = ed25519.Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return pem, key


def test_ed25519_signs_and_verifies() -> None:
    pem, key = _ed25519_pem()
    payload = "symbol=BTCUSDT&side=SELL&timestamp=1645423376532"
    sig = Ed25519Signer(pem).sign(payload)
    assert len(base64.b64decode(sig)) == 64
    key.public_key().verify(base64.b64decode(sig), payload.encode())


def test_ed25519_rfc8032_vector() -> None:
    # RFC 8032 section 7.1, TEST 1 (empty message)
    seed = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
    key = ed25519.Ed25519PrivateKey.from_private_bytes(seed)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    expected = (
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
        "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
    )
    assert base64.b64decode(Ed25519Signer(pem).sign("")).hex() == expected


def test_key_type_errors_are_clear(real_data: Path) -> None:
    rsa_pem = _sample_key(real_data)
    ed_pem, _ = _ed25519_pem()
    with pytest.raises(ValidationError, match="needs an Ed25519 private key, got an RSA key"):
        Ed25519Signer(rsa_pem)
    with pytest.raises(ValidationError, match="needs an RSA private key, got an Ed25519 key"):
        RsaSigner(ed_pem)
    with pytest.raises(ValidationError, match="encrypted: pass password="):
        RsaSigner(_sample_key(real_data, encrypted=True))
    with pytest.raises(ValidationError, match="wrong password"):
        RsaSigner(_sample_key(real_data, encrypted=True), b"nope")
    with pytest.raises(ValidationError, match="PEM private key"):
        RsaSigner(b"not a key")
    with pytest.raises(ValidationError, match="non-empty str"):
        HmacSigner("")
    assert isinstance(load_private_key_signer(rsa_pem), RsaSigner)
    assert isinstance(load_private_key_signer(ed_pem), Ed25519Signer)


def test_secrets_never_in_repr_or_logs(real_data: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    signers = [
        HmacSigner(SECRET),
        RsaSigner(_sample_key(real_data)),
        Ed25519Signer(_ed25519_pem()[0]),
    ]
    pem_text = _sample_key(real_data).decode()
    for s in signers:
        logging.getLogger("test").debug("signer %r %s", s, s)
        text = repr(s) + str(s)
        assert SECRET not in text
        assert "PRIVATE KEY" not in text
    assert SECRET not in caplog.text
    assert pem_text.splitlines()[1] not in caplog.text
    with pytest.raises(ValidationError) as info:
        Ed25519Signer(_sample_key(real_data))
    assert pem_text.splitlines()[1] not in str(info.value)
