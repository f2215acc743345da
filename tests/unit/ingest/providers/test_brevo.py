"""Brevo webhook authentication: Brevo does not sign. Its bearer auth
(BOUNCEFLOW_BREVO_TOKEN) or the global basic auth; nothing configured -> refused naming the
settings. No timestamp is sent, so there is no freshness check."""

from __future__ import annotations

import pytest

from services.ingest.providers import brevo
from services.ingest.providers.base import AuthMethod
from tests.provider_fixtures import fixture_names, fixture_request
from tests.unit.ingest.providers.auth_helpers_more import GOOD_BASIC, request, settings

TOKEN = "brevo-token-0123456789abcdef"
BODY, _ = fixture_request("brevo", "anymail-hard-bounce-550-5.5.0-mailbox-unavailable")


def test_bearer_and_global_basic_pass() -> None:
    req = request(BODY, {"Authorization": f"bearer {TOKEN}"})
    verdict = brevo.authenticate(req, settings(brevo_token=TOKEN))
    assert (verdict.ok, verdict.method) == (True, AuthMethod.BASIC)
    verdict = brevo.authenticate(
        request(BODY, basic_ok=True), settings(webhook_basic_auth=GOOD_BASIC)
    )
    assert verdict.ok


def test_wrong_token_is_refused() -> None:
    req = request(BODY, {"Authorization": f"Bearer {TOKEN[:-1]}"})
    verdict = brevo.authenticate(req, settings(brevo_token=TOKEN))
    assert (verdict.ok, verdict.challenge) == (False, False)


def test_unsigned_is_refused() -> None:
    verdict = brevo.authenticate(request(BODY), settings())
    assert not verdict.ok
    assert "BOUNCEFLOW_BREVO_TOKEN" in verdict.reason
    assert "BOUNCEFLOW_WEBHOOK_BASIC_AUTH" in verdict.reason


@pytest.mark.parametrize("name", fixture_names("brevo"))
def test_every_fixture_is_well_formed(name: str) -> None:
    body, _ = fixture_request("brevo", name)
    assert brevo.well_formed(request(body)) is None


@pytest.mark.parametrize(
    ("body", "content_type"),
    [(b"{}", "application/x-www-form-urlencoded"), (b'"x"', "application/json")],
)
def test_malformed(body: bytes, content_type: str) -> None:
    assert brevo.well_formed(request(body, content_type=content_type)) is not None
