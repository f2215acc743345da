"""Provider parsers against every real fixture, table-driven, plus bad input.

EXPECTED states, per fixture file, what the payload means (decided from the
providers' docs): the events that matter, in order, as (kind, email, dedup key,
SMTP code, enhanced code). A dedup key ending in "*" is a prefix (content-hash
keys). RAISES: the payload cannot be applied and must be dead-lettered.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import NamedTuple

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import services.processor.parsers as parsers_pkg
from services.processor.parsers import ParseError, mailgun, parse, sendgrid, ses
from shared.models import CanonicalEvent, EventKind, Source
from shared.raw import RawEvent
from tests.provider_fixtures import PROVIDERS, RECEIVED_AT, fixture_names, load_fixture


class E(NamedTuple):
    kind: EventKind
    email: str
    key: str
    smtp: str | None = None
    enhanced: str | None = None


H, S, C, D = EventKind.HARD, EventKind.SOFT, EventKind.COMPLAINT, EventKind.DELIVERY
RAISES = "raises"
A19 = "ses:19ba9823-d7f2-53c1-860e-cb10e0d13dfc"  # anymail reuses this SNS MessageId
MGT = "mailgun:legacy:1234567890abcdef1234567890abcdef"  # anymail's legacy token
SG_AT = "example@test.com"

EXPECTED: dict[tuple[str, str], list[E] | str] = {
    # ---- SES
    ("ses", "anymail-event-click"): [],
    ("ses", "anymail-event-open"): [],
    ("ses", "anymail-event-reject"): [],
    ("ses", "anymail-event-rendering-failure"): [],
    ("ses", "anymail-event-send"): [],
    ("ses", "anymail-notif-bounce-permanent-general-2rcpt"): [
        E(H, "jane@example.com", f"{A19}:jane@example.com"),
        E(H, "richard@example.com", f"{A19}:richard@example.com"),
    ],
    ("ses", "anymail-notif-bounce-permanent-general-full-envelope"): [
        E(H, "jane@example.com", f"{A19}:jane@example.com", "550", "5.1.1"),
    ],
    ("ses", "anymail-notif-complaint-abuse"): [
        E(C, "richard@example.com", f"{A19}:richard@example.com"),
    ],
    ("ses", "anymail-notif-delivery"): [
        E(D, "jane@example.com", f"{A19}:jane@example.com", "250"),
    ],
    ("ses", "anymail-notif-empty-message"): [],  # Message "{}": no SES schema
    ("ses", "anymail-notif-received-inbound-misrouted"): [],  # inbound, not ours
    ("ses", "anymail-sns-subscription-confirmation"): [],
    ("ses", "anymail-sns-topic-validated-notification"): [],  # plain-text Message
    ("ses", "anymail-sns-unsubscribe-confirmation"): [],
    ("ses", "awsdocs-event-bounce-permanent-general"): [
        E(
            H,
            "recipient@example.com",
            "ses:eee9cfb0-291b-5be9-bdf4-835e2f436c76:recipient@example.com",
            "550",
            "5.1.1",
        ),
    ],
    ("ses", "awsdocs-event-click"): [],
    ("ses", "awsdocs-event-complaint-abuse"): [
        E(
            C,
            "recipient@example.com",
            "ses:0df1c6a6-f44e-5da3-97d6-ab464d9b3957:recipient@example.com",
        ),
    ],
    ("ses", "awsdocs-event-delivery"): [
        E(
            D,
            "recipient@example.com",
            "ses:33e509ee-4ec5-5156-b6f2-8b4058b95dc1:recipient@example.com",
            "250",
            "2.6.0",
        ),
    ],
    ("ses", "awsdocs-event-deliverydelay"): [],  # SES still retrying
    ("ses", "awsdocs-event-open"): [],
    ("ses", "awsdocs-event-reject"): [],
    ("ses", "awsdocs-event-rendering-failure"): [],
    ("ses", "awsdocs-event-send"): [],
    ("ses", "awsdocs-event-subscription"): [],
    ("ses", "awsdocs-notif-bounce-permanent-general-no-dsn-2rcpt"): [
        E(H, "jane@example.com", "ses:d84ae596-2fbc-5df9-93c2-67e4dea61a93:jane@example.com"),
        E(
            H,
            "richard@example.com",
            "ses:d84ae596-2fbc-5df9-93c2-67e4dea61a93:richard@example.com",
        ),
    ],
    ("ses", "awsdocs-notif-bounce-permanent-general-with-dsn"): [
        E(
            H,
            "jane@example.com",
            "ses:c237b4c0-9334-5798-ada2-946245f43b4f:jane@example.com",
            "550",
            "5.1.1",
        ),
    ],
    ("ses", "awsdocs-notif-complaint-abuse-with-feedback-report"): [
        E(
            C,
            "richard@example.com",
            "ses:5c5ddc44-4edd-5a01-9bb0-dd0bd87f52e9:richard@example.com",
        ),
    ],
    ("ses", "awsdocs-notif-complaint-no-feedback-report"): [
        E(
            C,
            "richard@example.com",
            "ses:d90c3c48-0a23-5b30-b7be-82d6c3e01b41:richard@example.com",
        ),
    ],
    ("ses", "awsdocs-notif-delivery"): [
        E(
            D,
            "jane@example.com",
            "ses:8bc6400c-2836-5dbd-a44d-99719428247c:jane@example.com",
            "250",
        ),
    ],
    ("ses", "awsdocs-rawdelivery-event-bounce-permanent-general"): [
        E(
            H,
            "recipient@example.com",
            "ses:65ec82c6-38b4-5561-bc9c-0d67186998fd:recipient@example.com",
            "550",
            "5.1.1",
        ),
    ],
    ("ses", "awsdocs-sns-subscription-confirmation"): [],
    ("ses", "awsdocs-sns-unsubscribe-confirmation"): [],
    ("ses", "capture-notif-bounce-permanent-suppressed-signed"): [
        E(
            H,
            "suppressionlist@simulator.amazonses.com",
            "ses:06639ad4-ee6a-5401-8006-c9173fd8f941:suppressionlist@simulator.amazonses.com",
            None,
            "5.1.1",
        ),
    ],
    ("ses", "capture-rawdelivery-event-bounce-permanent-general-display-name"): [
        E(
            H,
            "bounce@simulator.amazonses.com",
            "ses:31778908-ec93-59a2-9572-2ea430376794:bounce@simulator.amazonses.com",
            "550",
            "5.1.1",
        ),
    ],
    ("ses", "capture-rawdelivery-event-bounce-permanent-suppressed"): [
        E(
            H,
            "suppressionlist@simulator.amazonses.com",
            "ses:46dfb8f0-b307-523c-8c23-93ecc2a1d273:suppressionlist@simulator.amazonses.com",
            None,
            "5.1.1",
        ),
    ],
    # Transient/General without any DSN: the simulator's out-of-office auto-reply
    ("ses", "capture-rawdelivery-event-bounce-transient-general-ooto"): [],
    ("ses", "capture-rawdelivery-event-complaint-simulator"): [
        E(
            C,
            "complaint@simulator.amazonses.com",
            "ses:755da9d1-8f5c-5262-99a7-7219138a879a:complaint@simulator.amazonses.com",
        ),
    ],
    # ---- Mailgun
    ("mailgun", "anymail-accepted-null-delivery-status"): [],
    ("mailgun", "anymail-clicked"): [],
    ("mailgun", "anymail-complained"): [
        E(C, "recipient@example.com", "mailgun:ncV2XwymRUKbPek_MIM-Gw"),
    ],
    ("mailgun", "anymail-delivered-full"): [
        E(D, "recipient@example.com", "mailgun:hTWCTD81RtiDN-...", "250"),
    ],
    ("mailgun", "anymail-failed-permanent-bounce-550"): [
        E(H, "invalid@example.com", "mailgun:sha256:*", "550", "5.1.1"),  # no event id
    ],
    ("mailgun", "anymail-failed-temporary-greylisted-450"): [
        E(S, "undeliverable@mx.example.com", "mailgun:sha256:*", "450"),
    ],
    ("mailgun", "anymail-failed-temporary-no-mx-498"): [
        E(S, "undeliverable@nomx.example.com", "mailgun:sha256:*", "498"),
    ],
    ("mailgun", "anymail-legacy-bounced-550-invalid-mailbox"): [
        E(H, "noreply@example.com", f"{MGT}:bounced:noreply@example.com", "550", "5.1.1"),
    ],
    ("mailgun", "anymail-legacy-bounced-code-5.1.1"): [
        E(H, "noreply@example.com", f"{MGT}:bounced:noreply@example.com", "550", "5.1.1"),
    ],
    ("mailgun", "anymail-legacy-clicked-duplicate-keys-signature-conflict"): [],
    ("mailgun", "anymail-legacy-clicked-metadata-fields"): [],
    # anymail's minimal stubs: a delivery without a recipient cannot be applied
    ("mailgun", "anymail-legacy-delivered-metadata-in-message-headers"): RAISES,
    ("mailgun", "anymail-legacy-delivered-x-mailgun-tag"): RAISES,
    ("mailgun", "anymail-legacy-delivered"): [
        E(
            D,
            "recipient@example.com",
            "mailgun:legacy:06c96bafc3f42a66b9edd546347a2fe18dc23461fe80dc52f0:delivered:"
            "recipient@example.com",
        ),
    ],
    ("mailgun", "anymail-legacy-dropped-hardfail-605-previously-bounced"): [],  # echo
    ("mailgun", "anymail-legacy-dropped-hardfail-607-previously-complained"): [],  # echo
    ("mailgun", "anymail-legacy-dropped-old-499"): [
        E(S, "complaint@example.com", f"{MGT}:dropped:complaint@example.com", "499"),
    ],
    ("mailgun", "anymail-legacy-opened-tags"): [],
    ("mailgun", "anymail-opened"): [],
    ("mailgun", "anymail-rejected-sandbox"): [],
    ("mailgun", "anymail-unsubscribed"): [],
    ("mailgun", "mgdocs-accepted-routed"): [],
    ("mailgun", "mgdocs-accepted"): [],
    ("mailgun", "mgdocs-clicked"): [],
    ("mailgun", "mgdocs-complained"): [
        E(C, "foo@example.com", "mailgun:ncV2XwymRUKbPek_MIM-Gw"),
    ],
    ("mailgun", "mgdocs-delivered"): [
        E(D, "john@example.com", "mailgun:hK7mQVt1QtqRiOfQXta4sw", "250"),
    ],
    ("mailgun", "mgdocs-failed-permanent-delayed-bounce-550"): [
        E(H, "christest123@test.com", "mailgun:ZDMqRgjLTDi6rQcy7K60aA", "550", "5.1.1"),
    ],
    ("mailgun", "mgdocs-failed-permanent-suppress-bounce-605"): [],  # suppression echo
    ("mailgun", "mgdocs-failed-temporary-451-4.7.652"): [
        E(S, "test@test.com", "mailgun:xYrATi63Rke8EC_s7EoJeA", "451", "4.7.652"),
    ],
    ("mailgun", "mgdocs-opened"): [],
    ("mailgun", "mgdocs-rejected-sandbox"): [],
    ("mailgun", "mgdocs-unsubscribed"): [],
    # ---- SendGrid
    ("sendgrid", "anymail-bounce-type-bounce-550"): [
        E(H, "noreply@example.com", "sendgrid:lC0Rc-FuQmKbnxCWxX1jRQ", "550", "5.1.1"),
    ],
    ("sendgrid", "anymail-click"): [],
    ("sendgrid", "anymail-deferred-throttled"): [],  # SendGrid retries
    ("sendgrid", "anymail-delivered-custom-smtp-id"): [
        E(D, "recipient@example.com", "sendgrid:nOSv8m0eTQ-vxvwNwt3fZQ", "250", "2.0.0"),
    ],
    ("sendgrid", "anymail-delivered"): [
        E(D, "recipient@example.com", "sendgrid:nOSv8m0eTQ-vxvwNwt3fZQ", "250", "2.0.0"),
    ],
    ("sendgrid", "anymail-dropped-bounced-address"): [
        E(H, "example@example.com", "sendgrid:zmzJhfJgAfUSOW80yEbPyw==", None, "5.0.0"),
    ],
    ("sendgrid", "anymail-dropped-invalid"): [
        E(H, "invalid@invalid", "sendgrid:3NPOePGOTkeM_U3fgWApfg"),
    ],
    ("sendgrid", "anymail-dropped-unsubscribed-address"): [],
    ("sendgrid", "anymail-open"): [],
    ("sendgrid", "anymail-processed"): [],
    # the docs' placeholder sg_event_id: four events, one dedup key (expected)
    ("sendgrid", "sgdocs-batch-all-event-types"): [
        E(D, SG_AT, "sendgrid:sg_event_id", "250"),
        E(H, SG_AT, "sendgrid:sg_event_id", "500", "5.0.0"),
        E(H, SG_AT, "sendgrid:sg_event_id", None, "5.0.0"),
        E(C, SG_AT, "sendgrid:sg_event_id"),
    ],
    ("sendgrid", "sgdocs-batch-open-array-category"): [],
    ("sendgrid", "sgdocs-batch-open-string-categories"): [],
    ("sendgrid", "sgdocs-bounce-type-blocked"): [
        E(S, SG_AT, "sendgrid:6g4ZI7SA-xmRDv57GoPIPw==", "500", "5.0.0"),
    ],
    ("sendgrid", "sgdocs-bounce-type-bounce"): [
        E(H, SG_AT, "sendgrid:6g4ZI7SA-xmRDv57GoPIPw==", "500", "5.0.0"),
    ],
    ("sendgrid", "sgdocs-click-newsletter-asm"): [],
    ("sendgrid", "sgdocs-click-unique-args"): [],
    ("sendgrid", "sgdocs-click"): [],
    ("sendgrid", "sgdocs-deferred"): [],
    ("sendgrid", "sgdocs-delivered"): [
        E(D, SG_AT, "sendgrid:rWVYmVk90MjZJ9iohOBa3w==", "250"),
    ],
    ("sendgrid", "sgdocs-dropped-bounced-address"): [
        E(H, SG_AT, "sendgrid:zmzJhfJgAfUSOW80yEbPyw==", None, "5.0.0"),
    ],
    ("sendgrid", "sgdocs-group-resubscribe"): [],
    ("sendgrid", "sgdocs-group-unsubscribe"): [],
    ("sendgrid", "sgdocs-open-single-send"): [],
    ("sendgrid", "sgdocs-open"): [],
    ("sendgrid", "sgdocs-processed-ip-pool"): [],
    ("sendgrid", "sgdocs-processed-reserved-keys"): [],
    ("sendgrid", "sgdocs-processed-with-pool"): [],
    ("sendgrid", "sgdocs-spamreport"): [
        E(C, SG_AT, "sendgrid:37nvH5QBz858KGVYCM4uOA=="),
    ],
    ("sendgrid", "sgdocs-unsubscribe-legacy-marketing"): [],
    ("sendgrid", "sgdocs-unsubscribe"): [],
    ("sendgrid", "sgsdk-signed-dropped-bounced-address"): [
        E(H, "hello@world.com", "sendgrid:ZHJvcC0xMDk5NDkxOS1MUnpYbF9OSFN0T0doUTRrb2ZTbV9BLTA"),
    ],
}

ALL_FIXTURES = [(p, n) for p in PROVIDERS for n in fixture_names(p)]


def test_every_fixture_has_an_expectation() -> None:
    assert len(ALL_FIXTURES) == 101
    assert sorted(EXPECTED) == sorted(ALL_FIXTURES)


def _check(got: CanonicalEvent, want: E, provider: str) -> None:
    assert got.kind is want.kind
    assert got.email == want.email
    if want.key.endswith("*"):
        assert got.dedup_key.startswith(want.key[:-1])
    else:
        assert got.dedup_key == want.key
    assert (got.smtp_code, got.enhanced_code) == (want.smtp, want.enhanced)
    assert got.source is Source(provider)
    assert got.occurred_at.tzinfo is not None
    assert got.occurred_at.utcoffset().total_seconds() == 0  # type: ignore[union-attr]


@pytest.mark.parametrize(("provider", "name"), ALL_FIXTURES, ids=[n for _, n in ALL_FIXTURES])
def test_fixture(provider: str, name: str) -> None:
    raw, _ = load_fixture(provider, name)
    want = EXPECTED[(provider, name)]
    if isinstance(want, str):
        assert want == RAISES
        with pytest.raises(ParseError):
            parse(raw)
        return
    got = parse(raw)
    assert len(got) == len(want), [(e.kind, e.email) for e in got]
    for g, w in zip(got, want, strict=True):
        _check(g, w, provider)
    assert all(e.kind is not EventKind.IGNORED for e in got)


# -- details of particular payloads ------------------------------------------------


def one(provider: str, name: str) -> CanonicalEvent:
    events = parse(load_fixture(provider, name)[0])
    assert len(events) == 1
    return events[0]


def test_ses_details() -> None:
    e = one("ses", "awsdocs-notif-bounce-permanent-general-with-dsn")
    assert e.occurred_at == datetime(2016, 1, 27, 14, 59, 38, 237000, tzinfo=UTC)
    assert e.bounce_subtype == "General"
    assert e.diagnostic == "smtp; 550 5.1.1 <jane@example.com>... User"
    assert e.provider_message_id == "00000138111222aa-33322211-cccc-cccc-cccc-ddddaaaa0680-000000"
    # trailing space of the suppression diagnostic is stripped
    s = one("ses", "capture-rawdelivery-event-bounce-permanent-suppressed")
    assert s.bounce_subtype == "Suppressed"
    assert s.diagnostic is not None
    assert s.diagnostic.endswith("remove-from-suppressionlist.html")
    c = one("ses", "awsdocs-notif-complaint-abuse-with-feedback-report")
    assert c.bounce_subtype == "abuse"


def test_ses_time_falls_back_to_the_envelope_then_receipt() -> None:
    # anymail's 2-recipient bounce has neither bounce.timestamp nor mail.timestamp
    events = parse(load_fixture("ses", "anymail-notif-bounce-permanent-general-2rcpt")[0])
    assert events[0].occurred_at == datetime(2018, 3, 26, 17, 58, 59, 675000, tzinfo=UTC)
    msg = {"notificationType": "Bounce", "bounce": {"bounceType": "Permanent",
           "bouncedRecipients": [{"emailAddress": "a@b.example"}]}}  # fmt: skip
    raw = RawEvent("e", "ses", orjson.dumps(msg), RECEIVED_AT, {"x-amz-sns-rawdelivery": "true"})
    (e,) = parse(raw)
    assert e.occurred_at == RECEIVED_AT
    assert e.dedup_key.startswith("ses:sha256:")  # no SNS message id anywhere
    assert e.dedup_key.endswith(":a@b.example")


def test_ses_tags_give_campaign_and_subscriber() -> None:
    raw, doc = load_fixture("ses", "awsdocs-rawdelivery-event-bounce-permanent-general")
    body = doc["body"]
    body["mail"]["tags"].update({"campaign": ["spring-sale"], "subscriber_name": ["Jane Doe"]})
    (e,) = parse(RawEvent("e", "ses", orjson.dumps(body), RECEIVED_AT, raw.headers))
    assert (e.campaign_name, e.subscriber_name) == ("spring-sale", "Jane Doe")


def test_mailgun_details() -> None:
    e = one("mailgun", "mgdocs-failed-permanent-delayed-bounce-550")
    assert e.occurred_at == datetime.fromtimestamp(1666214138.4046676, UTC)
    assert e.provider_message_id == "20221019211537.93011d31ea99c5a8@test.com"
    assert (
        e.diagnostic == "smtp; 550-5.1.1 The email account that you tried to reach does not exist."
    )
    assert e.bounce_subtype == "generic"
    legacy = one("mailgun", "anymail-legacy-delivered")
    assert legacy.provider_message_id == "20160421175529.19495.89030.B3AE3728@example.com"
    assert legacy.occurred_at == datetime.fromtimestamp(1461261330, UTC)


def test_mailgun_user_variables_and_tags() -> None:
    raw, doc = load_fixture("mailgun", "mgdocs-delivered")
    data = doc["body"]["event-data"]
    data["user-variables"] = {"subscriber_name": "John", "x": 1}
    data["tags"] = ["newsletter-42", "other"]
    (e,) = parse(RawEvent("e", "mailgun", orjson.dumps(doc["body"]), RECEIVED_AT, raw.headers))
    assert (e.campaign_name, e.subscriber_name) == ("newsletter-42", "John")
    data["user-variables"]["campaign_name"] = "from-variables"
    (e,) = parse(RawEvent("e", "mailgun", orjson.dumps(doc["body"]), RECEIVED_AT, raw.headers))
    assert e.campaign_name == "from-variables"


def test_mailgun_content_hash_key_ignores_key_order_and_signature() -> None:
    raw, doc = load_fixture("mailgun", "anymail-failed-permanent-bounce-550")
    (a,) = parse(raw)
    body = doc["body"]
    reordered = {
        "signature": {"token": "other", "timestamp": "1", "signature": "x"},
        "event-data": dict(reversed(list(body["event-data"].items()))),
    }
    (b,) = parse(RawEvent("e", "mailgun", orjson.dumps(reordered), RECEIVED_AT, raw.headers))
    assert a.dedup_key == b.dedup_key


def test_mailgun_legacy_repeated_keys_first_for_fields_last_for_signature() -> None:
    body = (
        b"event=bounced&event=metadata&recipient=Real%40Example.com&recipient=meta"
        b"&code=550&error=550+5.1.1+No+such+user&token=meta-token&token=real-token"
        b"&timestamp=meta&timestamp=1461261330&campaign_name=june"
    )
    headers = {"content-type": "application/x-www-form-urlencoded"}
    (e,) = parse(RawEvent("e", "mailgun", body, RECEIVED_AT, headers))
    assert e.dedup_key == "mailgun:legacy:real-token:bounced:real@example.com"
    assert e.occurred_at == datetime.fromtimestamp(1461261330, UTC)
    assert (e.kind, e.campaign_name) == (EventKind.HARD, "june")


def test_mailgun_legacy_multipart() -> None:
    boundary = "BoUnDaRy"
    fields = {
        "event": "bounced",
        "recipient": "Jane@Example.com",
        "code": "550",
        "error": "550 5.1.1 unknown user",
        "timestamp": "1461261330",
        "token": "tok",
        "signature": "sig",
    }
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'
        for k, v in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="attachment-1"; '
        f'filename="a.txt"\r\nContent-Type: text/plain\r\n\r\nevent=delivered\r\n'
    )
    body = ("".join(parts) + f"--{boundary}--\r\n").encode()
    headers = {"content-type": f"multipart/form-data; boundary={boundary}"}
    (e,) = parse(RawEvent("e", "mailgun", body, RECEIVED_AT, headers))
    assert (e.kind, e.email, e.smtp_code, e.enhanced_code) == (
        EventKind.HARD,
        "jane@example.com",
        "550",
        "5.1.1",
    )
    assert e.dedup_key == "mailgun:legacy:tok:bounced:jane@example.com"


def test_sendgrid_details() -> None:
    e = one("sendgrid", "sgdocs-dropped-bounced-address")
    assert e.occurred_at == datetime.fromtimestamp(1513299569, UTC)
    assert e.provider_message_id == "14c5d75ce93.dfd.64b469.filter0001.16648.5515E0B88.0"
    assert (e.campaign_name, e.bounce_subtype, e.diagnostic) == (
        "cat facts",
        "Bounced Address",
        "Bounced Address",
    )


def sg(*events: Mapping[str, object]) -> list[CanonicalEvent]:
    raw = RawEvent("e", "sendgrid", orjson.dumps([dict(e) for e in events]), RECEIVED_AT, {})
    return parse(raw)


def test_sendgrid_timestamps_keys_and_custom_args() -> None:
    base = {"event": "bounce", "email": "A@B.example", "type": "bounce"}
    (ms,) = sg({**base, "timestamp": 1591726752372})
    assert ms.occurred_at == datetime.fromtimestamp(1591726752.372, UTC)
    (s,) = sg({**base, "timestamp": "123456789", "sg_message_id": "m1"})
    assert s.occurred_at == datetime.fromtimestamp(123456789, UTC)
    assert s.dedup_key == "sendgrid:m1:bounce:a@b.example:123456789"
    (n,) = sg(base)
    assert n.occurred_at == RECEIVED_AT
    assert n.dedup_key.startswith("sendgrid:sha256:")
    (c,) = sg({**base, "category": ["c1", "c2"], "subscriber_name": "Ann"})
    assert (c.campaign_name, c.subscriber_name) == ("c1", "Ann")
    (c,) = sg({**base, "category": "c1", "campaign_name": "explicit"})
    assert c.campaign_name == "explicit"
    (cap,) = sg({**base, "event": "Bounce", "timestamp": 1})
    assert cap.kind is EventKind.HARD


def test_sendgrid_blocked_no_such_user_is_hard() -> None:
    (e,) = sg({"event": "bounce", "type": "blocked", "email": "a@b.example", "timestamp": 1,
               "reason": "550 5.1.1 user unknown"})  # fmt: skip
    assert e.kind is EventKind.HARD


# -- bad input ---------------------------------------------------------------------


def raw_of(provider: str, body: bytes, **headers: str) -> RawEvent:
    return RawEvent(
        "e", provider, body, RECEIVED_AT, {k.replace("_", "-"): v for k, v in headers.items()}
    )


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize("body", [b"{not json", b"", b"\xff\xfe\x00", b"[1, 2"])
def test_not_json_is_a_parse_error(provider: str, body: bytes) -> None:
    ctype = "application/json" if provider != "ses" else "text/plain; charset=UTF-8"
    with pytest.raises(ParseError, match=provider):
        parse(raw_of(provider, body, content_type=ctype))


@pytest.mark.parametrize(
    ("provider", "body", "reason"),
    [
        ("ses", b"[]", "not a JSON object"),
        ("ses", b'{"foo": 1}', "neither an SNS message nor an SES event"),
        ("ses", b'{"Type": "Bogus", "Message": "{}"}', "unknown SNS message Type"),
        ("ses", b'{"Type": "Notification", "Message": 5}', "without a string Message"),
        ("ses", b'{"Type": "Notification", "Message": "[1]"}', "not a JSON object"),
        ("ses", b'{"notificationType": "Bounce"}', "without a 'bounce' object"),
        ("ses", b'{"notificationType": "Bounce", "bounce": {"bounceType": "Permanent"}}',
         "without bouncedRecipients"),
        ("ses", b'{"eventType": "Bounce", "bounce": {"bouncedRecipients": [{}]}}',
         "recipient address missing"),
        ("ses", b'{"eventType": "Complaint", "complaint": {"complainedRecipients": '
                b'[{"emailAddress": "not-an-address"}]}}', "not an email address"),
        ("ses", b'{"eventType": 7}', "not a string"),
        ("ses", b'{"eventType": "Delivery", "delivery": {"recipients": ["a@b.c"], '
                b'"timestamp": "yesterday"}}', "bad timestamp"),
        ("mailgun", b"[]", "without an event-data object"),
        ("mailgun", b'{"event-data": []}', "without an event-data object"),
        ("mailgun", b'{"event-data": {"severity": "permanent"}}', "without an event name"),
        ("mailgun", b'{"event-data": {"event": "failed", "severity": "permanent"}}',
         "recipient address missing"),
        ("mailgun", b'{"event-data": {"event": "delivered", "recipient": "a@b.c", '
                    b'"timestamp": "soon"}}', "bad timestamp"),
        ("sendgrid", b'{"event": "bounce"}', "not a JSON array"),
        ("sendgrid", b"[1]", "#0 is not an object"),
        ("sendgrid", b'[{"event": "open", "email": "a@b.c"}, {"email": "a@b.c"}]',
         "#1 has no event name"),
        ("sendgrid", b'[{"event": "delivered", "email": "a@b.c", "timestamp": 1}, '
                     b'{"event": "bounce", "timestamp": 1}]', "recipient address missing"),
        ("sendgrid", b'[{"event": "bounce", "email": "a@b.c", "timestamp": "x"}]',
         "bad timestamp"),
    ],
)  # fmt: skip
def test_wrong_shape_is_a_parse_error(provider: str, body: bytes, reason: str) -> None:
    ctype = "application/json" if provider != "ses" else "text/plain; charset=UTF-8"
    with pytest.raises(ParseError, match=reason):
        parse(raw_of(provider, body, content_type=ctype))


def test_mailgun_legacy_without_event_is_a_parse_error() -> None:
    raw = raw_of("mailgun", b"recipient=a%40b.c", content_type="application/x-www-form-urlencoded")
    with pytest.raises(ParseError, match="without an event field"):
        parse(raw)


def test_empty_sendgrid_batch_is_nothing() -> None:
    assert parse(raw_of("sendgrid", b"[]", content_type="application/json")) == []


def test_ses_message_not_json() -> None:
    def envelope(message: str) -> RawEvent:
        body = orjson.dumps({"Type": "Notification", "MessageId": "m", "Message": message})
        return raw_of("ses", body, content_type="text/plain; charset=UTF-8")

    assert parse(envelope("Successfully validated SNS topic for Amazon SES.")) == []
    with pytest.raises(ParseError, match="SNS Message is not valid JSON"):
        parse(envelope('{"notificationType": "Bounce", '))


def test_unknown_provider() -> None:
    with pytest.raises(ParseError, match="unknown provider 'postmark'"):
        parse(raw_of("postmark", b"{}"))


def test_unexpected_exceptions_become_parse_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(_raw: RawEvent, _keys: object = None) -> list[CanonicalEvent]:
        raise KeyError("surprise")

    monkeypatch.setitem(parsers_pkg._PARSERS, "sendgrid", boom)
    with pytest.raises(ParseError, match="KeyError"):
        parse(raw_of("sendgrid", b"[]"))


_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**64 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
)
_VALUES = _SCALARS | st.lists(_SCALARS, max_size=3) | st.dictionaries(st.text(max_size=5), _SCALARS)
_PROVIDER_PARSE = {"ses": ses.parse, "mailgun": mailgun.parse, "sendgrid": sendgrid.parse}
_JSON_FIXTURES = [
    (p, n)
    for p, n in ALL_FIXTURES
    if EXPECTED[(p, n)] and not isinstance(load_fixture(p, n)[1]["body"], str)
]


def _paths(node: object, prefix: tuple[str | int, ...] = ()) -> list[tuple[str | int, ...]]:
    out = [prefix]
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _paths(v, (*prefix, i))
    return out


@settings(max_examples=400, deadline=None)
@given(data=st.data())
def test_mutated_fixtures_raise_only_parse_errors(data: st.DataObject) -> None:
    """Each parser itself (without the dispatcher's safety net) turns any damage to a
    real payload into a ParseError, or still parses it."""
    provider, name = data.draw(st.sampled_from(_JSON_FIXTURES))
    raw, doc = load_fixture(provider, name)
    body = doc["body"]
    inner = None
    if isinstance(body, dict) and isinstance(body.get("Message"), str):
        inner = orjson.loads(body["Message"])  # mutate the SES event inside SNS
    target = inner if inner is not None else body
    path = data.draw(st.sampled_from(_paths(target)[1:]))
    node = target
    for step in path[:-1]:
        node = node[step]
    if data.draw(st.booleans()) and isinstance(node, dict):
        del node[path[-1]]
    else:
        node[path[-1]] = data.draw(_VALUES)
    if inner is not None:
        body["Message"] = orjson.dumps(inner).decode()
    mutated = RawEvent("e", provider, orjson.dumps(body), RECEIVED_AT, raw.headers)
    try:
        events = _PROVIDER_PARSE[provider](mutated)
    except ParseError:
        return
    assert all(e.kind is not EventKind.IGNORED for e in events)


@settings(max_examples=200, deadline=None)
@given(provider=st.sampled_from(PROVIDERS), junk=st.binary(max_size=60))
def test_junk_bytes_raise_only_parse_errors(provider: str, junk: bytes) -> None:
    for ctype in ("application/json", "application/x-www-form-urlencoded", ""):
        try:
            _PROVIDER_PARSE[provider](raw_of(provider, junk, content_type=ctype))
        except ParseError:
            pass
