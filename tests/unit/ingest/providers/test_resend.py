"""Resend webhook authenticity: Svix / Standard Webhooks signatures."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from standardwebhooks import Webhook

from services.ingest.providers import resend
from services.ingest.providers.base import AuthMethod
from tests.provider_fixtures import fixture_names
from tests.unit.ingest.providers.batch2_auth import fixture, make_settings, request, signing_key

SECRET = signing_key("resend", "rsdocs-delivered")
OTHER = "whsec_" + "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo="  # base64 of A..Z
CONF = make_settings(resend_webhook_secret=SECRET)


@pytest.mark.parametrize("name", fixture_names("resend"))
def test_every_fixture_verifies_at_its_own_time(name: str) -> None:
    req = fixture("resend", name)
    at_send = replace(req, now=float(req.headers["svix-timestamp"]) + 60)
    assert resend.authenticate(at_send, CONF).method is AuthMethod.SIGNATURE
    assert resend.well_formed(req) is None


def test_standardwebhooks_signature_verifies_with_webhook_headers() -> None:
    body = b'{"type":"email.bounced","data":{}}'
    sig = Webhook(SECRET).sign("msg_1", _dt(1_700_000_000), body.decode())
    headers = {"webhook-id": "msg_1", "webhook-timestamp": "1700000000", "webhook-signature": sig}
    req = request(body, headers, now=1_700_000_100)
    assert resend.authenticate(req, CONF).ok


def _dt(ts: int) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


def test_rotation_any_listed_secret_and_any_listed_signature() -> None:
    req = fixture("resend", "rsdocs-delivered")
    now = float(req.headers["svix-timestamp"])
    conf = make_settings(resend_webhook_secret=f"{OTHER}, {SECRET}")
    headers = {**req.headers, "svix-signature": "v1,AAAA " + req.headers["svix-signature"]}
    assert resend.authenticate(replace(req, headers=headers, now=now), conf).ok


def test_tampered_body_refused() -> None:
    req = fixture("resend", "rsdocs-delivered")
    bad = replace(req, body=req.body.replace(b"delivered", b"bounced", 1), now=1708645272)
    verdict = resend.authenticate(bad, CONF)
    assert not verdict.ok
    assert "does not match" in verdict.reason


def test_wrong_key_refused() -> None:
    req = replace(fixture("resend", "rsdocs-delivered"), now=1708645272)
    assert not resend.authenticate(req, make_settings(resend_webhook_secret=OTHER)).ok


def test_stale_or_future_timestamp_refused() -> None:
    req = fixture("resend", "rsdocs-delivered")
    for now in (1708645272 + 901, 1708645272 - 901):
        verdict = resend.authenticate(replace(req, now=now), CONF)
        assert "tolerance" in verdict.reason


def test_unsigned_refused_basic_auth_accepted() -> None:
    req = replace(fixture("resend", "rsdocs-delivered"), headers={}, now=1708645272)
    assert "headers missing" in resend.authenticate(req, CONF).reason
    assert resend.authenticate(replace(req, basic_ok=True), CONF).method is AuthMethod.BASIC


def test_nothing_configured_refused_naming_the_settings() -> None:
    verdict = resend.authenticate(fixture("resend", "rsdocs-delivered"), make_settings())
    assert not verdict.ok
    assert "BOUNCEFLOW_RESEND_WEBHOOK_SECRET" in verdict.reason


@pytest.mark.parametrize("value", ["whsec_!!!", "whsec_YWJj", ","])
def test_bad_secret_settings(value: str) -> None:
    with pytest.raises(ValueError, match="whsec_"):
        make_settings(resend_webhook_secret=value)
