"""Postmark, SparkPost, Mailjet, Brevo and Mandrill fixtures parse to the events stated in
tests/unit/parser_expectations_more.py; plus the traps of each format."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest

from services.processor.parsers import ParseError, parse
from shared.models import EventKind, Source
from shared.raw import RawEvent
from tests.provider_fixtures import RECEIVED_AT, fixture_names, load_fixture
from tests.unit.parser_expectations_more import EXPECTED_MORE, PROVIDERS_MORE, RAISES

FIXTURES_MORE = [(p, n) for p in PROVIDERS_MORE for n in fixture_names(p)]


def raw_event(provider: str, body: bytes, content_type: str = "application/json") -> RawEvent:
    return RawEvent("evt_test", provider, body, RECEIVED_AT, {"content-type": content_type})


def test_every_fixture_has_an_expectation() -> None:
    assert len(FIXTURES_MORE) == 13 + 15 + 15 + 13 + 6
    assert sorted(EXPECTED_MORE) == sorted(FIXTURES_MORE)


@pytest.mark.parametrize(("provider", "name"), FIXTURES_MORE, ids=[n for _, n in FIXTURES_MORE])
def test_fixture(provider: str, name: str) -> None:
    raw, _ = load_fixture(provider, name)
    want = EXPECTED_MORE[(provider, name)]
    if isinstance(want, str):
        assert want == RAISES
        with pytest.raises(ParseError):
            parse(raw)
        return
    got = parse(raw)
    assert [(e.kind, e.email) for e in got] == [(w.kind, w.email) for w in want]
    for g, w in zip(got, want, strict=True):
        assert g.dedup_key == w.key
        assert (g.smtp_code, g.enhanced_code) == (w.smtp, w.enhanced)
        assert g.sending_domain == w.domain
        assert g.source is Source(provider)
        assert g.occurred_at.utcoffset() is not None
        assert g.occurred_at.utcoffset().total_seconds() == 0  # type: ignore[union-attr]
    assert len({e.dedup_key for e in got}) == len(got)  # one key per event and recipient


# -- Postmark ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bounce_type", "details", "kind"),
    [
        ("HardBounce", "smtp;550 5.1.1 no such user", EventKind.HARD),
        ("BadEmailAddress", "", EventKind.HARD),
        ("SoftBounce", "smtp;452 4.2.2 mailbox full", EventKind.SOFT),
        ("SoftBounce", "smtp;550 5.1.1 no such user", EventKind.HARD),  # address gone
        ("Transient", "", EventKind.SOFT),
        ("DnsError", "", EventKind.SOFT),
        ("Blocked", "smtp;554 5.7.1 blocked", EventKind.SOFT),
        ("SpamComplaint", "", EventKind.COMPLAINT),
        ("Unknown", "smtp;550 5.2.1 disabled", EventKind.HARD),
        ("AutoResponder", "I am out of the office", EventKind.IGNORED),
        ("ManuallyDeactivated", "", EventKind.IGNORED),
        ("SMTPApiError", "", EventKind.IGNORED),
        ("NewTypeNotInTable", "smtp;550 5.1.1 no such user", EventKind.HARD),  # by code
        ("NewTypeNotInTable", "", EventKind.SOFT),
    ],
)
def test_postmark_bounce_types(bounce_type: str, details: str, kind: EventKind) -> None:
    body = {"RecordType": "Bounce", "ID": 7, "Type": bounce_type, "Details": details}
    body |= {"Email": "a@example.com", "BouncedAt": "2024-01-01T00:00:00.1234567Z"}
    got = parse(raw_event("postmark", json.dumps(body).encode()))
    assert [e.kind for e in got] == ([] if kind is EventKind.IGNORED else [kind])


def test_postmark_metadata_and_complaint_suppression() -> None:
    body = {
        "RecordType": "Bounce",
        "ID": 8,
        "Type": "HardBounce",
        "Email": "a@example.com",
        "Tag": "welcome",
        "Metadata": {"campaign_name": "Spring", "subscriber_name": "Ann"},
    }
    (e,) = parse(raw_event("postmark", json.dumps(body).encode()))
    assert (e.campaign_name, e.subscriber_name, e.occurred_at) == ("Spring", "Ann", RECEIVED_AT)
    change: dict[str, object] = {"RecordType": "SubscriptionChange", "SuppressSending": True}
    change |= {"Recipient": "a@example.com", "SuppressionReason": "SpamComplaint"}
    assert parse(raw_event("postmark", json.dumps(change).encode())) == []  # as Mailgun 607


# -- SparkPost ---------------------------------------------------------------------


def _msys(event: dict[str, object], kind: str = "message_event") -> bytes:
    return json.dumps([{"msys": {kind: event}}]).encode()


def test_sparkpost_reused_event_id_gives_one_key_per_event() -> None:
    raw, _ = load_fixture("sparkpost", "gosdk-batch-sample-events-all-types")
    keys = [e.dedup_key for e in parse(raw)]
    assert len(keys) == len(set(keys)) == 4


@pytest.mark.parametrize(
    ("bounce_class", "kind"),
    [
        ("10", EventKind.HARD),
        ("30", EventKind.HARD),
        ("22", EventKind.SOFT),
        ("50", EventKind.SOFT),
        ("60", EventKind.IGNORED),
        ("25", EventKind.IGNORED),
    ],
)
def test_sparkpost_bounce_classes(bounce_class: str, kind: EventKind) -> None:
    body = _msys({"type": "bounce", "bounce_class": bounce_class, "rcpt_to": "a@example.com"})
    got = parse(raw_event("sparkpost", body))
    assert [e.kind for e in got] == ([] if kind is EventKind.IGNORED else [kind])


def test_sparkpost_policy_rejection_of_suppressed_address_is_hard() -> None:
    reason = "554 5.7.1 recipient address suppressed due to customer policy"
    body = _msys({"type": "policy_rejection", "raw_reason": reason, "rcpt_to": "a@example.com"})
    assert [e.kind for e in parse(raw_event("sparkpost", body))] == [EventKind.HARD]


def test_sparkpost_rejects_a_non_array_and_a_bad_msys() -> None:
    with pytest.raises(ParseError):
        parse(raw_event("sparkpost", b'[{"msys": []}]'))
    with pytest.raises(ParseError):
        parse(raw_event("sparkpost", b'[{"msys": {"message_event": 3}}]'))


# -- Mailjet -----------------------------------------------------------------------


def test_mailjet_message_id_above_2_53_keeps_every_digit() -> None:
    big = 2**53 + 1  # 9007199254740993: a float would read 9007199254740992
    body = f'{{"event": "sent", "MessageID": {big}, "email": "a@example.com", "time": 1}}'
    (e,) = parse(raw_event("mailjet", body.encode()))
    assert e.provider_message_id == str(big)
    assert e.dedup_key == f"mailjet:{big}:sent:a@example.com:1"


@pytest.mark.parametrize(
    ("related", "error", "kind"),
    [
        ("mailjet", "preblocked", EventKind.HARD),
        ("recipient", "spam reporter", EventKind.IGNORED),
        ("recipient", "blacklisted", EventKind.IGNORED),
        ("spam", "content blocked", EventKind.IGNORED),
    ],
)
def test_mailjet_blocked(related: str, error: str, kind: EventKind) -> None:
    body = {"event": "blocked", "MessageID": 1, "email": "a@example.com", "time": 1}
    body |= {"error_related_to": related, "error": error}
    got = parse(raw_event("mailjet", json.dumps(body).encode()))
    assert [e.kind for e in got] == ([] if kind is EventKind.IGNORED else [kind])


def test_mailjet_payload_metadata() -> None:
    payload = json.dumps({"campaign": "Spring", "name": "Ann"})
    body = {"event": "spam", "MessageID": 1, "email": "a@example.com", "Payload": payload}
    (e,) = parse(raw_event("mailjet", json.dumps([body]).encode()))
    assert (e.campaign_name, e.subscriber_name) == ("Spring", "Ann")


# -- Brevo -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("event", "reason", "kind"),
    [
        ("blocked", "blocked : due to hard bounce", EventKind.HARD),
        ("blocked", "invalid email address", EventKind.HARD),
        ("blocked", "blocked : due to spam complaint", EventKind.IGNORED),
        ("invalid_email", "", EventKind.HARD),
        ("spam", "", EventKind.COMPLAINT),
        ("soft_bounce", "undefined 452 4.2.2 mailbox full", EventKind.SOFT),
        ("hardBounce", "", EventKind.HARD),  # the API's camelCase spelling
    ],
)
def test_brevo_events(event: str, reason: str, kind: EventKind) -> None:
    body = {"event": event, "email": "a@example.com", "reason": reason, "ts_epoch": 1}
    got = parse(raw_event("brevo", json.dumps(body).encode()))
    assert [e.kind for e in got] == ([] if kind is EventKind.IGNORED else [kind])


def test_brevo_batched_array_and_json_tag() -> None:
    one = {"event": "delivered", "email": "a@example.com", "message-id": "<m1@x>", "ts": 5}
    two = one | {"email": "b@example.com", "tag": '["t1","t2"]'}
    got = parse(raw_event("brevo", json.dumps([one, two]).encode()))
    assert [e.dedup_key for e in got] == [
        "brevo:m1@x:delivered:a@example.com:5",
        "brevo:m1@x:delivered:b@example.com:5",
    ]
    assert got[1].campaign_name == "t1"


# -- Mandrill ----------------------------------------------------------------------


def _form(events: object) -> bytes:
    return urlencode({"mandrill_events": json.dumps(events)}).encode()


def test_mandrill_reject_for_hard_bounce_is_hard_and_for_spam_ignored() -> None:
    msg = {"email": "a@example.com", "_id": "m1"}
    events = [
        {"event": "reject", "msg": msg, "_id": "m1", "ts": 1, "reject": {"reason": "hard-bounce"}},
        {"event": "reject", "msg": msg, "_id": "m1", "ts": 2, "reject": {"reason": "spam"}},
        {
            "type": "blacklist",
            "action": "add",
            "reject": {"email": "B@x.org", "reason": "hard-bounce"},
        },
    ]
    form = "application/x-www-form-urlencoded"
    got = parse(raw_event("mandrill", _form(events), form))
    assert [(e.kind, e.email) for e in got] == [
        (EventKind.HARD, "a@example.com"),
        (EventKind.HARD, "b@x.org"),
    ]
    assert got[0].dedup_key == "mandrill:m1:reject:a@example.com:1"
    assert got[1].dedup_key.startswith("mandrill:sha256:")


def test_mandrill_without_the_events_field_or_with_an_object_is_a_parse_error() -> None:
    with pytest.raises(ParseError):
        parse(raw_event("mandrill", b"other=1", "application/x-www-form-urlencoded"))
    with pytest.raises(ParseError):
        parse(raw_event("mandrill", _form({"event": "send"}), "application/x-www-form-urlencoded"))
