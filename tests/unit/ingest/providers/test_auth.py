"""Webhook authenticity checks, pure: basic auth, Mailgun HMAC, SendGrid ECDSA."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from services.ingest.providers.checks import check_basic
from services.ingest.providers.mailgun import mailgun_signature_fields, verify_mailgun
from services.ingest.providers.sendgrid import (
    load_sendgrid_key,
    verify_sendgrid,
)

FIXTURES = Path(__file__).parents[3] / "fixtures" / "providers"
SDK_VECTOR = "sendgrid/sgsdk-signed-dropped-bounced-address.json"


def basic(value: str) -> str:
    return "Basic " + base64.b64encode(value.encode()).decode()


@pytest.mark.parametrize(
    ("header", "ok"),
    [
        (basic("user:pw"), True),
        (basic("user:pw2"), False),
        (basic("usr:pw"), False),
        (basic("userpw"), False),
        ("Basic %%%", False),
        ("Bearer user:pw", False),
        (None, False),
    ],
)
def test_basic(header: str | None, ok: bool) -> None:
    assert check_basic(header, ("user", "pw")) is ok


def test_basic_not_configured_never_passes() -> None:
    assert not check_basic(basic("user:pw"), None)


def mailgun_sig(key: str, ts: str, token: str) -> str:
    return hmac.new(key.encode(), (ts + token).encode(), hashlib.sha256).hexdigest()


def test_mailgun_json_and_tolerance() -> None:
    body = json.dumps(
        {
            "signature": {
                "timestamp": "1000",
                "token": "abc",
                "signature": mailgun_sig("k", "1000", "abc"),
            }
        }
    ).encode()
    fields = mailgun_signature_fields("application/json", body)
    assert verify_mailgun(fields, "k", now=1000, tolerance=900).ok
    assert not verify_mailgun(fields, "other", now=1000, tolerance=900).ok
    assert not verify_mailgun(fields, "k", now=3000, tolerance=900).ok


def test_mailgun_legacy_form_takes_last_signature_values() -> None:
    sig = mailgun_sig("k", "1000", "real")
    body = f"token=fake&signature=bogus&event=clicked&timestamp=1000&token=real&signature={sig}".encode()
    fields = mailgun_signature_fields("application/x-www-form-urlencoded", body)
    assert fields == ("1000", "real", sig)
    assert verify_mailgun(fields, "k", now=1000, tolerance=900).ok


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/json", b"[]"),
        ("application/json", b"{bad"),
        ("text/plain", b"x"),
        ("application/json", b"{}"),
    ],
)
def test_mailgun_missing_fields(content_type: str, body: bytes) -> None:
    assert not verify_mailgun(mailgun_signature_fields(content_type, body), "k", 0, 900).ok


def test_sendgrid_official_sdk_vector() -> None:
    vector = json.loads((FIXTURES / SDK_VECTOR).read_text())
    key = load_sendgrid_key(vector["verification"]["public_key_base64_der"])
    headers = vector["headers"]
    body = vector["raw_body"].encode()
    ts = float(headers["X-Twilio-Email-Event-Webhook-Timestamp"])
    assert verify_sendgrid(key, headers, body, now=ts, tolerance=900).ok
    assert not verify_sendgrid(
        key, headers, body.replace(b"dropped", b"dropper"), now=ts, tolerance=900
    ).ok
    assert not verify_sendgrid(key, headers, body, now=ts + 3600, tolerance=900).ok  # stale


def test_sendgrid_wrong_key_and_bad_base64() -> None:
    private = ec.generate_private_key(ec.SECP256R1())
    other = ec.generate_private_key(ec.SECP256R1()).public_key()
    body, ts = b"[]", "1700000000"
    sig = base64.b64encode(private.sign(ts.encode() + body, ec.ECDSA(hashes.SHA256()))).decode()
    headers = {
        "X-Twilio-Email-Event-Webhook-Signature": sig,
        "X-Twilio-Email-Event-Webhook-Timestamp": ts,
    }
    assert verify_sendgrid(private.public_key(), headers, body, 1.7e9, 900).ok
    assert not verify_sendgrid(other, headers, body, 1.7e9, 900).ok
    bad = {**headers, "X-Twilio-Email-Event-Webhook-Signature": "!!notbase64"}
    assert not verify_sendgrid(private.public_key(), bad, body, 1.7e9, 900).ok
    assert not verify_sendgrid(private.public_key(), {}, body, 1.7e9, 900).ok
