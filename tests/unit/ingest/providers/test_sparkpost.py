"""SparkPost webhook authentication: SparkPost does not sign. The webhook's basic auth
(BOUNCEFLOW_SPARKPOST_BASIC_AUTH) or the global basic auth; nothing configured ->
refused naming the settings. No timestamp is sent, so there is no freshness check."""

from __future__ import annotations

import pytest

from services.ingest.providers import sparkpost
from services.ingest.providers.base import AuthMethod
from tests.provider_fixtures import fixture_names, fixture_request
from tests.unit.ingest.providers.auth_helpers_more import (
    GOOD_BASIC,
    basic_header,
    request,
    settings,
)

SP_BASIC = "sparkpost:another-long-password-42"
BODY, _ = fixture_request("sparkpost", "anymail-bounce-class-10-550-user-unknown")


def test_sparkpost_basic_and_global_basic_pass() -> None:
    req = request(BODY, {"Authorization": basic_header(SP_BASIC)})
    verdict = sparkpost.authenticate(req, settings(sparkpost_basic_auth=SP_BASIC))
    assert (verdict.ok, verdict.method) == (True, AuthMethod.BASIC)
    verdict = sparkpost.authenticate(
        request(BODY, basic_ok=True), settings(webhook_basic_auth=GOOD_BASIC)
    )
    assert verdict.ok


@pytest.mark.parametrize(
    "header",
    [
        basic_header("sparkpost:another-long-password-43"),
        basic_header("other:another-long-password-42"),
        "Bearer x",
    ],
)
def test_wrong_credentials_are_refused_with_a_challenge(header: str) -> None:
    req = request(BODY, {"Authorization": header})
    verdict = sparkpost.authenticate(req, settings(sparkpost_basic_auth=SP_BASIC))
    assert (verdict.ok, verdict.challenge) == (False, True)


def test_unsigned_is_refused() -> None:
    verdict = sparkpost.authenticate(request(BODY), settings())
    assert not verdict.ok
    assert "BOUNCEFLOW_SPARKPOST_BASIC_AUTH" in verdict.reason
    assert "BOUNCEFLOW_WEBHOOK_BASIC_AUTH" in verdict.reason


def test_the_setting_must_be_user_colon_long_password() -> None:
    with pytest.raises(ValueError, match="user:password"):
        settings(sparkpost_basic_auth="no-colon-here-at-all")
    with pytest.raises(ValueError, match="BOUNCEFLOW_SPARKPOST_BASIC_AUTH"):
        settings(sparkpost_basic_auth="a-long-user-name:short")
    assert settings(sparkpost_basic_auth="u:sixteen-chars-ok").sparkpost_basic_auth is not None


@pytest.mark.parametrize("name", fixture_names("sparkpost"))
def test_every_fixture_is_well_formed(name: str) -> None:
    body, _ = fixture_request("sparkpost", name)
    assert sparkpost.well_formed(request(body)) is None


@pytest.mark.parametrize("body", [b"{}", b"[1]", b"nope"])
def test_malformed(body: bytes) -> None:
    assert sparkpost.well_formed(request(body)) is not None
