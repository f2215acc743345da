"""Unknown event types are noted, never silently dropped (issue 10): every documented type
of every provider has a table row, so no fixture is unrecognised; an undocumented type
holding recipients (as moto sends) is marked unclassifiable."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest

from services.processor.parsers import ParseError, parse_recording
from shared.classification import Unrecognised
from shared.models import Source
from shared.raw import AuthMethod, RawEvent
from tests.provider_fixtures import fixture_request

FIXTURES = Path(__file__).parents[1] / "fixtures" / "providers"
CASES = sorted(
    (d.name, f.stem)
    for d in FIXTURES.iterdir()
    if d.is_dir() and d.name != "dsn"
    for f in d.glob("*.json")
)


def raw_of(provider: str, body: bytes, headers: dict[str, str] | None = None) -> RawEvent:
    lower = {k.lower(): v for k, v in (headers or {}).items()}
    return RawEvent("evt_test", provider, body, datetime.now(UTC), lower, AuthMethod.BASIC)


@pytest.mark.parametrize(("provider", "name"), CASES)
def test_no_fixture_is_unrecognised(provider: str, name: str) -> None:
    body, headers = fixture_request(provider, name)
    try:
        parsed = parse_recording(raw_of(provider, body, headers))
    except ParseError:
        return  # unreadable on purpose (fixtures that must raise are stated elsewhere)
    assert parsed.unrecognised == []


def test_undocumented_ses_type_with_a_bounce_is_unclassifiable() -> None:
    moto_like = {
        "notificationType": "BounceNotification",
        "bounce": {
            "bounceType": "Permanent",
            "bouncedRecipients": [{"emailAddress": "a@example.com"}],
        },
        "mail": {"messageId": "m-1"},
    }
    parsed = parse_recording(raw_of("ses", orjson.dumps(moto_like)))
    assert parsed.events == []
    assert parsed.unrecognised == [Unrecognised(Source.SES, "bouncenotification", True)]
    assert parsed.unclassifiable


def test_undocumented_type_without_recipients_is_noted_only() -> None:
    body = orjson.dumps([{"event": "brand_new_thing", "email": "a@example.com", "timestamp": 1}])
    parsed = parse_recording(raw_of("sendgrid", body))
    assert parsed.events == []
    assert [u.category for u in parsed.unrecognised] == ["brand_new_thing"]
