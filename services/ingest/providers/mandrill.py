"""Mandrill (Mailchimp Transactional) webhooks: signed.

`X-Mandrill-Signature` = base64(HMAC-SHA1(webhook key, the webhook URL exactly as
configured at Mandrill + each POST field's name and value, sorted by name)). The URL
is the public one (`req.url`: BOUNCEFLOW_PUBLIC_URL + path + query), so a proxy in
front does not break it. Key: BOUNCEFLOW_MANDRILL_WEBHOOK_KEY. Basic auth
(BOUNCEFLOW_WEBHOOK_BASIC_AUTH) also passes, as for every provider. There is no
timestamp in the signed string, so no freshness check: a replay is a provider retry
and dedup makes it harmless.

When Mandrill's HEAD check of a new webhook fails, it POSTs `mandrill_events=[]`
signed with the documented generic key `test-webhook` (the real key does not exist
yet). That exact empty batch is accepted: it carries no event.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Final
from urllib.parse import parse_qsl

import orjson

from services.ingest.providers._credentials import GLOBAL_BASIC, secret
from services.ingest.providers.base import (
    AuthMethod,
    Verdict,
    WebhookRequest,
    accepted,
    refused,
)
from shared.settings import Settings

NAME: Final = "mandrill"
FORM: Final = "application/x-www-form-urlencoded"
FIELD: Final = "mandrill_events"
HEADER: Final = "X-Mandrill-Signature"
TEST_KEY: Final = "test-webhook"  # Mandrill's generic key for the empty test POST
KEY_SETTING: Final = "BOUNCEFLOW_MANDRILL_WEBHOOK_KEY"


def _fields(body: bytes) -> list[tuple[str, str]] | None:
    try:
        return parse_qsl(body.decode(), keep_blank_values=True, strict_parsing=False)
    except UnicodeDecodeError:
        return None


def signature(key: str, url: str, fields: list[tuple[str, str]]) -> str:
    """Mandrill's signature of a POST to `url` with these form fields."""
    signed = url + "".join(name + value for name, value in sorted(fields))
    digest = hmac.new(key.encode(), signed.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def _matches(key: str, url: str, fields: list[tuple[str, str]], sent: str) -> bool:
    return hmac.compare_digest(signature(key, url, fields).encode(), sent.strip().encode())


def _is_test_post(fields: list[tuple[str, str]]) -> bool:
    return len(fields) == 1 and fields[0][0] == FIELD and fields[0][1].strip() == "[]"


def authenticate(req: WebhookRequest, settings: Settings) -> Verdict:
    """A valid signature with the webhook key, or basic auth; the empty test POST."""
    if req.basic_ok:
        return accepted(AuthMethod.BASIC)
    key = secret(settings.mandrill_webhook_key)
    sent = req.headers.get(HEADER)
    fields = _fields(req.body)
    if sent and fields is not None:
        if key is not None and _matches(key, req.url, fields, sent):
            return accepted(AuthMethod.SIGNATURE)
        if _is_test_post(fields) and _matches(TEST_KEY, req.url, fields, sent):
            return accepted(AuthMethod.SIGNATURE)
    challenge = secret(settings.webhook_basic_auth) is not None
    if key is not None:
        if not sent:
            return refused(f"missing {HEADER}", challenge=challenge)
        hint = (
            "" if settings.public_url else " (it signs the public URL: set BOUNCEFLOW_PUBLIC_URL)"
        )
        return refused(f"Mandrill signature does not match{hint}", challenge=challenge)
    if challenge:
        return refused("authentication required", challenge=True)
    return refused(
        f"no authentication configured for Mandrill webhooks: set {KEY_SETTING} "
        f"(and BOUNCEFLOW_PUBLIC_URL) or {GLOBAL_BASIC}"
    )


def well_formed(req: WebhookRequest) -> str | None:
    """A form post whose one `mandrill_events` field holds a JSON array."""
    if req.content_type != FORM:
        return f"unsupported content type {req.content_type!r} for Mandrill ({FORM})"
    fields = _fields(req.body)
    if fields is None:
        return "form body is not UTF-8"
    values = [value for name, value in fields if name == FIELD]
    if len(values) != 1:
        return f"Mandrill posts exactly one {FIELD} field"
    try:
        events = orjson.loads(values[0])
    except orjson.JSONDecodeError:
        return f"{FIELD} is not JSON"
    if not isinstance(events, list):
        return f"{FIELD} is not a JSON array"
    return None
