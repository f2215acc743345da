"""Mailjet webhook authentication: Mailjet neither signs nor sends custom headers; only the
global basic auth (credentials in the callback URL) passes. No timestamp is sent."""

from __future__ import annotations

import pytest

from services.ingest.providers import mailjet
from services.ingest.providers.base import AuthMethod
from tests.provider_fixtures import fixture_names, fixture_request
from tests.unit.ingest.providers.auth_helpers_more import (
    GOOD_BASIC,
    basic_header,
    request,
    settings,
)

BODY, _ = fixture_request("mailjet", "mjdocs-bounce-hard-user-unknown")


def test_global_basic_passes() -> None:
    verdict = mailjet.authenticate(
        request(BODY, basic_ok=True), settings(webhook_basic_auth=GOOD_BASIC)
    )
    assert (verdict.ok, verdict.method) == (True, AuthMethod.BASIC)


def test_wrong_or_missing_credentials_are_refused() -> None:
    req = request(BODY, {"Authorization": basic_header("hooks:wrong-password-123456")})
    verdict = mailjet.authenticate(req, settings(webhook_basic_auth=GOOD_BASIC))
    assert (verdict.ok, verdict.challenge) == (False, True)
    verdict = mailjet.authenticate(request(BODY), settings())
    assert not verdict.ok
    assert verdict.reason == (
        "no authentication configured for Mailjet webhooks: set BOUNCEFLOW_WEBHOOK_BASIC_AUTH"
    )


@pytest.mark.parametrize("name", fixture_names("mailjet"))
def test_every_fixture_is_well_formed(name: str) -> None:
    body, _ = fixture_request("mailjet", name)
    assert mailjet.well_formed(request(body)) is None


@pytest.mark.parametrize("body", [b"3", b"[1]", b"{"])
def test_malformed(body: bytes) -> None:
    assert mailjet.well_formed(request(body)) is not None
