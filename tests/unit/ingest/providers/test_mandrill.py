"""Mandrill webhook authentication: X-Mandrill-Signature over the public URL + form fields.

The fixtures' signatures were computed over anymail's test URL with its test key (and the
docs' example URL with the generic key `test-webhook`); the signed string has no
timestamp, so there is nothing to go stale.
"""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from services.ingest.providers import mandrill
from services.ingest.providers.base import AuthMethod, WebhookRequest
from tests.provider_fixtures import fixture_json, fixture_names, fixture_request
from tests.unit.ingest.providers.auth_helpers_more import GOOD_BASIC, request, settings

ANYMAIL_URL = "http://username:password@testserver/anymail/mandrill/"
ANYMAIL_KEY = "TEST_WEBHOOK_KEY"
FORM = "application/x-www-form-urlencoded"
SIGNED = [n for n in fixture_names("mandrill") if n.startswith("anymail-")]


def fixture(name: str, url: str = ANYMAIL_URL, *, tamper: bool = False) -> WebhookRequest:
    body, headers = fixture_request("mandrill", name)
    if tamper:
        body = body.replace(b"example.com", b"example.org")
    return request(body, headers, content_type=FORM, url=url)


@pytest.mark.parametrize("name", SIGNED)
def test_fixture_signatures_verify(name: str) -> None:
    assert fixture_json("mandrill", name)["verification"]["signed_url"] == ANYMAIL_URL
    verdict = mandrill.authenticate(fixture(name), settings(mandrill_webhook_key=ANYMAIL_KEY))
    assert verdict.ok
    assert verdict.method is AuthMethod.SIGNATURE
    assert mandrill.well_formed(fixture(name)) is None


def test_tampered_body_wrong_key_and_wrong_url_are_refused() -> None:
    name = "anymail-hard-bounce-bad-mailbox-550-5.1.1"
    good = settings(mandrill_webhook_key=ANYMAIL_KEY)
    assert not mandrill.authenticate(fixture(name, tamper=True), good).ok
    assert not mandrill.authenticate(
        fixture(name), settings(mandrill_webhook_key="another-webhook-key-0123")
    ).ok
    other_url = fixture(name, "https://bounces.example.com/api/v1/webhooks/mandrill")
    verdict = mandrill.authenticate(other_url, good)
    assert not verdict.ok
    assert "BOUNCEFLOW_PUBLIC_URL" in verdict.reason  # a hint: the URL is signed


def test_our_own_signature_over_the_public_url() -> None:
    url = "https://bounces.example.com/api/v1/webhooks/mandrill?x=1"
    body = urlencode({"mandrill_events": '[{"event": "send"}]'}).encode()
    sig = mandrill.signature("k" * 22, url, [("mandrill_events", '[{"event": "send"}]')])
    req = request(body, {"x-mandrill-signature": sig}, content_type=FORM, url=url)
    assert mandrill.authenticate(req, settings(mandrill_webhook_key="k" * 22)).ok


def test_unsigned_is_refused_naming_the_settings() -> None:
    body, _ = fixture_request("mandrill", "anymail-send")
    req = request(body, content_type=FORM)
    verdict = mandrill.authenticate(req, settings())
    assert not verdict.ok
    assert "BOUNCEFLOW_MANDRILL_WEBHOOK_KEY" in verdict.reason
    assert "BOUNCEFLOW_WEBHOOK_BASIC_AUTH" in verdict.reason
    verdict = mandrill.authenticate(req, settings(mandrill_webhook_key=ANYMAIL_KEY))
    assert (verdict.ok, verdict.reason) == (False, "missing X-Mandrill-Signature")
    verdict = mandrill.authenticate(req, settings(webhook_basic_auth=GOOD_BASIC))
    assert (verdict.ok, verdict.challenge) == (False, True)


def test_basic_auth_passes() -> None:
    body, _ = fixture_request("mandrill", "anymail-send")
    req = request(body, content_type=FORM, basic_ok=True)
    verdict = mandrill.authenticate(req, settings(webhook_basic_auth=GOOD_BASIC))
    assert (verdict.ok, verdict.method) == (True, AuthMethod.BASIC)


def test_empty_test_post_with_the_generic_key_is_accepted_and_only_it() -> None:
    name = "mcdocs-webhook-check-empty-batch-test-webhook-key"
    url = fixture_json("mandrill", name)["verification"]["signed_url"]
    assert mandrill.authenticate(fixture(name, url), settings()).ok
    # the generic key signs nothing else
    events = '[{"event": "hard_bounce"}]'
    sig = mandrill.signature("test-webhook", url, [("mandrill_events", events)])
    body = urlencode({"mandrill_events": events}).encode()
    req = request(body, {"X-Mandrill-Signature": sig}, content_type=FORM, url=url)
    assert not mandrill.authenticate(req, settings()).ok
    assert not mandrill.authenticate(req, settings(mandrill_webhook_key=ANYMAIL_KEY)).ok


@pytest.mark.parametrize(
    ("body", "content_type", "reason"),
    [
        (b"mandrill_events=%5B%5D", "application/json", "unsupported content type"),
        (b"other=1", FORM, "exactly one mandrill_events"),
        (b"mandrill_events=%5B&mandrill_events=%5B%5D", FORM, "exactly one mandrill_events"),
        (b"mandrill_events=%7B", FORM, "is not JSON"),
        (b"mandrill_events=%7B%7D", FORM, "not a JSON array"),
        (b"mandrill_events=\xff", FORM, "not UTF-8"),
    ],
)
def test_malformed(body: bytes, content_type: str, reason: str) -> None:
    got = mandrill.well_formed(request(body, content_type=content_type))
    assert got is not None
    assert reason in got
