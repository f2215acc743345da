"""The demo's replay: bundled provider samples, and what each address must end as."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

import orjson

from demo.keys import DemoKeys
from demo.signing import authenticate

SAMPLES = Path(__file__).parent / "samples"

# address -> final status the policy must reach
EXPECTED_STATUS = {
    "jane@example.com": "bounced",  # SES hard bounce (a later delivery does not undo it)
    "richard@example.com": "unsubscribed",  # SES complaint
    "recipient@example.com": "bounced",  # SES hard bounce, SNS raw message delivery
    "christest123@test.com": "bounced",  # Mailgun failed/permanent
    "test@test.com": "bounced",  # Mailgun failed/temporary x3: the soft streak
    "foo@example.com": "unsubscribed",  # Mailgun complained
    "john@example.com": "active",  # Mailgun delivered
    "bounce@sg.example.com": "bounced",  # SendGrid bounce/bounce
    "blocked@sg.example.com": "active",  # SendGrid bounce/blocked: one soft bounce
    "spam@sg.example.com": "unsubscribed",  # SendGrid spamreport
    "ok@sg.example.com": "active",  # SendGrid delivered
    "bounce@example.com": "bounced",  # Postmark Bounce/HardBounce 550 5.1.1
    "nonexist@example.com": "bounced",  # SparkPost bounce, bounce_class 10
    "bounce@mailjet.com": "bounced",  # Mailjet bounce, hard_bounce true (user unknown)
    "not-a-user@example.com": "bounced",  # Brevo hard_bounce 550 5.5.0
    "bounce@mandrill.example.com": "bounced",  # Mandrill hard_bounce 550 5.1.1
    "bounced@resend.dev": "bounced",  # Resend email.bounced Permanent/General 550 5.1.1
    "complained@resend.dev": "unsubscribed",  # Resend email.complained
    "failed@example.com": "bounced",  # Postal MessageDeliveryFailed HardFail
    "invalid@example.com": "bounced",  # MailerSend activity.hard_bounced
    "notauser@example.com": "active",  # MailerSend activity.soft_bounced: one soft bounce
    "bounce@unisender-go.example.com": "bounced",  # Unisender Go hard_bounced err_user_unknown
    "invalid@mailtrap.example.com": "bounced",  # Mailtrap bounce, bounce_category hard
}
# SES 2 hard; Mailgun 1 hard + 3 soft; SendGrid 1 hard + 1 blocked; one hard each from
# Postmark, SparkPost, Mailjet, Brevo, Mandrill, Resend, Postal, MailerSend, Unisender Go,
# Mailtrap; MailerSend 1 soft
EXPECTED_BOUNCED_WEBHOOKS = 2 + 4 + 2 + 10 + 1


class Request(NamedTuple):
    label: str
    provider: str
    body: bytes
    headers: dict[str, str]
    auth: str  # "signed" or "basic"


def _body(sample: dict[str, Any]) -> bytes:
    if "raw_body" in sample:
        return str(sample["raw_body"]).encode()
    body = sample["body"]
    return body.encode() if isinstance(body, str) else orjson.dumps(body)


def _mailgun_events(body: bytes) -> Iterator[tuple[str, bytes]]:
    """A temporary failure is sent three times (hours apart), to show the soft streak."""
    doc = orjson.loads(body)
    data = doc["event-data"]
    repeats = 3 if data.get("severity") == "temporary" else 1
    for n in range(repeats):
        event = {**data, "id": f"{data['id']}-{n}", "timestamp": data["timestamp"] + n * 3600}
        yield f"#{n + 1}", orjson.dumps({**doc, "event-data": event})


def requests(keys: DemoKeys, base_url: str) -> Iterator[Request]:
    """Every request the demo sends to the ingest at `base_url`, authenticated now."""
    for path in sorted(SAMPLES.glob("*.json")):
        provider = path.name.split("-", 1)[0]
        sample = json.loads(path.read_text())
        headers = {k: v for k, v in sample["headers"].items() if k.lower() != "content-length"}
        headers["Content-Type"] = sample["content_type"]
        url = f"{base_url}/api/v1/webhooks/{provider}"
        bodies = _mailgun_events(_body(sample)) if provider == "mailgun" else [("", _body(sample))]
        for suffix, body in bodies:
            signed, extra, how = authenticate(provider, body, keys, url, int(time.time()))
            yield Request(path.stem + suffix, provider, signed, {**headers, **extra}, how)
