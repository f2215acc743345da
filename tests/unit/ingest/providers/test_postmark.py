"""Postmark webhook authentication: Postmark does not sign. Basic auth (global) or a bearer
token set as a custom webhook header; nothing configured -> refused naming the settings.
No timestamp is sent, so there is no freshness check; a tampered body cannot be told
from a genuine one without a signature (the credentials are what is checked)."""

from __future__ import annotations

import pytest

from services.ingest.providers import postmark
from services.ingest.providers.base import AuthMethod
from shared.settings import Settings
from tests.provider_fixtures import fixture_names, fixture_request
from tests.unit.ingest.providers.auth_helpers_more import (
    GOOD_BASIC,
    basic_header,
    request,
    settings,
)

TOKEN = "pm-token-0123456789abcdef"
BODY, _ = fixture_request("postmark", "anymail-bounce-hardbounce-550-5.1.1")


def test_bearer_token_and_global_basic_pass() -> None:
    req = request(BODY, {"authorization": f"Bearer {TOKEN}"})
    verdict = postmark.authenticate(req, settings(postmark_token=TOKEN))
    assert (verdict.ok, verdict.method) == (True, AuthMethod.BASIC)
    verdict = postmark.authenticate(
        request(BODY, basic_ok=True), settings(webhook_basic_auth=GOOD_BASIC)
    )
    assert (verdict.ok, verdict.method) == (True, AuthMethod.BASIC)


@pytest.mark.parametrize(
    "header",
    [f"Bearer {TOKEN}x", "Bearer ", f"Basic {TOKEN}", basic_header("hooks:wrong-password-123456")],
)
def test_wrong_credentials_are_refused(header: str) -> None:
    verdict = postmark.authenticate(
        request(BODY, {"Authorization": header}), settings(postmark_token=TOKEN)
    )
    assert not verdict.ok
    assert verdict.reason == "Postmark: credentials do not match"


def test_unsigned_is_refused() -> None:
    verdict = postmark.authenticate(request(BODY), settings())
    assert not verdict.ok
    assert "BOUNCEFLOW_POSTMARK_TOKEN" in verdict.reason
    assert "BOUNCEFLOW_WEBHOOK_BASIC_AUTH" in verdict.reason
    verdict = postmark.authenticate(request(BODY), settings(webhook_basic_auth=GOOD_BASIC))
    assert (verdict.ok, verdict.challenge) == (False, True)
    verdict = postmark.authenticate(request(BODY), settings(postmark_token=TOKEN))
    assert (verdict.ok, verdict.challenge, verdict.reason) == (
        False,
        False,
        "Postmark: authentication required",
    )


def test_an_empty_token_setting_is_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOUNCEFLOW_POSTMARK_TOKEN", "")  # what ${VAR:-} passes
    monkeypatch.delenv("BOUNCEFLOW_WEBHOOK_BASIC_AUTH", raising=False)
    verdict = postmark.authenticate(
        request(BODY, {"Authorization": "Bearer "}), Settings(_env_file=None)
    )
    assert not verdict.ok
    assert "no authentication configured" in verdict.reason


@pytest.mark.parametrize("name", fixture_names("postmark"))
def test_every_fixture_is_well_formed(name: str) -> None:
    body, _ = fixture_request("postmark", name)
    assert postmark.well_formed(request(body)) is None


@pytest.mark.parametrize(
    ("body", "content_type"),
    [(b"{}", "text/plain"), (b"{", "application/json"), (b"[{}]", "application/json")],
)
def test_malformed(body: bytes, content_type: str) -> None:
    assert postmark.well_formed(request(body, content_type=content_type)) is not None
