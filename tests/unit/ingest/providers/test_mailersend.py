"""MailerSend webhook authenticity: hex HMAC-SHA256 of the body in `Signature`."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import replace

import pytest

from services.ingest.providers import mailersend
from services.ingest.providers.base import AuthMethod
from tests.provider_fixtures import fixture_names
from tests.unit.ingest.providers.batch2_auth import fixture, make_settings, signing_key

SECRET = signing_key("mailersend", "mssdk-signed-activity-sent")
CONF = make_settings(mailersend_signing_secret=SECRET)


@pytest.mark.parametrize("name", fixture_names("mailersend"))
def test_every_fixture_verifies(name: str) -> None:
    req = fixture("mailersend", name)
    assert mailersend.authenticate(req, CONF).method is AuthMethod.SIGNATURE
    assert mailersend.well_formed(req) is None


def test_the_sdk_vector_is_what_we_compute() -> None:
    req = fixture("mailersend", "mssdk-signed-activity-sent")
    sig = hmac.new(SECRET.encode(), req.body, hashlib.sha256).hexdigest()
    assert req.headers["Signature"] == sig


def test_tampered_body_refused() -> None:
    req = fixture("mailersend", "anymail-activity-hard-bounced-host-not-found")
    bad = replace(req, body=req.body.replace(b"invalid@", b"victim@"))
    verdict = mailersend.authenticate(bad, CONF)
    assert not verdict.ok
    assert "BOUNCEFLOW_MAILERSEND_SIGNING_SECRET" in verdict.reason


def test_wrong_key_refused() -> None:
    req = fixture("mailersend", "anymail-activity-delivered")
    assert not mailersend.authenticate(req, make_settings(mailersend_signing_secret="x" * 32)).ok


def test_unsigned_refused_and_basic_auth_accepted() -> None:
    req = fixture("mailersend", "anymail-activity-delivered")
    unsigned = replace(req, headers={"Content-Type": "application/json"})
    assert not mailersend.authenticate(unsigned, CONF).ok
    ok = mailersend.authenticate(replace(unsigned, basic_ok=True), CONF)
    assert ok.method is AuthMethod.BASIC


def test_nothing_configured_refused_naming_the_settings() -> None:
    verdict = mailersend.authenticate(
        fixture("mailersend", "anymail-activity-delivered"), make_settings()
    )
    assert not verdict.ok
    assert "BOUNCEFLOW_MAILERSEND_SIGNING_SECRET" in verdict.reason
    assert "BOUNCEFLOW_WEBHOOK_BASIC_AUTH" in verdict.reason


@pytest.mark.parametrize("body", [b"", b"[]", b"nope"])
def test_not_a_json_object_is_malformed(body: bytes) -> None:
    req = replace(fixture("mailersend", "anymail-activity-delivered"), body=body)
    assert mailersend.well_formed(req)


def test_short_or_empty_secret_setting() -> None:
    assert make_settings(mailersend_signing_secret="").mailersend_signing_secret is None
    with pytest.raises(ValueError, match="16"):
        make_settings(mailersend_signing_secret="short")
