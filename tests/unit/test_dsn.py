"""Raw bounce messages (DSN / ARF / plain bounces) against every .eml fixture, table-driven.

EXPECTED (tests/unit/dsn_expectations.py) states, per file of
tests/fixtures/providers/dsn, the events it must give.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

import pytest

from services.processor.parsers import DEFAULT_KEYS, MetadataKeys, ParseError, parse
from shared.models import CanonicalEvent, Source
from shared.raw import RawEvent
from tests.unit.dsn_expectations import DSN_DIR, EXPECTED, NAMES

RECEIVED_AT = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)


def raw_of(body: bytes, received_at: datetime = RECEIVED_AT) -> RawEvent:
    return RawEvent("evt_test", "dsn", body, received_at, {"content-type": "message/rfc822"})


def fixture(name: str) -> RawEvent:
    return raw_of((DSN_DIR / f"{name}.eml").read_bytes())


def one(name: str, keys: MetadataKeys = DEFAULT_KEYS) -> CanonicalEvent:
    events = parse(fixture(name), keys)
    assert len(events) == 1
    return events[0]


def test_every_fixture_has_an_expectation_and_a_source() -> None:
    assert len(NAMES) >= 6
    assert sorted(EXPECTED) == NAMES
    readme = (DSN_DIR / "README.md").read_text()
    for name in NAMES:
        assert f"`{name}.eml`" in readme, f"{name} has no row in the README table"


def test_every_provider_fixture_states_its_source() -> None:
    """Issue 3, done-when 1: >= 12 payloads per provider, each naming its source."""
    root = DSN_DIR.parent
    for provider in ("ses", "mailgun", "sendgrid"):
        files = sorted((root / provider).glob("*.json"))
        assert len(files) >= 12, provider
        for f in files:
            source = json.loads(f.read_text())["source"]
            assert isinstance(source, str), f.name
            assert source.strip(), f.name


@pytest.mark.parametrize("name", NAMES)
def test_fixture(name: str) -> None:
    want = EXPECTED[name]
    if isinstance(want, str):
        with pytest.raises(ParseError):
            parse(fixture(name))
        return
    got = parse(fixture(name))
    assert [(e.kind, e.email, e.smtp_code, e.enhanced_code, e.sending_domain) for e in got] == [
        tuple(w) for w in want
    ]
    for e in got:
        assert e.source is Source.DSN
        assert e.dedup_key.startswith("dsn:")
        assert e.dedup_key.endswith(f":{e.email}")
        assert e.occurred_at.utcoffset() is not None
        assert e.occurred_at.utcoffset().total_seconds() == 0  # type: ignore[union-attr]


def test_postfix_details() -> None:
    e = one("postfix-user-unknown-5.1.1")
    assert e.provider_message_id == "may-2024.42.jane@sender.example"
    assert (e.campaign_name, e.subscriber_name) == ("may-newsletter", "Jane Doe")
    assert e.diagnostic == (
        "smtp; 550 5.1.1 <jane.doe@example.net>: Recipient address rejected: "
        "User unknown in virtual mailbox table"
    )
    assert e.occurred_at == datetime(2024, 5, 14, 10, 22, 13, tzinfo=UTC)  # the report's Date
    report_id = b"<20240514102213.8F7A21A0D4B@mail.sender.example>"
    assert e.dedup_key == f"dsn:{hashlib.sha256(report_id).hexdigest()}:jane.doe@example.net"


def test_last_attempt_date_wins_and_folded_diagnostics_are_unfolded() -> None:
    e = one("gmail-address-not-found-5.1.1")
    assert e.occurred_at == datetime(2024, 5, 14, 17, 30, 42, tzinfo=UTC)  # 10:30:42 PDT
    assert e.diagnostic is not None
    assert "\n" not in e.diagnostic
    assert e.diagnostic.startswith("smtp; 550-5.1.1 The email account")
    assert (e.campaign_name, e.subscriber_name) == ("may-newsletter", "Dan Nobody")
    assert e.provider_message_id == "may-2024.44.dan@sender.example"
    d1 = one("rfc3464-d1-simple-failed-4xx")
    assert d1.occurred_at == datetime(1994, 7, 7, 21, 15, 49, tzinfo=UTC)


def test_arf_details() -> None:
    e = one("rfc5965-b2-abuse-full")
    assert e.bounce_subtype == "abuse"
    assert e.provider_message_id == "8787KJKJ3K4J3K4J3K4J3.mail@example.net"
    assert e.occurred_at == datetime(2005, 3, 8, 21, 40, 36, tzinfo=UTC)  # Date, 17:40:36 EDT
    fbl = one("fbl-abuse-recipient-from-original-to")
    assert (fbl.campaign_name, fbl.subscriber_name) == ("may-newsletter", "Ivy Example")


def test_unstructured_bounce_reads_its_code_from_the_text() -> None:
    e = one("exim-plaintext-failed-recipients")
    assert e.diagnostic == "550 5.1.1 <bob@example.org>: Recipient address rejected: User unknown"
    assert e.occurred_at == datetime(2024, 5, 15, 8, 1, 2, tzinfo=UTC)


def test_metadata_keys_are_configurable_for_raw_messages() -> None:
    keys = MetadataKeys(campaign=("list_id",), subscriber_name=("nickname",))
    e = one("postfix-user-unknown-5.1.1", keys)
    assert (e.campaign_name, e.subscriber_name) == (None, "Jane Doe")  # To's display name
    body = (DSN_DIR / "postfix-user-unknown-5.1.1.eml").read_bytes()
    body = body.replace(b"X-Campaign-Name: may-newsletter", b"X-List-ID: list-7\nNickname: JD")
    (e,) = parse(raw_of(body), keys)
    assert (e.campaign_name, e.subscriber_name) == ("list-7", "JD")


# -- hand-made messages ------------------------------------------------------------
