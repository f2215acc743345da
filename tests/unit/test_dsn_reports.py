"""Raw bounce messages built in the test: actions and statuses, unreadable reports,
recipients, dates, feedback reports, and what is not a bounce."""

from __future__ import annotations

import base64
import hashlib

import flufl.bounce
import pytest

from services.processor.parsers import ParseError, parse
from shared.classification import classify
from shared.models import EventKind, Source
from tests.unit.test_dsn import RECEIVED_AT, fixture, raw_of

H, S, C = EventKind.HARD, EventKind.SOFT, EventKind.COMPLAINT


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
