"""Mailgun webhooks: the JSON form (`signature` + `event-data`) and the legacy form posts.

Authenticated by HMAC-SHA256 of timestamp + token with the signing key, a fresh
timestamp, and (in the route) the one-time token; or by basic auth.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Final
from urllib.parse import parse_qsl

import orjson

from services.ingest.providers.base import (
    AuthMethod,
    Verdict,
    WebhookRequest,
    accepted,
    refused,
)
from services.ingest.providers.checks import stale, unconfigured
from shared.settings import Settings

NAME: Final = "mailgun"
_FORMS: Final = ("application/x-www-form-urlencoded", "multipart/form-data")


def mailgun_signature_fields(content_type: str, body: bytes) -> tuple[str, str, str] | None:
    """(timestamp, token, signature) of a Mailgun webhook, JSON or legacy form.

    In legacy form posts user-variables share the namespace, so the real
    signature fields are the *last* values.
    """
    try:
        if content_type.startswith("application/json"):
            sig = orjson.loads(body).get("signature")
            if not isinstance(sig, dict):
                return None
            fields = (sig.get("timestamp"), sig.get("token"), sig.get("signature"))
        elif content_type.startswith("application/x-www-form-urlencoded"):
            last: dict[str, str] = {}
            for key, value in parse_qsl(body.decode(), keep_blank_values=True):
                last[key] = value
            fields = (last.get("timestamp"), last.get("token"), last.get("signature"))
        else:
            return None
    except (orjson.JSONDecodeError, UnicodeDecodeError, AttributeError):
        return None
    if not all(isinstance(f, str | int) for f in fields):
        return None
    return str(fields[0]), str(fields[1]), str(fields[2])


def verify_mailgun(
    fields: tuple[str, str, str] | None, signing_key: str, now: float, tolerance: float
) -> Verdict:
    """HMAC-SHA256(key, timestamp + token), hex, compared in constant time; fresh timestamp.

    A passing verdict carries the token, for the cross-replica replay guard.
    """
    if fields is None:
        return refused("missing Mailgun signature fields")
    timestamp, token, signature = fields
    expected = hmac.new(signing_key.encode(), (timestamp + token).encode(), hashlib.sha256)
    if not hmac.compare_digest(expected.hexdigest(), signature.lower()):
        return refused("Mailgun signature does not match")
    return stale("Mailgun", timestamp, now, tolerance) or accepted(AuthMethod.SIGNATURE, token)


def authenticate(req: WebhookRequest, settings: Settings) -> Verdict:
    """Basic auth, else the signing key's HMAC; 401 naming the setting when neither is set."""
    if req.basic_ok:
        return accepted(AuthMethod.BASIC)
    if settings.mailgun_signing_key is None:
        return unconfigured(settings, "BOUNCEFLOW_MAILGUN_SIGNING_KEY")
    fields = mailgun_signature_fields(req.content_type, req.body)
    key = settings.mailgun_signing_key.get_secret_value()
    return verify_mailgun(fields, key, req.now, settings.signature_tolerance)


def well_formed(req: WebhookRequest) -> str | None:
    """A JSON object, or a legacy form post."""
    if not req.content_type.startswith("application/json"):
        if req.content_type.startswith(_FORMS):
            return None
        return f"unsupported content type {req.content_type!r} for Mailgun"
    try:
        doc = orjson.loads(req.body)
    except orjson.JSONDecodeError:
        return "body is not JSON"
    return None if isinstance(doc, dict) else "body must be a JSON object"
