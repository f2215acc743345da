"""Provider payload generators for the benchmarks: real formats, unique ids per request."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import time
import uuid
from collections.abc import Iterator

import orjson

MAILGUN_KEY = "bench-signing-key"


def ses_bounce(n: int) -> tuple[str, bytes, dict[str, str], int]:
    message = {
        "notificationType": "Bounce",
        "bounce": {
            "bounceType": "Permanent",
            "bounceSubType": "General",
            "bouncedRecipients": [
                {
                    "emailAddress": f"ses{n}@bench.test",
                    "status": "5.1.1",
                    "action": "failed",
                    "diagnosticCode": "smtp; 550 5.1.1 user unknown",
                }
            ],
            "timestamp": "2026-01-27T14:59:38.237Z",
            "feedbackId": f"fb-{n}",
        },
        "mail": {
            "messageId": f"ses-msg-{n}",
            "timestamp": "2026-01-27T14:59:38.000Z",
            "source": "news@bench.test",
            "destination": [f"ses{n}@bench.test"],
        },
    }
    mid = str(uuid.uuid4())
    body = orjson.dumps(
        {
            "Type": "Notification",
            "MessageId": mid,
            "TopicArn": "arn:aws:sns:us-east-1:123456789012:bench",
            "Message": orjson.dumps(message).decode(),
            "Timestamp": "2026-01-27T14:59:39.000Z",
            "SignatureVersion": "1",
            "Signature": "x",
            "SigningCertURL": "https://sns.us-east-1.amazonaws.com/x.pem",
        }
    )
    headers = {
        "Content-Type": "text/plain; charset=UTF-8",
        "x-amz-sns-message-type": "Notification",
        "x-amz-sns-message-id": mid,
    }
    return "ses", body, headers, 1


def mailgun_failed(n: int) -> tuple[str, bytes, dict[str, str], int]:
    ts = str(int(time.time()))
    token = uuid.uuid4().hex
    sig = hmac.new(MAILGUN_KEY.encode(), (ts + token).encode(), hashlib.sha256).hexdigest()
    body = orjson.dumps(
        {
            "signature": {"timestamp": ts, "token": token, "signature": sig},
            "event-data": {
                "id": uuid.uuid4().hex,
                "event": "failed",
                "severity": "temporary",
                "reason": "generic",
                "timestamp": time.time(),
                "recipient": f"mg{n % 5000}@bench.test",
                "delivery-status": {
                    "code": 452,
                    "message": "4.2.2 mailbox full",
                    "description": "",
                    "enhanced-code": "4.2.2",
                },
                "message": {"headers": {"message-id": f"mg-{n}@bench.test"}},
            },
        }
    )
    return "mailgun", body, {"Content-Type": "application/json"}, 1


def sendgrid_batch(n: int, size: int = 5) -> tuple[str, bytes, dict[str, str], int]:
    now = int(time.time())
    events = []
    for i in range(size):
        kind = ("bounce", "delivered", "bounce", "delivered", "spamreport")[i % 5]
        ev: dict[str, object] = {
            "email": f"sg{n}-{i}@bench.test",
            "event": kind,
            "timestamp": now,
            "sg_event_id": uuid.uuid4().hex,
            "sg_message_id": f"sg{n}.filter",
        }
        if kind == "bounce":
            ev.update({"type": "bounce", "status": "5.1.1", "reason": "550 5.1.1 unknown user"})
        events.append(ev)
    return "sendgrid", orjson.dumps(events), {"Content-Type": "application/json"}, size


GENERATORS = (ses_bounce, mailgun_failed, sendgrid_batch)


def stream() -> Iterator[tuple[str, bytes, dict[str, str], int]]:
    """An endless round-robin of the three providers."""
    for n in itertools.count():
        yield GENERATORS[n % 3](n)
