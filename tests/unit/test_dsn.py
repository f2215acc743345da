"""Raw bounce messages (DSN / ARF / plain bounces) against every .eml fixture, table-driven.

EXPECTED (tests/unit/dsn_expectations.py) states, per file of
tests/fixtures/providers/dsn, the events it must give.
"""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import UTC, datetime

import flufl.bounce
import pytest

from services.processor.parsers import DEFAULT_KEYS, MetadataKeys, ParseError, parse
from shared.classification import classify
from shared.models import CanonicalEvent, EventKind, Source
from shared.raw import RawEvent
from tests.unit.dsn_expectations import DSN_DIR, EXPECTED, NAMES, C, H, S

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


def report(status_fields: str, *, report_type: str = "delivery-status", head: str = "") -> bytes:
    part = (
        "message/feedback-report"
        if report_type == "feedback-report"
        else ("message/delivery-status")
    )
    return (
        f"{head}From: MAILER-DAEMON@mx.example\nSubject: report\n"
        "MIME-Version: 1.0\n"
        f'Content-Type: multipart/report; report-type={report_type}; boundary="B"\n\n'
        "--B\nContent-Type: text/plain\n\nsee below\n\n"
        f"--B\nContent-Type: {part}\n\n{status_fields}\n"
        "--B\nContent-Type: text/rfc822-headers\n\nTo: A <a@example.com>\nMessage-ID: <m1@x>\n\n"
        "--B--\n"
    ).encode()


FAILED = "Reporting-MTA: dns; mx.example\n\nFinal-Recipient: rfc822; {rcpt}\nAction: {action}\nStatus: {status}\n"


@pytest.mark.parametrize(
    ("action", "status", "kind"),
    [
        ("failed", "5.1.1", H),
        ("failed", "5.0.0", H),
        ("failed", "4.4.7", S),  # expired after retries
        ("failed", "5.2.2", S),  # mailbox full: persistent transient (RFC 3463)
        ("failed", "5.7.1", S),  # policy / spam block: about the message, not the address
        ("failed", "5.3.4", S),  # message too big
        ("Failed (permanent)", "5.4.4", H),
        ("error", "5.1.2", H),  # OpenSMTPD's non-standard action
        ("delayed", "4.4.1", None),
        ("delivered", "2.0.0", None),
        ("relayed", "2.0.0", None),
        ("expanded", "2.0.0", None),
    ],
)
def test_actions_and_statuses(action: str, status: str, kind: EventKind | None) -> None:
    events = parse(
        raw_of(report(FAILED.format(rcpt="a@example.com", action=action, status=status)))
    )
    assert [e.kind for e in events] == ([kind] if kind else [])


def test_dsn_classification_rows() -> None:
    assert classify(Source.DSN, "failed", status="5.6.0").kind is S
    assert classify(Source.DSN, "failed", diagnostic="smtp; 550 no such user").kind is H
    assert classify(Source.DSN, "failed").kind is S  # no code at all: soft
    assert classify(Source.DSN, "feedback", "fraud").kind is C
    assert classify(Source.DSN, "feedback", "other").kind is C
    assert classify(Source.DSN, "feedback", "somethingnew").kind is C  # RFC 5965: "other"
    for ignored in ("virus", "not-spam", "auth-failure"):
        assert classify(Source.DSN, "feedback", ignored).kind is EventKind.IGNORED
    assert classify(Source.DSN, "unstructured", "temporary").kind is EventKind.IGNORED


@pytest.mark.parametrize(
    ("fields", "match"),
    [
        (
            "Reporting-MTA: dns; mx\n\nFinal-Recipient: rfc822; a@example.com\nStatus: 5.1.1\n",
            "Action",
        ),
        (
            "Reporting-MTA: dns; mx\n\nFinal-Recipient: rfc822; a@example.com\nAction: exploded\n",
            "Action",
        ),
        ("Reporting-MTA: dns; mx\n", "per-recipient"),
        ("Reporting-MTA: dns; mx\n\nFinal-Recipient: rfc822; nobody\nAction: failed\n", "no email"),
    ],
)
def test_unreadable_delivery_status(fields: str, match: str) -> None:
    with pytest.raises(ParseError, match=match):
        parse(raw_of(report(fields)))


def test_original_recipient_wins_and_duplicates_collapse() -> None:
    fields = (
        "Reporting-MTA: dns; mx\n\n"
        "Original-Recipient: rfc822;Sub@Example.com\nFinal-Recipient: rfc822; alias@x.example\n"
        "Action: failed\nStatus: 5.1.1\n\n"
        "Final-Recipient: rfc822; sub@example.com\nAction: failed\nStatus: 5.1.1\n"
    )
    (e,) = parse(raw_of(report(fields)))
    assert e.email == "sub@example.com"


def test_no_dates_and_no_message_id() -> None:
    body = report(FAILED.format(rcpt="a@example.com", action="failed", status="5.1.1"))
    (e,) = parse(raw_of(body))
    assert e.occurred_at == RECEIVED_AT
    assert e.dedup_key == f"dsn:{hashlib.sha256(body).hexdigest()}:a@example.com"
    assert e.provider_message_id == "m1@x"


def test_global_delivery_status_and_encoded_feedback_report() -> None:
    fields = "Reporting-MTA: dns; mx\n\nFinal-Recipient: utf-8; a@example.com\nAction: failed\nStatus: 5.1.1\n"
    body = report(fields).replace(b"message/delivery-status", b"message/global-delivery-status")
    assert [e.email for e in parse(raw_of(body))] == ["a@example.com"]
    encoded = base64.b64encode(b"Feedback-Type: fraud\r\nOriginal-Rcpt-To: <b@example.com>\r\n")
    arf = report("", report_type="feedback-report").replace(
        b"Content-Type: message/feedback-report\n\n",
        b"Content-Type: message/feedback-report\nContent-Transfer-Encoding: base64\n\n" + encoded,
    )
    (e,) = parse(raw_of(arf))
    assert (e.kind, e.email, e.bounce_subtype) == (C, "b@example.com", "fraud")


def test_arf_without_feedback_type_or_with_ambiguous_to() -> None:
    with pytest.raises(ParseError, match="Feedback-Type"):
        parse(raw_of(report("User-Agent: x\n", report_type="feedback-report")))
    body = report("Feedback-Type: abuse\n", report_type="feedback-report").replace(
        b"To: A <a@example.com>", b"To: a@example.com, b@example.com"
    )
    with pytest.raises(ParseError, match="names 2 addresses"):
        parse(raw_of(body))
    (e,) = parse(raw_of(report("Feedback-Type: abuse\n", report_type="feedback-report")))
    assert (e.email, e.subscriber_name) == ("a@example.com", "A")


@pytest.mark.parametrize(
    "subject",
    [
        "Out of Office: back Monday",
        "Automatic reply: May newsletter",
        "=?utf-8?q?Automatische_Antwort:_Mai-Newsletter?=",
        "=?iso-8859-1?q?R=E9ponse_automatique_:_lettre?=",
    ],
)
def test_out_of_office_subjects_are_not_bounces(subject: str) -> None:
    body = f"From: Person <p@example.com>\nTo: news@example.com\nSubject: {subject}\n\nAway.\n"
    assert parse(raw_of(body.encode())) == []


def test_other_reports_and_automatic_messages_are_not_bounces() -> None:
    mdn = report(
        "Final-Recipient: rfc822; a@example.com\nDisposition: manual-action/MDN-sent-manually; displayed\n",
        report_type="disposition-notification",
    )
    assert parse(raw_of(mdn)) == []
    notice = b"From: robot@example.com\nAuto-Submitted: auto-generated\nSubject: Your ticket\n\nThanks.\n"
    assert parse(raw_of(notice)) == []


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"   \r\n",
        b"hello world",
        b"From: someone@example.com\nSubject: hi\n\nJust a normal message.\n",
        b'Content-Type: multipart/report; boundary="B"\n\n--B\nContent-Type: text/plain\n\nx\n--B--\n',
        b"Content-Type: multipart/report; report-type=delivery-status\n\nno parts\n",
    ],
)
def test_not_a_bounce_is_a_parse_error(body: bytes) -> None:
    with pytest.raises(ParseError):
        parse(raw_of(body))


def test_detector_failure_is_a_parse_error(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(_msg: object) -> tuple[frozenset[bytes], frozenset[bytes]]:
        raise IndexError("detector bug")

    monkeypatch.setattr(flufl.bounce, "all_failures", boom)
    with pytest.raises(ParseError, match="IndexError"):
        parse(fixture("qmail-plaintext-permanent"))
