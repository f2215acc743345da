"""Postal webhook authenticity: RSA signatures (SHA-256, legacy SHA-1) over the body."""

from __future__ import annotations

import base64
from dataclasses import replace

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from services.ingest.providers import postal
from services.ingest.providers.base import AuthMethod
from tests.provider_fixtures import fixture_json, fixture_names
from tests.unit.ingest.providers.batch2_auth import fixture, make_settings, signing_key

B64_DER = signing_key("postal", "postaldocs-message-sent")
CONF = make_settings(postal_public_key=B64_DER)
NAME = "anymail-message-delivery-failed-hardfail"


def _pem() -> str:
    der = base64.b64decode(B64_DER)
    key = serialization.load_der_public_key(der)
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


@pytest.mark.parametrize("name", fixture_names("postal"))
def test_every_fixture_verifies(name: str) -> None:
    req = fixture("postal", name)
    assert postal.authenticate(req, CONF).method is AuthMethod.SIGNATURE
    assert postal.well_formed(req) is None


def test_pem_and_p_equals_forms_of_the_key() -> None:
    req = fixture("postal", NAME)
    for value in (_pem(), f"p={B64_DER}"):
        assert postal.authenticate(req, make_settings(postal_public_key=value)).ok


def test_legacy_sha1_only_postal() -> None:
    req = fixture("postal", NAME)
    legacy = {k: v for k, v in req.headers.items() if k != "X-Postal-Signature-256"}
    assert postal.authenticate(replace(req, headers=legacy), CONF).ok


def test_sha256_present_must_verify_even_with_a_good_sha1() -> None:
    req = fixture("postal", NAME)
    other = fixture("postal", "postaldocs-message-sent").headers["X-Postal-Signature-256"]
    headers = {**req.headers, "X-Postal-Signature-256": other}
    assert not postal.authenticate(replace(req, headers=headers), CONF).ok


def test_tampered_body_refused() -> None:
    req = fixture("postal", NAME)
    bad = replace(req, body=req.body.replace(b"failed@", b"victim@"))
    verdict = postal.authenticate(bad, CONF)
    assert not verdict.ok
    assert "BOUNCEFLOW_POSTAL_PUBLIC_KEY" in verdict.reason


def test_wrong_key_refused() -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()
    der = key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    conf = make_settings(postal_public_key=base64.b64encode(der).decode())
    assert not postal.authenticate(fixture("postal", NAME), conf).ok


def test_signing_with_the_fixture_private_key_matches_the_header() -> None:
    doc = fixture_json("postal", NAME)
    pem = doc["verification"]["private_key_pem_TEST_ONLY"].encode()
    private = serialization.load_pem_private_key(pem, password=None)
    assert isinstance(private, rsa.RSAPrivateKey)
    req = fixture("postal", NAME)
    sig = private.sign(req.body, padding.PKCS1v15(), hashes.SHA256())
    assert base64.b64encode(sig).decode() == req.headers["X-Postal-Signature-256"]


def test_unsigned_refused_basic_auth_accepted() -> None:
    req = replace(fixture("postal", NAME), headers={})
    assert not postal.authenticate(req, CONF).ok
    assert postal.authenticate(replace(req, basic_ok=True), CONF).method is AuthMethod.BASIC


def test_nothing_configured_refused_naming_the_settings() -> None:
    verdict = postal.authenticate(fixture("postal", NAME), make_settings())
    assert not verdict.ok
    assert "BOUNCEFLOW_POSTAL_PUBLIC_KEY" in verdict.reason


@pytest.mark.parametrize("value", ["not base64!", "QUJD", _pem().replace("A", "B", 3)])
def test_bad_key_settings(value: str) -> None:
    with pytest.raises(ValueError, match="RSA public key"):
        make_settings(postal_public_key=value)
