"""Parser details beyond the fixture table: times, ids, metadata, legacy quirks."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

import orjson

from services.processor.parsers import parse
from shared.models import CanonicalEvent, EventKind
from shared.raw import RawEvent
from tests.provider_fixtures import RECEIVED_AT, load_fixture


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
