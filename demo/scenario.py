"""The demo's replay: bundled provider samples, and what each address must end as."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

SAMPLES = Path(__file__).parent / "samples"
MAILGUN_KEY = "demo-mailgun-signing-key"

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
}
EXPECTED_BOUNCED_WEBHOOKS = 8  # 2 SES hard, 1 + 3 Mailgun, 1 hard + 1 blocked SendGrid


def _sign_mailgun(body: dict[str, Any]) -> dict[str, Any]:
    """Re-sign a Mailgun sample now, as Mailgun would (HMAC over timestamp + token)."""
    ts = str(int(time.time()))
    token = hashlib.sha256(orjson.dumps(body["event-data"]) + ts.encode()).hexdigest()[:50]
    sig = hmac.new(MAILGUN_KEY.encode(), (ts + token).encode(), hashlib.sha256).hexdigest()
    return {**body, "signature": {"timestamp": ts, "token": token, "signature": sig}}


def _body(sample: dict[str, Any]) -> bytes:
    if "raw_body" in sample:
        return str(sample["raw_body"]).encode()
    body = sample["body"]
    return body.encode() if isinstance(body, str) else orjson.dumps(body)


def requests() -> Iterator[tuple[str, str, bytes, dict[str, str]]]:
    """(label, provider, body, headers) for every request the demo sends."""
    for path in sorted(SAMPLES.glob("*.json")):
        provider = path.name.split("-", 1)[0]
        sample = json.loads(path.read_text())
        headers = {k: v for k, v in sample["headers"].items() if k.lower() != "content-length"}
        headers["Content-Type"] = sample["content_type"]
        if provider != "mailgun":
            yield path.stem, provider, _body(sample), headers
            continue
        body = sample["body"]
        repeats = 3 if body["event-data"].get("severity") == "temporary" else 1
        for n in range(repeats):
            data = body["event-data"]
            event = {**data, "id": f"{data['id']}-{n}", "timestamp": data["timestamp"] + n * 3600}
            signed = _sign_mailgun({**body, "event-data": event})
            yield f"{path.stem}#{n + 1}", provider, orjson.dumps(signed), headers
