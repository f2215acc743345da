"""Issue 10, batch 2: every Resend, Postal, MailerSend, Unisender Go and Mailtrap fixture
parses to the events stated in tests/unit/expectations_batch2.py; plus the shapes the
fixtures do not cover (batches, JSON Lines variants, suppression echoes, bad input)."""

from __future__ import annotations

import json

import pytest

from services.processor.parsers import ParseError, parse
from shared.models import CanonicalEvent, EventKind, Source
from shared.raw import RawEvent
from tests.provider_fixtures import RECEIVED_AT, fixture_names, load_fixture
from tests.unit.expectations_batch2 import EXPECTED, PROVIDERS, E

ALL = [(p, n) for p in PROVIDERS for n in fixture_names(p)]


def raw(provider: str, body: object, content_type: str = "application/json") -> RawEvent:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return RawEvent("evt_t", provider, data, RECEIVED_AT, {"content-type": content_type})


def test_every_fixture_has_an_expectation() -> None:
    assert len(ALL) == 60
    assert sorted(EXPECTED) == sorted(ALL)


def _check(got: CanonicalEvent, want: E, provider: str) -> None:
    assert (got.kind, got.email) == (want.kind, want.email)
    if want.key.endswith("*"):
        assert got.dedup_key.startswith(want.key[:-1])
    else:
        assert got.dedup_key == want.key
    assert (got.smtp_code, got.enhanced_code) == (want.smtp, want.enhanced)
    assert got.bounce_subtype == want.subtype
    assert got.sending_domain == want.domain
    assert got.source is Source(provider)
    assert got.occurred_at.utcoffset().total_seconds() == 0  # type: ignore[union-attr]


@pytest.mark.parametrize(("provider", "name"), ALL, ids=[f"{p}/{n}" for p, n in ALL])
def test_fixture(provider: str, name: str) -> None:
    event, _ = load_fixture(provider, name)
    want = EXPECTED[(provider, name)]
    got = parse(event)
    assert len(got) == len(want), [(e.kind, e.email) for e in got]
    for g, w in zip(got, want, strict=True):
        _check(g, w, provider)
    assert all(e.kind is not EventKind.IGNORED for e in got)


def test_content_hash_keys_are_stable_and_distinct() -> None:
    one, _ = load_fixture("unisender_go", "anymail-single-delivered")
    assert parse(one) == parse(one)
    two, _ = load_fixture("unisender_go", "anymail-batch-sent-and-delivered")
    assert parse(one)[0].dedup_key != parse(two)[0].dedup_key


def test_unisender_batch_and_single_of_one_event_share_the_key() -> None:
    data = {"email": "a@example.com", "status": "hard_bounced", "event_time": "2024-09-06 23:22:40"}
    single = {"event_name": "transactional_email_status", "auth": "x", **data}
    batch = {
        "auth": "y",
        "events_by_user": [
            {
                "user_id": 1,
                "events": [{"event_name": "transactional_email_status", "event_data": data}],
            }
        ],
    }
    a, b = parse(raw("unisender_go", single)), parse(raw("unisender_go", batch))
    assert [e.dedup_key for e in a] == [e.dedup_key for e in b]
    assert a[0].kind is EventKind.HARD


@pytest.mark.parametrize(
    ("detail", "kind"),
    [
        ("err_skip_letter", EventKind.HARD),  # suppression echo of an earlier bounce
        ("err_unsubscribed", None),  # unsubscribe echo
        ("err_mailbox_full", EventKind.SOFT),
        ("err_not_allowed", None),  # sender-side
    ],
)
def test_unisender_hard_bounced_details(detail: str, kind: EventKind | None) -> None:
    body = {
        "event_name": "transactional_email_status",
        "status": "hard_bounced",
        "email": "a@example.com",
        "delivery_info": {"delivery_status": detail},
    }
    got = parse(raw("unisender_go", body))
    assert [e.kind for e in got] == ([kind] if kind else [])


@pytest.mark.parametrize(
    ("reason", "kind"),
    [
        ("Recipient in suppression list. Reason: hard bounce", EventKind.HARD),
        ("Recipient in suppression list. Reason: hard_bounce", EventKind.HARD),
        ("Recipient in suppression list. Reason: spam complaint", None),
        ("Recipient in suppression list. Reason: unsubscription", None),
        ("Domain was not verified", None),
    ],
)
def test_mailtrap_reject_reasons(reason: str, kind: EventKind | None) -> None:
    body = {"events": [{"event": "reject", "email": "a@example.com", "reason": reason}]}
    got = parse(raw("mailtrap", body))
    assert [e.kind for e in got] == ([kind] if kind else [])


def test_mailtrap_bad_recipient_bounce_is_hard_and_jsonl_crlf_is_read() -> None:
    lines = [
        {"event": "bounce", "email": "A@Example.com", "event_id": "e1", "bounce_category": "badrecipient",
         "response_code": 550, "response": "550 no such user", "timestamp": 1728669700},
        {"event": "delivery", "email": "b@example.com", "event_id": "e2", "timestamp": 1728669700},
    ]  # fmt: skip
    body = b"\r\n".join(json.dumps(x).encode() for x in lines) + b"\r\n"
    got = parse(raw("mailtrap", body, "application/jsonl"))
    assert [(e.kind, e.email, e.dedup_key) for e in got] == [
        (EventKind.HARD, "a@example.com", "mailtrap:e1"),
        (EventKind.DELIVERY, "b@example.com", "mailtrap:e2"),
    ]


@pytest.mark.parametrize(
    ("bounce", "kind"),
    [
        ({"type": "Transient", "subType": "MailboxFull"}, EventKind.SOFT),
        ({"type": "Transient", "subType": "General", "diagnosticCode": ["smtp; 550 5.1.1 x"]}, EventKind.HARD),
        ({"type": "Undetermined", "subType": "Undetermined"}, EventKind.SOFT),
    ],
)  # fmt: skip
def test_resend_bounce_types(bounce: dict[str, object], kind: EventKind) -> None:
    body = {"type": "email.bounced", "created_at": "2024-11-22T23:41:12.126Z",
            "data": {"email_id": "m1", "to": ["Jo <Jo@example.com>"], "bounce": bounce}}  # fmt: skip
    (got,) = parse(raw("resend", body))
    assert (got.kind, got.email) == (kind, "jo@example.com")


def test_postal_held_for_another_reason_is_ignored() -> None:
    body = {"event": "MessageHeld", "uuid": "u1", "payload": {
        "message": {"to": "a@example.com", "direction": "outgoing"},
        "status": "Held", "details": "Message held because of spam score"}}  # fmt: skip
    assert parse(raw("postal", body)) == []


@pytest.mark.parametrize(
    ("provider", "body"),
    [
        ("resend", b"[]"),
        ("resend", {"type": "email.bounced", "data": {"to": []}}),
        ("postal", {"event": "MessageSent", "payload": "x"}),
        ("mailersend", {"type": "activity.hard_bounced", "data": {"email": {}}}),
        ("unisender_go", {"events_by_user": [{"events": [1]}]}),
        ("mailtrap", b'{"event": "bounce"}\nnot json'),
        ("mailtrap", {"events": "x"}),
        ("mailtrap", b"  "),
    ],
)
def test_unreadable_payloads_raise_parse_error(provider: str, body: object) -> None:
    with pytest.raises(ParseError):
        parse(raw(provider, body))


def test_mailtrap_soft_bounce_spelled_with_underscore_is_still_a_retry() -> None:
    body = {"events": [{"event": "soft_bounce", "email": "a@example.com", "event_id": "e"}]}
    assert parse(raw("mailtrap", body)) == []


@pytest.mark.parametrize(
    "data",
    [
        {"id": "a1", "recipient": "x@example.com", "message_id": "m1"},
        {"id": "a1", "recipient": {"email": "x@example.com"}, "message_id": "m1"},
    ],
)
def test_mailersend_lighter_payload_recipient(data: dict[str, object]) -> None:
    body = {"type": "activity.hard_bounced", "created_at": "2025-01-01T00:00:00Z", "data": data}
    (got,) = parse(raw("mailersend", body))
    assert (got.kind, got.email, got.provider_message_id) == (EventKind.HARD, "x@example.com", "m1")
