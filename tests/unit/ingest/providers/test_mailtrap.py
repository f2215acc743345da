"""Mailtrap webhook authenticity: hex HMAC-SHA256 of the body in `Mailtrap-Signature`."""

from __future__ import annotations

from dataclasses import replace

import pytest

from services.ingest.providers import mailtrap
from services.ingest.providers.base import AuthMethod
from tests.provider_fixtures import fixture_names
from tests.unit.ingest.providers.batch2_auth import fixture, make_settings, signing_key

CONF = make_settings(
    mailtrap_signing_secret=signing_key("mailtrap", "mtsdk-signed-delivery-bare-event")
)


@pytest.mark.parametrize("name", fixture_names("mailtrap"))
def test_every_fixture_verifies_and_is_well_formed(name: str) -> None:
    req = fixture("mailtrap", name)
    assert mailtrap.authenticate(req, CONF).method is AuthMethod.SIGNATURE
    assert mailtrap.well_formed(req) is None


def test_tampered_body_refused() -> None:
    req = fixture("mailtrap", "mtdocs-jsonl-delivery-2-events")
    bad = replace(req, body=req.body.replace(b'"delivery"', b'"bounce"', 1))
    verdict = mailtrap.authenticate(bad, CONF)
    assert not verdict.ok
    assert "BOUNCEFLOW_MAILTRAP_SIGNING_SECRET" in verdict.reason


def test_wrong_key_refused() -> None:
    req = fixture("mailtrap", "mtdocs-delivery")
    assert not mailtrap.authenticate(req, make_settings(mailtrap_signing_secret="0" * 32)).ok


def test_unsigned_refused_and_basic_auth_accepted() -> None:
    req = replace(fixture("mailtrap", "mtdocs-delivery"), headers={})
    assert not mailtrap.authenticate(req, CONF).ok
    assert mailtrap.authenticate(replace(req, basic_ok=True), CONF).method is AuthMethod.BASIC


def test_nothing_configured_refused_naming_the_settings() -> None:
    verdict = mailtrap.authenticate(fixture("mailtrap", "mtdocs-delivery"), make_settings())
    assert not verdict.ok
    assert "BOUNCEFLOW_MAILTRAP_SIGNING_SECRET" in verdict.reason


@pytest.mark.parametrize("body", [b"", b"\n\n", b'{"event": "x"}\n[1]', b'{"a": 1}\nnope', b"[]"])
def test_malformed_bodies(body: bytes) -> None:
    assert mailtrap.well_formed(replace(fixture("mailtrap", "mtdocs-delivery"), body=body))


def test_pretty_printed_json_is_well_formed() -> None:
    body = b'{\n  "events": [\n    {"event": "delivery"}\n  ]\n}\n'
    assert mailtrap.well_formed(replace(fixture("mailtrap", "mtdocs-delivery"), body=body)) is None
