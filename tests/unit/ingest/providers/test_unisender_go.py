"""Unisender Go webhook authenticity: `auth` = md5(body with auth replaced by the API key)."""

from __future__ import annotations

import hashlib
from dataclasses import replace

import pytest

from services.ingest.providers import unisender_go
from services.ingest.providers.base import AuthMethod
from tests.provider_fixtures import fixture_names
from tests.unit.ingest.providers.batch2_auth import fixture, make_settings, request, signing_key

REAL = "anymail-actual-signed-batch-clicked"  # a real post, signed by Unisender itself
NAMES = fixture_names("unisender_go")


@pytest.mark.parametrize("name", NAMES)
def test_every_fixture_verifies(name: str) -> None:
    # anymail's key "TEST_API_KEY" is too short for the setting (16 characters at least),
    # so the check itself is run with it; the real post goes through the setting below
    req = fixture("unisender_go", name)
    assert unisender_go.auth_ok(req.body, signing_key("unisender_go", name))
    assert not unisender_go.auth_ok(req.body, "TEST_API_KEY_")
    assert unisender_go.well_formed(req) is None


def test_the_real_post_is_accepted_with_the_setting() -> None:
    conf = make_settings(unisender_go_api_key=signing_key("unisender_go", REAL))
    verdict = unisender_go.authenticate(fixture("unisender_go", REAL), conf)
    assert verdict.method is AuthMethod.TOKEN


def test_real_post_with_escaped_slashes_verifies_byte_exact() -> None:
    req = fixture("unisender_go", REAL)
    assert b"\\/" in req.body
    assert req.body.startswith(b'{"auth":')
    conf = make_settings(unisender_go_api_key=signing_key("unisender_go", REAL))
    assert unisender_go.authenticate(req, conf).ok


def test_tampered_body_refused() -> None:
    conf = make_settings(unisender_go_api_key="TEST_API_KEY_0123")
    body = b'{"event_name":"transactional_email_status","status":"delivered","email":"a@b.c","auth":"AUTH"}'
    good = body.replace(
        b"AUTH", hashlib.md5(body.replace(b"AUTH", b"TEST_API_KEY_0123")).hexdigest().encode()
    )
    assert unisender_go.authenticate(request(good, {}), conf).ok
    bad = good.replace(b"delivered", b"hard_bounced")
    verdict = unisender_go.authenticate(request(bad, {}), conf)
    assert not verdict.ok
    assert "BOUNCEFLOW_UNISENDER_GO_API_KEY" in verdict.reason


def test_wrong_key_refused() -> None:
    conf = make_settings(unisender_go_api_key="not-the-key-0123456789")
    assert not unisender_go.authenticate(fixture("unisender_go", REAL), conf).ok


@pytest.mark.parametrize(
    "body",
    [
        b'{"status":"delivered","email":"a@b.c"}',  # no auth
        b'{"status":"delivered","auth":"zz"}',  # not an md5
        b'{"status":"delivered","auth":12}',
        b"not json",
    ],
)
def test_unsigned_refused_basic_auth_accepted(body: bytes) -> None:
    conf = make_settings(unisender_go_api_key=signing_key("unisender_go", REAL))
    assert not unisender_go.authenticate(request(body, {}), conf).ok
    ok = unisender_go.authenticate(request(body, {}, basic_ok=True), conf)
    assert ok.method is AuthMethod.BASIC


def test_nothing_configured_refused_naming_the_settings() -> None:
    verdict = unisender_go.authenticate(fixture("unisender_go", REAL), make_settings())
    assert not verdict.ok
    assert "BOUNCEFLOW_UNISENDER_GO_API_KEY" in verdict.reason


def test_a_second_auth_key_in_metadata_does_not_confuse_the_check() -> None:
    req = fixture("unisender_go", REAL)
    conf = make_settings(unisender_go_api_key=signing_key("unisender_go", REAL))
    # an attacker-supplied nested "auth" ahead of the real one makes the check fail closed
    moved = req.body.replace(
        b'{"auth":', b'{"x":{"auth":"00000000000000000000000000000000"},"auth":', 1
    )
    assert not unisender_go.authenticate(replace(req, body=moved), conf).ok
